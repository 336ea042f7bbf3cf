import RegistryCore

/// The artifact ids of `artifacts/`, sorted by their bytes, held compactly for a rebuild: 32 bytes per `sha256-`
/// id instead of a string and a digest array per entry (a listing of a million entries would otherwise be a few
/// hundred MiB), in chunks that a scan releases as it passes them (``release(below:)``). Ids of other algorithms,
/// rare, are kept as they are.
struct SortedArtifactIDs {
    private var sha256 = ChunkedArray<SHA256Key>([])
    /// Ids of algorithms whose names sort before `sha256`, then after it.
    private var before: [ArtifactID] = []
    private var after: [ArtifactID] = []

    /// The number of ids.
    var count: Int { before.count + sha256.count + after.count }

    /// Lists `directory` (entries that are not artifact ids are skipped); empty when it does not exist.
    ///
    /// - Throws: I/O errors listing it.
    ///
    /// - Parameter chunkSize: ids per chunk released at once (tests choose small ones).
    init(listing directory: String, chunkSize: Int = ChunkedArray<SHA256Key>.defaultChunkSize) throws {
        var keys: [SHA256Key] = []
        do {
            try FileSystem.forEachDirectoryEntry(directory) { name in
                if let key = Self.sha256Key(name) {
                    keys.append(key)
                } else if let text = String(validating: name, as: UTF8.self), let id = ArtifactID(text) {
                    if id.digest.algorithm < "sha256" { before.append(id) } else { after.append(id) }
                }
            }
        } catch RegistryError.Code.notFound {
            return
        }
        keys.sort()
        sha256 = ChunkedArray(keys, chunkSize: chunkSize)
        before.sort()
        after.sort()
    }

    /// The id at `index` in sorted order.
    subscript(index: Int) -> ArtifactID {
        if index < before.count { return before[index] }
        if index < before.count + sha256.count {
            return ArtifactID(digest: Digest(algorithm: "sha256", bytes: sha256[index - before.count].bytes))
        }
        return after[index - before.count - sha256.count]
    }

    /// Lets the ids below `index` go (a scan that has read them); they can no longer be asked for.
    mutating func release(below index: Int) {
        sha256.release(below: index - before.count)
    }

    /// The key of a name that spells `sha256-` and 64 lowercase hex digits.
    private static func sha256Key(_ name: UnsafeBufferPointer<UInt8>) -> SHA256Key? {
        guard name.count == 71, name[0] == 0x73, name[1] == 0x68, name[2] == 0x61, name[3] == 0x32, name[4] == 0x35,
            name[5] == 0x36, name[6] == 0x2D
        else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for index in 0..<64 {
            let byte = name[7 + index]
            let nibble: UInt8
            switch byte {
            case 0x30...0x39: nibble = byte - 0x30
            case 0x61...0x66: nibble = byte - 0x61 + 10
            default: return nil
            }
            words[index / 16] = words[index / 16] << 4 | UInt64(nibble)
        }
        return SHA256Key(words: (words[0], words[1], words[2], words[3]))
    }
}

/// A SHA-256 digest as four big-endian words: their order is the order of the id's bytes.
struct SHA256Key: Comparable, Hashable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    static func < (lhs: SHA256Key, rhs: SHA256Key) -> Bool {
        if lhs.words.0 != rhs.words.0 { return lhs.words.0 < rhs.words.0 }
        if lhs.words.1 != rhs.words.1 { return lhs.words.1 < rhs.words.1 }
        if lhs.words.2 != rhs.words.2 { return lhs.words.2 < rhs.words.2 }
        return lhs.words.3 < rhs.words.3
    }

    static func == (lhs: SHA256Key, rhs: SHA256Key) -> Bool { lhs.words == rhs.words }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// The id this key spells.
    var id: ArtifactID { ArtifactID(digest: Digest(algorithm: "sha256", bytes: bytes)) }

    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for word in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return bytes
    }
}

extension SHA256Key {
    /// The key of a `sha256` id; nil for other algorithms.
    init?(_ id: ArtifactID) {
        guard id.digest.algorithm == "sha256", id.digest.bytes.count == 32 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in id.digest.bytes.enumerated() { words[index / 8] = words[index / 8] << 8 | UInt64(byte) }
        self.init(words: (words[0], words[1], words[2], words[3]))
    }
}
