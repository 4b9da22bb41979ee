import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

// Registration (Spec §7): a register through the address challenge to its welcome, and list requests (§4.9).
extension ServerState {
    package mutating func register(
        _ address: SocketAddress, _ request: RegisterRequest, subscription: UInt64,
        size: Int
    ) -> (replies: [Reply], notices: [Notice]) {
        let key = DatagramAddress(address)
        let current = subscriberAndSlot(at: key)
        if let (existing, slot) = current, existing.delivery != .original, existing.subscription == subscription {
            let group =
                request.delivery == .group && multicastOffers[existing.delivery.format] != nil
                && !existing.delivery.isBaseLayout && (existing.seal != nil) == groupSealed
            // Idempotent: the same welcome again, no second subscription. The address is validated.
            // A client that has joined the group says so this way (Spec §4.11): from now on its
            // events come from there (and back to unicast, asked so).
            var updated = existing
            updated.lastHeard = now
            if existing.group != group {
                updated.group = group
                _ = matches[slot].subscribe(updated, limit: configuration.maxClients)
            } else {
                matches[slot].subscribers[existing.datagramAddress]?.lastHeard = now
            }
            return welcoming(updated, slot: slot, repeated: true)
        }
        // Another identifier from a subscribed address (a client restarted on the same port, or a
        // forgery) is a new subscription: it needs a valid token like any other, and replaces the old.
        if let challenge = challengeUnlessValid(address, token: request.token, subscription: subscription, size: size, what: "register") {
            return challenge
        }
        guard let format = request.formats.first(where: { configuration.formats.contains($0) }) else {
            let offered = configuration.formats.map(\.name).joined(separator: " and ")
            return refuse(address, .noCommonFormat, "this server offers \(offered) only", budget: .max, subscription: subscription)
        }
        guard let slot = slot(for: request.match) else {
            if configuration.upstreamOnDemand && !unknownUpstream.contains(request.match) {
                // A relay on demand: not refused, but subscribed upstream; the client's next attempt finds it.
                // A relay that requires tokens first checks the client's against the match it asks
                // for: it pulls no match upstream for a client it would refuse. For any match,
                // which match is not known until the relay carries one: every rule but the
                // match's here, and the match's on the client's next attempt.
                if configuration.tokenAdmission != nil {
                    let match = request.match == RegisterRequest.anyMatch ? nil : request.match
                    if let refusal = admitting(request, from: address, to: match, subscription: subscription).refusal { return refusal }
                }
                return ([], [.wanted(request.match)])
            }
            let text = request.match == RegisterRequest.anyMatch ? "no live match" : "no live match \(request.match); ask with client --list"
            return refuse(address, .unknownMatch, text, budget: .max, subscription: subscription)
        }
        // Checked only now, for a validated address, against the match it would follow.
        let admission = admitting(request, from: address, to: matches[slot].id, subscription: subscription)
        if let refusal = admission.refusal { return refusal }
        let admittedToken = admission.token
        guard current != nil || clientCount < configuration.maxClients else {
            return refuse(address, .serverFull, "server full (\(configuration.maxClients) clients)", budget: .max, subscription: subscription)
        }
        // The first dictionary the client lists that this server uses; none otherwise.
        let dictionary = request.dictionaries.first { id in configuration.dictionaries.contains { $0.id == id } } ?? 0
        var delivery = Delivery(format)
        if let base = matches[slot].base {
            // A real match (Spec §4.13): the extended layout if the client asked for it, else the base one.
            delivery = delivery.forRealMatch(features: request.features)
            if case .failure(let error) = base, !delivery.extendedForRealMatches {
                let reason = "this real match cannot be shown without the extended layout (\(error.message)); register with feature bit 0"
                return refuse(address, .noCommonFormat, reason, budget: .max, subscription: subscription)
            }
        }
        var subscriber = Subscriber(
            address: address, key: key, delivery: delivery, lastHeard: now, dictionary: dictionary,
            subscription: subscription)
        subscriber.mayRepair = admittedToken.map { $0.permissions.contains(.repair) } ?? true
        // Sealed or in clear, as the register's key share and --encrypt say (Spec/ENCRYPTION.md).
        switch sealDecision(keyShare: request.keyShare, subscription: subscription) {
        case .clear: break
        case .sealed(let seal): subscriber.seal = seal
        case .refused(let reason, let text): return refuse(address, reason, text, budget: .max, subscription: subscription)
        }
        // The group carries a real match's extended frames: base-layout clients take events at their
        // address; so do subscriptions in clear when the group is sealed, and sealed ones when it is not.
        subscriber.group =
            request.delivery == .group && multicastOffers[format] != nil && !delivery.isBaseLayout
            && (subscriber.seal != nil) == groupSealed
        // Subscribed only once its welcome exists: a welcome that fails to encode subscribes nobody.
        let reply = welcoming(subscriber, slot: slot, repeated: false)
        if !reply.replies.isEmpty {
            subscribe(subscriber, slot: slot)
            if let admittedToken {
                admitted[subscriber.datagramAddress] = AdmittedToken(subscription: subscription, token: admittedToken)
            } else if !admitted.isEmpty {
                admitted[subscriber.datagramAddress] = nil
            }
        }
        return (reply.replies, reply.replies.isEmpty ? reply.notices : [.registered(subscriber, count: clientCount, repeated: false)])
    }

    /// A register from `address` through the registration rate limit (Spec §7.2), then its
    /// subscriber token checked against `match` (nil: not known yet; see
    /// ``TokenAdmission/admit(_:match:now:)``): the answer refusing it, or the token admitted
    /// (nil when this server admits anyone). The rate limit comes first: checking a token's
    /// signature costs more than the rest of a register (about 0.1 ms), and a validated address
    /// sending bad tokens would otherwise have each one checked, without limit.
    private mutating func admitting(
        _ request: RegisterRequest, from address: SocketAddress, to match: UInt32?, subscription: UInt64
    ) -> (refusal: (replies: [Reply], notices: [Notice])?, token: SubscriberToken?) {
        guard limiter.allow(address) else {
            let text = "too many registrations from \(address.ipAddress ?? "this address"); retry in a second"
            return (refuse(address, .rateLimited, text, budget: .max, subscription: subscription), nil)
        }
        let bytes = request.subscriberToken.isEmpty ? nil : request.subscriberToken
        switch configuration.tokenAdmission?.admit(bytes, match: match, now: clock.unixSeconds()) {
        case .failure(let refusal): return (refuse(address, refusal.reason, refusal.description, budget: .max, subscription: subscription), nil)
        case .success(let token): return (nil, token)
        case nil: return (nil, nil)
        }
    }

    /// nil when `token` is valid for `address`; otherwise the answer: a challenge no larger than
    /// the `size` bytes received (or nothing, for a request not padded to the minimum).
    package mutating func challengeUnlessValid(
        _ address: SocketAddress, token: [UInt8], subscription: UInt64, size: Int,
        what: String
    ) -> (replies: [Reply], notices: [Notice])? {
        guard !validator.isValid(token, for: address, at: now) else { return nil }
        // Not validated: answer with a token, never with more bytes than were received.
        guard size >= RegisterRequest.minimumFrameSize else {
            return reject(address, "\(what) shorter than \(RegisterRequest.minimumFrameSize) bytes (not padded)")
        }
        let fresh = validator.token(for: address, at: now)
        switch counted(
            Self.encode(
                "challenge", for: address,
                { () throws(WireError) in
                    try Frame(body: .challenge(Challenge(token: fresh)), subscription: subscription).encoded()
                }))
        {
        case .success(let challenge):
            guard challenge.readableBytes <= size else {
                return reject(address, "challenge of \(challenge.readableBytes) bytes larger than the \(size)-byte \(what); not sent")
            }
            return ([Reply(address: address, payload: challenge)], [.challenged(address)])
        case .failure(let notice):
            return ([], [notice])
        }
    }

    /// Answers a list request (Spec §4.9): a challenge for an address not validated yet, else one
    /// page of the listing (at most ``MatchListing/maximumFrameSize`` bytes), within the
    /// per-address rate that registers obey.
    package mutating func list(
        _ address: SocketAddress, _ request: ListRequest, subscription: UInt64,
        size: Int
    ) -> (replies: [Reply], notices: [Notice]) {
        if let challenge = challengeUnlessValid(address, token: request.token, subscription: subscription, size: size, what: "list") {
            return challenge
        }
        guard limiter.allow(address) else {
            return reject(address, "list requests over the per-address rate")
        }
        let page = listing(from: Int(request.offset))
        switch counted(
            Self.encode(
                "listing", for: address,
                { () throws(WireError) in
                    try Frame(body: .listing(page), subscription: subscription).encoded()
                }))
        {
        case .success(let payload): return ([Reply(address: address, payload: payload)], [.listed(address, matches: page.matches.count)])
        case .failure(let notice): return ([], [notice])
        }
    }

    /// The welcome for `subscriber` (made once per format and dictionary between two events),
    /// or the notice of its failure to encode.
    package mutating func welcoming(_ subscriber: Subscriber, slot: Int, repeated: Bool) -> (replies: [Reply], notices: [Notice]) {
        let kind = LiveMatch.WelcomeKind(delivery: subscriber.delivery, dictionary: subscriber.dictionary, sealed: subscriber.seal != nil)
        if let made = matches[slot].welcomes[kind] {
            return sent(made, to: subscriber, repeated: repeated)
        }
        let dictionary = CompressionDictionary.withID(subscriber.dictionary) ?? .none
        switch counted(
            Self.encode(
                "welcome (\(subscriber.delivery.rawValue))", for: subscriber.address,
                { () throws(WireError) in
                    try welcome(for: subscriber.delivery, dictionary: dictionary, slot: slot, sealed: subscriber.seal != nil)
                }))
        {
        case .success(let made):
            matches[slot].welcomes[kind] = made
            return sent(made, to: subscriber, repeated: repeated)
        case .failure(let notice):
            return ([], [notice])
        }
    }

    /// The welcome `made` (shared) as `subscriber` gets it: stamped, and sealed if its subscription is.
    private mutating func sent(_ made: ByteBuffer, to subscriber: Subscriber, repeated: Bool) -> (replies: [Reply], notices: [Notice]) {
        switch outgoing(made, to: subscriber, what: "welcome (sealed)") {
        case .success(let payload):
            return ([Reply(address: subscriber.address, payload: payload)], [.registered(subscriber, count: clientCount, repeated: repeated)])
        case .failure(let notice):
            return ([], [notice])
        }
    }

    /// The welcome frame for a client receiving `delivery`, with the latest event.
    ///
    /// - Throws: ``WireError`` when the roster or catalogue does not fit the wire.
    /// When the group is sealed, a sealed subscription's welcome offers it with the group keys and
    /// one in clear does not offer it (Spec/ENCRYPTION.md, "Multicast: the group key").
    public func welcome(
        for delivery: Delivery, dictionary: CompressionDictionary = .none, slot: Int = 0, sealed: Bool = false
    ) throws(WireError) -> [UInt8] {
        let match = matches[slot]
        let nextSequence = match.nextSequence
        var (roster, catalog, current) = (match.roster, match.catalog, match.current?.event)
        var extended = false
        if let base = match.base {
            // A real match (Spec §4.13): whole in the extended layout, or as the base layout shows it.
            if delivery.extendedForRealMatches {
                extended = true
            } else {
                let projection = try base.get()
                (roster, catalog, current) = (projection.roster, projection.catalog, current.map(projection.event))
            }
        }
        var body = Welcome(
            format: delivery.format, dictionary: dictionary.id, matchID: match.id,
            heartbeatSeconds: configuration.heartbeatSeconds, intervalMicroseconds: match.intervalMicroseconds,
            roster: roster, catalog: catalog, current: current.map { CompactEvent($0) })
        // No group for a base-layout client of a real match (Spec §4.13): the group's frames are extended.
        body.multicast = delivery.isBaseLayout ? nil : multicastOffers[body.format]
        if groupSealed, let keys = groupKeys {
            // A sealed group: offered, with its keys, to sealed subscriptions only.
            body.multicast =
                sealed
                ? body.multicast.map { offer in
                    var keyed = offer
                    keyed.groupKeys = keys.entries
                    return keyed
                } : nil
        }
        var frame = Frame(
            sequence: match.current?.sequence ?? nextSequence, eventType: current?.type,
            score: current?.score ?? .zero, minute: current?.minute ?? 0, body: .welcome(body))
        frame.extended = extended
        return try frame.encoded()
    }
}
