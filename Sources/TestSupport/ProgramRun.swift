import Foundation

/// What a program run to its end printed and returned.
public struct ProgramRun: Sendable {
    /// Its standard output.
    public var output: String
    /// Its exit status.
    public var status: Int32

    /// Runs the program at `path` with `arguments` to its end (standard error discarded).
    /// Shared by the test targets (the built `soccer-stream`, `curl`, `openssl`).
    public static func run(_ path: String, _ arguments: [String]) throws -> ProgramRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProgramRun(output: String(decoding: data, as: UTF8.self), status: process.terminationStatus)
    }
}
