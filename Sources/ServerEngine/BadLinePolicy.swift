/// What `server --on-bad-line` does with a feed line that cannot be used.
public enum BadLinePolicy: String, Sendable, CaseIterable {
    /// Log it with its line number and go on with the next line.
    case skip
    /// Log it and stop reading the feed: its match ends as abandoned.
    case stop
}
