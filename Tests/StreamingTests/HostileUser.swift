import Bench
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `soccer-stream` as a hostile new user would: in a folder of the test's own,
/// with standard input and output redirected where asked, and tells what came out.
enum HostileUser {
    struct Run: Sendable {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `arguments` in `directory` to its end: standard input from the file `input` (none:
    /// /dev/null), standard output to the file `outputFile` (none: captured), standard error captured.
    /// Waited for on a thread of its own, not on one of the cooperative pool's (two, here), which
    /// every other test of the run needs meanwhile.
    static func run(
        _ arguments: [String], in directory: String, input: String? = nil, outputFile: String? = nil,
        environment: [String: String] = [:]
    ) async throws -> Run {
        try await LoadGenerator.onOwnThread {
            try runBlocking(arguments, in: directory, input: input, outputFile: outputFile, environment: environment)
        }
    }

    private static func runBlocking(
        _ arguments: [String], in directory: String, input: String?, outputFile: String?, environment: [String: String]
    ) throws -> Run {
        let process = Process()
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.executableURL = try CommandLineTests.executable()
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = try input.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        if let outputFile {
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        } else {
            process.standardOutput = output
        }
        process.standardError = errors
        try process.run()
        // Both pipes read at once (one of them filling up must not stall the other).
        let collected = Mutex2()
        let group = DispatchGroup()
        for (index, pipe) in [output, errors].enumerated() where index == 1 || outputFile == nil {
            group.enter()
            DispatchQueue.global().async {
                collected.set(index, pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        group.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: collected.text(0), errors: collected.text(1))
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

    /// Two slots of collected output, written from two queues.
    final class Mutex2: @unchecked Sendable {
        private let lock = NSLock()
        private var data: [Int: Data] = [:]
        func set(_ index: Int, _ value: Data) { lock.withLock { data[index] = value } }
        func text(_ index: Int) -> String { lock.withLock { String(decoding: data[index] ?? Data(), as: UTF8.self) } }
    }
}
