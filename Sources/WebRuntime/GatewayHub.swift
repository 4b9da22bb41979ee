import Logging
import Match
import RuntimeSupport
import Synchronization
import WebEngine
import Wire

/// The gateway's one shared state: the board of matches and the readers of the pages' event
/// streams. An update goes through ``MatchBoard`` (pure), and its actions are carried out here:
/// each is rendered once per language and handed to the readers concerned. A reader's queue is
/// bounded: one that falls that far behind is dropped (with a log line), never allowed to grow.
public final class GatewayHub: Sendable {
    /// What a reader follows: the index (every match's row) or one match's card.
    public enum Topic: Sendable, Hashable {
        case index
        case match(UInt32)
    }

    struct Reader {
        var topic: Topic
        var language: WebLanguage
        var continuation: AsyncStream<String>.Continuation
        var address: String
    }

    struct State {
        var board = MatchBoard()
        var readers: [Int: Reader] = [:]
        var nextReader = 0
        /// Open event streams by client address.
        var streams: [String: Int] = [:]
    }

    private let state = Mutex(State())
    /// Updates applied so far: what a test (or a status page) waits on, never polls.
    public let applied = Watch(0)
    private let logger: Logger
    private let bufferLimit: Int
    private let perAddress: Int

    public init(logger: Logger, readerBuffer: Int, connectionsPerAddress: Int) {
        self.logger = logger
        self.bufferLimit = readerBuffer
        self.perAddress = connectionsPerAddress
    }

    /// The board as it is now (a copy: pages render it outside the lock).
    public var board: MatchBoard { state.withLock { $0.board } }

    /// Applies a follower's update and sends its records to the readers concerned.
    public func apply(_ update: MatchBoard.Update) {
        var dropped: [(Reader, Topic)] = []
        state.withLock { state in
            let actions = state.board.apply(update)
            for action in actions {
                let id: UInt32
                switch action {
                case .listed(let match), .changed(let match): id = match
                case .event(let match, _): id = match
                }
                guard let match = state.board.match(id) else { continue }
                var rendered: [Topic: [WebLanguage: String]] = [:]
                func record(_ topic: Topic, _ language: WebLanguage) -> String {
                    if let text = rendered[topic]?[language] { return text }
                    let text: String =
                        switch (topic, action) {
                        case (.index, _): LiveRecords.row(match, language: language).text
                        case (.match, .event):
                            match.history.last.map { LiveRecords.event($0, of: match, language: language).text } ?? ""
                        case (.match, _): LiveRecords.changed(match, language: language).text
                        }
                    rendered[topic, default: [:]][language] = text
                    return text
                }
                for (key, reader) in state.readers where reader.topic == .index || reader.topic == .match(id) {
                    // A new match is news for the index only.
                    if case .listed = action, reader.topic != .index { continue }
                    if case .dropped = reader.continuation.yield(record(reader.topic, reader.language)) {
                        dropped.append((reader, reader.topic))
                        Self.remove(key, from: &state)
                    } else if case .ended = match.status, reader.topic == .match(id) {
                        // Its last record is out: the card's stream ends.
                        Self.remove(key, from: &state)
                    }
                }
            }
        }
        applied.update { $0 += 1 }
        for (reader, topic) in dropped {
            logger.warning(
                "Dropped a slow event-stream reader (\(reader.address), \(topic)): \(bufferLimit) records behind; its browser reconnects and catches up from Last-Event-ID."
            )
        }
    }

    /// A new reader of `topic` from `address`: what it missed after `after` (a card's events
    /// since then, or the index's rows), and the stream of what comes next, registered under the
    /// same lock (so nothing falls between the two). Nil when the match is unknown; `.limited`
    /// when `address` has its allowance of streams open.
    public func subscribe(_ topic: Topic, language: WebLanguage, after: UInt32?, address: String) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        return state.withLock { state in
            guard state.streams[address, default: 0] < perAddress else { return .limited }
            var initial: [String] = []
            switch topic {
            case .index:
                initial = state.board.matches.map { LiveRecords.row($0, language: language).text }
            case .match(let id):
                guard let match = state.board.match(id) else { return .unknown }
                let missed = match.entries(after: after)
                for (index, entry) in missed.enumerated() {
                    initial.append(LiveRecords.event(entry, of: match, language: language, parts: index == missed.count - 1).text)
                }
                if case .ended = match.status {
                    initial.append(LiveRecords.changed(match, language: language).text)
                    return .ended(initial)
                }
            }
            let key = state.nextReader
            state.nextReader += 1
            state.readers[key] = Reader(topic: topic, language: language, continuation: continuation, address: address)
            state.streams[address, default: 0] += 1
            return .live(initial, stream, key)
        }
    }

    /// What ``subscribe(_:language:after:address:)`` gives.
    public enum Subscription: Sendable {
        /// The records missed, the stream of what comes next, and the reader's key (to end it).
        case live([String], AsyncStream<String>, Int)
        /// The match is over: the records missed, then nothing more.
        case ended([String])
        case unknown
        case limited
    }

    /// Ends reader `key` (its connection closed; nothing when it was dropped already).
    public func unsubscribe(_ key: Int) {
        state.withLock { Self.remove(key, from: &$0) }
    }

    /// Removes reader `key`: its stream ends, and its address may open another.
    private static func remove(_ key: Int, from state: inout State) {
        guard let reader = state.readers.removeValue(forKey: key) else { return }
        reader.continuation.finish()
        state.streams[reader.address, default: 1] -= 1
        if state.streams[reader.address] == 0 { state.streams[reader.address] = nil }
    }

    /// Sends every reader the heartbeat comment (a reader too far behind for it is dropped).
    public func heartbeat() {
        let dropped = state.withLock { state in
            var dropped: [Reader] = []
            for (key, reader) in state.readers {
                if case .dropped = reader.continuation.yield(SSERecord.heartbeat) {
                    dropped.append(reader)
                    Self.remove(key, from: &state)
                }
            }
            return dropped
        }
        for reader in dropped {
            logger.warning("Dropped a slow event-stream reader (\(reader.address), \(reader.topic)): \(bufferLimit) records behind.")
        }
    }

    /// Ends every reader (the gateway stops).
    public func finishAll() {
        state.withLock { state in
            for key in Array(state.readers.keys) { Self.remove(key, from: &state) }
        }
    }
}
