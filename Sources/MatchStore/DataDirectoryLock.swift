import Foundation
import Match
import RuntimeSupport
import ServerEngine
import Synchronization
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// One process's exclusive claim on a data directory (its match log, group signing key and
/// reset key), held from start to exit, as PostgreSQL's `postmaster.pid` and Kafka's `.lock`
/// guard theirs: two servers (or a server and relays) sharing one data directory would resume
/// each other's matches and clash on the log.
///
/// The claim is an `flock(2)` (``FileLock``) on the file `lock` in the directory, which also holds the owner's
/// pid for the message a second process gets. The kernel drops the lock when the process exits,
/// however it exits (`kill -9` included), so a crash never leaves a stale lock behind; the file
/// itself stays (removing it would race with a process taking it).
public final class DataDirectoryLock: Sendable {
    /// The lock file's name in the data directory.
    public static let fileName = "lock"
    /// The directory claimed.
    public let directory: String
    /// The lock file's descriptor, -1 once released.
    private let descriptor: Mutex<CInt>

    private init(directory: String, descriptor: CInt) {
        self.directory = directory
        self.descriptor = Mutex(descriptor)
    }

    deinit { release() }

    /// Gives the directory up (closing the lock file drops the lock); later calls do nothing.
    public func release() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
    }

    /// Claims `directory` (made when missing) for this process.
    ///
    /// - Throws: ``StreamingError`` (`fileUnavailable`) when the directory cannot be made or the
    ///   lock file opened, and (`dataDirectoryInUse`) when another process holds it, naming the
    ///   directory and that process's pid and suggesting `--data-dir`.
    public static func acquire(directory: String) throws(StreamingError) -> DataDirectoryLock {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StreamingError(.fileUnavailable, "cannot create the data directory \(directory): \(StreamingError.plain(error))")
        }
        let path = (directory as NSString).appendingPathComponent(fileName)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StreamingError(.fileUnavailable, "cannot open the data directory's lock file \(path): \(String(cString: strerror(errno)))")
        }
        if case .failure(let failure) = FileLock.exclusive(descriptor) {
            let holder = Self.holder(descriptor)
            close(descriptor)
            switch failure {
            case .failed(let reason):
                throw StreamingError(.fileUnavailable, "cannot lock the data directory \(directory): \(reason)")
            case .held(let pid):
                throw StreamingError(
                    .dataDirectoryInUse,
                    "the data directory \(directory) is in use by another process\((holder ?? pid).map { " (pid \($0))" } ?? ""); "
                        + "a data directory belongs to one server or relay: give this one its own with --data-dir DIR (or --data-dir none)")
            }
        }
        let pid = Array("\(getpid())\n".utf8)
        let written = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        guard written == pid.count, ftruncate(descriptor, off_t(pid.count)) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw StreamingError(.fileUnavailable, "cannot write this process's pid to \(path): \(reason)")
        }
        return DataDirectoryLock(directory: directory, descriptor: descriptor)
    }

    /// The pid written in the lock file by its holder, if it reads as one.
    private static func holder(_ descriptor: CInt) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
