import FileAccess
import GroupSigning

extension CaptureValidation {
    /// Reads and validates the file at `path`: a capture, or with `raw` one datagram's bytes.
    /// A file that cannot be read gives a report whose ``FileValidation/readError`` says why in
    /// plain words (`cannot read captures: is a directory`), and exit code 2.
    /// Sealed bodies are opened with `subscriptionKeys` (`validate --key`, Spec/ENCRYPTION.md).
    public static func validate(
        file path: String, raw: Bool, ports: [Int], serverKey: GroupPublicKey? = nil, subscriptionKeys: [UInt64: ExportedKey] = [:]
    ) -> FileValidation {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch {
            var unreadable = FileValidation(path: path, format: "not read", frames: 0)
            unreadable.readError = error.description
            return unreadable
        }
        return raw
            ? validate(raw: bytes, path: path, subscriptionKeys: subscriptionKeys)
            : validate(capture: bytes, path: path, ports: ports, serverKey: serverKey, subscriptionKeys: subscriptionKeys)
    }
}
