import Foundation
import NIOCore
import NIOPosix
import Streaming

/// A test's HTTP/1.1 client on loopback: sends one request and collects the raw response as it
/// arrives (an event stream included), so a test can wait for the bytes it means.
final class HTTPProbe: Sendable {
    struct Received: Sendable {
        var bytes: [UInt8] = []
        var closed = false
    }

    let received = Watch(Received())
    private let channel: any Channel

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: Watch<Received>
        init(_ received: Watch<Received>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.update { $0.bytes += buffer.readableBytesView }
        }
        func channelInactive(context: ChannelHandlerContext) {
            received.update { $0.closed = true }
        }
    }

    /// Connects to 127.0.0.1:`port` and sends `GET path` with `headers` (`close`: asking the
    /// server to close the connection after the response, for a one-off request).
    init(port: Int, path: String, headers: [String: String] = [:], close: Bool = false) async throws {
        let received = self.received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(received)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n" + (close ? "Connection: close\r\n" : "")
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try await channel.writeAndFlush(ByteBuffer(string: request + "\r\n"))
    }

    /// Closes the connection (a browser going away).
    func close() async {
        try? await channel.close()  // already closed by the server is fine
    }

    /// The response so far: status, headers (lower-case names) and the body, de-chunked.
    var response: (status: Int, headers: [String: String], body: String) {
        let text = String(decoding: received.value.bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return (0, [:], "") }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = Self.dechunk(body) }
        return (status, headers, body)
    }

    /// Waits until `condition` holds of the response body (or the connection closed, or
    /// `seconds` passed); whether it holds.
    @discardableResult
    func wait(seconds: Double = 20, until condition: @escaping @Sendable (String) -> Bool) async -> Bool {
        _ = await received.wait(
            until: { received in
                let text = String(decoding: received.bytes, as: UTF8.self)
                guard let split = text.range(of: "\r\n\r\n") else { return received.closed }
                let chunked = text[..<split.lowerBound].lowercased().contains("transfer-encoding: chunked")
                let body = String(text[split.upperBound...])
                return received.closed || condition(chunked ? Self.dechunk(body) : body)
            }, deadline: .now.advanced(by: .milliseconds(Int(seconds * 1000))))
        return condition(response.body)
    }

    /// A chunked body's data (what has arrived of it), read byte by byte.
    static func dechunk(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var body: [UInt8] = []
        var at = 0
        while at < bytes.count {
            guard let lineEnd = (at..<bytes.count - 1).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }),
                let size = Int(String(decoding: bytes[at..<lineEnd], as: UTF8.self), radix: 16), size > 0
            else { break }
            let start = lineEnd + 2
            let stop = min(start + size, bytes.count)
            body += bytes[start..<stop]
            at = stop + 2
        }
        return String(decoding: body, as: UTF8.self)
    }

    /// One request, its whole response.
    static func get(port: Int, _ path: String, headers: [String: String] = [:]) async throws -> (status: Int, headers: [String: String], body: String)
    {
        let probe = try await HTTPProbe(port: port, path: path, headers: headers, close: true)
        _ = await probe.received.wait(until: { $0.closed }, deadline: .now.advanced(by: .seconds(20)))
        await probe.close()
        return probe.response
    }
}
