import Wire

/// This build of SoccerStream: what `soccer-stream --version` prints and metrics report.
public enum Release {
    /// The release, semantic versioning: 2.x speaks protocol version 2 (pre-release until
    /// version 2 is declared final, Spec §10).
    public static let version = "2.0.0-dev"

    /// `2.0.0-dev (protocol version 2)`.
    public static var description: String { "\(version) (protocol version \(FrameHeader.currentVersion))" }
}
