import Bench
import Foundation
import Testing

/// The code stays as `.swift-format` says (issue 24): `swift format lint --strict` over Sources
/// and Tests, the formatter that ships with the toolchain. Fix a failure with
/// `swift format format -i -r --parallel Sources Tests`.
@Suite("Formatting")
struct FormattingTests {
    @Test("swift format lint --strict finds nothing in Sources and Tests")
    func lint() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // Waited for on a thread of its own: the lint takes about 25 s, and a test blocking one of
        // the cooperative pool's two threads here that long starves every other test meanwhile.
        let (status, report) = try await LoadGenerator.onOwnThread { () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["swift", "format", "lint", "--strict", "--recursive", "--parallel", "Sources", "Tests"]
            process.currentDirectoryURL = root
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let report = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, report)
        }
        #expect(status == 0 && report.isEmpty, "swift format lint: \(report)")
    }
}
