import Wire

/// How a feed's events are timed (`server --replay-speed`, Spec/FEED.md "Pacing").
public enum ReplayPace: Sendable, Hashable, CustomStringConvertible {
    /// The default: a feed whose events carry `at` times is replayed at its recorded pace
    /// (speed 1, kick-off + `at`); one whose events carry none is streamed line by line as the
    /// lines arrive. Its first event line decides, and a later one that differs is refused.
    case recorded
    /// Every event at kick-off + `at` / speed; an event line without `at` is refused.
    case speed(Double)
    /// Every line streamed as it arrives, whatever its `at` (`--replay-speed max`): for a live
    /// producer appending to the file or writing into a pipe, or to replay a recording at once.
    case max

    /// Reads the command line's spelling: a speed (a number), or `max`.
    public init?(_ text: String) {
        if text == "max" {
            self = .max
        } else if let speed = Double(text) {
            self = .speed(speed)
        } else {
            return nil
        }
    }

    /// The factor a paced event's `at` is divided by.
    public var speed: Double {
        switch self {
        case .recorded, .max: 1
        case .speed(let speed): speed
        }
    }

    public var description: String {
        switch self {
        case .recorded: "the recorded pace"
        case .speed(let speed): "\(speed) times the recorded pace"
        case .max: "each line as it arrives"
        }
    }
}

/// One feed's pacing rule (``ReplayPace``), applied line by line: what time an event line
/// gives its event, or a ``FeedError`` for a line that does not fit the pace, so that a feed
/// replayed at a pace never silently streams an untimed event at once. Free of I/O.
public struct FeedPacing: Sendable {
    /// The pace asked for.
    public let pace: ReplayPace
    /// Whether the feed is paced by its `at` times, once its first event line said so.
    public private(set) var paced: Bool?

    /// Pacing by `pace`.
    public init(pace: ReplayPace) {
        self.pace = pace
        if case .speed = pace { paced = true }
        if case .max = pace { paced = false }
    }

    /// The time after kick-off (seconds, at the replay's speed) at which the event of `output`
    /// is due, nil for "as it arrives" (and for every line that is not an event).
    ///
    /// - Parameters:
    ///   - output: what the feed's decoder made of the line.
    ///   - line: the line's number in the feed, for the error.
    /// - Throws: ``FeedError`` locating the line's `at` field when it does not fit the pace:
    ///   an event without `at` in a paced feed, or with one in a feed whose first event had none.
    public mutating func due(_ output: FeedDecoder.Output, line: Int) throws(FeedError) -> Double? {
        guard case .event(_, let at) = output else { return nil }
        let paced = self.paced ?? (at != nil)
        self.paced = paced
        switch (paced, at) {
        case (true, let at?):
            return at / pace.speed
        case (false, _) where pace == .max:
            return nil
        case (false, nil):
            return nil
        case (true, nil):
            let why =
                pace == .recorded
                ? "the feed's first event had an \"at\" time, so it is replayed at its recorded pace"
                : "--replay-speed \(pace.speed) replays the feed at its \"at\" times"
            throw FeedError(
                line: line,
                error: WireError(
                    .schemaViolation, field: "line.at", offset: 0,
                    "missing; \(why) (give --replay-speed max to stream each line as it arrives)"))
        case (false, .some):
            throw FeedError(
                line: line,
                error: WireError(
                    .schemaViolation, field: "line.at", offset: 0,
                    "unexpected; the feed's first event had no \"at\" time, so its lines are streamed as they arrive (give --replay-speed max to ignore every \"at\")"
                ))
        }
    }
}
