import CDatagram
import NIOCore
import RuntimeSupport
import Wire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends a fan-out trip's datagrams with `sendmmsg`, straight from one reusable slab.
///
/// NIO's datagram channel costs, per datagram, an `AddressedEnvelope`, a pending-write record
/// and the conversion of a ``SocketAddress`` (with retains and releases of each), which at
/// 10,000 clients was most of the gap to the C ceiling. Here a trip's datagrams are copied
/// into one slab (each SoccerStream copy stamped with its client's subscription identifier),
/// each described by its offset, length and its client's ``DatagramAddress`` (built once at
/// subscription), and handed to the kernel 1,024 per system call. The slab and the
/// descriptions are kept and reused, so a trip allocates nothing once they have grown to the
/// largest trip. Replies to registrations queue here too, so a read burst's answers leave in
/// one `sendmmsg`. Event-loop bound, like the channel whose socket it writes.
package final class DatagramSender {
    /// Sends up to `count` datagrams from `slab`: how many the kernel took (at least 1), or -1
    /// with `errno` set (`soccer_send_datagrams`, unless a test injects the kernel's answers).
    package typealias SendDatagrams = (
        _ socket: CInt, _ slab: UnsafePointer<UInt8>, _ datagrams: UnsafePointer<soccer_datagram>, _ count: CUnsignedInt
    ) -> CInt

    /// A datagram the kernel refused (anything but a full socket).
    package struct Failure: Sendable, Equatable {
        /// Its position in the trip.
        package var index: Int
        /// The `errno` the kernel gave.
        package var code: CInt
    }

    /// What ``send()`` did.
    package struct Outcome: Sendable, Equatable {
        /// Datagrams the kernel took.
        package var sent = 0
        /// Datagrams it refused, each skipped (the rest of the trip still goes).
        package var failures: [Failure] = []
        /// Datagrams not attempted because the socket's buffer was full (EAGAIN, ENOBUFS):
        /// the caller queues these where they wait for the socket to drain.
        package var unsent: Range<Int> = 0..<0
    }

    private let socket: CInt
    private let sendDatagrams: SendDatagrams
    private var slab = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var datagrams = UnsafeMutableBufferPointer<soccer_datagram>(start: nil, count: 0)
    /// Datagrams queued in this trip.
    package private(set) var count = 0
    /// Slab bytes in use.
    private var used = 0
    /// Slab bytes this trip's datagrams take (each shared body once).
    package var slabBytesInUse: Int { used }
    /// Datagrams and bytes queued, per slot of ``DatagramKind/names`` (frame kind, or 0
    /// for the original protocol): what the metrics count at each flush.
    package private(set) var kindCounts = [Int](repeating: 0, count: DatagramKind.names.count)
    package private(set) var kindBytes = [Int](repeating: 0, count: DatagramKind.names.count)

    /// A sender writing to `socket`, through `sendDatagrams`.
    package init(socket: CInt, sendDatagrams: @escaping SendDatagrams = { soccer_send_datagrams($0, $1, $2, $3) }) {
        self.socket = socket
        self.sendDatagrams = sendDatagrams
    }

    deinit {
        slab.deallocate()
        datagrams.deallocate()
    }

    /// Makes room for `datagrams` more datagrams of `bytes` bytes in all (a hint: more still fit).
    package func reserve(datagrams more: Int, bytes: Int) {
        grow(toHold: count + more, bytes: used + bytes)
    }

    /// Forgets every queued datagram (after ``send()``, once its unsent ones are taken care of).
    package func clear() {
        count = 0
        used = 0
        for slot in kindCounts.indices where kindCounts[slot] != 0 {
            kindCounts[slot] = 0
            kindBytes[slot] = 0
        }
    }

    /// Datagram `index`'s slot of ``DatagramKind/names``.
    package func kindSlot(at index: Int) -> Int {
        guard let (head, body, _) = parts(at: index) else { return 0 }
        return Self.slot(head: head, body: body)
    }

    /// The slot of the datagram made of `head` then `body`: from its first byte and its kind
    /// byte (offset 3), wherever they lie.
    @inline(__always)
    private static func slot(head: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) -> Int {
        guard head.count + body.count >= 4 else { return 0 }
        func byte(_ offset: Int) -> UInt8 { offset < head.count ? head[offset] : body[offset - head.count] }
        return DatagramKind.slot(firstByte: byte(0), kindByte: byte(3), length: head.count + body.count)
    }

    /// A shared body's bytes in the slab.
    private func sharedBytes(_ body: SharedBody) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: slab.baseAddress.map { $0 + Int(body.offset) }, count: Int(body.length))
    }

    /// Takes a datagram that the kernel refused out of the tallies.
    package func untally(_ index: Int) {
        guard let (head, body, _) = parts(at: index) else { return }
        let slot = kindSlot(at: index)
        kindCounts[slot] -= 1
        kindBytes[slot] -= head.count + body.count
    }

    /// Queues `payload` for `address`; with `subscription`, the copy carries that identifier
    /// in its header (Spec §2.1), else it is sent as it is (an original-protocol datagram).
    package func append(_ payload: ByteBuffer, subscription: UInt64?, to address: DatagramAddress) {
        append(payload, prefix: payload.readableBytes, subscription: subscription, body: nil, to: address)
    }

    /// A body queued once in this trip's slab, which any number of datagrams send after their
    /// own bytes (``append(_:prefix:subscription:body:to:)``): a JSON event's body is the same
    /// for every JSON and original-protocol client, only the 23-byte header differs.
    package struct SharedBody: Sendable, Equatable {
        fileprivate var offset: UInt32
        /// Its length in bytes.
        package var length: UInt32
    }

    /// Queues `body` once, for the datagrams of this trip that share it.
    package func share(_ body: ByteBuffer) -> SharedBody {
        let length = body.readableBytes
        grow(toHold: count, bytes: used + length)
        let offset = used
        if let start = slab.baseAddress.map({ $0 + offset }) {
            body.withUnsafeReadableBytes { bytes in
                if let source = bytes.baseAddress { start.copyMemory(from: source, byteCount: length) }
            }
        }
        used += length
        return SharedBody(offset: UInt32(offset), length: UInt32(length))
    }

    /// Queues a datagram of `payload`'s first `prefix` bytes (stamped with `subscription` when
    /// given: a frame header) followed by `body` (queued once by ``share(_:)``), for `address`.
    /// With `prefix` 0 and no subscription it is the shared body alone (an original-protocol datagram).
    package func append(_ payload: ByteBuffer, prefix: Int, subscription: UInt64?, body: SharedBody?, to address: DatagramAddress) {
        let length = min(prefix, payload.readableBytes)
        grow(toHold: count + 1, bytes: used + length)
        guard let start = slab.baseAddress.map({ $0 + used }) else { return }
        if length > 0 {
            payload.withUnsafeReadableBytes { bytes in
                guard let source = bytes.baseAddress else { return }
                start.copyMemory(from: source, byteCount: length)
            }
        }
        if let subscription {
            FrameHeader.stamp(subscription, into: UnsafeMutableRawBufferPointer(start: start, count: length))
        }
        datagrams[count] = soccer_datagram(
            offset: UInt32(used), length: UInt32(length), shared_offset: body?.offset ?? 0, shared_length: body?.length ?? 0,
            address_length: address.length, reserved: 0, address: address.storage)
        let head = UnsafeRawBufferPointer(start: start, count: length)
        let total = length + Int(body?.length ?? 0)
        let slot = Self.slot(head: head, body: body.map { sharedBytes($0) } ?? UnsafeRawBufferPointer(start: nil, count: 0))
        kindCounts[slot] += 1
        kindBytes[slot] += total
        used += length
        count += 1
    }

    /// Sends every queued datagram, as many per system call as the kernel takes, until all are
    /// sent or the socket's buffer is full. A datagram the kernel refuses for another reason is
    /// reported and skipped. The queue stays as it is until ``clear()``.
    package func send() -> Outcome {
        var outcome = Outcome()
        guard count > 0, let slabBase = slab.baseAddress, let base = datagrams.baseAddress else { return outcome }
        let bytes = UnsafePointer(slabBase.assumingMemoryBound(to: UInt8.self))
        var next = 0
        while next < count {
            let result = sendDatagrams(socket, bytes, base + next, CUnsignedInt(count - next))
            if result > 0 {
                next += Int(result)
                outcome.sent += Int(result)
                continue
            }
            let code = result == 0 ? EAGAIN : errno
            switch code {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK, ENOBUFS:
                outcome.unsent = next..<count
                return outcome
            default:
                outcome.failures.append(Failure(index: next, code: code))
                next += 1
            }
        }
        return outcome
    }

    /// Datagram `index` of this trip, as queued (stamped): its own bytes, the shared body it
    /// sends after them (empty when none), and its address; for the caller to queue elsewhere.
    package func parts(at index: Int) -> (head: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, address: DatagramAddress)? {
        guard index >= 0, index < count, let base = slab.baseAddress else { return nil }
        let datagram = datagrams[index]
        return (
            UnsafeRawBufferPointer(start: base + Int(datagram.offset), count: Int(datagram.length)),
            sharedBytes(SharedBody(offset: datagram.shared_offset, length: datagram.shared_length)),
            DatagramAddress(storage: datagram.address, length: datagram.address_length)
        )
    }

    /// Datagram `index` of this trip, whole (a copy: for tests and reports, not the send path).
    package func datagram(at index: Int) -> (bytes: [UInt8], address: DatagramAddress)? {
        parts(at: index).map { (Array($0.head) + Array($0.body), $0.address) }
    }

    /// Grows the descriptions and the slab to hold `datagrams` datagrams and `bytes` bytes,
    /// keeping what is queued (offsets, not pointers, so nothing needs moving but the bytes).
    private func grow(toHold wanted: Int, bytes: Int) {
        if wanted > datagrams.count {
            let grown = UnsafeMutableBufferPointer<soccer_datagram>.allocate(capacity: max(wanted, datagrams.count * 2, 64))
            if count > 0, let old = datagrams.baseAddress, let new = grown.baseAddress {
                new.moveInitialize(from: old, count: count)
            }
            datagrams.deallocate()
            datagrams = grown
        }
        if bytes > slab.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes, slab.count * 2, 64 << 10), alignment: 16)
            if used > 0, let old = slab.baseAddress { grown.baseAddress?.copyMemory(from: old, byteCount: used) }
            slab.deallocate()
            slab = grown
        }
    }
}
