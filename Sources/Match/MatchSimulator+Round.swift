import Wire

extension MatchSimulator {
    /// The seed of the first match of slot `slot` in a round seeded `base` (`server --simulate`):
    /// `base` itself for slot 0 (the original match), far-apart seeds for the others so that no
    /// two slots ever play the same seed (a slot's later matches take seed + 1, + 2, ...).
    public static func roundSeed(slot: Int, base: UInt64) -> UInt64 {
        slot == 0 ? base : base &+ UInt64(slot) &* 1_000_003
    }

    /// The first match of slot `slot` in a round seeded `base`: its seed (``roundSeed(slot:base:)``)
    /// and its teams (``Roster/simulated(slot:seed:)``). The server, its benchmarks and tests all
    /// derive a round's matches here.
    public init(roundSlot slot: Int, seed base: UInt64, catalog: PhraseCatalog = .english) {
        self.init(seed: Self.roundSeed(slot: slot, base: base), roster: Roster.simulated(slot: slot, seed: base), catalog: catalog)
    }
}
