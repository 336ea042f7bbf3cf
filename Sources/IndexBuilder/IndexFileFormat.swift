import RegistryCore

/// The lines of `indexes/updates.jsonl` (FORMAT.md §13.2): canonical JSON encoding and strict decoding of one
/// incremental update. The base index itself is ``BinaryIndexLayout``.
enum IndexFileFormat {
    /// The file names of a format-1 index (JSON files), which a format-2 writer removes and a reader refuses.
    static let legacyFileNames = [
        "summaries.json", "by-capability.json", "by-parent.json", "by-state.json", "search.json",
    ]
    /// The append-only file of incremental updates.
    static let updatesFileName = "updates.jsonl"
    /// The longest update line a reader accepts (16 MiB).
    static let maximumUpdateLineLength = 16 << 20

    private static func writePosition(_ position: RegistryIndex.AuditPosition, to output: inout CanonicalWriter) {
        output.object { members in
            members.member("auditSequence") { $0.integer(position.sequence) }
            if let time = position.time { members.member("auditTime") { $0.string(time) } }
        }
    }

    /// `[e0,e1,…]`, each element written by `element`: the arrays of an update line.
    private static func writeArray<Element>(
        _ elements: [Element], to output: inout CanonicalWriter, _ element: (inout CanonicalWriter, Element) -> Void
    ) {
        output.byte(UInt8(ascii: "["))
        for (index, value) in elements.enumerated() {
            if index > 0 { output.byte(UInt8(ascii: ",")) }
            element(&output, value)
        }
        output.byte(UInt8(ascii: "]"))
    }

    /// One line of `updates.jsonl`, without its newline.
    static func encodeUpdate(_ changes: RegistryIndex.Changes) -> [UInt8] {
        var writer = CanonicalWriter(reservingCapacity: 512 * (changes.registered.count + 1))
        writer.object { members in
            members.member("after") { writePosition(changes.after, to: &$0) }
            if !changes.evaluations.isEmpty {
                members.member("evaluations") {
                    writeArray(changes.evaluations, to: &$0) { output, change in
                        output.object { fields in
                            fields.member("artifact") { $0.artifactID(change.artifact) }
                            fields.member("metrics") { $0.numberMap(change.metrics) }
                            fields.member("sequence") { $0.integer(change.sequence) }
                        }
                    }
                }
            }
            members.member("registered") {
                writeArray(changes.registered, to: &$0) { output, summary in summary.appendRecord(to: &output) }
            }
            if !changes.removed.isEmpty {
                members.member("removed") {
                    writeArray(changes.removed, to: &$0) { output, removal in
                        output.object { fields in
                            fields.member("artifact") { $0.artifactID(removal.artifact) }
                            fields.member("sequence") { $0.integer(removal.sequence) }
                        }
                    }
                }
            }
            members.member("states") {
                writeArray(changes.stateChanges, to: &$0) { output, change in
                    output.object { fields in
                        fields.member("artifact") { $0.artifactID(change.artifact) }
                        fields.member("sequence") { $0.integer(change.sequence) }
                        fields.member("state") { $0.string(change.state) }
                    }
                }
            }
            members.member("through") { writePosition(changes.through, to: &$0) }
        }
        return writer.bytes
    }

    // MARK: Decoding

    private static func readPosition(_ object: JSONObjectReader) throws -> RegistryIndex.AuditPosition {
        try object.rejectUnknownKeys(allowed: ["auditSequence", "auditTime"])
        return RegistryIndex.AuditPosition(
            sequence: try object.integer("auditSequence", in: 0...JSONObjectReader.maximumSafeInteger),
            time: try object.optionalString("auditTime"))
    }

    /// The `artifact` of a state or evaluation change, after checking that `record` has only the `allowed` members.
    private static func readArtifact(_ record: JSONObjectReader, allowed: [String]) throws -> ArtifactID {
        try record.rejectUnknownKeys(allowed: allowed)
        let text = try record.string("artifact")
        guard let id = ArtifactID(text) else {
            throw record.makeError(at: "artifact", "'\(text)' is not an artifact id")
        }
        return id
    }

    /// Decodes one line of `updates.jsonl` (without its newline) strictly: canonical JSON, known members only.
    ///
    /// - Throws: ``RegistryError/Code/invalidJSON`` or ``RegistryError/Code/invalidDocument`` naming `source`.
    static func decodeUpdate(_ line: some Collection<UInt8>, source: String) throws -> RegistryIndex.Changes {
        let document = try JSONObjectReader(CanonicalJSON.parseCanonical(line, source: source), source: source)
        try document.rejectUnknownKeys(allowed: ["after", "evaluations", "registered", "removed", "states", "through"])
        let after = try readPosition(document.object("after"))
        let through = try readPosition(document.object("through"))
        guard through.sequence > after.sequence else {
            throw document.makeError(at: "through", "must be after \(after)")
        }
        var registered: [ArtifactSummary] = []
        for record in try document.objects("registered") {
            let summary = try ArtifactSummary(record: record)
            guard let sequence = summary.registrationSequence, sequence > after.sequence, sequence <= through.sequence
            else {
                throw record.makeError(
                    at: "registrationSequence", "must lie in \(after.sequence + 1)...\(through.sequence)")
            }
            registered.append(summary)
        }
        var stateChanges: [RegistryIndex.StateChange] = []
        for record in try document.objects("states") {
            let id = try readArtifact(record, allowed: ["artifact", "sequence", "state"])
            let sequence = try record.integer("sequence", in: (after.sequence + 1)...through.sequence)
            stateChanges.append(.init(artifact: id, state: try record.string("state"), sequence: sequence))
        }
        var evaluations: [RegistryIndex.EvaluationChange] = []
        for record in try document.optionalObjects("evaluations") ?? [] {
            let id = try readArtifact(record, allowed: ["artifact", "metrics", "sequence"])
            let metricsReader = try record.object("metrics")
            var metrics: [String: Double] = [:]
            for name in metricsReader.keys { metrics[name] = try metricsReader.double(name) }
            let sequence = try record.integer("sequence", in: (after.sequence + 1)...through.sequence)
            evaluations.append(.init(artifact: id, metrics: metrics, sequence: sequence))
        }
        var removed: [RegistryIndex.RemovedArtifact] = []
        for record in try document.optionalObjects("removed") ?? [] {
            try record.rejectUnknownKeys(allowed: ["artifact", "sequence"])
            let sequence = try record.integer("sequence", in: (after.sequence + 1)...through.sequence)
            removed.append(.init(artifact: try record.artifactID("artifact"), sequence: sequence))
        }
        var changes = RegistryIndex.Changes(
            after: after, through: through, registered: registered, stateChanges: stateChanges,
            evaluations: evaluations)
        changes.removed = removed
        return changes
    }
}
