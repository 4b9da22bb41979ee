#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Turns SIGINT and SIGTERM into calls of a handler (instead of killing the process), so
/// a client can unregister and write its statistics, and a server can send the end frames.
public final class SignalWatcher: @unchecked Sendable {
    // DispatchSource is thread-safe but not marked Sendable; the sources are only created
    // here and cancelled in `cancel()`.
    private let sources: [DispatchSourceSignal]

    /// Starts watching; `handler` receives `SIGINT` or `SIGTERM`, on a background queue.
    public init(handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "soccer-stream.signals")
        sources = [SIGINT, SIGTERM].map { number in
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
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The client stop reason for a signal.
    public static func stopReason(for signal: Int32) -> ClientStopReason {
        signal == SIGINT ? .interrupted : .terminated
    }
}
