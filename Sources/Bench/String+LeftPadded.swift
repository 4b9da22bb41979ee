extension String {
    /// The text right-aligned in `width` columns (as it is when longer), for benchmark tables.
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
