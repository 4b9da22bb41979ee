import HTTPTypes
import Hummingbird
import NIOCore
import WebEngine
import Wire

/// The gateway's pages and streams: `/`, `/events`, `/matches/ID`, `/matches/ID.json`,
/// `/matches/ID/events`, `/matches/ID/feed.jsonl` and the two embedded assets. Every response
/// carries the Content-Security-Policy and no-sniff headers.
enum WebRoutes {
    static let lastEventID = HTTPField.Name("Last-Event-ID")
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")

    static func router(hub: GatewayHub, gate: TokenGate? = nil) -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        router.add(middleware: SecurityHeaders())
        if let gate { router.add(middleware: gate) }
        router.get("/") { request, _ in html(PageView.index(hub.board, language: language(request))) }
        router.get("/events") { request, context in stream(.index, request: request, context: context, hub: hub) }
        router.get("/matches/:match") { request, context -> Response in
            let name = context.parameters.get("match") ?? ""
            let json = name.hasSuffix(".json")
            guard let id = UInt32(json ? String(name.dropLast(5)) : name), let match = hub.board.match(id) else {
                return json
                    ? text(.notFound, "no match \(name.prefix(40)) here\n", type: "text/plain; charset=utf-8")
                    : html(PageView.notFound(language: language(request)), status: .notFound)
            }
            return json ? text(.ok, MatchDocument.json(match), type: "application/json") : html(PageView.card(match, language: language(request)))
        }
        router.get("/matches/:match/events") { request, context -> Response in
            guard let id = context.parameters.get("match", as: UInt32.self) else {
                return text(.notFound, "not a match id\n", type: "text/plain; charset=utf-8")
            }
            return stream(.match(id), request: request, context: context, hub: hub)
        }
        router.get("/matches/:match/feed.jsonl") { _, context -> Response in
            guard let id = context.parameters.get("match", as: UInt32.self), let match = hub.board.match(id) else {
                return text(.notFound, "no such match here\n", type: "text/plain; charset=utf-8")
            }
            let lines = MatchDocument.feed(match).map { $0.jsonText + "\n" }.joined()
            return text(.ok, lines, type: "application/x-ndjson; charset=utf-8")
        }
        router.get("/assets/live.css") { _, _ in text(.ok, WebAssets.css, type: "text/css; charset=utf-8", cache: true) }
        router.get("/assets/live.js") { _, _ in text(.ok, WebAssets.javaScript, type: "text/javascript; charset=utf-8", cache: true) }
        return router
    }

    /// The page's language: `?lang=`, else `Accept-Language`.
    static func language(_ request: Request) -> WebLanguage {
        WebLanguage.negotiate(query: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage])
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        text(status, page, type: "text/html; charset=utf-8")
    }

    static func text(_ status: HTTPResponse.Status, _ body: String, type: String, cache: Bool = false) -> Response {
        Response(
            status: status, headers: [.contentType: type, .cacheControl: cache ? "max-age=3600" : "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// An event stream: what the reader missed (after `Last-Event-ID`, or the page's `after`),
    /// then each record as it comes, until the match ends or the connection closes.
    static func stream(_ topic: GatewayHub.Topic, request: Request, context: WebRequestContext, hub: GatewayHub) -> Response {
        let after =
            lastEventID.flatMap { SSERecord.lastEventID(request.headers[$0]) } ?? request.uri.queryParameters.get("after", as: UInt32.self)
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"]
        switch hub.subscribe(topic, language: language(request), after: after, address: context.clientAddress, token: context.token) {
        case .unknown:
            return text(.notFound, "no such match here\n", type: "text/plain; charset=utf-8")
        case .limited:
            return text(.tooManyRequests, "too many event streams from this address\n", type: "text/plain; charset=utf-8")
        case .closed:
            return text(.serviceUnavailable, "the gateway is stopping\n", type: "text/plain; charset=utf-8")
        case .ended(let records):
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: records.joined())))
        case .live(let records, let updates, let key):
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    do {
                        try await writer.write(ByteBuffer(string: SSERecord.retry(milliseconds: 1_000) + records.joined()))
                        for await record in updates { try await writer.write(ByteBuffer(string: record)) }
                        try await writer.finish(nil)
                        hub.unsubscribe(key)  // after the last record is out (a server exiting waits for it)
                    } catch {
                        hub.unsubscribe(key)  // the connection closed
                        throw error
                    }
                })
        }
    }
}

/// Content-Security-Policy (nothing but the gateway's own assets), no MIME sniffing, no referrer.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = WebRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = WebAssets.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        if let name = WebRoutes.referrerPolicy { response.headers[name] = "no-referrer" }
        return response
    }
}
