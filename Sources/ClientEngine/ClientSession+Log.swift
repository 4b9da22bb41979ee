import GroupSigning
import Match
import RuntimeSupport
import Wire

extension ClientSession {
    /// Notes every sequence from the last checked one up to (not including) `upTo` that has not
    /// arrived as missing.
    mutating func noteGaps(upTo end: Int64, now: Double) {
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
    mutating func queueForLog(_ snapshot: LiveSnapshot, repaired: Bool) {
        guard repairs else {
            loggable.append((snapshot, repaired))
            return
        }
        let extended = statistics.extend(snapshot.sequence)
        if nextToLog == nil { nextToLog = statistics.first.map { statistics.extend($0) } ?? extended }
        if let next = nextToLog, extended < next { return }  // already logged or given up
        logQueue[extended] = (snapshot, repaired)
        flushLog()
    }

    /// Logs, from the next sequence on, what has arrived, skipping what was given up, stopping
    /// at an event still missing and awaited; at the end with nothing awaited, everything.
    mutating func flushLog() {
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
}
