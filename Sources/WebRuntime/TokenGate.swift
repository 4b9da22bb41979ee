import GroupSigning
import HTTPTypes
import Hummingbird
import Logging
import RuntimeSupport
import WebEngine

/// `web --require-token`: every page, stream and document but the embedded assets needs a
/// valid subscriber token for its match (the index, every match), presented as
/// ``PageAccess`` says (the link's `?token=`, then the cookie it sets, or a Bearer header).
struct TokenGate: RouterMiddleware {
    typealias Context = WebRequestContext

    /// The admission rules, the revocation list read again as it changes (shared with the sweep).
    let access: WebAccess
    /// Whether the pages are served over TLS (the cookie is then `Secure`).
    let secure: Bool
    let clock: any ProtocolClock
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let presented = PageAccess.presented(
            query: request.uri.queryParameters.get("token"), cookieHeader: request.headers[.cookie],
            authorization: request.headers[.authorization])
        switch PageAccess.decide(
            path: path, query: request.uri.query ?? "", presented: presented, admission: access.admission, now: clock.unixSeconds(),
            secure: secure)
        {
        case .allow(let token):
            var admitted = context
            admitted.token = token
            return try await next(request, admitted)
        case .redirect(let location, let cookie):
            return Response(status: .seeOther, headers: [.location: location, .setCookie: cookie, .cacheControl: "no-store"])
        case .refuse(let status, let refusal):
            logger.debug("Refused \(path) to \(context.clientAddress): \(refusal)")
            let plain = path.hasSuffix(".json") || path.hasSuffix("/events") || path.hasSuffix(".jsonl")
            let response =
                plain
                ? WebRoutes.text(.init(code: status), "\(refusal)\n", type: "text/plain; charset=utf-8")
                : WebRoutes.html(
                    PageView.accessRefused(refusal.reason, detail: refusal.description, language: WebRoutes.language(request)),
                    status: .init(code: status))
            return response
        }
    }
}
