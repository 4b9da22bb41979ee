import RuntimeSupport
import ClientEngine
import TerminalUI
import ServerEngine
import Wire
import Match
import GroupSigning
import Capture
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
