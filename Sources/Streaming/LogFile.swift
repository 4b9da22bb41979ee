#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// A log file shared by any number of loggers (the demo's three clients write one
/// client.log, as the original's three clients did). Lines are written whole, under a lock.
public final class LogFile: Sendable {
    private let descriptor: Mutex<Int32>
    /// The file's path.
    public let path: String

    /// Opens `path` for writing, truncating it unless `append`.
    ///
    /// - Throws: ``StreamingError`` when the file cannot be opened.
    public init(path: String, append: Bool = false) throws(StreamingError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            throw StreamingError(.fileUnavailable, "cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.descriptor = Mutex(fd)
    }

    deinit {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
        }
    }

    /// Appends `text` as it is.
    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        descriptor.withLock { fd in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// A logger labelled `label` that writes to this file.
    public func logger(label: String, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: label) { _ in FileLogHandler(file: self, label: label) }
        logger.logLevel = level
        return logger
    }

    /// The current UTC time as `2026-11-25 01:20:00.123`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        let millis = Int(now.tv_nsec / 1_000_000)
        let text = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text + "." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis)
    }
}

/// A swift-log handler writing `[time] (label) LEVEL message key=value` lines to a ``LogFile``.
public struct FileLogHandler: LogHandler {
    let file: LogFile
    let label: String
    /// Metadata added to every line.
    public var metadata: Logger.Metadata = [:]
    /// The least severe level written.
    public var logLevel: Logger.Level = .info

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
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let level = event.level == .info ? "" : "\(event.level.rawValue.uppercased()) "
        file.write("[\(LogFile.timestamp())] (\(label)) \(level)\(event.message)\(extra)\n")
    }
}
