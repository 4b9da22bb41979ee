import Foundation
import GroupSigning
import Streaming
import TestSupport
import Testing
import Toolkit
import WebEngine
import WebRuntime
import Wire

@Suite("Pages for token holders only (web --require-token) and over TLS", .serialized)
struct PageAccessTests {
    static let key = GroupSigningKey()
    static let now: UInt32 = 1_800_000_000

    static func token(matches: [UInt32] = [], lifetime: UInt32 = 3_600, at time: UInt32 = now) throws -> String {
        try TokenTool.issue(key: key, subject: "browser", matches: matches, lifetime: lifetime, permissions: [.watch, .repair], now: time)
    }

    static var admission: TokenAdmission { TokenAdmission(trusted: [key.publicKey]) }

    static func decide(_ path: String, query: String = "", _ presented: (String, Bool)?, secure: Bool = false) -> PageAccess.Decision {
        PageAccess.decide(
            path: path, query: query, presented: presented.map { (text: $0.0, fromQuery: $0.1) }, admission: admission, now: now,
            secure: secure)
    }

    @Test("which token a request presents, and what each path needs: assets free, a card its match, the index every match")
    func rules() throws {
        #expect(PageAccess.match(forPath: "/assets/live.css") == nil)
        #expect(PageAccess.match(forPath: "/") == 0 && PageAccess.match(forPath: "/events") == 0)
        for path in ["/matches/42", "/matches/42.json", "/matches/42/events", "/matches/42/feed.jsonl"] {
            #expect(PageAccess.match(forPath: path) == 42, "\(path)")
        }
        let presented = PageAccess.presented(query: nil, cookieHeader: "theme=dark; soccerstream_token=sst1.abc; x=y", authorization: nil)
        #expect(presented?.text == "sst1.abc" && presented?.fromQuery == false)
        #expect(PageAccess.presented(query: "sst1.q", cookieHeader: "soccerstream_token=sst1.c", authorization: nil)?.fromQuery == true)
        #expect(PageAccess.presented(query: nil, cookieHeader: nil, authorization: "Bearer sst1.b")?.text == "sst1.b")
        #expect(PageAccess.presented(query: nil, cookieHeader: "other=1", authorization: "Basic eA==") == nil)

        let every = try Self.token()
        #expect(Self.decide("/assets/live.js", nil) == .allow(nil))
        #expect(Self.decide("/", nil) == .refuse(status: 401, .missing))
        #expect(Self.decide("/", (every, false)) == .allow(try SubscriberToken(text: every)))
        guard case .redirect(let location, let cookie) = Self.decide("/matches/7", query: "lang=pt&token=\(every)", (every, true)) else {
            Issue.record("a valid token in the address is not turned into a cookie")
            return
        }
        #expect(location == "/matches/7?lang=pt")
        #expect(cookie == "soccerstream_token=\(every); Path=/; Max-Age=3600; HttpOnly; SameSite=Strict")
        if case .redirect(_, let secure) = Self.decide("/", query: "token=\(every)", (every, true), secure: true) {
            #expect(secure.hasSuffix("; Secure"))
        } else {
            Issue.record("no redirect over TLS")
        }
        let one = try Self.token(matches: [7])
        #expect(Self.decide("/matches/7/events", (one, false)) == .allow(try SubscriberToken(text: one)))
        #expect(Self.decide("/matches/8", (one, false)) == .refuse(status: 403, .wrongMatch(8, allowed: [7])))
        #expect(Self.decide("/", (one, false)) == .refuse(status: 403, .wrongMatch(0, allowed: [7])))
        let expired = try Self.token(lifetime: 60, at: Self.now - 3_600)
        guard case .refuse(403, .expired) = Self.decide("/", (expired, false)) else {
            Issue.record("an expired token let in")
            return
        }
        guard case .refuse(403, .malformed(let error)) = Self.decide("/", ("sst1.!!", false)) else {
            Issue.record("a malformed token let in")
            return
        }
        #expect(error.field.hasPrefix("token"))
    }

    @Test("a refused page says why in its own language, the checks' words as details; every token reason has its sentence in each")
    func refusedPageLanguage() {
        let page = PageView.accessRefused(.tokenExpired, detail: "token expired at 1800086400 (Unix time)", language: .pt)
        #expect(page.contains("Acesso recusado") && page.contains("O token expirou.") && page.contains("<summary>Detalhes</summary>"))
        #expect(!page.contains("Access refused") && page.contains("token expired at 1800086400"))
        let reasons = RefuseReason.allCases.filter { $0.name.hasPrefix("token_") }
        for language in WebLanguage.allCases {
            let sentences = Set(reasons.map { WebWords.refusal($0, language: language) })
            #expect(sentences.count == reasons.count, "\(language): two reasons share a sentence")
        }
    }

    @Test("over HTTP: refused without a token (the reason in words), a link's token becomes a cookie, the cookie opens pages and streams")
    func gateway() async throws {
        try await bounded(60) {
            let origin = try await GatewayTests.server { $0.interval = .milliseconds(200) }
            async let served = origin.run()
            let text = try TokenTool.issue(
                key: Self.key, subject: "browser", matches: [], lifetime: 600, permissions: [.watch], now: UInt32(Date().timeIntervalSince1970))
            try await withGateway(upstream: origin.localAddress.port ?? 0, { $0.access = Self.admission }) { gateway, port in
                _ = await gateway.hub.changes.wait(until: { $0 >= 1 })
                let id = try #require(gateway.hub.board.matches.first?.id)
                let refused = try await HTTPProbe.get(port: port, "/?lang=en")
                #expect(refused.status == 401 && refused.body.contains("Access refused") && refused.body.contains("token missing"))
                let json = try await HTTPProbe.get(port: port, "/matches/\(id).json")
                #expect(json.status == 401 && !json.body.contains("\"home\""))
                #expect(try await HTTPProbe.get(port: port, "/assets/live.css").status == 200)
                let link = try await HTTPProbe.get(port: port, "/matches/\(id)?token=\(text)&lang=pt")
                #expect(link.status == 303 && link.headers["location"] == "/matches/\(id)?lang=pt")
                let cookie = try #require(link.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
                #expect(link.headers["set-cookie"]?.contains("HttpOnly") == true && !link.body.contains(text))
                let card = try await HTTPProbe.get(port: port, "/matches/\(id)?lang=pt", headers: ["Cookie": cookie])
                #expect(card.status == 200 && card.body.contains("Lance a lance"))
                let stream = try await HTTPProbe(port: port, path: "/matches/\(id)/events", headers: ["Cookie": cookie])
                #expect(await stream.wait { $0.contains("id: ") })
                await stream.close()
                let bearer = try await HTTPProbe.get(port: port, "/matches/\(id).json", headers: ["Authorization": "Bearer \(text)"])
                #expect(bearer.status == 200)
                let forged = try await HTTPProbe.get(port: port, "/", headers: ["Cookie": "soccerstream_token=\(text.dropLast(2))AA"])
                #expect(forged.status == 403 && forged.body.contains("token"))
                origin.stop()
            }
            _ = try await served
        }
    }

    @Test(
        "an open event stream ends when its token is revoked (the list file rewritten) or expires, and the browser's next request is refused with why"
    )
    func streamsCutOff() async throws {
        try await bounded(60) {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("web-revocations-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let listFile = folder + "/revoked.txt"
            try "# nobody yet\n".write(toFile: listFile, atomically: true, encoding: .utf8)
            let origin = try await GatewayTests.server { $0.interval = .seconds(1) }
            async let served = origin.run()
            let now = UInt32(Date().timeIntervalSince1970)
            let revoked = try TokenTool.issue(key: Self.key, subject: "cancelled", matches: [], lifetime: 600, permissions: [.watch], now: now)
            try await withGateway(
                upstream: origin.localAddress.port ?? 0,
                {
                    // No clock skew allowed, heartbeats (and the expiry sweep) every 0.2 s.
                    $0.access = TokenAdmission(trusted: [Self.key.publicKey], skew: 0)
                    $0.revocationFile = listFile
                    $0.heartbeat = .milliseconds(200)
                }
            ) { gateway, port in
                _ = await gateway.hub.changes.wait(until: { $0 >= 1 })
                let id = try #require(gateway.hub.board.matches.first?.id)
                func ended(_ probe: HTTPProbe) async -> Bool {
                    await probe.received.wait(
                        until: { $0.closed || String(decoding: $0.bytes, as: UTF8.self).hasSuffix("0\r\n\r\n") },
                        deadline: .now.advanced(by: .seconds(30)))
                }
                let watching = try await HTTPProbe(port: port, path: "/matches/\(id)/events", headers: ["Cookie": "soccerstream_token=\(revoked)"])
                // Valid for 8 s from now: the stream opens well within it, even on a loaded machine.
                let brief = try TokenTool.issue(
                    key: Self.key, subject: "brief", matches: [], lifetime: 8, permissions: [.watch], now: UInt32(Date().timeIntervalSince1970))
                let briefly = try await HTTPProbe(port: port, path: "/matches/\(id)/events", headers: ["Cookie": "soccerstream_token=\(brief)"])
                #expect(await watching.wait { $0.contains("id: ") })
                #expect(await briefly.wait { $0.contains("id: ") })
                // Revoked by a new list moved into place: that stream ends at once, the other goes on.
                let token = try SubscriberToken(text: revoked)
                try "token \(Hex.encode(token.tokenID))\n".write(toFile: listFile, atomically: true, encoding: .utf8)
                #expect(await ended(watching))
                let again = try await HTTPProbe.get(port: port, "/matches/\(id)/events", headers: ["Cookie": "soccerstream_token=\(revoked)"])
                #expect(again.status == 403 && again.body.contains("revoked"), "\(again.status) \(again.body)")
                // Expired: its stream ends within a heartbeat of its expiry.
                #expect(await ended(briefly))
                let late = try await HTTPProbe.get(port: port, "/matches/\(id).json", headers: ["Cookie": "soccerstream_token=\(brief)"])
                #expect(late.status == 403 && late.body.contains("expired"), "\(late.status) \(late.body)")
                await watching.close()
                await briefly.close()
                origin.stop()
            }
            _ = try await served
        }
    }

    /// Runs `command` with `arguments`; its exit status and standard output.
    static func run(_ command: String, _ arguments: [String]) throws -> (Int32, String) {
        let run = try ProgramRun.run(command, arguments)
        return (run.status, run.output)
    }

    @Test("over TLS with a certificate and key (HummingbirdTLS): curl trusting the certificate gets the page; wrong files are named at start")
    func tls() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
        else {
            // .ci/run installs both (Debian's openssl and curl).
            try #require(ProcessInfo.processInfo.environment["SOCCERSTREAM_REQUIRE_CHROMIUM"] == nil, "openssl and curl are required in CI")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (cert, key, otherKey) = (folder + "/cert.pem", folder + "/key.pem", folder + "/other.pem")
        let made = try Self.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        #expect(made.0 == 0)
        #expect(try Self.run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", otherKey]).0 == 0)
        var configuration = WebGatewayConfiguration(upstream: Upstream(host: "127.0.0.1", port: 9))
        configuration.tls = (cert, otherKey)
        #expect { try WebGateway(configuration: configuration, logger: quietLogger) } throws: { "\($0)".contains("--tls-key \(otherKey)") }
        configuration.tls = (folder + "/missing.pem", key)
        #expect { try WebGateway(configuration: configuration, logger: quietLogger) } throws: { "\($0)".contains("missing.pem: no such file") }
        configuration.tls = (key, key)
        #expect { try WebGateway(configuration: configuration, logger: quietLogger) } throws: { "\($0)".contains("--tls-cert") }

        try await bounded(60) {
            let origin = try await GatewayTests.server { $0.interval = .milliseconds(200) }
            async let served = origin.run()
            try await withGateway(upstream: origin.localAddress.port ?? 0, { $0.tls = (cert, key) }) { gateway, port in
                _ = await gateway.hub.changes.wait(until: { $0 >= 1 })
                let (status, page) = try Self.run("/usr/bin/curl", ["-sS", "--max-time", "20", "--cacert", cert, "https://127.0.0.1:\(port)/"])
                #expect(status == 0 && page.contains("<!doctype html>") && page.contains("SoccerStream"))
                // Plain HTTP to the TLS port gets no page.
                let plain = try await HTTPProbe.get(port: port, "/")
                #expect(plain.status != 200)
                origin.stop()
            }
            _ = try await served
        }
    }
}
