import Match
import Wire

/// Whole pages, rendered on the server: the index of every match and a match's card. Each works
/// without JavaScript (a reload shows the latest); with it, `/assets/live.js` follows the page's
/// event stream (`data-stream`) and puts in the parts each update carries.
public enum PageView {
    /// A page: strict, self-contained (its style and script are the gateway's own assets), and
    /// sized for phones.
    public static func layout(title: String, language: WebLanguage, stream: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="\(language.rawValue)"><head><meta charset="utf-8">\
        <meta name="viewport" content="width=device-width, initial-scale=1">\
        <title>\(HTML.escape(title))</title><link rel="stylesheet" href="/assets/live.css">\
        <script src="/assets/live.js" defer></script></head>
        <body><main data-stream="\(HTML.escape(stream))" data-reload="\(HTML.escape(WebWords.of(language).reload))">\(body)\
        <p class="offline" hidden>\(HTML.escape(WebWords.of(language).connectionLost))</p>\
        <noscript><p class="hint">\(HTML.escape(WebWords.of(language).reload))</p></noscript></main></body></html>

        """
    }

    /// The query that keeps the page's language on its links.
    static func query(_ language: WebLanguage) -> String { "?lang=\(language.rawValue)" }

    /// One match on the index: teams, score, status and the latest event, linking to its card.
    public static func row(_ match: GatewayMatch, language: WebLanguage) -> String {
        let view = CardView(match, language: language)
        let score = match.state.score
        let latest = match.latest.map { "<span class=\"latest\">\(HTML.escape(view.phrase($0)))</span>" } ?? ""
        return """
            <li id="m\(match.id)" class="row"><a href="/matches/\(match.id)\(query(language))">\
            <span class="home">\(HTML.name(match.roster.home.name))</span> <span class="goals">\(score.home) – \(score.away)</span> \
            <span class="away">\(HTML.name(match.roster.away.name))</span></a> \
            <span class="status \(view.statusClass)">\(HTML.escape(view.status))</span>\(latest)</li>
            """
    }

    /// `/`: every match the gateway follows.
    public static func index(_ board: MatchBoard, language: WebLanguage) -> String {
        let words = WebWords.of(language)
        let rows =
            board.matches.isEmpty
            ? "<li class=\"none\">\(HTML.escape(words.noMatches))</li>" : board.matches.map { row($0, language: language) }.joined()
        return layout(
            title: "SoccerStream", language: language, stream: "/events\(query(language))",
            body: "<h1>\(HTML.escape(words.matches))</h1><ul id=\"matches\" class=\"matches\">\(rows)</ul>")
    }

    /// `/matches/ID`: the match card.
    public static func card(_ match: GatewayMatch, language: WebLanguage) -> String {
        let view = CardView(match, language: language)
        let words = view.words
        let title = "\(match.roster.home.name) \(match.state.score.home)–\(match.state.score.away) \(match.roster.away.name)"
        return layout(
            // The stream goes on after the last event the page shows (a reconnect sends Last-Event-ID instead).
            title: title, language: language,
            stream: "/matches/\(match.id)/events\(query(language))" + (match.lastSequence.map { "&after=\($0)" } ?? ""),
            body: """
                <p class="back"><a href="/\(query(language))">← \(HTML.escape(words.allMatches))</a></p>\
                <section id="header" class="header">\(view.header)</section>\
                <section><h2>\(HTML.escape(words.timeline))</h2>\(view.timeline)</section>\
                <section><h2>\(HTML.escape(words.lineUps))</h2><div id="lineups">\(view.lineUps)</div></section>\
                <section><h2>\(HTML.escape(words.statistics))</h2><div id="stats">\(view.statistics)</div></section>
                """)
    }

    /// A page for a match the gateway does not follow.
    public static func notFound(language: WebLanguage) -> String {
        let words = WebWords.of(language)
        return layout(
            title: words.notFound, language: language, stream: "",
            body: "<h1>\(HTML.escape(words.notFound))</h1><p><a href=\"/\(query(language))\">\(HTML.escape(words.allMatches))</a></p>")
    }

    /// A page refused for want of a valid token: the reason in the page's language, the checks'
    /// own words as details (never the token itself), and what to do.
    public static func accessRefused(_ reason: RefuseReason, detail: String, language: WebLanguage) -> String {
        let words = WebWords.of(language)
        return layout(
            title: words.accessRefused, language: language, stream: "",
            body: "<h1>\(HTML.escape(words.accessRefused))</h1><p>\(HTML.escape(WebWords.refusal(reason, language: language)))</p>"
                + "<details><summary>\(HTML.escape(WebWords.details(language: language)))</summary><p>\(HTML.escape(detail))</p></details>"
                + "<p>\(HTML.escape(words.accessHint))</p>")
    }
}
