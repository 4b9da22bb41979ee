#if canImport(Glibc)
import Glibc
#endif
import Logging
import Match
import NIOCore
import NIOPosix
import Synchronization
import Wire
import RuntimeSupport
import DatagramTransport
import ServerEngine
import MatchStore
import ClientEngine
import ClientRuntime
import RelayRuntime
import GroupSigning
import CDatagram

/// What a server did, returned when it stops.
public struct ServerSummary: Sendable {
    /// Nothing streamed yet.
    public init() {}

    /// Matches streamed (started).
    public var matches = 0
    /// Events streamed, over all matches.
    public var events = 0
    /// Datagrams sent to clients (events, welcomes, refusals, ends).
    public var datagramsSent = 0
    /// Datagrams rejected, by reason.
    public var rejects: [String: Int] = [:]
    /// Datagrams not sent because they failed to encode, by what they were (0 unless a bug).
    public var encodingFailures: [String: Int] = [:]
    /// Events sent again on request (Spec §4.8).
    public var repairsSent = 0
    /// Sequence numbers answered "unavailable".
    public var unavailableSent = 0
    /// Feed lines refused (Spec/FEED.md), skipped or stopping their feed.
    public var badFeedLines = 0
    /// Signed group events sent to the multicast group (Spec §4.11), one per event, match and
    /// format some subscriber takes there; and those dropped on purpose (hidden `--group-loss`).
    public var groupSent = 0
    public var groupDropped = 0
    /// Datagrams (and their bytes) to original-protocol clients that their byte budget held back.
    /// The feeds that closed without giving a match (no usable line-ups), each with the first
    /// problem its lines had: said on the terminal, and the exit status when they were all
    /// the server carried.
    public var feedsWithoutMatch: [(feed: String, problem: String?)] = []
    /// The first bad line of each feed (by index), for ``feedsWithoutMatch``.
    package var firstFeedProblems: [Int: String] = [:]
    /// Resets sent to clients of subscriptions this server does not hold (Spec §4.12).
    public var resetsSent = 0
    public var originalBudgetDropped = 0
    public var originalBudgetDroppedBytes = 0
}

/// The SoccerStream server: binds a UDP socket, answers registrations, and streams the match
/// to every subscribed client, encoding each event once per format and writing it to every
/// client before a single flush (one `sendmmsg`).
///
/// Everything waits on events: datagrams are answered by the channel handler as they are read,
/// the stream sleeps until the next event is due or ``stop()`` is called, kick-off waits for
/// the registrations it needs, and the fan-out waits for the socket to become writable.
public final class StreamServer: Sendable {
    /// The configuration.
    public let configuration: ServerConfiguration
    /// The address the socket is bound to.
    public let localAddress: SocketAddress
    package let channel: any Channel
    package let handler: NIOLoopBound<ServerChannelHandler>
    package let core: ServerCore
    package let sent: SentCounter
    package let logger: Logger
    package let started = Atomic<Bool>(false)
    /// The feeds' readers, opened at bind so that a missing file is an error at start.
    package let feeds: [LineFollower]
    /// The durable match log (``ServerConfiguration/dataDirectory``), if any.
    package let log: MatchLog?
    /// This process's claim on the data directory, held until the server is released.
    package let dataLock: DataDirectoryLock?
    /// The unfinished matches of the log this run continues.
    package let plan: ResumePlan
    /// The multicast side, with `--multicast` (Spec §4.11).
    package let groupSender: GroupSender?
    /// NACKs waiting for a read of the match log, by log number: one read answers all that
    /// arrive while it runs (after a restart, every client asks for the same few events).
    package let logReads = Mutex<[Int: [ServerState.LogLookup]]>([:])
    /// A relay's upstream followers (one per followed match), and the upstream client each runs now.
    package let followers: [UpstreamFollower]
    package let upstreamClients = Mutex<[Int: StreamClient]>([:])
    /// An on-demand relay's followers started by its clients' registers (``OnDemandSubscriptions``).
    package let demanded = Mutex(OnDemandSubscriptions())

    /// The receive buffer (``DatagramSocket/receiveBufferSize``): one `recvmmsg` fills it with
    /// up to ``vectorReadCount`` datagrams.
    public static let receiveBufferSize = DatagramSocket.receiveBufferSize
    /// Datagrams read per system call (`recvmmsg`), so a registration storm or a flood costs
    /// one system call per batch rather than per datagram.
    public static let vectorReadCount = 32

    private init(configuration: ServerConfiguration, channel: any Channel, handler: NIOLoopBound<ServerChannelHandler>,
                 core: ServerCore, sent: SentCounter, localAddress: SocketAddress, logger: Logger, feeds: [LineFollower], log: MatchLog?,
                 plan: ResumePlan, groupSender: GroupSender?, dataLock: DataDirectoryLock?) {
        self.feeds = feeds
        self.dataLock = dataLock
        self.groupSender = groupSender
        self.log = log
        self.plan = plan
        // One follower per relayed match; one the log says this relay was relaying continues after its last logged event.
        var selected = configuration.upstreamMatches.isEmpty ? [RegisterRequest.anyMatch] : configuration.upstreamMatches
        if configuration.upstreamMatches.isEmpty, let resumed = plan.relayed.first { selected = [resumed.match.matchID] }
        followers = configuration.upstreams.isEmpty || configuration.upstreamOnDemand ? [] : selected.map { match in
            let resumed = plan.relayed.first { $0.match.matchID == match }
            var follower = UpstreamFollower(upstreams: configuration.upstreams, match: match,
                                            resumeAfter: resumed.flatMap { relayed in relayed.lastSequence.map { (match, $0) } },
                                            timeout: configuration.upstreamTimeout, logger: logger)
            follower.multicast = configuration.upstreamMulticast
            return follower
        }
        self.configuration = configuration
        self.channel = channel
        self.handler = handler
        self.core = core
        self.sent = sent
        self.localAddress = localAddress
        self.logger = logger

    }

    deinit {
        // Bound but never run: release the socket (run() closes it otherwise).
        if !started.load(ordering: .relaxed) { channel.close(promise: nil) }
    }

    /// Checks the configuration and binds the server's socket.
    ///
    /// - Throws: ``StreamingError`` with code `configuration` for a setting out of range
    ///   (``ServerConfiguration/validate()``), or `socket` when the address cannot be bound,
    ///   saying so plainly when another process holds the port ("address already in use").
    public static func bind(
        configuration: ServerConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metrics: ServerMetrics = ServerMetrics()
    ) async throws(StreamingError) -> StreamServer {
        try configuration.validate()
        // The data directory first: a second process on it stops here, before touching anything.
        var dataLock: DataDirectoryLock?
        if let directory = configuration.dataDirectory { dataLock = try DataDirectoryLock.acquire(directory: directory) }
        let core = ServerCore(configuration: configuration, logger: logger, metrics: metrics)
        // Every simulated match is announced at once (listed as waiting), so that clients can
        // name one before kick-off.
        core.state.withLock { state in
            let catalog = configuration.language.catalog
            for slot in 0..<configuration.simulate {
                let first = MatchSimulator(roundSlot: slot, seed: configuration.seed, catalog: catalog)
                let (id, roster) = (first.matchID, first.roster)
                if slot == 0 { state.announce(id: id) } else { _ = state.addMatch(id: id, roster: roster, catalog: catalog) }
            }
        }
        let sent = SentCounter()
        // The socket is bound here and handed to NIO, so that the fan-out can also write to it
        // directly (DatagramSender). No SO_REUSEADDR: on Linux it lets a second UDP socket bind
        // the same port and share the registrations; a second server must fail instead.
        let socket = try boundSocket(host: configuration.host, port: configuration.port)
        var groupSender: GroupSender?
        if let multicast = configuration.multicast {
            do {
                try multicast.configure(socket: socket)
                let (key, path) = try GroupKeyFile.load(directory: configuration.dataDirectory)
                let offers = try multicast.offers(key: key.publicKey)
                core.state.withLock { $0.multicastOffers = offers }
                groupSender = try GroupSender(settings: multicast, key: key, seed: configuration.seed)
                logger.info("Multicast group \(multicast.group) (compact; JSON to port \(multicast.port(for: .json))) (TTL \(multicast.ttl)\(multicast.interface.map { ", via \($0)" } ?? "")); group events signed with Ed25519 key \(key.publicKey.hex)\(path.map { " (kept in \($0))" } ?? " (made for this run: no data dir)").")
            } catch {
                close(socket)
                throw error
            }
        }
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: receiveBufferSize))
                .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
                // Room in the kernel for a whole fan-out burst and for registration storms.
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = ServerChannelHandler(eventLoop: channel.eventLoop, counter: sent, socket: socket, logger: logger,
                                                           metrics: metrics) { bytes, address in
                            core.answer(bytes, from: address)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .withBoundSocket(socket).get()
        } catch {
            // NIO owns the descriptor once a channel exists; before that it is ours to close.
            close(socket)
            throw StreamingError.cannotBind(configuration.host, configuration.port, error, busyHint: " (is another server running on that port?)")
        }
        let handler: NIOLoopBound<ServerChannelHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ServerChannelHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            channel.close(promise: nil)
            throw StreamingError(.socket, "the bound socket lost its handler: \(error)")
        }
        guard let address = channel.localAddress else {
            channel.close(promise: nil)
            throw StreamingError(.socket, "bound socket has no local address")
        }
        do {
            try Self.checkUpstreams(configuration.upstreams, local: address)
        } catch {
            channel.close(promise: nil)
            throw error
        }
        var log: MatchLog?
        var plan = ResumePlan()
        if let directory = configuration.dataDirectory {
            do {
                let opened = try await MatchLog.open(directory: directory, logger: logger)
                log = opened
                if let recovery = opened.recovery { logger.warning("Recovered: \(recovery).") }
                if configuration.fresh {
                    let discarded = try await opened.discardUnfinished()
                    if discarded > 0 { logger.info("Discarded \(discarded) unfinished match(es) of the match log (--fresh).") }
                } else {
                    plan = try await ResumePlan.make(log: opened, configuration: configuration, logger: logger)
                }
            } catch {
                await log?.close()
                channel.close(promise: nil)
                throw error
            }
        }
        var followers: [LineFollower] = []
        do {
            // A resumed feed match's feed is read on from just past its last logged event.
            for (index, path) in configuration.feeds.enumerated() {
                followers.append(try LineFollower(path: path, from: plan.feeds[index]?.offset ?? 0))
            }
        } catch {
            followers.forEach { $0.cancel() }
            await log?.close()
            channel.close(promise: nil)
            throw error
        }
        core.signals.update { $0.matches = configuration.simulate }
        // Until resume() has restored them, a kept client's probe must not be reset.
        if !plan.subscribers.isEmpty { core.state.withLock { $0.holdingResets = true } }
        let server = StreamServer(configuration: configuration, channel: channel, handler: handler, core: core, sent: sent,
                                  localAddress: address, logger: logger, feeds: followers, log: log, plan: plan, groupSender: groupSender,
                                  dataLock: dataLock)
        if let log { logger.info("Match log: \(log.path) (every event on disk before it is sent).") }
        logger.info("Server started on port \(address.port ?? configuration.port).")
        logger.info("Server name: \(Self.hostName())")
        logger.info("Server ip: \(address.ipAddress ?? configuration.host)")
        logger.info("Formats offered: \(configuration.formats.map(\.name).joined(separator: ", ")); carrying \(configuration.carried).")
        if configuration.originalAllowed {
            let budget = "at most \(configuration.originalBudget.perPrefix) bytes/s per /24 or /56 and \(configuration.originalBudget.total) bytes/s in all"
            logger.info("Original-protocol clients are served from loopback and private addresses only (protected mode), \(budget) off loopback.")
            if !configuration.originalFrom.isEmpty {
                logger.warning("Original-protocol registers are also accepted from \(configuration.originalFrom.map(\.description).joined(separator: ", ")) (--original-from): such a register subscribes its source address unvalidated, so a forged one can point the stream at a third party there (\(budget)).")
            }
        }
        return server
    }

    /// Sends what `replies` makes, on the event loop (it runs there), in one flush: replies
    /// that answer no datagram being read (repairs from the log, a relay's source-lost heartbeats).
    package func send(_ replies: @escaping @Sendable () -> [ServerState.Reply]) {
        let handler = self.handler
        channel.eventLoop.execute {
            for reply in replies() { handler.value.write(reply.payload, to: reply.address) }
            handler.value.flush()
        }
    }

    /// A relay's upstreams must resolve, and none may be the relay itself (it would wait on its
    /// own silence forever).
    ///
    /// - Throws: ``StreamingError`` (`configuration`) naming the upstream and why.
    package static func checkUpstreams(_ upstreams: [Upstream], local: SocketAddress) throws(StreamingError) {
        for upstream in upstreams {
            let resolved: SocketAddress
            do {
                resolved = try SocketAddress.makeAddressResolvingHost(upstream.host, port: upstream.port)
            } catch {
                throw StreamingError(.configuration, "upstream (--upstream) \(upstream) does not resolve: \(error)")
            }
            // Its own address, or loopback while it listens on every address (a common port elsewhere is another host's).
            let wildcard = ["0.0.0.0", "::"].contains(local.ipAddress ?? "")
            let own = resolved.ipAddress == local.ipAddress || (wildcard && AddressRange.any(AddressRange.loopback, contains: resolved))
            if resolved.port == local.port && own {
                throw StreamingError(.configuration, "upstream (--upstream) \(upstream) is this relay itself (it listens on \(local.display)); give the server or relay to follow")
            }
        }
    }

    /// A non-blocking UDP socket bound to `host`:`port`, for NIO to adopt.
    package static func boundSocket(host: String, port: Int) throws(StreamingError) -> CInt {
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw StreamingError.cannotBind(host, port, error)
        }
        let socket = Glibc.socket(CInt(address.protocol.rawValue), CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else {
            throw StreamingError.cannotBind(host, port, IOError(errnoCode: errno, reason: "socket"))
        }
        let result = address.withSockAddr { pointer, size in Glibc.bind(socket, pointer, socklen_t(size)) }
        guard result == 0 else {
            let error = IOError(errnoCode: errno, reason: "bind")
            close(socket)
            throw StreamingError.cannotBind(host, port, error, busyHint: " (is another server running on that port?)")
        }
        return socket
    }

    /// The machine's host name.
    package static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The number of subscribed clients.
    public var clientCount: Int { core.clientCount }

    /// The ids of the matches announced so far, in slot order (what `client --list` lists).
    /// Brings the metrics that are read rather than counted (subscribers per match and format)
    /// up to date: a metrics endpoint calls it before each scrape.
    public func refreshMetrics() {
        core.refreshSubscriberMetrics()
    }

    public var matchIDs: [UInt32] { core.state.withLock { $0.matches.map(\.id) } }

    /// Counts `file`'s failed writes in the metrics (`soccerstream_log_write_failures_total`).
    public func watch(logFile file: LogFile) {
        core.metrics.watch(logFile: file)
    }

    /// Waits until the number of matches announced satisfies `condition` (a feed's match is
    /// announced when its line-ups arrive). Cancellable; no polling.
    public func waitForMatches(_ condition: @escaping @Sendable (Int) -> Bool) async {
        await core.signals.wait { condition($0.matches) }
    }

    /// Waits until the number of subscribed clients satisfies `condition` (no polling: each
    /// registration, unregistration and expiry wakes the waiter). Cancellable.
    public func waitForClients(_ condition: @escaping @Sendable (Int) -> Bool) async {
        await core.signals.wait { condition($0.clients) }
    }

    /// Asks the server to stop: the current match ends at once with an end frame
    /// (reason: server shutdown) and ``run()`` returns. Safe from any thread or signal watcher.
    public func stop() {
        core.signals.update { $0.stopped = true }
        for client in upstreamClients.withLock({ Array($0.values) }) { client.stop(.terminated) }
    }

    /// Stopped by ``stop()``, or the task running ``run()`` was cancelled (which stops the same
    /// way: a cancelled wait returns at once, so the stream must not loop on it).
    package var stopping: Bool { core.signals.value.stopped || Task.isCancelled }

    /// Serves registrations and streams matches until the match ends (or, with `loop`, until
    /// ``stop()``), then closes the socket.
    public func run() async throws -> ServerSummary {
        guard !started.exchange(true, ordering: .relaxed) else {
            throw StreamingError(.configuration, "run() may be called only once")
        }
        let outcome: Result<ServerSummary, any Error>
        do {
            outcome = .success(try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.housekeepingLoop() }
                group.addTask { await self.performActions() }
                for (index, follower) in self.feeds.enumerated() {
                    group.addTask { await self.read(feed: index, from: follower) }
                }
                for (index, follower) in self.followers.enumerated() {
                    group.addTask { await self.follow(upstream: index, with: follower) }
                }
                defer {
                    self.feeds.forEach { $0.cancel() }
                    group.cancelAll()
                }
                return try await self.stream()
            })
        } catch {
            outcome = .failure(error)
        }
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            // Closed under us (the event loop group shut down): nothing left to release.
        }
        await log?.close()
        dataLock?.release()
        return try outcome.get()
    }

    /// Reads one feed's lines as they arrive and hands what they decode to the stream loop,
    /// until the feed's end line, its end of input, a bad line under `--on-bad-line stop`, or stop().
    package func read(feed index: Int, from follower: LineFollower) async {
        // A resumed feed match's decoder already holds its logged lines (the same match state).
        var decoder = plan.feeds[index]?.decoder ?? FeedDecoder(catalog: configuration.language.catalog)
        var pacing = FeedPacing(pace: configuration.replayPace)
        defer { core.deliver(FeedItem(feed: index, content: .closed)) }
        for await item in follower.items {
            if case .failed(let why) = item {
                core.deliver(FeedItem(feed: index, content: .unreadable(why)))
                return
            }
            guard case .line(let bytes, let end) = item else { return }
            do {
                // Tried on a copy: a line the pacing refuses changes nothing, like any bad line.
                var next = decoder
                var output = try next.next(bytes)
                if case .event(let event, _) = output { output = .event(event, at: try pacing.due(output, line: next.lineNumber)) }
                decoder = next
                core.deliver(FeedItem(feed: index, content: .output(output), end: end))
                if case .end = output {
                    // Followed no further; lines already there after the end are still read, and
                    // refused with their numbers (Spec/FEED.md), not silently ignored.
                    follower.cancel()
                }
            } catch {
                // Tried on a copy: the line still counts, so that later lines keep their numbers.
                decoder.skipLine()
                let stop = configuration.onBadLine == .stop
                core.deliver(FeedItem(feed: index, content: .bad(error, stopping: stop)))
                if stop {
                    follower.cancel()
                    return
                }
            }
        }
    }

    /// Once a second until stopped or cancelled: the rejects summary and the client timeouts.
    package func housekeepingLoop() async {
        while !Task.isCancelled {
            if await core.signals.wait(until: { $0.stopped }, deadline: .now.advanced(by: .seconds(1))) { return }
            core.housekeeping()
            if configuration.upstreamOnDemand { dropUnwatched() }
        }
    }

    /// The stream of slot `slot` playing `simulator`'s match (then, with `--matches`, its next seeds).
    package func makeStream(slot: Int, simulator: MatchSimulator) -> SlotStream {
        SlotStream(slot: slot, seed: simulator.seed, simulator: simulator, id: simulator.matchID, roster: simulator.roster,
                          backToBackLeft: max(1, configuration.matches) - 1, start: ContinuousClock().now)
    }

    /// Streams every match (Spec §4.9): one loop for all of them, simulated and fed, so that the
    /// events of every match due at the same time go out in one trip to the event loop (one flush).
    package func stream() async throws -> ServerSummary {
        var summary = ServerSummary()
        let clock = ContinuousClock()
        let catalog = configuration.language.catalog
        let needed = configuration.waitForClients
        // The same slots, seeds and teams as bind() announced.
        var slots: [SlotStream] = (0..<configuration.simulate).map { slot in
            makeStream(slot: slot, simulator: MatchSimulator(roundSlot: slot, seed: configuration.seed, catalog: catalog))
        }
        // Matches an earlier run left unfinished continue where the log says they were.
        resume(&slots, summary: &summary, now: clock.now)
        core.state.withLock { $0.holdingResets = false }
        var feedsOpen = feeds.count + followers.count
        var feedItemsSeen = 0
        // The version of each slot's subscriptions last written to the match log.
        var subscribersLogged: [Int: Int] = [:]
        // End frames' repeats, scheduled on the event loop so that the stream does not wait for them.
        var endRepeats = channel.eventLoop.makeSucceededVoidFuture()
        if needed > 0 && !slots.isEmpty { logger.info("Waiting for \(needed) client(s) before kick-off.") }
        while !stopping && (slots.contains(where: { $0.phase != .done }) || feedsOpen > 0 || configuration.upstreamOnDemand) {
            // Kick off whatever waits, once enough clients are here.
            if slots.contains(where: { $0.phase == .waiting }) && core.signals.value.clients >= needed {
                for index in slots.indices where slots[index].phase == .waiting {
                    slots[index].phase = .live
                    if slots[index].resumed {
                        // Its next event is due one interval from now, as if it had never stopped.
                        slots[index].start = clock.now - configuration.interval * slots[index].index
                    } else {
                        // A fed match that waited: its queued events keep their times after kick-off.
                        let shift = clock.now - slots[index].start
                        for entry in slots[index].queue.indices { slots[index].queue[entry].due += shift }
                        slots[index].start = clock.now
                        slots[index].index = 0
                    }
                    let (slot, id, seed, roster) = (slots[index].slot, slots[index].id, slots[index].seed, slots[index].roster)
                    core.beginMatch(id: id, slot: slot, resuming: slots[index].resumed)
                    summary.matches += 1
                    let source = slots[index].feed.map { "from feed \(configuration.feeds[$0])" } ?? "(seed \(seed))"
                    logger.info("Kick-off: match \(id) \(source), \(roster.home.name) vs \(roster.away.name), \(clientCount) client(s).")
                }
            }
            // What the feeds brought since the last turn. The count is read before the items are
            // taken, so an item delivered after the take still wakes the wait below.
            feedItemsSeen = core.signals.value.sourceItems
            for item in feeds.isEmpty ? [] : core.takeFeedItems() {
                feedsOpen -= take(item, into: &slots, summary: &summary, now: clock.now)
            }
            for (follower, item) in configuration.upstreams.isEmpty ? [] : core.takeUpstreamItems() {
                feedsOpen -= take(item, from: follower, into: &slots, summary: &summary, now: clock.now)
            }
            // Every match that kicked off is in the match log before its first event.
            if let log {
                for index in slots.indices where slots[index].phase == .live && slots[index].logNumber == nil {
                    let (slot, id, roster) = (slots[index].slot, slots[index].id, slots[index].roster)
                    let language = core.state.withLock { $0.matches[slot].catalog.language }
                    let source = slots[index].simulator != nil ? "simulated, seed \(slots[index].seed)"
                        : slots[index].upstream != nil ? "relayed from \(configuration.upstreams.map(\.description).joined(separator: ", "))"
                        : "feed \(configuration.feeds[slots[index].feed ?? 0])"
                    let simulated = slots[index].simulator.map { _ in (slot: slot, seed: slots[index].seed) }
                    let (first, interval) = core.state.withLock { ($0.matches[slot].nextSequence, $0.matches[slot].intervalMicroseconds) }
                    guard let number = await durably("match \(id)", { () async throws(StreamingError) in
                        try await log.begin(matchID: id, roster: roster, language: language, source: source, simulated: simulated,
                                            feed: slots[index].feed.flatMap { ResumePlan.feedKey(configuration.feeds[$0]) },
                                            relayed: slots[index].upstream != nil, firstSequence: first, intervalMicroseconds: interval)
                    }) else { break }
                    slots[index].logNumber = number
                    core.state.withLock { $0.logged(slot: slot, number: number) }
                }
            }
            // The last feed may have closed just now, with every match over: nothing left to wait for.
            if feedsOpen == 0 && !slots.contains(where: { $0.phase != .done }) && !configuration.upstreamOnDemand { break }
            let waiting = slots.contains { $0.phase == .waiting }
            let seen = feedItemsSeen
            let wake: @Sendable (ServerSignals) -> Bool = { $0.stopped || (waiting && $0.clients >= needed) || $0.sourceItems != seen }
            guard let deadline = slots.filter({ $0.phase == .live }).compactMap({ $0.due(configuration.interval) }).min() else {
                // Nothing due: asleep until enough clients are here, a feed brings a line, or stop().
                await core.signals.wait(until: wake)
                continue
            }
            // Asleep until the next event is due, or woken at once by stop(), a kick-off or a feed.
            if await core.signals.wait(until: wake, deadline: deadline) {
                if stopping { break }
                if clock.now < deadline { continue }
            }
            // Events already due, of every match, go out in one trip to the event loop (up to
            // 64 events, 4,096 datagrams and 1 MiB: enough to amortize the trip, little enough in flight).
            var ready: [(index: Int, event: MatchEvent, due: ContinuousClock.Instant, feedOffset: Int?, sequence: UInt32?)] = []
            var datagrams = 0
            var over: [Int] = []
            for index in slots.indices where slots[index].phase == .live {
                let audience = core.state.withLock { $0.matches[slots[index].slot].subscribers.count }
                while ready.count < Self.maximumBatch && datagrams < Self.maximumBatchDatagrams,
                      let at = slots[index].due(configuration.interval), clock.now >= at
                {
                    guard let event = nextEvent(&slots[index], summary: &summary) else {
                        over.append(index)
                        break
                    }
                    ready.append((index, event, at, slots[index].feedOffset, slots[index].upstreamSequence))
                    datagrams += audience
                    slots[index].index += 1
                }
            }
            // Write-ahead: the events are on disk before any of them is published or sent.
            if let log, !ready.isEmpty {
                // The subscriptions of a match, whenever they changed: they get these events, and a
                // restarted server goes on sending to them (Spec §4.12).
                var kept: [Int: [MatchLog.KeptSubscriber]] = [:]
                for item in ready {
                    let (slot, number) = (slots[item.index].slot, slots[item.index].logNumber ?? 0)
                    guard kept[number] == nil, core.state.withLock({ $0.subscribersVersion(slot: slot) }) != subscribersLogged[slot] else { continue }
                    let (version, subscribers) = core.state.withLock { $0.keptSubscribers(slot: slot) }
                    subscribersLogged[slot] = version
                    kept[number] = subscribers.compactMap(MatchLog.KeptSubscriber.init)
                }
                var next: [Int: UInt32] = [:]
                let entries = ready.map { item -> MatchLog.Entry in
                    let slot = slots[item.index].slot
                    let sequence = item.sequence ?? next[slot] ?? core.state.withLock { $0.matches[slot].nextSequence }
                    next[slot] = sequence &+ 1
                    return MatchLog.Entry(match: slots[item.index].logNumber ?? 0, sequence: sequence, event: item.event,
                                          at: (item.due - slots[item.index].start).inSeconds, feedOffset: item.feedOffset)
                }
                guard await durably("\(entries.count) event(s)", { () async throws(StreamingError) in
                    try await log.append(entries, subscribers: kept)
                }) != nil else { break }
                if let crash = configuration.crashAfterLogging, summary.events + entries.count >= crash {
                    // Fault injection (tests only): on disk, not yet sent to anyone.
                    logger.critical("Crashing on purpose after logging \(summary.events + entries.count) events (--crash-after-logging).")
                    kill(getpid(), SIGKILL)
                }
            }
            var batch: [Published] = []
            for item in ready {
                let slot = slots[item.index].slot
                // A relayed event keeps its upstream sequence (one given up upstream is skipped).
                if let sequence = item.sequence { core.state.withLock { $0.advance(slot: slot, to: sequence) } }
                batch.append(try publish(item.event, slot: slot))
            }
            if !batch.isEmpty {
                try await fanOut(batch)
                summary.events += batch.count
                if let crash = configuration.crashAfterSending, summary.events >= crash {
                    // Fault injection (tests only): sent (in the kernel's hands), the next not yet due.
                    logger.critical("Crashing on purpose after sending \(summary.events) events (--crash-after-sending).")
                    kill(getpid(), SIGKILL)
                }
                let flushed = clock.now
                for item in ready { core.metrics.eventLag(flushed - item.due) }
            }
            if !over.isEmpty {
                // With --loop, a simulated match that ends is replaced by the next (seed + 1),
                // announced at once and kicked off once enough clients are here.
                let nextStreams: [SlotStream?] = over.map { index in
                    let stream = slots[index]
                    guard configuration.loop && !stopping && stream.simulator != nil else { return nil }
                    var next = makeStream(slot: stream.slot, simulator: MatchSimulator(seed: stream.seed &+ 1, roster: stream.roster, catalog: catalog))
                    next.phase = .waiting
                    return next
                }
                // Every match that ended in this turn ends in the same trips.
                try await finish(zip(over, nextStreams).map { index, next in
                    Ending(reason: slots[index].endReason, slot: slots[index].slot, next: next?.id, logNumber: slots[index].logNumber)
                }, repeats: &endRepeats)
                for (index, next) in zip(over, nextStreams) {
                    logger.info("Match \(slots[index].id) over (\(slots[index].endReason.name)): \(slots[index].index) events streamed.")
                    if let next {
                        slots[index] = next
                    } else {
                        slots[index].phase = .done
                    }
                }
            }
        }
        // Stopped: whoever is still subscribed learns the stream is over (also before kick-off).
        let unfinished = slots.filter { $0.phase != .done }
        try await finish(unfinished.map { Ending(reason: .serverShutdown, slot: $0.slot, next: nil, logNumber: $0.logNumber) }, repeats: &endRepeats)
        for stream in unfinished where stream.phase == .live {
            logger.info("Match \(stream.id) over (server_shutdown): \(stream.index) events streamed.")
        }
        // The ends' repeats still on the event loop's timer go out before the summary (and the socket closes).
        try await endRepeats.get()
        if !stopping && configuration.repairGrace > .zero {
            // The last events are the last a client can miss: answer their NACKs a little longer.
            logger.info("Answering repair requests for \(configuration.repairGrace) before exiting.")
            await core.signals.wait(until: { $0.stopped }, deadline: .now.advanced(by: configuration.repairGrace))
        }
        core.housekeeping()
        summary.datagramsSent = sent.value
        if let groupSender { (summary.groupSent, summary.groupDropped) = groupSender.figures }
        (summary.rejects, summary.encodingFailures) = core.totals
        (summary.repairsSent, summary.unavailableSent, summary.originalBudgetDropped, summary.originalBudgetDroppedBytes, summary.resetsSent) = core.state.withLock {
            ($0.repairsSent, $0.unavailableSent, $0.originalBudget.droppedDatagrams, $0.originalBudget.droppedBytes, $0.resetsSent)
        }
        logger.info("Totals: \(summary.matches) match(es), \(summary.events) events, \(summary.datagramsSent) datagrams sent, \(summary.repairsSent) events sent again on request, \(summary.unavailableSent) answered unavailable.")
        if summary.resetsSent > 0 {
            logger.info("Resets: \(summary.resetsSent) sent to clients of subscriptions this server does not hold (they register again).")
        }
        if summary.originalBudgetDropped > 0 {
            logger.info("Original-protocol byte budget: \(summary.originalBudgetDropped) datagram(s), \(summary.originalBudgetDroppedBytes) bytes not sent.")
        }
        if groupSender != nil {
            logger.info("Multicast: \(summary.groupSent) signed group events sent\(summary.groupDropped > 0 ? ", \(summary.groupDropped) dropped on purpose (--group-loss)" : "").")
        }
        for (reason, count) in summary.rejects.sorted(by: { $0.key < $1.key }) {
            logger.info("Rejected datagrams: \(count) × \(reason)")
        }
        for (what, count) in summary.encodingFailures.sorted(by: { $0.key < $1.key }) {
            logger.error("Datagrams not sent because they failed to encode: \(count) × \(what)")
        }
        return summary
    }

    /// The next event of a live stream, or nil when its match is over (a simulated match whose
    /// simulator ran out, after any back-to-back matches; a feed never gets here empty).
    package func nextEvent(_ stream: inout SlotStream, summary: inout ServerSummary) -> MatchEvent? {
        guard var simulator = stream.simulator else {
            guard !stream.queue.isEmpty else {
                // The feed's end (it is due only once the queue is empty and the end known).
                stream.endReason = stream.feedEnd ?? .abandoned
                return nil
            }
            let (event, _, end, sequence) = stream.queue.removeFirst()
            stream.feedOffset = end
            stream.upstreamSequence = sequence
            return event
        }
        defer { stream.simulator = simulator }
        while true {
            if let event = simulator.next() { return event }
            if let reason = simulator.endReason, reason != .fullTime { stream.endReason = reason }
            guard stream.backToBackLeft > 0 && stream.endReason == .fullTime else { return nil }
            // The next match of the same stream: clients stay, sequence numbers run on.
            stream.backToBackLeft -= 1
            stream.seed &+= 1
            simulator = MatchSimulator(seed: stream.seed, roster: stream.roster, catalog: configuration.language.catalog)
            stream.id = simulator.matchID
            core.beginMatch(id: stream.id, slot: stream.slot)
            // Logged as one record with the match before it (sequence numbers run on).
            if let number = stream.logNumber { core.state.withLock { $0.logged(slot: stream.slot, number: number) } }
            summary.matches += 1
            logger.info("Kick-off: match \(stream.id) (seed \(stream.seed)), \(clientCount) client(s).")
        }
    }

    /// Applies one feed item: line-ups make a new live match, events queue for their time, the
    /// end waits for the queue; bad lines are logged (Spec/FEED.md). Returns 1 when the feed closed.
    package func take(_ item: FeedItem, into slots: inout [SlotStream], summary: inout ServerSummary,
                      now: ContinuousClock.Instant) -> Int {
        let name = configuration.feeds[item.feed]
        let index = slots.firstIndex { $0.feed == item.feed }
        switch item.content {
        case .output(.lineups(let roster, let catalog, let first)):
            let id = core.state.withLock { state in
                var id = FeedMatchID.make(feed: item.feed, roster: roster)
                while id == 0 || state.matches.contains(where: { $0.id == id }) { id &+= 1 }
                return id
            }
            let slot = core.state.withLock { $0.addMatch(id: id, roster: roster, catalog: catalog, paced: false) }
            var stream = SlotStream(slot: slot, seed: 0, simulator: nil, id: id, roster: roster, feed: item.feed, backToBackLeft: 0, start: now)
            if let first { stream.queue.append((first, now, item.end, nil)) }
            core.signals.update { $0.matches += 1 }
            // --wait-for-clients holds a fed match's kick-off like any other (the loop kicks it off).
            if core.signals.value.clients >= configuration.waitForClients {
                core.beginMatch(id: id, slot: slot)
                summary.matches += 1
                stream.phase = .live
                logger.info("Kick-off: match \(id) from feed \(name), \(roster.home.name) vs \(roster.away.name), \(clientCount) client(s).")
            } else {
                logger.info("Match \(id) from feed \(name), \(roster.home.name) vs \(roster.away.name): waiting for \(configuration.waitForClients) client(s) before kick-off.")
            }
            slots.append(stream)
        case .output(.event(let event, let at)):
            guard let index else { return 0 }
            // `at` is the pacing's (FeedPacing): seconds after kick-off at the replay's speed, or nil for at once.
            let due = at.map { max(now, slots[index].start.advanced(by: .seconds($0))) } ?? now
            slots[index].queue.append((event, due, item.end, nil))
        case .output(.end(let reason)):
            if let index { slots[index].feedEnd = reason }
        case .output(.blank):
            break
        case .bad(let error, let stopping):
            logger.error("Feed \(name): \(error)\(stopping ? "; the feed stops here (--on-bad-line stop)" : "; line skipped")")
            summary.badFeedLines += 1
            if summary.firstFeedProblems[item.feed] == nil { summary.firstFeedProblems[item.feed] = "\(error)" }
        case .unreadable(let why):
            logger.error("Feed \(name) cannot be read any further: \(why).")
            if summary.firstFeedProblems[item.feed] == nil { summary.firstFeedProblems[item.feed] = "cannot be read: \(why)" }
        case .closed:
            if let index, slots[index].feedEnd == nil {
                logger.warning("Feed \(name) closed without an end line: match \(slots[index].id) ends as abandoned.")
                slots[index].feedEnd = .abandoned
            } else if index == nil {
                logger.warning("Feed \(name) closed before its line-ups: no match.")
                summary.feedsWithoutMatch.append((name, summary.firstFeedProblems[item.feed]))
            }
            return 1
        }
        return 0
    }

    /// The most due events written in one trip to the event loop.
    package static let maximumBatch = 64

    /// Runs a match-log write until it succeeds: when it fails, says so and retries every
    /// second, the stream paused meanwhile (never unlogged streaming); nil when the server is
    /// stopped before the write succeeds.
    package func durably<T>(_ what: String, _ write: () async throws(StreamingError) -> T) async -> T? {
        var failures = 0
        while !stopping {
            do {
                let value = try await write()
                if failures > 0 { logger.warning("The match log is written again (\(what)); streaming resumes.") }
                return value
            } catch {
                failures += 1
                if failures == 1 { logger.error("\(error); streaming is paused until the match log can be written.") }
                await core.signals.wait(until: { $0.stopped }, deadline: .now.advanced(by: .seconds(1)))
            }
        }
        return nil
    }

    /// A match to end: why, its slot, and the match that replaces it there (with `--loop`).
    package struct Ending {
        package var reason: EndReason
        package var slot: Int
        package var next: UInt32?
        /// The match's number in the match log, if logged.
        package var logNumber: Int?
    }

    /// Ends `endings`' matches together: their end frames go out in one trip now, then
    /// `endRepeats − 1` more times 20 ms apart (UDP loses packets) on the event loop's timer,
    /// without holding up the stream (the other matches' events keep their times); those
    /// repeats are joined to `repeats`, which the stream waits for before it closes.
    package func finish(_ endings: [Ending], repeats: inout EventLoopFuture<Void>) async throws {
        // The end is history before anyone hears of it (a match that ended is never resumed).
        if let log {
            for ending in endings {
                guard let number = ending.logNumber else { continue }
                do {
                    try await log.end(number, reason: ending.reason)
                } catch {
                    // Ends still go out: the clients must learn the stream is over. The log keeps the match as unfinished.
                    logger.error("\(error); match #\(number) stays unfinished in the log.")
                }
            }
        }
        let ends = endings.flatMap { core.finish($0.reason, slot: $0.slot, next: $0.next) }
        guard !ends.isEmpty else { return }
        let write: @Sendable (ServerChannelHandler) -> Void = { handler in
            for (subscriber, bytes) in ends {
                handler.write(bytes, subscription: nil, to: subscriber.datagramAddress)
            }
        }
        try await deliver(write)
        let later = (1..<max(1, configuration.endRepeats)).map { round in schedule(after: .milliseconds(20 * Int64(round)), write) }
        // One future for all of them, so a long --loop run holds none that has completed.
        repeats = EventLoopFuture.andAllSucceed([repeats] + later, on: channel.eventLoop)
        for (subscriber, _) in ends {
            logger.info("Sent end of transmission to client \(subscriber.address.display) (\(subscriber.delivery.rawValue)).")
        }
    }
}
