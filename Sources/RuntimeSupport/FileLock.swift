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
        /// Another open file description holds it: its process, when /proc says.
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
    /// as `1: FLOCK  ADVISORY  WRITE 4242 08:01:1318 0 EOF`), matched by device and inode; nil
    /// when unknown.
    ///
    /// The kernel lists the table a page at a time, and locks taken or released between two
    /// pages shift the lines, so a line can be missed; the table is read again, at most
    /// ``readings`` times, while the holder is not found.
    /// When the table never shows it, the holder is looked for among the processes' open files
    /// (``holderAmongOpenFiles(of:)``).
    package static func holder(of descriptor: CInt) -> Int32? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        let device = "\(hex(major(info.st_dev))):\(hex(minor(info.st_dev)))"
        for _ in 0..<readings {
            // No table: the holder is looked for the other way.
            guard let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { break }
            for line in table.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]) else { continue }
                let place = fields[5].split(separator: ":")
                guard place.count == 3, UInt64(place[2]) == UInt64(info.st_ino), "\(place[0]):\(place[1])" == device else { continue }
                return pid
            }
        }
        return holderAmongOpenFiles(of: info)
    }

    /// The pid holding an flock on the file open at `descriptor`, found by walking every
    /// process's open files: a descriptor on the same file (same device and inode) whose
    /// `/proc/PID/fdinfo` lists an flock. Slower than `/proc/locks`, so read only when the table
    /// did not say, but each process's lines are its own: no page of a shared table shifts under
    /// it. Nil when no process this one may look into holds it.
    package static func holderAmongOpenFiles(of descriptor: CInt) -> Int32? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return holderAmongOpenFiles(of: info)
    }

    /// ``holderAmongOpenFiles(of:)`` of the file `info` describes (its device and inode).
    private static func holderAmongOpenFiles(of info: stat) -> Int32? {
        // A process or descriptor that is gone, or not ours to look into, is passed over: it
        // only leaves the holder unnamed.
        guard let processes = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for name in processes {
            guard let pid = Int32(name), let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(name)/fd") else {
                continue
            }
            for open in descriptors {
                var target = stat()
                guard stat("/proc/\(name)/fd/\(open)", &target) == 0, target.st_dev == info.st_dev, target.st_ino == info.st_ino,
                    let lines = try? String(contentsOfFile: "/proc/\(name)/fdinfo/\(open)", encoding: .utf8)
                else { continue }
                if lines.split(separator: "\n").contains(where: { $0.hasPrefix("lock:") && $0.contains(" FLOCK ") }) { return pid }
            }
        }
        return nil
    }

    /// How many times ``holder(of:)`` reads the table at most (a full test suite takes and
    /// releases locks often enough to shift the lines three readings running).
    static let readings = 10

    /// A device number's part as /proc/locks prints it (`%02x`).
    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }

    private static func major(_ number: dev_t) -> UInt32 {
        let device = UInt64(number)
        return UInt32(truncatingIfNeeded: ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff)))
    }

    private static func minor(_ number: dev_t) -> UInt32 {
        let device = UInt64(number)
        return UInt32(truncatingIfNeeded: (device & 0xff) | ((device >> 12) & ~UInt64(0xff)))
    }
}
