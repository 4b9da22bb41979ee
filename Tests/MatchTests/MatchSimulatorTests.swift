import Match
import TestSupport
import Testing
import Wire

@Suite("Match simulation")
struct MatchSimulatorTests {
    @Test("the same seed gives the same match; different seeds differ")
    func deterministic() {
        let first = MatchSimulator.play(seed: 42)
        let second = MatchSimulator.play(seed: 42)
        #expect(first.events == second.events)
        #expect(MatchSimulator.play(seed: 43).events != first.events)
        #expect(MatchSimulator.play(seed: 42, catalog: .portuguese).events == first.events)
    }

    @Test("pinned: the generator's first outputs and one match's outline never change")
    func pinned() {
        var generator = SeededGenerator(seed: 1)
        #expect((0..<3).map { _ in generator.next() } == [0xB3F2_AF6D_0FC7_10C5, 0x853B_5596_4736_4CEA, 0x92F8_9756_082A_4514])
        let match = MatchSimulator.play(seed: 7).events
        #expect(match.count == 47)
        #expect(match.last?.score == Score(home: 1, away: 0))
    }

    @Test("event kinds over 2,000 matches follow the original weights within 1.5 points")
    func proportions() async throws {
        try await CPUBoundLane.check { findings in
            var counts: [EventType: Int] = [:]
            var total = 0
            for seed in UInt64(1)...2000 {
                for event in MatchSimulator.play(seed: seed).events {
                    counts[event.type, default: 0] += 1
                    total += 1
                }
            }
            for type in EventType.base {
                let share = Double(counts[type, default: 0]) / Double(total) * 100
                findings.expect(abs(share - Double(type.weight)) < 1.5, "\(type): \(share)% for \(type.weight)%")
            }
        }
    }

    @Test("the clock advances 1-3 minutes an event and the match ends once it passes 97'")
    func clock() {
        for seed in UInt64(1)...300 {
            let (events, reason) = MatchSimulator.play(seed: seed)
            var previous: UInt8 = 0
            for event in events {
                #expect((1...3).contains(event.minute - previous))
                previous = event.minute
            }
            #expect(reason == .fullTime)
            #expect((97...99).contains(previous))
            #expect(events.dropLast().allSatisfy { $0.minute < 97 })
        }
    }

    @Test("goals update the score and the scorer's minutes; sent-off players take part in nothing later")
    func stateRules() {
        for seed in UInt64(1)...500 {
            var sentOff = Set<PlayerRef>()
            var goals = 0
            var clockBefore: UInt8 = 0
            for event in MatchSimulator.play(seed: seed).events {
                #expect(!sentOff.contains(event.actor))
                #expect(!sentOff.contains(event.opponent))
                #expect(event.actor.side != event.opponent.side)
                #expect(!event.actor.isKeeper)
                if event.type == .goal {
                    goals += 1
                    #expect(event.state.goals.last == Incident(player: event.actor, minute: clockBefore))
                }
                if event.type == .redCard {
                    #expect(event.state.redCards.last == Incident(player: event.actor, minute: clockBefore))
                    sentOff.insert(event.actor)
                }
                #expect(event.state.goals.count == goals)
                #expect(Int(event.score.home) + Int(event.score.away) == goals)
                clockBefore = event.minute
            }
        }
    }

    @Test("every template of both catalogues renders with no placeholder left, and both have the same shape")
    func catalogues() throws {
        #expect(PhraseCatalog.english.templates.map(\.count) == PhraseCatalog.portuguese.templates.map(\.count))
        for catalog in [PhraseCatalog.english, .portuguese] {
            #expect(catalog.eventNames.count == 8)
            for seed in UInt64(1)...100 {
                for event in MatchSimulator.play(seed: seed, catalog: catalog).events {
                    let phrase = try catalog.phrase(for: event, roster: .original)
                    #expect(!phrase.contains("{") && !phrase.isEmpty, "\(phrase)")
                }
            }
        }
        #expect(PhraseCatalog.portuguese.eventNames.contains("Gol Perdido!"))
    }

    @Test(
        "minutes are shown as the original did",
        arguments: [(12, "12'"), (45, "45'"), (46, "45+1'"), (49, "45+4'"), (50, "50'"), (90, "90'"), (93, "90+3'")])
    func minuteDisplay(minute: Int, shown: String) {
        #expect(MatchClock.display(UInt8(minute)) == shown)
    }
}
