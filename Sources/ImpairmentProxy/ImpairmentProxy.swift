import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import Synchronization
import Wire

/// `soccer-stream impair`: a userland network impairment proxy (what `tc netem` does, without
/// root). It listens on one port; each client that sends to it gets a socket of its own toward
/// the server, so the server sees one address per client; datagrams both ways are dropped,
/// delayed, reordered and duplicated as configured, from a seeded generator, and every decision
/// is recorded (``report``), with the event sequences each client was sent and delivered.
public final class ImpairmentProxy: Sendable {
    /// The configuration.
    public let configuration: ImpairmentConfiguration
    /// Where clients send.
    public let localAddress: SocketAddress
    /// The server.
    public let serverAddress: SocketAddress
    private let listener: any Channel
    private let core: ProxyCore

    private init(
        configuration: ImpairmentConfiguration, listener: any Channel, core: ProxyCore, localAddress: SocketAddress,
        serverAddress: SocketAddress
    ) {
        self.configuration = configuration
        self.listener = listener
        self.core = core
        self.localAddress = localAddress
        self.serverAddress = serverAddress
    }

    /// Checks the configuration, resolves the server and binds the listening socket.
    ///
    /// - Throws: ``StreamingError``.
    public static func start(
        configuration: ImpairmentConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(StreamingError) -> ImpairmentProxy {
        try configuration.validate()
        let server: SocketAddress
        do {
            server = try SocketAddress.makeAddressResolvingHost(configuration.server, port: configuration.serverPort)
        } catch {
            throw StreamingError(.socket, "cannot resolve server \(configuration.server):\(configuration.serverPort): \(error)")
        }
        let core = ProxyCore(configuration: configuration, server: server, group: group)
        let listener: any Channel
        do {
            listener = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RelayHandler { envelope in core.fromClient(envelope) })
                    }
                }
                .bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw StreamingError.cannotBind(configuration.host, configuration.port, error)
        }
        guard let local = listener.localAddress else {
            listener.close(promise: nil)
            throw StreamingError(.socket, "bound socket has no local address")
        }
        core.listener.withLock { $0 = listener }
        return ImpairmentProxy(configuration: configuration, listener: listener, core: core, localAddress: local, serverAddress: server)
    }

    /// The listening port.
    public var port: Int { localAddress.port ?? 0 }

    /// Everything the relay did so far.
    public var report: ImpairmentReport { core.report }

    /// Sends `bytes` from the relay's own sockets, unimpaired: to the (first) client, where they
    /// seem to come from the server, or to the server from that client's socket, where they
    /// seem to come from the client: an off-path forgery of either's address, without raw
    /// sockets (the forgery tests use it).
    public func inject(_ bytes: [UInt8], toClient: Bool) async throws {
        guard let (client, upstream) = core.firstClient() else { return }
        let channel = toClient ? listener : upstream
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: toClient ? client : serverAddress, data: ByteBuffer(bytes: bytes)))
    }

    /// Asks ``run(for:)`` to return (Ctrl+C, SIGTERM). Safe from any thread.
    public func stop() {
        core.stopped.update { $0 = true }
    }

    /// Relays until ``stop()`` or, if given, until `duration` has passed; then closes every
    /// socket and returns the report.
    public func run(for duration: Duration?) async -> ImpairmentReport {
        if let duration {
            await core.stopped.wait(until: { $0 }, deadline: .now.advanced(by: duration))
        } else {
            await core.stopped.wait { $0 }
        }
        let report = self.report
        await close()
        return report
    }

    /// Closes every socket.
    public func close() async {
        for channel in core.allChannels() + [listener] {
            do {
                try await channel.close()
            } catch {
                // Already closed: nothing left to release.
            }
        }
    }
}

/// Hands each datagram to a closure (on the channel's event loop).
private final class RelayHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let read: @Sendable (AddressedEnvelope<ByteBuffer>) -> Void

    init(read: @escaping @Sendable (AddressedEnvelope<ByteBuffer>) -> Void) {
        self.read = read
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        read(Self.unwrapInboundIn(data))
    }
}

/// The relay's shared state: the clients' upstream sockets, the random decisions and the record.
private final class ProxyCore: Sendable {
    enum Direction { case toServer, toClient }

    struct Flow {
        var upstream: (any Channel)?
        var waiting: [ByteBuffer] = []
        var held: [Lane: ByteBuffer] = [:]
        /// When the last datagram let through unimpaired (`eventsOnly`) goes, per direction:
        /// nothing forwarded after it goes before it.
        var unimpairedAt: [Direction: NIODeadline] = [:]
    }

    /// A stream of decisions: one direction's first transmissions, or its repair traffic (nacks,
    /// retransmissions). Each lane has its own generator and its own held datagram, so what
    /// happens to the first transmissions depends on the seed alone, not on how repairs
    /// interleave with them (which the machine's load decides).
    struct Lane: Hashable {
        var direction: Direction
        var repair: Bool
    }

    struct State {
        var flows: [SocketAddress: Flow] = [:]
        var order: [SocketAddress] = []
        var random: [Lane: SeededGenerator] = [:]
        var bad: [Lane: Bool] = [:]
        var report = ImpairmentReport()
    }

    let configuration: ImpairmentConfiguration
    let server: SocketAddress
    let group: any EventLoopGroup
    let listener = Mutex<(any Channel)?>(nil)
    let stopped = Watch(false)
    private let state: Mutex<State>

    init(configuration: ImpairmentConfiguration, server: SocketAddress, group: any EventLoopGroup) {
        self.configuration = configuration
        self.server = server
        self.group = group
        state = Mutex(State())
    }

    var report: ImpairmentReport { state.withLock { $0.report } }

    func firstClient() -> (SocketAddress, any Channel)? {
        state.withLock { state in
            guard let first = state.order.first, let upstream = state.flows[first]?.upstream else { return nil }
            return (first, upstream)
        }
    }

    func allChannels() -> [any Channel] {
        state.withLock { $0.flows.values.compactMap(\.upstream) }
    }

    /// A datagram from a client: to the server through the client's own socket (made on first use).
    func fromClient(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let client = envelope.remoteAddress
        let connect: Bool = state.withLock { state in
            if state.flows[client]?.upstream != nil { return false }
            if state.flows[client] != nil {
                state.flows[client]?.waiting.append(envelope.data)
                return false
            }
            guard state.flows.count < configuration.maxClients else { return false }
            state.flows[client] = Flow(waiting: [envelope.data])
            state.order.append(client)
            state.report.clients += 1
            return true
        }
        if connect {
            openUpstream(for: client)
        } else {
            forward(envelope.data, .toServer, client: client)
        }
    }

    private func openUpstream(for client: SocketAddress) {
        let bindHost = server.protocol == .inet6 ? "::1" : "127.0.0.1"
        DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RelayHandler { [self] envelope in
                            forward(envelope.data, .toClient, client: client)
                        })
                }
            }
            .bind(host: bindHost, port: 0)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    let waiting: [ByteBuffer] = state.withLock { state in
                        state.flows[client]?.upstream = channel
                        defer { state.flows[client]?.waiting = [] }
                        return state.flows[client]?.waiting ?? []
                    }
                    for data in waiting { forward(data, .toServer, client: client) }
                case .failure:
                    // No socket for this client (descriptors exhausted): its datagrams are dropped and counted.
                    let lost = state.withLock { state in state.flows.removeValue(forKey: client)?.waiting.count ?? 0 }
                    state.withLock { $0.report.toServer.dropped += lost }
                }
            }
    }

    private func impairment(_ direction: Direction) -> Impairment {
        direction == .toServer ? configuration.toServer : configuration.toClient
    }

    /// Decides a datagram's fate and sends what survives.
    func forward(_ data: ByteBuffer, _ direction: Direction, client: SocketAddress) {
        let impairment = impairment(direction)
        let sequence = direction == .toClient ? ProxiedDatagram.eventSequence(data) : nil
        let impaired =
            !configuration.eventsOnly || sequence != nil || ProxiedDatagram.isRepairTraffic(data)
            || data.getInteger(at: data.readerIndex, as: UInt8.self) == UInt8(ascii: "{")
        // What to send, in order, after what delay, and not before when (``Flow/unimpairedAt``).
        let sends: [(ByteBuffer, Duration, NIODeadline?)] = state.withLock { state in
            let decided = decide(&state)
            // With `eventsOnly`, nothing overtakes a datagram let through unimpaired before it: a
            // welcome delayed by the longest delay must still reach the client before the first
            // events (a client ignores events before its welcome, which the record would count received).
            let now = NIODeadline.now()
            guard let floor = state.flows[client]?.unimpairedAt[direction] ?? (impaired ? nil : now) else {
                return decided.map { ($0.0, $0.1, nil) }
            }
            let timed = decided.map { bytes, delay in (bytes, delay, Optional(max(now + TimeAmount(delay), floor))) }
            if !impaired, let last = timed.last?.2 { state.flows[client]?.unimpairedAt[direction] = last }
            return timed
        }
        for (bytes, after, notBefore) in sends {
            send(
                bytes, direction, client: client, sequence: direction == .toClient ? ProxiedDatagram.eventSequence(bytes) : nil, after: after,
                at: notBefore)
        }
        // Decisions under the lock, from each lane's generator (the same seed and first transmissions
        // give the same fates, however repairs interleave with them).
        func decide(_ state: inout State) -> [(ByteBuffer, Duration)] {
            let key = client.display
            func count(_ change: (inout DirectionReport) -> Void) {
                change(&state.report[toServer: direction == .toServer])
            }
            count { $0.received += 1 }
            let repairTraffic = ProxiedDatagram.isRepairTraffic(data) || sequence?.retransmission == true
            if repairTraffic { count { $0.repairBytes += data.readableBytes } }
            let firstEvent = sequence.map { !$0.retransmission } ?? false
            func dropped() {
                count { $0.dropped += 1 }
                if firstEvent { count { $0.droppedEventBytes += data.readableBytes } }
            }
            if direction == .toServer {
                state.report.events[key, default: EventTruth()].asked += ProxiedDatagram.nackedSequences(data)
            }
            if let sequence {
                if sequence.retransmission {
                    state.report.events[key, default: EventTruth()].resent.append(sequence.sequence)
                } else {
                    state.report.events[key, default: EventTruth()].sent.append(sequence.sequence)
                }
            }
            let lane = Lane(direction: direction, repair: repairTraffic)
            // The first transmissions' lane draws from the seed itself; the repair lane from a seed of its own.
            func unit() -> Double {
                var generator =
                    state.random[lane]
                    ?? SeededGenerator(
                        seed: configuration.seed ^ (lane.repair ? 0x7265_7061_6972 : 0)
                            ^ (direction == .toServer ? 0x7365_7276_6572 : 0))
                defer { state.random[lane] = generator }
                return generator.nextUnit()
            }
            // A datagram that is not impaired is neither lost nor duplicated, and goes after any event held
            // back before it (in either lane) and any still delayed (the longest delay), so that it never overtakes them.
            let last = impairment.delay + impairment.jitter
            guard impaired else {
                let released = [false, true].compactMap { state.flows[client]?.held.removeValue(forKey: Lane(direction: direction, repair: $0)) }
                return released.map { ($0, last) } + [(data, last)]
            }
            let held = state.flows[client]?.held.removeValue(forKey: lane)
            if let burst = impairment.burst {
                let bad = state.bad[lane] ?? false
                let switching = unit() < (bad ? burst.leaveBad : burst.enterBad)
                let nowBad = switching ? !bad : bad
                state.bad[lane] = nowBad
                if nowBad, unit() < burst.lossInBad {
                    dropped()
                    return held.map { [($0, impairment.delay)] } ?? []
                }
            }
            func chance(_ probability: Double) -> Bool {
                probability > 0 && unit() < probability
            }
            if chance(impairment.loss) {
                dropped()
                return held.map { [($0, impairment.delay)] } ?? []
            }
            if held == nil, chance(impairment.reorder) {
                state.flows[client]?.held[lane] = data
                count { $0.reordered += 1 }
                return []
            }
            func delay() -> Duration {
                guard impairment.jitter > .zero else { return impairment.delay }
                let spread = (unit() * 2 - 1) * impairment.jitter.inSeconds
                return max(.zero, impairment.delay + .seconds(spread))
            }
            var sends = [(data, delay())]
            if chance(impairment.duplicate) {
                sends.append((data, delay()))
                count { $0.duplicated += 1 }
            }
            // The held datagram goes after this one: the two arrive swapped.
            if let held { sends.append((held, delay())) }
            return sends
        }
    }

    private func send(
        _ data: ByteBuffer, _ direction: Direction, client: SocketAddress, sequence: (sequence: UInt32, retransmission: Bool)?,
        after delay: Duration, at deadline: NIODeadline?
    ) {
        let channel: (any Channel)? = direction == .toServer ? state.withLock { $0.flows[client]?.upstream } : listener.withLock { $0 }
        guard let channel else { return }
        let destination = direction == .toServer ? server : client
        let key = client.display
        let deliver: @Sendable () -> Void = { [self] in
            state.withLock { state in
                state.report[toServer: direction == .toServer].forwarded += 1
                if delay > .zero {
                    state.report[toServer: direction == .toServer].delayed += 1
                }
                if direction == .toServer {
                    state.report.events[key, default: EventTruth()].askedForwarded += ProxiedDatagram.nackedSequences(data)
                }
                if direction == .toClient, let sequence {
                    state.report.events[key, default: EventTruth()].deliveries.append(
                        EventTruth.Delivery(sequence: sequence.sequence, retransmission: sequence.retransmission))
                }
            }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: data), promise: nil)
        }
        if let deadline {
            // On the loop's timer, after whatever went unimpaired before it (ties keep their order).
            channel.eventLoop.scheduleTask(deadline: deadline) { deliver() }
        } else if delay > .zero {
            channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.inSeconds * 1e9))) { deliver() }
        } else if channel.eventLoop.inEventLoop {
            deliver()
        } else {
            channel.eventLoop.execute { deliver() }
        }
    }
}
