#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Turns SIGINT, SIGTERM and SIGHUP into calls of a handler (instead of killing the process),
/// so a client can unregister and write its statistics (SIGHUP: its terminal closed, it ends as
/// on SIGTERM), and a server can send the end frames (SIGHUP: it reloads, daemon-style).
public final class SignalWatcher: @unchecked Sendable {
    // DispatchSource is thread-safe but not marked Sendable; the sources are only created
    // here and cancelled in `cancel()`.
    private let sources: [DispatchSourceSignal]

    /// The signals watched.
    public static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Starts watching; `handler` receives `SIGINT`, `SIGTERM` or `SIGHUP`, on a background queue.
    public init(handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "soccer-stream.signals")
        sources = Self.watched.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Stops watching and restores the default actions.
    public func cancel() {
        for source in sources { source.cancel() }
        for number in Self.watched { signal(number, SIG_DFL) }
    }

    /// The client stop reason for a signal.
    public static func stopReason(for signal: Int32) -> ClientStopReason {
        signal == SIGINT ? .interrupted : signal == SIGHUP ? .hangUp : .terminated
    }
}
