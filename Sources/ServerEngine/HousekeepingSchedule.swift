/// When the server's housekeeping (client timeouts, token and key expiry, the rejects summary)
/// runs: about once a second, on a wake-up the stream loop makes anyway whenever one comes
/// close enough, so that a stream at a real pace wakes once per event rather than once per
/// event and once per tick.
///
/// Pure: the caller passes the time (an injected clock in tests).
public struct HousekeepingSchedule: Sendable, Hashable {
    /// The nominal time between runs.
    public static let period: Duration = .seconds(1)
    /// How much earlier than a period after the last run a wake-up made for something else may run it.
    public static let early: Duration = .milliseconds(250)
    /// How much later than a period after the last run the loop wakes for it alone.
    public static let late: Duration = .milliseconds(500)

    /// When it last ran.
    public private(set) var lastRun: ContinuousClock.Instant

    /// A schedule whose first run is a period after `start`.
    public init(start: ContinuousClock.Instant) {
        lastRun = start
    }

    /// Whether a wake-up at `now` runs it: from a period less ``early`` after the last run.
    public func isDue(at now: ContinuousClock.Instant) -> Bool {
        now >= lastRun + Self.period - Self.early
    }

    /// The latest a wake-up must come for it: a period plus ``late`` after the last run. The
    /// period between runs is thus between 0.75 and 1.5 s.
    public var deadline: ContinuousClock.Instant { lastRun + Self.period + Self.late }

    /// Notes a run at `now`.
    public mutating func ran(at now: ContinuousClock.Instant) {
        lastRun = now
    }

    /// Whether a wake-up at `now` runs it (``isDue(at:)``); if so, the run is noted.
    public mutating func claim(at now: ContinuousClock.Instant) -> Bool {
        guard isDue(at: now) else { return false }
        ran(at: now)
        return true
    }
}
