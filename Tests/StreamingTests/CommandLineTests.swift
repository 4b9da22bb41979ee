import Foundation
import Streaming
import TestSupport
import Testing

/// The built `soccer-stream` executable, run as a user would (it sits beside the test bundle).
@Suite("soccer-stream's command line: --version and shell completions")
struct CommandLineTests {
    static func executable() throws -> URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("soccer-stream") }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "soccer-stream not built next to the tests (\(candidates.map(\.path)))")
    }

    /// Runs the executable with `arguments`: its standard output and exit status.
    static func run(_ arguments: [String]) throws -> (output: String, status: Int32) {
        let run = try ProgramRun.run(try executable().path, arguments)
        return (run.output, run.status)
    }

    @Test("--version prints the release and the protocol version")
    func version() throws {
        let (output, status) = try Self.run(["--version"])
        #expect(status == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == Release.description)
        #expect(Release.description.contains("protocol version 2"))
    }

    @Test("completion scripts for bash, zsh and fish name every subcommand")
    func completions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let (output, status) = try Self.run(["--generate-completion-script", shell])
            #expect(status == 0, "\(shell)")
            for subcommand in ["demo", "server", "client", "validate", "simulate", "impair"] {
                #expect(output.contains(subcommand), "\(shell) completion lacks \(subcommand)")
            }
        }
    }

    @Test("the server's and the demo's help say where the logs go")
    func helpNamesLogs() throws {
        #expect(try Self.run(["server", "--help"]).output.contains("server.log"))
        let demo = try Self.run(["demo", "--help"]).output
        #expect(demo.contains("client.log") && demo.contains("client_stats.log") && demo.contains("server.log"))
    }

    /// The `--NAME` line of `command`'s help, with its default.
    static func helpLine(_ command: [String], _ option: String) throws -> String? {
        try run(command + ["--help"]).output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(option + " ") }
            .map(String.init)
    }

    @Test("one option group per shared idea: log file and level, listening address, interval; each command with its own defaults")
    func sharedOptionGroups() throws {
        for (command, logFile) in [("server", "server.log"), ("relay", "relay.log"), ("client", "client.log")] {
            let help = try Self.run([command, "--help"]).output
            #expect(help.contains("--log-file <log-file>") && help.contains("(default: \(logFile))"), "\(command)")
            #expect(help.contains("--log-level <log-level>"), "\(command) has no --log-level")
        }
        for (command, port) in [("server", "12345"), ("relay", "12345"), ("impair", "12346")] {
            let line = try #require(try Self.helpLine([command], "--port"), "\(command) has no --port")
            let words = try Self.run([command, "--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(words.contains("The port") || words.contains("The UDP port"), "\(command)")
            #expect(words.contains("(default: \(port))"), "\(command)")
            #expect(try Self.helpLine([command], "--host") != nil, "\(command) has no --host: \(line)")
        }
        for (command, interval) in [(["server"], "1.0"), (["demo"], "1.25"), (["simulate"], "1.0"), (["bench", "relay"], "0.05")] {
            #expect(try Self.run(command + ["--help"]).output.contains("--interval <interval>"), "\(command)")
            let words = try Self.run(command + ["--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(words.contains("(default: \(interval))"), "\(command)")
        }
        // A range the command checks names the option and the range.
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = ["simulate", "--jsonl", "--interval", "5000"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0 && said.contains("--interval: 5000.0; expected 0...3600 seconds"), "\(said)")
    }
}
