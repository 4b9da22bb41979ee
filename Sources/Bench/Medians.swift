/// What the benchmarks that repeat their runs (`--repeat`) share: runs grouped by what they
/// measured, and the middle value of each group's figures.
package enum Medians {
    /// `items` grouped by `key`, the groups in the order their first item appears, each group's
    /// items in their order.
    package static func groups<Item>(_ items: [Item], by key: (Item) -> String) -> [[Item]] {
        var order: [String] = []
        var groups: [String: [Item]] = [:]
        for item in items {
            let name = key(item)
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(item)
        }
        return order.compactMap { groups[$0] }
    }

    /// The middle value (the mean of the middle two for an even count); nil for none.
    package static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
