import FileAccess
import Importers

#if canImport(Glibc)
import Glibc
#endif

/// Writing files that must not exist yet: a command's output never replaces a user's file
/// (`import` feeds, `token keygen` keys). Every path is checked before anything is written, and
/// each file is created exclusively (`O_EXCL`), with its mode, and synced.
public enum NewFiles {
    /// Why nothing (or not everything) was written, naming the file.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Writes each `text` to its new `path` with permissions `mode`.
    ///
    /// - Throws: ``Failure`` naming a path given twice or already existing (nothing written), or
    ///   the file that could not be written and why.
    /// `remedy` ends the message for a file that exists.
    public static func write(
        _ files: [(path: String, text: String, mode: mode_t)], remedy: String = "remove it or choose another name"
    ) throws(Failure) {
        let paths = files.map(\.path)
        if let repeated = paths.indices.first(where: { paths[..<$0].contains(paths[$0]) }) {
            throw Failure(description: "two outputs would both be \(paths[repeated]); nothing was written")
        }
        if let existing = paths.first(where: { access($0, F_OK) == 0 }) {
            throw Failure(description: "\(existing) already exists; nothing was written (\(remedy))")
        }
        for file in files {
            let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, file.mode)
            guard descriptor >= 0 else { throw Failure(description: "cannot write \(file.path): \(FileReadError.reason(errno: errno))") }
            defer { close(descriptor) }
            var bytes = Array(file.text.utf8)[...]
            while !bytes.isEmpty {
                let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw Failure(description: "cannot write \(file.path): \(FileReadError.reason(errno: errno))") }
                bytes = bytes.dropFirst(count)
            }
            guard fsync(descriptor) == 0 else { throw Failure(description: "cannot write \(file.path): \(FileReadError.reason(errno: errno))") }
        }
    }
}
