import Foundation
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Refuses, at start, a command whose output files would overwrite its inputs or each other
/// (`server --log-file feed.jsonl --feed feed.jsonl` used to truncate the feed and read its
/// own log lines back as feed lines).
public enum PathCheck {
    /// An option and the path it names.
    public typealias Named = (option: String, path: String)

    /// Throws when two of `outputs`, or an output and one of `inputs`, name the same file: the
    /// same device and inode when both exist, else the same absolute path once `.`, `..` and
    /// symbolic links are resolved. `-` (standard input or output) and `none` name no file.
    ///
    /// - Throws: ``StreamingError`` (`configuration`) naming both options and the file.
    public static func distinct(outputs: [Named], inputs: [Named] = []) throws(StreamingError) {
        let files = (outputs.map { ($0, true) } + inputs.map { ($0, false) }).filter { $0.0.path != "-" && $0.0.path != "none" }
        for (index, (first, firstIsOutput)) in files.enumerated() {
            for (second, secondIsOutput) in files[(index + 1)...] where (firstIsOutput || secondIsOutput) && same(first.path, second.path) {
                let what = firstIsOutput && secondIsOutput ? "both would write it" : "the output would overwrite the input"
                throw StreamingError(
                    .configuration, "\(first.option) and \(second.option) name the same file, \(first.path): \(what); give them different files")
            }
        }
    }

    /// Throws when the folder an output would be written in does not exist or is no folder:
    /// said once at start, instead of at every write (a progress file in a missing folder used
    /// to give a warning per event).
    ///
    /// - Throws: ``StreamingError`` (`fileUnavailable`) naming the option, the path and the folder.
    public static func foldersExist(_ outputs: [Named]) throws(StreamingError) {
        for output in outputs where output.path != "-" && output.path != "none" {
            let folder = (output.path as NSString).deletingLastPathComponent
            var isFolder: ObjCBool = false
            guard folder.isEmpty || (FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) else {
                throw StreamingError(
                    .fileUnavailable,
                    "\(output.option) \(output.path): the folder \(folder) \(FileManager.default.fileExists(atPath: folder) ? "is not a folder" : "does not exist"); create it or give another path"
                )
            }
        }
    }

    /// Whether `a` and `b` are one file.
    package static func same(_ a: String, _ b: String) -> Bool {
        var first = stat()
        var second = stat()
        if stat(a, &first) == 0, stat(b, &second) == 0 { return first.st_dev == second.st_dev && first.st_ino == second.st_ino }
        return resolved(a) == resolved(b)
    }

    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
