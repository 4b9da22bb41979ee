import CDatagram
import NIOCore
import Wire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A client's address as the kernel takes it in `sendmmsg`: the bytes of its `sockaddr_in` or
/// `sockaddr_in6`, built once when it subscribes, so that the fan-out copies 32 bytes per
/// datagram instead of converting a ``SocketAddress`` (and retaining its storage) each time.
package struct DatagramAddress: Sendable, Hashable {
    /// Room for a `sockaddr_in6` (28 bytes), the largest address a UDP client has.
    package typealias Storage = (UInt64, UInt64, UInt64, UInt64)

    /// The address bytes, zero-padded.
    package private(set) var storage: Storage = (0, 0, 0, 0)
    /// How many bytes of ``storage`` are the address; 0 for an address `sendmmsg` cannot take
    /// (a Unix-domain path), which the kernel then refuses with an error the sender reports.
    package private(set) var length: UInt32 = 0

    /// The kernel form of `address`.
    package init(_ address: SocketAddress) {
        var storage: Storage = (0, 0, 0, 0)
        let length = address.withSockAddr { pointer, size -> Int in
            guard size <= MemoryLayout<Storage>.size else { return 0 }
            withUnsafeMutableBytes(of: &storage) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: size))
            }
            return size
        }
        self.storage = storage
        self.length = UInt32(length)
    }

    /// An address from its kernel bytes (as ``DatagramSender`` keeps them).
    package init(storage: Storage, length: UInt32) {
        self.storage = storage
        self.length = length
    }

    /// The address back as NIO's type (for the rare datagram that NIO queues instead), or nil
    /// when the bytes are not an IPv4 or IPv6 address.
    package var socketAddress: SocketAddress? {
        withUnsafeBytes(of: storage) { bytes -> SocketAddress? in
            guard length >= 2 else { return nil }
            switch Int32(bytes.load(as: sa_family_t.self)) {
            case AF_INET where length >= UInt32(MemoryLayout<sockaddr_in>.size):
                return SocketAddress(bytes.loadUnaligned(as: sockaddr_in.self))
            case AF_INET6 where length >= UInt32(MemoryLayout<sockaddr_in6>.size):
                return SocketAddress(bytes.loadUnaligned(as: sockaddr_in6.self))
            default:
                return nil
            }
        }
    }

    package static func == (lhs: DatagramAddress, rhs: DatagramAddress) -> Bool {
        lhs.length == rhs.length && lhs.storage.0 == rhs.storage.0 && lhs.storage.1 == rhs.storage.1
            && lhs.storage.2 == rhs.storage.2 && lhs.storage.3 == rhs.storage.3
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(length)
        hasher.combine(storage.0)
        hasher.combine(storage.1)
        hasher.combine(storage.2)
        hasher.combine(storage.3)
    }
}
