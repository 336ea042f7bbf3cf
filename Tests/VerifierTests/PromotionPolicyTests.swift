import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Each unmet requirement refuses the promotion, is named in plain words, and changes nothing.
@Suite struct PromotionPolicyTests {
    struct Fixture {
        let registry: Registry
        let temp: URL
        let alice = FakeSigner(name: "alice")

        func register(
            _ name: String, contract: String? = BundleFixture.contract(),
            card: String? = BundleFixture.evaluationCard(["accuracy": 0.9])
        ) throws -> ArtifactID {
            try BundleFixture.registerModel(name, in: registry, under: temp, contract: contract, card: card)
        }

        /// Promotes and returns the refusal, checking that the alias did not move.
        func refusal(
            _ target: ArtifactID, approval: String? = "CHG-1", sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> RegistryError {
            let before = try? registry.resolve("champion", allowRevoked: true)
            let error = try #require(throws: RegistryError.self, sourceLocation: sourceLocation) {
                try registry.promote("champion", to: target, approval: approval)
            }
            let after = try? registry.resolve("champion", allowRevoked: true)
            #expect(after == before, sourceLocation: sourceLocation)
            return error
        }
    }

    private func withFixture(_ rule: PromotionPolicy.Rule, _ body: (Fixture) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let alice = FakeSigner(name: "alice")
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: .init(trust: TrustStore(verifiers: [alice]))
            )
            try registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            try body(Fixture(registry: registry, temp: temp))
        }
    }

    @Test func anApprovalIsRequired() throws {
        var rule = PromotionPolicy.Rule(aliases: "champion")
        rule.requireApproval = true
        try withFixture(rule) { f in
            let id = try f.register("a")
            let error = try f.refusal(id, approval: nil)
            #expect(error.code == .policyRefused && error.message.contains("an approval id is required"))
            #expect(try f.registry.promote("champion", to: id, approval: "CHG-9").changed)
        }
    }

    @Test func aSignedApprovalForExactlyThisChangeIsRequired() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.requireSignedApproval = true
        try withFixture(rule) { f in
            let id = try f.register("a")
            let other = try f.register("b")
            #expect(try f.refusal(id).message.contains("a signed approval"))
            func attempt(_ approval: SignedApproval) throws -> RegistryError {
                try #require(throws: RegistryError.self) {
                    try f.registry.promote("champion", to: id, signedApproval: approval)
                }
            }
            let forOther = try SignedApproval(
                alias: "champion", approval: "CHG-1", approver: "carol", artifact: other, signer: f.alice)
            #expect(try attempt(forOther).message.contains("is for \(other)"))
            let otherAlias = try SignedApproval(
                alias: "canary", approval: "CHG-1", approver: "carol", artifact: id, signer: f.alice)
            #expect(try attempt(otherAlias).message.contains("is for alias 'canary'"))
            let untrusted = try SignedApproval(
                alias: "champion", approval: "CHG-1", approver: "mallory", artifact: id,
                signer: FakeSigner(name: "mallory"))
            #expect(try attempt(untrusted).message.contains("not trusted"))
            var forged = try SignedApproval(
                alias: "champion", approval: "CHG-1", approver: "carol", artifact: id, signer: f.alice)
            forged.reason = "edited after signing"
            #expect(try attempt(forged).message.contains("does not verify"))
            let valid = try SignedApproval(
                alias: "champion", approval: "CHG-2", approver: "carol", artifact: id, reason: "release",
                signer: f.alice)
            #expect(try SignedApproval(fileBytes: valid.fileBytes(), source: "approval.json") == valid)
            let update = try f.registry.promote("champion", to: id, signedApproval: valid)
            #expect(update.record.approval == "CHG-2")
            #expect(
                update.event?.payload.objectValue?["signedApproval"]?.objectValue?["approver"]?.stringValue == "carol")
        }
    }

    @Test func signaturesFromTrustedKeysAreRequired() throws {
        var rule = PromotionPolicy.Rule(aliases: "champ*")
        rule.requiredSignatures = 1
        try withFixture(rule) { f in
            let id = try f.register("a")
            #expect(try f.refusal(id).message.contains("needs 1 valid signature(s) from trusted keys, has 0"))
            try f.registry.sign(id, with: FakeSigner(name: "mallory"))  // untrusted key: still refused
            #expect(try f.refusal(id).message.contains("has 0"))
            try f.registry.sign(id, with: f.alice)
            #expect(try f.registry.promote("champion", to: id).changed)
        }
    }

    @Test func verifiedDigestsAreRequired() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.requireVerifiedDigests = true
        try withFixture(rule) { f in
            let id = try f.register("a")
            let weights = f.registry.layout.artifactPath(id) + "/weights.bin"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: weights)
            try Data("b".utf8).write(to: URL(fileURLWithPath: weights))
            let error = try f.refusal(id)
            #expect(error.message.contains("do not verify") && error.message.contains("weights.bin"))
        }
    }

    @Test func aValidContractIsRequired() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.requireContract = true
        try withFixture(rule) { f in
            #expect(try f.refusal(try f.register("none", contract: nil)).message.contains("has no contract.json"))
            let broken = try f.register(
                "broken", contract: #"{"task":"x","inputs":[],"outputs":[{"name":"y","dtype":"float99","shape":[1]}]}"#)
            let error = try f.refusal(broken)
            #expect(error.message.contains("contract.json is invalid") && error.message.contains("float99"))
        }
    }

    @Test func theContractMustBeCompatibleWithTheCurrentTarget() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.requireCompatibleContract = true
        try withFixture(rule) { f in
            let current = try f.register("current")
            try f.registry.promote("champion", to: current)
            let relabelled = try f.register(
                "relabelled", contract: BundleFixture.contract(labels: ["receipt", "invoice"]))
            #expect(try f.refusal(relabelled).message.contains("labels change"))
            let fixedInput = try f.register("fixed", contract: BundleFixture.contract(inputDimension: "128"))
            #expect(try f.refusal(fixedInput).message.contains("dimension 1 accepts 128"))
            let extended = try f.register(
                "extended", contract: BundleFixture.contract(labels: ["invoice", "receipt", "letter"]))
            let error = try f.refusal(extended)  // three outputs instead of two: the logits shape changes
            #expect(error.message.contains("output 'logits' changes shape"))
        }
    }

    @Test func metricThresholdsAndRegressionsAreChecked() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.metrics = ["accuracy": .init(minimum: 0.85)]
        rule.noRegression = ["accuracy": 0.01]
        try withFixture(rule) { f in
            let current = try f.register("current", card: BundleFixture.evaluationCard(["accuracy": 0.92]))
            try f.registry.promote("champion", to: current)
            let weak = try f.register("weak", card: BundleFixture.evaluationCard(["accuracy": 0.8]))
            let error = try f.refusal(weak)
            // Both requirements are listed, not only the first.
            #expect(
                error.message.contains("below the minimum 0.85") && error.message.contains("regresses from 0.92 to 0.8")
            )
            let slightly = try f.register("slightly", card: BundleFixture.evaluationCard(["accuracy": 0.915]))
            #expect(try f.registry.promote("champion", to: slightly).changed)  // within tolerance
            let noCard = try f.register("nocard", card: nil)
            #expect(try f.refusal(noCard).message.contains("has no evaluation-card.json"))
            let nanCard = try f.register(
                "nan",
                card:
                    #"{"dataset":{"digest":"sha256:00","name":"d","split":"t"},"evaluatedAt":"2026-11-20T10:00:00Z","evaluatedBy":"x","metrics":{"accuracy":NaN}}"#
            )
            #expect(try f.refusal(nanCard).message.contains("evaluation-card.json is invalid"))
        }
    }

    @Test func aRevokedArtifactCannotBePromotedNorResolvedSilently() throws {
        try withFixture(PromotionPolicy.Rule(aliases: "nothing-matches")) { f in
            let id = try f.register("a")
            try f.registry.promote("champion", to: id)
            try f.registry.setState(id, to: .revoked, reason: "license problem")
            #expect(try f.registry.state(of: id) == .revoked)
            #expect(registryErrorCode { try f.registry.resolve("champion") } == .revoked)
            #expect(try f.registry.resolve("champion", allowRevoked: true).artifact == id)
            #expect(registryErrorCode { try f.registry.promote("canary", to: id) } == .revoked)
            var types: [AuditEvent.Kind] = []
            try f.registry.journal.forEachEvent { types.append($0.type) }
            #expect(types.contains(.stateChanged) && types.contains(.policyChanged))
        }
    }

    @Test func aPolicyFileThatDoesNotParseStopsEveryPromotion() throws {
        try withFixture(PromotionPolicy.Rule(aliases: "*")) { f in
            let id = try f.register("a")
            try Data(#"{"rules":[{"aliases":"*","requireApproval":"yes"}],"schemaVersion":1}"#.utf8)
                .write(to: URL(fileURLWithPath: f.registry.policyPath))
            let error = try f.refusal(id)
            #expect(
                error.code == .invalidDocument && error.message.contains("policy.json")
                    && error.message.contains("requireApproval"))
        }
    }

    @Test func aPolicyRoundTripsThroughItsFile() throws {
        var rule = PromotionPolicy.Rule(aliases: "document-classifier-*")
        rule.requiredSignatures = 2
        rule.trustedKeys = ["ed25519:00"]
        rule.metrics = ["f1": .init(minimum: 0.5, maximum: 1)]
        rule.noRegression = ["f1": 0.02]
        rule.requireApproval = true
        rule.requireSignedApproval = true
        rule.approverKeys = ["ed25519:01"]
        let policy = PromotionPolicy(rules: [rule, PromotionPolicy.Rule(aliases: "*")])
        #expect(try PromotionPolicy(parsing: policy.fileBytes(), source: "policy.json") == policy)
        #expect(policy.rule(for: "document-classifier-champion")?.requiredSignatures == 2)
        #expect(policy.rule(for: "other")?.requiredSignatures == 0)
    }
}
