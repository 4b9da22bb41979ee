import GroupSigning
import Match
import RuntimeSupport
import Wire

extension ClientSession {
    /// Takes the first welcome: its teams and words, its latest event (shown, not counted: it
    /// was sent before this client joined), and the first sequence this client is owed.
    mutating func welcomed(_ body: Welcome, frame: Frame) -> Reception {
        var snapshot: LiveSnapshot?
        if let current = body.current, let type = frame.eventType {
            do {
                snapshot = try LiveSnapshot(
                    event: current.event(type: type, minute: frame.minute), sequence: frame.sequence,
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
        firstOwed =
            resumeAfter.flatMap { $0.match == body.matchID ? statistics.extend($0.sequence) + 1 : nil }
            ?? statistics.extend(snapshot != nil ? frame.sequence &+ 1 : frame.sequence)
        revealFloor = statistics.extend(frame.sequence)
        return .welcomed(body, snapshot)
    }
}
