import GroupSigning
import Logging
import Match
import RuntimeSupport
import Synchronization
import WebEngine
import Wire

/// The gateway's one shared state: the board of matches and the readers of the pages' event
/// streams. An update goes through ``MatchBoard`` (pure), and its actions are carried out here:
/// each is rendered once per topic and language and handed to the readers concerned. A reader's
/// queue is bounded: one that falls that far behind is dropped (with a log line), never allowed
/// to grow; its address keeps its place until its connection's handler has ended.
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
        /// The token that admitted it (`web --require-token`): its stream ends when it stops standing.
        var token: SubscriberToken?
    }

    struct State {
        var board = MatchBoard()
        /// Readers being sent records.
        var readers: [Int: Reader] = [:]
        /// Every open stream's address (a dropped reader's too, until its handler ends).
        var open: [Int: String] = [:]
        var perAddress: [String: Int] = [:]
        /// The open streams of match cards: each ends once its match's last record is written.
        var openCards: Set<Int> = []
        var nextReader = 0
        /// The gateway is stopping: no new stream.
        var closed = false
    }

    private let state = Mutex(State())
    /// Changes so far, each update applied and each card stream closed: what the gateway's exit
    /// and the tests wait on (with a predicate over the hub), never poll.
    public let changes = Watch(0)
    private let logger: Logger
    private let bufferLimit: Int
    private let allowance: Int

    public init(logger: Logger, readerBuffer: Int, connectionsPerAddress: Int) {
        self.logger = logger
        self.bufferLimit = readerBuffer
        self.allowance = connectionsPerAddress
    }

    /// Whether every match on the board has ended (none: true).
    public var allEnded: Bool {
        state.withLock { Self.everyMatchEnded($0) }
    }

    /// Whether every match has ended and every card's stream has written its last record and
    /// closed: what a server waits for before it exits, so that its pages' readers see the end.
    public var allEndedAndDelivered: Bool {
        state.withLock { $0.openCards.isEmpty && Self.everyMatchEnded($0) }
    }

    /// Whether every match on `state`'s board has ended (none: true).
    private static func everyMatchEnded(_ state: State) -> Bool {
        state.board.matches.allSatisfy { if case .ended = $0.status { true } else { false } }
    }

    /// The board as it is now (a copy: pages render it outside the lock).
    public var board: MatchBoard { state.withLock { $0.board } }

    /// Applies a follower's update and sends its records to the readers concerned.
    public func apply(_ update: MatchBoard.Update) {
        let (dropped, stale) = state.withLock { state -> ([Reader], Bool) in
            let actions = state.board.apply(update)
            var dropped: [Reader] = []
            for action in actions {
                let id: UInt32
                switch action {
                case .listed(let match), .changed(let match), .event(let match, _): id = match
                }
                guard let match = state.board.match(id) else { continue }
                var rendered: [Topic: [WebLanguage: String]] = [:]
                func record(_ topic: Topic, _ language: WebLanguage) -> String? {
                    if let text = rendered[topic]?[language] { return text }
                    let text: String?
                    switch (topic, action) {
                    case (.index, _): text = LiveRecords.row(match, language: language).text
                    case (.match, .event(_, let sequence)):
                        text = match.history.last(where: { $0.sequence == sequence }).map {
                            LiveRecords.event($0, of: match, language: language).text
                        }
                    case (.match, _): text = LiveRecords.changed(match, language: language).text
                    }
                    rendered[topic, default: [:]][language] = text
                    return text
                }
                for (key, reader) in state.readers where reader.topic == .index || reader.topic == .match(id) {
                    // A new match is news for the index only.
                    if case .listed = action, reader.topic != .index { continue }
                    guard let text = record(reader.topic, reader.language) else { continue }
                    if case .dropped = reader.continuation.yield(text) {
                        dropped.append(reader)
                        Self.stopSending(key, in: &state)
                    } else if case .ended = match.status, reader.topic == .match(id) {
                        // Its last record is out: the card's stream ends.
                        Self.stopSending(key, in: &state)
                    }
                }
            }
            if case .event(let id, _, _) = update, actions.isEmpty, state.board.match(id) != nil { return (dropped, true) }
            return (dropped, false)
        }
        changes.update { $0 += 1 }
        if stale, case .event(let id, let sequence, _) = update {
            logger.warning("Match \(id): event \(sequence) is not after the latest shown; ignored (an upstream that started the match again?).")
        }
        for reader in dropped { logDrop(reader) }
    }

    private func logDrop(_ reader: Reader) {
        logger.warning(
            "Dropped a slow event-stream reader (\(reader.address), \(reader.topic)): \(bufferLimit) records behind; its browser reconnects and catches up from Last-Event-ID."
        )
    }

    /// A new reader of `topic` from `address`: the records it missed after `after` (a card's
    /// events since then and its current header, or the index's rows), and the stream of what
    /// comes next. The match is copied and the reader registered under one lock, so nothing
    /// falls between the two; the records are rendered outside it.
    public func subscribe(
        _ topic: Topic, language: WebLanguage, after: UInt32?, address: String, token: SubscriberToken? = nil
    ) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        enum Taken {
            case refused(Subscription)
            case index([GatewayMatch], key: Int)
            case match(GatewayMatch, key: Int?)
        }
        let taken = state.withLock { state -> Taken in
            guard !state.closed else { return .refused(.closed) }
            var match: GatewayMatch?
            if case .match(let id) = topic {
                guard let found = state.board.match(id) else { return .refused(.unknown) }
                // An ended match's records are all there is: no stream to register.
                if case .ended = found.status { return .match(found, key: nil) }
                match = found
            }
            guard state.perAddress[address, default: 0] < allowance else { return .refused(.limited) }
            let key = state.nextReader
            state.nextReader += 1
            state.readers[key] = Reader(topic: topic, language: language, continuation: continuation, address: address, token: token)
            state.open[key] = address
            if match != nil { state.openCards.insert(key) }
            state.perAddress[address, default: 0] += 1
            return match.map { .match($0, key: key) } ?? .index(state.board.matches, key: key)
        }
        switch taken {
        case .refused(let subscription):
            continuation.finish()
            return subscription
        case .index(let matches, let key):
            return .live(matches.map { LiveRecords.row($0, language: language).text }, stream, key)
        case .match(let match, let key):
            let missed = match.entries(after: after)
            var records = missed.enumerated().map { index, entry in
                LiveRecords.event(entry, of: match, language: language, parts: index == missed.count - 1).text
            }
            // The header as it is (the source lost or back, the end), whatever the reader saw.
            records.append(LiveRecords.changed(match, language: language).text)
            guard let key else {
                continuation.finish()
                return .ended(records)
            }
            return .live(records, stream, key)
        }
    }

    /// What ``subscribe(_:language:after:address:)`` gives.
    public enum Subscription: Sendable {
        /// The records missed, the stream of what comes next, and the reader's key (to end it).
        case live([String], AsyncStream<String>, Int)
        /// The match is over: the records missed, then nothing more.
        case ended([String])
        /// No such match here.
        case unknown
        /// The address has its allowance of streams open.
        case limited
        /// The gateway is stopping.
        case closed
    }

    /// Ends reader `key` (its connection's handler ended): its address may open another.
    public func unsubscribe(_ key: Int) {
        let card = state.withLock { state -> Bool in
            Self.stopSending(key, in: &state)
            guard let address = state.open.removeValue(forKey: key) else { return false }
            state.perAddress[address, default: 1] -= 1
            if state.perAddress[address] == 0 { state.perAddress[address] = nil }
            return state.openCards.remove(key) != nil
        }
        // Whoever waits for the cards to be delivered (``WebGateway/waitForEnds(deadline:)``) looks again.
        if card { changes.update { $0 += 1 } }
    }

    /// Stops sending to reader `key`: its stream ends (its place is kept until ``unsubscribe(_:)``).
    private static func stopSending(_ key: Int, in state: inout State) {
        state.readers.removeValue(forKey: key)?.continuation.finish()
    }

    /// Sends every reader the heartbeat comment (a reader too far behind for it is dropped).
    public func heartbeat() {
        let dropped = state.withLock { state in
            var dropped: [Reader] = []
            for (key, reader) in state.readers {
                if case .dropped = reader.continuation.yield(SSERecord.heartbeat) {
                    dropped.append(reader)
                    Self.stopSending(key, in: &state)
                }
            }
            return dropped
        }
        for reader in dropped { logDrop(reader) }
    }

    /// Ends the stream of every reader whose token no longer stands (`refusal` says why: revoked,
    /// expired), as a server cuts such a subscriber off; its browser's next request is refused
    /// with the reason. Returns how many were ended.
    @discardableResult
    public func cutOff(_ refusal: (SubscriberToken) -> TokenRefusal?) -> Int {
        let ended = state.withLock { state in
            var ended: [(Reader, TokenRefusal)] = []
            for (key, reader) in state.readers {
                guard let token = reader.token, let why = refusal(token) else { continue }
                ended.append((reader, why))
                Self.stopSending(key, in: &state)
            }
            return ended
        }
        for (reader, why) in ended {
            logger.info("Event stream of \(reader.address) ended: \(why) (token \(Hex.encode(reader.token?.tokenID ?? [])))")
        }
        return ended.count
    }

    /// Ends every reader and takes no new one (the gateway stops).
    public func finishAll() {
        state.withLock { state in
            state.closed = true
            for key in Array(state.readers.keys) { Self.stopSending(key, in: &state) }
        }
    }
}
