import Wire

/// The languages the built-in phrase catalogues are written in.
public enum Language: String, Sendable, Hashable, CaseIterable, Codable {
    case en
    case pt

    /// The built-in catalogue of this language.
    public var catalog: PhraseCatalog {
        switch self {
        case .en: .english
        case .pt: .portuguese
        }
    }
}
