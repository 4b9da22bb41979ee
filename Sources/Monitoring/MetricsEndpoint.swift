import Hummingbird
import Logging
import NIOCore
import Prometheus
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
public final class MetricsEndpoint: Sendable {
    /// Where it listens.
    public let localAddress: SocketAddress
    private let task: Task<Void, Never>

    private init(localAddress: SocketAddress, task: Task<Void, Never>) {
        self.localAddress = localAddress
        self.task = task
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

    /// Starts serving `registry` on `host`:`port` (0: any free port); `beforeScrape` runs first
    /// on every scrape (the server refreshes its gauges there). Returns once the socket listens.
    ///
    /// - Throws: ``StreamingError`` (`socket`) when the port cannot be bound.
    public static func start(
        host: String, port: Int, registry: PrometheusCollectorRegistry,
        beforeScrape: @escaping @Sendable () -> Void, logger: Logger
    ) async throws(StreamingError) -> MetricsEndpoint {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            beforeScrape()
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let waiter = Mutex<CheckedContinuation<SocketAddress, any Error>?>(nil)
        let resume: @Sendable (Result<SocketAddress, any Error>) -> Void = { result in
            waiter.withLock { continuation in
                continuation?.resume(with: result)
                continuation = nil
            }
        }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "soccer-stream"),
            onServerRunning: { channel in
                if let address = channel.localAddress {
                    resume(.success(address))
                } else {
                    resume(.failure(StreamingError(.socket, "the metrics socket has no local address")))
                }
            },
            logger: logger)
        let running = Mutex<Task<Void, Never>?>(nil)
        do {
            let address = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SocketAddress, any Error>) in
                waiter.withLock { $0 = continuation }
                running.withLock {
                    $0 = Task {
                        do {
                            try await application.run()
                            resume(.failure(StreamingError(.socket, "the metrics server stopped before it listened")))
                        } catch {
                            resume(.failure(error))
                            if !Task.isCancelled { logger.error("Metrics endpoint stopped: \(error)") }
                        }
                    }
                }
            }
            guard let task = running.withLock({ $0 }) else { throw StreamingError(.socket, "the metrics server did not start") }
            return MetricsEndpoint(localAddress: address, task: task)
        } catch let error as StreamingError {
            running.withLock { $0?.cancel() }
            throw error
        } catch {
            running.withLock { $0?.cancel() }
            throw StreamingError.cannotServeHTTP(host, port, error)
        }
    }

    /// Stops serving (open connections are closed).
    public func stop() {
        task.cancel()
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
