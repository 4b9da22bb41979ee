import ClientEngine
import GroupSigning
import NIOCore
import RuntimeSupport

#if canImport(Glibc)
import Glibc
#endif

extension StreamClient {
    /// Sends one datagram to the server.
    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: serverAddress, data: ByteBuffer(bytes: bytes)))
    }

    /// A datagram arrived: the first of what it adds to the stream, while something records
    /// datagrams (the capture); `port`, the group's, for one from the multicast group.
    func record(_ envelope: AddressedEnvelope<ByteBuffer>, port: Int? = nil) {
        guard capture != nil else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let destination = envelope.metadata?.packetInfo.map { info -> SocketAddress in
            var address = info.destinationAddress
            address.port = port ?? localAddress.port
            return address
        }
        let datagram = ArrivedDatagram(
            bytes: Array(envelope.data.readableBytesView), source: envelope.remoteAddress, destination: destination,
            time: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
        deliver([.datagram(datagram)])
    }

    /// Writes the capture, if asked for (``ClientConfiguration/capturePath``), once the run is over.
    func writeCapture() throws(StreamingError) {
        guard let path = configuration.capturePath, let capture else { return }
        let unrecorded = try capture.write(to: path)
        logger.info("Wrote the datagrams received to \(path).")
        if unrecorded > 0 {
            logger.warning("\(unrecorded) datagram(s) are not in \(path): a pcap record cannot hold them (addresses of two families, or too large).")
        }
    }
}

extension StreamClient {
    /// Appends the subscription key to `--export-key`'s file when it is new (the first sealed
    /// welcome, or a new key agreed after a server's restart): one line, the file readable by
    /// its owner only. A failure is logged and said once; the stream goes on.
    func exportKey() {
        guard let path = configuration.exportKeyPath, let key = session.withLock({ $0.exportedKey }) else { return }
        let fresh = exported.withLock { last in
            guard last != key.key else { return false }
            last = key.key
            return true
        }
        guard fresh else { return }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let said = "cannot write the subscription key to \(path) (--export-key): \(String(cString: strerror(errno)))"
            logger.error("\(said)")
            StandardError.write("error: \(said)\n")
            return
        }
        defer { close(descriptor) }
        let line = Array(key.line.utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != line.count {
            let said =
                "cannot write the subscription key to \(path) (--export-key): \(written < 0 ? String(cString: strerror(errno)) : "short write")"
            logger.error("\(said)")
            StandardError.write("error: \(said)\n")
        } else {
            logger.info("Subscription key exported to \(path) (validate --key \(path)).")
        }
    }
}
