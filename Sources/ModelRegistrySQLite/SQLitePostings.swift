#if SQLite
    import RegistryCore

    /// The posting lists of the SQLite index (docs/FORMAT.md §16.2): for each term (a capability, a label, a
    /// search token) the sorted ordinals of the artifacts that have it, stored once per term as a blob of
    /// delta-encoded varints — about a byte and a half a posting, where a row per posting took sixteen.
    enum SQLitePostings {
        /// The kind byte a term starts with.
        enum Kind: UInt8 {
            case capability = 0x63  // "c"
            case label = 0x6C  // "l"
            case token = 0x74  // "t"
        }

        /// A capability's term: `c` and the varint id of its text in `strings`.
        static func capabilityTerm(_ string: Int64) -> [UInt8] {
            var term: [UInt8] = [Kind.capability.rawValue]
            SQLiteBytes.appendVarint(UInt64(bitPattern: string), to: &term)
            return term
        }

        /// A label's term: `l`, then the varint ids of its key and its value in `strings`.
        static func labelTerm(key: Int64, value: Int64) -> [UInt8] {
            var term: [UInt8] = [Kind.label.rawValue]
            SQLiteBytes.appendVarint(UInt64(bitPattern: key), to: &term)
            SQLiteBytes.appendVarint(UInt64(bitPattern: value), to: &term)
            return term
        }

        /// A search token's term: `t` and the token's UTF-8 bytes, so the terms of every token starting with `t`
        /// are the range [`t` ‖ prefix, `t` ‖ prefix ‖ 0xFF) (no UTF-8 text holds the byte 0xFF).
        static func tokenTerm(_ token: String) -> [UInt8] { [Kind.token.rawValue] + Array(token.utf8) }

        /// A term as a reader would name it in an error.
        static func describe(_ term: [UInt8]) -> String {
            guard let kind = term.first.flatMap(Kind.init(rawValue:)) else { return "an unknown term" }
            switch kind {
            case .capability, .label: return "the \(kind == .label ? "label" : "capability") term \(term.dropFirst())"
            case .token: return "the token '\(String(decoding: term.dropFirst(), as: UTF8.self))'"
            }
        }

        /// Encodes ordinals sorted ascending without repeats: the first zig-zag encoded (ordinals of artifacts
        /// without a registration are negative), then each difference to the one before (at least 1).
        static func encode(_ ordinals: [Int64]) -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(ordinals.count + 4)
            var previous: Int64?
            for ordinal in ordinals {
                if let previous {
                    SQLiteBytes.appendVarint(UInt64(ordinal - previous), to: &bytes)
                } else {
                    SQLiteBytes.appendSigned(ordinal, to: &bytes)
                }
                previous = ordinal
            }
            return bytes
        }

        /// Decodes a blob written by ``encode(_:)``, appending to `ordinals`.
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database and the term when the blob is
        ///   truncated, a difference is 0 or the ordinals overflow: a hostile blob is an error, never a crash.
        static func decode(_ blob: [UInt8], term: [UInt8], path: String, into ordinals: inout [Int64]) throws {
            var reader = SQLiteBytes.Reader(blob)
            func damage(_ detail: String) -> RegistryError {
                RegistryError(
                    .invalidDocument, "SQLite index \(path): the postings of \(describe(term)) \(detail)", path: path)
            }
            guard !blob.isEmpty else { throw damage("are empty") }
            guard let first = reader.signed() else { throw damage("are truncated") }
            var current = first
            ordinals.append(current)
            while !reader.isAtEnd {
                guard let delta = reader.varint() else { throw damage("are truncated") }
                guard delta >= 1, delta <= UInt64(Int64.max) else { throw damage("are not ascending") }
                let (next, overflow) = current.addingReportingOverflow(Int64(delta))
                guard !overflow else { throw damage("overflow") }
                current = next
                ordinals.append(current)
            }
        }

        /// The sorted union of sorted lists, without repeats.
        static func union(_ lists: [[Int64]]) -> [Int64] {
            guard lists.count > 1 else { return lists.first.map(dedup) ?? [] }
            return dedup(lists.flatMap { $0 }.sorted())
        }

        /// A sorted list without repeats.
        static func dedup(_ sorted: [Int64]) -> [Int64] {
            var result: [Int64] = []
            result.reserveCapacity(sorted.count)
            for value in sorted where result.last != value { result.append(value) }
            return result
        }

        /// The sorted intersection of sorted lists without repeats, shortest first.
        static func intersection(_ lists: [[Int64]]) -> [Int64] {
            let ordered = lists.sorted { $0.count < $1.count }
            guard var result = ordered.first else { return [] }
            for list in ordered.dropFirst() {
                var kept: [Int64] = []
                var index = 0
                for value in result {
                    // Galloping would help very unequal lists; a linear merge is exact and enough here.
                    while index < list.count && list[index] < value { index += 1 }
                    if index < list.count && list[index] == value { kept.append(value) }
                }
                result = kept
                if result.isEmpty { break }
            }
            return result
        }
    }
#endif
