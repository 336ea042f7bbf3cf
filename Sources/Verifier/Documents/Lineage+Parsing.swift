import AliasStore
import RegistryCore

extension Lineage {
    /// Parses and validates `lineage.json` (FORMAT.md §12.9), strictly: unknown members are refused at every
    /// level, as in the other documents a training script writes.
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes, strict JSON in any spacing and member order.
    ///   - source: the file's name or path, for messages.
    /// - Throws: `.unsupportedFormatVersion` for a `schemaVersion` other than 1; `.invalidJSON` or
    ///   `.invalidDocument` naming `source` and the field: a parent that is not an artifact id or is listed twice,
    ///   a `parentAliases` key that is not a parent or a value that is not an alias name, a dataset without a
    ///   name or without both digest and URI, two datasets with the same name and split, an empty code revision,
    ///   a hyperparameter that is not a string, number or boolean.
    public init(parsing bytes: [UInt8], source: String) throws {
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        let version = try reader.integer("schemaVersion")
        guard version == Self.schemaVersion else {
            throw RegistryError(
                .unsupportedFormatVersion,
                "\(source): schemaVersion \(version) is not supported (this version reads \(Self.schemaVersion))",
                path: source)
        }
        try reader.rejectUnknownKeys(allowed: [
            "schemaVersion", "parents", "parentAliases", "datasets", "code", "hyperparameters",
        ])
        var parents: [ArtifactID] = []
        for (index, text) in (try reader.optionalStringArray("parents") ?? []).enumerated() {
            guard let id = ArtifactID(text) else {
                throw Self.error(source, "parents[\(index)]", "'\(NameRules.printable(text))' is not an artifact id")
            }
            guard !parents.contains(id) else {
                throw Self.error(source, "parents[\(index)]", "\(id) is listed twice")
            }
            parents.append(id)
        }
        var parentAliases: [ArtifactID: String] = [:]
        if let aliases = try reader.optionalStringMap("parentAliases") {
            for (key, alias) in aliases {
                let field = reader.fieldPath("parentAliases") + "[\"\(NameRules.printable(key))\"]"
                guard let id = ArtifactID(key), parents.contains(id) else {
                    throw Self.error(source, field, "the key must be one of the ids in parents")
                }
                do {
                    try AliasName.check(alias)
                } catch let error as RegistryError {
                    throw Self.error(source, field, error.message)
                }
                parentAliases[id] = alias
            }
        }
        var datasets: [Dataset] = []
        for dataset in try reader.optionalObjects("datasets") ?? [] {
            try dataset.rejectUnknownKeys(allowed: ["name", "digest", "uri", "split"])
            let name = try dataset.string("name")
            var digest: Digest?
            if let text = try dataset.optionalString("digest") {
                guard let parsed = Digest(parsing: text) else {
                    throw dataset.makeError(at: "digest", "'\(text)' is not '<algorithm>:<lowercase hex>'")
                }
                digest = parsed
            }
            datasets.append(
                Dataset(
                    name: name, digest: digest, uri: try dataset.optionalString("uri"),
                    split: try dataset.optionalString("split")))
            try Self.check(datasets, at: dataset.path, source: source)
        }
        var code: CodeRevision?
        if let object = try reader.optionalObject("code") {
            try object.rejectUnknownKeys(allowed: ["revision", "repository", "dirty"])
            code = CodeRevision(
                revision: try object.string("revision"), repository: try object.optionalString("repository"),
                isDirty: try object.optionalBool("dirty"))
            try Self.check(code, source: source)
        }
        var hyperparameters: [String: Value] = [:]
        if let object = try reader.optionalObject("hyperparameters") {
            for key in object.keys {
                switch object.value(key) {
                case .string?: hyperparameters[key] = .string(try object.string(key))
                case .number?: hyperparameters[key] = .number(try object.double(key))
                case .bool(let flag)?: hyperparameters[key] = .bool(flag)
                default: throw object.makeError(at: key, "must be a string, a number or a boolean")
                }
            }
        }
        self.init(
            parents: parents, parentAliases: parentAliases, datasets: datasets, code: code,
            hyperparameters: hyperparameters)
    }

    /// The lineage as `lineage.json` holds it: canonical JSON and a newline, exactly what
    /// ``init(parsing:source:)`` reads back. Empty members are left out.
    ///
    /// - Returns: the canonical JSON bytes followed by `\n`.
    /// - Throws: `.invalidDocument` naming `lineage.json` and the field, under the rules of
    ///   ``init(parsing:source:)``, and for a hyperparameter that is NaN or infinite.
    public func fileBytes() throws -> [UInt8] {
        var fields: [String: JSONValue] = ["schemaVersion": .number(JSONNumber(Self.schemaVersion))]
        if !parents.isEmpty { fields["parents"] = .array(parents.map { .string($0.description) }) }
        if !parentAliases.isEmpty {
            fields["parentAliases"] = .object(
                Dictionary(uniqueKeysWithValues: parentAliases.map { ($0.key.description, .string($0.value)) }))
        }
        if !datasets.isEmpty {
            fields["datasets"] = .array(
                datasets.map { dataset in
                    var object: [String: JSONValue] = ["name": .string(dataset.name)]
                    if let digest = dataset.digest { object["digest"] = .string(digest.description) }
                    if let uri = dataset.uri { object["uri"] = .string(uri) }
                    if let split = dataset.split { object["split"] = .string(split) }
                    return .object(object)
                })
        }
        if let code {
            var object: [String: JSONValue] = ["revision": .string(code.revision)]
            if let repository = code.repository { object["repository"] = .string(repository) }
            if let dirty = code.isDirty { object["dirty"] = .bool(dirty) }
            fields["code"] = .object(object)
        }
        if !hyperparameters.isEmpty {
            var object: [String: JSONValue] = [:]
            for (key, value) in hyperparameters {
                switch value {
                case .string(let text): object[key] = .string(text)
                case .bool(let flag): object[key] = .bool(flag)
                case .number(let number):
                    guard let json = JSONNumber(number) else {
                        throw Self.error(
                            Self.fileName, "hyperparameters.\(NameRules.printable(key))",
                            "\(number) is not a finite number; JSON has no NaN or infinity")
                    }
                    object[key] = .number(json)
                }
            }
            fields["hyperparameters"] = .object(object)
        }
        let bytes = CanonicalJSON.encode(.object(fields)) + [0x0A]
        let parsed = try Lineage(parsing: bytes, source: Self.fileName)
        guard parsed == self else {
            throw RegistryError(.invalidDocument, "\(Self.fileName): the lineage does not read back as written")
        }
        return bytes
    }

    /// The rules for the datasets read so far: the last one has a name and a digest or URI, and no two share a
    /// name and split.
    private static func check(_ datasets: [Dataset], at path: String, source: String) throws {
        guard let dataset = datasets.last else { return }
        if dataset.name.isEmpty { throw error(source, path + ".name", "must not be empty") }
        if dataset.digest == nil && dataset.uri == nil {
            throw error(source, path, "needs a digest, a uri or both, so that the data can be found or checked")
        }
        if dataset.uri?.isEmpty == true { throw error(source, path + ".uri", "must not be empty when present") }
        if dataset.split?.isEmpty == true { throw error(source, path + ".split", "must not be empty when present") }
        if datasets.dropLast().contains(where: { $0.name == dataset.name && $0.split == dataset.split }) {
            throw error(source, path, "dataset '\(dataset.name)' is listed twice with the same split")
        }
    }

    private static func check(_ code: CodeRevision?, source: String) throws {
        guard let code else { return }
        if code.revision.isEmpty { throw error(source, "code.revision", "must not be empty") }
        if code.repository?.isEmpty == true {
            throw error(source, "code.repository", "must not be empty when present")
        }
    }

    private static func error(_ source: String, _ field: String, _ problem: String) -> RegistryError {
        RegistryError(.invalidDocument, "\(source): \(field): \(problem)")
    }
}
