import Foundation
import Streaming
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
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
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
}
