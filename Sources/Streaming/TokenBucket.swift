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
        tokens = min(burst, tokens + max(0, now - updated) * rate)
        updated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
