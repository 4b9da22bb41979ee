import Wire

/// Why a client stopped.
public enum ClientStopReason: Sendable, Hashable {
    /// The server sent the end of the match (or `End of transmission`).
    case endOfTransmission(EndReason)
    /// SIGINT (Ctrl+C).
    case interrupted
    /// SIGTERM, or a stop asked for by the program.
    case terminated
    /// SIGHUP: the terminal or SSH session the client ran in closed. It ends as on SIGTERM.
    case hangUp
    /// The server did not answer the register in time.
    case noAnswer(attempts: Int)
    /// The server refused the registration.
    case refused(Refusal)
    /// The server ended the subscription while the match ran: the token expired or was
    /// revoked (Spec §4.5).
    case cutOff(Refusal)
    /// Nothing came from the server for this many seconds.
    case serverSilent(seconds: Int)

    /// The line client_stats.log starts with, in the original's words where it had them.
    public var statisticsLine: String {
        switch self {
        case .endOfTransmission: "(client) Received end of transmission."
        case .interrupted: "(client) Ctrl+C received. Unregistering client."
        case .terminated: "(client) SIGTERM received. Unregistering client."
        case .hangUp: "(client) SIGHUP received (the terminal closed). Unregistering client."
        case .noAnswer(let attempts): "(client) No answer from the server after \(attempts) register attempts."
        case .refused(let refusal): "(client) Registration refused: \(refusal.reason.name): \(refusal.text)"
        case .cutOff(let refusal): "(client) Cut off by the server: \(refusal.reason.name): \(refusal.text)"
        case .serverSilent(let seconds): "(client) Server silent for \(seconds) s. Unregistering client."
        }
    }

    /// Whether the client tells the server it is leaving (it stopped on its own account).
    public var unregisters: Bool {
        switch self {
        case .interrupted, .terminated, .hangUp, .serverSilent: true
        case .endOfTransmission, .noAnswer, .refused, .cutOff: false
        }
    }

    /// A short identifier for JSON output.
    public var name: String {
        switch self {
        case .endOfTransmission: "end_of_transmission"
        case .interrupted: "interrupted"
        case .terminated: "terminated"
        case .hangUp: "hang_up"
        case .noAnswer: "no_answer"
        case .refused: "refused"
        case .cutOff: "cut_off"
        case .serverSilent: "server_silent"
        }
    }
}
