import Capture
import ClientEngine
import Foundation
import GroupSigning
import Logging
import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import ServerEngine
import Synchronization
import TerminalUI
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamClient {
    /// Keeps this client's progress in ``ClientConfiguration/progressPath`` (if any): its match
    /// and the last event in client.log (`lastLogged`, or the one kept before). A failure to
    /// write it is logged: the stream goes on, and a restart would then repeat some events.
    func recordProgress(lastLogged: UInt32?, ended: Bool) {
        guard let path = configuration.progressPath,
            let match = session.withLock({ $0.welcome?.matchID }) ?? configuration.resume?.match
        else { return }
        let last = progressLogged.withLock { kept in
            if let lastLogged { kept = lastLogged }
            return kept ?? configuration.resume?.lastLogged
        }
        let progress = ClientProgress(server: configuration.server, port: configuration.port, match: match, lastLogged: last, ended: ended)
        do {
            try progress.write(to: path)
        } catch {
            logger.warning("\(error)")
        }
    }

    /// Hands an event in sequence order to a relay (compact frames carry the event itself).
    func relay(_ snapshot: LiveSnapshot) {
        guard configuration.relaying, let event = snapshot.event else { return }
        relayContinuation.yield(.event(sequence: snapshot.sequence, event))
    }

    /// client.log's line for an event, in sequence order; "(repaired)" marks a retransmission.
    func logMessage(_ snapshot: LiveSnapshot, repaired: Bool) {
        logger.info("Received message\(repaired ? " (repaired)" : ""): \(snapshot.summary) from \(serverAddress.display)")
    }

    /// Sends one datagram to the server.
    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: serverAddress, data: ByteBuffer(bytes: bytes)))
    }

    static func endpoint(_ address: SocketAddress?, fallback: SocketAddress) -> Endpoint {
        let chosen = address ?? fallback
        return Endpoint(address: chosen.ipAddress ?? "0.0.0.0", port: chosen.port ?? fallback.port ?? 0)
    }

    func record(_ envelope: AddressedEnvelope<ByteBuffer>, port: Int? = nil) {
        guard configuration.capturePath != nil else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let destination = envelope.metadata?.packetInfo.map { info -> SocketAddress in
            var address = info.destinationAddress
            address.port = port ?? localAddress.port
            return address
        }
        let bytes = Array(envelope.data.readableBytesView)
        capture.withLock { writer -> Void in
            writer?.append(
                payload: bytes, from: Self.endpoint(envelope.remoteAddress, fallback: serverAddress),
                to: Self.endpoint(destination, fallback: localAddress),
                timestamp: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
        }
    }

    func writeCapture() throws {
        guard let path = configuration.capturePath, let bytes = capture.withLock({ $0?.bytes }) else { return }
        do {
            // Replaced whole, on purpose: a pcap is one capture (a header, then this run's datagrams),
            // written once at the end, atomically (a failure never leaves half of one).
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            logger.info("Wrote the datagrams received to \(path).")
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write capture \(path): \(StreamingError.plain(error))")
        }
    }
}
