import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells when a file is written, replaced or created, without polling: a thread sleeps in
/// `poll(2)` on an inotify watch of the file's folder (a file replaced by a rename, as editors
/// and `mv` do, is another inode, so the folder is watched and events are kept by name), and
/// `cancel()` wakes it through a socket pair. Linux-only (inotify), like ``LineFollower``.
public final class FileWatch: Sendable {
    /// One element each time the file was closed after writing, moved into place, created or
    /// deleted (several quick changes may come as one); it finishes after ``cancel()``.
    public let changes: AsyncStream<Void>
    private let stopFD: Int32

    /// Starts watching `path`.
    ///
    /// - Throws: ``StreamingError`` with code `fileUnavailable` when its folder cannot be watched.
    public init(path: String) throws(StreamingError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let name = Array(url.lastPathComponent.utf8)
        let watchFD = inotify_init1(Int32(IN_CLOEXEC))
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM)
        guard watchFD >= 0, inotify_add_watch(watchFD, folder, mask) >= 0 else {
            let why = String(cString: strerror(errno))
            if watchFD >= 0 { close(watchFD) }
            throw StreamingError(.fileUnavailable, "cannot watch \(path) for changes (inotify on \(folder)): \(why)")
        }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            close(watchFD)
            throw StreamingError(.fileUnavailable, "socketpair: \(String(cString: strerror(errno)))")
        }
        stopFD = pair[0]
        let wakeFD = pair[1]
        let (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.changes = changes
        let thread = Thread {
            Self.watch(watchFD: watchFD, stopFD: wakeFD, name: name, continuation: continuation)
            close(watchFD)
            close(wakeFD)
        }
        thread.name = "watch \(url.lastPathComponent)"
        thread.start()
    }

    /// Stops watching: the thread wakes and finishes ``changes``.
    public func cancel() {
        var one: UInt8 = 1
        _ = send(stopFD, &one, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
    }

    deinit {
        cancel()
        close(stopFD)
    }

    private static func watch(watchFD: Int32, stopFD: Int32, name: [UInt8], continuation: AsyncStream<Void>.Continuation) {
        defer { continuation.finish() }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var fds = [pollfd(fd: watchFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&fds, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0, fds[1].revents == 0 else { return }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(watchFD, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { return }
            if Self.names(in: buffer[0..<count]).contains(name) { continuation.yield() }
        }
    }

    /// The file names of the inotify events in `bytes` (`struct inotify_event`: wd, mask,
    /// cookie, len, then `len` bytes of name padded with NULs).
    static func names(in bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        var names: [[UInt8]] = []
        var offset = bytes.startIndex
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= bytes.endIndex {
            let length = Int(bytes[(offset + 12)..<(offset + 16)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
            let start = offset + header
            let end = min(start + length, bytes.endIndex)
            names.append(Array(bytes[start..<end].prefix { $0 != 0 }))
            offset = start + length
        }
        return names
    }
}
