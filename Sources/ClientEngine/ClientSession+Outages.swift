import GroupSigning
import Match
import RuntimeSupport
import Wire

extension ClientSession {
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
    mutating func heard(at arrival: Double, sourceLost: Bool = false) {
        if !sourceLost, let previous = lastHeard, let limit = outageSilence, arrival - previous >= limit, endReason == nil,
            outages.last.map({ $0.end != nil }) ?? true
        {
            outages.append(Outage(start: previous, end: arrival, highestBefore: statistics.last.map { statistics.extend($0) }))
        }
        lastHeard = arrival
    }

    /// The server (a relay) says its source is lost: an outage of the source starts, unless one
    /// is on already (it ends with the next frame without the flag).
    mutating func sourceLost(at arrival: Double) {
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
}
