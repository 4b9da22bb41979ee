import Crypto

/// HMAC-SHA256 (RFC 2104) under one key, its inner and outer pads hashed once: each code copies
/// the two SHA-256 states (copied on write) and feeds them the message and the inner digest.
///
/// It is swift-crypto's `HMAC<SHA256>` without its generic entry point: `HMAC.update(data:)`
/// takes any `DataProtocol`, is not specialised across the module boundary, and walked the
/// message's regions through generic metadata look-ups that cost about three times the hashing
/// itself (`perf` of a 100,000-client registration, docs/BENCHMARKS.md). The hashing is
/// swift-crypto's; `PaddedHMACTests` checks every code against `HMAC<SHA256>`.
package struct PaddedHMAC: @unchecked Sendable {
    // SHA256 is a value (its state copied on write) but not declared Sendable; these two are
    // never mutated, only copied: safe to share.
    /// SHA-256 after `key ⊕ ipad`.
    private let inner: SHA256
    /// SHA-256 after `key ⊕ opad`.
    private let outer: SHA256

    /// A MAC under `key`; a key longer than SHA-256's 64-byte block is hashed first, as RFC 2104 says.
    package init(key: SymmetricKey) {
        let keyBytes: [UInt8] = key.withUnsafeBytes { bytes in
            guard bytes.count > SHA256.blockByteCount else { return Array(bytes) }
            var hash = SHA256()
            hash.update(bufferPointer: bytes)
            return Array(hash.finalize())
        }
        // The key, then zeros to a whole block.
        let block = keyBytes + [UInt8](repeating: 0, count: SHA256.blockByteCount - keyBytes.count)
        var inner = SHA256()
        var outer = SHA256()
        (block.map { $0 ^ 0x36 }).withUnsafeBytes { inner.update(bufferPointer: $0) }
        (block.map { $0 ^ 0x5c }).withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    /// The code of `message`.
    package func code(_ message: UnsafeRawBufferPointer) -> SHA256Digest {
        var inner = self.inner
        inner.update(bufferPointer: message)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }
}
