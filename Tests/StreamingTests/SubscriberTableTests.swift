import NIOCore
import RuntimeSupport
import Streaming
import Testing

@Suite("Subscriber table")
struct SubscriberTableTests {
    private static func subscriber(port: Int, subscription: UInt64) throws -> Subscriber {
        Subscriber(address: try SocketAddress(ipAddress: "127.0.0.1", port: port), delivery: .compact, subscription: subscription)
    }

    /// Checks the table against a dictionary doing the same: every look-up, the count, and that
    /// keys and values are the same pairs.
    private static func agree(_ table: SubscriberTable, _ reference: [DatagramAddress: Subscriber], after step: String) {
        #expect(table.count == reference.count, "count after \(step)")
        #expect(table.keys.count == table.values.count, "keys and values after \(step)")
        for (key, value) in table.entries {
            #expect(reference[key] == value, "the pair kept under a key after \(step)")
            #expect(table[key] == value, "the look-up of a kept key after \(step)")
        }
        for (key, value) in reference { #expect(table[key] == value, "a reference entry after \(step)") }
    }

    @Test("inserts, replacements and removals anywhere (the last one swapped in) agree with a dictionary")
    func agreesWithDictionary() throws {
        var table = SubscriberTable()
        var reference: [DatagramAddress: Subscriber] = [:]
        var generator = SystemRandomNumberGenerator()
        for step in 0..<3_000 {
            let port = Int.random(in: 6000..<6200, using: &generator)
            let key = DatagramAddress(try SocketAddress(ipAddress: "127.0.0.1", port: port))
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<5:
                let subscriber = try Self.subscriber(port: port, subscription: UInt64(step))
                #expect(table.updateValue(subscriber, forKey: key) == reference.updateValue(subscriber, forKey: key))
            case 5..<9:
                #expect(table.removeValue(forKey: key) == reference.removeValue(forKey: key))
            default:
                table[key] = nil
                reference[key] = nil
            }
            if step % 97 == 0 { Self.agree(table, reference, after: "step \(step)") }
        }
        Self.agree(table, reference, after: "the last step")
        table.removeAll()
        #expect(table.isEmpty && table.keys.isEmpty)
    }

    @Test("a change through the subscript's optional chaining lands on that subscriber only")
    func modifiesInPlace() throws {
        var table = SubscriberTable()
        let first = try Self.subscriber(port: 7000, subscription: 1)
        let second = try Self.subscriber(port: 7001, subscription: 2)
        table[first.datagramAddress] = first
        table[second.datagramAddress] = second
        table[first.datagramAddress]?.lastHeard = 42
        #expect(table[first.datagramAddress]?.lastHeard == 42)
        #expect(table[second.datagramAddress]?.lastHeard == second.lastHeard)
        #expect(table.count == 2)
    }
}
