import NIOCore
import RuntimeSupport
import Testing

@Suite("Addresses as people write them")
struct AddressDisplayTests {
    @Test(
        "IPv4 from its bytes, IPv6 in brackets, each with its port",
        arguments: [
            ("127.0.0.1", 5000, "127.0.0.1:5000"), ("0.0.0.0", 0, "0.0.0.0:0"), ("255.255.255.255", 65535, "255.255.255.255:65535"),
            ("10.20.30.40", 80, "10.20.30.40:80"), ("192.168.0.9", 12345, "192.168.0.9:12345"), ("::1", 5000, "[::1]:5000"),
            ("fe80::1:2", 443, "[fe80::1:2]:443"),
        ])
    func display(ip: String, port: Int, expected: String) throws {
        let address = try SocketAddress(ipAddress: ip, port: port)
        #expect(address.display == expected)
        // The same text NIO's own formatting gives.
        let host = address.protocol == .inet6 ? "[\(address.ipAddress ?? "")]" : address.ipAddress ?? ""
        #expect(address.display == "\(host):\(port)")
    }
}
