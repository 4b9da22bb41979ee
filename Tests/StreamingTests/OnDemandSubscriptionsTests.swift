import Streaming
import Testing

/// An on-demand relay's bookkeeping (Spec §4.10), no sockets: which upstream subscriptions to
/// drop, on a clock given by the test.
@Suite("On-demand subscriptions")
struct OnDemandSubscriptionsTests {
    @Test(
        "one follower per match asked for; dropped when its last client leaves, or when nobody joined within the grace; a closed follower names its match"
    )
    func lifecycle() throws {
        var subscriptions = OnDemandSubscriptions()
        let start = ContinuousClock.now
        let grace = Duration.seconds(15)
        let started = subscriptions.start(7)
        let first = try #require(started)
        let again = subscriptions.start(7)
        #expect(again == nil, "a register retried while the subscription is on its way starts nothing more")
        let startedSecond = subscriptions.start(8)
        let second = try #require(startedSecond)
        subscriptions.live(first, slot: 0, now: start)
        subscriptions.live(second, slot: 1, now: start)
        // Match 7 is joined, match 8 is not: within the grace, neither is dropped.
        let early = subscriptions.unwatched(clients: [first: 1, second: 0], now: start + .seconds(5), grace: grace)
        #expect(early.isEmpty)
        // Past the grace, the unjoined one goes; the watched one stays while it has a client.
        let late = subscriptions.unwatched(clients: [first: 1, second: 0], now: start + .seconds(16), grace: grace)
        #expect(late == [second])
        let watched = subscriptions.unwatched(clients: [first: 2], now: start + .seconds(60), grace: grace)
        #expect(watched.isEmpty)
        // Its last client leaves: dropped at once.
        let left = subscriptions.unwatched(clients: [first: 0], now: start + .seconds(61), grace: grace)
        #expect(left == [first] && subscriptions.slots.isEmpty)
        let closed = (subscriptions.closed(first), subscriptions.closed(second), subscriptions.closed(3))
        #expect(closed.0 == 7 && closed.1 == 8 && closed.2 == nil)
        // Closed, match 7 may be asked for again.
        let renewed = subscriptions.start(7)
        #expect(renewed != nil)
    }
}
