import Logging
import Synchronization
import Wire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A log file shared by any number of loggers (the demo's three clients write one
/// client.log, as the original's three clients did). Lines are written whole, under a lock.
///
/// Nothing a user owns is lost through it:
/// - it is **opened only by ``start(_:)``**, which a command calls once its socket, data
///   directory and inputs are ready; lines logged before are held in memory and written then
///   (a process that fails to start never touches the file);
/// - it is opened **for append**, never truncated, and each start writes a header line;
/// - it **belongs to one process at a time** (an exclusive ``FileLock``): a second process
///   given the same path gets an error naming the holder;
/// - a **failed write** is kept (``failure``): the first one's path and reason, for the command
///   to report once and to exit non-zero with; later lines are still tried (the disk may free up).
public final class LogFile: Sendable {
    private enum State {
        /// Not started: lines waiting (at most ``pendingLimit``; beyond, the oldest are dropped and counted).
        case pending([String], dropped: Int)
        case open(Int32)
        case closed
    }

    /// The file's state, and the batch open on it (``beginBatch()``), under one lock.
    private let state = Mutex(Guarded(mode: .pending([], dropped: 0)))
    /// A batch writes what it holds early past this many bytes.
    package static let batchLimit = 64 << 10
    private let firstFailure = Mutex<(message: String?, count: Int)>((nil, 0))
    /// The least severe level written, for every logger of this file (a reload may change it).
    private let minimum = Atomic<UInt8>(UInt8(Logger.Level.allCases.firstIndex(of: .info) ?? 0))
    /// The file's path.
    public let path: String
    /// Whether ``start(_:)`` claims the file for this process (a log; a statistics file that
    /// several clients append their blocks to is shared).
    public let exclusive: Bool
    private struct Guarded {
        var mode: State
        var batch = Batch()
    }

    /// An open batch: how deep, and the lines it holds.
    private struct Batch {
        var depth = 0
        var held: [UInt8] = []

        /// Writes the held lines out (``LogFile/append(_:to:)``), keeping the buffer for the next
        /// batch; the `errno` of a failed write.
        mutating func flush(to mode: inout State) -> Int32? {
            defer { held.removeAll(keepingCapacity: true) }
            return LogFile.append(held, to: &mode)
        }
    }

    /// Lines held before ``start(_:)`` at most.
    package static let pendingLimit = 10_000

    /// A log file at `path`, not opened yet (``start(_:)`` opens it), claimed for this process
    /// when `exclusive`.
    public init(path: String, exclusive: Bool = true) {
        self.path = path
        self.exclusive = exclusive
    }

    deinit {
        state.withLock { guarded in
            if case .open(let fd) = guarded.mode { close(fd) }
        }
    }

    /// Opens the file for append (creating it), claims it for this process (when exclusive),
    /// writes `header` (if any) and then the lines logged so far.
    ///
    /// - Throws: ``StreamingError`` (`fileUnavailable`) when it cannot be opened (the reason in
    ///   plain words) or another process writes it (naming that process's pid).
    public func start(_ header: String?) throws(StreamingError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StreamingError(.fileUnavailable, "cannot open the log file \(path) for writing: \(String(cString: strerror(errno)))")
        }
        if exclusive, case .failure(let failure) = FileLock.exclusive(descriptor) {
            close(descriptor)
            switch failure {
            case .failed(let reason):
                throw StreamingError(.fileUnavailable, "cannot lock the log file \(path): \(reason)")
            case .held(let pid):
                throw StreamingError(
                    .fileUnavailable,
                    "the log file \(path) is being written by another process\(pid.map { " (pid \($0))" } ?? ""); "
                        + "give this one its own with --log-file FILE")
            }
        }
        // The header, then the lines held, before any line logged from now on (one lock).
        let failed: Int32? = state.withLock { guarded in
            var first: [String] = header.map { ["[\(Self.timestamp())] ---- \($0) ----\n"] } ?? []
            if case .pending(let lines, let dropped) = guarded.mode {
                first += lines + (dropped > 0 ? ["[\(Self.timestamp())] (log) \(dropped) earlier line(s) held before the start were dropped\n"] : [])
            }
            guarded.mode = .open(descriptor)
            return writeWhole(Array(first.joined().utf8), to: descriptor)
        }
        if let failed { noteFailure(failed) }
    }

    /// Opens the path again (SIGHUP, after logrotate moved the file away), keeping the lines
    /// flowing; an error leaves the old file in use and is returned in plain words.
    public func reopen() -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return "cannot open the log file \(path) again: \(String(cString: strerror(errno)))" }
        // Still the same file (nothing moved it away): nothing to do.
        let same = state.withLock { guarded -> Bool in
            guard case .open(let current) = guarded.mode else { return false }
            var old = stat()
            var new = stat()
            return fstat(current, &old) == 0 && fstat(descriptor, &new) == 0 && old.st_dev == new.st_dev && old.st_ino == new.st_ino
        }
        if same {
            close(descriptor)
            return nil
        }
        if exclusive, case .failure(let failure) = FileLock.exclusive(descriptor) {
            close(descriptor)
            switch failure {
            case .held(let pid):
                return
                    "the log file \(path) is now written by another process\(pid.map { " (pid \($0))" } ?? ""); still writing the one opened before"
            case .failed(let reason):
                return "cannot lock the log file \(path) again: \(reason); still writing the one opened before"
            }
        }
        state.withLock { guarded in
            if case .open(let old) = guarded.mode { close(old) }
            guarded.mode = .open(descriptor)
        }
        return nil
    }

    /// The first write that failed, with the path and the system's reason; nil while all succeed.
    public var failure: String? { firstFailure.withLock { $0.message } }
    /// Writes that failed so far.
    public var failedWrites: Int { firstFailure.withLock { $0.count } }

    /// Appends `text` (whole lines) as it is: held in memory before ``start(_:)``; in a batch,
    /// written when the batch closes.
    public func write(_ text: String) {
        write { $0 += text.utf8 }
    }

    /// Appends what `build` writes (whole lines), as ``write(_:)`` does: inside a batch,
    /// straight into the batch's buffer, so a line costs no buffer of its own
    /// (``FileLogHandler`` builds every line this way).
    public func write(_ build: (inout [UInt8]) -> Void) {
        let failed: Int32? = state.withLock { guarded in
            guard guarded.batch.depth > 0 else {
                var lines: [UInt8] = []
                lines.reserveCapacity(128)
                build(&lines)
                return Self.append(lines, to: &guarded.mode)
            }
            build(&guarded.batch.held)
            guard guarded.batch.held.count >= Self.batchLimit else { return nil }
            return guarded.batch.flush(to: &guarded.mode)
        }
        if let failed { noteFailure(failed) }
    }

    /// Opens a batch: lines written until the matching ``endBatch()`` (from any thread) are
    /// written together, with one system call, when it closes. The server opens one per burst
    /// of datagrams it reads, whose answers log a few lines each (a registration storm: three
    /// lines per client), so a burst costs one write instead of one per line. Batches nest.
    public func beginBatch() {
        state.withLock { $0.batch.depth += 1 }
    }

    /// Closes a batch opened by ``beginBatch()``; the outermost writes what the batch holds.
    public func endBatch() {
        let failed: Int32? = state.withLock { guarded in
            guarded.batch.depth = max(0, guarded.batch.depth - 1)
            guard guarded.batch.depth == 0, !guarded.batch.held.isEmpty else { return nil }
            return guarded.batch.flush(to: &guarded.mode)
        }
        if let failed { noteFailure(failed) }
    }

    /// Appends `bytes` (whole lines) now: to the file, or held in memory before ``start(_:)``;
    /// the `errno` of a failed write.
    private static func append(_ bytes: [UInt8], to mode: inout State) -> Int32? {
        switch mode {
        case .pending(var lines, var dropped):
            lines.append(String(decoding: bytes, as: UTF8.self))
            if lines.count > pendingLimit {
                lines.removeFirst()
                dropped += 1
            }
            mode = .pending(lines, dropped: dropped)
            return nil
        case .closed:
            return nil
        case .open(let fd):
            return writeWhole(bytes, to: fd)
        }
    }

    /// Keeps a failed write (`errno`): counted, and the first said once on standard error.
    private func noteFailure(_ failed: Int32) {
        let first: String? = firstFailure.withLock { failures in
            failures.count += 1
            guard failures.message == nil else { return nil }
            failures.message = "cannot write to the log file \(path): \(String(cString: strerror(failed)))"
            return failures.message
        }
        // Said once, on standard error: the one channel left when the log itself fails.
        if let first { StandardError.write("error: \(first); going on without it (the exit status will say so)\n") }
    }

    /// A logger labelled `label` that writes to this file.
    public func logger(label: String, level: Logger.Level? = nil) -> Logger {
        if let level { self.level = level }
        return Logger(label: label) { _ in FileLogHandler(file: self, label: label) }
    }

    /// The least severe level written, by every logger of this file (info unless set): by ``logger(label:level:)``,
    /// and again by a reloaded configuration (SIGHUP) while the process runs.
    public var level: Logger.Level {
        get {
            let index = Int(minimum.load(ordering: .relaxed))
            return Logger.Level.allCases.indices.contains(index) ? Logger.Level.allCases[index] : .info
        }
        set { minimum.store(UInt8(Logger.Level.allCases.firstIndex(of: newValue) ?? 0), ordering: .relaxed) }
    }

    /// The current UTC time as `2026-11-25 01:20:00.123`.
    package static func timestamp() -> String {
        var text: [UInt8] = []
        appendTimestamp(to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// The last second formatted (as `2026-11-25 01:20:00`), shared by every log line of that second.
    private static let formattedSecond = Mutex<(second: Int, text: [UInt8])>((-1, []))

    /// Appends the current UTC time as `2026-11-25 01:20:00.123` to `line`: the date and time
    /// formatted once a second (a storm of registrations logs thousands of lines a second), the
    /// milliseconds each time.
    package static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        formattedSecond.withLock { cached in
            if cached.second != Int(now.tv_sec) {
                var seconds = now.tv_sec
                var parts = tm()
                gmtime_r(&seconds, &parts)
                var buffer = [CChar](repeating: 0, count: 32)
                let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
                cached = (Int(now.tv_sec), buffer.prefix(count).map { UInt8(bitPattern: $0) })
            }
            line.append(contentsOf: cached.text)
        }
        let millis = Int(now.tv_nsec / 1_000_000)  // 0...999
        line.append(UInt8(ascii: "."))
        line.append(UInt8(ascii: "0") + UInt8(millis / 100 % 10))
        line.append(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(millis % 10))
    }
}

/// A swift-log handler writing `[time] (label) LEVEL message key=value` lines to a ``LogFile``.
public struct FileLogHandler: LogHandler {
    package let file: LogFile
    package let label: String
    /// Metadata added to every line.
    public var metadata: Logger.Metadata = [:]
    /// The least severe level written: the file's (``LogFile/level``), shared by its loggers.
    public var logLevel: Logger.Level {
        get { file.level }
        set { file.level = newValue }
    }

    /// Creates a handler.
    public init(file: LogFile, label: String) {
        self.file = file
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Names and phrases in messages come from feeds and upstreams: no control character of
        // theirs reaches whoever reads the log in a terminal (TerminalText).
        let message = TerminalText.escapedLines(event.message.description)
        var extra: String?
        if !metadata.isEmpty || !(event.metadata?.isEmpty ?? true) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            extra = TerminalText.escaped(" " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        // Built as bytes, straight into the file's batch: a registration storm logs thousands of lines a second.
        file.write { line in
            line.append(UInt8(ascii: "["))
            LogFile.appendTimestamp(to: &line)
            line += "] (".utf8
            line += label.utf8
            line += ") ".utf8
            if event.level != .info {
                line += event.level.rawValue.uppercased().utf8
                line.append(UInt8(ascii: " "))
            }
            line += message.utf8
            if let extra { line += extra.utf8 }
            line.append(UInt8(ascii: "\n"))
        }
    }
}
