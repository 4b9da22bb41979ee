import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Logging
import Match
import MatchStore
import NIOCore
import NIOPosix
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Synchronization
import Wire

#if canImport(Glibc)
import Glibc
#endif

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
    /// Fault injection for tests (`--crash-after-sending`): the process dies once the fan-out
    /// has handed that many events to the kernel.
    package let sendingCrash: CrashPoint?
    /// NACKs waiting for a read of the match log, by log number: one read answers all that
    /// arrive while it runs (after a restart, every client asks for the same few events).
    package let logReads = Mutex<[Int: [ServerState.LogLookup]]>([:])
    /// A relay's upstream followers (one per followed match), and the upstream client each runs now.
    package let followers: [UpstreamFollower]
    package let upstreamClients = Mutex<[Int: StreamClient]>([:])
    /// An on-demand relay's followers started by its clients' registers (``OnDemandSubscriptions``).
    package let demanded = Mutex(OnDemandSubscriptions())
    /// When the housekeeping last ran, and so when it is next due (``housekeepIfDue()``).
    package let upkeep = Mutex(HousekeepingSchedule(start: ContinuousClock().now))

    private init(
        configuration: ServerConfiguration, channel: any Channel, handler: NIOLoopBound<ServerChannelHandler>,
        core: ServerCore, sent: SentCounter, localAddress: SocketAddress, logger: Logger, feeds: [LineFollower], log: MatchLog?,
        plan: ResumePlan, groupSender: GroupSender?, dataLock: DataDirectoryLock?
    ) {
        self.feeds = feeds
        self.dataLock = dataLock
        self.groupSender = groupSender
        self.sendingCrash = CrashPoint(after: configuration.crashAfterSending, what: "sending", option: "--crash-after-sending", logger: logger)
        self.log = log
        self.plan = plan
        // One follower per relayed match; one the log says this relay was relaying continues after its last logged event.
        var selected = configuration.upstreamMatches.isEmpty ? [RegisterRequest.anyMatch] : configuration.upstreamMatches
        if configuration.upstreamMatches.isEmpty, let resumed = plan.relayed.first { selected = [resumed.match.matchID] }
        followers =
            configuration.upstreams.isEmpty || configuration.upstreamOnDemand
            ? []
            : selected.map { match in
                let resumed = plan.relayed.first { $0.match.matchID == match }
                var follower = UpstreamFollower(
                    upstreams: configuration.upstreams, match: match,
                    resumeAfter: resumed.flatMap { relayed in relayed.lastSequence.map { (match, $0) } },
                    timeout: configuration.upstreamTimeout, logger: logger)
                follower.multicast = configuration.upstreamMulticast
                follower.subscriberToken = configuration.upstreamToken
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
        // A match log may keep subscriptions (Spec §4.12): until resume() has restored them, a
        // kept client's probe must not be reset. Held from before the socket reads, since the log
        // is opened and read after it (a probe in between was reset: seen under load).
        if configuration.dataDirectory != nil && !configuration.fresh { core.state.withLock { $0.holdingResets = true } }
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
                logger.info(
                    "Multicast group \(multicast.group) (compact; JSON to port \(multicast.port(for: .json))) (TTL \(multicast.ttl)\(multicast.interface.map { ", via \($0)" } ?? "")); group events signed with Ed25519 key \(key.publicKey.hex)\(path.map { " (kept in \($0))" } ?? " (made for this run: no data dir)")."
                )
            } catch {
                close(socket)
                throw error
            }
        }
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DatagramSocket.receiveBufferSize))
                .channelOption(.datagramVectorReadMessageCount, value: DatagramSocket.vectorReadCount)
                // Room in the kernel for a whole fan-out burst and for registration storms.
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = ServerChannelHandler(
                            eventLoop: channel.eventLoop, counter: sent, socket: socket, logger: logger,
                            metrics: metrics, bursts: core
                        ) { bytes, address in
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
                let opened = try await MatchLog.open(directory: directory, logger: logger, crashAfter: configuration.crashAfterLogging)
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
            for follower in followers { follower.cancel() }
            await log?.close()
            channel.close(promise: nil)
            throw error
        }
        core.signals.update { $0.matches = configuration.simulate }
        // Held on until resume() has restored the kept subscriptions, if the log kept any.
        core.state.withLock { $0.holdingResets = !plan.subscribers.isEmpty }
        let server = StreamServer(
            configuration: configuration, channel: channel, handler: handler, core: core, sent: sent,
            localAddress: address, logger: logger, feeds: followers, log: log, plan: plan, groupSender: groupSender,
            dataLock: dataLock)
        if let log { logger.info("Match log: \(log.path) (every event on disk before it is sent).") }
        logger.info("Server started on port \(address.port ?? configuration.port).")
        logger.info("Server name: \(Self.hostName())")
        logger.info("Server ip: \(address.ipAddress ?? configuration.host)")
        logger.info("Formats offered: \(configuration.formats.map(\.name).joined(separator: ", ")); carrying \(configuration.carried).")
        if configuration.originalAllowed {
            let budget =
                "at most \(configuration.originalBudget.perPrefix) bytes/s per /24 or /56 and \(configuration.originalBudget.total) bytes/s in all"
            logger.info("Original-protocol clients are served from loopback and private addresses only (protected mode), \(budget) off loopback.")
            if !configuration.originalFrom.isEmpty {
                logger.warning(
                    "Original-protocol registers are also accepted from \(configuration.originalFrom.map(\.description).joined(separator: ", ")) (--original-from): such a register subscribes its source address unvalidated, so a forged one can point the stream at a third party there (\(budget))."
                )
            }
        }
        return server
    }
}
