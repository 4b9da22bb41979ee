import Foundation
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamingError {
    /// An error from Foundation's file APIs in plain words ("No such file or directory",
    /// "Permission denied"), not as `NSCocoaErrorDomain Code=…`: the POSIX reason underneath
    /// when there is one, the error's own description otherwise.
    public static func plain(_ error: any Error) -> String {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }
}
