import GroupSigning
import Logging
import RuntimeSupport
import Synchronization
import Wire

/// Who may see the pages (`web --require-token`): the admission rules, and the revocation list
/// read again whenever its file changes (as a server's is, Spec/TOKENS.md "Revocation"). The
/// token gate reads it for each request; the gateway's sweep ends the event streams whose token
/// no longer stands.
public final class WebAccess: Sendable {
    private let current: Mutex<TokenAdmission>
    /// The revocation list's file, if any (`web --revocations`).
    public let revocationFile: String?

    /// Access under `admission`, its list read again from `revocationFile` when it changes.
    public init(admission: TokenAdmission, revocationFile: String?) {
        current = Mutex(admission)
        self.revocationFile = revocationFile
    }

    /// The rules in force.
    public var admission: TokenAdmission { current.withLock { $0 } }

    /// Why `token` no longer admits its holder at `now` (Unix seconds): revoked or expired; nil
    /// while it stands.
    public func standing(of token: SubscriberToken, now: UInt32) -> TokenRefusal? {
        current.withLock { $0.standing(of: token, now: now) }
    }

    /// Ends the event streams in `hub` whose token no longer stands now (revoked, expired).
    public func cutOff(in hub: GatewayHub) {
        let now = SystemClock().unixSeconds()
        hub.cutOff { standing(of: $0, now: now) }
    }

    /// Reads the revocation list file again; a file that no longer reads changes nothing (the
    /// list in force stays) and is logged.
    public func reload(because why: String, logger: Logger) {
        guard let revocationFile else { return }
        let (read, message) = RevocationList.reread(revocationFile, because: why)
        guard let list = read else {
            logger.error("\(message)")
            return
        }
        current.withLock { $0.revocations = list }
        logger.info("\(message)")
    }
}
