import Foundation
import GroupSigning
import Match
import RuntimeSupport
import ServerEngine
import Wire

/// Where a server keeps its group signing key (Spec §4.11): `group-signing-key` in its data
/// directory, the key's 32-byte seed, readable by its owner only. Kept, so that a client that
/// pinned the key (`client --server-key`) still trusts the server after a restart.
public enum GroupKeyFile {
    /// The file's name in the data directory.
    public static let name = "group-signing-key"

    /// The key in `directory`, made (and written) when there is none yet; a fresh key, kept
    /// nowhere, without a directory.
    ///
    /// - Throws: ``StreamingError`` (`fileUnavailable`) naming the file when it cannot be read or
    ///   written, or holds no key.
    public static func load(directory: String?) throws(StreamingError) -> (key: GroupSigningKey, path: String?) {
        guard let directory else { return (GroupSigningKey(), nil) }
        let path = (directory as NSString).appendingPathComponent(name)
        if let data = FileManager.default.contents(atPath: path) {
            do {
                return (try GroupSigningKey(seed: Array(data)), path)
            } catch {
                throw StreamingError(
                    .fileUnavailable,
                    "group signing key \(path): \(data.count) bytes; expected the 32-byte seed of an Ed25519 key (delete the file to make a new key)")
            }
        }
        let key = GroupSigningKey()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: Data(key.seed), attributes: [.posixPermissions: 0o600]) else {
                throw StreamingError(.fileUnavailable, "cannot write the group signing key \(path)")
            }
        } catch let error as StreamingError {
            throw error
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write the group signing key \(path): \(error)")
        }
        return (key, path)
    }
}
