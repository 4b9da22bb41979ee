import NIOCore
import Wire

extension SocketAddress {
    /// `127.0.0.1:5000` or `[::1]:5000`, as people write addresses.
    ///
    /// An IPv4 address is written from its bytes here (the server logs two per registration;
    /// `inet_ntop` formats through `sprintf`); IPv6 goes through NIO's `ipAddress`.
    public var display: String {
        if case .v4(let v4) = self {
            // At most 21 bytes (`255.255.255.255:65535`), written on the stack.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { text in
                var count = 0
                let address = Int(UInt32(bigEndian: v4.address.sin_addr.s_addr))
                for shift in stride(from: 24, through: 0, by: -8) {
                    if shift < 24 { Self.append(UInt8(ascii: "."), to: text, at: &count) }
                    Self.appendDecimal(address >> shift & 0xFF, to: text, at: &count)
                }
                Self.append(UInt8(ascii: ":"), to: text, at: &count)
                Self.appendDecimal(Int(UInt16(bigEndian: v4.address.sin_port)), to: text, at: &count)
                return String(decoding: UnsafeBufferPointer(rebasing: text[0..<count]), as: UTF8.self)
            }
        }
        guard let ip = ipAddress else { return description }
        let host = self.protocol == .inet6 ? "[\(ip)]" : ip
        return port.map { "\(host):\($0)" } ?? host
    }

    /// Writes `byte` at `count` in `text`, and counts it.
    private static func append(_ byte: UInt8, to text: UnsafeMutableBufferPointer<UInt8>, at count: inout Int) {
        text[count] = byte
        count += 1
    }

    /// Writes `value` (0...65535) in decimal at `count` in `text`, and counts it.
    private static func appendDecimal(_ value: Int, to text: UnsafeMutableBufferPointer<UInt8>, at count: inout Int) {
        var divisor = 1
        while divisor * 10 <= value { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(rest / divisor), to: text, at: &count)
            rest %= divisor
            divisor /= 10
        }
    }
}
