import CDatagram
import NIOCore
import Streaming
import Testing
import Wire

@testable import DatagramTransport

#if canImport(Glibc)
import Glibc
#endif

@Suite("Datagram sender (the fan-out's sendmmsg path)")
struct DatagramSenderTests {
    /// A frame-sized payload: 23 header bytes of `fill`, then `tail`.
    static func payload(_ fill: UInt8, length: Int = 40) -> ByteBuffer {
        ByteBuffer(bytes: [UInt8](repeating: fill, count: length))
    }

    static let address = DatagramAddress(try! SocketAddress(ipAddress: "127.0.0.1", port: 9))

    /// A kernel that takes at most `perCall` datagrams a call, answers each call from `script`
    /// (nil: take them; an errno: refuse with it), and records every datagram it took.
    final class ScriptedKernel: @unchecked Sendable {
        var script: [CInt?]
        let perCall: Int
        var calls = 0
        var taken: [[UInt8]] = []

        init(perCall: Int, script: [CInt?] = []) {
            self.perCall = perCall
            self.script = script
        }

        func send(_ slab: UnsafePointer<UInt8>, _ datagrams: UnsafePointer<soccer_datagram>, _ count: CUnsignedInt) -> CInt {
            calls += 1
            if !script.isEmpty, let code = script.removeFirst() {
                errno = code
                return -1
            }
            let batch = min(Int(count), perCall)
            for index in 0..<batch {
                let datagram = datagrams[index]
                taken.append(
                    Array(UnsafeBufferPointer(start: slab + Int(datagram.offset), count: Int(datagram.length)))
                        + Array(UnsafeBufferPointer(start: slab + Int(datagram.shared_offset), count: Int(datagram.shared_length))))
            }
            return CInt(batch)
        }
    }

    static func sender(_ kernel: ScriptedKernel) -> DatagramSender {
        DatagramSender(socket: -1) { _, slab, datagrams, count in kernel.send(slab, datagrams, count) }
    }

    @Test("each copy is stamped with its client's identifier; original-protocol copies are sent as they are")
    func stamping() {
        let kernel = ScriptedKernel(perCall: 1024)
        let sender = Self.sender(kernel)
        sender.append(Self.payload(0xAA), subscription: 0x0102_0304_0506_0708, to: Self.address)
        sender.append(Self.payload(0xBB), subscription: nil, to: Self.address)
        #expect(sender.send() == .init(sent: 2))
        #expect(kernel.taken.count == 2)
        #expect(FrameHeader.subscription(in: kernel.taken[0]) == 0x0102_0304_0506_0708)
        #expect(kernel.taken[0].prefix(FrameHeader.subscriptionOffset).allSatisfy { $0 == 0xAA })
        #expect(kernel.taken[1] == [UInt8](repeating: 0xBB, count: 40))
    }

    @Test("a shared body is queued once: each datagram is its own stamped header, or nothing, then that body")
    func sharedBody() {
        let kernel = ScriptedKernel(perCall: 1024)
        let sender = Self.sender(kernel)
        let frame = ByteBuffer(bytes: [UInt8](repeating: 0xAA, count: FrameHeader.size) + Array("{\"body\":1}".utf8))
        var bodyBytes = frame
        bodyBytes.moveReaderIndex(forwardBy: FrameHeader.size)
        let body = sender.share(bodyBytes)
        for index in 0..<1000 {
            sender.append(frame, prefix: FrameHeader.size, subscription: UInt64(index), body: body, to: Self.address)
        }
        sender.append(frame, prefix: 0, subscription: nil, body: body, to: Self.address)
        #expect(sender.send() == .init(sent: 1001))
        #expect(kernel.taken.count == 1001)
        #expect(kernel.taken.prefix(1000).map { FrameHeader.subscription(in: $0) } == (0..<1000).map(UInt64.init))
        #expect(kernel.taken.prefix(1000).allSatisfy { $0.count == frame.readableBytes && $0.suffix(10) == Array("{\"body\":1}".utf8).suffix(10) })
        #expect(kernel.taken[1000] == Array("{\"body\":1}".utf8))
        // Queued once: 1,000 headers and one body in the slab, not 1,001 bodies.
        #expect(sender.slabBytesInUse == 1000 * FrameHeader.size + 10)
        // The tallies count what leaves: 1,000 frames (slot of their kind byte, 0xAA is none: 0) and one original datagram.
        #expect(sender.kindBytes.reduce(0, +) == 1000 * frame.readableBytes + 10)
        #expect(sender.datagram(at: 1000)?.bytes == Array("{\"body\":1}".utf8))
    }

    @Test("a trip larger than one system call takes is sent over several calls, in order")
    func severalCalls() {
        let kernel = ScriptedKernel(perCall: 1024)
        let sender = Self.sender(kernel)
        for index in 0..<2500 { sender.append(Self.payload(UInt8(index % 251)), subscription: UInt64(index), to: Self.address) }
        #expect(sender.send() == .init(sent: 2500))
        #expect(kernel.calls == 3)
        #expect(kernel.taken.map { FrameHeader.subscription(in: $0) } == (0..<2500).map(UInt64.init))
    }

    @Test("a full socket stops the trip and names what is left; a refused datagram is skipped and reported")
    func fullAndRefused() {
        let full = ScriptedKernel(perCall: 300, script: [nil, EAGAIN])
        let sender = Self.sender(full)
        for index in 0..<1000 { sender.append(Self.payload(1), subscription: UInt64(index), to: Self.address) }
        let outcome = sender.send()
        #expect(outcome == .init(sent: 300, failures: [], unsent: 300..<1000))
        // What is left is there to be queued elsewhere, stamped as it was.
        #expect(sender.datagram(at: 300).map { FrameHeader.subscription(in: Array($0.bytes)) } == 300)
        #expect(sender.datagram(at: 300)?.address == Self.address)
        #expect(sender.datagram(at: 1000) == nil)

        let refusing = ScriptedKernel(perCall: 4, script: [nil, EINVAL, EINTR])
        let other = Self.sender(refusing)
        for index in 0..<10 { other.append(Self.payload(2), subscription: UInt64(index), to: Self.address) }
        #expect(other.send() == .init(sent: 9, failures: [.init(index: 4, code: EINVAL)]))
        #expect(refusing.taken.map { FrameHeader.subscription(in: $0) } == [0, 1, 2, 3, 5, 6, 7, 8, 9])
    }

    @Test("the slab and descriptions grow past their first size without losing what is queued, and clear for reuse")
    func growth() {
        let kernel = ScriptedKernel(perCall: 1024)
        let sender = Self.sender(kernel)
        // 2,000 datagrams of 100 bytes: past the first 64 descriptions and 64 KiB of slab.
        for index in 0..<2000 { sender.append(Self.payload(UInt8(index % 256), length: 100), subscription: nil, to: Self.address) }
        #expect(sender.count == 2000)
        #expect(
            (0..<2000).allSatisfy { index in sender.datagram(at: index).map { Array($0.bytes) } == [UInt8](repeating: UInt8(index % 256), count: 100)
            })
        sender.clear()
        #expect(sender.count == 0)
        #expect(sender.send() == .init())
        #expect(kernel.calls == 0)
    }

    @Test("addresses keep their kernel form: IPv4 and IPv6 round trip")
    func addresses() throws {
        for address in [try SocketAddress(ipAddress: "127.0.0.7", port: 40000), try SocketAddress(ipAddress: "::1", port: 5555)] {
            let kernel = DatagramAddress(address)
            #expect(kernel.socketAddress == address)
            #expect(kernel.socketAddress?.port == address.port)
        }
    }

    @Test("through a real loopback socket: every datagram arrives, stamped, in order")
    func realSocket() throws {
        let receiver = socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
        let sending = socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
        defer {
            close(receiver)
            close(sending)
        }
        var bound = sockaddr_in()
        bound.sin_family = sa_family_t(AF_INET)
        bound.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &bound) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                try #require(bind(receiver, address, length) == 0)
                try #require(getsockname(receiver, address, &length) == 0)
            }
        }
        var room: CInt = 4 << 20
        setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &room, socklen_t(MemoryLayout<CInt>.size))
        // Bounded: a receive waits at most 5 s (the datagrams are already queued when it reads).
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let target = DatagramAddress(SocketAddress(bound))
        let sender = DatagramSender(socket: sending)
        for index in 0..<100 { sender.append(Self.payload(7), subscription: UInt64(1000 + index), to: target) }
        // Then two-part datagrams: a stamped header and a body shared by all of them.
        var body = Self.payload(9, length: 3000)
        body.moveReaderIndex(forwardBy: FrameHeader.size)
        let shared = sender.share(body)
        // 30 of 3,000 bytes: within the receiver's default buffer.
        for index in 0..<30 { sender.append(Self.payload(8), prefix: FrameHeader.size, subscription: UInt64(2000 + index), body: shared, to: target) }
        #expect(sender.send() == .init(sent: 130))
        var received: [UInt64] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<100 {
            let count = recv(receiver, &buffer, buffer.count, 0)
            try #require(count == 40)
            received.append(FrameHeader.subscription(in: Array(buffer.prefix(count))))
        }
        for _ in 0..<30 {
            let count = recv(receiver, &buffer, buffer.count, 0)
            try #require(count == 3000)
            #expect(buffer[FrameHeader.size..<3000].allSatisfy { $0 == 9 })
            #expect(buffer[0..<FrameHeader.subscriptionOffset].allSatisfy { $0 == 8 })
            received.append(FrameHeader.subscription(in: Array(buffer.prefix(count))))
        }
        #expect(received == (1000..<1100).map(UInt64.init) + (2000..<2030).map(UInt64.init))
    }
}
