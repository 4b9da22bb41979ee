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

/// Holds the clients of a multi-match follow once connected, so that Ctrl+C can stop them all.
final class ClientsHolder: Sendable {
    private let clients = Mutex<[StreamClient]>([])
    private let stopped = Mutex<ClientStopReason?>(nil)

    func set(_ value: [StreamClient]) {
        let reason = stopped.withLock { $0 }
        clients.withLock { $0 = value }
        if let reason { for client in value { client.stop(reason) } }
    }

    func stop(_ reason: ClientStopReason) {
        stopped.withLock { $0 = reason }
        for client in clients.withLock({ $0 }) { client.stop(reason) }
    }
}
