import Logging
import RuntimeSupport
import ServerEngine

extension StreamServer {
    /// What a configuration file, read again, says: the configuration, the log level, and the
    /// keys whose settings changed since the last read (recorded by `changedKeys` only when
    /// called: a reload that fails leaves the record as the server runs).
    public struct Reloaded {
        public var configuration: ServerConfiguration
        public var level: Logger.Level
        public var changedKeys: () -> [String]

        public init(configuration: ServerConfiguration, level: Logger.Level, changedKeys: @escaping () -> [String]) {
            (self.configuration, self.level, self.changedKeys) = (configuration, level, changedKeys)
        }
    }

    /// SIGHUP with a configuration file: reads the settings again (`read`), applies to the
    /// running server what may change live (``LiveSetting``, and the log level of `log`), and
    /// logs what needs a restart. A file that no longer reads or checks changes nothing; the
    /// error is logged.
    public func reload(file: String, log: LogFile, _ read: () async throws -> Reloaded) async {
        do {
            let reloaded = try await read()
            var applied = try reload(reloaded.configuration).map(\.rawValue)
            let newLevel = reloaded.level != log.level
            if newLevel { applied.append("log-level") }
            let live = Set(LiveSetting.allCases.map(\.rawValue) + ["log-level"])
            let restart = reloaded.changedKeys().filter { !live.contains($0) }.sorted()
            logger.info(
                "Configuration \(file) reloaded: \(applied.isEmpty ? "nothing that applies live changed" : "applied " + applied.sorted().joined(separator: ", "))\(restart.isEmpty ? "" : "; changed but applied only by a restart: " + restart.joined(separator: ", "))."
            )
            // Said at the level it was asked at, then the new level applies.
            if newLevel { log.level = reloaded.level }
        } catch {
            logger.error("Configuration \(file) not reloaded: \(error); the running settings stay.")
        }
    }
}
