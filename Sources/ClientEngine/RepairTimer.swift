import Match
import RuntimeSupport
import Wire

/// How long a client waits for a retransmission before asking again (Spec §4.8): RFC 6298's
/// retransmission timer applied to the NACK → retransmission round trip.
///
/// Samples come only from events asked for once (Karn's rule), so a late answer to an earlier
/// NACK never shrinks the estimate. When a wait runs out without an answer the timeout doubles
/// and stays doubled until a fresh sample arrives, as TCP's does; so a client behind a slow or
/// saturated path stops re-asking for what is already on its way, and one on a fast path asks
/// again within a few milliseconds.
public struct RepairTimer: Sendable, Equatable {
    /// The smoothed round trip and its variation, in seconds (nil before the first sample).
    public private(set) var smoothed: Double?
    public private(set) var variation: Double = 0
    /// The current wait before a retry, in seconds.
    public private(set) var timeout: Double
    /// The timeout's floor (the wait before any sample) and its ceiling.
    public let minimum: Double
    public let maximum: Double
    /// When the timeout was last doubled: it doubles at most once per timeout.
    private var backedOffAt: Double?

    /// Creates a timer starting at `initial` seconds, never above `cap`.
    public init(initial: Double, cap: Double) {
        minimum = initial
        maximum = max(initial, cap)
        timeout = initial
    }

    /// Takes one unambiguous round-trip sample (seconds): RFC 6298 §2 with α = 1/8, β = 1/4.
    public mutating func sample(_ roundTrip: Double) {
        guard roundTrip.isFinite, roundTrip >= 0 else { return }
        if let srtt = smoothed {
            variation = 0.75 * variation + 0.25 * abs(srtt - roundTrip)
            smoothed = 0.875 * srtt + 0.125 * roundTrip
        } else {
            smoothed = roundTrip
            variation = roundTrip / 2
        }
        timeout = min(maximum, max(minimum, (smoothed ?? roundTrip) + 4 * variation))
        backedOffAt = nil
    }

    /// A wait ran out without an answer: the timeout doubles (RFC 6298 §5.5), at most once per
    /// timeout's length however many events were waiting.
    public mutating func backOff(now: Double) {
        if let last = backedOffAt, now - last < timeout { return }
        timeout = min(maximum, timeout * 2)
        backedOffAt = now
    }
}
