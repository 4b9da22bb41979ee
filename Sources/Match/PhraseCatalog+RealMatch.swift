import Wire

extension PhraseCatalog {
    /// The catalogue of real matches in `language`: plain phrases for the thirteen event types,
    /// laid out as ``RealTemplate`` says. Real data's events are facts, so one phrase each, not
    /// the simulator's varied commentary.
    public static func realMatch(_ language: Language) -> PhraseCatalog {
        switch language {
        case .en: realEnglish
        case .pt: realPortuguese
        }
    }

    /// Real matches in English.
    public static let realEnglish = PhraseCatalog(
        language: "en",
        scoreTemplate: PhraseCatalog.english.scoreTemplate,
        eventNames: [
            "Goal!", "Chance", "Save", "Dribble", "Foul", "Yellow card", "Red card!", "Penalty!",
            "Substitution", "Own goal!", "Second yellow!", "Match update", "Shoot-out",
        ],
        templates: [
            ["Goal! {player} scores for {team}.", "Goal! {player} scores the penalty for {team}."],
            ["{player} shoots wide for {team}.", "{player} misses the penalty!", "{player}'s shot is blocked.", "{player} hits the woodwork!"],
            ["{keeper} saves from {player}.", "{keeper} saves {player}'s penalty!"],
            ["{player} goes past {opponent}."],
            ["Foul by {player} ({team}).", "Penalty! {player} ({team}) gives away a penalty."],
            ["Yellow card for {player} ({team})."],
            ["Red card! {player} ({team}) is sent off."],
            ["Penalty to {team}!"],
            ["Substitution for {team}: {substitute} comes on for {player}."],
            ["Own goal! {player} ({team}) turns the ball into his own net."],
            ["Second yellow for {player} ({team}): sent off!"],
            [
                "Kick-off!", "Half-time.", "The second half is under way.", "Full time.", "Extra time begins.",
                "Half-time in extra time.", "The second half of extra time begins.", "The end of extra time.",
                "Penalty shoot-out!", "The shoot-out is over.",
            ],
            [
                "{player} scores in the shoot-out.", "{keeper} saves {player}'s kick in the shoot-out!", "{player} misses in the shoot-out.",
                "{team} score a kick in the shoot-out.", "{team} miss a kick in the shoot-out.",
            ],
        ])

    /// Real matches in Portuguese.
    public static let realPortuguese = PhraseCatalog(
        language: "pt",
        scoreTemplate: PhraseCatalog.portuguese.scoreTemplate,
        eventNames: [
            "Gol!", "Finalização", "Defesa", "Drible", "Falta", "Cartão Amarelo", "Cartão Vermelho!", "Pênalti!",
            "Substituição", "Gol contra!", "Segundo amarelo!", "Andamento", "Disputa de pênaltis",
        ],
        templates: [
            ["Gol! {player} marca para o {team}.", "Gol! {player} converte o pênalti para o {team}."],
            ["{player} chuta para fora.", "{player} perde o pênalti!", "O chute de {player} é bloqueado.", "{player} acerta a trave!"],
            ["{keeper} defende o chute de {player}.", "{keeper} defende o pênalti de {player}!"],
            ["{player} passa por {opponent}."],
            ["Falta de {player} ({team}).", "Pênalti! {player} ({team}) comete pênalti."],
            ["Cartão amarelo para {player} ({team})."],
            ["Cartão vermelho! {player} ({team}) é expulso."],
            ["Pênalti para o {team}!"],
            ["Substituição no {team}: entra {substitute}, sai {player}."],
            ["Gol contra! {player} ({team}) manda contra a própria rede."],
            ["Segundo amarelo para {player} ({team}): expulso!"],
            [
                "Começa o jogo!", "Intervalo.", "Começa o segundo tempo.", "Fim do tempo regulamentar.", "Começa a prorrogação.",
                "Intervalo da prorrogação.", "Começa o segundo tempo da prorrogação.", "Fim da prorrogação.",
                "Disputa de pênaltis!", "Fim da disputa de pênaltis.",
            ],
            [
                "{player} converte na disputa de pênaltis.", "{keeper} defende a cobrança de {player}!", "{player} desperdiça a cobrança.",
                "{team} converte uma cobrança na disputa de pênaltis.", "{team} desperdiça uma cobrança na disputa de pênaltis.",
            ],
        ])
}
