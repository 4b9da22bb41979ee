import Capture
import ClientEngine
import GroupSigning
import Match
import RuntimeSupport
import ServerEngine
import TerminalUI
import Wire

extension ProcessSignal {
    /// The client stop reason it means (SIGHUP: the terminal closed; the client ends as on SIGTERM).
    public var clientStopReason: ClientStopReason {
        switch self {
        case .interrupt: .interrupted
        case .terminate: .terminated
        case .hangUp: .hangUp
        }
    }
}
