import Wire

extension PhraseCatalog {
    /// The Portuguese catalogue, in the spirit of the original's Brazilian commentary; its
    /// event names are the ones the original server sent in `type`.
    public static let portuguese = PhraseCatalog(
        language: "pt",
        scoreTemplate: "Placar: {home} {home_goals} - {away_goals} {away}",
        eventNames: ["Gol!", "Gol Perdido!", "Defesa!", "Drible mágico!", "Falta!", "Cartão Amarelo!", "Cartão Vermelho!", "Pênalti!!"],
        templates: [
            [
                "Gol! A torcida explode com o {team}! {player} marcou!",
                "Que golaço! {player} balança as redes pelo {team}!",
                "É gol! {player} vence {keeper} e o {team} comemora!",
                "Finalização perfeita de {player}! Gol do {team}!",
            ],
            [
                "{player} perdeu uma chance de ouro pelo {team}!",
                "Gol aberto, mas {player} mandou para fora pelo {team}!",
                "Inacreditável! {player} desperdiçou a oportunidade pelo {team}!",
                "{player} chutou por cima, só tinha {keeper} pela frente!",
            ],
            [
                "Que defesa! {keeper} voou para parar {player}!",
                "{keeper} se estica todo e segura o chute de {player}!",
                "Reflexo incrível de {keeper}! {player} não acredita!",
                "{player} arrisca pelo {team}, mas {keeper} está atento!",
            ],
            [
                "Que magia! {player} deixou {opponent} no chão!",
                "{player} passou por {opponent} como uma flecha!",
                "Drible desconcertante de {player} em {opponent}!",
                "Com um toque de gênio, {player} driblou {opponent}!",
            ],
            [
                "{player} do {team} derruba {opponent}. Falta!",
                "Falta tática de {player} do {team} para parar o contra-ataque.",
                "Entrada atrasada de {player} em {opponent}, o árbitro apita.",
                "Momento perigoso! {player} do {team} acerta {opponent} perto da área!",
            ],
            [
                "Cartão amarelo para {player} do {team}. Precisa tomar cuidado!",
                "O árbitro adverte {player} do {team} com o amarelo!",
                "Reclamação demais: amarelo para {player} do {team}!",
                "Mais uma entrada dura em {opponent} e {player} do {team} leva o amarelo!",
            ],
            [
                "Vermelho direto! {player} do {team} é expulso após falta em {opponent}!",
                "Pra fora! {player} do {team} recebe o vermelho pela entrada em {opponent}!",
                "Vai mais cedo para o chuveiro! {player} do {team} expulso após falta em {opponent}!",
                "O árbitro não hesita: cartão vermelho para {player} do {team}!",
            ],
            [
                "O árbitro aponta a marca da cal! {player} do {team} encara {keeper}!",
                "Pênalti! {player} do {team} contra {keeper}, quem leva a melhor?",
                "Defendeu! {keeper} pega o pênalti de {player} do {team}!",
                "Silêncio no estádio enquanto {player} do {team} se prepara para a cobrança.",
            ],
        ])
}
