import Foundation
import Streaming
import TestSupport
import Testing

@Suite("LineFollower (tail -f without polling)", .serialized)
struct LineFollowerTests {
    static func collect(_ follower: LineFollower, until stop: ([LineFollower.Item]) -> Bool) async -> [LineFollower.Item] {
        var items: [LineFollower.Item] = []
        for await item in follower.items {
            items.append(item)
            if stop(items) { break }
        }
        return items
    }

    @Test("a file not followed: every line, the last one without its newline, then the end")
    func wholeFile() async throws {
        try await bounded(20) {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString)")
            try Data("one\ntwo\n\nthree".utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
            let follower = try LineFollower(path: url.path, follow: false)
            let items = await Self.collect(follower) { _ in false }
            #expect(
                items == [
                    .line(Array("one".utf8), end: 4), .line(Array("two".utf8), end: 8), .line([], end: 9), .line(Array("three".utf8), end: 14), .end,
                ])
        }
    }

    @Test("a followed file: lines appended later arrive as written; cancel() ends it")
    func followed() async throws {
        try await bounded(20) {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString)")
            try Data("first\n".utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
            let follower = try LineFollower(path: url.path)
            var iterator = follower.items.makeAsyncIterator()
            #expect(await iterator.next() == .line(Array("first".utf8), end: 6))
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("sec".utf8))
            try handle.write(contentsOf: Data("ond\n".utf8))
            try handle.close()
            #expect(await iterator.next() == .line(Array("second".utf8), end: 13))
            follower.cancel()
            #expect(await iterator.next() == .end)
        }
    }

    @Test("read from a line's offset (a resumed feed): the lines after it, with their offsets; an offset past the end is an error naming it")
    func fromOffset() async throws {
        try await bounded(20) {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString)")
            try Data("one\ntwo\nthree\n".utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
            let follower = try LineFollower(path: url.path, follow: false, from: 4)
            let items = await Self.collect(follower) { _ in false }
            #expect(items == [.line(Array("two".utf8), end: 8), .line(Array("three".utf8), end: 14), .end])
            #expect {
                try LineFollower(path: url.path, follow: false, from: 15)
            } throws: { error in
                "\(error)".contains("byte 15") && "\(error)".contains("14 bytes")
            }
        }
    }

    @Test("what cannot be read says why instead of looking like an end; what cannot be opened is an error")
    func failures() async throws {
        try await bounded(20) {
            let follower = try LineFollower(path: FileManager.default.temporaryDirectory.path)  // a directory: read() fails
            let items = await Self.collect(follower) { _ in false }
            guard case .failed(let why) = items.last else {
                Issue.record("no failure: \(items)")
                return
            }
            #expect(!why.isEmpty)
            #expect(throws: StreamingError.self) { try LineFollower(path: "/nonexistent/feed") }
        }
    }
}
