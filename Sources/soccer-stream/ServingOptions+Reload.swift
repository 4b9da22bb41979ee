import ArgumentParser
import CommandSettings
import Logging
import Streaming

/// `server` and `relay`: a configuration from flags, the environment and a file (``CommandLayers``),
/// served until the end, the file read again on SIGHUP.
protocol ServingCommand: AsyncParsableCommand {
    var serving: ServingOptions { get }
    var logFile: String { get }
    var logLevel: Logger.Level { get }
    /// What the command serves with, as its options say.
    func makeConfiguration() throws -> ServerConfiguration
    /// Its name on the terminal, and how to stop it.
    static var what: String { get }
    static var ending: String { get }
}

extension ServingCommand {
    /// Resolves the settings (flag > environment > file > default), serves, and on SIGHUP
    /// resolves them again from the file.
    func serveLayered() async throws {
        let (resolved, configuration) = try await Self.layered(file: serving.config)
        let file = resolved.file
        try await resolved.command.serving.serve(
            configuration, logFile: resolved.command.logFile, logLevel: resolved.command.logLevel, what: Self.what, ending: Self.ending,
            settings: resolved.settings, unknownVariables: resolved.unknownVariables, configFile: file
        ) {
            let (again, configuration) = try await Self.layered(file: file)
            return (configuration, again.command.logLevel, again.settings)
        }
    }

    /// The command from its flags, the environment and `file`, and the configuration it serves
    /// with, checked as at startup (at start and on each SIGHUP).
    static func layered(file: String?) async throws -> (CommandLayers.Resolved<Self>, ServerConfiguration) {
        let resolved = try await CommandLayers.resolve(Self.self, file: file) { try $0.makeConfiguration().validate() }
        return (resolved, try resolved.command.makeConfiguration())
    }
}

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
