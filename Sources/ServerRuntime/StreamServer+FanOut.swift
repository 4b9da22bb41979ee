import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Logging
import Match
import MatchStore
import NIOCore
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Wire

// The fan-out: each event encoded once per format, then written to every recipient (and to the multicast group) through the channel handler, in trips of at most a megabyte.
extension StreamServer {
    /// A batch grows no further once it holds this many datagrams...
    package static let maximumBatchDatagrams = 4096
    /// ...or this many bytes.
    package static let maximumBatchBytes = 1 << 20
    /// A fan-out trip copies at most ``maximumBatchBytes`` into the slab and hands the kernel
    /// at most this many bytes (the socket's send buffer: what a full socket leaves over for
    /// NIO's queue stays bounded); JSON bodies are shared, so their trips are bounded here.
    package static let maximumTripWireBytes = 4 << 20

    /// An event encoded and made the latest: who gets it, and how many bytes that is.
    package struct Published {
        package var event: EncodedEvent
        package var recipients: [Subscriber]
        package var bytes: Int
        /// The signed group events for the multicast group (Spec §4.11), if any subscriber takes
        /// them there, each with its format's destination.
        package var group: [(ByteBuffer, DatagramAddress)] = []
    }

    /// Encodes `event` once per delivery in use and makes it the latest; returns it with its recipients.
    package func publish(_ event: MatchEvent, slot: Int) throws -> Published {
        let (sequence, deliveries, roster, catalog, base) = core.state.withLock { state in
            (
                state.matches[slot].nextSequence, state.matches[slot].deliveriesInUse, state.matches[slot].roster, state.matches[slot].catalog,
                state.matches[slot].baseProjection
            )
        }
        var encoded = try EncodedEvent(event: event, sequence: sequence, roster: roster, catalog: catalog, base: base, deliveries: deliveries)
        // The per-delivery counts answer "who needs what" without walking the recipients.
        let (recipients, allCounts, groupCounts, groupDeliveries, matchID, sealing) = core.state.withLock {
            (
                $0.publish(encoded, slot: slot), $0.matches[slot].deliveryCounts, $0.matches[slot].groupCounts,
                $0.matches[slot].groupDeliveries, $0.matches[slot].id, $0.groupSealed ? $0.groupKeys : nil
            )
        }
        if !deliveries.isSuperset(of: allCounts.lazy.filter { $0.value > 0 }.map(\.key)) {
            // A JSON client registered between the encoding and the fan-out (rare): encode it all.
            encoded = try EncodedEvent(event: event, sequence: sequence, roster: roster, catalog: catalog, base: base)
        }
        // Those who take the group get one signed datagram there per format, not one each.
        let counts = allCounts.merging(groupCounts) { $0 - $1 }
        var group: [(ByteBuffer, DatagramAddress)] = []
        if let groupSender, !groupDeliveries.isEmpty {
            group = try groupSender.datagrams(for: encoded, matchID: matchID, deliveries: groupDeliveries, sealing: sealing)
        }
        if logger.logLevel <= .debug {
            for recipient in recipients {
                logger.debug("Sending message \(sequence) to client \(recipient.address.display) (\(recipient.delivery.rawValue)).")
            }
        }
        return Published(
            event: encoded, recipients: recipients, bytes: encoded.bytes(for: counts) + group.reduce(0) { $0 + $1.0.readableBytes },
            group: group)
    }

    /// Part of a published event's recipients: written, with others, in one trip to the event loop.
    private struct Segment: Sendable {
        var event: EncodedEvent
        var recipients: ArraySlice<Subscriber>

        /// How recipient `index` gets its copy (decided here for both the trip's reservation and
        /// its writes): sealed, its own ciphertext; with a shared body, its first `prefix` bytes
        /// and the body queued once; else its payload whole. Either of the last two is stamped
        /// with the subscription's identifier (Spec §2.1), except for the original protocol,
        /// whose datagrams have no header.
        func copy(for index: Int) -> Copy {
            let delivery = recipients[index].delivery
            if let seal = recipients[index].seal { return .sealed(delivery, seal) }
            let stamp = delivery == .original ? nil : recipients[index].subscription
            if let prefix = event.sharedBodyPrefix(for: delivery) { return .shared(delivery, prefix: prefix, stamp: stamp) }
            return .whole(delivery, stamp: stamp)
        }
    }

    /// How one recipient's datagram is made (``Segment/copy(for:)``).
    private enum Copy {
        case sealed(Delivery, SubscriptionSeal)
        case shared(Delivery, prefix: Int, stamp: UInt64?)
        case whole(Delivery, stamp: UInt64?)
    }

    /// Writes each event of `batch` to every recipient and returns when that is sent and the
    /// channel can take more: the producer never runs ahead of the socket, so memory stays flat
    /// at any rate.
    ///
    /// Each SoccerStream client gets its own bytes (its subscription identifier in the header):
    /// the handler's ``DatagramSender`` copies each compact client's frame into its one reused
    /// slab, stamped, and sends the trip with `sendmmsg`, so the cost per client is a copy of
    /// the frame and no allocation. A JSON event's body is the same for every JSON and
    /// original-protocol client: it is queued once per trip, and each such datagram is two parts,
    /// its client's stamped header (none for the original protocol) and that body. A trip
    /// carries at most ``maximumBatchBytes`` of copies and ``maximumTripWireBytes`` for the
    /// kernel (a JSON event to 10,000 clients is 30 MB), then waits for the socket before the
    /// next, and the slab never grows past one trip.
    package func fanOut(_ batch: [Published]) async throws {
        let group = batch.flatMap(\.group)
        if !group.isEmpty {
            // The group first: one datagram per match and format reaches every receiver on the network.
            try await deliver { handler in
                for (datagram, destination) in group { handler.write(datagram, subscription: nil, to: destination) }
            }
        }
        var trip: [Segment] = []
        var tripCopied = 0
        var tripWire = 0
        for published in batch {
            // Per recipient, at most: the bytes copied into the slab (a compact frame, or a JSON
            // client's 23-byte header: its body is shared) and the bytes handed to the kernel.
            let event = published.event
            let copied = max(1, FrameHeader.size, event.compact.readableBytes, event.compactBase.readableBytes)
            let wire = max(copied, event.json.readableBytes, event.jsonBase.readableBytes)
            var start = published.recipients.startIndex
            while start < published.recipients.endIndex {
                let room = max(1, min((Self.maximumBatchBytes - tripCopied) / copied, (Self.maximumTripWireBytes - tripWire) / wire))
                let end = min(published.recipients.endIndex, start + room)
                trip.append(Segment(event: event, recipients: published.recipients[start..<end]))
                tripCopied += (end - start) * copied
                tripWire += (end - start) * wire
                start = end
                if tripCopied >= Self.maximumBatchBytes || tripWire >= Self.maximumTripWireBytes {
                    try await deliverCopies(trip)
                    trip.removeAll(keepingCapacity: true)
                    tripCopied = 0
                    tripWire = 0
                }
            }
        }
        if !trip.isEmpty { try await deliverCopies(trip) }
        // Fault injection (tests only): sent (in the kernel's hands), the next not yet due.
        sendingCrash?.passed(batch.count)
    }

    /// One trip of ``fanOut(_:)``: every copy queued in the handler (one slab, reused), then
    /// sent with `sendmmsg` by the flush.
    private func deliverCopies(_ trip: [Segment]) async throws {
        let metrics = core.metrics
        let logger = logger
        try await deliver { handler in
            // The recipients are read field by field (never a whole Subscriber copied out of the
            // array, which would retain and release its address per datagram).
            var datagrams = 0
            var total = 0
            for segment in trip {
                let recipients = segment.recipients
                var shares = false
                for index in recipients.indices {
                    switch segment.copy(for: index) {
                    case .shared(_, let prefix, _):
                        total += prefix
                        shares = true
                    case .sealed(let delivery, _), .whole(let delivery, _):
                        total += segment.event.payload(for: delivery).readableBytes
                    }
                }
                if shares { total += segment.event.original.readableBytes }
                datagrams += recipients.count
            }
            handler.reserve(datagrams: datagrams, bytes: total)
            metrics.batch(datagrams: datagrams)
            var sealFailures = 0
            var sealError: WireError?
            for segment in trip {
                let recipients = segment.recipients
                // The JSON body every JSON and original client of this event shares: queued once.
                var body: DatagramSender.SharedBody?
                for index in recipients.indices {
                    switch segment.copy(for: index) {
                    case .sealed(let delivery, let seal):
                        // A sealed subscription (Spec/ENCRYPTION.md): its own ciphertext, made here.
                        let stamped = segment.event.payload(for: delivery).stamped(recipients[index].subscription)
                        do throws(WireError) {
                            let sealed = try stamped.sealedBytes(with: seal, counter: 0)
                            handler.write(ByteBuffer(bytes: sealed), subscription: nil, to: recipients[index].datagramAddress)
                        } catch {
                            // Only an event too large for a datagram once sealed fails: counted and
                            // logged, never sent in clear.
                            sealFailures += 1
                            sealError = sealError ?? error
                        }
                    case .shared(let delivery, let prefix, let stamp):
                        let shared = body ?? handler.share(segment.event.original)
                        body = shared
                        handler.write(
                            segment.event.payload(for: delivery), prefix: prefix, subscription: stamp, body: shared,
                            to: recipients[index].datagramAddress)
                    case .whole(let delivery, let stamp):
                        handler.write(segment.event.payload(for: delivery), subscription: stamp, to: recipients[index].datagramAddress)
                    }
                }
            }
            if let sealError {
                metrics.sealFailed(sealFailures)
                logger.error("\(sealFailures) event datagram(s) not sent: they cannot be sealed (\(sealError)).")
            }
        }
    }

    /// Runs `writes` on the event loop through the channel handler, the one way the server
    /// writes; flushes once; then waits, without polling, until the channel is writable.
    /// Replies to datagrams take the same handler's ``ServerChannelHandler/write(_:to:)``.
    package func deliver(_ writes: @escaping @Sendable (ServerChannelHandler) -> Void) async throws {
        let loop = channel.eventLoop
        // On the loop already (the stream loop runs there, EventLoopTaskExecutor): no task to submit.
        try await (loop.inEventLoop ? work(writes)() : loop.flatSubmit(work(writes))).get()
    }

    /// ``deliver(_:)`` after `delay`, on the event loop's timer, not waited for: the future
    /// completes when it has been sent.
    package func schedule(after delay: TimeAmount, _ writes: @escaping @Sendable (ServerChannelHandler) -> Void) -> EventLoopFuture<Void> {
        channel.eventLoop.flatScheduleTask(in: delay, work(writes)).futureResult
    }

    private func work(_ writes: @escaping @Sendable (ServerChannelHandler) -> Void) -> @Sendable () -> EventLoopFuture<Void> {
        let handler = self.handler
        return {
            let value = handler.value
            writes(value)
            value.flush()
            return value.writable()
        }
    }
}
