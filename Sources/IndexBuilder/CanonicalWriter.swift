import RegistryCore

/// A fast RFC 8785 writer for the large index files, which would be slow to build as one `JSONValue` tree.
///
/// It writes exactly what `CanonicalJSON.encode(_:)` writes (the test suite compares the two): strings escape
/// only `"`, `\` and U+0000–U+001F, integers are plain decimals, object members come in UTF-16 order. Objects
/// with fixed member names list them in that order themselves (checked in debug builds); maps sort their keys.
struct CanonicalWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends bytes that are already canonical JSON.
    mutating func raw(_ encoded: [UInt8]) {
        bytes.append(contentsOf: encoded)
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func integer(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.makeContiguousUTF8()
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { escape($0) }
        if done == nil { escape(Array(text.utf8)) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape<Bytes: Collection<UInt8>>(_ source: Bytes) where Bytes.Index == Int {
        CanonicalJSON.appendEscaped(source, to: &bytes)
    }

    mutating func artifactID(_ id: ArtifactID) {
        string(id.description)
    }

    mutating func stringArray(_ elements: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(element)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func artifactIDs(_ ids: [ArtifactID]) {
        stringArray(ids.map(\.description))
    }

    /// A finite number as `CanonicalJSON` writes it (ECMAScript shortest form); a non-finite one, which metrics
    /// never hold, as `null`.
    mutating func number(_ value: Double) {
        bytes.append(contentsOf: (JSONNumber(value)?.literal ?? "null").utf8)
    }

    mutating func numberMap(_ map: [String: Double]) {
        object { members in
            for key in map.keys.sorted(by: canonicalKeyPrecedes) {
                members.member(key) { $0.number(map[key] ?? 0) }
            }
        }
    }

    mutating func stringMap(_ map: [String: String]) {
        object { members in
            for key in map.keys.sorted(by: canonicalKeyPrecedes) {
                members.member(key) { $0.string(map[key] ?? "") }
            }
        }
    }

    /// Writes an object; `body` adds the members in canonical (UTF-16) key order.
    mutating func object(_ body: (inout ObjectMembers) -> Void) {
        var members = ObjectMembers(writer: self)
        bytes = []
        members.writer.bytes.append(UInt8(ascii: "{"))
        body(&members)
        members.writer.bytes.append(UInt8(ascii: "}"))
        self = members.writer
    }

    /// The members of an object being written.
    struct ObjectMembers {
        fileprivate var writer: CanonicalWriter
        private var previousKey: String?

        fileprivate init(writer: CanonicalWriter) {
            self.writer = writer
        }

        /// Writes `"key":` and then the value `body` writes. Keys must come in canonical order.
        mutating func member(_ key: String, _ body: (inout CanonicalWriter) -> Void) {
            if let previousKey {
                assert(canonicalKeyPrecedes(previousKey, key), "object members out of order: \(previousKey), \(key)")
                writer.bytes.append(UInt8(ascii: ","))
            }
            previousKey = key
            writer.string(key)
            writer.bytes.append(UInt8(ascii: ":"))
            body(&writer)
        }
    }
}

/// Whether `lhs` sorts before `rhs` as RFC 8785 orders object keys: by UTF-16 code units.
///
/// Compares UTF-8 bytes, which agree with UTF-16 order except where a scalar above U+FFFF (a surrogate pair in
/// UTF-16) meets one in U+E000–U+FFFF; there the supplementary scalar sorts first.
func canonicalKeyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
    var left = lhs.utf8.makeIterator()
    var right = rhs.utf8.makeIterator()
    while true {
        guard let a = left.next() else { return right.next() != nil }
        guard let b = right.next() else { return false }
        if a == b { continue }
        if a >= 0xEE, b >= 0xEE, (a >= 0xF0) != (b >= 0xF0) { return a >= 0xF0 }
        return a < b
    }
}
