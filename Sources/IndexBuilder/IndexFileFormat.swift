import RegistryCore

/// The JSON index files: their names, their encoding (a pure function of ``RegistryIndex/Contents``) and strict
/// decoding. See ``JSONIndexBackend`` for the format description.
enum IndexFileFormat {
    /// The `format` member of every index file.
    static let format = "modelregistry-index"
    /// The `formatVersion` member of every index file.
    static let formatVersion: Int64 = 1
    /// The append-only file of incremental updates.
    static let updatesFileName = "updates.jsonl"
    /// The longest update line a reader accepts (16 MiB).
    static let maximumUpdateLineLength = 16 << 20

    /// The five files of a full index, in the order a rebuild writes them.
    enum File: String, CaseIterable, Sendable {
        case summaries = "summaries.json"
        case byCapability = "by-capability.json"
        case byParent = "by-parent.json"
        case byState = "by-state.json"
        case search = "search.json"

        /// The `index` member: the file name without `.json`.
        var indexName: String { String(rawValue.dropLast(5)) }

        /// The four files derived from (or beside) `summaries.json`, whose digests it records.
        static let derived: [File] = [.byCapability, .byParent, .byState, .search]
    }

    // MARK: Encoding

    /// Encodes the files of one index. The facts are encoded once; their digest is stamped into every file, and
    /// `summaries.json` also records the SHA-256 of each of the other four files.
    struct Encoder {
        let contents: RegistryIndex.Contents
        private let idTexts: [String]
        private let summariesArray: [UInt8]
        private let statesObject: [UInt8]
        /// `sha256:` + hex SHA-256 of the canonical JSON of `{"states":…,"summaries":…}`: the data members of
        /// `by-state.json` and `summaries.json`, which everything else derives from.
        let digest: String

        /// - Complexity: O(*n* log *n*) in the number of summaries and states.
        init(_ contents: RegistryIndex.Contents) {
            self.contents = contents
            idTexts = contents.summaries.map(\.id.description)
            var summaries = CanonicalWriter(reservingCapacity: 256 * max(1, contents.summaries.count))
            summaries.byte(UInt8(ascii: "["))
            for (index, summary) in contents.summaries.enumerated() {
                if index > 0 { summaries.byte(UInt8(ascii: ",")) }
                summary.appendRecord(to: &summaries)
            }
            summaries.byte(UInt8(ascii: "]"))
            summariesArray = summaries.bytes
            var map: [String: [String]] = [:]
            for (id, state) in contents.states { map[state, default: []].append(id.description) }
            var states = CanonicalWriter()
            states.object { entries in
                for state in map.keys.sorted(by: canonicalKeyPrecedes) {
                    let ids = (map[state] ?? []).sorted { bytesPrecede($0, $1) }
                    entries.member(state) { $0.stringArray(ids) }
                }
            }
            statesObject = states.bytes
            var hash = SHA256Algorithm().makeState()
            hash.update(Array(#"{"states":"#.utf8))
            hash.update(statesObject)
            hash.update(Array(#","summaries":"#.utf8))
            hash.update(summariesArray)
            hash.update([UInt8(ascii: "}")])
            digest = hash.finalize().description
        }

        /// Encodes every file, the four derived files first and `summaries.json` (which records their digests)
        /// last, handing each to `body` as soon as it is encoded, so that only one large file is in memory at once.
        ///
        /// - Complexity: O(*p* log *p*) in the number of postings.
        func encodeAll(_ body: (File, [UInt8]) throws -> Void) rethrows {
            var digests: [File: String] = [:]
            for file in File.derived {
                let bytes = derivedBytes(file)
                digests[file] = SHA256Algorithm().hash(bytes).description
                try body(file, bytes)
            }
            try body(.summaries, summariesBytes(fileDigests: digests))
        }

        /// `summaries.json`, naming the digests of the other files.
        func summariesBytes(fileDigests: [File: String]) -> [UInt8] {
            var writer = CanonicalWriter(reservingCapacity: summariesArray.count + 1024)
            writer.object { members in
                members.member("builtFrom") { writeStamp(contents.stamp, to: &$0) }
                members.member("digest") { $0.string(digest) }
                members.member("files") { output in
                    output.object { entries in
                        for file in File.derived.sorted(by: { canonicalKeyPrecedes($0.rawValue, $1.rawValue) }) {
                            entries.member(file.rawValue) { $0.string(fileDigests[file] ?? "") }
                        }
                    }
                }
                members.member("format") { $0.string(format) }
                members.member("formatVersion") { $0.integer(formatVersion) }
                members.member("index") { $0.string(File.summaries.indexName) }
                members.member("summaries") { $0.raw(summariesArray) }
            }
            return writer.bytes + [0x0A]
        }

        /// One of the four files other than `summaries.json`: canonical JSON followed by a newline.
        ///
        /// - Complexity: O(*p* log *p*) in the number of postings the file holds.
        func derivedBytes(_ file: File) -> [UInt8] {
            let summaries = contents.summaries
            var writer = CanonicalWriter(reservingCapacity: 1 << 16)
            writer.object { members in
                members.member("builtFrom") { writeStamp(contents.stamp, to: &$0) }
                switch file {
                case .summaries:
                    preconditionFailure("summaries.json is written by summariesBytes(fileDigests:)")
                case .byCapability:
                    var map: [String: [Int]] = [:]
                    for (index, summary) in summaries.enumerated() {
                        for capability in summary.capabilities { map[capability, default: []].append(index) }
                    }
                    members.member("capabilities") { writePostings(map, to: &$0) }
                    writeHeader(file, to: &members)
                case .byParent:
                    var children: [String: [Int]] = [:]
                    for (index, summary) in summaries.enumerated() {
                        for parent in summary.parents { children[parent.description, default: []].append(index) }
                    }
                    members.member("children") { writePostings(children, to: &$0) }
                    writeHeader(file, to: &members)
                    members.member("parents") { output in
                        output.object { entries in
                            for (index, summary) in summaries.enumerated() where !summary.parents.isEmpty {
                                entries.member(idTexts[index]) { $0.artifactIDs(summary.parents) }
                            }
                        }
                    }
                case .byState:
                    writeHeader(file, to: &members)
                    members.member("states") { $0.raw(statesObject) }
                case .search:
                    var map: [String: [Int]] = [:]
                    for (index, summary) in summaries.enumerated() {
                        for token in SearchTokens.tokens(of: summary) { map[token, default: []].append(index) }
                    }
                    writeHeader(file, to: &members)
                    members.member("tokens") { writePostings(map, to: &$0) }
                }
            }
            return writer.bytes + [0x0A]
        }

        private func writeHeader(_ file: File, to members: inout CanonicalWriter.ObjectMembers) {
            members.member("digest") { $0.string(digest) }
            members.member("format") { $0.string(format) }
            members.member("formatVersion") { $0.integer(formatVersion) }
            members.member("index") { $0.string(file.indexName) }
        }

        /// Writes `{key: [ids…]}` with keys in canonical order; the postings are indexes into the summaries,
        /// already in id order.
        private func writePostings(_ map: [String: [Int]], to output: inout CanonicalWriter) {
            output.object { entries in
                for key in map.keys.sorted(by: canonicalKeyPrecedes) {
                    entries.member(key) { list in
                        list.byte(UInt8(ascii: "["))
                        for (position, index) in (map[key] ?? []).enumerated() {
                            if position > 0 { list.byte(UInt8(ascii: ",")) }
                            list.string(idTexts[index])
                        }
                        list.byte(UInt8(ascii: "]"))
                    }
                }
            }
        }
    }

    private static func writeStamp(_ stamp: RegistryIndex.Stamp, to output: inout CanonicalWriter) {
        output.object { members in
            members.member("artifactCount") { $0.integer(Int64(stamp.artifactCount)) }
            members.member("auditSequence") { $0.integer(stamp.auditSequence) }
            if let time = stamp.auditTime { members.member("auditTime") { $0.string(time) } }
        }
    }

    private static func writePosition(_ position: RegistryIndex.AuditPosition, to output: inout CanonicalWriter) {
        output.object { members in
            members.member("auditSequence") { $0.integer(position.sequence) }
            if let time = position.time { members.member("auditTime") { $0.string(time) } }
        }
    }

    /// One line of `updates.jsonl`, without its newline.
    static func encodeUpdate(_ changes: RegistryIndex.Changes) -> [UInt8] {
        var writer = CanonicalWriter(reservingCapacity: 512 * (changes.registered.count + 1))
        writer.object { members in
            members.member("after") { writePosition(changes.after, to: &$0) }
            if !changes.evaluations.isEmpty {
                members.member("evaluations") { output in
                    output.byte(UInt8(ascii: "["))
                    for (index, change) in changes.evaluations.enumerated() {
                        if index > 0 { output.byte(UInt8(ascii: ",")) }
                        output.object { fields in
                            fields.member("artifact") { $0.artifactID(change.artifact) }
                            fields.member("metrics") { $0.numberMap(change.metrics) }
                            fields.member("sequence") { $0.integer(change.sequence) }
                        }
                    }
                    output.byte(UInt8(ascii: "]"))
                }
            }
            members.member("registered") { output in
                output.byte(UInt8(ascii: "["))
                for (index, summary) in changes.registered.enumerated() {
                    if index > 0 { output.byte(UInt8(ascii: ",")) }
                    summary.appendRecord(to: &output)
                }
                output.byte(UInt8(ascii: "]"))
            }
            if !changes.removed.isEmpty {
                members.member("removed") { output in
                    output.byte(UInt8(ascii: "["))
                    for (index, removal) in changes.removed.enumerated() {
                        if index > 0 { output.byte(UInt8(ascii: ",")) }
                        output.object { fields in
                            fields.member("artifact") { $0.artifactID(removal.artifact) }
                            fields.member("sequence") { $0.integer(removal.sequence) }
                        }
                    }
                    output.byte(UInt8(ascii: "]"))
                }
            }
            members.member("states") { output in
                output.byte(UInt8(ascii: "["))
                for (index, change) in changes.stateChanges.enumerated() {
                    if index > 0 { output.byte(UInt8(ascii: ",")) }
                    output.object { fields in
                        fields.member("artifact") { $0.artifactID(change.artifact) }
                        fields.member("sequence") { $0.integer(change.sequence) }
                        fields.member("state") { $0.string(change.state) }
                    }
                }
                output.byte(UInt8(ascii: "]"))
            }
            members.member("through") { writePosition(changes.through, to: &$0) }
        }
        return writer.bytes
    }

    // MARK: Decoding

    /// Decodes a full index and checks it.
    ///
    /// `summaries.json` and `by-state.json` are parsed strictly and must carry the same stamp; re-encoding what
    /// they hold must give back both files byte for byte (which also checks the facts digest, so an edit that
    /// still parses is caught); and the SHA-256 of each of the other files must be the one `summaries.json`
    /// records.
    ///
    /// - Parameters:
    ///   - summaries: the bytes of `summaries.json`.
    ///   - byState: the bytes of `by-state.json`.
    ///   - digests: the SHA-256 (`sha256:<hex>`) of each of the four files other than `summaries.json`.
    ///   - directory: the `indexes/` path, for messages.
    /// - Throws: ``RegistryError/Code/invalidJSON``, ``RegistryError/Code/invalidDocument`` or
    ///   ``RegistryError/Code/unsupportedFormatVersion`` naming the file.
    /// - Complexity: O(*n*) in the size of the two files.
    static func decode(
        summaries summariesBytes: [UInt8], byState stateBytes: [UInt8], digests: [File: String], directory: String
    ) throws -> RegistryIndex.Contents {
        let summariesSource = directory + "/" + File.summaries.rawValue
        let summariesDocument = try document(
            summariesBytes, file: .summaries, source: summariesSource, data: ["files", "summaries"])
        let stamp = try readStamp(summariesDocument.object("builtFrom"))
        let recorded = try summariesDocument.object("files")
        var fileDigests: [File: String] = [:]
        for file in File.derived {
            let digest = try recorded.string(file.rawValue)
            guard digest == digests[file] else {
                throw RegistryError(
                    .invalidDocument,
                    "\(directory)/\(file.rawValue) is not the file \(summariesSource) was written with (its SHA-256 "
                        + "differs from the one recorded there): it was edited, damaged, or written by another build",
                    path: directory + "/" + file.rawValue)
            }
            fileDigests[file] = digest
        }
        guard case .array(let records)? = summariesDocument.value("summaries") else {
            throw summariesDocument.makeError(at: "summaries", "expected an array of summary records")
        }
        var summaries: [ArtifactSummary] = []
        summaries.reserveCapacity(records.count)
        var previous: String?
        for (index, record) in records.enumerated() {
            let (summary, idText) = try decodeRecord(record, source: "\(summariesSource): summaries[\(index)]")
            if let previous, !bytesPrecede(previous, idText) {
                throw RegistryError(
                    .invalidDocument, "\(summariesSource): summaries[\(index)]: not sorted by id, or a duplicate",
                    path: summariesSource)
            }
            previous = idText
            summaries.append(summary)
        }

        let statesSource = directory + "/" + File.byState.rawValue
        let statesDocument = try document(stateBytes, file: .byState, source: statesSource, data: ["states"])
        guard try readStamp(statesDocument.object("builtFrom")) == stamp else {
            throw RegistryError(
                .invalidDocument,
                "\(statesSource): builtFrom differs from \(summariesSource); the index files are from different builds",
                path: statesSource)
        }
        var states: [ArtifactID: String] = [:]
        let stateMap = try statesDocument.object("states")
        for state in stateMap.keys {
            for text in try stateMap.stringArray(state) {
                guard let id = ArtifactID(text) else {
                    throw stateMap.makeError(at: state, "'\(text)' is not an artifact id")
                }
                guard states.updateValue(state, forKey: id) == nil else {
                    throw stateMap.makeError(at: state, "\(text) is listed under two states")
                }
            }
        }

        let contents = RegistryIndex.Contents(sortedStamp: stamp, summaries: summaries, states: states)
        let encoder = Encoder(contents)
        for (file, bytes, reencoded) in [
            (File.summaries, summariesBytes, encoder.summariesBytes(fileDigests: fileDigests)),
            (File.byState, stateBytes, encoder.derivedBytes(.byState)),
        ] where bytes != reencoded {
            throw RegistryError(
                .invalidDocument,
                "\(directory)/\(file.rawValue) does not re-encode to itself: it was edited (its facts no longer match "
                    + "its digest), is not canonical JSON, or has unknown members",
                path: directory + "/" + file.rawValue)
        }
        return contents
    }

    /// Reads one summary record, checking types and ranges; member names and order are checked by re-encoding.
    private static func decodeRecord(_ value: JSONValue, source: String) throws -> (ArtifactSummary, String) {
        func fail(_ problem: String) -> RegistryError {
            RegistryError(.invalidDocument, "\(source): \(problem)", path: source)
        }
        guard case .object(let members) = value else { throw fail("expected a summary record") }
        func integer(_ key: String, minimum: Int64) throws -> Int64? {
            guard let member = members[key] else { return nil }
            guard case .number(let number) = member, let integer = number.integerValue, integer >= minimum,
                integer <= JSONObjectReader.maximumSafeInteger
            else { throw fail("\(key) must be an integer of at least \(minimum)") }
            return integer
        }
        func strings(_ key: String) throws -> [String] {
            guard case .array(let elements)? = members[key] else { throw fail("\(key) must be an array of strings") }
            return try elements.map { element in
                guard case .string(let text) = element else { throw fail("\(key) must be an array of strings") }
                return text
            }
        }
        guard case .string(let idText)? = members["id"], let id = ArtifactID(idText) else {
            throw fail("id must be an artifact id")
        }
        guard case .string(let name)? = members["name"] else { throw fail("name must be a string") }
        guard case .object(let labelValues)? = members["labels"] else { throw fail("labels must be an object") }
        var labels: [String: String] = [:]
        labels.reserveCapacity(labelValues.count)
        for (key, labelValue) in labelValues {
            guard case .string(let text) = labelValue else { throw fail("labels.\(key) must be a string") }
            labels[key] = text
        }
        let parents = try strings("parents").map { text in
            guard let parent = ArtifactID(text) else { throw fail("parents: '\(text)' is not an artifact id") }
            return parent
        }
        var registeredAt: String?
        if let member = members["registeredAt"] {
            guard case .string(let time) = member else { throw fail("registeredAt must be a string") }
            registeredAt = time
        }
        let sequence = try integer("registrationSequence", minimum: 1)
        guard (registeredAt == nil) == (sequence == nil) else {
            throw fail("registeredAt and registrationSequence must be present together")
        }
        guard let fileCount = try integer("fileCount", minimum: 0), let totalSize = try integer("totalSize", minimum: 0)
        else { throw fail("fileCount and totalSize are required") }
        var summary = ArtifactSummary(
            id: id, name: name, sortedCapabilities: try strings("capabilities"), labels: labels, parents: parents,
            fileCount: Int(fileCount), totalSize: totalSize, registeredAt: registeredAt, registrationSequence: sequence)
        if members["cardMetrics"] != nil || members["evaluationMetrics"] != nil {
            try summary.readMetrics(JSONObjectReader(value, source: source))
        }
        return (summary, idText)
    }

    /// Parses one index file strictly and checks its header.
    private static func document(
        _ bytes: [UInt8], file: File, source: String, data: Set<String>
    ) throws -> JSONObjectReader {
        let document = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try document.rejectUnknownKeys(
            allowed: data.union(["builtFrom", "digest", "format", "formatVersion", "index"]))
        let name = try document.string("format")
        guard name == format else { throw document.makeError(at: "format", "'\(name)', expected '\(format)'") }
        let version = try document.integer("formatVersion")
        guard version == formatVersion else {
            throw RegistryError(
                .unsupportedFormatVersion,
                "\(source): index formatVersion \(version) is not supported (this library reads \(formatVersion)); "
                    + "rebuild the index",
                path: source)
        }
        let index = try document.string("index")
        guard index == file.indexName else {
            throw document.makeError(at: "index", "'\(index)', expected '\(file.indexName)'")
        }
        return document
    }

    private static func readStamp(_ object: JSONObjectReader) throws -> RegistryIndex.Stamp {
        try object.rejectUnknownKeys(allowed: ["artifactCount", "auditSequence", "auditTime"])
        return RegistryIndex.Stamp(
            artifactCount: Int(try object.integer("artifactCount", in: 0...JSONObjectReader.maximumSafeInteger)),
            auditSequence: try object.integer("auditSequence", in: 0...JSONObjectReader.maximumSafeInteger),
            auditTime: try object.optionalString("auditTime"))
    }

    private static func readPosition(_ object: JSONObjectReader) throws -> RegistryIndex.AuditPosition {
        try object.rejectUnknownKeys(allowed: ["auditSequence", "auditTime"])
        return RegistryIndex.AuditPosition(
            sequence: try object.integer("auditSequence", in: 0...JSONObjectReader.maximumSafeInteger),
            time: try object.optionalString("auditTime"))
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
            try record.rejectUnknownKeys(allowed: ["artifact", "sequence", "state"])
            let text = try record.string("artifact")
            guard let id = ArtifactID(text) else {
                throw record.makeError(at: "artifact", "'\(text)' is not an artifact id")
            }
            let sequence = try record.integer("sequence", in: (after.sequence + 1)...through.sequence)
            stateChanges.append(.init(artifact: id, state: try record.string("state"), sequence: sequence))
        }
        var evaluations: [RegistryIndex.EvaluationChange] = []
        for record in try document.optionalObjects("evaluations") ?? [] {
            try record.rejectUnknownKeys(allowed: ["artifact", "metrics", "sequence"])
            let text = try record.string("artifact")
            guard let id = ArtifactID(text) else {
                throw record.makeError(at: "artifact", "'\(text)' is not an artifact id")
            }
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

    /// Reads the stamp from the first bytes of an index file, without parsing the rest: every file starts with
    /// `{"builtFrom":{…},`, because `builtFrom` sorts before every other member name.
    ///
    /// Only for the writers' fast path; a reader parses and checks the whole file.
    static func decodeStampPrefix(_ prefix: [UInt8], source: String) -> RegistryIndex.Stamp? {
        let opening = Array(#"{"builtFrom":"#.utf8)
        guard prefix.starts(with: opening), let close = prefix.firstIndex(of: UInt8(ascii: "}")) else { return nil }
        let object = prefix[opening.count...close]
        guard let value = try? CanonicalJSON.parseCanonical(object, source: source),
            let reader = try? JSONObjectReader(value, source: source)
        else { return nil }
        return try? readStamp(reader)
    }
}
