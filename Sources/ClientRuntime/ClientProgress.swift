import Capture
import ClientEngine
import Foundation
import GroupSigning
import Match
import RuntimeSupport
import ServerEngine
import TerminalUI
import Wire

/// How far a client got in its match, kept in a small JSON file (`client --progress-file`) so
/// that a client killed and started again continues where its client.log stopped: it registers
/// for the same match, asks for every event after the last one it logged (Spec §4.8's repair,
/// from the server's ring or match log), and appends to its log. Written after each event it
/// logs (atomically: a new file renamed over the old), and marked ended when the match ends.
public struct ClientProgress: Codable, Sendable, Hashable {
    /// The server (host and port as given to the client).
    public var server: String
    public var port: Int
    /// The match followed.
    public var match: UInt32
    /// The sequence of the last event in client.log (nil: none yet).
    public var lastLogged: UInt32?
    /// The match ended (or the client was stopped on purpose): nothing to continue.
    public var ended: Bool

    public init(server: String, port: Int, match: UInt32, lastLogged: UInt32?, ended: Bool) {
        self.server = server
        self.port = port
        self.match = match
        self.lastLogged = lastLogged
        self.ended = ended
    }

    /// The progress kept at `path`; nil when there is none.
    ///
    /// - Throws: ``StreamingError`` (`fileUnavailable`) naming the file and what is wrong in it
    ///   when it exists but cannot be read or is not a progress file.
    public static func read(from path: String) throws(StreamingError) -> ClientProgress? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StreamingError(.fileUnavailable, "cannot read the progress file \(path): \(StreamingError.plain(error))")
        }
        do {
            return try JSONDecoder().decode(ClientProgress.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw StreamingError(.fileUnavailable, "the progress file \(path) lacks \"\(key.stringValue)\" (start afresh with --fresh)")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            throw StreamingError(
                .fileUnavailable,
                "the progress file \(path) has a bad \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\": \(context.debugDescription) (start afresh with --fresh)"
            )
        } catch {
            throw StreamingError(.fileUnavailable, "the progress file \(path) is not a progress file: \(error) (start afresh with --fresh)")
        }
    }

    /// Writes it to `path`, atomically.
    ///
    /// - Throws: ``StreamingError`` (`fileUnavailable`) naming the file and why.
    public func write(to path: String) throws(StreamingError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write the progress file \(path): \(StreamingError.plain(error))")
        }
    }

    /// The sequence of the last event a client.log holds ("Received message: #N …", repaired or
    /// not), nil when it holds none or cannot be read. The log is written before the progress
    /// file, so after a kill between the two it is one event ahead, and it is what counts.
    public static func lastLogged(inLog path: String) -> UInt32? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n").reversed() {
            guard let marker = line.range(of: "Received message"), let hash = line[marker.upperBound...].firstIndex(of: "#") else { continue }
            let digits = line[line.index(after: hash)...].prefix { $0.isASCII && $0.isNumber }
            if let sequence = UInt32(digits) { return sequence }
        }
        return nil
    }

    /// Whether a client of `server`:`port` following `match` (nil: any) continues from here.
    public func continues(server: String, port: Int, match: UInt32?) -> Bool {
        !ended && self.server == server && self.port == port && (match == nil || match == self.match)
    }
}
