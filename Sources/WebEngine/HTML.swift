/// Text made safe for HTML: every name and phrase on a page comes from feeds and upstreams, so
/// every one goes through here (element text and attribute values alike).
public enum HTML {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A name from a feed, escaped and isolated (`<bdi>`), so that right-to-left text in it
    /// never reorders the text around it.
    public static func name(_ text: String) -> String {
        "<bdi>\(escape(text))</bdi>"
    }
}
