import Foundation

/// One Server-Sent Events record (`text/event-stream`): `id:` (a match's sequence number, which
/// the browser sends back as `Last-Event-ID` when it reconnects), `event:` and `data:`, ended by
/// a blank line; or a comment (`: heartbeat`), which keeps proxies from closing an idle stream.
public struct SSERecord: Sendable, Hashable {
    public var id: UInt32?
    public var event: String?
    public var data: String

    public init(id: UInt32? = nil, event: String? = nil, data: String) {
        (self.id, self.event, self.data) = (id, event, data)
    }

    /// The record's text: a `data:` line per line of `data` (a newline never ends one early).
    public var text: String {
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        // CR, LF and CRLF all end a line in an event stream: each starts a data line of its own.
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            text += "data: \(line)\n"
        }
        return text + "\n"
    }

    /// A comment line: ignored by browsers, enough to keep the connection in use.
    public static let heartbeat = ": heartbeat\n\n"
    /// How long a browser waits before reconnecting (milliseconds), sent first on every stream.
    public static func retry(milliseconds: Int) -> String { "retry: \(milliseconds)\n\n" }

    /// The value of a `Last-Event-ID` header: a sequence number, or nil (absent, or not one).
    public static func lastEventID(_ header: String?) -> UInt32? {
        header.flatMap { UInt32($0.trimmingCharacters(in: .whitespaces)) }
    }
}
