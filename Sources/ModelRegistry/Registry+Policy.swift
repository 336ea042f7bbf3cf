import Foundation

extension Registry {
    /// `<registry>/policy.json`.
    public var policyPath: String { layout.rootPath + "/policy.json" }

    /// The promotion policy in force: `policy.json`, or an empty policy (no requirements) when there is none.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming the file when it does not parse — and while it does
    ///   not parse, nothing can be promoted.
    public func promotionPolicy() throws -> PromotionPolicy {
        do {
            return try PromotionPolicy(parsing: FileSystem.readDocument(policyPath, limit: 1 << 20), source: policyPath)
        } catch RegistryError.Code.notFound {
            return PromotionPolicy()
        }
    }

    /// Replaces the promotion policy and records `policy_changed` with the new file's digest.
    ///
    /// - Durability: the file is replaced atomically, then the event is appended (state first, event second).
    @discardableResult
    public func setPromotionPolicy(_ policy: PromotionPolicy, actor: String? = nil) throws -> AuditEvent {
        let bytes = policy.fileBytes()
        return try withWriterLock {
            let previous = try? FileSystem.readDocument(policyPath, limit: 1 << 20)
            try FileSystem.atomicReplace(policyPath, contents: bytes, mode: 0o644)
            do {
                return try journal.append(
                    .policyChanged, actor: actor ?? configuration.actor, payload: Self.policyPayload(bytes, rules: policy.rules.count))
            } catch {
                // Keep file and log in agreement: put the previous policy back.
                if let previous { try? FileSystem.atomicReplace(policyPath, contents: previous, mode: 0o644) } else { try? FileSystem.removeTree(policyPath) }
                throw error
            }
        }
    }

    static func policyPayload(_ bytes: [UInt8], rules: Int, recovered: Bool = false) -> [String: JSONValue] {
        var payload: [String: JSONValue] = [
            "digest": .string(SHA256Algorithm().hash(bytes).description), "rules": .number(JSONNumber(rules)),
        ]
        if recovered { payload["recovered"] = .bool(true) }
        return payload
    }

    /// The lifecycle state of an artifact (`registered` when it was never changed).
    public func state(of id: ArtifactID) throws -> LifecycleState {
        try states.state(of: id)
    }

    /// Moves an artifact to a lifecycle state and records `state_changed`.
    ///
    /// - Throws: `.notFound` for an unknown artifact; I/O errors.
    /// - Durability: `states/<id>.json` is replaced atomically, then the event is appended.
    @discardableResult
    public func setState(_ id: ArtifactID, to state: LifecycleState, reason: String? = nil, actor: String? = nil) throws -> AuditEvent {
        guard try artifacts.contains(id) else {
            throw RegistryError(.notFound, "no artifact '\(id)' in registry '\(layout.rootPath)'")
        }
        let actor = actor ?? configuration.actor
        guard let now = Timestamp.format(configuration.clock()) else {
            throw RegistryError(.invalidArgument, "the clock is outside the years 0000-9999")
        }
        let record = StateRecord(artifact: id, state: state, changedAt: now, actor: actor, reason: reason)
        return try withWriterLock {
            let previous = try states.record(id)
            try states.write(record)
            var payload: [String: JSONValue] = [
                "artifact": .string(id.description), "state": .string(state.rawValue), "record": record.jsonValue,
                "previousState": .string((previous?.state ?? .registered).rawValue),
            ]
            if let reason { payload["reason"] = .string(reason) }
            do {
                let event = try journal.append(.stateChanged, actor: actor, payload: payload)
                updateIndexesAfterWrite()
                return event
            } catch {
                if let previous { try? states.write(previous) } else { try? FileSystem.removeTree(states.path(of: id)) }
                throw error
            }
        }
    }
}
