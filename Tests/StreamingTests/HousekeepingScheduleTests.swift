import Streaming
import Testing

/// When the stream loop runs the housekeeping, on made-up instants (no clock, no sockets).
@Suite("The housekeeping's schedule (made-up instants)")
struct HousekeepingScheduleTests {
    static let origin = ContinuousClock().now

    static func at(_ seconds: Double) -> ContinuousClock.Instant { origin.advanced(by: .milliseconds(Int((seconds * 1000).rounded()))) }

    @Test("a wake-up from 0.75 s after the last run runs it; the loop wakes for it alone 1.5 s after")
    func window() {
        var schedule = HousekeepingSchedule(start: Self.at(0))
        #expect(!schedule.isDue(at: Self.at(0.5)) && !schedule.isDue(at: Self.at(0.749)))
        #expect(schedule.isDue(at: Self.at(0.75)) && schedule.isDue(at: Self.at(3)))
        #expect(schedule.deadline == Self.at(1.5))
        schedule.ran(at: Self.at(1.2))
        #expect(!schedule.isDue(at: Self.at(1.9)) && schedule.isDue(at: Self.at(1.95)))
        #expect(schedule.deadline == Self.at(2.7))
    }

    @Test("events a second apart, each wake-up a little late: it runs on every event's wake-up and never needs one of its own")
    func ridesOnEvents() {
        var schedule = HousekeepingSchedule(start: Self.at(0))
        var runs = 0
        for event in 1...60 {
            // Woken up to 3 ms late, then working a little.
            let wake = Self.at(Double(event) + Double(event % 4) * 0.001)
            #expect(wake <= schedule.deadline, "event \(event): a wake-up for the housekeeping alone was due first")
            if schedule.isDue(at: wake) {
                schedule.ran(at: wake)
                runs += 1
            }
        }
        #expect(runs == 60)
    }

    @Test("events 20 ms apart: it runs between every 0.75 and 0.77 s, not on every event")
    func fastPace() {
        var schedule = HousekeepingSchedule(start: Self.at(0))
        var runs: [Double] = []
        for event in 1...500 {
            let seconds = Double(event) * 0.02
            if schedule.isDue(at: Self.at(seconds)) {
                schedule.ran(at: Self.at(seconds))
                runs.append(seconds)
            }
        }
        let gaps = zip(runs.dropFirst(), runs).map { $0 - $1 }
        #expect(runs.count == 13)
        #expect(gaps.allSatisfy { $0 >= 0.75 - 1e-9 && $0 <= 0.77 + 1e-9 }, "\(gaps)")
    }
}
