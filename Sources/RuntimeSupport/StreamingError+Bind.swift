import NIOCore
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamingError {
    /// The error for a UDP socket that could not be bound to `host`:`port`: "address already in
    /// use" said plainly (with `busyHint`, when given), anything else as NIO reported it.
    package static func cannotBind(_ host: String, _ port: Int, _ error: any Error, busyHint: String = "") -> StreamingError {
        if let error = error as? IOError, error.errnoCode == EADDRINUSE {
            return StreamingError(.socket, "cannot bind UDP \(host):\(port): address already in use\(busyHint)")
        }
        return StreamingError(.socket, "cannot bind UDP \(host):\(port): \(error)")
    }
}
