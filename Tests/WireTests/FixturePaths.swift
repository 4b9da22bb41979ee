import Foundation

/// Locations of the repository's committed files, found from this source file.
enum FixturePaths {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let frames = root.appendingPathComponent("Fixtures/frames")
    static let original = root.appendingPathComponent("Fixtures/original")

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    /// Every `.bin` fixture under `directory`, by name.
    static func binaries(in directory: URL) throws -> [(name: String, bytes: [UInt8])] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".bin") }
            .sorted()
            .map { (String($0.dropLast(4)), try bytes(directory.appendingPathComponent($0))) }
    }
}
