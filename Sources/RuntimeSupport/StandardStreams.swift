import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to standard output (file descriptor 1), safe from any task.
public enum StandardOutput {
    /// Writes `text` whole (a screen, a message: a failure here is nothing to stop for).
    public static func write(_ text: String) {
        _ = writeWhole(text, to: STDOUT_FILENO)
    }

    /// Writes `text` whole, or says why it could not: for output that is the command's result
    /// (an export, a feed, a report), which a full disk must not lose silently.
    ///
    /// - Throws: ``StreamingError`` (`fileUnavailable`) with the system's reason.
    public static func writeAll(_ text: String) throws(StreamingError) {
        if let failed = writeWhole(text, to: STDOUT_FILENO) {
            throw StreamingError(.fileUnavailable, "cannot write to standard output: \(String(cString: strerror(failed)))")
        }
    }
}

/// Unbuffered writes to standard error (file descriptor 2), safe from any task.
public enum StandardError {
    /// Writes `text` whole.
    public static func write(_ text: String) {
        _ = writeWhole(text, to: STDERR_FILENO)
    }
}

/// Writes `text` whole to `descriptor` (its UTF-8 bytes, as below).
private func writeWhole(_ text: String, to descriptor: CInt) -> Int32? {
    writeWhole(Array(text.utf8), to: descriptor)
}

/// Writes `bytes` whole to `descriptor`, retrying short and interrupted writes; the errno of a
/// failure (ENOSPC for a write that takes nothing), nil when it is all written. The one write
/// loop of standard output, standard error and the log files.
package func writeWhole(_ bytes: [UInt8], to descriptor: CInt) -> Int32? {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return written < 0 ? errno : ENOSPC }
        offset += written
    }
    return nil
}
