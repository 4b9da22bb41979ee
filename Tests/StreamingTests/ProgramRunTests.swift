import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The tests' one way of running a program (TestSupport's `ProgramRun`, on swift-subprocess).
@Suite("ProgramRun: what the tests' programs read, print and return")
struct ProgramRunTests {
    @Test("standard input from text, both outputs collected, the exit status; a signal's death as 128 + its number")
    func collects() async throws {
        let run = try await ProgramRun.run("/bin/sh", ["-c", "cat; echo said >&2; exit 3"], input: .text("hello\n"))
        #expect(run.output == "hello\n")
        #expect(run.errors == "said\n")
        #expect(run.status == 3)
        let killed = try await ProgramRun.run("/bin/sh", ["-c", "kill -TERM $$"])
        #expect(killed.status == 128 + SIGTERM)
    }

    @Test("in a folder, with a variable added, reading a file, writing standard output to a file")
    func files() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("program-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        try Data("from a file\n".utf8).write(to: URL(fileURLWithPath: folder + "/in.txt"))
        let run = try await ProgramRun.run(
            "/bin/sh", ["-c", "cat in.txt -; echo \"$PROGRAM_RUN_TEST\"; pwd"], in: folder, input: .file(folder + "/in.txt"),
            outputFile: folder + "/out.txt", environment: ["PROGRAM_RUN_TEST": "added"])
        #expect(run.status == 0 && run.output.isEmpty, "\(run)")
        let written = try String(contentsOfFile: folder + "/out.txt", encoding: .utf8)
        let real = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        #expect(written == "from a file\nfrom a file\nadded\n\(real)\n" || written == "from a file\nfrom a file\nadded\n\(folder)\n", "\(written)")
    }

    @Test("past its bound a program is killed, not waited for, and the run fails with TimedOut")
    func bounded() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("program-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        // The shell writes its pid, then becomes a 10-minute sleep (same pid).
        await #expect(throws: TimedOut.self) {
            _ = try await ProgramRun.run("/bin/sh", ["-c", "echo $$ > pid; exec sleep 600"], in: folder, within: 5)
        }
        let text = try String(contentsOfFile: folder + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(pid_t(text), "pid file: \(text)")
        // Reaped before the run returned: no such process any more.
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "process \(pid) still there")
    }
}
