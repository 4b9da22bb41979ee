/// What happened to a stream of sequence-numbered datagrams, computed as RFC 3550
/// appendix A.1/A.3 does for a 32-bit sequence (Spec §6).
///
/// * Sequence numbers are **extended** to 64 bits across wraps: each is placed nearest to
///   the highest seen so far (within ±2³¹).
/// * `received` counts distinct sequence numbers; a repeat is a **duplicate** and counted
///   apart, not as received.
/// * A packet older than the highest seen (and not a repeat) is **out of order** (late); it
///   counts as received, so it is not lost.
/// * `expected` = highest − first + 1, where *first* is the lower of the first sequence the
///   receiver was owed (from the welcome) and the lowest received, and *highest* also takes
///   the end frame's last sequence, so events lost at either end count as lost.
/// * `lost` = expected − received (never negative: every received number lies in the range).
/// * Interarrival **jitter** (A.8): with S the scheduled send time (sequence × interval) and
///   R the arrival time, D = (R_i − R_{i−1}) − (S_i − S_{i−1}) over consecutive arrivals,
///   J += (|D| − J) / 16.
/// * **Plausibility** (Spec §6.1, after RFC 3550 A.1's MAX_DROPOUT and probation): a sequence
///   further ahead of the highest than the time since the last accepted arrival allows
///   (``plausibleAdvance(after:interval:)``), before the first sequence owed, or (with nothing
///   owed) far behind the lowest, moves nothing: it is set aside, and counted as
///   ``implausible``, until the next datagram follows it directly (then both count, as a real
///   jump would) or another replaces it.
public struct ReceptionStatistics: Sendable, Hashable {
    /// How one datagram was classified.
    public enum Outcome: String, Sendable, Hashable {
        /// Newer than anything before it (possibly after a gap).
        case inOrder
        /// Older than the highest seen: reordered or late.
        case outOfOrder
        /// A sequence number already received.
        case duplicate
        /// Not plausible (Spec §6.1): set aside, not counted, until the stream confirms it.
        case implausible
    }

    /// The least advance always allowed, whatever the elapsed time (RFC 3550's MAX_DROPOUT is
    /// 3,000 at video rates; a match has about 50 events).
    public static let minimumAdvance: Int64 = 100
    /// The advance allowed when the interval is unknown or 0 (RFC 3550's MAX_DROPOUT).
    public static let unpacedAdvance: Int64 = 3000
    /// How far below the lowest received a sequence may lie when nothing is owed.
    public static let maximumMisorder: Int64 = 3000

    /// How far below the highest sequence a number is still remembered for duplicate detection.
    public static let duplicateWindow: Int64 = 1 << 16

    /// Distinct sequence numbers received.
    public private(set) var received = 0
    /// Repeats of sequence numbers already received.
    public private(set) var duplicates = 0
    /// Received packets older than the highest seen before them.
    public private(set) var outOfOrder = 0
    /// The interarrival jitter in seconds (0 until two packets with a schedule arrived).
    public private(set) var jitter: Double = 0
    /// Datagrams set aside as implausible (Spec §6.1) and never confirmed.
    public private(set) var implausible = 0
    /// Events that never arrived first time but arrived as retransmissions (Spec §4.8).
    public private(set) var repaired = 0
    /// Events that never arrived first time and were given up (repair ran out of attempts, or
    /// the server no longer held them).
    public private(set) var unrecovered = 0
    /// Seconds from noticing each repaired event missing to its retransmission's arrival.
    public private(set) var repairDelays: [Double] = []
    private var repairedSequences: Set<Int64> = []
    private var unrecoveredSequences: Set<Int64> = []

    private var lowest: Int64?
    private var highest: Int64?
    private var owedFirst: Int64?
    private var announcedLast: Int64?
    private var seen: Set<Int64> = []
    private var lastTransit: Double?
    private var lastArrival: Double?
    /// The implausible datagram set aside, waiting for its successor.
    private var probation: Candidate?
    private struct Candidate: Hashable, Sendable {
        var sequence: Int64
        var arrival: Double
    }

    /// Creates empty statistics.
    public init() {}

    /// The extended form of `sequence`, nearest to the highest (or owed) sequence so far.
    ///
    /// - Returns: a 64-bit sequence within ±2³¹ of that reference; `sequence` itself before there is one.
    public func extend(_ sequence: UInt32) -> Int64 {
        guard let reference = highest ?? owedFirst else { return Int64(sequence) }
        let delta = Int32(bitPattern: sequence &- UInt32(truncatingIfNeeded: reference))
        return reference + Int64(delta)
    }

    /// Notes the first sequence this receiver is owed (the welcome says so), so that events
    /// lost before the first arrival count as lost.
    public mutating func expectFirst(_ sequence: UInt32) {
        owedFirst = extend(sequence)
    }

    /// Notes the last sequence the sender sent (the end frame says so).
    public mutating func noteLast(_ sequence: UInt32) {
        let extended = extend(sequence)
        announcedLast = max(announcedLast ?? extended, extended)
    }

    /// Records one datagram.
    ///
    /// - Parameters:
    ///   - sequence: its sequence number.
    ///   - arrival: when it arrived, in seconds on any monotonic clock.
    ///   - interval: the sender's nominal seconds between consecutive sequence numbers, for
    ///     jitter; `nil` when unknown (jitter then stays 0).
    /// - Returns: how it was classified; an ``Outcome/implausible`` one is set aside until the next datagram follows it.
    @discardableResult
    public mutating func record(_ sequence: UInt32, arrival: Double, interval: Double?) -> Outcome {
        let extended = extend(sequence)
        if let candidate = probation {
            if extended == candidate.sequence + 1 {
                // The stream confirms the jump: both count, in order.
                probation = nil
                implausible -= 1
                accept(candidate.sequence, arrival: candidate.arrival, interval: interval)
                return accept(extended, arrival: arrival, interval: interval)
            }
        }
        guard isPlausible(extended, arrival: arrival, interval: interval) else {
            implausible += 1  // a candidate it replaces stays counted: it was never confirmed
            probation = Candidate(sequence: extended, arrival: arrival)
            return .implausible
        }
        return accept(extended, arrival: arrival, interval: interval)
    }

    /// How far ahead of the highest sequence a datagram arriving `elapsed` seconds after the
    /// last accepted one may be (Spec §6.1): twice the events the interval allows in that
    /// time, plus ``minimumAdvance``; ``unpacedAdvance`` when the interval is unknown or 0.
    ///
    /// - Parameters:
    ///   - elapsed: seconds since the last accepted arrival (a negative value counts as 0).
    ///   - interval: the sender's nominal seconds between events, or `nil` when unknown.
    public static func plausibleAdvance(after elapsed: Double, interval: Double?) -> Int64 {
        guard let interval, interval > 0 else { return unpacedAdvance }
        let events = (max(0, elapsed) / interval * 2).rounded(.up)
        return minimumAdvance + Int64(min(events, Double(Int32.max)))
    }

    private func isPlausible(_ extended: Int64, arrival: Double, interval: Double?) -> Bool {
        if let owed = owedFirst, extended < owed { return false }
        if owedFirst == nil, let low = lowest, extended < low - Self.maximumMisorder { return false }
        guard let top = highest ?? owedFirst.map({ $0 - 1 }) else { return true }
        let elapsed = lastArrival.map { arrival - $0 } ?? 0
        return extended - top <= Self.plausibleAdvance(after: elapsed, interval: interval)
    }

    @discardableResult
    private mutating func accept(_ extended: Int64, arrival: Double, interval: Double?) -> Outcome {
        if seen.contains(extended) || repairedSequences.contains(extended) {
            duplicates += 1
            return .duplicate
        }
        seen.insert(extended)
        received += 1
        // Given up, then arrived after all (late): not unrecovered.
        if unrecoveredSequences.remove(extended) != nil { unrecovered -= 1 }
        let outcome: Outcome
        if let top = highest, extended < top {
            outOfOrder += 1
            outcome = .outOfOrder
        } else {
            highest = extended
            outcome = .inOrder
            if seen.count > 2 * Int(Self.duplicateWindow) {
                seen = seen.filter { $0 > extended - Self.duplicateWindow }
            }
        }
        lowest = min(lowest ?? extended, extended)
        lastArrival = arrival
        if let interval {
            let transit = arrival - Double(extended) * interval
            if let previous = lastTransit {
                jitter += (abs(transit - previous) - jitter) / 16
            }
            lastTransit = transit
        }
        return outcome
    }

    /// Whether `sequence` arrived, first time or repaired.
    public func has(_ sequence: UInt32) -> Bool {
        let extended = extend(sequence)
        return seen.contains(extended) || repairedSequences.contains(extended)
    }

    /// Records a retransmitted event (Spec §4.8). It counts as **repaired** when it had not
    /// arrived first time (nor been repaired before); `noticed` is when the receiver saw it was
    /// missing, for the repair delay. Returns whether it filled a gap. It never changes the
    /// first-time figures (received, lost, out of order, jitter).
    ///
    /// - Parameters:
    ///   - sequence: the retransmitted event's sequence number.
    ///   - arrival: when it arrived, on the clock ``record(_:arrival:interval:)`` uses.
    ///   - noticed: when it was noticed missing, on the same clock; `nil` records no delay.
    /// - Returns: `false` when it had arrived first time or was repaired already.
    @discardableResult
    public mutating func recordRepair(_ sequence: UInt32, arrival: Double, noticed: Double?) -> Bool {
        let extended = extend(sequence)
        guard !seen.contains(extended), repairedSequences.insert(extended).inserted else { return false }
        if unrecoveredSequences.remove(extended) != nil { unrecovered -= 1 }
        repaired += 1
        if let noticed { repairDelays.append(max(0, arrival - noticed)) }
        return true
    }

    /// Records events given up: those not arrived first time nor repaired count as **unrecovered**.
    public mutating func recordUnrecovered(_ sequences: [UInt32]) {
        for sequence in sequences {
            let extended = extend(sequence)
            guard !seen.contains(extended), !repairedSequences.contains(extended), unrecoveredSequences.insert(extended).inserted else { continue }
            unrecovered += 1
        }
    }

    /// The median and the largest repair delay, in seconds (nil before any repair).
    public var repairDelay: (median: Double, largest: Double)? {
        guard !repairDelays.isEmpty else { return nil }
        let sorted = repairDelays.sorted()
        return (sorted[sorted.count / 2], sorted[sorted.count - 1])
    }

    /// The repair figures as JSON members (client_stats JSON and `validate --json` alike):
    /// repaired, unrecovered, and the repair delay's median and largest in milliseconds (null
    /// before any repair).
    public var repairJSONMembers: [(String, JSONNode)] {
        func milliseconds(_ seconds: Double?) -> JSONNode {
            seconds.map { JSONNode(.double(($0 * 1_000_000).rounded() / 1000)) } ?? JSONNode(.null)
        }
        return [
            ("repaired", .int(repaired)), ("unrecovered", .int(unrecovered)),
            ("repairDelayMedianMs", milliseconds(repairDelay?.median)), ("repairDelayLargestMs", milliseconds(repairDelay?.largest)),
        ]
    }

    /// The first sequence number of the expected range (owed or lowest received).
    public var first: UInt32? {
        guard let start = [owedFirst, lowest].compactMap({ $0 }).min() else { return nil }
        return UInt32(truncatingIfNeeded: start)
    }

    /// The last sequence number of the expected range (highest received or announced).
    public var last: UInt32? {
        guard let end = [highest, announcedLast].compactMap({ $0 }).max() else { return nil }
        return UInt32(truncatingIfNeeded: end)
    }

    /// The number of datagrams the range from first to last holds.
    public var expected: Int {
        guard let start = [owedFirst, lowest].compactMap({ $0 }).min(),
            let end = [highest, announcedLast].compactMap({ $0 }).max(), end >= start
        else { return 0 }
        return Int(end - start + 1)
    }

    /// Datagrams expected but never received.
    public var lost: Int { max(0, expected - received) }
}
