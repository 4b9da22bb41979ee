import Logging
import Prometheus
import Streaming

extension StreamServer {
    /// Binds a server whose metrics are to be served for Prometheus at
    /// `http://metricsHost:metricsPort/metrics` (port 0: any free port; the endpoint says which
    /// once it runs): the endpoint is a `Service` to run beside the server, in its group.
    ///
    /// - Throws: ``StreamingError`` when the configuration is out of range or the UDP port
    ///   cannot be bound.
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
        let endpoint = MetricsEndpoint(
            host: metricsHost, port: metricsPort, registry: registry, beforeScrape: { server.refreshMetrics() }, logger: logger)
        return (server, endpoint)
    }
}
