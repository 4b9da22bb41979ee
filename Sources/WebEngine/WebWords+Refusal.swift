import Wire

extension WebWords {
    /// Why a page was refused, in the page's language: one sentence per reason a token fails
    /// (the checks' own words, in English, follow as the details).
    public static func refusal(_ reason: RefuseReason, language: WebLanguage) -> String {
        switch (reason, language) {
        case (.tokenMissing, .en): "This page is for subscribers: it needs a subscriber token."
        case (.tokenMissing, .pt): "Esta página é para assinantes: ela exige um token de assinante."
        case (.tokenMalformed, .en): "The token could not be read."
        case (.tokenMalformed, .pt): "O token não pôde ser lido."
        case (.tokenUnknownKey, .en): "The token was signed by a key this server does not trust."
        case (.tokenUnknownKey, .pt): "O token foi assinado por uma chave em que este servidor não confia."
        case (.tokenBadSignature, .en): "The token's signature does not match: it was altered."
        case (.tokenBadSignature, .pt): "A assinatura do token não confere: ele foi alterado."
        case (.tokenNotYetValid, .en): "The token is not valid yet."
        case (.tokenNotYetValid, .pt): "O token ainda não é válido."
        case (.tokenExpired, .en): "The token has expired."
        case (.tokenExpired, .pt): "O token expirou."
        case (.tokenNotPermitted, .en): "The token does not permit watching."
        case (.tokenNotPermitted, .pt): "O token não permite assistir."
        case (.tokenWrongMatch, .en): "The token is not valid for this match."
        case (.tokenWrongMatch, .pt): "O token não vale para esta partida."
        case (.tokenRevoked, .en): "The token has been revoked."
        case (.tokenRevoked, .pt): "O token foi revogado."
        case (_, .en): "Access is not allowed."
        case (_, .pt): "O acesso não é permitido."
        }
    }

    /// The label of a refusal's details (the checks' own words).
    public static func details(language: WebLanguage) -> String {
        language == .pt ? "Detalhes" : "Details"
    }
}
