import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `soccer-stream` as a hostile new user would: in a folder of the test's own,
/// with standard input and output redirected where asked, and tells what came out.
enum HostileUser {
    typealias Run = ProgramRun

    /// Runs `arguments` in `directory` to its end: standard input from the file `input` (none:
    /// /dev/null), standard output to the file `outputFile` (none: captured), standard error captured.
    static func run(
        _ arguments: [String], in directory: String, input: String? = nil, outputFile: String? = nil,
        environment: [String: String] = [:]
    ) async throws -> Run {
        try await ProgramRun.run(
            try CommandLineTests.executable().path, arguments, in: directory, input: input.map { .file($0) } ?? .none, outputFile: outputFile,
            environment: environment)
    }

    /// A fresh folder under the temporary directory (removed by the caller).
    static func folder(_ name: String) throws -> String {
        let path = temporaryDirectoryPath("soccer-hostile-\(name)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The bytes of the file at `path`, as text.
    static func contents(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }
}
