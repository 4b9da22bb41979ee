import Wire

/// The settings a running server takes from a reloaded configuration (SIGHUP), and those that
/// need a restart.
public enum LiveSetting: String, Sendable, CaseIterable {
    case maxClients = "max-clients"
    case clientTimeout = "client-timeout"
    case registerRate = "register-rate"
    case registerBurst = "register-burst"
    case repairRate = "repair-rate"
    case originalBudget = "original-budget"
    case originalBudgetTotal = "original-budget-total"
}

extension ServerState {
    /// Takes the limits and rates of `new` that may change while the server runs (``LiveSetting``)
    /// and returns those that changed. The registration limiter and the byte budgets start
    /// afresh at the new rates; each subscription's repair budget does at its next NACK. Nothing
    /// else of `new` is taken: the caller says which other settings need a restart.
    public mutating func applyLive(_ new: ServerConfiguration) -> [LiveSetting] {
        var changed: [LiveSetting] = []
        let old = configuration
        if new.maxClients != old.maxClients { changed.append(.maxClients) }
        if new.clientTimeout != old.clientTimeout { changed.append(.clientTimeout) }
        if new.registerRate != old.registerRate { changed.append(.registerRate) }
        if new.registerBurst != old.registerBurst { changed.append(.registerBurst) }
        if new.repairRate != old.repairRate { changed.append(.repairRate) }
        if new.originalBudget.perPrefix != old.originalBudget.perPrefix { changed.append(.originalBudget) }
        if new.originalBudget.total != old.originalBudget.total { changed.append(.originalBudgetTotal) }
        guard !changed.isEmpty else { return [] }
        configuration.maxClients = new.maxClients
        configuration.clientTimeout = new.clientTimeout
        configuration.registerRate = new.registerRate
        configuration.registerBurst = new.registerBurst
        configuration.repairRate = new.repairRate
        configuration.originalBudget = new.originalBudget
        if changed.contains(.registerRate) || changed.contains(.registerBurst) {
            limiter = RegistrationLimiter(rate: configuration.registerRate, burst: configuration.registerBurst, clock: clock)
        }
        if changed.contains(.originalBudget) || changed.contains(.originalBudgetTotal) {
            originalBudget = OriginalBudget(settings: configuration.originalBudget, countingFrom: originalBudget)
        }
        if changed.contains(.repairRate) {
            for slot in matches.indices {
                for address in matches[slot].subscribers.keys { matches[slot].subscribers[address]?.repairBudget = nil }
                for address in matches[slot].ended.keys { matches[slot].ended[address]?.repairBudget = nil }
            }
            repairBudget = nil
        }
        return changed
    }
}
