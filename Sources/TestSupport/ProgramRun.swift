import Foundation
import Subprocess
import SystemPackage

/// What a program run to its end printed and returned.
///
/// Every test that runs a program (the built `soccer-stream`, `tshark`, `promtool`, `curl`,
/// `openssl`, `swift format`) runs it through ``run(_:_:in:input:outputFile:environment:within:)``:
/// swift-subprocess spawns it and awaits its exit and its output without blocking a thread, so a
/// long run (the lint's 25 s, a server streaming a feed) does not hold one of the cooperative
/// pool's threads (two, here) that every other test of the run needs meanwhile.
public struct ProgramRun: Sendable {
    /// Its standard output (empty when it went to a file).
    public var output: String
    /// Its standard error.
    public var errors: String
    /// Its exit status; 128 plus the signal's number when a signal ended it, as a shell says.
    public var status: Int32

    /// What the program reads on its standard input.
    public enum Input: Sendable {
        /// Nothing (`/dev/null`).
        case none
        /// The file at this path.
        case file(String)
        /// This text.
        case text(String)
    }

    /// The most either output collects: a program printing more fails the run, it is not cut short silently.
    public static let outputLimit = 64 << 20

    /// Runs the program at `path` with `arguments` to its end, in `directory` (none: this
    /// process's), reading `input`, with `environment` added to this process's. Its standard
    /// output is collected, or written to the file `outputFile` (created or truncated). Bounded:
    /// past `seconds` it is killed and ``TimedOut`` thrown.
    public static func run(
        _ path: String, _ arguments: [String], in directory: String? = nil, input: Input = .none, outputFile: String? = nil,
        environment: [String: String] = [:], within seconds: Double = 120
    ) async throws -> ProgramRun {
        var added: [Environment.Key: String?] = [:]
        for (name, value) in environment { added[Environment.Key(stringLiteral: name)] = value }
        let configuration = Configuration(
            executable: .path(FilePath(path)), arguments: Arguments(arguments), environment: .inherit.updating(added),
            workingDirectory: directory.map { FilePath($0) })
        return try await bounded(seconds) {
            switch input {
            case .none: return try await collect(configuration, input: .none, outputFile: outputFile)
            case .text(let text): return try await collect(configuration, input: .string(text), outputFile: outputFile)
            case .file(let file):
                let descriptor = try FileDescriptor.open(FilePath(file), .readOnly)
                return try await collect(configuration, input: .fileDescriptor(descriptor, closeAfterSpawningProcess: true), outputFile: outputFile)
            }
        }
    }

    private static func collect(_ configuration: Configuration, input: some InputProtocol, outputFile: String?) async throws -> ProgramRun {
        if let outputFile {
            let descriptor = try FileDescriptor.open(
                FilePath(outputFile), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite, .groupRead, .otherRead])
            let result = try await Subprocess.run(
                configuration, input: input, output: .fileDescriptor(descriptor, closeAfterSpawningProcess: true),
                error: .bytes(limit: outputLimit))
            return ProgramRun(output: "", errors: text(result.standardError), status: status(result.terminationStatus))
        }
        let result = try await Subprocess.run(
            configuration, input: input, output: .bytes(limit: outputLimit), error: .bytes(limit: outputLimit))
        return ProgramRun(output: text(result.standardOutput), errors: text(result.standardError), status: status(result.terminationStatus))
    }

    /// Bytes as text, invalid UTF-8 shown as U+FFFD (a test's message shows what was printed, whatever it was).
    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func status(_ termination: TerminationStatus) -> Int32 {
        switch termination {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }
}
