import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Streaming
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `GET /metrics` in the Prometheus text format (version 0.0.4), served by Hummingbird on its
/// own TCP port, next to the UDP server.
///
/// Hummingbird rather than an HTTP handler of our own on NIOHTTP1: it is the HTTP server the
/// Swift server ecosystem maintains (request parsing, keep-alive, errors, graceful shutdown),
/// and an endpoint that Prometheus scrapes every few seconds is no place for a hand-written
/// HTTP parser. What it costs in build time is in docs/OPERATING.md ("Monitoring").
public final class MetricsEndpoint: Service, Sendable {
    /// Where the endpoint is: about to listen, listening, or failed to.
    enum Listening: Sendable {
        case pending
        case listening(SocketAddress)
        case failed(StreamingError)
        case stopped
    }

    private let application: any Service
    private let listening: Watch<Listening>
    private let host: String
    private let port: Int

    /// Serves `registry` on `host`:`port` (0: any free port) once ``run()`` runs (in the
    /// command's `ServiceGroup`, beside the server); `beforeScrape` runs first on every scrape
    /// (the server refreshes its gauges there).
    public init(
        host: String, port: Int, registry: PrometheusCollectorRegistry, beforeScrape: @escaping @Sendable () -> Void, logger: Logger
    ) {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            beforeScrape()
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let listening = Watch(Listening.pending)
        self.listening = listening
        self.host = host
        self.port = port
        self.application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "soccer-stream"),
            onServerRunning: { channel in
                listening.update { state in
                    state =
                        channel.localAddress.map { .listening($0) }
                        ?? .failed(StreamingError(.socket, "the metrics socket has no local address"))
                }
            },
            logger: logger)
    }

    /// Serves until the group shuts down gracefully (open connections are closed).
    ///
    /// - Throws: ``StreamingError`` (`socket`) naming the port when it cannot be served.
    public func run() async throws {
        do {
            try await application.run()
            listening.update { if case .pending = $0 { $0 = .stopped } }
        } catch {
            let failure = StreamingError.cannotServeHTTP(host, port, error)
            listening.update { $0 = .failed(failure) }
            throw failure
        }
    }

    /// Where it listens, once it does (waiting for ``run()`` to bind).
    ///
    /// - Throws: ``StreamingError`` (`socket`) when the port could not be served.
    public func localAddress() async throws(StreamingError) -> SocketAddress {
        _ = await listening.wait { if case .pending = $0 { false } else { true } }
        switch listening.value {
        case .listening(let address): return address
        case .failed(let error): throw error
        case .pending, .stopped: throw StreamingError(.socket, "the metrics endpoint stopped before it listened")
        }
    }

    /// A metrics factory writing into `registry`, with histogram buckets that suit the server's
    /// histograms (event lag from 100 µs to 10 s; fan-out trips of 1 to 4,096 datagrams).
    /// Every family gets its help text from ``ServerMetrics/help`` (``DescribedPrometheusFactory``).
    public static func factory(registry: PrometheusCollectorRegistry) -> DescribedPrometheusFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["soccerstream_event_lag_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets["soccerstream_fanout_batch_datagrams"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
        return DescribedPrometheusFactory(base: factory, help: ServerMetrics.help)
    }
}

extension StreamingError {
    /// The metrics port could not be served: says which, and why ("address already in use").
    static func cannotServeHTTP(_ host: String, _ port: Int, _ error: any Error) -> StreamingError {
        if let error = error as? IOError, error.errnoCode == EADDRINUSE {
            return StreamingError(.socket, "cannot serve metrics on TCP \(host):\(port): address already in use")
        }
        return StreamingError(.socket, "cannot serve metrics on TCP \(host):\(port): \(error)")
    }
}
