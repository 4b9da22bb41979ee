import CDatagram
import Logging
import NIOCore
import RuntimeSupport
import Synchronization
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// The server's channel handler, and the one way the server writes.
///
/// Inbound, it hands each datagram to the server's logic and writes the replies, flushing once
/// per read burst (`channelReadComplete`), so a registration storm read with `recvmmsg` is
/// answered with `sendmmsg`. Outbound, the fan-out and the end frames write through the same
/// ``write(_:to:)`` and ``flush()``: every datagram is queued in one ``DatagramSender`` and a
/// flush sends them with `sendmmsg` from its slab (NIO's own queue takes only what a full socket
/// does not). It also turns writability changes into futures, so the
/// producer waits for the socket without polling. Event-loop bound: used only on its loop.
package final class ServerChannelHandler: ChannelInboundHandler {
    package typealias InboundIn = AddressedEnvelope<ByteBuffer>
    package typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// Answers one datagram: the replies to send.
    package typealias Answer = @Sendable (_ bytes: [UInt8], _ from: SocketAddress) -> [OutboundDatagram]

    private let answer: Answer
    private let counter: SentCounter
    private let logger: Logger
    private let metrics: any DatagramTallies
    /// Told where each read burst begins and ends: the server batches its log lines and tells
    /// the client count's watchers there, so every burst's end must reach it.
    private let bursts: any ReadBursts
    /// Inside a read burst (between its first `channelRead` and `channelReadComplete`).
    private var inBurst = false
    /// Every datagram the server sends is queued here, then sent by ``flush()``.
    private let sender: DatagramSender
    private let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?
    private var writabilityWaiters: [EventLoopPromise<Void>] = []

    package init(
        eventLoop: any EventLoop, counter: SentCounter, socket: CInt, logger: Logger, metrics: any DatagramTallies,
        bursts: any ReadBursts, answer: @escaping Answer
    ) {
        self.bursts = bursts
        self.eventLoop = eventLoop
        self.counter = counter
        self.logger = logger
        self.metrics = metrics
        self.sender = DatagramSender(socket: socket)
        self.answer = answer
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        releaseWaiters()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        if !inBurst {
            inBurst = true
            bursts.burstBegan()
        }
        for reply in answer(Array(envelope.data.readableBytesView), envelope.remoteAddress) {
            write(reply.payload, to: reply.address)
        }
    }

    package func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        if inBurst {
            inBurst = false
            bursts.burstEnded()
        }
        context.fireChannelReadComplete()
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { releaseWaiters() }
        context.fireChannelWritabilityChanged()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        releaseWaiters()
        context.fireChannelInactive()
    }

    /// The channel's allocator (the allocator of a fresh one before the handler is added).
    package var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    /// Makes room for a fan-out trip of `datagrams` datagrams and `bytes` bytes.
    package func reserve(datagrams: Int, bytes: Int) {
        sender.reserve(datagrams: datagrams, bytes: bytes)
    }

    /// Queues one datagram; nothing leaves before ``flush()``.
    package func write(_ payload: ByteBuffer, to address: SocketAddress) {
        sender.append(payload, subscription: nil, to: DatagramAddress(address))
    }

    /// Queues a copy of `payload` for a subscribed client: with `subscription`, stamped with
    /// that identifier (Spec §2.1); without, as it is (original protocol).
    package func write(_ payload: ByteBuffer, subscription: UInt64?, to address: DatagramAddress) {
        sender.append(payload, subscription: subscription, to: address)
    }

    /// Queues `body` once in this trip, for the datagrams that send it after their own header
    /// (``write(_:prefix:subscription:body:to:)``).
    package func share(_ body: ByteBuffer) -> DatagramSender.SharedBody {
        sender.share(body)
    }

    /// Queues, for a subscribed client, `payload`'s first `prefix` bytes (stamped with
    /// `subscription` when given: its frame header; 0 for the original protocol) followed by the
    /// trip's shared `body`: the body's bytes are not copied again per client.
    package func write(_ payload: ByteBuffer, prefix: Int, subscription: UInt64?, body: DatagramSender.SharedBody, to address: DatagramAddress) {
        sender.append(payload, prefix: prefix, subscription: subscription, body: body, to: address)
    }

    /// Sends everything queued on the channel's socket at once (`sendmmsg`). What a full socket
    /// does not take goes to NIO's queue instead, which sends it when the socket drains (and
    /// makes the channel unwritable meanwhile, which ``writable()`` waits out); a datagram the
    /// kernel refuses is logged with its address and reason.
    package func flush() {
        guard sender.count > 0 else { return }
        defer { sender.clear() }
        // A closed channel's descriptor may already belong to another file: never write to it.
        guard let context, context.channel.isActive else { return }
        let outcome = sender.send()
        counter.add(outcome.sent)
        if !outcome.unsent.isEmpty {
            for index in outcome.unsent {
                guard let (head, body, address) = sender.parts(at: index), let socketAddress = address.socketAddress else { continue }
                var buffer = context.channel.allocator.buffer(capacity: head.count + body.count)
                buffer.writeBytes(head)
                buffer.writeBytes(body)
                context.write(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: socketAddress, data: buffer)), promise: nil)
            }
            context.flush()
            counter.add(outcome.unsent.count)
        }
        for failure in outcome.failures { sender.untally(failure.index) }
        metrics.sent(datagrams: sender.kindCounts, bytes: sender.kindBytes)
        if let first = outcome.failures.first, let (_, _, address) = sender.parts(at: first.index) {
            let reason = String(cString: strerror(first.code))
            logger.warning(
                "The kernel refused \(outcome.failures.count) datagram(s); the first, to \(address.socketAddress?.display ?? "an unusable address"): \(reason) (errno \(first.code))."
            )
        }
    }

    /// Succeeds once the channel can take more writes: at once when it can, else when it says so
    /// (or closes).
    package func writable() -> EventLoopFuture<Void> {
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
package final class SentCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// A count of zero.
    package init() {}

    package func add(_ sent: Int) {
        count.add(sent, ordering: .relaxed)
    }

    package var value: Int { count.load(ordering: .relaxed) }
}
