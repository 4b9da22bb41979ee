import GroupSigning
import Wire

/// Who may see a gateway's pages (`web --require-token`, Spec/TOKENS.md): the same subscriber
/// tokens and the same admission as the stream's, presented the way a browser can. An
/// `EventSource` cannot set headers, so a browser presents its token as a cookie: the operator
/// hands the customer a link with `?token=sst1.…`, the gateway checks it, sets an `HttpOnly`,
/// `SameSite=Strict` cookie (`Secure` over TLS) that lives as long as the token, and redirects
/// to the same address without it (out of the address bar, history and logs). Later pages, the
/// event streams and the JSON send the cookie; a program may send `Authorization: Bearer sst1.…`
/// instead. Pure: the time is given.
public enum PageAccess {
    /// The cookie's name.
    public static let cookieName = "soccerstream_token"

    /// What to do with a request.
    public enum Decision: Sendable, Equatable {
        /// Serve it: admitted by this token (nil for what needs none), which an event stream
        /// keeps so that it ends when the token stops standing (revoked, expired).
        case allow(SubscriberToken?)
        /// A valid token came in the address: set this cookie and send the browser to `location`
        /// (the same path and query without the token), 303.
        case redirect(location: String, setCookie: String)
        /// Refused: 401 when no token came, 403 otherwise; the reason in words.
        case refuse(status: Int, TokenRefusal)
    }

    /// The match a path's content belongs to: nil for the embedded assets (no match data, free);
    /// the id for `/matches/ID`, `ID.json`, `ID/events`, `ID/feed.jsonl`; 0, every match, for the
    /// index and its stream (and anything else), which show every match.
    public static func match(forPath path: String) -> UInt32? {
        if path.hasPrefix("/assets/") { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == "matches" else { return 0 }
        let name = parts[1].hasSuffix(".json") ? parts[1].dropLast(5) : parts[1]
        return UInt32(name) ?? 0
    }

    /// The token's text from the request: the `token` query parameter first (and whether it came
    /// from there), else the cookie, else an `Authorization: Bearer` header.
    public static func presented(query: String?, cookieHeader: String?, authorization: String?) -> (text: String, fromQuery: Bool)? {
        if let query, !query.isEmpty { return (query, true) }
        for pair in (cookieHeader ?? "").split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            if trimmed.hasPrefix(cookieName + "=") { return (String(trimmed.dropFirst(cookieName.count + 1)), false) }
        }
        if let authorization, authorization.hasPrefix("Bearer ") { return (String(authorization.dropFirst(7)), false) }
        return nil
    }

    /// Decides a request for `path` (with `query`, its query string without the `?`) under
    /// `admission` at `now` (Unix seconds); `secure` when the pages are served over TLS.
    public static func decide(
        path: String, query: String, presented: (text: String, fromQuery: Bool)?, admission: TokenAdmission, now: UInt32, secure: Bool
    ) -> Decision {
        guard let match = match(forPath: path) else { return .allow(nil) }
        guard let presented else { return .refuse(status: 401, .missing) }
        let bytes: [UInt8]
        do {
            bytes = try SubscriberToken(text: presented.text).encoded()
        } catch {
            return .refuse(status: 403, .malformed(error))
        }
        switch admission.admit(bytes, match: match, now: now) {
        case .failure(let refusal):
            return .refuse(status: refusal == .missing ? 401 : 403, refusal)
        case .success(let token):
            guard presented.fromQuery else { return .allow(token) }
            let rest = query.split(separator: "&").filter { !$0.hasPrefix("token=") }.joined(separator: "&")
            let lifetime = max(0, Int64(token.expires) - Int64(now))
            let cookie =
                "\(cookieName)=\(presented.text); Path=/; Max-Age=\(lifetime); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
            return .redirect(location: path + (rest.isEmpty ? "" : "?" + rest), setCookie: cookie)
        }
    }
}
