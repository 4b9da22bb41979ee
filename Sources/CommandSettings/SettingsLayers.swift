import Configuration
import Foundation
import RuntimeSupport
import Synchronization
import SystemPackage

/// One option of a command, as the settings layers see it: its long names (the first is the
/// key a configuration file and an environment variable use), and whether it is a flag or
/// may be given more than once.
public struct OptionSpec: Sendable, Hashable {
    /// The long names without dashes; the first one names the setting.
    public var names: [String]
    /// A flag: on or off, no value.
    public var isFlag: Bool
    /// Repeatable (`--feed A --feed B`).
    public var repeats: Bool

    /// An option named `names` (without dashes).
    public init(names: [String], isFlag: Bool, repeats: Bool) {
        self.names = names
        self.isFlag = isFlag
        self.repeats = repeats
    }

    /// The setting's key: the option's first long name (`max-clients`).
    public var key: String { names[0] }
    /// The environment variable that sets it: `SOCCERSTREAM_MAX_CLIENTS`.
    public var variable: String { SettingsLayers.prefix + "_" + key.uppercased().replacingOccurrences(of: "-", with: "_") }
}

/// Where a setting came from, named in every message about it.
public enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable.
    case environment(variable: String)
    /// A key of the configuration file.
    case file(path: String, key: String)

    public var description: String {
        switch self {
        case .environment(let variable): "environment variable \(variable)"
        case .file(let path, let key): "\(path), key \"\(key)\""
        }
    }
}

/// A setting taken from the environment or the file, as the command-line arguments it stands for.
public struct LayeredSetting: Sendable, Hashable {
    /// The option's key.
    public var key: String
    /// `--key value` (once per value of a repeatable option), or `--key` for a flag that is on.
    public var arguments: [String]
    /// Where it came from.
    public var source: SettingSource

    /// The setting `key`, standing for `arguments`, from `source`.
    public init(key: String, arguments: [String], source: SettingSource) {
        self.key = key
        self.arguments = arguments
        self.source = source
    }
}

/// Settings for `server` and `relay` beyond their flags: `SOCCERSTREAM_*` environment variables
/// and a JSON configuration file (`--config FILE`), read through swift-configuration's providers.
/// Precedence: a flag, then the environment, then the file, then the option's default. Each
/// setting becomes the arguments the flag would have been, so one parser checks every value and
/// `--help` stays the one description of them.
public enum SettingsLayers {
    /// The environment variables' prefix.
    public static let prefix = "SOCCERSTREAM"

    /// The settings the environment and `file` give to the options of `options` that
    /// `commandLine` leaves unset. A file key that names no option, a value of the wrong kind,
    /// or a file that cannot be read is an error naming it. (A `SOCCERSTREAM_` variable that
    /// names no option of this command is no error: it may be the other command's, or a test's;
    /// ``unknownVariables(for:environment:)`` lists them for the log.)
    public static func settings(
        for options: [OptionSpec], commandLine: [String], environment: [String: String],
        file: String?
    ) async throws(StreamingError) -> [LayeredSetting] {
        let given = Set(
            commandLine.compactMap { argument -> String? in
                guard argument.hasPrefix("--") else { return nil }
                return String(argument.dropFirst(2).prefix { $0 != "=" })
            })
        let unset = options.filter { option in !option.names.contains { given.contains($0) } }
        var settings: [LayeredSetting] = []
        // The environment (every value a string), through swift-configuration's provider.
        let prefixed = environment.filter { $0.key.hasPrefix(prefix + "_") }
        let environmentProvider = EnvironmentVariablesProvider(environmentVariables: prefixed)
        var fromEnvironment = Set<String>()
        for option in unset {
            let key = AbsoluteConfigKey([prefix.lowercased(), option.key])
            let found: LookupResult
            do {
                found = try environmentProvider.value(forKey: key, type: .string)
            } catch {
                throw StreamingError(.configuration, "environment variable \(option.variable): \(error)")
            }
            guard case .string(let text)? = found.value?.content else { continue }
            let values =
                option.repeats
                ? text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : [text]
            settings.append(try setting(option, values: values, source: .environment(variable: option.variable)))
            fromEnvironment.insert(option.key)
        }
        guard let file else { return settings }
        let fileProvider = try await provider(file)
        for option in unset where !fromEnvironment.contains(option.key) {
            let source = SettingSource.file(path: file, key: option.key)
            guard let values = try values(of: option, in: fileProvider, source: source) else { continue }
            settings.append(try setting(option, values: values, source: source))
        }
        try checkKeys(of: file, against: options)
        return settings
    }

    /// The arguments `values` stand for.
    static func setting(_ option: OptionSpec, values: [String], source: SettingSource) throws(StreamingError) -> LayeredSetting {
        if option.isFlag {
            guard values.count == 1, let on = flagValue(values[0]) else {
                throw StreamingError(.configuration, "\(source): \(values.joined(separator: ",")); expected true or false")
            }
            return LayeredSetting(key: option.key, arguments: on ? ["--" + option.key] : [], source: source)
        }
        // `--key=value`: a value that starts with a dash stays a value.
        return LayeredSetting(key: option.key, arguments: values.map { "--\(option.key)=\($0)" }, source: source)
    }

    /// The `SOCCERSTREAM_` variables of `environment` that name none of `options` (nor the
    /// configuration file, nor a test's `SOCCERSTREAM_REQUIRE_*`), sorted: said in the log, since
    /// a misspelt variable is otherwise silently without effect.
    public static func unknownVariables(for options: [OptionSpec], environment: [String: String]) -> [String] {
        let known = Set(options.map(\.variable) + [prefix + "_CONFIG"])
        return environment.keys.filter { $0.hasPrefix(prefix + "_") && !$0.hasPrefix(prefix + "_REQUIRE_") && !known.contains($0) }.sorted()
    }

    static func flagValue(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "on": true
        case "false", "0", "no", "off": false
        default: nil
        }
    }

    /// The JSON file's provider; a file that is missing or not a JSON object is an error naming it.
    static func provider(_ path: String) async throws(StreamingError) -> FileProvider<JSONSnapshot> {
        do {
            return try await FileProvider<JSONSnapshot>(filePath: FilePath(path))
        } catch {
            throw StreamingError(.configuration, "configuration file \(path): \(error)")
        }
    }

    /// `option`'s values in the file, as argument text: a string, number or boolean, or (for a
    /// repeatable option) a list of them; nil when the file does not set it.
    static func values(of option: OptionSpec, in provider: FileProvider<JSONSnapshot>, source: SettingSource) throws(StreamingError) -> [String]? {
        let key = AbsoluteConfigKey([option.key])
        var kinds: [ConfigType] = [.string, .int, .double, .bool]
        if option.repeats { kinds += [.stringArray, .intArray, .doubleArray] }
        for kind in kinds {
            // A value of another kind throws a type mismatch: the next kind is tried.
            guard let result = try? provider.value(forKey: key, type: kind) else { continue }
            guard let content = result.value?.content else { return nil }
            switch content {
            case .string(let text): return [text]
            case .int(let number): return [String(number)]
            case .double(let number): return [String(number)]
            case .bool(let on): return [on ? "true" : "false"]
            case .stringArray(let texts): return texts
            case .intArray(let numbers): return numbers.map(String.init)
            case .doubleArray(let numbers): return numbers.map { String($0) }
            default: break
            }
        }
        throw StreamingError(
            .configuration,
            "\(source): expected \(option.isFlag ? "true or false" : option.repeats ? "a value or a list of values" : "a string or a number")")
    }

    /// Every top-level key of the file must name an option.
    static func checkKeys(of path: String, against options: [OptionSpec]) throws(StreamingError) {
        // The provider lists no keys, and reads true as 1: the file's top level is read once more here.
        let kinds: [String: JSONKind]
        do {
            kinds = try JSONDecoder().decode([String: JSONKind].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw StreamingError(.configuration, "configuration file \(path): \(error.localizedDescription)")
        }
        let known = Set(options.map(\.key))
        let flags = Set(options.filter(\.isFlag).map(\.key))
        for key in kinds.keys.sorted() {
            guard known.contains(key) else {
                let alias = options.first { $0.names.contains(key) }.map { "; write \"\($0.key)\"" } ?? ""
                throw StreamingError(
                    .configuration,
                    "\(path), key \"\(key)\": no such setting (keys are the options' long names without dashes, as `--help` lists them\(alias))")
            }
            switch kinds[key] {
            case .object:
                // swift-configuration would read it as nested keys, and the setting as unset.
                throw StreamingError(.configuration, "\(path), key \"\(key)\": expected a string or a number, not an object")
            case .boolean where !flags.contains(key):
                throw StreamingError(.configuration, "\(path), key \"\(key)\": true or false is for flags; expected a string or a number")
            default:
                break
            }
        }
    }
}

/// What a top-level JSON value is, as far as the settings care: JSONDecoder tells `true` from `1`
/// and an object from the rest, which the file provider does not.
private enum JSONKind: Decodable {
    case boolean
    case object
    case other

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        // Each probe that fails is the answer "not that kind".
        if (try? decoder.singleValueContainer().decode(Bool.self)) != nil {
            self = .boolean
        } else if (try? decoder.container(keyedBy: AnyKey.self)) != nil {
            self = .object
        } else {
            self = .other
        }
    }
}

/// The settings a running server or relay was last given (from the environment and its file),
/// to tell which a reload (SIGHUP) changes.
public final class SettingsRecord: Sendable {
    private let current: Mutex<[LayeredSetting]>

    /// A record of `settings`.
    public init(_ settings: [LayeredSetting]) {
        current = Mutex(settings)
    }

    /// Takes `settings` as the current ones and returns the keys whose arguments changed (set,
    /// unset or given another value), sorted.
    public func replace(with settings: [LayeredSetting]) -> [String] {
        current.withLock { old in
            // A flag set off is as good as not set.
            let before = Dictionary(old.filter { !$0.arguments.isEmpty }.map { ($0.key, $0.arguments) }, uniquingKeysWith: { $1 })
            let after = Dictionary(settings.filter { !$0.arguments.isEmpty }.map { ($0.key, $0.arguments) }, uniquingKeysWith: { $1 })
            old = settings
            return Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        }
    }
}
