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
