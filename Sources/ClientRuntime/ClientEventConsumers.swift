import Capture
import ClientEngine
import Foundation
import Logging
import NIOCore
import RuntimeSupport
import Synchronization
import TerminalUI
import Wire

/// Something that follows a client's stream (``ClientEvent``): client.log, the progress file,
/// the live view, a relay's upstream side, the capture. Each takes what one datagram (or the
/// end of the run) added to the stream, in order, and picks what it needs.
package protocol ClientEventConsumer: Sendable {
    func consume(_ events: [ClientEvent])
}

/// client.log's lines: each event in sequence order, "(repaired)" marking a retransmission.
package struct ClientLogConsumer: ClientEventConsumer {
    let logger: Logger
    /// The server as the line names it.
    let server: String

    package func consume(_ events: [ClientEvent]) {
        for case .inSequence(let snapshot, let repaired) in events {
            logger.info("Received message\(repaired ? " (repaired)" : ""): \(snapshot.summary) from \(server)")
        }
    }
}

/// The live view: the welcome's latest event, then each newest event as it arrives (a late
/// event never replaces a newer one on screen).
package struct LiveViewConsumer: ClientEventConsumer {
    let display: LiveDisplay

    package func consume(_ events: [ClientEvent]) {
        for event in events {
            switch event {
            case .welcomed(_, let latest?, _), .arrived(let latest): display.show(latest)
            default: continue
            }
        }
    }
}

/// A relay's upstream side (``ClientConfiguration/relaying``): the stream as it comes, to read
/// from ``StreamClient/events``; it finishes with the run.
package struct StreamConsumer: ClientEventConsumer {
    let continuation: AsyncStream<ClientEvent>.Continuation

    package func consume(_ events: [ClientEvent]) {
        for event in events {
            continuation.yield(event)
            if case .stopped = event { continuation.finish() }
        }
    }
}

/// The progress file (``ClientConfiguration/progressPath``): the match followed and the last
/// event in client.log, written when a welcome names the match and when the run ends (marked
/// ended when it leaves nothing to continue), not after each event: the next run takes the
/// last event from client.log itself, which is written first (``ClientProgress/lastLogged(inLog:)``),
/// and an atomic rewrite is an `fsync`, which a phone following a match would pay at every
/// event. A failure to write it is logged: the stream goes on, and a restart would then
/// start the match afresh.
package final class ProgressConsumer: ClientEventConsumer {
    private let path: String
    private let server: String
    private let port: Int
    private let logger: Logger
    /// The match welcomed, and the last event logged (or the resumed run's).
    private let kept: Mutex<(match: UInt32?, last: UInt32?)>

    package init(path: String, server: String, port: Int, resumed: ClientProgress?, logger: Logger) {
        (self.path, self.server, self.port, self.logger) = (path, server, port, logger)
        kept = Mutex((resumed?.match, resumed?.lastLogged))
    }

    package func consume(_ events: [ClientEvent]) {
        var welcomed = false
        var stopped: Bool?
        for event in events {
            switch event {
            case .welcomed(let welcome, _, _):
                kept.withLock { $0.match = welcome.matchID }
                welcomed = true
            case .inSequence(let snapshot, _):
                kept.withLock { $0.last = snapshot.sequence }
            case .stopped(_, let matchOver):
                stopped = matchOver
            default: continue
            }
        }
        guard welcomed || stopped != nil else { return }
        let (match, last) = kept.withLock { ($0.match, $0.last) }
        guard let match else { return }
        do {
            try ClientProgress(server: server, port: port, match: match, lastLogged: last, ended: stopped ?? false).write(to: path)
        } catch {
            logger.warning("\(error)")
        }
    }
}

/// The capture (``ClientConfiguration/capturePath``): every datagram as it arrived, written as
/// one pcap when the run is over.
package final class CaptureConsumer: ClientEventConsumer {
    private let writer = Mutex((pcap: PcapWriter(), unrecorded: 0))
    private let local: SocketAddress
    private let server: SocketAddress

    package init(local: SocketAddress, server: SocketAddress) {
        (self.local, self.server) = (local, server)
    }

    package func consume(_ events: [ClientEvent]) {
        for case .datagram(let datagram) in events {
            let from = Self.endpoint(datagram.source, fallback: server)
            let to = Self.endpoint(datagram.destination, fallback: local)
            writer.withLock { kept in
                if !kept.pcap.append(payload: datagram.bytes, from: from, to: to, timestamp: datagram.time) { kept.unrecorded += 1 }
            }
        }
    }

    static func endpoint(_ address: SocketAddress?, fallback: SocketAddress) -> Endpoint {
        let chosen = address ?? fallback
        return Endpoint(address: chosen.ipAddress ?? "0.0.0.0", port: chosen.port ?? fallback.port ?? 0)
    }

    /// Writes the capture to `path`, replaced whole, on purpose: a pcap is one capture (a
    /// header, then this run's datagrams), written once at the end, atomically (a failure never
    /// leaves half of one). Returns how many datagrams a pcap could not hold (addresses of two
    /// families, or a payload too large for one record).
    package func write(to path: String) throws(StreamingError) -> Int {
        let (bytes, unrecorded) = writer.withLock { ($0.pcap.bytes, $0.unrecorded) }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write capture \(path): \(StreamingError.plain(error))")
        }
        return unrecorded
    }
}
