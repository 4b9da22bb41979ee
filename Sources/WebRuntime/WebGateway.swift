import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import RuntimeSupport
import ServiceLifecycle
import WebEngine

#if canImport(Glibc)
import Glibc
#endif

/// The web gateway (issue 26): a client of the stream, like a relay's upstream side, that keeps
/// each match's state and history and serves them to browsers, as pages rendered on the server
/// and as Server-Sent Events. A `Service`: it runs in the command's `ServiceGroup` (beside a
/// server or relay for `--web-port`) until the group shuts down.
///
/// Hummingbird serves HTTP (it is already the metrics endpoint's server): request parsing,
/// keep-alive and graceful shutdown are not ours to write. The SSE framing is a few lines
/// (``SSERecord``): no SSE package is in the mirror, and none is needed.
public final class WebGateway: Service, Sendable {
    enum Listening: Sendable {
        case pending
        case listening(SocketAddress)
        case failed(StreamingError)
        case stopped
    }

    public let hub: GatewayHub
    private let configuration: WebGatewayConfiguration
    private let application: any Service
    private let listening: Watch<Listening>
    private let logger: Logger
    /// Who may see the pages (nil: anyone).
    private let access: WebAccess?

    /// A gateway following `configuration.upstream`, serving once ``run()`` runs.
    ///
    /// - Throws: ``StreamingError`` (`configuration`) for a setting out of range.
    public init(configuration: WebGatewayConfiguration, logger: Logger) throws(StreamingError) {
        try configuration.validate()
        let hub = GatewayHub(logger: logger, readerBuffer: configuration.readerBuffer, connectionsPerAddress: configuration.connectionsPerAddress)
        let listening = Watch(Listening.pending)
        self.hub = hub
        self.configuration = configuration
        self.listening = listening
        self.logger = logger
        let access = configuration.access.map { WebAccess(admission: $0, revocationFile: configuration.revocationFile) }
        self.access = access
        let gate = access.map { TokenGate(access: $0, secure: configuration.tls != nil, clock: SystemClock(), logger: logger) }
        let server: HTTPServerBuilder
        do {
            server = try configuration.tls.map { try .tls(.http1(), tlsConfiguration: try WebGateway.tlsConfiguration($0)) } ?? .http1()
        } catch let error as StreamingError {
            throw error
        } catch {
            throw StreamingError(.configuration, "--tls-cert, --tls-key: \(error)")
        }
        self.application = Application(
            router: WebRoutes.router(hub: hub, gate: gate),
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "soccer-stream"),
            onServerRunning: { channel in
                listening.update { state in
                    state = channel.localAddress.map { .listening($0) } ?? .failed(StreamingError(.socket, "the web socket has no local address"))
                }
            },
            logger: logger)
    }

    /// Serves and follows until the group shuts down (or the task is cancelled).
    ///
    /// - Throws: ``StreamingError`` (`socket`) naming the port when it cannot be served.
    public func run() async throws {
        let (hub, configuration, logger, access) = (self.hub, self.configuration, self.logger, self.access)
        let revocationWatch = try access?.revocationFile.map(FileWatch.init)
        defer { revocationWatch?.cancel() }
        let upstream = UpstreamMatches(configuration: configuration, hub: hub, logger: logger)
        defer {
            hub.finishAll()
            listening.update { if case .pending = $0 { $0 = .stopped } }
        }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                do {
                    try await self.application.run()
                } catch {
                    let failure = StreamingError.cannotServeWeb(configuration.host, configuration.port, error)
                    self.listening.update { $0 = .failed(failure) }
                    throw failure
                }
            }
            group.addTask {
                // The streams end first, so that the server's graceful shutdown finds no open response.
                try await gracefulShutdown()
                hub.finishAll()
            }
            group.addTask { await cancelWhenGracefulShutdown { await upstream.run() } }
            if let access, let revocationWatch {
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        for await _ in revocationWatch.changes {
                            access.reload(because: "the file changed", logger: logger)
                            access.cutOff(in: hub)
                        }
                    }
                }
            }
            group.addTask {
                try await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        try await Task.sleep(for: configuration.heartbeat)
                        hub.heartbeat()
                        // A revoked or expired token's open streams end within a heartbeat period.
                        access?.cutOff(in: hub)
                    }
                }
            }
        }
    }

    /// Returns once every match the gateway follows has ended and each card's event stream has
    /// written the end and closed, or at `deadline`: a server serving its own pages waits for
    /// this before it exits.
    public func waitForEnds(deadline: ContinuousClock.Instant) async {
        let hub = self.hub
        _ = await hub.changes.wait(until: { _ in hub.allEndedAndDelivered }, deadline: deadline)
    }

    /// Where it listens, once it does.
    ///
    /// - Throws: ``StreamingError`` (`socket`) when the port could not be served.
    public func localAddress() async throws(StreamingError) -> SocketAddress {
        _ = await listening.wait { if case .pending = $0 { false } else { true } }
        switch listening.value {
        case .listening(let address): return address
        case .failed(let error): throw error
        case .pending, .stopped: throw StreamingError(.socket, "the web gateway stopped before it listened")
        }
    }
}

extension StreamingError {
    /// The web port could not be served: says which, and why ("address already in use").
    static func cannotServeWeb(_ host: String, _ port: Int, _ error: any Error) -> StreamingError {
        if let error = error as? IOError, error.errnoCode == EADDRINUSE {
            return StreamingError(.socket, "cannot serve the web pages on TCP \(host):\(port): address already in use")
        }
        return StreamingError(.socket, "cannot serve the web pages on TCP \(host):\(port): \(error)")
    }
}
