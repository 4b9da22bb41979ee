import NIOCore
import Wire

/// A datagram as it reached the client: its bytes, where from and where to (its destination
/// address when the socket reports it), and when (seconds since the epoch).
public struct ArrivedDatagram: Sendable {
    public var bytes: [UInt8]
    public var source: SocketAddress
    public var destination: SocketAddress?
    public var time: Double

    public init(bytes: [UInt8], source: SocketAddress, destination: SocketAddress?, time: Double) {
        (self.bytes, self.source, self.destination, self.time) = (bytes, source, destination, time)
    }
}

/// One element of a client's stream of a match. The client yields one sequence of these, and
/// everything that follows the stream takes it from there: client.log and the progress file
/// (events in sequence order), the live view (the newest event at once), a relay's upstream
/// side (welcome, events, outages), the capture (datagrams as they arrived).
public enum ClientEvent: Sendable {
    /// A datagram arrived, before anything was made of it (only while something records them).
    case datagram(ArrivedDatagram)
    /// The server welcomed this client (first, or again after an outage): the match, its latest
    /// event if the match has started, and the sequence of the first event this client is owed.
    case welcomed(Welcome, latest: LiveSnapshot?, next: UInt32)
    /// The newest event so far arrived, first time or repaired: what the live view shows at once
    /// (an event behind a gap comes in sequence order only once the gap is repaired or given up).
    case arrived(LiveSnapshot)
    /// The next event in sequence order, each once: first time, or by retransmission
    /// (`repaired`). An event given up is skipped.
    case inSequence(LiveSnapshot, repaired: Bool)
    /// The stream stopped reaching this client (true: the server fell silent, or said its own
    /// source is lost, Spec §4.10), or it reaches it again (false).
    case outage(lost: Bool)
    /// The match is over, and no repair is outstanding.
    case ended(EndReason)
    /// The run is over, and why; `matchOver` when there is nothing to continue (the match
    /// ended, or the user stopped the client on purpose).
    case stopped(ClientStopReason, matchOver: Bool)
}

extension ClientSession {
    /// What `reception` (the datagram just received) adds to the client's stream, in order:
    /// an outage of the server's source that began or ended, the welcome, the newest event,
    /// the events now in sequence order, the end.
    public mutating func events(after reception: Reception) -> [ClientEvent] {
        var events: [ClientEvent] = []
        let sourceLost = outages.last.map { $0.kind == .sourceLost && $0.end == nil } ?? false
        if sourceLost != sourceLostYielded {
            sourceLostYielded = sourceLost
            events.append(.outage(lost: sourceLost))
        }
        switch reception {
        case .welcomed(let welcome, let latest):
            events.append(.welcomed(welcome, latest: latest, next: statistics.first ?? 0))
        case .event(let snapshot, .inOrder):
            events.append(.arrived(snapshot))
        case .repaired(let snapshot, _) where latest?.sequence == snapshot.sequence:
            // A repaired event that is the newest so far is shown as such.
            events.append(.arrived(snapshot))
        default:
            break
        }
        events += takeLoggable().map { ClientEvent.inSequence($0.snapshot, repaired: $0.repaired) }
        if finished, let endReason, !endYielded {
            endYielded = true
            events.append(.ended(endReason))
        }
        return events
    }

    /// The last of the client's stream once its run is over: whatever still waited for a
    /// repair, in sequence order, then the stop.
    public mutating func finalEvents(_ reason: ClientStopReason, matchOver: Bool) -> [ClientEvent] {
        takeAllLoggable().map { ClientEvent.inSequence($0.snapshot, repaired: $0.repaired) } + [.stopped(reason, matchOver: matchOver)]
    }
}
