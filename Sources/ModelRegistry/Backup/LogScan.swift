import RegistryCore

/// One pass over a range of complete log lines being added to a backup: checks that the range continues the
/// backup's chain, and collects the signature files its `signature_added` events name (FORMAT.md §14.5).
struct LogScan {
    /// The signature files the lines account for: artifact → `signatures/<name>.json` paths.
    var signatures: [ArtifactID: Set<String>] = [:]
    /// The hash and sequence of the last line seen.
    var head: Digest
    var events: Int64
    /// When given, the artifacts the lines register and collect (a restore's pass over the snapshot's log).
    private(set) var registrations: RegistrationReplay?
    /// With ``registrations``: the artifacts whose last residency event is `artifact_evicted`.
    private(set) var evicted: Set<ArtifactID> = []
    private var expectsFirst = true

    init(after head: Digest, events: Int64, registrations: RegistrationReplay? = nil) {
        self.head = head
        self.events = events
        self.registrations = registrations
    }

    private static let registeredType = Array(#""type":"artifact_registered""#.utf8)
    private static let collectedType = Array(#""type":"artifact_collected""#.utf8)
    private static let residencyTypes = [
        Array(#""type":"artifact_evicted""#.utf8), Array(#""type":"artifact_fetched""#.utf8),
    ]

    private static let signatureType = Array(#""type":"signature_added""#.utf8)

    /// Reads `[start, end)` of the journal file at `path` (complete lines only) and takes in its lines.
    ///
    /// - Throws: `.conflict` when the first line does not continue the chain (`previousHash`, `sequence`);
    ///   `.invalidJSON`/`.invalidDocument` for a line that is not an event; I/O errors naming the file.
    mutating func scan(_ path: String, source: String, from start: Int64, to end: Int64) throws {
        guard end > start, let file = try FileSystem.openForReading(path) else { return }
        try file.closeAfter { file in
            var offset = start
            var partial: [UInt8] = []
            while offset < end {
                let chunk = try file.read(at: offset, count: Int(min(Int64(4 << 20), end - offset)))
                guard !chunk.isEmpty else {
                    throw RegistryError(.io, "'\(path)' became shorter while it was being backed up", path: path)
                }
                offset += Int64(chunk.count)
                var lineStart = chunk.startIndex
                for index in chunk.indices where chunk[index] == 0x0A {
                    partial.append(contentsOf: chunk[lineStart..<index])
                    try take(partial, source: source)
                    partial.removeAll(keepingCapacity: true)
                    lineStart = index + 1
                }
                partial.append(contentsOf: chunk[lineStart...])
            }
            guard partial.isEmpty else {
                throw RegistryError(.io, "'\(source)' does not end with a complete line at byte \(end)", path: path)
            }
        }
    }

    private mutating func take(_ line: [UInt8], source: String) throws {
        let isSignature = Self.contains(line, Self.signatureType)
        let isRegistration =
            registrations != nil
            && (Self.contains(line, Self.registeredType) || Self.contains(line, Self.collectedType)
                || Self.residencyTypes.contains { Self.contains(line, $0) })
        if expectsFirst || isSignature || isRegistration {
            let event = try AuditEvent(parsingLine: line, source: source)
            if isRegistration {
                registrations?.observe(event)
                if case .string(let text)? = event.payload.objectValue?["artifact"], let id = ArtifactID(text) {
                    if event.type == .artifactEvicted { evicted.insert(id) } else { evicted.remove(id) }
                }
            }
            if expectsFirst {
                guard event.previousHash == head, event.sequence == events + 1 else {
                    throw RegistryError(
                        .conflict,
                        "the log's line after the backup's end (\(source), sequence \(event.sequence)) does not "
                            + "continue the backup's hash chain: the registry's log is not the one this backup "
                            + "copied. Back up into a new, empty destination",
                        path: source)
                }
                expectsFirst = false
            }
            if isSignature, event.type == .signatureAdded, let payload = event.payload.objectValue,
                case .string(let artifact)? = payload["artifact"], let id = ArtifactID(artifact),
                case .string(let file)? = payload["file"], Self.isSignatureFile(file)
            {
                signatures[id, default: []].insert(file)
            }
        }
        head = SHA256Algorithm().hash(line)
        events += 1
    }

    /// `signatures/<name>` with one plain component: what a `signature_added` may name (nothing escaping).
    static func isSignatureFile(_ file: String) -> Bool {
        let parts = file.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0] == "signatures" && !parts[1].isEmpty && parts[1] != "."
            && parts[1] != ".." && !parts[1].hasPrefix(FileSystem.temporaryPrefix)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return true
            }
            index += 1
        }
        return false
    }
}
