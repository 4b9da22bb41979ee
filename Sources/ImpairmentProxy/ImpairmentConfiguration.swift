import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import Synchronization
import Wire

/// How a ``ImpairmentProxy`` runs.
public struct ImpairmentConfiguration: Sendable {
    /// The address the relay listens on (clients send here instead of to the server).
    public var host = "127.0.0.1"
    /// The port it listens on (0: any free one).
    public var port = 0
    /// The server's host and port.
    public var server = "127.0.0.1"
    public var serverPort = 12345
    /// Client → server impairments.
    public var toServer = Impairment()
    /// Server → client impairments.
    public var toClient = Impairment()
    /// The seed of every random choice: the same seed and traffic give the same impairments.
    public var seed: UInt64 = 1
    /// Impair only event frames (and original-protocol JSON datagrams); every other datagram is
    /// neither lost nor duplicated, and goes after the longest delay (delay + jitter), after any
    /// event held for reordering, so it never overtakes an event; and nothing forwarded after
    /// it goes before it (a welcome reaches the client before the first events, however close
    /// together a loaded machine forwards them). For exact tests of the statistics.
    public var eventsOnly = false
    /// The most clients relayed at once (each gets a socket of its own toward the server).
    public var maxClients = 20_000

    /// Creates the default configuration: no impairment.
    public init() {}

    /// Checks every setting.
    ///
    /// - Throws: ``StreamingError`` with code `configuration`.
    public func validate() throws(StreamingError) {
        guard (0...65535).contains(port) else { throw StreamingError(.configuration, "port (--port): \(port); expected 0...65535") }
        guard (1...65535).contains(serverPort) else {
            throw StreamingError(.configuration, "server port (--server-port): \(serverPort); expected 1...65535")
        }
        guard maxClients >= 1 else { throw StreamingError(.configuration, "most clients: \(maxClients); expected 1 or more") }
        try toServer.validate(direction: "to the server")
        try toClient.validate(direction: "to the client")
    }
}
