#if canImport(Glibc)
import Glibc
#endif

/// Reads whole files for the tools (`validate`, `fixtures --describe`), failing with the
/// reason in plain words (``FileReadError``) where Foundation's `FileManager.contents(atPath:)`
/// gives none and `Data(contentsOf:)` a Cocoa error code.
public enum FileBytes {
    /// The bytes of the file at `path`.
    ///
    /// - Throws: ``FileReadError``: no such file, is a directory, permission denied...
    public static func read(_ path: String) throws(FileReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(path: path, errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileReadError(path: path, errno: errno) }
        if status.st_mode & S_IFMT == S_IFDIR { throw FileReadError(path: path, errno: EISDIR) }
        var bytes: [UInt8] = []
        if status.st_mode & S_IFMT == S_IFREG, status.st_size > 0 { bytes.reserveCapacity(Int(status.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileReadError(path: path, errno: errno)
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}
