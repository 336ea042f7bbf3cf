import RegistryCore

extension ModelContract {
    /// The bundle path of a model's contract: `contract.json` at the top of the artifact (FORMAT.md §12.6).
    public static let fileName = "contract.json"

    /// The contract as `contract.json` holds it: canonical JSON and a newline, so that a training script writes
    /// exactly what ``init(parsing:source:)`` reads back.
    ///
    /// The document is checked by the same rules as a parsed one before it is returned, so a contract that would
    /// be refused when read is refused when written.
    ///
    /// ```swift
    /// let contract = ModelContract(
    ///     task: "text-classification",
    ///     inputs: [.init(name: "input_ids", dtype: "int32", shape: [.symbol("batch"), .symbol("sequence")])],
    ///     outputs: [.init(name: "logits", dtype: "float32", shape: [.symbol("batch"), .fixed(2)])],
    ///     labels: ["invoice", "contract"])
    /// try FileManager.default.createFile(atPath: "out/contract.json", contents: Data(contract.fileBytes()))
    /// ```
    ///
    /// - Returns: the canonical JSON bytes followed by `\n`.
    /// - Throws: `.invalidDocument` naming `contract.json` and the field: an empty task, an unknown dtype, an
    ///   empty or duplicate name, a size that is not a positive JSON-safe integer, an empty symbol, no output, a
    ///   duplicate label, a string holding U+0000.
    public func fileBytes() throws -> [UInt8] {
        let bytes = CanonicalJSON.encode(jsonValue) + [0x0A]
        let parsed = try ModelContract(parsing: bytes, source: Self.fileName)
        guard parsed == self else {
            throw RegistryError(.invalidDocument, "\(Self.fileName): the contract does not read back as written")
        }
        return bytes
    }

    /// The document as a JSON value, members as FORMAT.md §12.6 names them.
    var jsonValue: JSONValue {
        func tensor(_ tensor: Tensor) -> JSONValue {
            var fields: [String: JSONValue] = [
                "name": .string(tensor.name), "dtype": .string(tensor.dtype),
                "shape": .array(
                    tensor.shape.map { dimension in
                        switch dimension {
                        case .fixed(let size): .number(JSONNumber(size))
                        case .symbol(let name): .string(name)
                        }
                    }),
            ]
            if tensor.isOptional { fields["optional"] = .bool(true) }
            return .object(fields)
        }
        var fields: [String: JSONValue] = [
            "task": .string(task), "inputs": .array(inputs.map(tensor)), "outputs": .array(outputs.map(tensor)),
        ]
        if !labels.isEmpty { fields["labels"] = .array(labels.map(JSONValue.string)) }
        if !runtime.isEmpty { fields["runtime"] = .object(runtime.mapValues(JSONValue.string)) }
        return .object(fields)
    }
}
