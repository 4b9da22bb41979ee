import CoreMetrics
import Prometheus

/// A swift-metrics factory for a Prometheus registry that gives every metric family its help
/// text (the `# HELP` line that `promtool check metrics` requires), from a table by name.
///
/// Written here because swift-prometheus's own `PrometheusMetricsFactory` (2.4.1) registers
/// everything made through swift-metrics with empty help, and its registry refuses (traps on)
/// a family registered again with other help, so help cannot be added beside it. This factory
/// makes the same metric types through the registry's public API, with the same histogram
/// buckets, and takes help from the table (``ServerMetrics/help`` for the server's metrics).
public struct DescribedPrometheusFactory: MetricsFactory {
    /// The registry metrics are made in, and the buckets and destroy rules to use.
    public var base: PrometheusMetricsFactory
    /// Help text by metric name; a name missing here gets its name as help (never none).
    public var help: [String: String]

    /// A factory making metrics in `base`'s registry with `base`'s buckets, described by `help`.
    public init(base: PrometheusMetricsFactory, help: [String: String]) {
        self.base = base
        self.help = help
    }

    private func described(_ name: String) -> String { help[name] ?? name }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        base.registry.makeCounter(name: label, labels: dimensions, help: described(label))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        base.registry.makeCounter(name: label, labels: dimensions, help: described(label))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return base.registry.makeGauge(name: label, labels: dimensions, help: described(label)) }
        let buckets = base.valueHistogramBuckets[label] ?? base.defaultValueHistogramBuckets
        return base.registry.makeValueHistogram(name: label, labels: dimensions, buckets: buckets, help: described(label))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        base.registry.makeGauge(name: label, labels: dimensions, help: described(label))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = base.durationHistogramBuckets[label] ?? base.defaultDurationHistogramBuckets
        return base.registry.makeDurationHistogram(name: label, labels: dimensions, buckets: buckets, help: described(label))
    }

    public func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { base.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
