/// Typed, strict access to the fields of a JSON object, with errors that name the file and the field path.
///
/// Every registry document is read through one of these, so that a wrong document is reported as
/// `artifacts/sha256-ab…/manifest.json: files[2].size: expected an integer, found the number 1.5` rather
/// than a bare "type mismatch".
///
/// The accessors are deliberately unforgiving, so that two readers never disagree about a document:
///
/// - ``integer(_:)`` accepts only numbers written as plain integers (`1.0`, `1e2`, `"1"` and `true` are
///   refused) and only within ±(2^53 − 1), the range that survives RFC 8785 canonicalisation exactly.
/// - Optional accessors return `nil` only when the key is **absent**. An explicit `null` is an error: a
///   document has one spelling for "not set".
/// - String accessors refuse U+0000 unless you pass `allowNUL: true`, because names, paths and digests that
///   reach C APIs would be silently truncated at a NUL.
/// - ``rejectUnknownKeys(allowed:)`` turns a typo in a field name into an error instead of a silent default.
///
/// ```swift
/// let manifest = try JSONObjectReader(try CanonicalJSON.parse(bytes, source: source), source: source)
/// try manifest.rejectUnknownKeys(allowed: ["name", "files"])
/// let name = try manifest.string("name")
/// for file in try manifest.objects("files") {          // paths "files[0]", "files[1]", …
///     let size = try file.integer("size", in: 0...Int64.max)
/// }
/// ```
///
/// `JSONObjectReader` is `Sendable`: it is an immutable value.
public struct JSONObjectReader: Sendable {
    /// The largest integer magnitude ``integer(_:)`` accepts: 2^53 − 1, the I-JSON (RFC 7493) safe range.
    ///
    /// Beyond it, RFC 8785 would serialise a different neighbouring integer, so the signed bytes would not say
    /// what the author wrote.
    public static let maximumSafeInteger: Int64 = 9_007_199_254_740_991

    /// The object's members.
    public let members: [String: JSONValue]
    /// What document this object came from, for error messages; usually a path relative to the registry root.
    public let source: String
    /// Where this object sits in the document, such as `files[2]`; empty for the top level.
    public let path: String

    /// Wraps a value that must be a JSON object.
    ///
    /// - Parameters:
    ///   - value: The value, usually the result of ``CanonicalJSON/parse(_:source:)``.
    ///   - source: What document the value came from, for error messages.
    ///   - path: Where the value sits in that document; empty for the top level.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when `value` is not an object.
    public init(_ value: JSONValue, source: String, path: String = "") throws {
        guard case .object(let members) = value else {
            throw RegistryError(
                .invalidDocument,
                JSONObjectReader.message(
                    source: source, path: path, "expected an object, found \(value.kindDescription)"))
        }
        self.members = members
        self.source = source
        self.path = path
    }

    /// The keys present in the object, in canonical (UTF-16) order, so listings and messages are stable.
    public var keys: [String] {
        members.keys.sorted(by: CanonicalJSON.utf16Precedes)
    }

    /// Whether the object has a member named `key` (including one whose value is `null`).
    public func contains(_ key: String) -> Bool {
        lookup(key) != nil
    }

    /// The raw value of a member, or `nil` when absent; for fields whose type varies.
    public func value(_ key: String) -> JSONValue? {
        lookup(key)
    }

    // MARK: Strings

    /// Reads a required string.
    ///
    /// - Parameters:
    ///   - key: The member name.
    ///   - allowNUL: Whether U+0000 may appear. Leave `false` for names, paths, digests and identifiers.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is missing, not a string, or contains
    ///   NUL while `allowNUL` is `false`.
    public func string(_ key: String, allowNUL: Bool = false) throws -> String {
        try checkedString(try require(key), at: fieldPath(key), allowNUL: allowNUL)
    }

    /// Reads a string that may be absent.
    ///
    /// - Parameters:
    ///   - key: The member name.
    ///   - allowNUL: Whether U+0000 may appear.
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null`, not a string, or contains a
    ///   refused NUL.
    public func optionalString(_ key: String, allowNUL: Bool = false) throws -> String? {
        guard let value = try optional(key) else { return nil }
        return try checkedString(value, at: fieldPath(key), allowNUL: allowNUL)
    }

    /// Reads a required array of strings.
    ///
    /// - Parameters:
    ///   - key: The member name.
    ///   - allowNUL: Whether U+0000 may appear in the elements.
    /// - Throws: ``RegistryError/Code/invalidDocument`` naming the element (`tags[3]`) that is wrong.
    public func stringArray(_ key: String, allowNUL: Bool = false) throws -> [String] {
        try checkedStringArray(try require(key), key: key, allowNUL: allowNUL)
    }

    /// Reads an array of strings that may be absent.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null`, not an array, or an
    ///   element is wrong.
    public func optionalStringArray(_ key: String, allowNUL: Bool = false) throws -> [String]? {
        guard let value = try optional(key) else { return nil }
        return try checkedStringArray(value, key: key, allowNUL: allowNUL)
    }

    /// Reads a required object whose values are all strings, such as labels.
    ///
    /// Keys never may contain NUL; `allowNUL` applies to the values.
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` naming the entry (`labels.team`) that is wrong.
    public func stringMap(_ key: String, allowNUL: Bool = false) throws -> [String: String] {
        try checkedStringMap(try require(key), key: key, allowNUL: allowNUL)
    }

    /// Reads an object of strings that may be absent.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null`, not an object, or an entry
    ///   is wrong.
    public func optionalStringMap(_ key: String, allowNUL: Bool = false) throws -> [String: String]? {
        guard let value = try optional(key) else { return nil }
        return try checkedStringMap(value, key: key, allowNUL: allowNUL)
    }

    // MARK: Numbers and Booleans

    /// Reads a required integer.
    ///
    /// Only a number written as a plain integer counts: `1.0`, `1e2`, `"1"` and `true` are refused, and so are
    /// magnitudes above ``maximumSafeInteger``, which RFC 8785 could not reproduce exactly.
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is missing or not such an integer.
    public func integer(_ key: String) throws -> Int64 {
        try checkedInteger(try require(key), at: fieldPath(key), in: nil)
    }

    /// Reads a required integer that must also lie in `range`, such as `0...Int64.max` for sizes.
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is missing, not an integer, or out of
    ///   range.
    public func integer(_ key: String, in range: ClosedRange<Int64>) throws -> Int64 {
        try checkedInteger(try require(key), at: fieldPath(key), in: range)
    }

    /// Reads an integer that may be absent.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null` or not an integer (see
    ///   ``integer(_:)``).
    public func optionalInteger(_ key: String) throws -> Int64? {
        guard let value = try optional(key) else { return nil }
        return try checkedInteger(value, at: fieldPath(key), in: nil)
    }

    /// Reads an integer that may be absent and must lie in `range` when present.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null`, not an integer, or out of
    ///   range.
    public func optionalInteger(_ key: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let value = try optional(key) else { return nil }
        return try checkedInteger(value, at: fieldPath(key), in: range)
    }

    /// Reads a required number as a double, such as a metric or a threshold.
    ///
    /// Any JSON number is accepted, including integers; the result is always finite because the parser refuses
    /// numbers that overflow.
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is missing or not a number.
    public func double(_ key: String) throws -> Double {
        try checkedDouble(try require(key), at: fieldPath(key))
    }

    /// Reads a number that may be absent.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null` or not a number.
    public func optionalDouble(_ key: String) throws -> Double? {
        guard let value = try optional(key) else { return nil }
        return try checkedDouble(value, at: fieldPath(key))
    }

    /// Reads a required Boolean. Only `true` and `false` count; `"true"`, `1` and `null` are refused.
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is missing or not a Boolean.
    public func bool(_ key: String) throws -> Bool {
        try checkedBool(try require(key), at: fieldPath(key))
    }

    /// Reads a Boolean that may be absent.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null` or not a Boolean.
    public func optionalBool(_ key: String) throws -> Bool? {
        guard let value = try optional(key) else { return nil }
        return try checkedBool(value, at: fieldPath(key))
    }

    // MARK: Nested values

    /// Reads a required nested object, whose errors will name paths below this one (`model.config.x`).
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is missing or not an object.
    public func object(_ key: String) throws -> JSONObjectReader {
        try JSONObjectReader(try require(key), source: source, path: fieldPath(key))
    }

    /// Reads a nested object that may be absent.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null` or not an object.
    public func optionalObject(_ key: String) throws -> JSONObjectReader? {
        guard let value = try optional(key) else { return nil }
        return try JSONObjectReader(value, source: source, path: fieldPath(key))
    }

    /// Reads a required array of arbitrary values.
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is missing or not an array.
    public func array(_ key: String) throws -> [JSONValue] {
        try checkedArray(try require(key), at: fieldPath(key))
    }

    /// Reads an array that may be absent.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null` or not an array.
    public func optionalArray(_ key: String) throws -> [JSONValue]? {
        guard let value = try optional(key) else { return nil }
        return try checkedArray(value, at: fieldPath(key))
    }

    /// Reads a required array of objects, each wrapped in a reader whose path is `key[index]` (`files[2]`).
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is missing, not an array, or an element
    ///   is not an object.
    public func objects(_ key: String) throws -> [JSONObjectReader] {
        try checkedObjects(try require(key), key: key)
    }

    /// Reads an array of objects that may be absent.
    ///
    /// - Returns: `nil` when the key is absent.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the member is `null`, not an array, or an element
    ///   is not an object.
    public func optionalObjects(_ key: String) throws -> [JSONObjectReader]? {
        guard let value = try optional(key) else { return nil }
        return try checkedObjects(value, key: key)
    }

    // MARK: Strictness

    /// Fails if the object has a member not in `allowed`, so that a misspelt optional field is an error
    /// rather than silently ignored.
    ///
    /// - Parameter allowed: Every member name this kind of object may have. An array literal is fine (and cheaper
    ///   than a set: the names are compared byte for byte, never hashed).
    /// - Throws: ``RegistryError/Code/invalidDocument`` listing the unknown members.
    public func rejectUnknownKeys(allowed: some Collection<String>) throws {
        let unknown = members.keys.filter { key in
            // Compare by scalars: a canonically equivalent spelling is not the allowed key.
            !allowed.contains { JSONObjectReader.sameBytes($0, key) }
        }
        guard !unknown.isEmpty else { return }
        let names = unknown.sorted(by: CanonicalJSON.utf16Precedes).map { JSONValue.quotedForMessage($0) }
            .joined(separator: ", ")
        let expected = allowed.sorted(by: CanonicalJSON.utf16Precedes).joined(separator: ", ")
        throw RegistryError(
            .invalidDocument,
            JSONObjectReader.message(
                source: source, path: path,
                "unknown field\(unknown.count == 1 ? "" : "s") \(names); allowed fields are: \(expected)"))
    }

    /// Whether two strings have the same UTF-8 bytes (`==` would also accept canonically equivalent spellings).
    static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in rhs.withUTF8 { right in left.elementsEqual(right) } }
    }

    // MARK: Errors for callers

    /// The path of a member of this object, for messages: `files[2].size`, or `labels["a b"]` when the key is
    /// not a plain identifier.
    public func fieldPath(_ key: String) -> String {
        JSONObjectReader.join(path, key)
    }

    /// Makes an ``RegistryError/Code/invalidDocument`` error in the same format as the reader's own, for checks
    /// the reader cannot do itself (a digest that does not parse, a name that breaks its grammar).
    ///
    /// ```swift
    /// guard let digest = Digest(parsing: text) else {
    ///     throw file.makeError(at: "digest", "not a digest of the form sha256:<64 hex digits>")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - key: The member the problem is in, or `nil` for the object as a whole.
    ///   - problem: What is wrong, ideally with what was expected.
    /// - Returns: An error whose message reads `<source>: <path>: <problem>`.
    public func makeError(at key: String?, _ problem: String) -> RegistryError {
        let location = key.map(fieldPath) ?? path
        return RegistryError(.invalidDocument, JSONObjectReader.message(source: source, path: location, problem))
    }
}

// MARK: - Implementation

extension JSONObjectReader {
    /// Looks up a member by exact scalars: Swift's `Dictionary` would also match a canonically equivalent key.
    private func lookup(_ key: String) -> JSONValue? {
        guard let index = members.index(forKey: key) else { return nil }
        let member = members[index]
        return member.key.utf8.elementsEqual(key.utf8) ? member.value : nil
    }

    private func require(_ key: String) throws -> JSONValue {
        guard let value = lookup(key) else {
            throw error(at: fieldPath(key), "required field is missing")
        }
        return value
    }

    private func optional(_ key: String) throws -> JSONValue? {
        guard let value = lookup(key) else { return nil }
        if value.isNull {
            throw error(at: fieldPath(key), "null is not allowed here; omit the field instead")
        }
        return value
    }

    private func error(at location: String, _ problem: String) -> RegistryError {
        RegistryError(.invalidDocument, JSONObjectReader.message(source: source, path: location, problem))
    }

    private static func message(source: String, path: String, _ problem: String) -> String {
        "\(source): \(path.isEmpty ? "top level" : path): \(problem)"
    }

    private static func join(_ path: String, _ key: String) -> String {
        if isIdentifier(key) {
            return path.isEmpty ? key : path + "." + key
        }
        return path + "[" + JSONValue.quotedForMessage(key, limit: 200) + "]"
    }

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else {
            return false
        }
        return key.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }
    }

    private func checkedString(_ value: JSONValue, at location: @autoclosure () -> String, allowNUL: Bool) throws
        -> String
    {
        guard case .string(let text) = value else {
            throw error(at: location(), "expected a string, found \(value.kindDescription)")
        }
        if !allowNUL, text.utf8.contains(0) {
            throw error(
                at: location(),
                "the string \(JSONValue.quotedForMessage(text)) contains U+0000 (NUL), which is not allowed here")
        }
        return text
    }

    private func checkedStringArray(_ value: JSONValue, key: String, allowNUL: Bool) throws -> [String] {
        let location = fieldPath(key)
        let elements = try checkedArray(value, at: location)
        var result: [String] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            result.append(try checkedString(element, at: "\(location)[\(index)]", allowNUL: allowNUL))
        }
        return result
    }

    private func checkedStringMap(_ value: JSONValue, key: String, allowNUL: Bool) throws -> [String: String] {
        let location = fieldPath(key)
        guard case .object(let entries) = value else {
            throw error(at: location, "expected an object of strings, found \(value.kindDescription)")
        }
        var result: [String: String] = [:]
        result.reserveCapacity(entries.count)
        for entryKey in entries.keys.sorted(by: CanonicalJSON.utf16Precedes) {
            if entryKey.utf8.contains(0) {
                throw error(
                    at: JSONObjectReader.join(location, entryKey), "the key contains U+0000 (NUL), which is not allowed"
                )
            }
            guard let entryValue = entries[entryKey] else { continue }
            result[entryKey] = try checkedString(
                entryValue, at: JSONObjectReader.join(location, entryKey), allowNUL: allowNUL)
        }
        return result
    }

    private func checkedInteger(
        _ value: JSONValue, at location: @autoclosure () -> String, in range: ClosedRange<Int64>?
    ) throws -> Int64 {
        guard case .number(let number) = value else {
            throw error(at: location(), "expected an integer, found \(value.kindDescription)")
        }
        guard let integer = number.integerValue else {
            throw error(
                at: location(),
                "expected an integer, found the number \(number.literal) (write integers without a fraction or "
                    + "exponent)")
        }
        guard integer.magnitude <= JSONObjectReader.maximumSafeInteger.magnitude else {
            throw error(
                at: location(),
                "integer \(number.literal) is outside ±\(JSONObjectReader.maximumSafeInteger) and cannot be "
                    + "represented exactly in canonical JSON")
        }
        if let range, !range.contains(integer) {
            throw error(at: location(), "integer \(integer) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return integer
    }

    private func checkedDouble(_ value: JSONValue, at location: @autoclosure () -> String) throws -> Double {
        guard case .number(let number) = value else {
            throw error(at: location(), "expected a number, found \(value.kindDescription)")
        }
        return number.doubleValue
    }

    private func checkedBool(_ value: JSONValue, at location: @autoclosure () -> String) throws -> Bool {
        guard case .bool(let flag) = value else {
            throw error(at: location(), "expected true or false, found \(value.kindDescription)")
        }
        return flag
    }

    private func checkedArray(_ value: JSONValue, at location: @autoclosure () -> String) throws -> [JSONValue] {
        guard case .array(let elements) = value else {
            throw error(at: location(), "expected an array, found \(value.kindDescription)")
        }
        return elements
    }

    private func checkedObjects(_ value: JSONValue, key: String) throws -> [JSONObjectReader] {
        let location = fieldPath(key)
        let elements = try checkedArray(value, at: location)
        var readers: [JSONObjectReader] = []
        readers.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            readers.append(try JSONObjectReader(element, source: source, path: "\(location)[\(index)]"))
        }
        return readers
    }
}
