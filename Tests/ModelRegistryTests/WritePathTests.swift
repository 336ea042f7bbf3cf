import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A registry with a fixed clock; artifacts are registered on demand, each with its own evaluation card.
private struct WritePathFixture {
    let registry: Registry
    let temp: URL

    static func with(_ body: (WritePathFixture) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let configuration = Registry.Configuration(
                actor: "tester", clock: { Date(timeIntervalSince1970: 1_795_441_020) })
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: configuration)
            try body(WritePathFixture(registry: registry, temp: temp))
        }
    }

    /// Registers a small bundle named `name` whose evaluation card holds `metrics`.
    func register(_ name: String, metrics: [String: Double] = ["accuracy": 0.9]) throws -> ArtifactID {
        let bundle = try BundleFixture.write(
            [
                "weights.bin": Array(name.utf8) + BundleFixture.randomBytes(count: 256, seed: UInt64(name.utf8.count)),
                "evaluation-card.json": Array(BundleFixture.evaluationCard(metrics).utf8),
            ],
            to: temp.appendingPathComponent("bundle-\(name)"))
        return try registry.register(directory: bundle, metadata: ArtifactMetadata(name: name)).artifact.id
    }

    /// Makes a published tree writable again (published files are 0444, directories may be read-only), so a
    /// test can damage it the way a person or a broken disk would.
    func makeWritable(_ path: String) throws {
        let manager = FileManager.default
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        for case let relative as String in manager.enumerator(atPath: path) ?? .init() {
            let full = path + "/" + relative
            var isDirectory: ObjCBool = false
            _ = manager.fileExists(atPath: full, isDirectory: &isDirectory)
            try manager.setAttributes([.posixPermissions: isDirectory.boolValue ? 0o755 : 0o644], ofItemAtPath: full)
        }
    }
}

/// The unmet requirements carried by a `.policyRefused` (or `.revoked` / `.digestMismatch`) refusal.
private func unmetKinds(_ error: RegistryError) -> [PromotionPolicy.Requirement.Kind] {
    ((error.underlying as? PolicyRefusal)?.unmet ?? []).map(\.kind)
}

/// Alias changes through the one write path: policy gates, rollback generations, quick verification, and the
/// reads that must not write.
@Suite struct WritePathTests {
    @Test func verifyingARegistryWhoseAuditDirectoryWasRemovedGivesACleanReport() throws {
        try WritePathFixture.with { f in
            try FileManager.default.removeItem(atPath: f.registry.layout.auditPath)
            let report = try f.registry.journal.verify()
            #expect(report.isClean)
            #expect(report.eventCount == 0 && report.fileCount == 0)
        }
    }

    @Test func aQueryFromAReaderWritesNoIndexFiles() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            let b = try f.register("b")
            let indexes = f.registry.layout.indexesPath
            let manager = FileManager.default
            for name in (try? manager.contentsOfDirectory(atPath: indexes)) ?? [] {
                try manager.removeItem(atPath: indexes + "/" + name)
            }
            let reader = try Registry.open(at: f.registry.layout.root, forWriting: false)
            let found = try reader.query(.mostRecent(10))
            #expect(Set(found.map(\.id)) == [a, b])
            #expect(((try? manager.contentsOfDirectory(atPath: indexes)) ?? []) == [])
        }
    }

    // MARK: 1. Rollback and retire are not gated by the promotion requirements

    @Test func rollbackIsNotBlockedByANoRegressionRule() throws {
        try WritePathFixture.with { f in
            var rule = PromotionPolicy.Rule(aliases: "champion")
            rule.noRegression = ["accuracy": 0.0]
            try f.registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            let a = try f.register("a", metrics: ["accuracy": 0.80])
            let b = try f.register("b", metrics: ["accuracy": 0.90])
            try f.registry.promote("champion", to: a)
            try f.registry.promote("champion", to: b)
            // Promoting back to the worse model is a regression the rule refuses …
            let refused = try #require(throws: RegistryError.self) { try f.registry.promote("champion", to: a) }
            #expect(refused.code == .policyRefused && unmetKinds(refused).contains(.noRegression))
            // … but rolling back to it is the emergency lever, and goes through.
            let back = try f.registry.rollback("champion", reason: "b misbehaves in production")
            #expect(back.changed && back.record.artifact == a)
            #expect(try f.registry.resolve("champion").artifact == a)
        }
    }

    @Test func aRollbackRuleThatRequiresApprovalRefusesARollbackWithoutOne() throws {
        try WritePathFixture.with { f in
            var rule = PromotionPolicy.Rule(aliases: "champion")
            rule.noRegression = ["accuracy": 0.0]
            rule.rollback = .init(requireApproval: true)
            try f.registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            let a = try f.register("a", metrics: ["accuracy": 0.80])
            let b = try f.register("b", metrics: ["accuracy": 0.90])
            try f.registry.promote("champion", to: a)
            try f.registry.promote("champion", to: b)

            let error = try #require(throws: RegistryError.self) { try f.registry.rollback("champion") }
            #expect(error.code == .policyRefused)
            #expect(unmetKinds(error) == [.approval])
            #expect((error.underlying as? PolicyRefusal)?.action == .rollback)
            #expect(error.message.contains("champion"))
            #expect(try f.registry.resolve("champion").artifact == b)

            let back = try f.registry.rollback("champion", approval: "CHG-42")
            #expect(back.record.artifact == a && back.record.approval == "CHG-42")
        }
    }

    @Test func aRetireRuleThatRequiresApprovalRefusesRetiringWithoutOne() throws {
        try WritePathFixture.with { f in
            var rule = PromotionPolicy.Rule(aliases: "champion")
            rule.retire = .init(requireApproval: true)
            try f.registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            let a = try f.register("a")
            try f.registry.promote("champion", to: a)

            let error = try #require(throws: RegistryError.self) { try f.registry.retire("champion") }
            #expect(error.code == .policyRefused)
            #expect(unmetKinds(error) == [.approval])
            #expect((error.underlying as? PolicyRefusal)?.action == .retire)
            #expect(error.message.contains("champion"))
            #expect(try f.registry.resolve("champion").artifact == a)

            try f.registry.retire("champion", approval: "CHG-43")
            #expect(registryErrorCode { try f.registry.resolve("champion") } == .notFound)
        }
    }

    // MARK: 3. A dangling alias

    @Test func resolvingAnAliasWhoseArtifactDirectoryIsGoneNamesTheMissingArtifact() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            try f.registry.promote("champion", to: a)
            let directory = f.registry.layout.artifactPath(a)
            try f.makeWritable(f.registry.layout.artifactsPath)
            try FileManager.default.removeItem(atPath: directory)

            let error = try #require(throws: RegistryError.self) { try f.registry.resolve("champion") }
            #expect(error.code == .notFound)
            #expect(error.message.contains(a.description))
            #expect(error.message.contains("champion"))
        }
    }

    // MARK: 5. Registration guards

    @Test func registeringWithAnUnknownParentIsRefusedUnlessForeignParentsAreAllowed() throws {
        try WritePathFixture.with { f in
            let ghost = try #require(ArtifactID("sha256-" + String(repeating: "7", count: 64)))
            let bundle = try BundleFixture.write(["w.bin": [1, 2, 3]], to: f.temp.appendingPathComponent("child"))
            let metadata = ArtifactMetadata(name: "child", parents: [ghost])

            let error = try #require(throws: RegistryError.self) {
                try f.registry.register(directory: bundle, metadata: metadata)
            }
            #expect(error.code == .notFound)
            #expect(error.message.contains(ghost.description))
            #expect(try f.registry.listArtifacts().isEmpty)

            let registration = try f.registry.register(
                directory: bundle, metadata: metadata, options: .init(allowForeignParents: true))
            #expect(registration.artifact.manifest.metadata.parents == [ghost])
        }
    }

    @Test func registeringAnEmptyDirectoryIsRefusedUnlessEmptyIsAllowed() throws {
        try WritePathFixture.with { f in
            let empty = f.temp.appendingPathComponent("empty")
            try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)

            let error = try #require(throws: RegistryError.self) {
                try f.registry.register(directory: empty, metadata: ArtifactMetadata(name: "empty"))
            }
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(empty.standardizedFileURL.path))
            #expect(try f.registry.listArtifacts().isEmpty)

            let registration = try f.registry.register(
                directory: empty, metadata: ArtifactMetadata(name: "empty"), options: .init(allowEmpty: true))
            #expect(registration.isNew && registration.artifact.manifest.files.isEmpty)
        }
    }

    // MARK: 6. History of an unknown alias

    @Test func theHistoryOfAnAliasTheRegistryNeverHadIsNotFound() throws {
        try WritePathFixture.with { f in
            let error = try #require(throws: RegistryError.self) { try f.registry.aliasHistory("nosuch") }
            #expect(error.code == .notFound)
            #expect(error.message.contains("nosuch"))
        }
    }

    // MARK: 7. Typed requirements

    @Test func checkPromotionReportsARevokedTargetAndPromoteRefusesIt() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            #expect(try f.registry.checkPromotion("champion", to: a).isEmpty)
            try f.registry.setState(a, to: .revoked, reason: "leaked test data")

            let unmet = try f.registry.checkPromotion("champion", to: a)
            #expect(unmet.map(\.kind) == [.notRevoked])
            #expect(unmet.first?.subject == a.description)

            let error = try #require(throws: RegistryError.self) { try f.registry.promote("champion", to: a) }
            #expect(error.code == .revoked)
            #expect(error.message.contains(a.description) && error.message.contains("champion"))
            #expect(unmetKinds(error).contains(.notRevoked))
            #expect(try f.registry.listAliases().isEmpty)
        }
    }

    @Test func aLowerIsBetterRegressionRuleRefusesALossThatRisesBeyondTheTolerance() throws {
        try WritePathFixture.with { f in
            var rule = PromotionPolicy.Rule(aliases: "champion")
            rule.noRegression = ["loss": .init(tolerance: 0.02, direction: .lowerIsBetter)]
            try f.registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            let current = try f.register("current", metrics: ["loss": 0.30])
            let worse = try f.register("worse", metrics: ["loss": 0.35])
            let slightlyWorse = try f.register("slightly-worse", metrics: ["loss": 0.31])
            let better = try f.register("better", metrics: ["loss": 0.10])
            try f.registry.promote("champion", to: current)

            let unmet = try f.registry.checkPromotion("champion", to: worse)
            #expect(unmet.map(\.kind) == [.noRegression] && unmet.first?.subject == "loss")
            let error = try #require(throws: RegistryError.self) { try f.registry.promote("champion", to: worse) }
            #expect(error.code == .policyRefused)
            #expect(unmetKinds(error) == [.noRegression])
            #expect(error.message.contains("loss") && error.message.contains("champion"))
            #expect(try f.registry.resolve("champion").artifact == current)

            #expect(try f.registry.checkPromotion("champion", to: slightlyWorse).isEmpty)
            #expect(try f.registry.checkPromotion("champion", to: better).isEmpty)
            #expect(try f.registry.promote("champion", to: better).changed)
        }
    }

    // MARK: 8. Rollback generations

    @Test func rollbackWalksBackOneGenerationAtATime() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            let b = try f.register("b")
            let c = try f.register("c")
            let d = try f.register("d")
            try f.registry.promote("champion", to: a)
            try f.registry.promote("champion", to: b)
            try f.registry.promote("champion", to: c)

            #expect(try f.registry.rollback("champion").record.artifact == b)
            #expect(try f.registry.rollback("champion").record.artifact == a)
            let error = try #require(throws: RegistryError.self) { try f.registry.rollback("champion") }
            #expect(error.code == .notFound)
            #expect(error.message.contains("champion"))
            #expect(try f.registry.resolve("champion").artifact == a)

            try f.registry.promote("champion", to: d)
            #expect(try f.registry.rollback("champion").record.artifact == a)
        }
    }

    @Test func aRollbackKilledAfterItsEventIsCompletedByRecoveryAndKeepsWalkingBack() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            let b = try f.register("b")
            let c = try f.register("c")
            for target in [a, b, c] { try f.registry.promote("champion", to: target) }
            // The event comes first: a rollback killed after appending it, before writing the alias file.
            try runKilled(["rollback", "champion", "--registry", f.registry.layout.rootPath], at: "alias.afterEvent")
            #expect(try f.registry.aliases.record("champion")?.artifact == c)  // the file is behind the log …
            #expect(try f.registry.resolve("champion").artifact == b)  // … and the read path agrees with the log
            let report = try f.registry.recover()
            #expect(report.completed.map(\.path) == ["aliases/champion.json"] && report.repaired.isEmpty)
            #expect(report.appendedEvents.isEmpty)
            #expect(try f.registry.resolve("champion").artifact == b)
            #expect(try f.registry.rollback("champion").record.artifact == a)
        }
    }

    @Test func theNextWriteFinishesAChangeKilledAfterItsEventBeforeReadingTheAlias() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            let b = try f.register("b")
            let c = try f.register("c")
            try f.registry.promote("champion", to: a)
            try runKilled(
                ["promote", "champion", b.description, "--registry", f.registry.layout.rootPath], at: "alias.afterEvent"
            )
            // The log says b; compare-and-swap against b must hold, and the new record's previous target is b.
            let update = try f.registry.promote("champion", to: c, expecting: .target(b))
            #expect(update.record.previousArtifact == b)
            #expect(try f.registry.recover().isClean)
        }
    }

    @Test func recoveryKeepsTheSignaturesOfAnArtifactNobodyRegisteredAndAdoptingKeepsThem() throws {
        try WritePathFixture.with { f in
            let bundle = try BundleFixture.write(["w.bin": [5]], to: f.temp.appendingPathComponent("copied"))
            let copied = try f.registry.artifacts.register(directory: bundle, metadata: ArtifactMetadata(name: "x"))
            let signature = SignatureFile(
                artifact: copied.artifact.id,
                signature: try FakeSigner(name: "alice").signature(
                    for: Array(
                        try Data(
                            contentsOf: URL(fileURLWithPath: f.registry.layout.manifestPath(of: copied.artifact.id))))))
            try f.registry.signatures.write(signature)
            let report = try f.registry.recover()
            #expect(report.unresolved.map(\.kind) == [.unregisteredArtifact])
            #expect(report.repaired.isEmpty)
            #expect(FileManager.default.fileExists(atPath: f.registry.signatures.path(of: signature)))
            #expect(try f.registry.adopt(copied.artifact.id) != nil)
            #expect(try f.registry.adopt(copied.artifact.id) == nil)  // already registered
        }
    }

    @Test func aRestoredAliasFileKeepsItsGenerations() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            let b = try f.register("b")
            for target in [a, b] { try f.registry.promote("champion", to: target) }
            let path = f.registry.aliases.path(of: "champion")
            try FileManager.default.removeItem(atPath: path)
            try Data("{damaged".utf8).write(to: URL(fileURLWithPath: path))
            let report = try f.registry.recover()
            #expect(report.repaired.map(\.path) == ["aliases/champion.json"])
            #expect(report.appendedEvents.isEmpty)  // restored from the log, not written into it
            #expect(try f.registry.rollback("champion").record.artifact == a)
        }
    }

    // MARK: 9. Quick verification gates every alias change

    @Test func promotionRefusesACopyOfAnArtifactUnderAnotherID() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            let impostor = try #require(ArtifactID("sha256-" + String(repeating: "5", count: 64)))
            try FileManager.default.copyItem(
                atPath: f.registry.layout.artifactPath(a), toPath: f.registry.layout.artifactPath(impostor))
            #expect(try f.registry.contains(impostor))

            let error = try #require(throws: RegistryError.self) { try f.registry.promote("champion", to: impostor) }
            #expect(error.code == .digestMismatch)
            #expect(error.message.contains(impostor.description))
            #expect(unmetKinds(error).contains(.quickVerification))
            #expect(try f.registry.listAliases().isEmpty)
        }
    }

    @Test func promotionRefusesAnArtifactWithAMissingFile() throws {
        try WritePathFixture.with { f in
            let a = try f.register("a")
            let directory = f.registry.layout.artifactPath(a)
            try f.makeWritable(directory)
            try FileManager.default.removeItem(atPath: directory + "/weights.bin")

            let error = try #require(throws: RegistryError.self) { try f.registry.promote("champion", to: a) }
            #expect(error.code == .digestMismatch)
            #expect(error.message.contains(a.description) && error.message.contains("weights.bin"))
            #expect(try f.registry.listAliases().isEmpty)
        }
    }
}

@Suite struct SignatureLeftoverTests {
    @Test func aSignatureLeftOverByADeadWriterIsNotReportedAndRecoveryRemovesIt() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"),
                configuration: .init(trust: TrustStore(verifiers: [FakeSigner(name: "alice")])))
            let id = try BundleFixture.registerModel("m", in: registry, under: temp)
            try registry.sign(id, with: FakeSigner(name: "alice"))
            // A signer killed before its rename leaves `.tmp-<pid>-<random>` next to the signatures.
            let finished = Process()
            finished.executableURL = URL(fileURLWithPath: "/bin/true")
            try finished.run()
            finished.waitUntilExit()
            let leftover =
                registry.layout.signaturesPath(of: id) + "/.tmp-\(finished.processIdentifier)-0123456789abcdef"
            try Data("{half".utf8).write(to: URL(fileURLWithPath: leftover))

            #expect(try registry.verify(id, depth: .trust).isClean)
            let report = try registry.recover()
            #expect(report.removedLeftovers == [leftover])
            #expect(!FileManager.default.fileExists(atPath: leftover))
            #expect(try registry.verify(id, depth: .trust).trustedSigners.count == 1)
        }
    }
}
