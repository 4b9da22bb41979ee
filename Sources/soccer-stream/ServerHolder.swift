import Streaming
import Synchronization

/// Holds the demo's server once bound, so that Ctrl+C can stop it.
final class ServerHolder: Sendable {
    private let server = Mutex<StreamServer?>(nil)
    private let stopped = Mutex(false)

    func set(_ value: StreamServer) {
        let stopNow = stopped.withLock { $0 }
        server.withLock { $0 = value }
        if stopNow { value.stop() }
    }

    func stop() {
        stopped.withLock { $0 = true }
        server.withLock { $0 }?.stop()
    }
}
