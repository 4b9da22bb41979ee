import NIOCore
import Synchronization

/// The server's channel handler, and the one way the server writes.
///
/// Inbound, it hands each datagram to the server's logic and writes the replies, flushing once
/// per read burst (`channelReadComplete`), so a registration storm read with `recvmmsg` is
/// answered with `sendmmsg`. Outbound, the fan-out and the end frames write through the same
/// ``write(_:to:)`` and ``flush()``. It also turns writability changes into futures, so the
/// producer waits for the socket without polling. Event-loop bound: used only on its loop.
final class ServerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// Answers one datagram: the replies to send.
    typealias Answer = @Sendable (_ bytes: [UInt8], _ from: SocketAddress) -> [ServerState.Reply]

    private let answer: Answer
    private let counter: SentCounter
    private let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?
    private var unflushed = 0
    private var writabilityWaiters: [EventLoopPromise<Void>] = []

    init(eventLoop: any EventLoop, counter: SentCounter, answer: @escaping Answer) {
        self.eventLoop = eventLoop
        self.counter = counter
        self.answer = answer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        releaseWaiters()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        for reply in answer(Array(envelope.data.readableBytesView), envelope.remoteAddress) {
            write(reply.payload, to: reply.address)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { releaseWaiters() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        releaseWaiters()
        context.fireChannelInactive()
    }

    /// The channel's allocator (the allocator of a fresh one before the handler is added).
    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    /// Queues one datagram; nothing leaves before ``flush()``.
    func write(_ payload: ByteBuffer, to address: SocketAddress) {
        guard let context else { return }
        context.write(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: payload)), promise: nil)
        unflushed += 1
    }

    /// Sends everything queued (NIO hands the batch to `sendmmsg`).
    func flush() {
        guard unflushed > 0, let context else { return }
        context.flush()
        counter.add(unflushed)
        unflushed = 0
    }

    /// Succeeds once the channel can take more writes: at once when it can, else when it says so
    /// (or closes).
    func writable() -> EventLoopFuture<Void> {
        // Removed from the pipeline (the channel closed): nothing left to wait for.
        guard let context else { return eventLoop.makeSucceededVoidFuture() }
        if context.channel.isWritable || !context.channel.isActive { return context.eventLoop.makeSucceededVoidFuture() }
        let promise = context.eventLoop.makePromise(of: Void.self)
        writabilityWaiters.append(promise)
        return promise.futureResult
    }

    private func releaseWaiters() {
        let waiters = writabilityWaiters
        writabilityWaiters.removeAll()
        for waiter in waiters { waiter.succeed() }
    }
}

/// The datagrams a server has sent, counted once per flush.
final class SentCounter: Sendable {
    private let count = Atomic<Int>(0)

    func add(_ sent: Int) {
        count.add(sent, ordering: .relaxed)
    }

    var value: Int { count.load(ordering: .relaxed) }
}
