import RegistryCore

/// What the garbage collector needs from the audit log — every alias's generations (what `rollback` could return
/// to) and the registration in force of every artifact — up to a position, so a plan replays only the events
/// appended since (FORMAT.md §14.3). Cached in `indexes/collector.json`; a cache like the other indexes, never an
/// authority: it is used only when the event ending at its position still has its hash and sequence number, and
/// only when the events since follow without a gap; otherwise the whole log is read again.
package struct CollectorLogState {
    static let fileName = "collector.json"
    /// The event types the state follows.
    static let types = Registry.aliasEventTypes.union([.artifactRegistered, .artifactCollected])

    var aliases: [String: AliasGenerations] = [:]
    var registrations: [ArtifactID: (time: String, name: String)] = [:]
    /// Just past the last event taken in, with that event's sequence number and hash; nil for an empty log.
    package var position: AuditJournal.Position?
    package var sequence: Int64 = 0
    var head: Digest = AuditEvent.genesisHash

    init() {}

    /// Takes in one event of ``types`` (others are ignored).
    mutating func observe(_ event: AuditEvent) {
        if event.type == .artifactRegistered {
            if let registered = (try? event.decode(ArtifactRegistered.self)) ?? nil {
                registrations[registered.artifact] = (event.time, registered.name)
            }
        } else if event.type == .artifactCollected {
            if let collected = (try? event.decode(ArtifactCollected.self)) ?? nil {
                registrations[collected.artifact] = nil
            }
        } else if let alias = event.payload.objectValue?["alias"]?.stringValue {
            if !aliases[alias, default: .init()].applyLight(event),
                let change = (try? event.decode(AliasEvent.self)) ?? nil
            {
                aliases[change.alias, default: .init()].apply(change)
            }
        }
    }

    /// The cache document: canonical JSON and a newline.
    package var bytes: [UInt8] {
        var aliasMembers: [String: JSONValue] = [:]
        for (name, generations) in aliases {
            aliasMembers[name] = .object([
                "ever": .array(generations.everTargeted.map(\.description).sorted().map { .string($0) }),
                "stack": .array(generations.stack.map { .string($0.description) }),
            ])
        }
        let registered = registrations.sorted { $0.key.description < $1.key.description }.map {
            JSONValue.array([.string($0.key.description), .string($0.value.time), .string($0.value.name)])
        }
        var members: [String: JSONValue] = [
            "aliases": .object(aliasMembers), "head": .string(head.description), "registrations": .array(registered),
            "schemaVersion": .number(JSONNumber(1)), "sequence": .number(JSONNumber(sequence)),
        ]
        if let position {
            members["position"] = .object([
                "file": .string(position.fileName), "offset": .number(JSONNumber(position.offset)),
            ])
        }
        return CanonicalJSON.encode(.object(members)) + [0x0A]
    }

    /// Parses a cache document strictly; any deviation throws (the caller then reads the log instead).
    init(bytes: [UInt8], source: String) throws {
        let json = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try json.rejectUnknownKeys(allowed: [
            "aliases", "head", "position", "registrations", "schemaVersion", "sequence",
        ])
        guard try json.integer("schemaVersion") == 1 else {
            throw json.makeError(at: "schemaVersion", "this version reads schema 1 only")
        }
        sequence = try json.integer("sequence", in: 0...(1 << 53 - 1))
        guard let head = Digest(parsing: try json.string("head")) else {
            throw json.makeError(at: "head", "must be a digest")
        }
        self.head = head
        if let position = try json.optionalObject("position") {
            try position.rejectUnknownKeys(allowed: ["file", "offset"])
            let file = try position.string("file")
            guard AuditJournal.isJournalFileName(file) else {
                throw position.makeError(at: "file", "'\(file)' is not a journal file name")
            }
            self.position = .init(fileName: file, offset: try position.integer("offset", in: 1...(1 << 53 - 1)))
        }
        let aliasObject = try json.object("aliases")
        for name in aliasObject.keys {
            let entry = try aliasObject.object(name)
            try entry.rejectUnknownKeys(allowed: ["ever", "stack"])
            var generations = AliasGenerations()
            generations.stack = try entry.stringArray("stack").map { try Self.id($0, entry, "stack") }
            generations.everTargeted = Set(try entry.stringArray("ever").map { try Self.id($0, entry, "ever") })
            aliases[name] = generations
        }
        for item in try json.array("registrations") {
            guard case .array(let triple) = item, triple.count == 3, case .string(let text) = triple[0],
                let id = ArtifactID(text), case .string(let time) = triple[1], case .string(let name) = triple[2]
            else { throw json.makeError(at: "registrations", "each item must be [artifact id, time, name]") }
            registrations[id] = (time, name)
        }
    }

    private static func id(_ text: String, _ json: JSONObjectReader, _ key: String) throws -> ArtifactID {
        guard let id = ArtifactID(text) else { throw json.makeError(at: key, "'\(text)' is not an artifact id") }
        return id
    }
}

extension Registry {
    /// The collector's view of the log: the cached state advanced by the events appended since its position, or
    /// — with no usable cache — one pass over the whole log. A registry opened for writing stores the result as
    /// the new cache (atomically; failures ignored) when it covers a position no writer moved past meanwhile.
    ///
    /// - Throws: what reading the log throws (a damaged line, I/O errors).
    /// - Complexity: the events since the cached position plus reading the cache; the whole log without one.
    package func collectorLogState() throws -> CollectorLogState {
        let path = layout.indexesPath + "/" + CollectorLogState.fileName
        if let cached = try? CollectorLogState(
            bytes: FileSystem.readDocument(path, limit: 1 << 30), source: "indexes/" + CollectorLogState.fileName),
            let state = try advance(cached)
        {
            if state.position != cached.position { storeCollectorState(state, at: path) }
            return state
        }
        var state = CollectorLogState()
        let start = try journal.endPosition()
        try journal.forEachEventInParallel(ofTypes: CollectorLogState.types) { state.observe($0) }
        // Stored only when no line was appended during the pass: then the state is exactly the log up to `start`.
        if let start, try journal.endPosition() == start,
            let last = try AuditJournal.event(
                endingAt: start.offset, inFile: layout.auditPath + "/" + start.fileName, source: start.fileName)
        {
            state.position = start
            state.sequence = last.sequence
            state.head = last.hash
            storeCollectorState(state, at: path)
        }
        return state
    }

    /// The cached state advanced to the log's end, or nil when the cache no longer describes this log (the event
    /// at its position differs or is gone) or the events since have a gap (a line that does not parse).
    private func advance(_ cached: CollectorLogState) throws -> CollectorLogState? {
        var state = cached
        if let position = cached.position {
            let file = layout.auditPath + "/" + position.fileName
            guard try FileSystem.exists(file),
                let event = try? AuditJournal.event(endingAt: position.offset, inFile: file, source: position.fileName),
                event.hash == cached.head, event.sequence == cached.sequence
            else { return nil }
        } else if cached.sequence != 0 {
            return nil
        }
        // Far behind (over 64 MiB of lines since): one parallel pass over the whole log is cheaper than holding
        // every later event in memory.
        var behind: Int64 = 0
        for file in try journal.extent() where cached.position.map({ file.name >= $0.fileName }) ?? true {
            behind += file.size - (file.name == cached.position?.fileName ? cached.position?.offset ?? 0 : 0)
        }
        guard behind <= 64 << 20 else { return nil }
        let (events, end) = try journal.events(after: cached.position)
        for event in events {
            guard event.sequence == state.sequence + 1 else { return nil }
            if CollectorLogState.types.contains(event.type) { state.observe(event) }
            state.sequence = event.sequence
            state.head = event.hash
        }
        state.position = end
        return state
    }

    private func storeCollectorState(_ state: CollectorLogState, at path: String) {
        guard !isReadOnly else { return }
        try? FileSystem.makeDirectory(layout.indexesPath)
        try? FileSystem.atomicReplace(path, contents: state.bytes, mode: 0o644)
    }
}
