extension Duration {
    /// The duration in seconds, as a `Double` (the one conversion every module uses).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in whole microseconds, clamped to `UInt32` (as a welcome announces the interval).
    public var wholeMicroseconds: UInt32 {
        let (seconds, attoseconds) = components
        return UInt32(clamping: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }
}
