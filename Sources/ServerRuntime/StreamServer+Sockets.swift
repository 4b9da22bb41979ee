import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Logging
import Match
import MatchStore
import NIOCore
import NIOPosix
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Synchronization
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamServer {
    /// Sends what `replies` makes, on the event loop (it runs there), in one flush: replies
    /// that answer no datagram being read (repairs from the log, a relay's source-lost heartbeats).
    package func send(_ replies: @escaping @Sendable () -> [ServerState.Reply]) {
        let handler = self.handler
        channel.eventLoop.execute {
            for reply in replies() { handler.value.write(reply.payload, to: reply.address) }
            handler.value.flush()
        }
    }

    /// A relay's upstreams must resolve, and none may be the relay itself (it would wait on its
    /// own silence forever).
    ///
    /// - Throws: ``StreamingError`` (`configuration`) naming the upstream and why.
    package static func checkUpstreams(_ upstreams: [Upstream], local: SocketAddress) throws(StreamingError) {
        for upstream in upstreams {
            let resolved: SocketAddress
            do {
                resolved = try SocketAddress.makeAddressResolvingHost(upstream.host, port: upstream.port)
            } catch {
                throw StreamingError(.configuration, "upstream (--upstream) \(upstream) does not resolve: \(error)")
            }
            // Its own address, or loopback while it listens on every address (a common port elsewhere is another host's).
            let wildcard = ["0.0.0.0", "::"].contains(local.ipAddress ?? "")
            let own = resolved.ipAddress == local.ipAddress || (wildcard && AddressRange.any(AddressRange.loopback, contains: resolved))
            if resolved.port == local.port && own {
                throw StreamingError(
                    .configuration,
                    "upstream (--upstream) \(upstream) is this relay itself (it listens on \(local.display)); give the server or relay to follow")
            }
        }
    }

    /// A non-blocking UDP socket bound to `host`:`port`, for NIO to adopt.
    package static func boundSocket(host: String, port: Int) throws(StreamingError) -> CInt {
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw StreamingError.cannotBind(host, port, error)
        }
        let socket = Glibc.socket(
            CInt(address.protocol.rawValue), CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else {
            throw StreamingError.cannotBind(host, port, IOError(errnoCode: errno, reason: "socket"))
        }
        let result = address.withSockAddr { pointer, size in Glibc.bind(socket, pointer, socklen_t(size)) }
        guard result == 0 else {
            let error = IOError(errnoCode: errno, reason: "bind")
            close(socket)
            throw StreamingError.cannotBind(host, port, error, busyHint: " (is another server running on that port?)")
        }
        return socket
    }

    /// The machine's host name.
    package static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The number of subscribed clients.
    public var clientCount: Int { core.clientCount }
}
