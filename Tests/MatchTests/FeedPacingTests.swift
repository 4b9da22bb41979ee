import Match
import Testing
import Wire

/// `--replay-speed` (Spec/FEED.md "Pacing"): which time each event line gets, and which lines
/// do not fit the pace.
@Suite("Feed pacing (ReplayPace, FeedPacing)")
struct FeedPacingTests {
    static let event = MatchSimulator.play(seed: 1).events[0]

    static func output(at: Double?) -> FeedDecoder.Output { .event(event, at: at) }

    @Test("by default a feed with \"at\" times replays at its recorded pace; one without streams as lines arrive")
    func recordedPace() throws {
        var timed = FeedPacing(pace: .recorded)
        #expect(try timed.due(Self.output(at: 1.5), line: 2) == 1.5)
        #expect(try timed.due(Self.output(at: 3), line: 3) == 3)
        #expect(timed.paced == true)
        var untimed = FeedPacing(pace: .recorded)
        #expect(try untimed.due(Self.output(at: nil), line: 2) == nil)
        #expect(untimed.paced == false)
        // Line-ups, ends and blanks are never timed, and decide nothing.
        var other = FeedPacing(pace: .recorded)
        #expect(try other.due(.blank, line: 1) == nil && other.paced == nil)
    }

    @Test(
        "a line that does not fit the pace is refused with its line number, field and reason",
        arguments: [
            (ReplayPace.recorded, [1.0, nil], "recorded pace"),
            (ReplayPace.recorded, [nil, 1.0], "first event had no"),
            (ReplayPace.speed(4), [nil], "--replay-speed 4.0"),
        ] as [(ReplayPace, [Double?], String)])
    func mismatch(pace: ReplayPace, times: [Double?], reason: String) throws {
        var pacing = FeedPacing(pace: pace)
        for (index, at) in times.dropLast().enumerated() { _ = try pacing.due(Self.output(at: at), line: index + 2) }
        let line = times.count + 1
        do {
            _ = try pacing.due(Self.output(at: times.last ?? nil), line: line)
            Issue.record("line \(line) was accepted")
        } catch {
            #expect(error.line == line && error.error.field == "line.at")
            #expect(error.description.contains(reason) && error.description.contains("--replay-speed max"), "\(error)")
        }
    }

    @Test("a speed divides every time; max streams every line as it arrives, whatever its time")
    func speeds() throws {
        var fast = FeedPacing(pace: .speed(4))
        #expect(try fast.due(Self.output(at: 10), line: 2) == 2.5)
        var max = FeedPacing(pace: .max)
        #expect(try max.due(Self.output(at: 10), line: 2) == nil)
        #expect(try max.due(Self.output(at: nil), line: 3) == nil)
    }

    @Test("the command line's spellings")
    func spellings() {
        #expect(ReplayPace("max") == .max && ReplayPace("2.5") == .speed(2.5) && ReplayPace("fast") == nil)
    }
}
