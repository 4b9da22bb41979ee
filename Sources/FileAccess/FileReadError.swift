#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be read, in plain words with its path: `cannot read match.pcap: no
/// such file`, never `NSCocoaErrorDomain Code=260` or `error 512`.
public struct FileReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file as given.
    public var path: String
    /// Why, in plain words: `no such file`, `is a directory`, `permission denied`...
    public var reason: String

    /// Creates an error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// The error for the POSIX error number `code` (an `errno`) met reading `path`.
    public init(path: String, errno code: Int32) {
        self.init(path: path, reason: Self.reason(errno: code))
    }

    public var description: String { "cannot read \(path): \(reason)" }

    /// A POSIX error number in plain words: the common ones as a user would say them, the
    /// others as the C library words them (`strerror`), in lower case.
    public static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EISDIR: return "is a directory"
        case EACCES, EPERM: return "permission denied"
        case ENOTDIR: return "a part of the path is not a directory"
        case ELOOP: return "too many symbolic links (a loop?)"
        case ENAMETOOLONG: return "the name is too long"
        case EMFILE, ENFILE: return "too many files open"
        case EIO: return "input/output error (a failing disk?)"
        default:
            guard let text = strerror(code) else { return "error number \(code)" }
            let words = String(cString: text)
            return words.prefix(1).lowercased() + words.dropFirst()
        }
    }
}
