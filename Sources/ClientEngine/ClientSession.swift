import GroupSigning
import Wire
import RuntimeSupport
import Match

/// Why a client stopped.
public enum ClientStopReason: Sendable, Hashable {
    /// The server sent the end of the match (or `End of transmission`).
    case endOfTransmission(EndReason)
    /// SIGINT (Ctrl+C).
    case interrupted
    /// SIGTERM, or a stop asked for by the program.
    case terminated
    /// SIGHUP: the terminal or SSH session the client ran in closed. It ends as on SIGTERM.
    case hangUp
    /// The server did not answer the register in time.
    case noAnswer(attempts: Int)
    /// The server refused the registration.
    case refused(Refusal)
    /// Nothing came from the server for this many seconds.
    case serverSilent(seconds: Int)

    /// The line client_stats.log starts with, in the original's words where it had them.
    public var statisticsLine: String {
        switch self {
        case .endOfTransmission: "(client) Received end of transmission."
        case .interrupted: "(client) Ctrl+C received. Unregistering client."
        case .terminated: "(client) SIGTERM received. Unregistering client."
        case .hangUp: "(client) SIGHUP received (the terminal closed). Unregistering client."
        case .noAnswer(let attempts): "(client) No answer from the server after \(attempts) register attempts."
        case .refused(let refusal): "(client) Registration refused: \(refusal.reason.name): \(refusal.text)"
        case .serverSilent(let seconds): "(client) Server silent for \(seconds) s. Unregistering client."
        }
    }

    /// Whether the client tells the server it is leaving (it stopped on its own account).
    public var unregisters: Bool {
        switch self {
        case .interrupted, .terminated, .hangUp, .serverSilent: true
        case .endOfTransmission, .noAnswer, .refused: false
        }
    }

    /// A short identifier for JSON output.
    public var name: String {
        switch self {
        case .endOfTransmission: "end_of_transmission"
        case .interrupted: "interrupted"
        case .terminated: "terminated"
        case .hangUp: "hang_up"
        case .noAnswer: "no_answer"
        case .refused: "refused"
        case .serverSilent: "server_silent"
        }
    }
}

/// The client's protocol logic, free of I/O: it turns each datagram from the server into
/// what to show, keeps the statistics, and says when the server has fallen silent. It reads
/// the time from an injected ``ProtocolClock``.
public struct ClientSession: Sendable {
    /// What a datagram meant.
    public enum Reception: Sendable {
        /// Subscribed; the latest event so far, if the match has started.
        case welcomed(Welcome, LiveSnapshot?)
        /// Not subscribed.
        case refused(Refusal)
        /// An event to show.
        case event(LiveSnapshot, ReceptionStatistics.Outcome)
        /// A repeat of an event already shown.
        case duplicate(UInt32)
        /// The match is over.
        case ended(EndReason)
        /// The server asks for its address token to be echoed in a new register.
        case challenged([UInt8])
        /// The server answered a heartbeat.
        case keepalive
        /// Not for us, or malformed.
        case ignored(String)
        /// Rejected as forged or implausible (Spec §2.1, §6.1): another subscription's
        /// identifier, or a sequence the stream has not confirmed. Counted in ``rejected``.
        case rejected(String)
        /// A missing event arrived as a retransmission (Spec §4.8), this many seconds after it
        /// was noticed missing.
        case repaired(LiveSnapshot, delay: Double?)
        /// The server no longer holds these missing events: given up.
        case unavailable([UInt32])
        /// The server holds no subscription under this client's identifier (Spec §4.12: it
        /// restarted without keeping it): register again now.
        case reset
    }

    /// Whether this session speaks the original protocol.
    public let original: Bool
    /// The welcome, once received.
    public private(set) var welcome: Welcome?
    /// What the network did to the stream.
    public private(set) var statistics = ReceptionStatistics()
    /// The latest snapshot shown.
    public private(set) var latest: LiveSnapshot?
    /// Set once the end arrived.
    public private(set) var endReason: EndReason?
    /// Nominal seconds between events, for jitter (from the welcome, or given for original servers).
    public private(set) var interval: Double?
    /// When anything last came from the server (monotonic seconds).
    public private(set) var lastHeard: Double? {
        didSet {
            // The first datagram after a silence ends it (a relay's lost source ends otherwise: in receive).
            if let heard = lastHeard, let last = outages.indices.last, outages[last].end == nil, outages[last].kind == .serverSilent {
                outages[last].end = heard
            }
        }
    }

    /// A time the server was silent past the client's timeout and the client registered again
    /// (`--reconnect-for`): when it was last heard, when it was heard again, and the sequences
    /// around it, from which the events missed during it (and repaired since) are counted.
    public struct Outage: Sendable, Hashable {
        /// What happened.
        public enum Kind: String, Sendable, Hashable {
            /// The server fell silent and the client registered again.
            case serverSilent = "server_silent"
            /// The server (a relay) said its own source was lost (Spec §4.10).
            case sourceLost = "source_lost"
        }
        public var kind: Kind = .serverSilent
        /// When the server was last heard before it (clock seconds).
        public var start: Double
        /// When it was heard again; nil while it lasts.
        public var end: Double?
        /// The highest sequence received before it (extended).
        package var highestBefore: Int64?
        /// The first event received after it (extended).
        package var firstAfter: Int64?
        /// How long it lasted, once over.
        public var duration: Double? { end.map { $0 - start } }
    }
    /// The outages so far, oldest first.
    public private(set) var outages: [Outage] = []
    /// Registering again after an outage, until welcomed again.
    public private(set) var reregistering = false
    /// Resets received: the server held no subscription for this client (Spec §4.12).
    public private(set) var resets = 0
    /// Times the subscription was confirmed again after an outage: a welcome answering a
    /// register sent after it, or a restarted server that kept it streaming to it again.
    public private(set) var welcomedAgain = 0

    /// The server has been silent past the timeout and the client registers again: an outage
    /// starts (it ends with the next datagram from the server).
    public mutating func beginOutage() {
        defer { reregistering = true }
        // Already on: a reset began it (and registering again), or an unanswered probe found the silence.
        if reregistering { return }
        if let last = outages.last, last.kind == .serverSilent, last.end == nil { return }
        outages.append(Outage(start: lastHeard ?? startedAt, highestBefore: statistics.last.map { statistics.extend($0) }))
    }

    /// How long a silence lasts before the client probes the server with a heartbeat, and then
    /// again as often while it lasts: three event intervals (at least half a second), at most a
    /// heartbeat period; a heartbeat period for an unpaced match; nil before the welcome, for
    /// the original protocol, or without heartbeats. A live server answers the probe; a
    /// restarted one that kept the subscription is streaming again; one that did not answers
    /// with a reset (Spec §4.12). So a 0.2 s stream notices a dead server within about a second,
    /// not at its 15 s timeout.
    public var probePeriod: Duration? {
        guard !original, let heartbeat = heartbeatPeriod else { return nil }
        guard let interval, interval > 0 else { return heartbeat }
        return min(heartbeat, .seconds(max(0.5, 3 * interval)))
    }

    /// The server has been silent for a probe period on a paced stream (three intervals with no
    /// event: it missed its own schedule), or for two on an unpaced one (a probe went
    /// unanswered: a quiet live feed is not an outage): an outage starts, dated from when the
    /// server was last heard; the next datagram from it ends it. Nothing when one is on.
    public mutating func noteSilence() {
        guard let limit = outageSilence, endReason == nil, welcome != nil, silence >= limit else { return }
        if let last = outages.last, last.end == nil { return }
        outages.append(Outage(start: lastHeard ?? startedAt, highestBefore: statistics.last.map { statistics.extend($0) }))
    }

    /// The silence that makes an outage (seconds): a probe period on a paced stream, two on an
    /// unpaced one; nil when the client does not probe.
    private var outageSilence: Double? {
        probePeriod.map { $0.inSeconds * ((interval ?? 0) > 0 ? 1 : 2) }
    }

    /// A datagram from the server arrived at `arrival`: the server is heard. A silence before it
    /// long enough to be an outage, that no probe recorded (the control task was not scheduled
    /// in time on a loaded machine), is recorded now, from the same two times: the figures do
    /// not depend on when a task ran. (A relay's word that its source is lost explains the
    /// silence: its own outage starts there, Spec §4.10.)
    private mutating func heard(at arrival: Double, sourceLost: Bool = false) {
        if !sourceLost, let previous = lastHeard, let limit = outageSilence, arrival - previous >= limit, endReason == nil,
           outages.last.map({ $0.end != nil }) ?? true {
            outages.append(Outage(start: previous, end: arrival, highestBefore: statistics.last.map { statistics.extend($0) }))
        }
        lastHeard = arrival
    }

    /// The server (a relay) says its source is lost: an outage of the source starts, unless one
    /// is on already (it ends with the next frame without the flag).
    private mutating func sourceLost(at arrival: Double) {
        if let last = outages.last, last.kind == .sourceLost, last.end == nil { return }
        outages.append(Outage(kind: .sourceLost, start: arrival, highestBefore: statistics.last.map { statistics.extend($0) }))
    }

    /// The events sent while `outage` lasted that did not arrive then (the gap between the last
    /// event before it and the first after), and how many of them have arrived since (repaired).
    public func figures(of outage: Outage) -> (missed: Int, repaired: Int) {
        guard let before = outage.highestBefore, let after = outage.firstAfter, after > before + 1 else { return (0, 0) }
        let gap = (before + 1)..<after
        return (gap.count, gap.filter { statistics.has(UInt32(truncatingIfNeeded: $0)) }.count)
    }
    /// The latest address token from a challenge, to echo in the next register.
    public private(set) var token: [UInt8] = []
    /// When the session started (clock seconds): silence counts from here until the first datagram.
    public let startedAt: Double
    private let clock: any ProtocolClock

    /// Creates a session; `originalInterval` is the original server's interval, when known.
    /// The subscription identifier this session's register carries and every frame of the
    /// subscription must carry (Spec §2.1): drawn from the system's cryptographically secure
    /// generator, a fresh one for every session. Unused by the original protocol.
    public let subscription: UInt64
    /// Datagrams with another subscription's identifier (forged, or stale from an earlier run).
    public private(set) var wrongIdentifier = 0

    /// Datagrams rejected: another subscription's identifier, or an implausible sequence never
    /// confirmed (Spec §6.1), or a group datagram forged or replayed (Spec §4.11).
    public var rejected: Int { wrongIdentifier + statistics.implausible + group.forged + group.replayed }

    /// The key group events must be signed with, pinned by `client --server-key`: a welcome
    /// that offers another key is not followed to its group.
    public var pinnedKey: GroupPublicKey?
    /// The multicast group the welcome offered (Spec §4.11), when its key is acceptable (the
    /// pinned one, or any without a pin): the client may join it.
    public private(set) var groupOffer: MulticastOffer?
    /// The key the offered group's events are checked with.
    public private(set) var groupKey: GroupPublicKey?
    /// A welcome offered a group whose key is not the pinned one: that key.
    public private(set) var refusedKey: GroupPublicKey?
    /// What came from the multicast group (Spec §4.11).
    public private(set) var group = GroupFigures()

    /// What came from the multicast group.
    public struct GroupFigures: Sendable, Hashable {
        /// Signed group events of this match and format taken (first time or late).
        public var accepted = 0
        /// Group datagrams of this match whose signature is not the server's key: forged, rejected.
        public var forged = 0
        /// Correctly signed group events already held: replayed (or duplicated by the network), rejected.
        public var replayed = 0
        /// Group datagrams of other matches or formats (the group carries them all): ignored.
        public var others = 0
        /// Group datagrams that are no group event, or do not decode: ignored.
        public var malformed = 0
        /// Events repaired since the last group event taken: many in a row, and the group does
        /// not reach this receiver (its client goes back to unicast).
        public var repairedInARow = 0

        /// Figures with these counts.
        public init(accepted: Int = 0, forged: Int = 0, replayed: Int = 0, others: Int = 0, malformed: Int = 0) {
            (self.accepted, self.forged, self.replayed, self.others, self.malformed) = (accepted, forged, replayed, others, malformed)
        }
    }

    /// Whether missing events are asked for again (Spec §4.8; `client --no-repair` turns it off).
    public let repairs: Bool
    /// Events noticed missing, by extended sequence, waiting for a retransmission.
    private var pending: [Int64: PendingRepair] = [:]
    private struct PendingRepair: Sendable {
        package var noticed: Double
        package var attempts = 0
        package var due: Double
        /// When the last NACK for it went out.
        package var asked: Double?
    }
    /// The repair round trip's estimate (RFC 6298's SRTT, RTTVAR and RTO, with Karn's rule).
    public private(set) var repairTimer = RepairTimer(initial: ClientSession.repairBackoff, cap: ClientSession.repairTimeoutCap)
    /// The highest extended sequence whose predecessors have been checked for gaps.
    private var checkedUpTo: Int64?
    /// From the welcome: the first sequence owed, and the one a heartbeat answer must exceed to
    /// reveal events before any has arrived (the welcome's own: its latest event, or, before
    /// kick-off, the first event, which an answer names before it is sent).
    private var firstOwed: Int64?
    private var revealFloor: Int64?
    /// Events waiting to be logged in sequence order behind a missing one.
    private var logQueue: [Int64: (snapshot: LiveSnapshot, repaired: Bool)] = [:]
    private var nextToLog: Int64?
    private var loggable: [(snapshot: LiveSnapshot, repaired: Bool)] = []

    /// NACKs per missing event before it is given up.
    public static let repairAttempts = 12
    /// The wait before the first NACK for a gap (reordering usually fills it sooner).
    public static let firstNackDelay = 0.01
    /// The first retry's wait before any repair round trip has been measured; each further retry
    /// doubles the wait, up to ``repairBackoffCap`` or the measured timeout, whichever is larger.
    public static let repairBackoff = 0.02
    public static let repairBackoffCap = 0.5
    /// The largest repair timeout the round-trip estimate may reach.
    public static let repairTimeoutCap = 2.0
    /// The largest gap asked for; beyond it, the events are given up at once.
    public static let maximumGap: Int64 = 4096

    /// Creates a session; `originalInterval` is the original server's interval, when known.
    /// `subscription` is for tests; by default a fresh random identifier (never 0).
    /// Continuing an earlier run of this client (``ClientProgress``): its match, and the last
    /// event it logged; every later one is owed, and asked for once the welcome says how far
    /// the match got.
    public var resumeAfter: (match: UInt32, sequence: UInt32)?

    public init(original: Bool, originalInterval: Double? = nil, clock: any ProtocolClock = SystemClock(),
                subscription: UInt64 = UInt64.random(in: 1...UInt64.max), repairs: Bool = true) {
        self.subscription = subscription
        self.repairs = repairs && !original
        self.original = original
        self.interval = original ? originalInterval : nil
        self.clock = clock
        self.startedAt = clock.now()
    }

    /// Whether the client is subscribed: welcomed, or (original protocol, which has no welcome)
    /// receiving events.
    public var subscribed: Bool { original ? statistics.received > 0 : welcome != nil }

    /// How often to send a heartbeat, once welcomed (nil: never, or not yet welcomed).
    public var heartbeatPeriod: Duration? {
        guard let seconds = welcome?.heartbeatSeconds, seconds > 0 else { return nil }
        return .seconds(Int(seconds))
    }

    /// How long the server may stay silent before the client gives up: `configured`, but at
    /// least three event intervals.
    public func silenceLimit(configured: Duration) -> Duration {
        max(configured, .seconds((interval ?? 0) * 3))
    }

    /// Seconds since anything came from the server (or since the session started).
    public var silence: Double { clock.now() - (lastHeard ?? startedAt) }

    /// Whether the server has been silent for longer than `limit` (see ``silenceLimit(configured:)``).
    public func serverSilent(limit: Duration) -> Bool { silence > limit.inSeconds }

    /// Whether the run is over: the end arrived and no repair is outstanding.
    public var finished: Bool { endReason != nil && pending.isEmpty }

    /// Whether repairs are outstanding.
    public var repairsOutstanding: Int { pending.count }

    /// When the next NACK is due (clock seconds), if any.
    public var nextRepairDue: Double? { pending.values.map(\.due).min() }

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
            if entry.attempts > 0 { timedOut = true }   // asked before, and no answer within the timeout
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

    private mutating func giveUp(_ sequences: [Int64]) {
        guard !sequences.isEmpty else { return }
        statistics.recordUnrecovered(sequences.map { UInt32(truncatingIfNeeded: $0) })
        flushLog()
    }

    /// Takes the first welcome: its teams and words, its latest event (shown, not counted: it
    /// was sent before this client joined), and the first sequence this client is owed.
    private mutating func welcomed(_ body: Welcome, frame: Frame) -> Reception {
        var snapshot: LiveSnapshot?
        if let current = body.current, let type = frame.eventType {
            do {
                snapshot = try LiveSnapshot(event: current.event(type: type, minute: frame.minute), sequence: frame.sequence,
                                            roster: body.roster, catalog: body.catalog)
            } catch {
                // Not accepted: the client registers again, as if the welcome were lost.
                return .ignored("welcome whose latest event cannot be shown: \(error)")
            }
        }
        welcome = body
        interval = body.nominalInterval
        adopt(body.multicast)
        if let snapshot { latest = snapshot }
        if let resume = resumeAfter, resume.match == body.matchID {
            // A run of this client before logged up to `resume.sequence`: everything after it is
            // owed, the welcome's latest event included (it is asked for, and logged when it comes).
            statistics.expectFirst(resume.sequence &+ 1)
            checkedUpTo = statistics.extend(resume.sequence)
            nextToLog = statistics.extend(resume.sequence) + 1
            if snapshot != nil { noteGaps(upTo: statistics.extend(frame.sequence) + 1, now: clock.now()) }
        } else if snapshot != nil {
            statistics.expectFirst(frame.sequence &+ 1)
        } else {
            statistics.expectFirst(frame.sequence)
        }
        firstOwed = resumeAfter.flatMap { $0.match == body.matchID ? statistics.extend($0.sequence) + 1 : nil }
            ?? statistics.extend(snapshot != nil ? frame.sequence &+ 1 : frame.sequence)
        revealFloor = statistics.extend(frame.sequence)
        return .welcomed(body, snapshot)
    }

    /// Notes every sequence from the last checked one up to (not including) `upTo` that has not
    /// arrived as missing.
    private mutating func noteGaps(upTo end: Int64, now: Double) {
        guard repairs else { return }
        let start = (checkedUpTo ?? (statistics.first.map { statistics.extend($0) - 1 } ?? end - 1)) + 1
        guard start < end else {
            checkedUpTo = max(checkedUpTo ?? end - 1, end - 1)
            return
        }
        if end - start > Self.maximumGap {
            giveUp(Array(start..<(end - Self.maximumGap)))
        }
        for sequence in max(start, end - Self.maximumGap)..<end where !statistics.has(UInt32(truncatingIfNeeded: sequence)) {
            pending[sequence] = PendingRepair(noticed: now, due: now + Self.firstNackDelay)
        }
        checkedUpTo = end - 1
    }

    /// Queues an arrived event for the log and releases what is ready, in order.
    private mutating func queueForLog(_ snapshot: LiveSnapshot, repaired: Bool) {
        guard repairs else {
            loggable.append((snapshot, repaired))
            return
        }
        let extended = statistics.extend(snapshot.sequence)
        if nextToLog == nil { nextToLog = statistics.first.map { statistics.extend($0) } ?? extended }
        if let next = nextToLog, extended < next { return }   // already logged or given up
        logQueue[extended] = (snapshot, repaired)
        flushLog()
    }

    /// Logs, from the next sequence on, what has arrived, skipping what was given up, stopping
    /// at an event still missing and awaited; at the end with nothing awaited, everything.
    private mutating func flushLog() {
        guard var next = nextToLog else { return }
        while !logQueue.isEmpty {
            if let entry = logQueue.removeValue(forKey: next) {
                loggable.append(entry)
            } else if pending[next] != nil {
                break
            } else if !statistics.has(UInt32(truncatingIfNeeded: next)), logQueue.keys.contains(where: { $0 > next }) {
                // Given up (or never owed): skip it.
            } else {
                break
            }
            next += 1
        }
        nextToLog = next
    }

    /// Handles one datagram that has just arrived.
    public mutating func receive(_ bytes: [UInt8]) -> Reception {
        let arrival = clock.now()
        guard endReason == nil || (!original && !pending.isEmpty) else { return .ignored("after the end of the match") }
        if original {
            lastHeard = arrival
            return receiveOriginal(bytes, arrival: arrival)
        }
        let frame: Frame
        do {
            frame = try Frame.decode(bytes)
        } catch {
            return .ignored("\(error)")
        }
        // Before anything else: only this subscription's frames count, even as a sign of life.
        guard frame.subscription == subscription else {
            wrongIdentifier += 1
            return .rejected("\(frame.kind.name) frame with another subscription's identifier")
        }
        if frame.kind == .reset {
            // Spec §4.12. Its identifier is ours (checked above), which only the server we
            // registered with can know: a forger's guess was dropped there.
            guard welcome != nil, endReason == nil, !reregistering else { return .ignored("reset \(welcome == nil ? "before the welcome" : endReason != nil ? "after the end" : "while registering again")") }
            // A relay's lost source, if one was on, is over: its server is answering.
            if let last = outages.indices.last, outages[last].kind == .sourceLost, outages[last].end == nil { outages[last].end = arrival }
            if outages.last.map({ $0.end != nil || $0.kind != .serverSilent }) ?? true {
                outages.append(Outage(start: lastHeard ?? startedAt, highestBefore: statistics.last.map { statistics.extend($0) }))
            }
            reregistering = true
            resets += 1
            lastHeard = arrival   // the server is back: the outage ends here
            return .reset
        }
        heard(at: arrival, sourceLost: frame.sourceLost)
        if frame.sourceLost, frame.kind == .heartbeat {
            sourceLost(at: arrival)
        } else if let last = outages.indices.last, outages[last].kind == .sourceLost, outages[last].end == nil {
            outages[last].end = arrival
        }
        guard frame.kind.rules.directions.contains(.toClient) else {
            return .ignored("\(frame.kind.name) frame from the server")
        }
        if reregistering, welcome != nil, [.event, .heartbeat, .end, .unavailable].contains(frame.kind) {
            // A restarted server that kept this subscription streams to it again (Spec §4.12):
            // it holds, as a welcome would say; registering again is over.
            reregistering = false
            welcomedAgain += 1
        }
        switch frame.body {
        case .welcome(let body):
            guard let first = welcome else { return welcomed(body, frame: frame) }
            // The answer to a register sent after an outage: the subscription holds again.
            if body.matchID == first.matchID { adopt(body.multicast) }
            if reregistering {
                reregistering = false
                welcomedAgain += 1
            }
            // Its latest event reveals what was sent meanwhile (Spec §4.8), even before the next
            // event comes: the answer to a register after an outage, or a restarted server that
            // kept the subscription (§4.12).
            if body.matchID == first.matchID, body.current != nil, endReason == nil {
                statistics.noteLast(frame.sequence)
                noteGaps(upTo: statistics.extend(frame.sequence) + 1, now: arrival)
            }
            return .ignored("repeated welcome")
        case .refuse(let refusal):
            guard welcome == nil else { return .ignored("refuse after welcome") }
            return .refused(refusal)
        case .event(let body):
            guard let welcome else { return .ignored("event before welcome") }
            guard frame.kind == .event else { return .ignored("group event at the client's address; group events come from the group") }
            return accept(body, frame: frame, welcome: welcome, arrival: arrival)
        case .end(let end):
            guard welcome != nil else { return .ignored("end before welcome") }
            guard endReason == nil else { return .ignored("repeated end") }
            statistics.noteLast(frame.sequence)
            endReason = end.reason
            // The tail: events after the last arrival that the end says were sent.
            noteGaps(upTo: statistics.extend(frame.sequence) + 1, now: arrival)
            // From now on the server answers only for its repair grace: no wait beyond the cap.
            for (sequence, entry) in pending where entry.due > arrival + Self.repairBackoffCap {
                pending[sequence]?.due = arrival + Self.repairBackoffCap
            }
            flushLog()
            return .ended(end.reason)
        case .challenge(let challenge):
            // After the welcome, a challenge matters only to a client registering again (after an outage).
            guard welcome == nil || reregistering else { return .ignored("challenge after welcome") }
            token = challenge.token
            return .challenged(challenge.token)
        case .heartbeat:
            // The answer carries the server's latest event's sequence (Spec §3; before kick-off,
            // the first event's, not sent yet). One ahead of the highest received (or, before any
            // arrived, of the welcome's) reveals events sent and not received (Spec §4.8): a
            // group receiver whose group went quiet, or a stream whose last events were lost,
            // asks for them now, not at the next event or the end.
            if welcome != nil, endReason == nil, let top = statistics.last.map({ statistics.extend($0) }) ?? revealFloor {
                let extended = statistics.extend(frame.sequence)
                if extended > top, extended - top <= ReceptionStatistics.unpacedAdvance {
                    statistics.noteLast(frame.sequence)
                    // Nothing received yet: every event from the first owed is missing.
                    if checkedUpTo == nil, statistics.last == nil, let firstOwed { checkedUpTo = firstOwed - 1 }
                    noteGaps(upTo: extended + 1, now: arrival)
                }
            }
            return .keepalive
        case .unavailable(let ranges):
            let given = ranges.sequences.map { statistics.extend($0) }.filter { pending.removeValue(forKey: $0) != nil }
            giveUp(given)
            return .unavailable(given.map { UInt32(truncatingIfNeeded: $0) })
        case .listing:
            return .ignored("listing frame outside a list request")
        case .reset:
            return .ignored("reset")   // handled above
        case .register, .unregister, .nack, .list:
            // Spec §3's directions (FrameKind.rules) turned these away above.
            return .ignored("\(frame.kind.name) frame from the server")
        }
    }

    /// Takes a welcome's multicast offer: usable when its key is the pinned one (or nothing is
    /// pinned). A later welcome (a restarted server's) replaces it: a server without a data
    /// directory signs with a new key after a restart.
    private mutating func adopt(_ offer: MulticastOffer?) {
        guard let offer, let key = try? offer.key() else {
            // No offer (the decoder has checked an offer's key): nothing to join.
            (groupOffer, groupKey) = (nil, nil)
            return
        }
        if let pinnedKey, pinnedKey != key {
            refusedKey = key
            (groupOffer, groupKey) = (nil, nil)
        } else {
            (groupOffer, groupKey) = (offer, key)
        }
    }

    /// Handles one datagram from the multicast group (Spec §4.11). It counts only as a group
    /// event of this match, in this client's format, signed with the group's key; its header is
    /// checked before the signature, the signature before the body is decoded (an unsigned
    /// datagram is never inflated). A signed event already held is a replay and changes nothing.
    public mutating func receiveGroup(_ bytes: [UInt8]) -> Reception {
        let arrival = clock.now()
        guard let welcome, let groupKey else { return .ignored("group datagram before a welcome offering the group") }
        guard endReason == nil || !pending.isEmpty else { return .ignored("group datagram after the end of the match") }
        let header: FrameHeader
        do {
            var reader = ByteReader(bytes)
            header = try FrameHeader.read(from: &reader, datagramSize: bytes.count)
        } catch {
            group.malformed += 1
            return .ignored("group datagram: \(error)")
        }
        guard header.kind == .groupEvent else {
            group.malformed += 1
            return .ignored("\(header.kind.name) frame on the group; only group events travel there")
        }
        guard UInt32(truncatingIfNeeded: header.subscription >> 32) == welcome.matchID, header.format == welcome.format else {
            group.others += 1
            return .ignored("group event of another match or format")
        }
        guard GroupSignature.isValid(bytes, key: groupKey) else {
            group.forged += 1
            return .rejected("group event #\(header.sequence) not signed with the group's key (forged)")
        }
        let frame: Frame
        do {
            frame = try Frame.decode(bytes)
        } catch {
            group.malformed += 1
            return .ignored("signed group event that does not decode: \(error)")
        }
        if statistics.has(frame.sequence) {
            group.replayed += 1
            return .rejected("group event #\(frame.sequence) already held (replayed)")
        }
        heard(at: arrival)
        group.accepted += 1
        group.repairedInARow = 0
        guard case .event(let body) = frame.body else { return .ignored("group event without an event body") }
        return accept(body, frame: frame, welcome: welcome, arrival: arrival)
    }

    /// An event frame's snapshot, recorded (or taken as a repair when a retransmission).
    private mutating func accept(_ body: EventBody, frame: Frame, welcome: Welcome, arrival: Double) -> Reception {
        let snapshot: LiveSnapshot
        do {
            switch body {
            case .json(let datagram):
                snapshot = LiveSnapshot(datagram: datagram, language: welcome.catalog.language)
            case .compact:
                guard let event = frame.compactEvent else { return .ignored("compact event without type") }
                snapshot = try LiveSnapshot(event: event, sequence: frame.sequence, roster: welcome.roster, catalog: welcome.catalog)
            }
        } catch {
            return .ignored("\(error)")
        }
        if frame.retransmission { return repaired(snapshot, arrival: arrival) }
        guard endReason == nil else { return .ignored("first transmission after the end of the match") }
        return record(snapshot, arrival: arrival)
    }

    private mutating func repaired(_ snapshot: LiveSnapshot, arrival: Double) -> Reception {
        let extended = statistics.extend(snapshot.sequence)
        let entry = pending.removeValue(forKey: extended)
        let noticed = entry?.noticed
        // Karn's rule: only an event asked for once gives an unambiguous round trip.
        if let entry, entry.attempts == 1, let asked = entry.asked { repairTimer.sample(arrival - asked) }
        guard statistics.recordRepair(snapshot.sequence, arrival: arrival, noticed: noticed) else { return .duplicate(snapshot.sequence) }
        if groupKey != nil { group.repairedInARow += 1 }
        queueForLog(snapshot, repaired: true)
        return .repaired(snapshot, delay: noticed.map { arrival - $0 })
    }

    private mutating func record(_ snapshot: LiveSnapshot, arrival: Double) -> Reception {
        let extended = statistics.extend(snapshot.sequence)
        let outcome = statistics.record(snapshot.sequence, arrival: arrival, interval: interval)
        if outcome == .duplicate { return .duplicate(snapshot.sequence) }
        if outcome == .implausible { return .rejected("implausible sequence \(snapshot.sequence), set aside until the stream confirms it") }
        pending[extended] = nil
        if let last = outages.indices.last, outages[last].end != nil, outages[last].firstAfter == nil { outages[last].firstAfter = extended }
        if outcome == .inOrder { noteGaps(upTo: extended, now: arrival) }
        queueForLog(snapshot, repaired: false)
        // A late event does not replace a newer one on screen.
        if outcome == .inOrder { latest = snapshot }
        return .event(snapshot, outcome)
    }

    private mutating func receiveOriginal(_ bytes: [UInt8], arrival: Double) -> Reception {
        do {
            let packet = try OriginalPacket.decode(bytes)
            guard packet.direction == .toClient else { return .ignored("client text from the server") }
            switch packet {
            case .datagram(let datagram):
                return record(LiveSnapshot(datagram: datagram, language: "pt"), arrival: arrival)
            case .endOfTransmission:
                endReason = .fullTime
                return .ended(.fullTime)
            case .register, .unregister:
                return .ignored("client text from the server")
            }
        } catch {
            return .ignored("\(error)")
        }
    }
}
