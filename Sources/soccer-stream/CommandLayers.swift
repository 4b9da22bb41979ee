import ArgumentParser
import CommandSettings
import Foundation
import Streaming

/// `server` and `relay` settings from three places: flags, then `SOCCERSTREAM_*` environment
/// variables, then a JSON configuration file (`--config FILE` or `SOCCERSTREAM_CONFIG`)
/// (``SettingsLayers``, swift-configuration). The command is parsed again with what the
/// environment and the file add, so ArgumentParser checks every value, whatever its source.
enum CommandLayers {
    /// A command parsed from its flags, the environment and the configuration file, and the
    /// settings the last two gave.
    struct Resolved<Command: ParsableCommand> {
        var command: Command
        var settings: [LayeredSetting]
        var file: String?
        /// `SOCCERSTREAM_` variables that name no option of this command (for the log).
        var unknownVariables: [String]
    }

    /// Parses `Command` from this process's arguments, the environment and `file`; `check` builds
    /// what the command would run with, so that a bad value is blamed on its source (the variable,
    /// or the file and key) rather than on a flag the user never typed.
    // Not optimized: Swift 6.3.1's optimizer crashes (signal 11, splitting this coroutine once
    // specialized for a command) in a release build. It runs once at start and once per SIGHUP.
    @_optimize(none)
    static func resolve<Command: ParsableCommand>(
        _ type: Command.Type, file: String?,
        check: (Command) throws -> Void
    ) async throws -> Resolved<Command> {
        let environment = ProcessInfo.processInfo.environment
        let path = file ?? environment[SettingsLayers.prefix + "_CONFIG"]
        let arguments = commandLine(of: type)
        let options = options(of: type)
        let settings = try await SettingsLayers.settings(for: options, commandLine: arguments, environment: environment, file: path)
        // A value that does not parse is its source's alone.
        for setting in settings {
            do {
                _ = try Command.parse(arguments + setting.arguments)
            } catch {
                throw ValidationError("\(setting.source): \(Command.message(for: error))")
            }
        }
        // Settings that only make sense together (--multicast-ttl with --multicast) are checked
        // together; when they fail, the setting without which the rest passes is blamed.
        let command = try Command.parse(arguments + settings.flatMap(\.arguments))
        do {
            try check(command)
        } catch {
            for (index, setting) in settings.enumerated() {
                var others = settings
                others.remove(at: index)
                guard let without = try? Command.parse(arguments + others.flatMap(\.arguments)),  // each parsed above
                    (try? check(without)) != nil  // passes without it: it is the one to blame
                else { continue }
                throw ValidationError("\(setting.source): \(Command.message(for: error))")
            }
            throw error
        }
        return Resolved(
            command: command, settings: settings, file: path,
            unknownVariables: SettingsLayers.unknownVariables(for: options, environment: environment))
    }

    /// The arguments after the subcommand's name.
    static func commandLine<Command: ParsableCommand>(of type: Command.Type) -> [String] {
        let all = Array(CommandLine.arguments.dropFirst())
        let name = Command.configuration.commandName ?? String(describing: type).lowercased()
        guard let index = all.firstIndex(of: name) else { return all }
        return Array(all[(index + 1)...])
    }

    /// The command's options as ArgumentParser describes them (its `--help` source): long names,
    /// flag or value, repeatable; hidden ones (tests' fault injection) and `--config` excluded.
    static func options<Command: ParsableCommand>(of type: Command.Type) -> [OptionSpec] {
        guard let data = Command._dumpHelp().data(using: .utf8),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],  // ArgumentParser's own output
            let command = root["command"] as? [String: Any],
            let arguments = command["arguments"] as? [[String: Any]]
        else { return [] }
        return arguments.compactMap { argument in
            guard let kind = argument["kind"] as? String, kind != "positional", argument["shouldDisplay"] as? Bool ?? true else { return nil }
            let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { name in
                name["kind"] as? String == "long" ? name["name"] as? String : nil
            }
            guard !names.isEmpty, !names.contains("config"), !names.contains("help"), !names.contains("version") else { return nil }
            return OptionSpec(names: names, isFlag: kind == "flag", repeats: argument["isRepeating"] as? Bool ?? false)
        }
    }
}
