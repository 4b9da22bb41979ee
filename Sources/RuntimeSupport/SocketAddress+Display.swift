import NIOCore
import Wire

extension SocketAddress {
    /// `127.0.0.1:5000` or `[::1]:5000`, as people write addresses.
    public var display: String {
        guard let ip = ipAddress else { return description }
        let host = self.protocol == .inet6 ? "[\(ip)]" : ip
        return port.map { "\(host):\($0)" } ?? host
    }
}
