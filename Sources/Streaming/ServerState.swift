import Match
import NIOCore
import Wire

/// The server's bookkeeping, free of I/O: who is subscribed and how, what to answer each
/// datagram, and what each event goes to. ``StreamServer`` holds it under a lock.
public struct ServerState: Sendable {
    /// A datagram to send.
    public struct Reply: Sendable {
        /// Where to.
        public var address: SocketAddress
        /// What.
        public var payload: ByteBuffer
    }

    /// Something worth logging.
    public enum Notice: Sendable {
        case registered(Subscriber, count: Int, repeated: Bool)
        case unregistered(SocketAddress, Delivery, count: Int)
        case refused(SocketAddress, Refusal)
        case rejected(SocketAddress, reason: String)
        case legacyRefused(SocketAddress, reason: String)
    }

    /// The configuration.
    public let configuration: ServerConfiguration
    /// The teams.
    public let roster: Roster
    /// The words.
    public let catalog: PhraseCatalog
    /// The match being streamed.
    public private(set) var matchID: UInt32 = 0
    /// Subscribed clients by address.
    public private(set) var subscribers: [SocketAddress: Subscriber] = [:]
    /// The latest event sent.
    public private(set) var current: EncodedEvent?
    /// The sequence number the next event gets.
    public private(set) var nextSequence: UInt32
    /// Datagrams rejected, by reason.
    public private(set) var rejects: [String: Int] = [:]

    /// Creates the state of a server that has not started a match.
    public init(configuration: ServerConfiguration, roster: Roster = .original) {
        self.configuration = configuration
        self.roster = roster
        self.catalog = configuration.language.catalog
        self.nextSequence = configuration.firstSequence
    }

    /// The number of subscribed clients.
    public var clientCount: Int { subscribers.count }

    /// Starts a new match: clears the latest event and sets the match id.
    public mutating func beginMatch(id: UInt32) {
        matchID = id
        current = nil
    }

    /// Answers one datagram from `address`.
    public mutating func handle(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        if bytes.first == FrameHeader.magic.0 {
            return handleFrame(bytes, from: address)
        }
        return handleLegacy(bytes, from: address)
    }

    private mutating func reject(_ address: SocketAddress, _ reason: String) -> (replies: [Reply], notices: [Notice]) {
        rejects[reason, default: 0] += 1
        return ([], [.rejected(address, reason: reason)])
    }

    private mutating func refuse(_ address: SocketAddress, _ reason: RefuseReason, _ text: String) -> (replies: [Reply], notices: [Notice]) {
        let refusal = Refusal(reason: reason, text: text)
        rejects["refused: \(reason.name)", default: 0] += 1
        guard let bytes = try? Frame(body: .refuse(refusal)).encoded() else { return ([], []) }
        return ([Reply(address: address, payload: ByteBuffer(bytes: bytes))], [.refused(address, refusal)])
    }

    private mutating func handleFrame(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        let frame: Frame
        do {
            frame = try Frame.decode(bytes)
        } catch {
            let isRegister = bytes.count > 3 && bytes[1] == FrameHeader.magic.1 && bytes[3] == FrameKind.register.rawValue
            if isRegister && error.code == .unsupportedVersion {
                return refuse(address, .unsupportedVersion, "this server speaks protocol version \(FrameHeader.currentVersion); you sent \(bytes[2])")
            }
            if isRegister && bytes[2] == FrameHeader.currentVersion {
                return refuse(address, .malformed, String("register frame is malformed: \(error)".utf8.prefix(240)) ?? "register frame is malformed")
            }
            return reject(address, "\(error.code.rawValue) (\(error.field))")
        }
        switch frame.body {
        case .register(let request):
            return register(address, request)
        case .unregister:
            guard let removed = subscribers.removeValue(forKey: address) else { return reject(address, "unregister from an unknown address") }
            return ([], [.unregistered(address, removed.delivery, count: subscribers.count)])
        case .heartbeat:
            guard subscribers[address] != nil else { return reject(address, "heartbeat from an unknown address") }
            return ([], [])
        case .welcome, .refuse, .event, .end:
            return reject(address, "\(frame.kind.name) frame sent to the server")
        }
    }

    private mutating func register(_ address: SocketAddress, _ request: RegisterRequest) -> (replies: [Reply], notices: [Notice]) {
        if let existing = subscribers[address], existing.delivery != .legacy {
            // Idempotent: the same welcome again, no second subscription.
            return ([Reply(address: address, payload: welcome(for: existing.delivery))],
                    [.registered(existing, count: subscribers.count, repeated: true)])
        }
        guard let format = request.formats.first(where: { configuration.formats.contains($0) }) else {
            let offered = configuration.formats.map(\.name).joined(separator: " and ")
            return refuse(address, .noCommonFormat, "this server offers \(offered) only")
        }
        guard subscribers[address] != nil || subscribers.count < configuration.maxClients else {
            return refuse(address, .serverFull, "server full (\(configuration.maxClients) clients)")
        }
        let subscriber = Subscriber(address: address, delivery: Delivery(format))
        subscribers[address] = subscriber
        return ([Reply(address: address, payload: welcome(for: subscriber.delivery))],
                [.registered(subscriber, count: subscribers.count, repeated: false)])
    }

    /// The welcome frame for a client receiving `delivery`, with the latest event.
    public func welcome(for delivery: Delivery) -> ByteBuffer {
        let body = Welcome(
            format: delivery == .json ? .json : .compact, matchID: matchID,
            heartbeatSeconds: configuration.heartbeatSeconds, intervalMicroseconds: configuration.intervalMicroseconds,
            roster: roster, catalog: catalog, current: current.map { CompactEvent($0.event) })
        let frame = Frame(
            sequence: current?.sequence ?? nextSequence, eventType: current?.event.type,
            score: current?.event.score ?? .zero, minute: current?.event.minute ?? 0, body: .welcome(body))
        // The built-in roster and catalogues always fit the wire; an error here is a programming error
        // caught by the tests, and the client then simply retries.
        return ByteBuffer(bytes: (try? frame.encoded()) ?? [])
    }

    private mutating func handleLegacy(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        let packet: LegacyPacket
        do {
            packet = try LegacyPacket.decode(bytes)
        } catch {
            return reject(address, "\(error.code.rawValue) (\(error.field))")
        }
        switch packet {
        case .register:
            guard configuration.legacyAllowed else {
                rejects["legacy register denied", default: 0] += 1
                return ([], [.legacyRefused(address, reason: "original-protocol clients are not served (--legacy deny)")])
            }
            if let existing = subscribers[address], existing.delivery == .legacy {
                return ([], [.registered(existing, count: subscribers.count, repeated: true)])
            }
            guard subscribers[address] != nil || subscribers.count < configuration.maxClients else {
                rejects["legacy register: server full", default: 0] += 1
                return ([], [.legacyRefused(address, reason: "server full (\(configuration.maxClients) clients)")])
            }
            let subscriber = Subscriber(address: address, delivery: .legacy)
            subscribers[address] = subscriber
            return ([], [.registered(subscriber, count: subscribers.count, repeated: false)])
        case .unregister:
            guard let removed = subscribers.removeValue(forKey: address) else { return reject(address, "unregister from an unknown address") }
            return ([], [.unregistered(address, removed.delivery, count: subscribers.count)])
        case .endOfTransmission, .datagram:
            return reject(address, "server-to-client original datagram sent to the server")
        }
    }

    /// Makes `event` the latest and returns who gets it. `event.sequence` must be ``nextSequence``.
    public mutating func publish(_ event: EncodedEvent) -> [Subscriber] {
        current = event
        nextSequence = event.sequence &+ 1
        return Array(subscribers.values)
    }

    /// The end-of-match datagrams for every client (frames for SoccerStream clients,
    /// `End of transmission` for original ones), and who they go to; the clients are then
    /// unsubscribed.
    public mutating func finish(_ reason: EndReason) -> [(Subscriber, ByteBuffer)] {
        let last = current
        let end = Frame(
            sequence: last?.sequence ?? nextSequence &- 1, score: last?.event.score ?? .zero,
            minute: last?.event.minute ?? 0, body: .end(EndOfMatch(reason: reason)))
        let endBytes = ByteBuffer(bytes: (try? end.encoded()) ?? [])
        let legacyBytes = ByteBuffer(string: LegacyPacket.endOfTransmissionText)
        let result = subscribers.values.map { ($0, $0.delivery == .legacy ? legacyBytes : endBytes) }
        subscribers.removeAll()
        return result
    }
}
