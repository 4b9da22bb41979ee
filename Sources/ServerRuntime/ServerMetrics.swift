import CDatagram
import ClientEngine
import ClientRuntime
import CoreMetrics
import DatagramTransport
import GroupSigning
import Match
import MatchStore
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Synchronization
import Wire

/// The server's metrics, through swift-metrics: whatever backend the process bootstraps (the
/// executable's choice), or the factory a caller passes (tests pass their own, so no global
/// bootstrap is needed).
///
/// Names (Prometheus style; swift-prometheus adds `_total` nowhere by itself, so counters carry it):
/// - `soccerstream_datagrams_sent_total{kind}` and `soccerstream_bytes_sent_total{kind}`: every
///   datagram the kernel took, by frame kind (`register` … `listing`) or `original` (the
///   original protocol's datagrams); counted per flush from the send queue's tallies, so the
///   fan-out gains no work per datagram beyond one array increment;
/// - `soccerstream_subscribers{match, format}`: subscribed clients per match and delivery
///   (compact, json, original; a real match's compact-base and json-base, Spec §4.13), refreshed by ``recordSubscribers(_:)``,
///   a match's series removed (``forgetSubscribers(_:)``) once its slot has taken the next match;
/// - `soccerstream_rejects_total{reason}`, `soccerstream_refusals_total{reason}`,
///   `soccerstream_challenges_total`, `soccerstream_cut_off_total{reason}` (subscribers whose
///   token was revoked or expired while they watched);
/// - `soccerstream_repairs_total`, `soccerstream_unavailable_total`,
///   `soccerstream_repair_over_budget_total` (Spec §4.8);
/// - `soccerstream_event_lag_seconds`: from an event being due to its fan-out being flushed
///   (a histogram);
/// - `soccerstream_fanout_batch_datagrams`: datagrams per trip to the event loop (a histogram);
/// - `soccerstream_seal_failures_total`: event datagrams to sealed subscriptions that could not
///   be sealed (Spec/ENCRYPTION.md), never sent in clear;
/// - `soccerstream_original_budget_dropped_total`, `…_bytes_total`: datagrams to original-protocol
///   clients the byte budget held back (``OriginalBudget``).
public final class ServerMetrics: DatagramTallies {
    /// Every metric family the server makes, with its help text (Prometheus's `# HELP` line,
    /// which `promtool check metrics` requires): the one list that a backend which takes help
    /// text (Monitoring's Prometheus factory) reads.
    public static let help: [String: String] = [
        "soccerstream_datagrams_sent_total": "Datagrams the kernel took for sending, by frame kind (original: the original protocol's datagrams).",
        "soccerstream_bytes_sent_total": "Bytes of the datagrams sent, by frame kind (original: the original protocol's datagrams).",
        "soccerstream_subscribers": "Subscribed clients per match and delivery (compact, json, original; a real match's compact-base, json-base).",
        "soccerstream_rejects_total": "Datagrams from clients rejected unanswered, by reason.",
        "soccerstream_refusals_total": "Registers refused, by reason.",
        "soccerstream_cut_off_total": "Subscribers cut off while watching because their token was revoked or expired, by reason.",
        "soccerstream_challenges_total": "Address challenges sent to registers whose address was not validated yet (Spec 7.1).",
        "soccerstream_repairs_total": "Events sent again on request (NACK, Spec 4.8).",
        "soccerstream_unavailable_total": "Sequence numbers answered unavailable: no longer held for repair (Spec 4.8).",
        "soccerstream_repair_over_budget_total": "Repairs asked for beyond the repair budget, left for the client to ask again (Spec 4.8).",
        "soccerstream_event_lag_seconds": "Time from an event being due to its fan-out being flushed.",
        "soccerstream_fanout_batch_datagrams": "Datagrams per fan-out trip to the event loop.",
        "soccerstream_seal_failures_total":
            "Event datagrams to sealed subscriptions not sent because they could not be sealed (too large once sealed).",
        "soccerstream_log_write_failures_total":
            "Lines the server could not write to its log file (a full disk, a file that refuses writes); it streams on.",
        "soccerstream_original_budget_dropped_total":
            "Datagrams to unvalidated original-protocol clients not sent: over the byte budget of their /24 or /56, or the server's.",
        "soccerstream_original_budget_dropped_bytes_total": "Bytes of the datagrams to original-protocol clients not sent over the byte budget.",
    ]

    private let factory: any MetricsFactory
    private let datagrams: [Counter]
    private let bytes: [Counter]
    private let challenges: Counter
    private let repairs: Counter
    private let unavailable: Counter
    private let overBudget: Counter
    private let eventLag: CoreMetrics.Timer
    private let batch: Recorder
    private let originalDropped: Counter
    private let logWriteFailures: Counter
    /// The log file whose failed writes are counted, and how many were counted.
    private let logFile = Mutex<(file: LogFile?, counted: Int)>((nil, 0))
    private let originalDroppedBytes: Counter
    /// The original budget's drops counted so far (the state keeps totals; the counters take the growth).
    private let originalCounted = Mutex((datagrams: 0, bytes: 0))
    private let byReason = Mutex<[String: Counter]>([:])
    private let subscriberGauges = Mutex<[String: Gauge]>([:])

    /// Metrics made by `factory` (the process's bootstrapped one by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        datagrams = DatagramKind.names.map { Counter(label: "soccerstream_datagrams_sent_total", dimensions: [("kind", $0)], factory: factory) }
        bytes = DatagramKind.names.map { Counter(label: "soccerstream_bytes_sent_total", dimensions: [("kind", $0)], factory: factory) }
        challenges = Counter(label: "soccerstream_challenges_total", factory: factory)
        repairs = Counter(label: "soccerstream_repairs_total", factory: factory)
        unavailable = Counter(label: "soccerstream_unavailable_total", factory: factory)
        overBudget = Counter(label: "soccerstream_repair_over_budget_total", factory: factory)
        eventLag = CoreMetrics.Timer(label: "soccerstream_event_lag_seconds", preferredDisplayUnit: .seconds, factory: factory)
        batch = Recorder(label: "soccerstream_fanout_batch_datagrams", aggregate: true, factory: factory)
        originalDropped = Counter(label: "soccerstream_original_budget_dropped_total", factory: factory)
        logWriteFailures = Counter(label: "soccerstream_log_write_failures_total", factory: factory)
        originalDroppedBytes = Counter(label: "soccerstream_original_budget_dropped_bytes_total", factory: factory)
    }

    /// Counts `file`'s failed writes from now on (``refreshLogFailures()``).
    public func watch(logFile file: LogFile) {
        logFile.withLock { $0 = (file, file.failedWrites) }
    }

    /// Brings `soccerstream_log_write_failures_total` up to the watched log file's count.
    package func refreshLogFailures() {
        logFile.withLock { watched in
            guard let file = watched.file else { return }
            let now = file.failedWrites
            if now > watched.counted { logWriteFailures.increment(by: Int64(now - watched.counted)) }
            watched.counted = max(watched.counted, now)
        }
    }

    /// Brings the original budget's counters up to the state's totals (``OriginalBudget``).
    package func originalBudgetDropped(datagrams: Int, bytes: Int) {
        originalCounted.withLock { counted in
            if datagrams > counted.datagrams { originalDropped.increment(by: Int64(datagrams - counted.datagrams)) }
            if bytes > counted.bytes { originalDroppedBytes.increment(by: Int64(bytes - counted.bytes)) }
            counted = (max(counted.datagrams, datagrams), max(counted.bytes, bytes))
        }
    }

    /// Adds a flush's tallies: datagrams and bytes per slot of ``DatagramKind/names``.
    public func sent(datagrams counts: borrowing [Int], bytes sizes: borrowing [Int]) {
        for slot in counts.indices where counts[slot] > 0 {
            datagrams[slot].increment(by: Int64(counts[slot]))
            bytes[slot].increment(by: Int64(sizes[slot]))
        }
    }

    /// Counts what a server notice says (challenges, refusals, rejects, repairs).
    package func record(_ notice: ServerState.Notice) {
        switch notice {
        case .challenged:
            challenges.increment()
        case .refused(_, let refusal):
            counter("soccerstream_refusals_total", refusal.reason.name).increment()
        case .originalRefused(_, let reason):
            counter("soccerstream_refusals_total", "original: \(reason)").increment()
        case .rejected(_, let reason):
            // The reason without its detail ("badMagic (header.magic)" → "badMagic"): a label
            // must not take as many values as a sender can make up.
            let key = reason.firstRange(of: " (").map { String(reason[..<$0.lowerBound]) } ?? reason
            counter("soccerstream_rejects_total", key).increment()
        case .repaired(_, let sent, let unavailableCount, let over):
            if sent > 0 { repairs.increment(by: Int64(sent)) }
            if unavailableCount > 0 { unavailable.increment(by: Int64(unavailableCount)) }
            if over > 0 { overBudget.increment(by: Int64(over)) }
        case .cutOff(_, let refusal, _):
            counter("soccerstream_cut_off_total", refusal.reason.name).increment()
        case .registered, .unregistered, .listed, .timedOut, .encodingFailed, .lookUp, .wanted, .reset:
            break
        }
    }

    /// Records one event's lag: from when it was due to when its fan-out was flushed.
    package func eventLag(_ lag: Duration) {
        let (seconds, attoseconds) = lag.components
        eventLag.recordNanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// Records one trip's size.
    package func batch(datagrams: Int) {
        batch.record(datagrams)
    }

    /// Counts event datagrams to sealed subscriptions that could not be sealed (never sent in clear).
    package func sealFailed(_ count: Int) {
        counter("soccerstream_seal_failures_total", "too_large").increment(by: Int64(count))
    }

    /// Sets `soccerstream_subscribers{match, format}` for each match and delivery.
    public func recordSubscribers(_ matches: [(id: UInt32, counts: [Delivery: Int])]) {
        subscriberGauges.withLock { gauges in
            for (id, counts) in matches {
                // A real match's base-layout deliveries (Spec §4.13) only once some client took one.
                for delivery in Delivery.allCases where counts[delivery] != nil || !delivery.isBaseLayout {
                    let key = Self.subscriberKey(id, delivery)
                    let gauge =
                        gauges[key]
                        ?? {
                            let made = Gauge(
                                label: "soccerstream_subscribers", dimensions: [("match", String(id)), ("format", delivery.rawValue)],
                                factory: factory)
                            gauges[key] = made
                            return made
                        }()
                    gauge.record(counts[delivery] ?? 0)
                }
            }
        }
    }

    /// Removes the `soccerstream_subscribers` series of the matches `ids` (every delivery),
    /// once no slot holds them any more: a server playing match after match (`--loop`) would
    /// otherwise show every match it ever played, a few more series on each scrape.
    public func forgetSubscribers(_ ids: [UInt32]) {
        let gone: [Gauge] = subscriberGauges.withLock { gauges in
            ids.flatMap { id in Delivery.allCases.compactMap { gauges.removeValue(forKey: Self.subscriberKey(id, $0)) } }
        }
        for gauge in gone { gauge.destroy() }
    }

    /// Where match `id`'s gauge of `delivery` is kept in ``subscriberGauges``.
    private static func subscriberKey(_ id: UInt32, _ delivery: Delivery) -> String {
        "\(id) \(delivery.rawValue)"
    }

    private func counter(_ label: String, _ reason: String) -> Counter {
        byReason.withLock { counters in
            let key = label + " " + reason
            if let counter = counters[key] { return counter }
            let made = Counter(label: label, dimensions: [("reason", reason)], factory: factory)
            counters[key] = made
            return made
        }
    }
}
