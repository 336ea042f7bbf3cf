import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// The rules FORMAT.md §12.1 and §12.5 state exactly: signature file names, alias patterns and how a policy is
/// removed.
@Suite struct FormatRuleTests {
    // MARK: §12.1 signature file names

    @Test func aSignatureFileIsNamedByItsKeyIDAndTheSHA256OfTheRawSignatureBytes() throws {
        let artifact = try #require(ArtifactID("sha256-" + String(repeating: "1", count: 64)))
        let signature = Signature(
            keyID: "ed25519:00112233445566778899aabbccddeeff", algorithm: "ed25519",
            bytes: Array(repeating: 0, count: 64))
        // SHA-256 of 64 zero bytes is f5a5fd42d16a2030…
        #expect(
            SignatureFile(artifact: artifact, signature: signature).fileName
                == "ed25519-00112233445566778899aabbccddeeff-f5a5fd42.json")
        // Every Unicode scalar other than ASCII letters and digits becomes one '-', whatever the platform's tables.
        let unusual = Signature(keyID: "Schlu\u{308}ssel/ü:1", algorithm: "x", bytes: Array(repeating: 0, count: 64))
        #expect(SignatureFile(artifact: artifact, signature: unusual).fileName == "Schlu-ssel---1-f5a5fd42.json")
    }

    // MARK: §12.5 alias patterns

    @Test(arguments: [
        ("*", "champion", true),
        ("champ*", "champ", true),
        ("champ*", "champion", true),
        ("champ*", "xchampion", false),
        ("*-champion", "x-champion", true),
        ("*-champion", "champion", false),
        ("a*b*c", "abxbc", true),
        ("a*b*c", "acb", false),
        ("**", "a", true),
        ("v1.*", "v1.2", true),
        ("v1.*", "v1x2", false),
        ("champion", "champion", true),
        ("champion", "champions", false),
    ])
    func aPatternMatchesWholeAliasesWithStarAsTheOnlyWildcard(pattern: String, alias: String, matches: Bool) {
        #expect(PromotionPolicy.Rule(aliases: pattern).matches(alias) == matches)
    }

    @Test(arguments: [
        "", "Champion", "champ?", "[ab]*", "champ\\*", "a b", "caf\u{E9}-*", String(repeating: "a", count: 129),
    ])
    func aPatternOutsideTheGrammarIsRefusedNamingTheField(pattern: String) throws {
        let document: JSONValue = .object([
            "rules": .array([.object(["aliases": .string(pattern), "requireApproval": .bool(true)])]),
            "schemaVersion": 1,
        ])
        let error = try #require(throws: RegistryError.self) {
            try PromotionPolicy(parsing: CanonicalJSON.encode(document), source: "policy.json")
        }
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("policy.json") && error.message.contains("rules[0].aliases"))
    }

    @Test func aPolicyIsRemovedBySettingTheEmptyPolicyAndDeletingTheFileIsAFinding() throws {
        try withTemporaryRegistry { registry in
            var rule = PromotionPolicy.Rule(aliases: "*")
            rule.requireApproval = true
            try registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            try registry.setPromotionPolicy(PromotionPolicy())
            let bytes = try Data(contentsOf: URL(fileURLWithPath: registry.policyPath))
            #expect(String(decoding: bytes, as: UTF8.self) == #"{"rules":[],"schemaVersion":1}"# + "\n")
            #expect(try registry.promotionPolicy().rules.isEmpty)
            #expect(try registry.fsck().findings.isEmpty)

            try FileManager.default.removeItem(atPath: registry.policyPath)
            #expect(
                try registry.fsck().findings.contains { $0.kind == .viewMissing && $0.path == "policy.json" })
        }
    }
}
