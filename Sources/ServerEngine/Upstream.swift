import GroupSigning
import Match
import RuntimeSupport
import Wire

/// A relay's upstream (issue 15): the SoccerStream server, or relay, it follows.
public struct Upstream: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// UDP port.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`[ADDRESS]:PORT` for IPv6, as in a URL), given as `setting`
    /// (`upstream (--upstream)`, `multicast group (--multicast)`).
    ///
    /// - Throws: ``StreamingError`` (`configuration`) saying what is wrong in `text`.
    public init(parsing text: String, setting: String = "upstream (--upstream)") throws(StreamingError) {
        func fail(_ why: String) -> StreamingError {
            StreamingError(.configuration, "\(setting) \"\(text)\": \(why); expected HOST:PORT, e.g. 127.0.0.1:12345 or [::1]:12345")
        }
        let host: Substring
        let rest: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail("no ] after the IPv6 address") }
            host = text[text.index(after: text.startIndex)..<close]
            rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw fail("no :PORT after ]") }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw fail("no :PORT") }
            host = text[..<colon]
            rest = text[colon...]
            guard !host.contains(":") else { throw fail("an IPv6 address must be in brackets") }
        }
        guard !host.isEmpty else { throw fail("no host before the port") }
        guard let port = Int(rest.dropFirst()), (1...65535).contains(port) else { throw fail("the port is not 1...65535") }
        self.init(host: String(host), port: port)
    }

    /// Where a server is, as every command takes it (`--server`): `HOST`, `HOST:PORT` or
    /// `[ADDRESS]:PORT` (a bare IPv6 address, with its colons, is a host), its port from the
    /// text or else `port` (a separate option's), else 12345; a text and an option that name two
    /// different ports are an error.
    ///
    /// - Throws: ``StreamingError`` (`configuration`) naming `setting` and what is expected.
    public static func server(
        _ text: String, port: Int?, setting: String = "server (--server)", portSetting: String = "--server-port"
    ) throws(StreamingError) -> Upstream {
        let colons = text.filter { $0 == ":" }.count
        guard text.hasPrefix("[") || colons == 1 else {
            let chosen = port ?? 12345
            guard !text.isEmpty, (1...65535).contains(chosen) else {
                throw StreamingError(.configuration, "\(setting) \"\(text)\" port \(chosen): expected a host and a port 1...65535")
            }
            return Upstream(host: text, port: chosen)
        }
        let parsed = try Upstream(parsing: text, setting: setting)
        if let port, port != parsed.port {
            throw StreamingError(.configuration, "\(setting) \"\(text)\" names port \(parsed.port), and \(portSetting) \(port): give the port once")
        }
        return parsed
    }

    /// `HOST:PORT` (`[ADDRESS]:PORT` for IPv6).
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
