import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import Foundation
import GroupSigning
import Match
import MatchStore
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Reads a file or standard input line by line as it grows (`tail -f`), on a thread of its own,
/// without polling: at the end of a file it sleeps in `poll(2)` on an inotify watch of the file
/// (woken by the next write), and on a pipe in `poll(2)` on the pipe; `cancel()` wakes it
/// through a socket pair. Linux-only (inotify), like the rest of the server's I/O.
public final class LineFollower: Sendable {
    /// What the follower yields.
    public enum Item: Sendable, Equatable {
        /// One line, without its newline (a final line without one is yielded at end of input),
        /// and the file offset just past it and its newline (where reading would resume after it).
        case line([UInt8], end: Int)
        /// End of input: a pipe closed, or a file not followed ended.
        case end
        /// Reading failed (the system's reason); nothing more follows.
        case failed(String)
    }

    /// The socket pair's end `cancel()` writes to; the reading thread owns the other.
    private let stopFD: Int32
    /// The items, in order.
    public let items: AsyncStream<Item>

    /// The longest line kept; a longer one is yielded cut at this length (and the feed
    /// decoder refuses it, naming its line).
    public static let maximumLine = 1 << 20

    /// Starts reading `path` (nil or "-": standard input) at byte `offset` (a line's start: where
    /// a resumed feed left off). With `follow`, a regular file named by its path is followed as
    /// it grows until ``cancel()``; otherwise its end ends the items. Standard input is never
    /// watched for growth: a pipe ends when its writer closes it, and a regular file redirected
    /// into it (`--feed - < match.jsonl`) is read to its end (it has no path to watch).
    ///
    /// - Throws: ``StreamingError`` with code `fileUnavailable` when the file cannot be opened or
    ///   watched, or `offset` cannot be reached (past the file's end, or not a regular file).
    public init(path: String?, follow: Bool = true, from offset: Int = 0) throws(StreamingError) {
        let name = path ?? "-"
        let fd: Int32 = (path == nil || path == "-") ? STDIN_FILENO : open(name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StreamingError(.fileUnavailable, "cannot open feed \(name): \(String(cString: strerror(errno)))") }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let why = String(cString: strerror(errno))
            if fd != STDIN_FILENO { close(fd) }
            throw StreamingError(.fileUnavailable, "cannot read feed \(name): \(why)")
        }
        let regular = (status.st_mode & S_IFMT) == S_IFREG
        if offset > 0 {
            guard regular, offset <= Int(status.st_size), lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
                if fd != STDIN_FILENO { close(fd) }
                throw StreamingError(
                    .fileUnavailable,
                    regular
                        ? "cannot resume feed \(name) at byte \(offset): the file has \(status.st_size) bytes (was it replaced or truncated?)"
                        : "cannot resume feed \(name) at byte \(offset): only a regular file can be read from a position")
            }
        }
        var watchFD: Int32 = -1
        if regular && follow && fd != STDIN_FILENO {
            watchFD = inotify_init1(Int32(IN_CLOEXEC))
            guard watchFD >= 0, inotify_add_watch(watchFD, name, UInt32(IN_MODIFY | IN_CLOSE_WRITE)) >= 0 else {
                if fd != STDIN_FILENO { close(fd) }
                throw StreamingError(.fileUnavailable, "cannot watch feed \(name) for growth (inotify): \(String(cString: strerror(errno)))")
            }
        }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw StreamingError(.fileUnavailable, "socketpair: \(String(cString: strerror(errno)))")
        }
        self.stopFD = pair[0]
        let wakeFD = pair[1]
        let (items, continuation) = AsyncStream.makeStream(of: Item.self)
        self.items = items
        let watch = watchFD
        let thread = Thread {
            Self.read(fd: fd, regular: regular, offset: offset, watchFD: watch, stopFD: wakeFD, continuation: continuation)
            if fd != STDIN_FILENO { close(fd) }
            if watch >= 0 { close(watch) }
            close(wakeFD)
        }
        thread.name = "feed \(name)"
        thread.start()
    }

    /// Stops following: the reading thread wakes and ends the items.
    public func cancel() {
        var one: UInt8 = 1
        _ = send(stopFD, &one, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))  // no SIGPIPE once the thread has gone; a full buffer already wakes it
    }

    deinit {
        cancel()
        close(stopFD)
    }

    private static func read(fd: Int32, regular: Bool, offset: Int, watchFD: Int32, stopFD: Int32, continuation: AsyncStream<Item>.Continuation) {
        var pending: [UInt8] = []
        /// The file offset of `pending`'s first byte.
        var pendingStart = offset
        var buffer = [UInt8](repeating: 0, count: 65_536)
        func flushLines() {
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                continuation.yield(.line(Array(pending[start..<newline]), end: pendingStart + newline + 1))
                start = newline + 1
            }
            pendingStart += start
            pending.removeSubrange(..<start)
            if pending.count > maximumLine {
                pendingStart += pending.count
                continuation.yield(.line(Array(pending.prefix(maximumLine)), end: pendingStart))
                pending.removeAll()
            }
        }
        /// Waits until `fd` is readable or a stop arrives; false on stop.
        func wait(for fd: Int32) -> Bool {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
            while true {
                let ready = poll(&fds, 2, -1)
                if ready < 0 && errno == EINTR { continue }
                return ready > 0 && fds[1].revents == 0
            }
        }
        outer: while true {
            if !regular, !wait(for: fd) { break }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if !pending.isEmpty { continuation.yield(.line(pending, end: pendingStart + pending.count)) }
                continuation.yield(.failed(String(cString: strerror(errno))))
                continuation.finish()
                return
            }
            if count > 0 {
                pending.append(contentsOf: buffer[0..<count])
                flushLines()
                continue
            }
            // End of input.
            guard regular, watchFD >= 0 else { break }
            // A followed file: asleep until it is written to again (or a stop).
            guard wait(for: watchFD) else { break }
            var events = [UInt8](repeating: 0, count: 4096)
            _ = events.withUnsafeMutableBytes { Glibc.read(watchFD, $0.baseAddress, $0.count) }  // drained; the next read() sees the growth
            continue outer
        }
        if !pending.isEmpty { continuation.yield(.line(pending, end: pendingStart + pending.count)) }
        continuation.yield(.end)
        continuation.finish()
    }
}
