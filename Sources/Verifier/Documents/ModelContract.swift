import RegistryCore

/// A model's interface, from `contract.json`: what it takes, what it returns, for which task, with which labels,
/// and what it needs to run.
///
/// ```json
/// {"inputs":[{"dtype":"int32","name":"input_ids","shape":["batch","sequence"]}],
///  "labels":["invoice","contract"],"outputs":[{"dtype":"float32","name":"logits","shape":["batch",2]}],
///  "runtime":{"framework":"onnx"},"task":"text-classification"}
/// ```
public struct ModelContract: Hashable, Sendable {
    /// One dimension of a tensor shape: a fixed size, or a named symbol that may take any size (`batch`).
    public enum Dimension: Hashable, Sendable, CustomStringConvertible {
        case fixed(Int64)
        case symbol(String)

        public var description: String {
            switch self {
            case .fixed(let size): return String(size)
            case .symbol(let name): return name
            }
        }
    }

    /// A named input or output tensor.
    public struct Tensor: Hashable, Sendable {
        /// The tensor's name.
        public var name: String
        /// Its element type, one of ``ModelContract/dtypes``.
        public var dtype: String
        /// Its shape.
        public var shape: [Dimension]
        /// For inputs: whether callers may leave it out.
        public var isOptional: Bool

        /// Creates a tensor description.
        public init(name: String, dtype: String, shape: [Dimension], isOptional: Bool = false) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.isOptional = isOptional
        }
    }

    /// The element types a contract may name.
    public static let dtypes: Set<String> = [
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "bfloat16",
        "float32", "float64", "string",
    ]

    /// The task, for example `text-classification`.
    public var task: String
    /// Inputs, in declaration order.
    public var inputs: [Tensor]
    /// Outputs, in declaration order.
    public var outputs: [Tensor]
    /// Class labels, in output index order (empty when not a classifier).
    public var labels: [String]
    /// Runtime requirements as free-form strings (`framework`, `minimumMemory`, `accelerator` …).
    public var runtime: [String: String]

    /// Creates a contract.
    public init(
        task: String, inputs: [Tensor], outputs: [Tensor], labels: [String] = [], runtime: [String: String] = [:]
    ) {
        self.task = task
        self.inputs = inputs
        self.outputs = outputs
        self.labels = labels
        self.runtime = runtime
    }

    /// Parses and validates `contract.json`.
    ///
    /// - Throws: `.invalidJSON` or `.invalidDocument` naming `source` and the field: missing or wrongly typed
    ///   fields, unknown dtypes, empty or duplicate names, non-positive sizes, duplicate labels.
    public init(parsing bytes: [UInt8], source: String) throws {
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try reader.rejectUnknownKeys(allowed: ["task", "inputs", "outputs", "labels", "runtime"])
        task = try reader.string("task")
        guard !task.isEmpty else { throw reader.makeError(at: "task", "must not be empty") }
        inputs = try reader.objects("inputs").map { try Self.tensor($0, allowOptional: true) }
        outputs = try reader.objects("outputs").map { try Self.tensor($0, allowOptional: false) }
        labels = try reader.optionalStringArray("labels") ?? []
        runtime = try reader.optionalStringMap("runtime") ?? [:]
        guard !outputs.isEmpty else { throw reader.makeError(at: "outputs", "must list at least one output") }
        for (key, names) in [("inputs", inputs.map(\.name)), ("outputs", outputs.map(\.name)), ("labels", labels)]
        where Set(names).count != names.count {
            throw reader.makeError(at: key, "contains a duplicate name")
        }
    }

    private static func tensor(_ reader: JSONObjectReader, allowOptional: Bool) throws -> Tensor {
        try reader.rejectUnknownKeys(
            allowed: allowOptional ? ["name", "dtype", "shape", "optional"] : ["name", "dtype", "shape"])
        let name = try reader.string("name")
        guard !name.isEmpty else { throw reader.makeError(at: "name", "must not be empty") }
        let dtype = try reader.string("dtype")
        guard dtypes.contains(dtype) else {
            throw reader.makeError(at: "dtype", "'\(dtype)' is not one of \(dtypes.sorted().joined(separator: ", "))")
        }
        var shape: [Dimension] = []
        for (index, element) in try reader.array("shape").enumerated() {
            switch element {
            case .number(let number):
                guard let size = number.integerValue, size > 0 else {
                    throw reader.makeError(
                        at: "shape", "dimension \(index) must be a positive integer or a symbol name")
                }
                shape.append(.fixed(size))
            case .string(let symbol) where !symbol.isEmpty:
                shape.append(.symbol(symbol))
            default:
                throw reader.makeError(at: "shape", "dimension \(index) must be a positive integer or a symbol name")
            }
        }
        return Tensor(name: name, dtype: dtype, shape: shape, isOptional: try reader.optionalBool("optional") ?? false)
    }

    /// Why `candidate` cannot replace `self` behind an alias; empty when it can.
    ///
    /// The rules, so that every caller of the current model keeps working:
    /// - the task is the same;
    /// - every input the current model accepts, the candidate accepts: same name, same dtype, same rank; a
    ///   dimension that is a symbol in the current contract must be a symbol in the candidate (a fixed size would
    ///   accept less); a fixed dimension must stay the same size or become a symbol;
    /// - the candidate may add inputs only if they are optional;
    /// - every output the current model produces, the candidate produces with the same name, dtype and shape
    ///   (symbols by name, fixed sizes by value) — callers index into outputs;
    /// - labels keep their positions: the current labels are a prefix of the candidate's (new classes may be
    ///   appended, none renamed, removed or reordered).
    public func incompatibilities(with candidate: ModelContract) -> [String] {
        var problems: [String] = []
        if candidate.task != task { problems.append("task changes from '\(task)' to '\(candidate.task)'") }
        for input in inputs {
            guard let other = candidate.inputs.first(where: { $0.name == input.name }) else {
                if !input.isOptional { problems.append("input '\(input.name)' is no longer accepted") }
                continue
            }
            if other.dtype != input.dtype {
                problems.append("input '\(input.name)' changes dtype from \(input.dtype) to \(other.dtype)")
            }
            guard other.shape.count == input.shape.count else {
                problems.append("input '\(input.name)' changes rank from \(input.shape.count) to \(other.shape.count)")
                continue
            }
            for (index, (old, new)) in zip(input.shape, other.shape).enumerated() {
                switch (old, new) {
                case (_, .symbol): break
                case (.fixed(let a), .fixed(let b)) where a == b: break
                default:
                    problems.append("input '\(input.name)' dimension \(index) accepts \(new) where callers send \(old)")
                }
            }
        }
        for input in candidate.inputs where !input.isOptional && !inputs.contains(where: { $0.name == input.name }) {
            problems.append("new required input '\(input.name)' that current callers do not send")
        }
        for output in outputs {
            guard let other = candidate.outputs.first(where: { $0.name == output.name }) else {
                problems.append("output '\(output.name)' is no longer produced")
                continue
            }
            if other.dtype != output.dtype {
                problems.append("output '\(output.name)' changes dtype from \(output.dtype) to \(other.dtype)")
            }
            if other.shape != output.shape {
                problems.append("output '\(output.name)' changes shape from \(output.shape) to \(other.shape)")
            }
        }
        if !labels.isEmpty
            && !(candidate.labels.count >= labels.count && Array(candidate.labels.prefix(labels.count)) == labels)
        {
            problems.append(
                "labels change: the current labels \(labels) must stay a prefix of the new \(candidate.labels)")
        }
        return problems
    }
}
