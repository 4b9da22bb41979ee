extension String {
    /// The text padded with spaces to `width` characters, on the left when `alignRight` (for
    /// numbers), or unchanged when it is already that wide: the columns of the text tables
    /// the tools print.
    public func padded(to width: Int, alignRight: Bool = false) -> String {
        guard count < width else { return self }
        let space = String(repeating: " ", count: width - count)
        return alignRight ? space + self : self + space
    }
}
