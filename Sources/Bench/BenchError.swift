#if canImport(Glibc)
import Glibc
#endif

/// An error of the benchmarks: what failed and why.
public struct BenchError: Error, CustomStringConvertible {
    /// What failed, and why.
    public var description: String

    init(_ description: String) { self.description = description }

    static func system(_ what: String) -> BenchError {
        BenchError("\(what): \(String(cString: strerror(errno)))")
    }
}
