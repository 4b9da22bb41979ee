import Logging
import Prometheus
import Streaming

extension StreamServer {
    /// Binds a server whose metrics are served for Prometheus at
    /// `http://metricsHost:metricsPort/metrics` (port 0: any free port; the endpoint says which).
    ///
    /// - Throws: ``StreamingError`` when the configuration is out of range or either port
    ///   cannot be bound (the UDP server is closed again if the metrics port fails).
    public static func bind(
        configuration: ServerConfiguration, logger: Logger, metricsHost: String,
        metricsPort: Int
    ) async throws(StreamingError) -> (server: StreamServer, endpoint: MetricsEndpoint) {
        guard (0...65535).contains(metricsPort) else {
            throw StreamingError(.configuration, "--metrics-port: \(metricsPort); expected 0...65535")
        }
        let registry = PrometheusCollectorRegistry()
        let metrics = ServerMetrics(factory: MetricsEndpoint.factory(registry: registry))
        let server = try await StreamServer.bind(configuration: configuration, logger: logger, metrics: metrics)
        do {
            let endpoint = try await MetricsEndpoint.start(
                host: metricsHost, port: metricsPort, registry: registry,
                beforeScrape: { server.refreshMetrics() }, logger: logger)
            return (server, endpoint)
        } catch {
            // The server was never run: releasing it (here) closes its socket.
            throw error
        }
    }
}
