import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Typed unmet requirements, regression direction, and the separate rollback and retire rules.
@Suite struct PromotionPolicyGateTests {
    struct Fixture {
        let registry: Registry
        let temp: URL
        let alice: FakeSigner
        let gate: PromotionGate

        func register(
            _ name: String, contract: String? = BundleFixture.contract(),
            card: String? = BundleFixture.evaluationCard(["accuracy": 0.9])
        ) throws -> ArtifactID {
            try BundleFixture.registerModel(name, in: registry, under: temp, contract: contract, card: card)
        }

        func approval(for target: ArtifactID, alias: String = "champion", by signer: FakeSigner? = nil) throws
            -> SignedApproval
        {
            try SignedApproval(
                alias: alias, approval: "CHG-7", approver: "carol", artifact: target, signer: signer ?? alice)
        }
    }

    /// A registry whose trust store holds `alice`, with `rule` as its only policy rule.
    private func withFixture(_ rule: PromotionPolicy.Rule, _ body: (Fixture) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let alice = FakeSigner(name: "alice")
            let trust = TrustStore(verifiers: [alice])
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: .init(trust: trust))
            try registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            let gate = PromotionGate(verifier: registry.verifier())
            try body(Fixture(registry: registry, temp: temp, alice: alice, gate: gate))
        }
    }

    private static func policyBytes(_ rule: String) -> [UInt8] {
        Array(#"{"rules":[\#(rule)],"schemaVersion":1}"#.utf8) + [0x0A]
    }

    // MARK: Typed requirements

    @Test func everyUnmetRequirementComesWithItsKindAndSubject() throws {
        var rule = PromotionPolicy.Rule(aliases: "champion")
        rule.requireApproval = true
        rule.requireSignedApproval = true
        rule.requiredSignatures = 1
        rule.requireContract = true
        rule.metrics = ["accuracy": .init(minimum: 0.95), "f1": .init(minimum: 0.5)]
        rule.noRegression = ["accuracy": 0.01]
        try withFixture(rule) { f in
            let current = try f.register("current", card: BundleFixture.evaluationCard(["accuracy": 0.97]))
            let candidate = try f.register("candidate", contract: nil)
            let unmet = try f.gate.unmetRequirements(
                rule: rule, alias: "champion", target: candidate, current: current, approval: nil)
            let kinds: [PromotionPolicy.Requirement.Kind] = [
                .approval, .signedApproval, .signatures, .contract, .metricBound, .metricBound, .noRegression,
            ]
            #expect(unmet.map(\.kind) == kinds)
            #expect(unmet.map(\.subject) == [nil, nil, nil, "contract.json", "accuracy", "f1", "accuracy"])
            // The messages are the plain words the refusal has always shown.
            #expect(unmet[0].message == "an approval id is required to change 'champion'")
            #expect(unmet[3].message == "the artifact has no contract.json")
            #expect(unmet[4].message == "metric 'accuracy' is 0.9, below the minimum 0.95")
            #expect(unmet[6].message == "metric 'accuracy' regresses from 0.97 to 0.9, more than the tolerance 0.01")
            #expect("\(unmet[4])" == unmet[4].message)

            // A presented approval for another artifact is named by the key that signed it.
            let wrong = try f.gate.unmetRequirements(
                rule: rule, alias: "champion", target: candidate, current: current, approval: nil,
                signedApproval: try f.approval(for: current))
            #expect(wrong.map(\.kind).prefix(1) == [.signedApproval])
            #expect(wrong.first?.subject == f.alice.keyID)
        }
    }

    @Test func theEvaluationCardAndCompatibilityAreTyped() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.requireCompatibleContract = true
        rule.requireEvaluationCard = true
        try withFixture(rule) { f in
            let current = try f.register("current")
            let relabelled = try f.register(
                "relabelled", contract: BundleFixture.contract(labels: ["receipt", "invoice"]), card: nil)
            let unmet = try f.gate.unmetRequirements(
                rule: rule, alias: "champion", target: relabelled, current: current, approval: nil)
            #expect(unmet.map(\.kind) == [.compatibleContract, .evaluationCard])
            #expect(unmet.map(\.subject) == [current.description, "evaluation-card.json"])
        }
    }

    @Test func theRefusalMessageIsTheOneTheRegistryShows() throws {
        var rule = PromotionPolicy.Rule(aliases: "champ*")
        rule.requireApproval = true
        rule.metrics = ["accuracy": .init(minimum: 0.95)]
        try withFixture(rule) { f in
            let id = try f.register("a")
            let error = try #require(throws: RegistryError.self) { try f.registry.promote("champion", to: id) }
            let unmet = try f.gate.unmetRequirements(
                rule: rule, alias: "champion", target: id, current: nil, approval: nil)
            let refusal = PolicyRefusal(
                action: .promote, alias: "champion", target: id, rulePattern: "champ*", unmet: unmet)
            #expect(error.code == .policyRefused && error.message == refusal.message)
            #expect(refusal.description == "2 unmet requirement(s): approval, metricBound(accuracy)")
            let rollback = PolicyRefusal(
                action: .rollback, alias: "champion", target: id, rulePattern: "*", unmet: unmet)
            #expect(rollback.message.hasPrefix("the policy for '*' refuses rolling 'champion' back to \(id): (1) "))
            let retire = PolicyRefusal(action: .retire, alias: "champion", target: nil, rulePattern: "*", unmet: unmet)
            #expect(retire.message.hasPrefix("the policy for '*' refuses retiring 'champion': (1) an approval id"))
        }
    }

    // MARK: Regression direction

    @Test func aLowerIsBetterMetricMayNotRiseBeyondItsTolerance() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.noRegression = ["loss": .init(tolerance: 0.01, direction: .lowerIsBetter)]
        try withFixture(rule) { f in
            let current = try f.register("current", card: BundleFixture.evaluationCard(["loss": 0.3]))
            try f.registry.promote("champion", to: current)
            let worse = try f.register("worse", card: BundleFixture.evaluationCard(["loss": 0.32]))
            let error = try #require(throws: RegistryError.self) { try f.registry.promote("champion", to: worse) }
            #expect(error.code == .policyRefused)
            #expect(error.message.contains("metric 'loss' regresses from 0.3 to 0.32, more than the tolerance 0.01"))
            #expect(try f.registry.resolve("champion").artifact == current)
            let unmet = try f.gate.unmetRequirements(
                rule: rule, alias: "champion", target: worse, current: current, approval: nil)
            #expect(unmet.map(\.kind) == [.noRegression] && unmet.first?.subject == "loss")

            let slightly = try f.register("slightly", card: BundleFixture.evaluationCard(["loss": 0.305]))
            #expect(try f.registry.promote("champion", to: slightly).changed)  // within tolerance
            let better = try f.register("better", card: BundleFixture.evaluationCard(["loss": 0.1]))
            #expect(try f.registry.promote("champion", to: better).changed)  // a large drop is an improvement
        }
    }

    @Test func theDirectionDecidesWhichWayIsARegression() {
        let higher = PromotionPolicy.Rule.Regression(tolerance: 0.01)
        let lower = PromotionPolicy.Rule.Regression(tolerance: 0.01, direction: .lowerIsBetter)
        #expect(higher.isRegression(from: 0.9, to: 0.8) && !lower.isRegression(from: 0.9, to: 0.8))
        #expect(!higher.isRegression(from: 0.3, to: 0.5) && lower.isRegression(from: 0.3, to: 0.5))
        #expect(!lower.isRegression(from: 0.5, to: 0.51) && !higher.isRegression(from: 0.5, to: 0.49))
        let exact: PromotionPolicy.Rule.Regression = 0  // a literal is a higher-is-better tolerance
        #expect(exact == .init(tolerance: 0, direction: .higherIsBetter) && exact.isRegression(from: 1, to: 0.999))
    }

    // MARK: The file

    @Test func theNumberFormStillRoundTripsByteForByte() throws {
        let bytes = Self.policyBytes(#"{"aliases":"*","noRegression":{"f1":0.01,"macro_f1":0}}"#)
        let policy = try PromotionPolicy(parsing: bytes, source: "policy.json")
        #expect(policy.rules[0].noRegression == ["f1": .init(tolerance: 0.01), "macro_f1": .init(tolerance: 0)])
        #expect(policy.fileBytes() == bytes)
    }

    @Test func theObjectFormRoundTripsAndIsCanonical() throws {
        let bytes = Self.policyBytes(
            #"{"aliases":"*","noRegression":{"f1":0.02,"latency_ms":{"better":"lower","tolerance":5},"#
                + #""loss":{"better":"lower","tolerance":0.01}}}"#)
        let policy = try PromotionPolicy(parsing: bytes, source: "policy.json")
        #expect(
            policy.rules[0].noRegression == [
                "f1": .init(tolerance: 0.02), "latency_ms": .init(tolerance: 5, direction: .lowerIsBetter),
                "loss": .init(tolerance: 0.01, direction: .lowerIsBetter),
            ])
        #expect(policy.fileBytes() == bytes)
        #expect(try PromotionPolicy(parsing: policy.fileBytes(), source: "policy.json") == policy)

        // Other spellings of the same values are accepted and written back in the one canonical form.
        let loose = Self.policyBytes(
            #"{"aliases":"*","noRegression":{"f1":{"better":"higher","tolerance":0.02},"loss":{"better":"lower"},"#
                + #""recall":{}}}"#)
        let canonical = Self.policyBytes(
            #"{"aliases":"*","noRegression":{"f1":0.02,"loss":{"better":"lower","tolerance":0},"recall":0}}"#)
        #expect(try PromotionPolicy(parsing: loose, source: "policy.json").fileBytes() == canonical)
    }

    @Test func rollbackAndRetireRulesRoundTrip() throws {
        let bytes = Self.policyBytes(
            #"{"aliases":"*","requireApproval":true,"retire":{"requireApproval":true},"#
                + #""rollback":{"approverKeys":["test:alice"],"requireApproval":true,"requireSignedApproval":true}}"#)
        let policy = try PromotionPolicy(parsing: bytes, source: "policy.json")
        #expect(
            policy.rules[0].rollback
                == .init(requireApproval: true, requireSignedApproval: true, approverKeys: ["test:alice"]))
        #expect(policy.rules[0].retire == .init(requireApproval: true))
        #expect(policy.fileBytes() == bytes)

        // An empty object is a rule that requires nothing, kept distinct from an absent one.
        let empty = Self.policyBytes(#"{"aliases":"*","retire":{},"rollback":{}}"#)
        let parsed = try PromotionPolicy(parsing: empty, source: "policy.json")
        #expect(parsed.rules[0].rollback == .init() && parsed.rules[0].retire == .init())
        #expect(parsed.fileBytes() == empty)
        let absent = try PromotionPolicy(parsing: Self.policyBytes(#"{"aliases":"*"}"#), source: "policy.json")
        #expect(absent.rules[0].rollback == nil && absent.rules[0].retire == nil)
    }

    @Test(arguments: [
        (#""noRegression":{"loss":{"better":"down"}}"#, "rules[0].noRegression.loss.better", "\"lower\""),
        (#""noRegression":{"loss":{"tolerance":-0.1}}"#, "rules[0].noRegression.loss.tolerance", "0 or more"),
        (#""noRegression":{"loss":-0.1}"#, "rules[0].noRegression.loss", "0 or more"),
        (#""noRegression":{"loss":{"tolerence":0.1}}"#, "rules[0].noRegression.loss", "tolerence"),
        (#""noRegression":{"loss":{"better":1}}"#, "rules[0].noRegression.loss.better", "string"),
        (#""noRegression":{"loss":"0.1"}"#, "rules[0].noRegression.loss", "expected a tolerance"),
        (#""noRegression":{"loss":null}"#, "rules[0].noRegression.loss", "expected a tolerance"),
        (#""rollback":{"requiredSignatures":1}"#, "rules[0].rollback", "requiredSignatures"),
        (#""rollback":{"requireApproval":"yes"}"#, "rules[0].rollback.requireApproval", "true or false"),
        (#""rollback":true"#, "rules[0].rollback", "object"),
        (#""retire":{"requireSignedApproval":true}"#, "rules[0].retire", "requireSignedApproval"),
    ])
    func anInvalidFieldIsNamed(field: String, path: String, problem: String) throws {
        let bytes = Self.policyBytes(#"{"aliases":"*",\#(field)}"#)
        let error = try #require(throws: RegistryError.self) {
            try PromotionPolicy(parsing: bytes, source: "policy.json")
        }
        #expect(error.code == .invalidDocument)
        #expect(error.message.hasPrefix("policy.json: \(path): "), "\(error.message)")
        #expect(error.message.contains(problem), "\(error.message)")
    }

    // MARK: Rollback and retire

    @Test func withoutItsOwnRulesARollbackOrRetirementNeedsNothing() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.requireApproval = true
        rule.requireSignedApproval = true
        rule.requiredSignatures = 1
        rule.noRegression = ["accuracy": 0]
        try withFixture(rule) { f in
            let first = try f.register("first", card: BundleFixture.evaluationCard(["accuracy": 0.8]))
            let second = try f.register("second", card: BundleFixture.evaluationCard(["accuracy": 0.9]))
            // The promotion requirements fail for going back to the worse, unsigned artifact…
            let promotion = try f.gate.unmetRequirements(
                rule: rule, alias: "champion", target: first, current: second, approval: nil)
            #expect(promotion.map(\.kind) == [.approval, .signedApproval, .signatures, .noRegression])
            // …but they do not gate a rollback or a retirement.
            #expect(
                try f.gate.unmetRequirements(forRollbackOf: "champion", to: first, rule: rule, approval: nil).isEmpty)
            #expect(try f.gate.unmetRequirements(forRetiring: "champion", rule: rule, approval: nil).isEmpty)
        }
    }

    @Test func aRollbackRuleIsEvaluatedOnItsOwn() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.noRegression = ["accuracy": 0]
        rule.rollback = .init(requireApproval: true)
        try withFixture(rule) { f in
            let first = try f.register("first")
            let unmet = try f.gate.unmetRequirements(forRollbackOf: "champion", to: first, rule: rule, approval: nil)
            #expect(unmet == [.init(.approval, "an approval id is required to roll back 'champion'")])
            #expect(
                try f.gate.unmetRequirements(forRollbackOf: "champion", to: first, rule: rule, approval: "").count == 1)
            #expect(
                try f.gate.unmetRequirements(forRollbackOf: "champion", to: first, rule: rule, approval: "INC-4")
                    .isEmpty)
            // A signed approval also counts as an approval.
            let signed = try f.approval(for: first)
            #expect(
                try f.gate.unmetRequirements(
                    forRollbackOf: "champion", to: first, rule: rule, approval: nil, signedApproval: signed
                ).isEmpty)
        }
    }

    @Test func aSignedRollbackApprovalMustBeForThisTargetAndByAnAllowedKey() throws {
        var rule = PromotionPolicy.Rule(aliases: "*")
        rule.rollback = .init(requireSignedApproval: true, approverKeys: ["test:alice"])
        try withFixture(rule) { f in
            let first = try f.register("first")
            let second = try f.register("second")
            func unmet(_ approval: SignedApproval?) throws -> [PromotionPolicy.Requirement] {
                try f.gate.unmetRequirements(
                    forRollbackOf: "champion", to: first, rule: rule, approval: "INC-4", signedApproval: approval)
            }
            #expect(try unmet(nil).map(\.kind) == [.signedApproval])
            #expect(try unmet(nil).first?.message.contains("a signed approval for 'champion'") == true)
            #expect(try unmet(try f.approval(for: first)).isEmpty)
            let forOther = try unmet(try f.approval(for: second))
            #expect(forOther.map(\.kind) == [.signedApproval] && forOther[0].message.contains("is for \(second)"))
            #expect(forOther[0].subject == "test:alice")
            let forOtherAlias = try unmet(try f.approval(for: first, alias: "canary"))
            #expect(forOtherAlias.first?.message.contains("is for alias 'canary'") == true)
            let mallory = try unmet(try f.approval(for: first, by: FakeSigner(name: "mallory")))
            #expect(mallory.first?.message.contains("may not approve") == true)
            #expect(mallory.first?.subject == "test:mallory")
        }
    }

    @Test func aRetireRuleIsEvaluatedOnItsOwn() throws {
        var rule = PromotionPolicy.Rule(aliases: "champ*")
        rule.retire = .init(requireApproval: true)
        try withFixture(rule) { f in
            let unmet = try f.gate.unmetRequirements(forRetiring: "champion", rule: rule, approval: nil)
            #expect(unmet == [.init(.approval, "an approval id is required to retire 'champion'")])
            #expect(try f.gate.unmetRequirements(forRetiring: "champion", rule: rule, approval: "").count == 1)
            #expect(try f.gate.unmetRequirements(forRetiring: "champion", rule: rule, approval: "CHG-3").isEmpty)
            // The rollback rule is a separate rule: requiring approval to retire does not gate rollbacks.
            let id = try f.register("a")
            #expect(try f.gate.unmetRequirements(forRollbackOf: "champion", to: id, rule: rule, approval: nil).isEmpty)
        }
    }
}
