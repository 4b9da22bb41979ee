import Foundation
import TestSupport
import Testing

/// The code stays as `.swift-format` says (issue 24): `swift format lint --strict` over Sources
/// and Tests, the formatter that ships with the toolchain. Fix a failure with
/// `swift format format -i -r --parallel Sources Tests`.
@Suite("Formatting")
struct FormattingTests {
    @Test("swift format lint --strict finds nothing in Sources and Tests")
    func lint() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // Bounded at 5 minutes (about 25 s in a full suite), awaited without holding a thread.
        let lint = try await ProgramRun.run(
            "/usr/bin/env", ["swift", "format", "lint", "--strict", "--recursive", "--parallel", "Sources", "Tests"], in: root.path, within: 300)
        let (status, report) = (lint.status, lint.errors)
        #expect(status == 0 && report.isEmpty, "swift format lint: \(report)")
    }
}
