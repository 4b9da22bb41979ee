/// Why the stream ended (end body byte 0).
public enum EndReason: UInt8, Sendable, Hashable, CaseIterable, Codable {
    /// The final whistle.
    case fullTime = 1
    /// The server is shutting down before the end of the match.
    case serverShutdown = 2
    /// Every outfield player has been sent off.
    case abandoned = 3

    /// A lower-case identifier.
    public var name: String {
        switch self {
        case .fullTime: "full_time"
        case .serverShutdown: "server_shutdown"
        case .abandoned: "abandoned"
        }
    }
}
