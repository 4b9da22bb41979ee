/// Which way a datagram travels between a client and its server.
public enum Direction: String, Sendable, Hashable, CaseIterable {
    /// Client → server.
    case toServer = "to server"
    /// Server → client.
    case toClient = "to client"
}
