import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Fault injection for tests (`server --crash-after-logging N`, `--crash-after-sending N`): a
/// count of events past a point of the event's path (written to the store, handed to the
/// transport) at which the process kills itself with SIGKILL, as a power cut or `kill -9`
/// would. It sits in the store and the fan-out it names, not in the stream loop; without the
/// hidden options there is none.
public final class CrashPoint: Sendable {
    /// The events counted before the crash.
    public let limit: Int
    private let what: String
    private let option: String
    private let logger: Logger
    private let total = Atomic<Int>(0)

    /// A crash once `limit` events are counted (none without a limit); `what` names the point
    /// ("logging", "sending") and `option` the flag that set it, for the log's last line.
    public init?(after limit: Int?, what: String, option: String, logger: Logger) {
        guard let limit else { return nil }
        self.limit = limit
        self.what = what
        self.option = option
        self.logger = logger
    }

    /// Counts `events` more; at the limit, logs it and kills this process.
    public func passed(_ events: Int) {
        let now = total.add(events, ordering: .relaxed).newValue
        guard now >= limit else { return }
        logger.critical("Crashing on purpose after \(what) \(now) events (\(option)).")
        kill(getpid(), SIGKILL)
    }
}
