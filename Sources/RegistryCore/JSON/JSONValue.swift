/// A parsed JSON document: the data model that registry documents are hashed and signed over.
///
/// Manifests, alias records, audit events and signatures are built as `JSONValue`s and written with
/// ``CanonicalJSON/encode(_:)``; they are read back with ``CanonicalJSON/parse(_:source:)`` and
/// ``JSONObjectReader``. Keeping one small value type in the middle, instead of `Codable`, means the bytes that
/// get signed are decided by RFC 8785 and by nothing else.
///
/// **Equality is canonical equality:** `a == b` exactly when `CanonicalJSON.encode(a) == CanonicalJSON.encode(b)`.
/// Numbers compare by value (`1.0 == 1`, see ``JSONNumber``); strings and object keys compare by their Unicode
/// scalars, *not* by Swift's canonical-equivalence rule, so `"é"` (U+00E9) and `"e\u{301}"` are different values,
/// as they are different bytes on disk.
///
/// Object keys are held in a Swift `Dictionary`, which does treat canonically equivalent keys as the same key.
/// The parser therefore rejects an object with two such keys as a duplicate; see ``CanonicalJSON``.
///
/// Values built in code may nest arbitrarily deep, but encoding, comparing and destroying them recurses once per
/// level; values produced by the parser are at most ``CanonicalJSON/maximumNestingDepth`` deep.
///
/// ```swift
/// let manifest: JSONValue = ["name": "resnet", "files": [["path": "model.bin", "size": 4096]]]
/// let bytes = CanonicalJSON.encode(manifest)   // {"files":[{"path":"model.bin","size":4096}],"name":"resnet"}
/// ```
///
/// `JSONValue` is `Sendable`: it is an immutable value tree.
public enum JSONValue: Hashable, Sendable {
    /// JSON `null`.
    case null
    /// JSON `true` or `false`.
    case bool(Bool)
    /// A JSON number, keeping its source lexeme.
    case number(JSONNumber)
    /// A JSON string. Always valid Unicode; may contain U+0000 (see ``JSONObjectReader/string(_:allowNUL:)``).
    case string(String)
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object. Member order is not significant; the encoder sorts keys by UTF-16 code units.
    case object([String: JSONValue])

    /// Canonical equality: true exactly when both values encode to the same RFC 8785 bytes.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case (.bool(let a), .bool(let b)):
            return a == b
        case (.number(let a), .number(let b)):
            return a == b
        case (.string(let a), .string(let b)):
            return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                // The dictionary lookup may find a canonically equivalent key; require the same scalars.
                guard let index = b.index(forKey: key) else { return false }
                let other = b[index]
                guard key.utf8.elementsEqual(other.key.utf8), value == other.value else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// Hashes consistently with ``==(_:_:)``: strings by their UTF-8 bytes, numbers by value, objects without
    /// regard to member order.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .number(let value):
            hasher.combine(2 as UInt8)
            hasher.combine(value)
        case .string(let value):
            hasher.combine(3 as UInt8)
            JSONValue.hashScalars(of: value, into: &hasher)
        case .array(let elements):
            hasher.combine(4 as UInt8)
            hasher.combine(elements.count)
            for element in elements { element.hash(into: &hasher) }
        case .object(let members):
            hasher.combine(5 as UInt8)
            hasher.combine(members.count)
            // Order-independent: combine per-member hashes commutatively, as Dictionary does.
            var combined = 0
            for (key, value) in members {
                var memberHasher = Hasher()
                JSONValue.hashScalars(of: key, into: &memberHasher)
                value.hash(into: &memberHasher)
                combined ^= memberHasher.finalize()
            }
            hasher.combine(combined)
        }
    }

    private static func hashScalars(of string: String, into hasher: inout Hasher) {
        var string = string
        string.makeContiguousUTF8()
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
        if hashed == nil {
            // Not expected after makeContiguousUTF8(); hash a copy the same way so equal strings still agree.
            let bytes = Array(string.utf8)
            hasher.combine(bytes.count)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The string, when this is a string; lets callers branch without a `switch`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number, when this is a number.
    public var numberValue: JSONNumber? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The Boolean, when this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, when this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short description of the value's kind and, for scalars, its value, for error messages:
    /// `a string "abc"`, `the number 1.0`, `an array`.
    var kindDescription: String {
        switch self {
        case .null:
            return "null"
        case .bool(let value):
            return value ? "true" : "false"
        case .number(let value):
            return "the number \(value.literal)"
        case .string(let value):
            return "a string \(JSONValue.quotedForMessage(value))"
        case .array(let elements):
            return elements.isEmpty ? "an empty array" : "an array"
        case .object(let members):
            return members.isEmpty ? "an empty object" : "an object"
        }
    }

    /// A JSON-quoted, possibly shortened copy of `text` for use in error messages.
    static func quotedForMessage(_ text: String, limit: Int = 60) -> String {
        var result: [UInt8] = []
        CanonicalJSON.appendString(text, to: &result)
        if result.count > limit + 2 {
            // Cut at a scalar boundary and mark the cut.
            var cut = limit
            while cut > 0, result[cut] & 0xC0 == 0x80 { cut -= 1 }
            result.removeSubrange(cut...)
            result.append(contentsOf: "…\"".utf8)
        }
        return String(decoding: result, as: UTF8.self)
    }
}

// MARK: - Printing

extension JSONValue: CustomStringConvertible {
    /// The canonical JSON text of the value, so that printing a document shows the bytes that are signed.
    public var description: String {
        String(decoding: CanonicalJSON.encode(self), as: UTF8.self)
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Lets documents be written as literals: `["signed": true]`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Lets documents be written as literals: `["size": 4096]`.
    public init(integerLiteral value: Int64) {
        self = .number(JSONNumber(value))
    }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Lets documents be written as literals: `["threshold": 0.5]`.
    ///
    /// A literal too large for a double traps, because JSON has no infinity.
    public init(floatLiteral value: Double) {
        guard let number = JSONNumber(value) else {
            preconditionFailure("JSON numbers must be finite; \(value) cannot be written as JSON")
        }
        self = .number(number)
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Lets documents be written as literals: `["name": "resnet"]`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Lets documents be written as literals: `["tags": ["a", "b"]]`.
    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Lets documents be written as literals: `["name": "resnet", "size": 1]`.
    ///
    /// Repeating a key (or two canonically equivalent keys) in one literal is a programming error and traps.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var members: [String: JSONValue] = [:]
        members.reserveCapacity(elements.count)
        for (key, value) in elements {
            precondition(
                members.updateValue(value, forKey: key) == nil, "duplicate key \"\(key)\" in JSON object literal")
        }
        self = .object(members)
    }
}
