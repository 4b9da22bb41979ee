import Capture
import FileAccess
import Foundation
import Testing
import Toolkit

#if canImport(Glibc)
import Glibc
#endif

/// `validate` on files it cannot read or that are not captures: the reason in plain words, exit code 2.
@Suite("validate: unreadable files and files that are not captures")
struct UnreadableFileTests {
    @Test("a directory, a missing file and a file without read permission are unreadable, saying why, with exit code 2")
    func unreadable() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let missing = folder.path("missing.pcap")
        for raw in [false, true] {
            let directory = CaptureValidation.validate(file: folder.url.path, raw: raw, ports: [12345])
            #expect(directory.readError == "cannot read \(folder.url.path): is a directory")
            let absent = CaptureValidation.validate(file: missing, raw: raw, ports: [12345])
            #expect(absent.readError == "cannot read \(missing): no such file")
            #expect(CaptureValidation.exitCode([directory]) == 2 && CaptureValidation.exitCode([absent]) == 2)
            let text = CaptureValidation.text([directory, absent], quiet: false)
            #expect(text.contains("CANNOT READ: cannot read \(missing): no such file") && text.contains("unreadable"))
            #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("Code=") && !text.contains("error 512"))
        }
        let locked = try folder.write(PcapWriter().bytes, to: "locked.pcap")
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked)
        let report = Self.withoutRootsOverride { CaptureValidation.validate(file: locked, raw: false, ports: [12345]) }
        #expect(report.readError == "cannot read \(locked): permission denied")
        #expect(CaptureValidation.exitCode([report]) == 2)
        #expect(FileReadError.reason(errno: EACCES) == "permission denied")
        #expect(FileReadError.reason(errno: ENOENT) == "no such file")
        #expect(FileReadError.reason(errno: EISDIR) == "is a directory")
        #expect(FileReadError.reason(errno: ENOSPC) == "no space left on device")
    }

    /// Runs `body` as a user whom file permissions bind: as itself, or when running as root
    /// (CI does), who reads any file, with the filesystem user id of `nobody`. Linux's
    /// `setfsuid` (looked up with `dlsym`: Glibc's Swift module leaves it out) holds for the
    /// calling thread only, so `body` must not suspend; it drops root's file capabilities
    /// until the id is 0 again.
    static func withoutRootsOverride<T>(_ body: () -> T) -> T {
        typealias SetFilesystemUser = @convention(c) (uid_t) -> Int32
        guard geteuid() == 0, let symbol = dlsym(nil, "setfsuid") else { return body() }
        let setfsuid = unsafeBitCast(symbol, to: SetFilesystemUser.self)
        _ = setfsuid(65_534)
        defer { _ = setfsuid(0) }
        return body()
    }

    @Test("a readable file is read whole, whatever its size")
    func readsWhole() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(try FileBytes.read(try folder.write(bytes, to: "big.bin")) == bytes)
        #expect(try FileBytes.read(try folder.write([], to: "empty.bin")) == [])
    }

    @Test("a text file is not a capture: the magic number found and the ones expected, not 'pcap'")
    func textFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(Array("Hello, this is a text file, not a capture.\n".utf8), to: "notes.txt")
        let report = CaptureValidation.validate(file: path, raw: false, ports: [12345])
        #expect(report.format == "not a capture")
        let error = try #require(report.readError)
        for expected in ["48656c6c", "\"Hell\" as text", "a1b2c3d4", "d4c3b2a1", "a1b23c4d", "4d3cb2a1", "0a0d0d0a"] {
            #expect(error.contains(expected), "\(expected) missing from: \(error)")
        }
        #expect(CaptureValidation.exitCode([report]) == 2)
        #expect(CaptureValidation.text([report], quiet: true).contains("\(path): not a capture, 0 frames"))
        #expect(!CaptureValidation.text([report], quiet: true).contains(": pcap,"))

        let binary = CaptureReader.read([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01])
        #expect(binary.format == .notACapture && binary.error?.code == .unknownFormat)
        #expect(
            binary.error?.message.hasPrefix("the file starts with 7f454c46, not a capture's magic number") == true,
            "\(String(describing: binary.error))")
        for short in [[UInt8](), [0xA1, 0xB2]] {
            let contents = CaptureReader.read(short)
            #expect(contents.format == .notACapture && contents.error?.code == .truncated)
            #expect(contents.error?.message.contains("too short for a capture's 4-byte magic number") == true)
        }
    }

    /// A little-endian pcapng section header block (28 bytes), then a block of `type` claiming `length` bytes, then `padding` zero bytes.
    static func pcapng(blockLength length: UInt32, padding: Int) -> [UInt8] {
        func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let section = le32(0x0A0D_0D0A) + le32(28) + le32(0x1A2B_3C4D) + [1, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8) + le32(28)
        return section + le32(1) + le32(length) + [UInt8](repeating: 0, count: padding)
    }

    @Test(
        "a pcapng block length out of range says which rule it breaks, the bytes left and what is allowed, at the length's byte",
        arguments: [
            (UInt32(0xFFFF_FFF0), "block length 4294967280 is larger than any block accepted"),
            (UInt32(300_000), "block length 300000 is larger than any block accepted"),
            (UInt32(8), "block length 8 is less than 12, the type, length and trailing length alone"),
            (UInt32(0), "block length 0 is less than 12, the type, length and trailing length alone"),
            (UInt32(30), "block length 30 is not a multiple of 4"),
        ])
    func pcapngBlockLength(length: UInt32, reason: String) throws {
        let bytes = Self.pcapng(blockLength: length, padding: 32)
        let contents = CaptureReader.read(bytes)
        let error = try #require(contents.error)
        #expect(error.code == .malformed && error.offset == 32)
        #expect(
            error.message
                == "block at byte 28: \(reason) (a block's length is a multiple of 4 from 12 to \(CaptureReader.maximumFrameLength + 1024) bytes; 40 bytes are left in the file)"
        )
        if !reason.contains("multiple") { #expect(!error.message.contains("is not a multiple")) }
    }
}
