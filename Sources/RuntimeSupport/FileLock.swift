import Foundation
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock(2)` on an open file, the one way this project claims a file for a
/// process (a data directory's `lock`, a log file): released by the kernel however the process
/// ends, and never by another open of the same file elsewhere in the process.
package enum FileLock {
    /// Why a lock was not taken.
    package enum Failure: Error {
        /// Another open file description holds it: its process, when /proc/locks says.
        case held(by: Int32?)
        /// The system refused for another reason (errno's words).
        case failed(String)
    }

    /// Takes the lock on `descriptor` without waiting.
    package static func exclusive(_ descriptor: CInt) -> Result<Void, Failure> {
        guard flock(descriptor, LOCK_EX | LOCK_NB) != 0 else { return .success(()) }
        let reason = errno
        guard reason == EWOULDBLOCK else { return .failure(.failed(String(cString: strerror(reason)))) }
        return .failure(.held(by: holder(of: descriptor)))
    }

    /// The pid holding an flock on the file open at `descriptor`, from `/proc/locks` (lines such
    /// as `1: FLOCK  ADVISORY  WRITE 4242 08:01:1318 0 EOF`), matched by inode; nil when unknown.
    package static func holder(of descriptor: CInt) -> Int32? {
        var info = stat()
        // No table: the holder is only unnamed.
        guard fstat(descriptor, &info) == 0, let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]),
                let inode = fields[5].split(separator: ":").last.flatMap({ UInt64($0) }), inode == UInt64(info.st_ino)
            else { continue }
            return pid
        }
        return nil
    }
}
