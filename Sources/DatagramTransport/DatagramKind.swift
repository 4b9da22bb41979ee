import CDatagram
import NIOCore
import RuntimeSupport
import Wire

/// What a sent datagram is, for the counts the metrics keep per kind: slot 0 is the original
/// protocol, 1… the frame kinds (group events and resets included).
public enum DatagramKind {
    /// The label value of each slot.
    public static let names: [String] = ["original"] + FrameKind.allCases.map(\.name)

    /// The slot a datagram's bytes belong to: its frame kind, or 0.
    @inline(__always)
    package static func slot(firstByte: UInt8, kindByte: UInt8, length: Int) -> Int {
        firstByte == FrameHeader.magic.0 && length >= FrameHeader.size && kindByte >= 1 && Int(kindByte) < names.count ? Int(kindByte) : 0
    }
}

/// Where a server's channel handler reports what each flush sent (the server's metrics).
public protocol DatagramTallies: Sendable {
    /// Adds a flush's tallies: datagrams and bytes per slot of ``DatagramKind/names``.
    func sent(datagrams counts: borrowing [Int], bytes sizes: borrowing [Int])
}
