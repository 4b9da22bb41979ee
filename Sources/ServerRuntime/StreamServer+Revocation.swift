import GroupSigning
import Logging
import RuntimeSupport
import ServerEngine

// The revocation list kept current while the server runs (Spec/TOKENS.md, "Revocation").
extension StreamServer {
    /// Reads the revocation list file again (`--revocations`) and cuts off every subscriber it
    /// now revokes: each is unsubscribed and sent a refuse frame saying why, at once. A file that
    /// no longer reads changes nothing: the list in force stays, and the error is logged.
    /// Nothing happens without `--require-token` and a list file.
    public func reloadRevocations(because why: String) {
        guard let file = configuration.revocationFile, configuration.tokenAdmission != nil else { return }
        let (read, message) = RevocationList.reread(file, because: why)
        guard let list = read else {
            logger.error("\(message)")
            return
        }
        logger.info("\(message)")
        let core = self.core
        send { core.applyRevocations(list) }
    }

    /// Reads the revocation list again each time its file changes, until the watch is cancelled.
    package func watchRevocations(_ watch: FileWatch) async {
        for await _ in watch.changes { reloadRevocations(because: "the file changed") }
    }
}
