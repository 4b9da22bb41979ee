import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder for one benchmark run (logs, counters, compiled helpers), removed afterwards.
struct WorkDirectory {
    /// The folder.
    let url: URL

    /// Runs `body` with a fresh folder named after `name`, then removes the folder.
    static func with<T>(_ name: String, _ body: (WorkDirectory) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("soccer-bench-\(getpid())-\(name)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer {
            // A leftover temporary folder costs nothing; failing to remove it changes no figure.
            try? FileManager.default.removeItem(at: url)
        }
        return try body(WorkDirectory(url: url))
    }

    /// The path of `file` in the folder.
    func path(_ file: String) -> String { url.appendingPathComponent(file).path }

    /// Compiles C `source` with cc, `flags` and `libraries` into `output` in the folder; returns its path.
    func compile(_ source: String, into output: String, flags: [String] = ["-O2"], libraries: [String] = []) throws -> String {
        let target = path(output)
        let compiler = try ChildProcess("/usr/bin/cc", flags + ["-o", target, source] + libraries)
        guard compiler.wait(timeout: 60).status == 0 else { throw BenchError("cannot compile \(source) with cc") }
        return target
    }

    /// Builds the LD_PRELOAD allocation counter (Benchmarks/alloc-count.c) in the folder.
    func allocationCounter(_ source: String) throws -> String {
        try compile(source, into: "alloc-count.so", flags: ["-O2", "-shared", "-fPIC"], libraries: ["-ldl"])
    }
}
