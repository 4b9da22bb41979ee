import Foundation
import Testing

/// The code stays as `.swift-format` says (issue 24): `swift format lint --strict` over Sources
/// and Tests, the formatter that ships with the toolchain. Fix a failure with
/// `swift format format -i -r --parallel Sources Tests`.
@Suite("Formatting")
struct FormattingTests {
    @Test("swift format lint --strict finds nothing in Sources and Tests")
    func lint() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
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
        #expect(process.terminationStatus == 0 && report.isEmpty, "swift format lint: \(report)")
    }
}
