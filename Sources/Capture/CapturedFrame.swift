/// One link-layer frame from a capture file.
public struct CapturedFrame: Sendable, Hashable {
    /// Its position in the file (1-based, as Wireshark numbers them).
    public var number: Int
    /// The byte offset of its record or block in the file.
    public var fileOffset: Int
    /// The pcapng interface it was captured on (0 for classic pcap).
    public var interface: Int
    /// The link type (LINKTYPE_ value).
    public var linkType: UInt32
    /// Capture time in seconds since the epoch.
    public var timestamp: Double
    /// The bytes captured.
    public var data: [UInt8]
    /// The frame's length on the wire (may exceed `data.count` with a short snap length).
    public var originalLength: Int
}

/// What a capture file held, and whether it could be read to the end.
public struct CaptureContents: Sendable {
    /// The file format, from the magic number the file starts with.
    public enum Format: String, Sendable {
        case pcap
        case pcapNanoseconds = "pcap (ns)"
        case pcapng
        /// Neither: the file does not start with a pcap or pcapng magic number (or is shorter
        /// than one), and nothing was read.
        case notACapture = "not a capture"
    }

    /// The format.
    public var format: Format
    /// Whether the file's integers are big-endian.
    public var bigEndian: Bool
    /// The frames read, in file order.
    public var frames: [CapturedFrame]
    /// Set when reading stopped early (truncated or malformed file): the frames before it are kept.
    public var error: CaptureError?
}
