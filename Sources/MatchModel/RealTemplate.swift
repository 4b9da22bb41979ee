/// The template indices of the real-match catalogues (`PhraseCatalog.realMatch(_:)`) that the
/// importers choose and the base-layout projection (`BaseProjection`) maps: one place for both.
public enum RealTemplate {
    /// Goal: open play, penalty.
    public static let goal: UInt8 = 0
    public static let penaltyGoal: UInt8 = 1
    /// Missed chance: wide, penalty missed, blocked, woodwork.
    public static let wide: UInt8 = 0
    public static let penaltyMissed: UInt8 = 1
    public static let blocked: UInt8 = 2
    public static let woodwork: UInt8 = 3
    /// Save: open play, penalty.
    public static let save: UInt8 = 0
    public static let penaltySaved: UInt8 = 1
    /// Foul: a card's, a penalty's.
    public static let foul: UInt8 = 0
    public static let penaltyFoul: UInt8 = 1
    /// Shoot-out kick: scored, saved, missed.
    public static let kickScored: UInt8 = 0
    public static let kickSaved: UInt8 = 1
    public static let kickMissed: UInt8 = 2
    /// Shoot-out kick whose taker the source does not name (openfootball): scored, missed.
    public static let teamKickScored: UInt8 = 3
    public static let teamKickMissed: UInt8 = 4

    /// A period event's template: its phase's (``MatchPhase``) code less one.
    public static func period(_ phase: MatchPhase) -> UInt8 { phase.rawValue &- 1 }
}
