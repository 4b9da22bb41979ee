import ClientEngine
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
