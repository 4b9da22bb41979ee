import Capture
import ClientEngine
import GroupSigning
import Logging
import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import ServerEngine
import TerminalUI
import Wire

/// `client --list` (Spec §4.9): asks a server which matches it carries, echoing the address
/// challenge and paging through the listing, with the register's bounded attempts and backoff.
public enum MatchLister {
    /// The matches the server at `configuration.server`:`configuration.port` carries.
    ///
    /// - Throws: ``StreamingError`` with code `configuration`, `socket`, or `noAnswer` when the
    ///   server does not answer within ``ClientConfiguration/registerAttempts`` attempts.
    public static func list(
        configuration: ClientConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(StreamingError) -> [MatchSummary] {
        try configuration.validate()
        let server = try configuration.resolvedServer()
        let inbox = Watch<[[UInt8]]>([])
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: inbox, server: server))
                    }
                }
                .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
        } catch {
            throw StreamingError(.socket, "cannot bind a UDP socket: \(error)")
        }
        defer { channel.close(promise: nil) }
        var exchange = ListExchange()
        var attempts = 0
        var wait = configuration.initialBackoff
        var send = true
        while !exchange.isComplete {
            if send {
                guard attempts < configuration.registerAttempts else {
                    throw StreamingError(.noAnswer, "no listing from \(configuration.server):\(configuration.port) after \(attempts) attempt(s)")
                }
                attempts += 1
                do {
                    let bytes = try exchange.request()
                    try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: bytes)))
                } catch {
                    throw StreamingError(.socket, "cannot send the list request: \(error)")
                }
                send = false
            }
            // Asleep until an answer arrives or the wait runs out.
            guard await inbox.wait(until: { !$0.isEmpty }, deadline: .now.advanced(by: wait)) else {
                wait = min(wait * 2, .seconds(2))
                send = true
                continue
            }
            var arrived: [[UInt8]] = []
            inbox.update { queue in
                arrived = queue
                queue.removeAll()
            }
            for bytes in arrived {
                switch exchange.receive(bytes) {
                case .challenged, .page:
                    attempts = 0
                    wait = configuration.initialBackoff
                    send = true
                case .complete:
                    break
                case .ignored(let why):
                    logger.debug("Ignored a datagram while listing: \(why)")
                }
            }
        }
        return exchange.matches
    }

    /// The matches as `client --list` prints them: one line each, aligned.
    /// Team names are escaped (``TerminalText``): they come from the server.
    public static func table(_ matches: [MatchSummary]) -> String {
        guard !matches.isEmpty else { return "The server carries no match.\n" }
        var lines = [
            [
                "match".padded(to: 10, alignRight: true), "status ", "minute", "home".padded(to: 24, alignRight: true),
                "score", "away".padded(to: 24), "viewers".padded(to: 8, alignRight: true),
            ].joined(separator: "  ")
        ]
        for match in matches {
            lines.append(
                [
                    String(match.id).padded(to: 10, alignRight: true), match.status.name.padded(to: 7),
                    String(match.minute).padded(to: 6, alignRight: true), TerminalText.escaped(match.home).padded(to: 24, alignRight: true),
                    "\(match.score.home)-\(match.score.away)".padded(to: 5), TerminalText.escaped(match.away).padded(to: 24),
                    String(match.viewers).padded(to: 8, alignRight: true),
                ].joined(separator: "  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Queues every datagram from the server into a ``Watch``.
private final class InboxHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let inbox: Watch<[[UInt8]]>
    private let server: SocketAddress

    init(inbox: Watch<[[UInt8]]>, server: SocketAddress) {
        self.inbox = inbox
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        guard envelope.remoteAddress == server else { return }
        let bytes = Array(envelope.data.readableBytesView)
        inbox.update { $0.append(bytes) }
    }
}
