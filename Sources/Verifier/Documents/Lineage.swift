import RegistryCore

/// Where a model came from, from `lineage.json`: the artifacts it derives from, the data it was trained on, the
/// code revision that trained it and the hyperparameters it was trained with (FORMAT.md §12.10).
///
/// The manifest's ``ArtifactMetadata/parents`` are the one source of truth for parents: the registry fills
/// ``parents`` from them when it writes the file
/// (`Registry.register(directory:metadata:parents:contract:card:lineage:options:progress:actor:)`), and adds the
/// alias each parent was given as, for humans, in ``parentAliases``. Everything else is the training script's
/// to say.
///
/// ```swift
/// let lineage = Lineage(
///     datasets: [.init(name: "documents-v3", digest: trainDigest, split: "train")],
///     code: .init(revision: "9fceb02d0ae598e95dc970b74767f19372d61af8", repository: "https://git.example/ml"),
///     hyperparameters: ["learning_rate": 3e-4, "epochs": 3, "optimizer": "adamw"])
/// ```
///
/// `Lineage` is `Sendable`: a plain value.
public struct Lineage: Hashable, Sendable {
    /// One dataset the model was trained or tuned on: by digest (checkable), by URI (findable), or both.
    public struct Dataset: Hashable, Sendable {
        /// The dataset's name, for example `documents-v3`.
        public var name: String
        /// The digest of its bytes (`sha256:…`), when known.
        public var digest: Digest?
        /// Where it lives (`s3://…`, `https://…`, a path), when it has a stable address.
        public var uri: String?
        /// Which split was used (`train`, `validation`), when the dataset has splits.
        public var split: String?

        /// Describes a dataset; give a digest, a URI or both (``Lineage/fileBytes()`` refuses neither).
        public init(name: String, digest: Digest? = nil, uri: String? = nil, split: String? = nil) {
            self.name = name
            self.digest = digest
            self.uri = uri
            self.split = split
        }
    }

    /// The code that trained the model, so that a run can be reproduced.
    public struct CodeRevision: Hashable, Sendable {
        /// The revision, for example a git commit hash.
        public var revision: String
        /// The repository it is a revision of, for example its clone URL.
        public var repository: String?
        /// Whether the working tree had uncommitted changes (the revision alone does not reproduce the run);
        /// nil when unknown.
        public var isDirty: Bool?

        /// Describes a code revision.
        public init(revision: String, repository: String? = nil, isDirty: Bool? = nil) {
            self.revision = revision
            self.repository = repository
            self.isDirty = isDirty
        }
    }

    /// A hyperparameter's value: a JSON scalar.
    public enum Value: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral,
        ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral
    {
        /// A string, for example an optimizer's name.
        case string(String)
        /// A number; must be finite to be written. Integers are exact up to 2^53.
        case number(Double)
        /// A flag.
        case bool(Bool)

        /// Creates a string value.
        public init(stringLiteral value: String) { self = .string(value) }
        /// Creates a number value from an integer literal.
        public init(integerLiteral value: Int) { self = .number(Double(value)) }
        /// Creates a number value.
        public init(floatLiteral value: Double) { self = .number(value) }
        /// Creates a flag value.
        public init(booleanLiteral value: Bool) { self = .bool(value) }

        /// The value as JSON would show it (`0.0003`, `adamw`, `true`).
        public var description: String {
            switch self {
            case .string(let text): return text
            case .number(let number): return JSONNumber(number)?.literal ?? "\(number)"
            case .bool(let flag): return String(flag)
            }
        }
    }

    /// The version of the `lineage.json` schema this type reads and writes.
    public static let schemaVersion: Int64 = 1
    /// The bundle path of the file: `lineage.json` at the top of the artifact.
    public static let fileName = "lineage.json"

    /// The artifacts this model derives from, in the manifest's order. When the registry writes the file it
    /// takes them from the manifest; leave them empty when building a lineage for registration.
    public var parents: [ArtifactID]
    /// For parents that were given as an alias: which alias, at registration time. For humans only: the id is
    /// what the parent is.
    public var parentAliases: [ArtifactID: String]
    /// The datasets the model was trained or tuned on, in the order given.
    public var datasets: [Dataset]
    /// The code revision that trained it.
    public var code: CodeRevision?
    /// Hyperparameter name → value.
    public var hyperparameters: [String: Value]

    /// Creates a lineage; nothing is checked until ``fileBytes()``.
    ///
    /// - Parameters:
    ///   - parents: the parent ids; leave empty when registering (the registry fills them from the metadata).
    ///   - parentAliases: the alias each parent was given as; the registry fills it when registering.
    ///   - datasets: the training data.
    ///   - code: the code revision.
    ///   - hyperparameters: the hyperparameters.
    public init(
        parents: [ArtifactID] = [], parentAliases: [ArtifactID: String] = [:], datasets: [Dataset] = [],
        code: CodeRevision? = nil, hyperparameters: [String: Value] = [:]
    ) {
        self.parents = parents
        self.parentAliases = parentAliases
        self.datasets = datasets
        self.code = code
        self.hyperparameters = hyperparameters
    }
}
