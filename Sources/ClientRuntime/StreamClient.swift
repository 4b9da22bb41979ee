import Capture
import ClientEngine
import Foundation
import GroupSigning
import Logging
import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import ServerEngine
import Synchronization
import TerminalUI
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// The SoccerStream client: registers (retrying with backoff), shows every event, sends
/// heartbeats, and on the end of the match, Ctrl+C or SIGTERM reports its statistics.
///
/// Two tasks, both waiting on events: one handles datagrams as the socket delivers them, the
/// other sleeps until a register must be repeated, a token echoed, a heartbeat sent or the
/// server's silence judged, or until a stop wakes it.
public final class StreamClient: Sendable {
    /// The configuration.
    public let configuration: ClientConfiguration
    /// The server's resolved address.
    public let serverAddress: SocketAddress
    /// The client's own address.
    public let localAddress: SocketAddress
    package let channel: any Channel
    let inbound: AsyncStream<Inbound>
    package let session: Mutex<ClientSession>
    /// The session's clock, to turn its due times into instants to sleep until.
    let sessionClock = SystemClock()
    private let stopReason = Mutex<ClientStopReason?>(nil)
    let signals = Watch(ClientSignals())
    package let logger: Logger
    let started = Atomic<Bool>(false)
    let display: LiveDisplay

    /// With ``ClientConfiguration/relaying``, the client's stream (``ClientEvent``) as it comes:
    /// the welcome, every event in sequence order as client.log gets them, outages, the end;
    /// it finishes when ``run()`` returns. Empty otherwise.
    public let events: AsyncStream<ClientEvent>
    let eventsContinuation: AsyncStream<ClientEvent>.Continuation
    /// Everything that follows the stream, in the order each is handed what comes.
    let consumers: [any ClientEventConsumer]
    /// The capture's consumer, written at the end of the run (with ``ClientConfiguration/capturePath``).
    let capture: CaptureConsumer?
    /// Where both sockets' datagrams go (the group's once joined).
    package let inboundContinuation: AsyncStream<Inbound>.Continuation
    /// The socket that receives the multicast group (Spec §4.11), once joined.
    package let groupChannel = Mutex<(any Channel)?>(nil)
    /// How this client's registers ask for events: unicast, or from the group once joined.
    package let delivery: Mutex<RegisterRequest.Delivery>
    /// What this client's registers say it understands (Spec §4.1): ``ClientConfiguration/features``,
    /// until a server from before the features byte refuses it (then none).
    package let features: Mutex<RegisterFeatures>
    /// The group joined (its socket is ``groupChannel``), if any.
    package let joinedOffer = Mutex<MulticastOffer?>(nil)
    /// Joining failed, or the group stopped reaching this client: unicast for the rest of the run.
    package let groupGivenUp = Atomic<Bool>(false)
    /// The refused key was reported (once).
    package let keyRefusalReported = Atomic<Bool>(false)
    /// The key share every register offers (nil: none, `--encrypt off`, or dropped for a server
    /// that predates key shares).
    package let offeredShare: Mutex<[UInt8]?>
    /// The subscription key last written to `--export-key`.
    package let exported = Mutex<SubscriptionKey?>(nil)

    /// A datagram from the client's own socket or from the multicast group.
    package struct Inbound: Sendable {
        package var envelope: AddressedEnvelope<ByteBuffer>
        package var fromGroup: Bool
    }

    private init(
        configuration: ClientConfiguration, channel: any Channel, inbound: AsyncStream<Inbound>,
        inboundContinuation: AsyncStream<Inbound>.Continuation,
        serverAddress: SocketAddress, localAddress: SocketAddress, logger: Logger, display: LiveDisplay
    ) {
        self.configuration = configuration
        self.channel = channel
        self.inbound = inbound
        self.inboundContinuation = inboundContinuation
        delivery = Mutex(configuration.multicast == .group && !configuration.original ? .group : .unicast)
        features = Mutex(configuration.features)
        self.serverAddress = serverAddress
        self.localAddress = localAddress
        self.logger = logger
        self.display = display
        var session = ClientSession(
            original: configuration.original, originalInterval: configuration.originalInterval,
            clock: sessionClock, repairs: configuration.repairs)
        if let resume = configuration.resume, let last = resume.lastLogged { session.resumeAfter = (resume.match, last) }
        session.pinnedKey = configuration.serverKey
        if configuration.encryption != .off && !configuration.original {
            session.keyShare = KeyShare()
            session.requiresSealing = configuration.encryption == .required
        }
        offeredShare = Mutex(session.keyShare?.publicBytes)
        self.session = Mutex(session)
        (events, eventsContinuation) = AsyncStream.makeStream(of: ClientEvent.self)
        if !configuration.relaying { eventsContinuation.finish() }
        capture = configuration.capturePath.map { _ in CaptureConsumer(local: localAddress, server: serverAddress) }
        var consumers: [any ClientEventConsumer] = [
            ClientLogConsumer(logger: logger, server: serverAddress.display), LiveViewConsumer(display: display),
        ]
        if let path = configuration.progressPath {
            consumers.append(
                ProgressConsumer(path: path, server: configuration.server, port: configuration.port, resumed: configuration.resume, logger: logger))
        }
        if configuration.relaying { consumers.append(StreamConsumer(continuation: eventsContinuation)) }
        if let capture { consumers.append(capture) }
        self.consumers = consumers
    }

    deinit {
        // Connected but never run: release the socket (run() closes it otherwise).
        if !started.load(ordering: .relaxed) { channel.close(promise: nil) }
    }

    /// Checks the configuration, resolves the server and binds a socket on a free port of the
    /// same address family.
    ///
    /// - Throws: ``StreamingError`` with code `configuration` (``ClientConfiguration/validate()``) or `socket`.
    public static func connect(
        configuration: ClientConfiguration, logger: Logger, display: LiveDisplay = .none,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(StreamingError) -> StreamClient {
        try configuration.validate()
        let server = try configuration.resolvedServer()
        let bindHost = server.protocol == .inet6 ? "::" : "0.0.0.0"
        let (inbound, continuation) = AsyncStream.makeStream(of: Inbound.self)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DatagramSocket.receiveBufferSize))
                .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(DatagramSocket.clientKernelBuffer))
                .channelOption(.receivePacketInfo, value: configuration.capturePath != nil)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(InboundForwarder(continuation: continuation, fromGroup: false))
                    }
                }
                .bind(host: bindHost, port: 0).get()
        } catch {
            continuation.finish()
            throw StreamingError(.socket, "cannot bind a UDP socket on \(bindHost): \(error)")
        }
        guard let local = channel.localAddress else {
            channel.close(promise: nil)
            throw StreamingError(.socket, "bound socket has no local address")
        }
        return StreamClient(
            configuration: configuration, channel: channel, inbound: inbound, inboundContinuation: continuation,
            serverAddress: server, localAddress: local,
            logger: logger, display: display)
    }

    /// Distinct events received so far, first time or repaired.
    public var received: Int { signals.value.received }

    /// Waits until at least `count` distinct events have arrived, first time or repaired (or the client stopped); true
    /// when they have. Cancellable; no polling.
    @discardableResult
    public func waitUntilReceived(_ count: Int) async -> Bool {
        await signals.wait { $0.received >= count || $0.stopped }
        return signals.value.received >= count
    }

    /// Waits until the server has welcomed this client (or the client stopped); true when it
    /// has. Cancellable; no polling.
    @discardableResult
    public func waitUntilSubscribed() async -> Bool {
        await signals.wait { $0.subscribed || $0.stopped }
        return signals.value.subscribed
    }

    /// Asks the client to stop (Ctrl+C, SIGTERM): it unregisters and reports. Safe from any thread.
    public func stop(_ reason: ClientStopReason = .terminated) {
        setReason(reason)
    }

    func setReason(_ reason: ClientStopReason) {
        stopReason.withLock { if $0 == nil { $0 = reason } }
        signals.update { $0.stopped = true }
    }

    var reason: ClientStopReason? { stopReason.withLock { $0 } }

    /// Hands what the stream gained to everything that follows it.
    func deliver(_ events: [ClientEvent]) {
        guard !events.isEmpty else { return }
        for consumer in consumers { consumer.consume(events) }
    }
}
