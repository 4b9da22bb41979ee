#if canImport(Glibc)
import Glibc
#endif
import Logging
import Match
import NIOCore
import NIOPosix
import Synchronization
import Wire

/// What a server did, returned when it stops.
public struct ServerSummary: Sendable {
    /// Matches streamed (started).
    public var matches = 0
    /// Events streamed, over all matches.
    public var events = 0
    /// Datagrams sent to clients (events, welcomes, refusals, ends).
    public var datagramsSent = 0
    /// Datagrams rejected, by reason.
    public var rejects: [String: Int] = [:]
}

/// The SoccerStream server: binds a UDP socket, answers registrations, and streams the match
/// to every subscribed client, encoding each event once per format and writing it to every
/// client before a single flush (one `sendmmsg`).
public final class StreamServer: Sendable {
    /// The configuration.
    public let configuration: ServerConfiguration
    /// The address the socket is bound to.
    public let localAddress: SocketAddress
    private let channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
    private let state: Mutex<ServerState>
    private let stopRequested = Atomic<Bool>(false)
    private let sent = Atomic<Int>(0)
    private let logger: Logger
    private let started = Atomic<Bool>(false)
    private let epoch = ContinuousClock.now
    private let recentRejects = Mutex<[String: Int]>([:])
    private let nextHousekeeping = Mutex(ContinuousClock.now)

    /// The receive buffer: one `recvmmsg` fills it with up to ``vectorReadCount`` datagrams,
    /// each in a slot of `receiveBufferSize / vectorReadCount` (2,048) bytes. Clients send at
    /// most 1,024; a larger datagram is truncated by the kernel and then fails its size check.
    public static let receiveBufferSize = 65_536
    /// Datagrams read per system call (`recvmmsg`), so a registration storm or a flood costs
    /// one system call per batch rather than per datagram.
    public static let vectorReadCount = 32

    private init(configuration: ServerConfiguration, channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>,
                 localAddress: SocketAddress, logger: Logger) {
        self.configuration = configuration
        self.channel = channel
        self.localAddress = localAddress
        self.state = Mutex(ServerState(configuration: configuration))
        self.logger = logger
    }

    deinit {
        // Dropped without run(): the async channel must still be finished and closed, or NIO traps.
        guard !started.load(ordering: .relaxed) else { return }
        let channel = self.channel
        Task { try? await channel.executeThenClose { _, _ in } }
    }

    /// Binds the server's socket.
    ///
    /// - Throws: ``StreamingError`` with code `socket` when the address cannot be bound.
    public static func bind(
        configuration: ServerConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> StreamServer {
        let channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: receiveBufferSize))
                .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
                // Room in the kernel for a whole fan-out burst and for registration storms.
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw StreamingError(.socket, "cannot bind UDP \(configuration.host):\(configuration.port): \(error)")
        }
        guard let address = channel.channel.localAddress else {
            throw StreamingError(.socket, "bound socket has no local address")
        }
        let server = StreamServer(configuration: configuration, channel: channel, localAddress: address, logger: logger)
        logger.info("Server started on port \(address.port ?? configuration.port).")
        logger.info("Server name: \(Self.hostName())")
        logger.info("Server ip: \(address.ipAddress ?? configuration.host)")
        logger.info("Formats offered: \(configuration.formats.map(\.name).joined(separator: ", ")); interval \(configuration.interval); seed \(configuration.seed)")
        if configuration.originalAllowed {
            logger.warning("Original-protocol clients are served (--original allow): a plain-text register subscribes its source address unvalidated, so a forged one can point the stream at a third party.")
        }
        return server
    }

    /// The machine's host name.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The number of subscribed clients.
    public var clientCount: Int { state.withLock { $0.clientCount } }

    /// Asks the server to stop: the current match ends at once with an end frame
    /// (reason: server shutdown) and ``run()`` returns. Safe from any thread or signal watcher.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    private var stopping: Bool { stopRequested.load(ordering: .relaxed) }

    /// Serves registrations and streams matches until the match ends (or, with `loop`, until
    /// ``stop()``), then closes the socket.
    public func run() async throws -> ServerSummary {
        guard !started.exchange(true, ordering: .relaxed) else {
            throw StreamingError(.configuration, "run() may be called only once")
        }
        return try await channel.executeThenClose { inbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await envelope in inbound {
                        try await self.receive(envelope)
                    }
                }
                defer { group.cancelAll() }
                return try await self.stream()
            }
        }
    }

    private func receive(_ envelope: AddressedEnvelope<ByteBuffer>) async throws {
        let bytes = Array(envelope.data.readableBytesView)
        let address = envelope.remoteAddress
        let now = serverTime()
        let (replies, notices) = state.withLock { $0.handle(bytes, from: address, now: now) }
        for notice in notices { log(notice, bytes: bytes.count) }
        guard !replies.isEmpty else { return }
        sent.add(replies.count, ordering: .relaxed)
        try await send(replies.map { AddressedEnvelope(remoteAddress: $0.address, data: $0.payload) })
    }

    /// Seconds since the server was bound (monotonic).
    private func serverTime() -> Double {
        let elapsed = epoch.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// Logs the rejects of the last period in one line (a flood must not flood the log too),
    /// and drops clients silent past the timeout.
    private func housekeeping() {
        let rejected = recentRejects.withLock { counts in
            defer { counts = [:] }
            return counts
        }
        if !rejected.isEmpty {
            let total = rejected.values.reduce(0, +)
            let detail = rejected.sorted { $0.value > $1.value }.prefix(6).map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
            logger.info("Rejected \(total) datagram(s) since the last report: \(detail)")
        }
        let expired = state.withLock { $0.expire(now: serverTime()) }
        for notice in expired { log(notice, bytes: 0) }
    }

    private func log(_ notice: ServerState.Notice, bytes: Int) {
        switch notice {
        case .registered(let subscriber, let count, let repeated):
            if repeated {
                logger.info("Received repeated register from \(subscriber.address.display); welcome sent again (\(subscriber.delivery.rawValue)).")
            } else {
                logger.info("Received register of address \(subscriber.address.display) on socket.")
                logger.info("Registering client \(subscriber.address.display) (\(subscriber.delivery.rawValue)).")
            }
            logger.info("Number of clients registered: \(count)")
        case .unregistered(let address, let delivery, let count):
            logger.info("Received unregister of address \(address.display) on socket.")
            logger.info("Unregistering client \(address.display) (\(delivery.rawValue)).")
            logger.info("Number of clients registered: \(count)")
        case .refused(let address, let refusal):
            logger.info("Refused \(address.display): \(refusal.reason.name): \(refusal.text)")
        case .originalRefused(let address, let reason):
            logger.info("Ignored original-protocol register from \(address.display): \(reason)")
        case .rejected(let address, let reason):
            recentRejects.withLock { $0[reason, default: 0] += 1 }
            logger.debug("Rejected \(bytes)-byte datagram from \(address.display): \(reason)")
        case .challenged(let address):
            logger.debug("Sent an address challenge to \(address.display).")
        case .timedOut(let subscriber, let silence):
            logger.info("Dropped client \(subscriber.address.display) (\(subscriber.delivery.rawValue)): silent for \(Int(silence)) s.")
            logger.info("Number of clients registered: \(clientCount)")
        }
    }

    /// Sleeps until `deadline` in short slices, doing the housekeeping once a second;
    /// returns false if a stop was requested.
    private func sleep(until deadline: ContinuousClock.Instant) async throws -> Bool {
        let clock = ContinuousClock()
        repeat {
            if stopping { return false }
            if clock.now >= nextHousekeeping.withLock({ $0 }) {
                nextHousekeeping.withLock { $0 = clock.now.advanced(by: .seconds(1)) }
                housekeeping()
            }
            guard clock.now < deadline else { break }
            try await Task.sleep(until: min(deadline, clock.now.advanced(by: .milliseconds(50))), clock: clock)
        } while true
        return !stopping
    }

    private func stream() async throws -> ServerSummary {
        var summary = ServerSummary()
        var seed = configuration.seed
        let clock = ContinuousClock()
        repeat {
            if configuration.waitForClients > 0 {
                logger.info("Waiting for \(configuration.waitForClients) client(s) before kick-off.")
                while clientCount < configuration.waitForClients {
                    guard try await sleep(until: clock.now.advanced(by: .milliseconds(20))) else { break }
                }
            }
            if stopping {
                // Stopped before kick-off: whoever registered still learns the stream is over.
                try await finish(.serverShutdown)
                break
            }
            let catalog = configuration.language.catalog
            let start = clock.now
            var index = 0
            var endReason = EndReason.fullTime
            var lastMatch: UInt32 = 0
            for _ in 0..<max(1, configuration.matches) where endReason == .fullTime {
                var simulator = MatchSimulator(seed: seed, catalog: catalog)
                lastMatch = simulator.matchID
                state.withLock { $0.beginMatch(id: simulator.matchID) }
                summary.matches += 1
                logger.info("Kick-off: match \(simulator.matchID) (seed \(seed)), \(clientCount) client(s).")
                var exhausted = false
                while !exhausted, let event = simulator.next() {
                    guard try await sleep(until: start.advanced(by: configuration.interval * (index + 1))) else {
                        endReason = .serverShutdown
                        break
                    }
                    // Events already due go out in one trip to the event loop (at interval 0, up to 64 events,
                    // 4,096 datagrams and 256 KiB: enough to amortize the trip, little enough in flight).
                    var batch = [try publish(event, catalog: catalog)]
                    var datagrams = batch[0].recipients.count
                    var bytes = batch[0].bytes
                    index += 1
                    while batch.count < Self.maximumBatch && datagrams < Self.maximumBatchDatagrams && bytes < Self.maximumBatchBytes
                        && clock.now >= start.advanced(by: configuration.interval * (index + 1))
                    {
                        guard let next = simulator.next() else {
                            exhausted = true
                            break
                        }
                        let published = try publish(next, catalog: catalog)
                        batch.append(published)
                        datagrams += published.recipients.count
                        bytes += published.bytes
                        index += 1
                    }
                    try await fanOut(batch)
                    summary.events += batch.count
                }
                if endReason == .fullTime, let reason = simulator.endReason, reason != .fullTime { endReason = reason }
                seed &+= 1
            }
            try await finish(endReason)
            logger.info("Match \(lastMatch) over (\(endReason.name)): \(index) events streamed.")
        } while configuration.loop && !stopping
        housekeeping()
        summary.datagramsSent = sent.load(ordering: .relaxed)
        summary.rejects = state.withLock { $0.rejects }
        logger.info("Totals: \(summary.matches) match(es), \(summary.events) events, \(summary.datagramsSent) datagrams sent.")
        for (reason, count) in summary.rejects.sorted(by: { $0.key < $1.key }) {
            logger.info("Rejected datagrams: \(count) × \(reason)")
        }
        return summary
    }

    /// The most due events written in one trip to the event loop.
    static let maximumBatch = 64
    /// A batch grows no further once it holds this many datagrams...
    static let maximumBatchDatagrams = 4096
    /// ...or this many bytes.
    static let maximumBatchBytes = 256 << 10

    /// An event encoded and made the latest: who gets it, and how many bytes that is.
    private struct Published {
        var event: EncodedEvent
        var recipients: [Subscriber]
        var bytes: Int
    }

    /// Encodes `event` once per delivery in use and makes it the latest; returns it with its recipients.
    private func publish(_ event: MatchEvent, catalog: PhraseCatalog) throws -> Published {
        let (sequence, deliveries) = state.withLock { ($0.nextSequence, $0.deliveriesInUse) }
        var encoded = try EncodedEvent(event: event, sequence: sequence, roster: .original, catalog: catalog, deliveries: deliveries)
        // The per-delivery counts answer "who needs what" without walking the recipients.
        let (recipients, counts) = state.withLock { ($0.publish(encoded), $0.deliveryCounts) }
        if !deliveries.isSuperset(of: counts.lazy.filter { $0.value > 0 }.map(\.key)) {
            // A JSON client registered between the encoding and the fan-out (rare): encode it all.
            encoded = try EncodedEvent(event: event, sequence: sequence, roster: .original, catalog: catalog)
        }
        sent.add(recipients.count, ordering: .relaxed)
        if logger.logLevel <= .debug {
            for recipient in recipients {
                logger.debug("Sending message \(sequence) to client \(recipient.address.display) (\(recipient.delivery.rawValue)).")
            }
        }
        return Published(event: encoded, recipients: recipients, bytes: encoded.bytes(for: counts))
    }

    /// Writes each event of `batch` to every recipient on the event loop, then flushes once (NIO
    /// sends all pending datagrams with `sendmmsg`), and returns when that is done and the channel
    /// can take more: the producer never runs ahead of the socket, so memory stays flat at any rate.
    private func fanOut(_ batch: [Published]) async throws {
        // The envelopes are made as they are written: no per-event array of them.
        try await writeAndFlush { channel in
            for published in batch {
                for recipient in published.recipients {
                    channel.write(AddressedEnvelope(remoteAddress: recipient.address, data: published.event.payload(for: recipient.delivery)),
                                  promise: nil)
                }
            }
        }
    }

    /// The one way the server writes: on the event loop, every datagram then one flush (NIO
    /// sends them with `sendmmsg`), awaited, then waiting while the channel is unwritable. One
    /// path keeps replies (welcome, challenge) and events in order, and the producer never
    /// runs ahead of the socket.
    private func send(_ envelopes: [AddressedEnvelope<ByteBuffer>]) async throws {
        guard !envelopes.isEmpty else { return }
        try await writeAndFlush { channel in
            for envelope in envelopes {
                channel.write(envelope, promise: nil)
            }
        }
    }

    /// Runs `writes` on the event loop, flushes once, awaits that, then waits while the channel
    /// is unwritable. Everything the server sends goes through here, in submission order.
    private func writeAndFlush(_ writes: @escaping @Sendable (any Channel) -> Void) async throws {
        let channel = self.channel.channel
        try await channel.eventLoop.submit {
            writes(channel)
            channel.flush()
        }.get()
        while !channel.isWritable && channel.isActive {
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    private func finish(_ reason: EndReason) async throws {
        let ends = state.withLock { $0.finish(reason) }
        guard !ends.isEmpty else { return }
        let envelopes = ends.map { AddressedEnvelope(remoteAddress: $0.0.address, data: $0.1) }
        for round in 0..<max(1, configuration.endRepeats) {
            if round > 0 { try await Task.sleep(for: .milliseconds(20)) }
            try await send(envelopes)
            sent.add(envelopes.count, ordering: .relaxed)
        }
        for (subscriber, _) in ends {
            logger.info("Sent end of transmission to client \(subscriber.address.display) (\(subscriber.delivery.rawValue)).")
        }
    }
}
