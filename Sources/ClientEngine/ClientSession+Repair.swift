import GroupSigning
import Match
import RuntimeSupport
import Wire

extension ClientSession {
    /// The NACK to send now, if any is due: the missing events whose wait ran out, as ranges.
    /// Each is asked for up to ``repairAttempts`` times, with a doubling wait; then given up
    /// (counted unrecovered, and no longer holding back the log).
    public mutating func dueRepairs() -> SequenceRanges? {
        let now = clock.now()
        var asked: [Int64] = []
        var given: [Int64] = []
        var timedOut = false
        let timeout = repairTimer.timeout
        let longestWait = retryCap
        for (sequence, var entry) in pending where entry.due <= now {
            if entry.attempts > 0 { timedOut = true }  // asked before, and no answer within the timeout
            entry.attempts += 1
            if entry.attempts > Self.repairAttempts {
                given.append(sequence)
                continue
            }
            entry.due = now + min(longestWait, timeout * Double(1 << min(entry.attempts - 1, 16)))
            entry.asked = now
            pending[sequence] = entry
            asked.append(sequence)
        }
        for sequence in given { pending[sequence] = nil }
        if timedOut { repairTimer.backOff(now: now) }
        giveUp(given)
        guard !asked.isEmpty else { return nil }
        return SequenceRanges(covering: asked.sorted().map { UInt32(truncatingIfNeeded: $0) })
    }

    /// The longest wait between two NACKs for one event: ``repairBackoffCap``, or the measured
    /// timeout if longer while the match is live; after the end, ``repairBackoffCap`` (the server
    /// answers only for its repair grace then, 5 s by default, and the 12 attempts must fit in it).
    private var retryCap: Double {
        endReason == nil ? max(Self.repairBackoffCap, repairTimer.timeout) : Self.repairBackoffCap
    }

    /// Events ready for the log, in sequence order (behind a missing event they wait until it is
    /// repaired or given up); taken once.
    public mutating func takeLoggable() -> [(snapshot: LiveSnapshot, repaired: Bool)] {
        defer { loggable.removeAll() }
        return loggable
    }

    /// Everything still waiting for the log, in sequence order (the run is over).
    public mutating func takeAllLoggable() -> [(snapshot: LiveSnapshot, repaired: Bool)] {
        for key in logQueue.keys.sorted() {
            if let entry = logQueue.removeValue(forKey: key) { loggable.append(entry) }
        }
        return takeLoggable()
    }

    mutating func giveUp(_ sequences: [Int64]) {
        guard !sequences.isEmpty else { return }
        statistics.recordUnrecovered(sequences.map { UInt32(truncatingIfNeeded: $0) })
        flushLog()
    }
}
