import NIOCore
import Wire

extension SocketAddress {
    /// `127.0.0.1:5000` or `[::1]:5000`, as people write addresses.
    ///
    /// An IPv4 address is written from its bytes here (the server logs two per registration;
    /// `inet_ntop` formats through `sprintf`); IPv6 goes through NIO's `ipAddress`.
    public var display: String {
        if case .v4(let v4) = self {
            var text: [UInt8] = []
            text.reserveCapacity(21)
            let address = Int(UInt32(bigEndian: v4.address.sin_addr.s_addr))
            Self.appendDecimal(address >> 24 & 0xFF, to: &text)
            text.append(UInt8(ascii: "."))
            Self.appendDecimal(address >> 16 & 0xFF, to: &text)
            text.append(UInt8(ascii: "."))
            Self.appendDecimal(address >> 8 & 0xFF, to: &text)
            text.append(UInt8(ascii: "."))
            Self.appendDecimal(address & 0xFF, to: &text)
            text.append(UInt8(ascii: ":"))
            Self.appendDecimal(Int(UInt16(bigEndian: v4.address.sin_port)), to: &text)
            return String(decoding: text, as: UTF8.self)
        }
        guard let ip = ipAddress else { return description }
        let host = self.protocol == .inet6 ? "[\(ip)]" : ip
        return port.map { "\(host):\($0)" } ?? host
    }

    /// Appends `value` (0 or more) in decimal.
    private static func appendDecimal(_ value: Int, to text: inout [UInt8]) {
        var divisor = 1
        while divisor * 10 <= value { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
