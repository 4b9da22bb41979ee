import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

/// A per-IP token bucket on new subscriptions: at most `rate` a second, bursts of `burst`
/// (by default `2 × rate`, and at least one, so that any positive rate admits registers).
///
/// It is consulted only for registers that carry a valid address token, so it keeps state
/// only for validated addresses; its table is bounded (the stalest entry goes when full).
public struct RegistrationLimiter: Sendable {
    /// New subscriptions allowed per IP per second (0: unlimited).
    public let rate: Double
    /// New subscriptions allowed at once (the bucket's size).
    public let burst: Double
    /// The most addresses tracked.
    public static let capacity = 4096

    private var buckets: [IPKey: TokenBucket] = [:]
    private let clock: any ProtocolClock

    /// Creates a limiter reading the time from `clock`; `burst` defaults to
    /// ``defaultBurst(rate:)``. (``ServerConfiguration/validate()`` refuses a burst under 1.)
    public init(rate: Double, burst: Double? = nil, clock: any ProtocolClock) {
        self.rate = rate
        self.burst = burst ?? Self.defaultBurst(rate: rate)
        self.clock = clock
    }

    /// The burst when none is given: twice the rate, but never below one register (a rate of
    /// 0.3 a second still admits a register now and then, rather than none ever).
    public static func defaultBurst(rate: Double) -> Double {
        max(1, 2 * rate)
    }

    /// Takes one token for `address`'s IP now; false when its bucket is empty.
    public mutating func allow(_ address: SocketAddress) -> Bool {
        guard rate > 0 else { return true }
        // Addresses without an IP (Unix sockets) share one bucket.
        let ip = IPKey(address) ?? .withoutIP
        let now = clock.now()
        var bucket = buckets[ip] ?? TokenBucket(rate: rate, burst: burst, now: now)
        guard bucket.take(now: now) else {
            buckets[ip] = bucket
            return false
        }
        if buckets[ip] == nil, buckets.count >= Self.capacity,
            let stalest = buckets.min(by: { $0.value.updated < $1.value.updated })?.key
        {
            buckets[stalest] = nil
        }
        buckets[ip] = bucket
        return true
    }
}
