import Match
import Wire

/// A simulated match (``MatchSimulator``), then, with `--matches`, its successors played back
/// to back in the same stream (seed + 1 each; clients stay subscribed, sequence numbers run on).
package struct SimulatedSource: MatchSource {
    /// The current match's simulator.
    package private(set) var simulator: MatchSimulator
    /// Matches still to play after the current one.
    package private(set) var backToBackLeft: Int
    private let catalog: PhraseCatalog
    /// Why the stream ends: full time, unless a match of it ended otherwise (which stops the
    /// back-to-back matches too).
    private var ending = EndReason.fullTime

    package var origin: SourceOrigin { .simulated }
    /// The current match's seed.
    package var seed: UInt64 { simulator.seed }

    /// `simulator`'s match (possibly replayed some events already), then `backToBack` more.
    package init(simulator: MatchSimulator, catalog: PhraseCatalog, backToBack: Int) {
        self.simulator = simulator
        self.catalog = catalog
        self.backToBackLeft = max(0, backToBack)
    }

    /// One event every `interval` after `start`.
    package func due(start: ContinuousClock.Instant, streamed: Int, interval: Duration) -> ContinuousClock.Instant? {
        start.advanced(by: interval * (streamed + 1))
    }

    package mutating func next() -> SourceOutput {
        if let event = simulator.next() { return .event(event, .none) }
        if let reason = simulator.endReason, reason != .fullTime { ending = reason }
        guard backToBackLeft > 0 && ending == .fullTime else { return .ended(ending) }
        backToBackLeft -= 1
        simulator = MatchSimulator(seed: simulator.seed &+ 1, roster: simulator.roster, catalog: catalog)
        return .opened(MatchOpening(id: simulator.matchID, roster: simulator.roster, catalog: catalog, seed: simulator.seed))
    }
}
