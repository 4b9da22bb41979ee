import CommandSettings
import Logging
import Streaming

extension ServingOptions {
    /// SIGHUP with a configuration file: reads the settings again, applies to the running server
    /// what may change live (``LiveSetting``, and the log level), and logs what needs a restart.
    /// A file that no longer reads or checks changes nothing; the error is logged.
    static func reload(
        server: StreamServer, log: LogFile, logger: Logger, file: String, current: SettingsRecord,
        reload: @Sendable () async throws -> (ServerConfiguration, Logger.Level, [LayeredSetting])
    ) async {
        do {
            let (configuration, level, settings) = try await reload()
            var applied = try server.reload(configuration).map(\.rawValue)
            let newLevel = level != log.level
            if newLevel { applied.append("log-level") }
            let live = Set(LiveSetting.allCases.map(\.rawValue) + ["log-level"])
            // Recorded once applied: a reload that fails leaves the record as the server runs.
            let changed = current.replace(with: settings)
            let restart = changed.filter { !live.contains($0) }.sorted()
            logger.info(
                "Configuration \(file) reloaded: \(applied.isEmpty ? "nothing that applies live changed" : "applied " + applied.sorted().joined(separator: ", "))\(restart.isEmpty ? "" : "; changed but applied only by a restart: " + restart.joined(separator: ", "))."
            )
            // Said at the level it was asked at, then the new level applies.
            if newLevel { log.level = level }
        } catch {
            logger.error("Configuration \(file) not reloaded: \(error); the running settings stay.")
        }
    }
}
