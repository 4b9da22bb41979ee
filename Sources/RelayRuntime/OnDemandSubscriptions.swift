import ClientEngine
import ClientRuntime
import Match
import RuntimeSupport
import ServerEngine
import Wire

/// An on-demand relay's upstream subscriptions (`relay --on-demand`, Spec §4.10), free of I/O:
/// which follower follows which match, which slot it became here, whether a client has joined
/// it, and since when it is live. It says which to drop: a match whose last client left, or one
/// that nobody joined within a grace period (the client that asked for it gave up).
package struct OnDemandSubscriptions: Sendable {
    /// The next follower index to hand out (above any static follower's).
    package private(set) var next = 1_000_000
    /// The match each follower was started for (``RegisterRequest/anyMatch`` for "the first live one").
    package private(set) var matches: [Int: UInt32] = [:]
    /// The slot each follower's match became here, once welcomed upstream, and when.
    package private(set) var slots: [Int: (slot: Int, since: ContinuousClock.Instant)] = [:]
    /// Followers whose match has had a client.
    private var viewed: Set<Int> = []

    /// No follower started yet.
    package init() {}

    /// A follower for `match`, unless one already follows it (a register retried while the
    /// subscription is on its way starts nothing more).
    package mutating func start(_ match: UInt32) -> Int? {
        guard !matches.values.contains(match) else { return nil }
        defer { next += 1 }
        matches[next] = match
        return next
    }

    /// Follower `index`'s match is live here, in `slot`, from `now`.
    package mutating func live(_ index: Int, slot: Int, now: ContinuousClock.Instant) {
        if matches[index] != nil { slots[index] = (slot, now) }
    }

    /// The followers to stop, given each live one's current number of clients (by follower):
    /// those whose match had clients and has none left, and those nobody joined within `grace`.
    package mutating func unwatched(clients: [Int: Int], now: ContinuousClock.Instant, grace: Duration) -> [Int] {
        var drop: [Int] = []
        for (index, count) in clients {
            if count > 0 {
                viewed.insert(index)
            } else if viewed.contains(index) || slots[index].map({ now - $0.since >= grace }) == true {
                drop.append(index)
            }
        }
        for index in drop {
            viewed.remove(index)
            slots[index] = nil
        }
        return drop
    }

    /// Follower `index` stopped: forgets it, and returns the match it followed (nil for a static follower).
    package mutating func closed(_ index: Int) -> UInt32? {
        defer {
            matches[index] = nil
            slots[index] = nil
            viewed.remove(index)
        }
        return matches[index]
    }
}
