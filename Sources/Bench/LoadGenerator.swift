import CBenchSupport
import Foundation
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Many UDP sockets on 127.0.0.1 standing in for clients: registers them with a server (the
/// address-token handshake included), then counts what arrives, with epoll and recvmmsg.
///
/// Not thread-safe: one thread at a time uses it (hence `@unchecked Sendable`, so it can be
/// handed to the thread that runs the measurement).
public final class LoadGenerator: @unchecked Sendable {
    /// The sockets.
    public private(set) var sockets: [Int32] = []
    /// Their ports.
    public private(set) var ports: [Int] = []
    private let epoll: Int32
    private var receiveBuffer = [UInt8](repeating: 0, count: 64 * 4096)
    private var lengths = [Int32](repeating: 0, count: 64)
    private var early = 0
    /// The global index of socket 0.
    public let firstIndex: Int
    private var earlyFirst: Double?

    /// Sockets bound per loopback address: 127.0.0.1 for the first, then 127.0.0.2, ... (one
    /// address has about 28,000 ephemeral ports; 100,000 clients need several).
    public static let socketsPerAddress = 20_000

    /// The address of socket `index`, in host order: 127.0.0.1 + index / ``socketsPerAddress``.
    static func host(of index: Int) -> UInt32 { 0x7F00_0001 + UInt32(index / socketsPerAddress) }

    /// Opens `count` sockets (raising the open-file limit as needed: as root, the hard limit too).
    /// `firstIndex`: the global index of the first socket, when several generator processes
    /// share one benchmark (addresses and matches follow the global index).
    /// With `group`, each socket instead binds the group's port (address reuse on, so that all
    /// can) and joins the group, standing in for a receiver on the network (Spec §4.11).
    public init(count: Int, firstIndex: Int = 0, receiveBuffer: Int32 = 1 << 20, group: (address: String, port: Int)? = nil) throws {
        self.firstIndex = firstIndex
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        let wanted = rlim_t(count + 256)
        if limit.rlim_cur < wanted {
            if limit.rlim_max < wanted && geteuid() == 0 { limit.rlim_max = wanted }
            limit.rlim_cur = min(wanted, limit.rlim_max)
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 || limit.rlim_cur < wanted {
                throw BenchError(
                    "cannot raise the open-file limit to \(wanted) (hard limit \(limit.rlim_max); raising the hard limit needs CAP_SYS_RESOURCE): one generator process holds at most \(limit.rlim_max - 256) clients"
                )
            }
        }
        epoll = bench_epoll_create()
        guard epoll >= 0 else { throw BenchError.system("epoll_create1") }
        for index in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw BenchError.system("socket") }
            var size = receiveBuffer
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            var address = Self.loopback(port: 0, host: Self.host(of: firstIndex + index))
            if let group {
                var on: Int32 = 1
                var off: Int32 = 0
                // IP_MULTICAST_ALL (linux/in.h), which Glibc does not export.
                let ipMulticastAll: Int32 = 49
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
                setsockopt(fd, Int32(IPPROTO_IP), ipMulticastAll, &off, socklen_t(MemoryLayout<Int32>.size))
                address = Self.loopback(port: group.port, host: 0)
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw BenchError.system("bind") }
            if let group {
                var membership = ip_mreqn()
                membership.imr_multiaddr.s_addr = inet_addr(group.address)
                guard setsockopt(fd, Int32(IPPROTO_IP), IP_ADD_MEMBERSHIP, &membership, socklen_t(MemoryLayout<ip_mreqn>.size)) == 0 else {
                    throw BenchError.system("join \(group.address) (IP_ADD_MEMBERSHIP)")
                }
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            _ = bench_epoll_add(epoll, fd, UInt32(sockets.count))
            sockets.append(fd)
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
    }

    deinit {
        for fd in sockets { close(fd) }
        close(epoll)
    }

    static func loopback(port: Int, host: UInt32 = 0x7F00_0001) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = host.bigEndian
        return address
    }

    func send(_ bytes: [UInt8], from index: Int, to port: Int) {
        var address = Self.loopback(port: port)
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(sockets[index], buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// Reads every waiting datagram, calling `handle(socket index, bytes)`; waits up to `timeout` ms for the first.
    @discardableResult
    func drain(timeout: Int32, handle: (Int, ArraySlice<UInt8>) -> Void) -> Int {
        var indexes = [UInt32](repeating: 0, count: 256)
        let ready = bench_epoll_wait(epoll, &indexes, Int32(indexes.count), timeout)
        guard ready > 0 else { return 0 }
        var count = 0
        for slot in indexes.prefix(Int(ready)) {
            let index = Int(slot)
            // recvmmsg: up to 64 datagrams of up to 4 KiB per system call.
            while true {
                let n = receiveBuffer.withUnsafeMutableBufferPointer { buffer in
                    lengths.withUnsafeMutableBufferPointer { bench_recvmmsg(sockets[index], buffer.baseAddress, 64, 4096, $0.baseAddress) }
                }
                if n <= 0 { break }
                for slot in 0..<Int(n) {
                    handle(index, receiveBuffer[(slot * 4096)..<(slot * 4096 + Int(lengths[slot]))])
                }
                count += Int(n)
            }
        }
        return count
    }

    /// Registers every socket with the server on `port`, asking for `format`; the
    /// challenge/token round trip included, resending to the unwelcomed ones round after round.
    /// Throws if some are still unwelcomed after `seconds` (a slow or busy server gets that long).
    /// With `matches`, socket *i* asks for match `matches[i % matches.count]` (Spec §4.9); without, any.
    /// With `delivery` `.group`, each asks for its events from the server's multicast group (Spec §4.11).
    public func register(
        serverPort: Int, format: BodyFormat, matches: [UInt32] = [], seconds: Double = 20,
        delivery: RegisterRequest.Delivery = .unicast, subscriberToken: [UInt8] = [], keyShare: [UInt8] = [],
        counting accept: (ArraySlice<UInt8>) -> Bool
    ) throws {
        var welcomed = [Bool](repeating: false, count: sockets.count)
        var remaining = sockets.count
        // As a real client does: offering the standard dictionary (a 62-byte welcome, not 1.1 KB).
        let dictionaries = [CompressionDictionary.standard.id]
        // Each socket is its own subscription, with its own identifier (Spec §2.1), as real clients are.
        let subscriptions = (0..<sockets.count).map { _ in UInt64.random(in: 1...UInt64.max) }
        let selectors = matches.isEmpty ? [RegisterRequest.anyMatch] : matches
        let plains = try selectors.map { match in
            try Frame(
                body: .register(
                    RegisterRequest.padded(
                        formats: [format], dictionaries: dictionaries, match: match, delivery: delivery, subscriberToken: subscriberToken,
                        keyShare: keyShare))
            )
            .encoded()
        }
        func stamped(_ index: Int) -> [UInt8] {
            var copy = plains[(firstIndex + index) % plains.count]
            FrameHeader.stamp(subscriptions[index], into: &copy)
            return copy
        }
        let deadline = Self.now() + seconds
        var rounds = 0
        var undecodable = 0
        var encodingError: (any Error)?
        while remaining > 0 && Self.now() < deadline {
            rounds += 1
            var index = 0
            while index < sockets.count {
                // In windows of 512, so that the server's socket buffer is never overrun.
                let window = index..<min(index + 512, sockets.count)
                for i in window where !welcomed[i] { send(stamped(i), from: i, to: serverPort) }
                var quiet = 0
                while quiet < 3 && remaining > 0 {
                    let got = drain(timeout: 20) { i, bytes in
                        // The stream starts as soon as the last client is welcomed: count what comes early.
                        if accept(bytes) {
                            self.early += 1
                            if self.earlyFirst == nil { self.earlyFirst = Self.now() }
                            return
                        }
                        // A sealed welcome (Spec/ENCRYPTION.md) welcomes as well: the generator counts, it does not open.
                        if SealedFrame.isSealed(Array(bytes)), bytes[bytes.startIndex + 3] == FrameKind.welcome.rawValue {
                            if !welcomed[i] {
                                welcomed[i] = true
                                remaining -= 1
                            }
                            return
                        }
                        let frame: Frame
                        do {
                            frame = try Frame.decode(Array(bytes))
                        } catch {
                            undecodable += 1  // Reported if registration then fails.
                            return
                        }
                        switch frame.body {
                        case .challenge(let challenge):
                            do {
                                let again = try Frame(
                                    body: .register(
                                        RegisterRequest.padded(
                                            formats: [format], token: challenge.token,
                                            dictionaries: dictionaries,
                                            match: selectors[(self.firstIndex + i) % selectors.count],
                                            delivery: delivery, subscriberToken: subscriberToken, keyShare: keyShare)),
                                    subscription: subscriptions[i]
                                ).encoded()
                                self.send(again, from: i, to: serverPort)
                            } catch {
                                encodingError = error
                            }
                        case .welcome:
                            if !welcomed[i] {
                                welcomed[i] = true
                                remaining -= 1
                            }
                        default:
                            break
                        }
                    }
                    quiet = got == 0 ? quiet + 1 : 0
                }
                index = window.upperBound
            }
        }
        if let encodingError { throw BenchError("cannot encode a register with the server's token: \(encodingError)") }
        guard remaining == 0 else {
            throw BenchError(
                "\(remaining) of \(sockets.count) sockets were never welcomed by 127.0.0.1:\(serverPort) within \(seconds) s (\(rounds) register rounds, \(undecodable) undecodable replies)"
            )
        }
    }

    /// Registers every socket as an original-protocol client (Spec §8: the 8 bytes `register`,
    /// which the server never answers): sends it from each socket, in windows of 512, and again
    /// round after round until the stream begins (the server kicks off once every one is
    /// registered, `--wait-for-clients`; a register lost in a full socket buffer is sent again).
    /// Throws if no event came within `seconds`.
    public func registerOriginal(serverPort: Int, seconds: Double = 20, counting accept: (ArraySlice<UInt8>) -> Bool) throws {
        let register = Array("register".utf8)
        let deadline = Self.now() + seconds
        var rounds = 0
        while early == 0 && Self.now() < deadline {
            rounds += 1
            var index = 0
            while index < sockets.count && early == 0 {
                let window = index..<min(index + 512, sockets.count)
                for i in window { send(register, from: i, to: serverPort) }
                drain(timeout: 5) { _, bytes in self.countEarly(bytes, accept) }
                index = window.upperBound
            }
            // The stream begins once every register is in: wait a moment for its first event.
            let settle = Self.now() + 1.0
            while early == 0 && Self.now() < settle { drain(timeout: 50) { _, bytes in self.countEarly(bytes, accept) } }
        }
        guard early > 0 else {
            throw BenchError(
                "no event came from 127.0.0.1:\(serverPort) within \(seconds) s after \(rounds) rounds of original-protocol registers from \(sockets.count) sockets"
            )
        }
    }

    private func countEarly(_ bytes: ArraySlice<UInt8>, _ accept: (ArraySlice<UInt8>) -> Bool) {
        guard accept(bytes) else { return }
        early += 1
        if earlyFirst == nil { earlyFirst = Self.now() }
    }

    /// What the receivers counted.
    public struct Reception: Sendable {
        /// Datagrams received.
        public var datagrams = 0
        /// Seconds from the first to the last datagram.
        public var seconds = 0.0
        /// CPU seconds the receiving thread used.
        public var cpuSeconds = 0.0
        /// When the first and the last datagram arrived (CLOCK_MONOTONIC, comparable across processes).
        public var first: Double?
        public var last: Double?
    }

    /// Counts datagrams until `expected` arrived, or nothing came for `idle` seconds after the first
    /// (or `patience` seconds before it). `accept` filters what counts (e.g. event frames only).
    public func receive(expected: Int, idle: Double = 1.0, patience: Double = 30, accept: (ArraySlice<UInt8>) -> Bool) -> Reception {
        var reception = Reception()
        let startCPU = Self.threadCPU()
        let start = Self.now()
        var first: Double? = earlyFirst
        var last = start
        reception.datagrams = early
        early = 0
        earlyFirst = nil
        while reception.datagrams < expected {
            let now = Self.now()
            if let first, now - last > idle, now > first { break }
            if first == nil, now - start > patience { break }
            drain(timeout: 50) { _, bytes in
                guard accept(bytes) else { return }
                reception.datagrams += 1
                last = Self.now()
                if first == nil { first = last }
            }
        }
        reception.seconds = last - (first ?? last)
        reception.first = first
        reception.last = first == nil ? nil : last
        reception.cpuSeconds = Self.threadCPU() - startCPU
        return reception
    }

    /// Records when each event first arrived at socket 0, by the kernel's receive timestamp
    /// (SO_TIMESTAMPNS, CLOCK_REALTIME seconds: comparable across processes, and independent
    /// of when this thread got to read it), by sequence number, until `expected` distinct events
    /// came, or nothing came for `idle` seconds after the first (or `patience` before it): a
    /// probe's view, from which the delay a relay adds is the difference with a probe of its upstream.
    public func arrivals(expected: Int, idle: Double = 1.0, patience: Double = 30) -> [UInt32: Double] {
        var seen: [UInt32: Double] = [:]
        guard let fd = sockets.first, bench_enable_timestamps(fd) == 0 else { return seen }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var indexes = [UInt32](repeating: 0, count: 8)
        let start = Self.now()
        var last = start
        while seen.count < expected {
            let now = Self.now()
            if !seen.isEmpty, now - last > idle { break }
            if seen.isEmpty, now - start > patience { break }
            guard bench_epoll_wait(epoll, &indexes, Int32(indexes.count), 50) > 0 else { continue }
            while true {
                var when = 0.0
                let length = buffer.withUnsafeMutableBufferPointer { bench_recv_timestamped(fd, $0.baseAddress, Int32($0.count), &when) }
                guard length >= 0 else { break }
                last = Self.now()
                guard length >= FrameHeader.size, FrameHeader.kind(in: buffer) == .event, when > 0 else { continue }
                let sequence = buffer.withUnsafeBytes { FrameHeader.sequence(in: $0) }
                if seen[sequence] == nil { seen[sequence] = when }
            }
        }
        return seen
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func threadCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

extension LoadGenerator {
    /// Runs `work` (blocking socket calls) on a thread of its own and awaits its result, so the
    /// cooperative thread pool, which may be running a server in this very process, is never
    /// blocked by it.
    public static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.name = "load-generator"
            thread.start()
        }
    }
}
