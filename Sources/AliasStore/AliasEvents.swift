import RegistryCore

/// The payload of `alias_promoted` and `alias_rolled_back`: an alias now points at another artifact
/// (FORMAT.md §8.3, §9.3). It carries the whole new alias record, so the alias file can be re-derived from it.
public struct AliasMoved: AuditPayload {
    public static let eventTypes = ["alias_promoted", "alias_rolled_back"]
    public var eventType: String { Self.eventTypes[kind == .promote ? 0 : 1] }

    /// Promotion or rollback.
    public var kind: AliasChange.Kind
    /// The alias file's content after the change.
    public var record: AliasRecord
    /// The signed approval document presented with the change (FORMAT.md §12.8), if any.
    public var signedApproval: JSONValue?
    /// Written by recovery for a change whose own event a crash prevented.
    public var recovered: Bool

    /// Creates a payload.
    public init(kind: AliasChange.Kind, record: AliasRecord, signedApproval: JSONValue? = nil, recovered: Bool = false)
    {
        self.kind = kind
        self.record = record
        self.signedApproval = signedApproval
        self.recovered = recovered
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "alias": .string(record.alias), "artifact": .string(record.artifact.description),
            "record": record.jsonValue,
        ]
        if let previous = record.previousArtifact { members["previousArtifact"] = .string(previous.description) }
        if let signedApproval { members["signedApproval"] = signedApproval }
        Self.markRecovered(&members, recovered)
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        let record = try AliasRecord(
            json: .object(payload.object("record").members), source: payload.source + ": field 'record'")
        guard try payload.string("alias") == record.alias,
            try payload.string("artifact") == record.artifact.description,
            try payload.optionalString("previousArtifact") == record.previousArtifact?.description
        else {
            throw payload.makeError(at: nil, "'alias', 'artifact' and 'previousArtifact' disagree with 'record'")
        }
        self.init(
            kind: eventType == Self.eventTypes[1] ? .rollback : .promote, record: record,
            signedApproval: payload.members["signedApproval"], recovered: try Self.isRecovered(payload))
    }
}

/// The payload of `alias_retired`: an alias was removed; its history stays in the log.
public struct AliasRetired: AuditPayload {
    public static let eventTypes = ["alias_retired"]

    /// The alias.
    public var alias: String
    /// Its last target.
    public var artifact: ArtifactID
    /// Why, if given.
    public var reason: String?
    /// Written by recovery for a removal whose own event a crash prevented.
    public var recovered: Bool

    /// Creates a payload.
    public init(alias: String, artifact: ArtifactID, reason: String?, recovered: Bool = false) {
        self.alias = alias
        self.artifact = artifact
        self.reason = reason
        self.recovered = recovered
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["alias": .string(alias), "artifact": .string(artifact.description)]
        if let reason { members["reason"] = .string(reason) }
        Self.markRecovered(&members, recovered)
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        self.init(
            alias: try payload.string("alias"),
            artifact: try payload.artifactID("artifact"),
            reason: try payload.optionalString("reason"), recovered: try Self.isRecovered(payload))
    }
}

/// The payload of `alias_restored` (written by earlier versions' recovery; this version only reads it): recovery
/// rewrote a damaged alias file from the log, or removed it when the log says the alias was retired.
public struct AliasRestored: AuditPayload {
    public static let eventTypes = ["alias_restored"]

    /// The alias.
    public var alias: String
    /// The damaged file, relative to the registry root (`aliases/<alias>.json`).
    public var damagedFile: String
    /// The record written back, or nil when the file was removed.
    public var record: AliasRecord?

    /// Creates a payload.
    public init(alias: String, damagedFile: String, record: AliasRecord?) {
        self.alias = alias
        self.damagedFile = damagedFile
        self.record = record
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["alias": .string(alias), "damagedFile": .string(damagedFile)]
        if let record {
            members["artifact"] = .string(record.artifact.description)
            members["record"] = record.jsonValue
        }
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        self.init(
            alias: try payload.string("alias"), damagedFile: try payload.string("damagedFile"),
            record: try payload.members["record"].map {
                try AliasRecord(json: $0, source: payload.source + ": field 'record'")
            })
    }
}

/// Any event that changes an alias: what the alias's history in the log is made of.
public enum AliasEvent: AuditPayload {
    /// Promoted or rolled back.
    case moved(AliasMoved)
    /// Removed.
    case retired(AliasRetired)
    /// Its damaged file was rewritten (or removed) from the log.
    case restored(AliasRestored)

    public static let eventTypes = AliasMoved.eventTypes + AliasRetired.eventTypes + AliasRestored.eventTypes

    /// The alias the event is about.
    public var alias: String {
        switch self {
        case .moved(let moved): moved.record.alias
        case .retired(let retired): retired.alias
        case .restored(let restored): restored.alias
        }
    }

    /// The record the alias file holds after the event, or nil when the event left no file.
    public var record: AliasRecord? {
        switch self {
        case .moved(let moved): moved.record
        case .retired: nil
        case .restored(let restored): restored.record
        }
    }

    public var eventType: String {
        switch self {
        case .moved(let moved): moved.eventType
        case .retired(let retired): retired.eventType
        case .restored(let restored): restored.eventType
        }
    }

    public var payloadMembers: [String: JSONValue] {
        switch self {
        case .moved(let moved): moved.payloadMembers
        case .retired(let retired): retired.payloadMembers
        case .restored(let restored): restored.payloadMembers
        }
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        if AliasMoved.eventTypes.contains(eventType) {
            self = .moved(try AliasMoved(eventType: eventType, payload: payload))
        } else if AliasRetired.eventTypes.contains(eventType) {
            self = .retired(try AliasRetired(eventType: eventType, payload: payload))
        } else {
            self = .restored(try AliasRestored(eventType: eventType, payload: payload))
        }
    }
}
