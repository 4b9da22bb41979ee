import Foundation
import Match
import Wire

/// The language a page is shown in: `?lang=pt` or `?lang=en` first, then the browser's
/// `Accept-Language` (its first `pt` or `en` range by quality), else English.
public enum WebLanguage: String, Sendable, Hashable, CaseIterable {
    case en
    case pt

    /// The page's language from its query value and `Accept-Language` header.
    public static func negotiate(query: String?, acceptLanguage: String?) -> WebLanguage {
        if let query, let language = WebLanguage(rawValue: query.lowercased()) { return language }
        guard let header = acceptLanguage else { return .en }
        // "pt-BR,pt;q=0.9,en;q=0.8": the highest quality of a language we have wins; ties keep the order.
        var best: (language: WebLanguage, quality: Double)?
        for range in header.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased() else { continue }
            let primary = String(tag.split(separator: "-").first ?? "")
            guard let language = WebLanguage(rawValue: primary) else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            if quality > (best?.quality ?? 0) { best = (language, quality) }
        }
        return best?.language ?? .en
    }

    /// The catalogue to tell a match's events in, in this language: the match's own when it is
    /// in this language, else the built-in one of this language with the same kinds and
    /// templates (so every event has its phrase), else the match's own.
    public func catalog(for match: PhraseCatalog, roster: Roster) -> PhraseCatalog {
        guard match.language != rawValue else { return match }
        let language: Language = self == .pt ? .pt : .en
        let candidate = roster.needsExtension ? PhraseCatalog.realMatch(language) : language.catalog
        let sameShape = candidate.templates.map(\.count) == match.templates.map(\.count)
        return sameShape ? candidate : match
    }
}
