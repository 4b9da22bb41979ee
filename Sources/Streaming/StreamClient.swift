#if canImport(Glibc)
import Glibc
#endif
import Capture
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Wire

/// What a client run ended with.
public struct ClientResult: Sendable {
    /// Why it stopped.
    public var reason: ClientStopReason
    /// What the network did to the stream.
    public var statistics: ReceptionStatistics
    /// The last view shown.
    public var latest: LiveSnapshot?
    /// The format the server chose (nil for original or when never welcomed).
    public var format: BodyFormat?
    /// The preset dictionary the server agreed to (0: none; nil for original or when never welcomed).
    public var dictionary: UInt8?
    /// The port the client listened on.
    public var localPort: Int

    /// The report for client_stats.log and `--stats-json`.
    public var report: StatisticsReport { StatisticsReport(reason: reason, statistics: statistics) }
}

/// The SoccerStream client: registers (retrying with backoff), shows every event, sends
/// heartbeats, and on the end of the match, Ctrl+C or SIGTERM reports its statistics.
public final class StreamClient: Sendable {
    /// The configuration.
    public let configuration: ClientConfiguration
    /// The server's resolved address.
    public let serverAddress: SocketAddress
    /// The client's own address.
    public let localAddress: SocketAddress
    private let channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
    private let session: Mutex<ClientSession>
    private let stopReason = Mutex<ClientStopReason?>(nil)
    private let logger: Logger
    private let started = Atomic<Bool>(false)
    private let display: LiveDisplay
    private let capture = Mutex<PcapWriter?>(nil)

    private init(configuration: ClientConfiguration, channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>,
                 serverAddress: SocketAddress, localAddress: SocketAddress, logger: Logger, display: LiveDisplay) {
        self.configuration = configuration
        self.channel = channel
        self.serverAddress = serverAddress
        self.localAddress = localAddress
        self.logger = logger
        self.display = display
        self.session = Mutex(ClientSession(original: configuration.original, originalInterval: configuration.originalInterval))
        if configuration.capturePath != nil { capture.withLock { $0 = PcapWriter() } }
    }

    deinit {
        // Dropped without run(): the async channel must still be finished and closed, or NIO traps.
        guard !started.load(ordering: .relaxed) else { return }
        let channel = self.channel
        Task { try? await channel.executeThenClose { _, _ in } }
    }

    /// Resolves the server and binds a socket on a free port of the same address family.
    public static func connect(
        configuration: ClientConfiguration, logger: Logger, display: LiveDisplay = .none,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> StreamClient {
        let server: SocketAddress
        do {
            server = try SocketAddress.makeAddressResolvingHost(configuration.server, port: configuration.port)
        } catch {
            throw StreamingError(.socket, "cannot resolve server \(configuration.server):\(configuration.port): \(error)")
        }
        let bindHost = server.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: StreamServer.receiveBufferSize))
                .channelOption(.receivePacketInfo, value: configuration.capturePath != nil)
                .bind(host: bindHost, port: 0) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw StreamingError(.socket, "cannot bind a UDP socket on \(bindHost): \(error)")
        }
        guard let local = channel.channel.localAddress else { throw StreamingError(.socket, "bound socket has no local address") }
        return StreamClient(configuration: configuration, channel: channel, serverAddress: server, localAddress: local,
                            logger: logger, display: display)
    }

    /// Asks the client to stop (Ctrl+C, SIGTERM): it unregisters and reports. Safe from any thread.
    public func stop(_ reason: ClientStopReason = .terminated) {
        setReason(reason)
    }

    private func setReason(_ reason: ClientStopReason) {
        stopReason.withLock { if $0 == nil { $0 = reason } }
    }

    private var reason: ClientStopReason? { stopReason.withLock { $0 } }

    /// Runs until the end of the match, a stop, a refusal or no answer; then closes the socket.
    public func run() async throws -> ClientResult {
        logger.info("Client connected to server \(serverAddress.ipAddress ?? configuration.server) on port \(serverAddress.port ?? configuration.port) (listening on port \(localAddress.port ?? 0)\(configuration.original ? ", original protocol" : "")).")
        guard !started.exchange(true, ordering: .relaxed) else {
            throw StreamingError(.configuration, "run() may be called only once")
        }
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await envelope in inbound {
                        if self.receive(envelope) { return }
                    }
                }
                group.addTask { try await self.control(outbound) }
                try await group.next()
                group.cancelAll()
            }
            if self.reason?.unregisters == true {
                try await outbound.write(AddressedEnvelope(remoteAddress: self.serverAddress, data: ByteBuffer(bytes: try self.unregisterBytes())))
                self.logger.info("Sent unregister to server.")
            }
        }
        try writeCapture()
        let final = session.withLock { $0 }
        let reason = self.reason ?? .terminated
        logger.info("Client stopped: \(reason.name); \(final.statistics.received) events received, \(final.statistics.lost) lost.")
        return ClientResult(reason: reason, statistics: final.statistics, latest: final.latest,
                            format: final.welcome?.format, dictionary: final.welcome?.dictionary, localPort: localAddress.port ?? 0)
    }

    private static func endpoint(_ address: SocketAddress?, fallback: SocketAddress) -> Endpoint {
        let chosen = address ?? fallback
        return Endpoint(address: chosen.ipAddress ?? "0.0.0.0", port: chosen.port ?? fallback.port ?? 0)
    }

    private func record(_ envelope: AddressedEnvelope<ByteBuffer>) {
        guard configuration.capturePath != nil else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let destination = envelope.metadata?.packetInfo.map { info -> SocketAddress in
            var address = info.destinationAddress
            address.port = localAddress.port
            return address
        }
        let bytes = Array(envelope.data.readableBytesView)
        capture.withLock { writer -> Void in
            writer?.append(payload: bytes, from: Self.endpoint(envelope.remoteAddress, fallback: serverAddress),
                           to: Self.endpoint(destination, fallback: localAddress),
                           timestamp: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
        }
    }

    private func writeCapture() throws {
        guard let path = configuration.capturePath, let bytes = capture.withLock({ $0?.bytes }) else { return }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            logger.info("Wrote the datagrams received to \(path).")
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write capture \(path): \(error.localizedDescription)")
        }
    }

    /// Handles one datagram; true when the run is over.
    private func receive(_ envelope: AddressedEnvelope<ByteBuffer>) -> Bool {
        record(envelope)
        guard envelope.remoteAddress == serverAddress else {
            logger.debug("Ignored datagram from \(envelope.remoteAddress.display): not the server.")
            return false
        }
        let bytes = Array(envelope.data.readableBytesView)
        let now = MonotonicClock.seconds()
        let reception = session.withLock { $0.receive(bytes, arrival: now) }
        switch reception {
        case .welcomed(let welcome, let snapshot):
            logger.info("Registered: format \(welcome.format.name), dictionary \(welcome.dictionary), match \(welcome.matchID), language \(welcome.catalog.language).")
            if welcome.dictionary != 0, !configuration.dictionaries.contains(where: { $0.id == welcome.dictionary }) {
                // Frames name their dictionary, so decoding still works; the server broke §4.4's agreement rule.
                logger.warning("The server chose dictionary \(welcome.dictionary), which this client did not offer (Spec §4.4).")
            }
            if let snapshot { display.show(snapshot) }
        case .refused(let refusal):
            logger.info("Registration refused: \(refusal.reason.name): \(refusal.text)")
            setReason(.refused(refusal))
            return true
        case .event(let snapshot, let outcome):
            logger.info("Received message: \(snapshot.summary)\(outcome == .outOfOrder ? " (out of order)" : "") from \(envelope.remoteAddress.display)")
            if outcome == .inOrder { display.show(snapshot) }
        case .duplicate(let sequence):
            logger.info("Received duplicate of message #\(sequence).")
        case .ended(let reason):
            logger.info("Received end of transmission (\(reason.name)).")
            setReason(.endOfTransmission(reason))
            return true
        case .challenged:
            logger.info("Received an address challenge; registering again with the token.")
        case .keepalive:
            break
        case .ignored(let why):
            logger.debug("Ignored datagram: \(why)")
        }
        return self.reason != nil
    }

    private func registerBytes(token: [UInt8] = []) throws -> [UInt8] {
        if configuration.original { return Array(OriginalPacket.registerText.utf8) }
        return try Frame(body: .register(RegisterRequest.padded(
            formats: configuration.acceptedFormats, token: token, dictionaries: configuration.dictionaries.map(\.id).filter { $0 != 0 }))).encoded()
    }

    private func unregisterBytes() throws -> [UInt8] {
        if configuration.original { return Array(OriginalPacket.unregisterText.utf8) }
        return try Frame(body: .unregister).encoded()
    }

    private var subscribed: Bool {
        session.withLock { $0.original ? $0.statistics.received > 0 : $0.welcome != nil }
    }

    /// Registers with backoff, then sends heartbeats, until a stop reason is set.
    private func control(_ outbound: NIOAsyncChannelOutboundWriter<AddressedEnvelope<ByteBuffer>>) async throws {
        let clock = ContinuousClock()
        let register = ByteBuffer(bytes: try registerBytes())
        var backoff = configuration.original ? max(configuration.initialBackoff, .seconds(1)) : configuration.initialBackoff
        let cap: Duration = configuration.original ? .seconds(8) : .seconds(2)
        var attempts = 0
        var echoed: [UInt8] = []
        while !subscribed && reason == nil {
            guard attempts < configuration.registerAttempts else {
                logger.info("No answer from the server after \(attempts) register attempts.")
                setReason(.noAnswer(attempts: attempts))
                return
            }
            try await outbound.write(AddressedEnvelope(remoteAddress: serverAddress, data: register))
            attempts += 1
            logger.info("Sent register (attempt \(attempts)).")
            let deadline = clock.now.advanced(by: backoff)
            while clock.now < deadline && !subscribed && reason == nil {
                // A challenge: echo its token at once (it does not count as another attempt).
                let token = session.withLock { $0.token }
                if !token.isEmpty && token != echoed {
                    echoed = token
                    try await outbound.write(AddressedEnvelope(remoteAddress: serverAddress, data: ByteBuffer(bytes: try registerBytes(token: token))))
                    logger.info("Sent register with the address token.")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            backoff = min(backoff * 2, cap)
        }
        let (heartbeat, interval) = session.withLock { ($0.welcome.map { Duration.seconds(Int($0.heartbeatSeconds)) }, $0.interval) }
        let silence = max(configuration.serverTimeout, .milliseconds(Int64((interval ?? 0) * 3000)))
        var nextBeat = clock.now.advanced(by: heartbeat ?? .zero)
        while reason == nil {
            try await Task.sleep(for: .milliseconds(20))
            if let heard = session.withLock({ $0.lastHeard }) {
                let quiet = MonotonicClock.seconds() - heard
                if Duration.milliseconds(Int64(quiet * 1000)) > silence {
                    logger.info("Server silent for \(Int(quiet)) s; giving up.")
                    setReason(.serverSilent(seconds: Int(quiet)))
                    break
                }
            }
            if let heartbeat, heartbeat > .zero, clock.now >= nextBeat {
                let highest = session.withLock { $0.statistics.last ?? 0 }
                let bytes = try Frame(sequence: highest, body: .heartbeat).encoded()
                try await outbound.write(AddressedEnvelope(remoteAddress: serverAddress, data: ByteBuffer(bytes: bytes)))
                nextBeat = clock.now.advanced(by: heartbeat)
            }
        }
    }
}

/// Monotonic seconds, for arrival times.
enum MonotonicClock {
    static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
