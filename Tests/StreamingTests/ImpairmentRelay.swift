import Match
import NIOCore
import NIOPosix
import Synchronization
import Wire

/// A seeded, lossy, reordering, duplicating UDP relay on loopback, between one client and a
/// server, written for the tests. It impairs only event frames (control frames pass, after
/// any held event), and records exactly what it delivered, in order.
final class ImpairmentRelay: Sendable {
    struct Settings: Sendable {
        var drop = 0.1
        var duplicate = 0.1
        var reorder = 0.1
        var seed: UInt64 = 1
    }

    /// What the relay did: every event sequence the server sent, and every one delivered, in order.
    struct Truth: Sendable {
        var sent: [UInt32] = []
        var delivered: [UInt32] = []
        var dropped = 0

        var received: Int { Set(delivered).count }
        var duplicates: Int { delivered.count - Set(delivered).count }
        var lost: Int { Set(sent).subtracting(delivered).count }
        /// Deliveries of a new sequence number older than one delivered before it.
        var outOfOrder: Int {
            var seen = Set<UInt32>()
            var highest: Int64?
            var count = 0
            // Sequences are compared unwrapped: the relay knows the order the server sent them in.
            let rank = Dictionary(sent.enumerated().map { ($0.element, Int64($0.offset)) }, uniquingKeysWith: { first, _ in first })
            for sequence in delivered where seen.insert(sequence).inserted {
                let position = rank[sequence] ?? 0
                if let top = highest, position < top { count += 1 } else { highest = position }
            }
            return count
        }
    }

    final class State: Sendable {
        let truth = Mutex(Truth())
        let client = Mutex<SocketAddress?>(nil)
        let held = Mutex<AddressedEnvelope<ByteBuffer>?>(nil)
        let random: Mutex<SeededGenerator>
        init(seed: UInt64) { random = Mutex(SeededGenerator(seed: seed)) }
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let server: SocketAddress
        let settings: Settings
        let state: State

        init(server: SocketAddress, settings: Settings, state: State) {
            self.server = server
            self.settings = settings
            self.state = state
        }

        func chance(_ probability: Double) -> Bool {
            state.random.withLock { Double($0.next() >> 11) / Double(1 << 53) } < probability
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = Self.unwrapInboundIn(data)
            if envelope.remoteAddress != server {
                state.client.withLock { $0 = envelope.remoteAddress }
                context.writeAndFlush(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: server, data: envelope.data)), promise: nil)
                return
            }
            guard let client = state.client.withLock({ $0 }) else { return }
            let bytes = Array(envelope.data.readableBytesView)
            let out = AddressedEnvelope(remoteAddress: client, data: envelope.data)
            guard let frame = try? Frame.decode(bytes), case .event = frame.body else {
                flushHeld(context)
                context.writeAndFlush(Self.wrapOutboundOut(out), promise: nil)
                return
            }
            let sequence = frame.sequence
            state.truth.withLock { $0.sent.append(sequence) }
            if chance(settings.drop) {
                state.truth.withLock { $0.dropped += 1 }
                return
            }
            if chance(settings.reorder), state.held.withLock({ $0 == nil }) {
                state.held.withLock { $0 = out }   // released after the next datagram
                return
            }
            deliver(out, sequence: sequence, context)
            if chance(settings.duplicate) { deliver(out, sequence: sequence, context) }
            flushHeld(context)
        }

        func deliver(_ envelope: AddressedEnvelope<ByteBuffer>, sequence: UInt32, _ context: ChannelHandlerContext) {
            state.truth.withLock { $0.delivered.append(sequence) }
            context.writeAndFlush(Self.wrapOutboundOut(envelope), promise: nil)
        }

        func flushHeld(_ context: ChannelHandlerContext) {
            guard let held = state.held.withLock({ value in defer { value = nil }; return value }) else { return }
            let bytes = Array(held.data.readableBytesView)
            if let frame = try? Frame.decode(bytes) { deliver(held, sequence: frame.sequence, context) }
        }
    }

    let channel: any Channel
    let state: State
    let server: SocketAddress

    init(server: SocketAddress, settings: Settings) async throws {
        let state = State(seed: settings.seed)
        self.state = state
        self.server = server
        let handler = Handler(server: server, settings: settings, state: state)
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var port: Int { channel.localAddress?.port ?? 0 }

    /// Sends `bytes` from the relay's own socket: to the client, where they seem to come from the
    /// server, or to the server, where they seem to come from the client (an off-path forgery
    /// of either's address, without raw sockets).
    func inject(_ bytes: [UInt8], toClient: Bool) async throws {
        let client: SocketAddress? = state.client.withLock { $0 }
        guard let destination = toClient ? client : server else { return }
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: bytes)))
    }
    var truth: Truth { state.truth.withLock { $0 } }

    func close() async { try? await channel.close() }
}
