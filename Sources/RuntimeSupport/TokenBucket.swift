import Wire

/// A token bucket: `rate` tokens a second, at most `burst` saved up. The one implementation of
/// the server's rate limits (registrations per IP, repairs per subscription and in all).
public struct TokenBucket: Sendable, Hashable {
    /// Tokens added per second.
    public let rate: Double
    /// The most tokens held.
    public let burst: Double
    /// Tokens held at ``updated``.
    public private(set) var tokens: Double
    /// Clock seconds of the last refill.
    public private(set) var updated: Double

    /// A full bucket at `now`.
    public init(rate: Double, burst: Double, now: Double) {
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = now
    }

    /// Takes one token at `now`; false (and nothing taken) when fewer than one is left.
    public mutating func take(now: Double) -> Bool {
        take(1, now: now)
    }

    /// Takes `count` tokens at `now`; false (and nothing taken) when fewer are left.
    public mutating func take(_ count: Double, now: Double) -> Bool {
        tokens = available(now: now)
        updated = now
        guard tokens >= count else { return false }
        tokens -= count
        return true
    }

    /// The tokens held at `now` (refilled since ``updated``, at most ``burst``).
    public func available(now: Double) -> Double {
        min(burst, tokens + max(0, now - updated) * rate)
    }
}
