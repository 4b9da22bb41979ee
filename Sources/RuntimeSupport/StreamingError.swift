import Wire

/// An error of the streaming layer: what failed, and a message that says where and why.
public struct StreamingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A broad classification.
    public enum Code: String, Sendable, Hashable {
        /// A log or statistics file could not be opened.
        case fileUnavailable
        /// The socket could not be bound or used.
        case socket
        /// The configuration is not usable.
        case configuration
        /// The server never answered (`client --list`).
        case noAnswer
        /// Another process holds the data directory (``DataDirectoryLock``).
        case dataDirectoryInUse
    }

    /// What failed.
    public var code: Code
    /// Why, with the details.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
