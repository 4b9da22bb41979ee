import Wire

extension PhraseCatalog {
    /// The English catalogue (the default).
    public static let english = PhraseCatalog(
        language: "en",
        scoreTemplate: "Score: {home} {home_goals} - {away_goals} {away}",
        eventNames: ["Goal!", "Missed chance!", "Save!", "Magic dribble!", "Foul!", "Yellow card!", "Red card!", "Penalty!"],
        templates: [
            [
                "Goal! The crowd goes wild for {team}! {player} scores!",
                "What a strike! {player} finds the net for {team}!",
                "It's in! {player} beats {keeper} and {team} celebrate!",
                "Clinical finish from {player}! {team} score!",
            ],
            [
                "{player} misses a golden chance for {team}!",
                "The goal was gaping, but {player} fires wide for {team}!",
                "Unbelievable! {player} wastes the opportunity for {team}!",
                "{player} drags it wide with only {keeper} to beat!",
            ],
            [
                "What a save! {keeper} flies to deny {player}!",
                "{keeper} gets down well to stop {player}'s shot!",
                "Brilliant reflexes from {keeper}! {player} can't believe it!",
                "{player} shoots for {team}, but {keeper} is equal to it!",
            ],
            [
                "Magic! {player} dances past {opponent}!",
                "{player} skips past {opponent} like an arrow!",
                "A bewildering dribble from {player} leaves {opponent} on the floor!",
                "With a touch of genius, {player} beats {opponent}!",
            ],
            [
                "{player} of {team} brings down {opponent}. Free kick!",
                "Tactical foul by {player} of {team} to stop the counter.",
                "Late challenge from {player} on {opponent}; the referee blows.",
                "Dangerous moment! {team} concede a free kick as {player} clips {opponent}!",
            ],
            [
                "Yellow card for {player} of {team}. He needs to be careful!",
                "The referee books {player} of {team}!",
                "Unsporting behaviour earns {player} of {team} a yellow card!",
                "Another hard tackle on {opponent}, and {player} of {team} goes into the book!",
            ],
            [
                "Straight red! {player} of {team} is sent off for a foul on {opponent}!",
                "Off he goes! {player} of {team} sees red after the challenge on {opponent}!",
                "An early bath for {player} of {team} after that foul on {opponent}!",
                "The referee doesn't hesitate: red card for {player} of {team}!",
            ],
            [
                "The referee points to the spot! {player} of {team} steps up against {keeper}!",
                "Penalty! {player} of {team} faces {keeper}... who will win?",
                "Saved! {keeper} stops the penalty from {player} of {team}!",
                "Silence in the stadium as {player} of {team} prepares the penalty.",
            ],
        ])
}
