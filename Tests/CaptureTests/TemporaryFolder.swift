import Foundation
import Testing

/// A folder of its own under the system's temporary directory, for tests that write files;
/// removed by ``remove()``.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("soccer-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` in the folder and returns its path.
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }

    /// The path of `name` in the folder, whether it exists or not.
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func remove() {
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            Issue.record("cannot remove \(url.path): \(error)")
        }
    }
}
