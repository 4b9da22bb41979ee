/// How a match minute is shown, as the original client showed it.
public enum MatchClock {
    /// `45+N'` for minutes 46–49 (first-half added time), `90+N'` after 90, else `N'`.
    public static func display(_ minute: UInt8) -> String {
        switch minute {
        case 46...49: "45+\(minute - 45)'"
        case 91...: "90+\(minute - 90)'"
        default: "\(minute)'"
        }
    }
}
