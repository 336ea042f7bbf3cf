import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #14's fuzzing, as seeded property tests that run in CI: valid documents — random JSON values, random
/// manifests and the audit lines of a real registry — are mutated at random (bytes flipped, inserted, deleted,
/// duplicated, truncated; invalid UTF-8 and deep nesting spliced in), and every parser must either refuse the
/// result with a typed ``RegistryError`` naming its source, or accept it and encode it back to equal bytes. A crash,
/// a hang or another error type fails the test. Each failure names its seed and iteration; rerun one with
/// `MODELREG_FUZZ_SEED=<seed>`, and run longer with `MODELREG_FUZZ_ITERATIONS=<n>` (default 400 per seed).
/// The libFuzzer target over the same parsers is `scripts/fuzz/run.sh` (docs/GUARANTEES.md).
@Suite struct ParserMutationFuzzTests {
    /// The seeds CI runs, or the one `MODELREG_FUZZ_SEED` names.
    static let seeds: [UInt64] = {
        if let text = ProcessInfo.processInfo.environment["MODELREG_FUZZ_SEED"], let seed = UInt64(text) {
            return [seed]
        }
        return Array(0..<8)
    }()

    /// Mutated documents per seed.
    static let iterations = ProcessInfo.processInfo.environment["MODELREG_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 400

    // MARK: Mutations

    /// Bytes that steer a JSON parser into its branches.
    private static let interesting: [UInt8] =
        Array(#"{}[]":,\ 0123456789-+.eEtfnulr/"#.utf8) + [
            0x00, 0x09, 0x0A, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF,
        ]

    /// Byte sequences that are never valid UTF-8: a stray continuation byte, overlong forms, an encoded
    /// surrogate, a code point above U+10FFFF, a truncated sequence, and bytes no UTF-8 uses.
    static let invalidUTF8: [[UInt8]] = [
        [0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
        [0xFE], [0xFF], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ]

    /// One to four random mutations of `bytes`.
    static func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<9, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1 where !bytes.isEmpty:
                bytes[at] = interesting[Int.random(in: 0..<interesting.count, using: &random)]
            case 2:
                bytes.insert(interesting[Int.random(in: 0..<interesting.count, using: &random)], at: at)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, at + Int.random(in: 1...16, using: &random))
                bytes.removeSubrange(at..<end)
            case 4 where !bytes.isEmpty:
                // A range copied elsewhere: often a member twice, or a value where a key belongs.
                let end = min(bytes.count, at + Int.random(in: 1...48, using: &random))
                let slice = Array(bytes[at..<end])
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &random))
            case 5:
                bytes.removeSubrange(at..<bytes.count)
            case 6 where bytes.count > 1:
                bytes.swapAt(at, Int.random(in: 0..<bytes.count, using: &random))
            case 7:
                bytes.insert(
                    contentsOf: invalidUTF8[Int.random(in: 0..<invalidUTF8.count, using: &random)], at: at)
            default:
                let depth = Int.random(in: 1...2000, using: &random)
                let open: [UInt8] = Bool.random(using: &random) ? Array("[".utf8) : Array(#"{"a":"#.utf8)
                bytes.insert(contentsOf: Array([[UInt8]](repeating: open, count: depth).joined()), at: at)
            }
        }
        return bytes
    }

    /// Checks that `body` either succeeds or throws a ``RegistryError`` whose message starts with `source`;
    /// records anything else. Returns whether it succeeded.
    static func parsesOrRefuses(
        _ label: @autoclosure () -> String, source: String, _ body: () throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        do {
            try body()
            return true
        } catch let error as RegistryError {
            #expect(
                error.message.hasPrefix(source) || error.message.contains(source),
                "\(label()): the error does not name \(source): \(error.message)", sourceLocation: sourceLocation)
            return false
        } catch {
            Issue.record("\(label()): not a RegistryError: \(error)", sourceLocation: sourceLocation)
            return false
        }
    }

    /// How a failure is labelled, so that it can be replayed.
    static func label(_ seed: UInt64, _ iteration: Int) -> String {
        "seed \(seed) iteration \(iteration) (rerun with MODELREG_FUZZ_SEED=\(seed))"
    }

    // MARK: Random documents

    private static let keyPool = ["a", "b", "name", "é", "e\u{301}", "\u{1F600}", "\u{E000}", "\"", "\\", "\u{0}", ""]

    static func randomValue(_ random: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth >= 5 ? 4 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2:
            return Bool.random(using: &random)
                ? .number(JSONNumber(Int64.random(in: -1_000_000...1_000_000, using: &random)))
                : .number(JSONNumber(Double.random(in: -1e6...1e6, using: &random)) ?? JSONNumber(0))
        case 3: return .string(keyPool[Int.random(in: 0..<keyPool.count, using: &random)] + "x/\u{7F}")
        case 4:
            return .array(
                (0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                members[keyPool[Int.random(in: 0..<keyPool.count, using: &random)]] = randomValue(
                    &random, depth: depth + 1)
            }
            return .object(members)
        }
    }

    // MARK: JSON

    @Test(arguments: seeds)
    func mutatedJSONIsRefusedWithATypedErrorOrReEncodesToTheSameValue(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for iteration in 0..<Self.iterations {
            let original = CanonicalJSON.encode(Self.randomValue(&random))
            let mutated = Self.mutate(original, &random)
            let label = Self.label(seed, iteration)
            var value: JSONValue = .null
            let parsed = Self.parsesOrRefuses(label, source: "fuzz.json") {
                value = try CanonicalJSON.parse(mutated, source: "fuzz.json")
            }
            guard parsed else { continue }
            // Accepted bytes are valid UTF-8, and the value's canonical form parses back to itself.
            #expect(String(validating: mutated, as: UTF8.self) != nil, "\(label): accepted invalid UTF-8")
            let encoded = CanonicalJSON.encode(value)
            let reparsed = Self.parsesOrRefuses(label, source: "re-encoded") {
                let again = try CanonicalJSON.parseCanonical(encoded, source: "re-encoded")
                #expect(again == value, "\(label)")
                #expect(CanonicalJSON.encode(again) == encoded, "\(label)")
            }
            #expect(reparsed, "\(label): the canonical form of an accepted document was refused")
        }
    }

    @Test(arguments: seeds)
    func aDuplicateKeyIsAlwaysRefusedHoweverItIsSpelled(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for iteration in 0..<Self.iterations / 4 {
            let key = ["a", "name", "é", "\u{1F600}", "k\u{0}"][Int.random(in: 0..<5, using: &random)]
            // The second spelling: the same text, fully \u-escaped, or (for é) the other normalization.
            let escaped = key.utf16.map { String(format: "\\u%04x", $0) }.joined()
            // Raw spelling: the key as the canonical encoder writes it, without its quotes (NUL stays escaped).
            let raw = String(decoding: CanonicalJSON.encode(.string(key)).dropFirst().dropLast(), as: UTF8.self)
            let twin = [raw, escaped, key == "é" ? "e\u{301}" : escaped][Int.random(in: 0..<3, using: &random)]
            let keyText = key.utf16.map { String(format: "\\u%04x", $0) }.joined()
            let filler = CanonicalJSON.encode(Self.randomValue(&random))
            let document = #"{"\#(keyText)":1,"filler":\#(String(decoding: filler, as: UTF8.self)),"\#(twin)":2}"#
            let error = try #require(
                throws: RegistryError.self, "\(Self.label(seed, iteration))",
                performing: { try CanonicalJSON.parse(Array(document.utf8), source: "dup.json") })
            #expect(
                error.code == .invalidJSON && error.message.contains("duplicate key"),
                "\(Self.label(seed, iteration)): \(error.message)")
        }
    }

    @Test(arguments: seeds)
    func invalidUTF8AnywhereIsRefused(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for iteration in 0..<Self.iterations / 4 {
            var bytes = CanonicalJSON.encode(.array([.string("abc"), Self.randomValue(&random), .string("é")]))
            let sequence = Self.invalidUTF8[Int.random(in: 0..<Self.invalidUTF8.count, using: &random)]
            // Inside the first string, so that the bytes are otherwise well-formed JSON.
            bytes.insert(contentsOf: sequence, at: 2 + Int.random(in: 0...3, using: &random))
            let error = try #require(
                throws: RegistryError.self, "\(Self.label(seed, iteration))",
                performing: { try CanonicalJSON.parse(bytes, source: "utf8.json") })
            #expect(error.code == .invalidJSON, "\(error.message)")
        }
    }

    @Test func nestingPastTheLimitIsRefusedAtAnyDepthWithoutExhaustingTheStack() throws {
        let limit = CanonicalJSON.maximumNestingDepth
        var random = SplitMix64(seed: 14)
        for depth in [limit, limit + 1, 10_000, 1_000_000]
            + (0..<8).map({ _ in Int.random(in: 1...100_000, using: &random) })
        {
            for (open, close) in [("[", "]"), (#"{"a":"#, "}")] {
                let document = String(repeating: open, count: depth) + "0" + String(repeating: close, count: depth)
                let parsed = Self.parsesOrRefuses("depth \(depth)", source: "deep.json") {
                    _ = try CanonicalJSON.parse(Array(document.utf8), source: "deep.json")
                }
                #expect(parsed == (depth <= limit), "depth \(depth) \(open)")
            }
        }
    }

    // MARK: Manifests

    static func randomManifest(_ random: inout SplitMix64) throws -> Manifest {
        let alphabet = Array("abcdefghij/._-é0123456789")
        var paths = Set<String>()
        for index in 0..<Int.random(in: 1...6, using: &random) {
            var name = "f\(index)"
            for _ in 0..<Int.random(in: 0..<10, using: &random) {
                name.append(alphabet[Int.random(in: 0..<alphabet.count, using: &random)])
            }
            if (try? BundlePath.check(name, context: "fuzz")) != nil
                && !paths.contains(where: { $0.hasPrefix(name + "/") })
            {
                paths.insert(name)
            }
        }
        let files = paths.sorted { BundlePath.precedes($0, $1) }.map { path in
            Manifest.Entry(
                path: path, size: Int64.random(in: 0...1 << 40, using: &random),
                digest: Digest(
                    algorithm: "sha256", bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }),
                mediaType: Bool.random(using: &random) ? "application/octet-stream" : nil)
        }
        var metadata = ArtifactMetadata(name: "model-\(Int.random(in: 0...99, using: &random))")
        if Bool.random(using: &random) { metadata.labels = ["team": "vision", "tier": "gold"] }
        if Bool.random(using: &random) { metadata.capabilities = ["classify", "embed"] }
        return try Manifest(hashAlgorithm: "sha256", metadata: metadata, files: files)
    }

    @Test(arguments: seeds)
    func aMutatedManifestIsRefusedWithATypedErrorOrIsItsOwnCanonicalForm(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for iteration in 0..<Self.iterations {
            let manifest = try Self.randomManifest(&random)
            let original = manifest.canonicalBytes()
            let label = Self.label(seed, iteration)
            #expect(try Manifest(parsing: original, source: "m.json").canonicalBytes() == original, "\(label)")
            let mutated = Self.mutate(original, &random)
            _ = Self.parsesOrRefuses(label, source: "artifacts/fuzz/manifest.json") {
                let parsed = try Manifest(parsing: mutated, source: "artifacts/fuzz/manifest.json")
                // Canonical bytes are required, so an accepted manifest is exactly its own encoding.
                #expect(parsed.canonicalBytes() == mutated, "\(label)")
            }
            // Read leniently (as a copied, re-indented document would be), it still refuses or round-trips.
            _ = Self.parsesOrRefuses(label, source: "lenient.json") {
                let parsed = try Manifest(parsing: mutated, source: "lenient.json", requireCanonical: false)
                let again = try Manifest(parsing: parsed.canonicalBytes(), source: "lenient.json")
                #expect(again.canonicalBytes() == parsed.canonicalBytes(), "\(label)")
            }
        }
    }

    // MARK: Audit events

    /// The audit lines of a small real registry: registrations, promotions, a rollback, a state change, a
    /// retirement.
    static func realAuditLines() throws -> [[UInt8]] {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let first = try BundleFixture.registerModel("a", in: registry, under: temp)
            let second = try BundleFixture.registerModel("b", in: registry, under: temp)
            try registry.promote("champion", to: first)
            try registry.promote("champion", to: second)
            _ = try registry.rollback("champion", reason: "regression")
            _ = try registry.setState(first, to: .deprecated, reason: "old")
            _ = try registry.retire("champion")
            var lines: [[UInt8]] = []
            for file in try FileManager.default.contentsOfDirectory(atPath: registry.layout.auditPath).sorted() {
                let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: registry.layout.auditPath + "/" + file)))
                lines += bytes.split(separator: 0x0A).map(Array.init)
            }
            return lines
        }
    }

    @Test(arguments: seeds)
    func aMutatedAuditLineIsRefusedWithATypedErrorOrIsItsOwnEncoding(seed: UInt64) throws {
        let lines = try Self.realAuditLines()
        try #require(lines.count >= 6)
        var random = SplitMix64(seed: seed)
        for iteration in 0..<Self.iterations {
            let line = lines[Int.random(in: 0..<lines.count, using: &random)]
            let label = Self.label(seed, iteration)
            let mutated = Self.mutate(line, &random)
            _ = Self.parsesOrRefuses(label, source: "audit/fuzz.jsonl:1") {
                let event = try AuditEvent(parsingLine: mutated, source: "audit/fuzz.jsonl:1")
                #expect(event.encodedLine == mutated, "\(label)")
                // The typed readers of the payload never crash either: an alias record that parses re-encodes.
                if let record = event.payload.objectValue?["record"] {
                    _ = Self.parsesOrRefuses(label, source: "event") {
                        let alias = try AliasRecord(json: record, source: "event")
                        #expect(try AliasRecord(json: alias.jsonValue, source: "event") == alias, "\(label)")
                    }
                }
            }
        }
    }
}
