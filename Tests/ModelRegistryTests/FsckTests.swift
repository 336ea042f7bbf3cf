import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `fsck` finds every tampering FORMAT.md makes detectable from the log and the files, and writes nothing.
@Suite struct FsckTests {
    /// A registry with three artifacts: `a` signed and the target of `champion`, `b` a candidate, `c` revoked;
    /// a policy that requires one signature.
    struct Fixture {
        let registry: Registry
        let temp: URL
        let a, b, c: ArtifactID

        var root: String { registry.layout.rootPath }

        static func with(_ body: (Fixture) throws -> Void) throws {
            try withTemporaryDirectory { temp in
                let alice = FakeSigner(name: "alice")
                let registry = try Registry.create(
                    at: temp.appendingPathComponent("registry"),
                    configuration: .init(trust: TrustStore(verifiers: [alice])))
                let a = try BundleFixture.registerModel("a", in: registry, under: temp)
                let b = try BundleFixture.registerModel("b", in: registry, under: temp)
                let c = try BundleFixture.registerModel("c", in: registry, under: temp)
                try registry.sign(a, with: alice)
                var rule = PromotionPolicy.Rule(aliases: "*")
                rule.requiredSignatures = 1
                try registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
                try registry.promote("champion", to: a)
                try registry.setState(b, to: .candidate)
                try registry.setState(c, to: .revoked)
                try body(Fixture(registry: registry, temp: temp, a: a, b: b, c: c))
            }
        }

        /// Replaces a (read-only) file's contents, as a person with write access to the directory can.
        func overwrite(_ path: String, _ text: String) throws {
            try? FileManager.default.removeItem(atPath: path)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }

        func remove(_ path: String) throws { try FileManager.default.removeItem(atPath: path) }

        func alias(pointingAt id: ArtifactID, name: String = "champion") -> String {
            String(
                decoding: AliasRecord(
                    alias: name, artifact: id, previousArtifact: nil, changedAt: "2026-11-27T00:00:00.000Z",
                    actor: "mallory"
                ).fileBytes(), as: UTF8.self)
        }

        func state(_ id: ArtifactID, _ state: LifecycleState) -> String {
            String(
                decoding: StateRecord(
                    artifact: id, state: state, changedAt: "2026-11-27T00:00:00.000Z", actor: "mallory", reason: nil
                ).fileBytes(), as: UTF8.self)
        }
    }

    enum Tampering: String, CaseIterable, Sendable {
        case aliasRetargeted, aliasToRevoked, aliasToMissingArtifact, aliasDeleted, aliasAddedWithoutEvent
        case revokedStateEditedToProduction, stateFileDeleted, stateFileAdded
        case policyLoosened, policyDeleted, signatureDeleted
        case artifactEditedAndRenamed, privateKeyStored, eventWithBadPayload

        /// Makes the change and returns the findings (kind, path) `fsck` must report.
        func apply(_ f: Fixture) throws -> [(Finding.Kind, String)] {
            let layout = f.registry.layout
            let champion = "aliases/champion.json"
            switch self {
            case .aliasRetargeted:
                try f.overwrite(layout.aliasPath("champion"), f.alias(pointingAt: f.b))
                return [(.viewDiffersFromLog, champion)]
            case .aliasToRevoked:
                try f.overwrite(layout.aliasPath("champion"), f.alias(pointingAt: f.c))
                return [(.viewDiffersFromLog, champion), (.aliasToRevoked, champion)]
            case .aliasToMissingArtifact:
                let missing = try #require(ArtifactID("sha256-" + String(repeating: "9", count: 64)))
                try f.overwrite(layout.aliasPath("champion"), f.alias(pointingAt: missing))
                return [(.viewDiffersFromLog, champion), (.danglingAlias, champion)]
            case .aliasDeleted:
                try f.remove(layout.aliasPath("champion"))
                return [(.viewMissing, champion)]
            case .aliasAddedWithoutEvent:
                try f.overwrite(layout.aliasPath("shadow"), f.alias(pointingAt: f.b, name: "shadow"))
                return [(.viewNotInLog, "aliases/shadow.json")]
            case .revokedStateEditedToProduction:
                try f.overwrite(layout.statePath(of: f.c), f.state(f.c, .production))
                return [(.viewDiffersFromLog, "states/\(f.c).json")]
            case .stateFileDeleted:
                try f.remove(layout.statePath(of: f.c))
                return [(.viewMissing, "states/\(f.c).json")]
            case .stateFileAdded:
                try f.overwrite(layout.statePath(of: f.a), f.state(f.a, .production))
                return [(.viewNotInLog, "states/\(f.a).json")]
            case .policyLoosened:
                try f.overwrite(
                    layout.policyPath,
                    String(decoding: PromotionPolicy(rules: [.init(aliases: "*")]).fileBytes(), as: UTF8.self))
                return [(.viewDiffersFromLog, "policy.json")]
            case .policyDeleted:
                try f.remove(layout.policyPath)
                return [(.viewMissing, "policy.json")]
            case .signatureDeleted:
                let directory = layout.signaturesPath(of: f.a)
                let name = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first)
                try f.remove(directory + "/" + name)
                return [(.viewMissing, "artifacts/\(f.a)/signatures/\(name)")]
            case .artifactEditedAndRenamed:
                // Edit the manifest, then give the directory the id the edited manifest hashes to: a
                // self-consistent artifact nobody registered.
                let manifest = layout.manifestPath(of: f.b)
                let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: manifest)), as: UTF8.self)
                let edited = text.replacingOccurrences(of: "\"name\":\"b\"", with: "\"name\":\"x\"")
                #expect(edited != text)
                try f.overwrite(manifest, edited)
                let forged = ArtifactID(digest: SHA256Algorithm().hash(Array(edited.utf8)))
                try FileManager.default.moveItem(atPath: layout.artifactPath(f.b), toPath: layout.artifactPath(forged))
                return [(.unregisteredArtifact, "artifacts/\(forged)"), (.missingArtifact, "artifacts/\(f.b)")]
            case .privateKeyStored:
                try f.overwrite(f.root + "/staging/release.key", "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n")
                return [(.privateKeyInRegistry, "staging/release.key")]
            case .eventWithBadPayload:
                try AuditJournal(layout: layout).appendLocked(
                    .stateChanged, actor: "mallory", payload: ["artifact": .string(f.a.description)],
                    lock: WriterLock(path: layout.writerLockPath))
                // Named by its day file (the line number goes with it).
                let day = try #require(
                    try FileManager.default.contentsOfDirectory(atPath: layout.auditPath).sorted().last)
                return [(.badPayload, "audit/\(day)")]
            }
        }
    }

    @Test func anUntouchedRegistryIsCleanAtEveryDepth() throws {
        try Fixture.with { f in
            for depth in VerificationReport.Depth.allCases {
                let report = try f.registry.fsck(depth: depth)
                #expect(report.isClean, "\(report)")
                #expect(report.artifactCount == 3 && report.eventCount > 0)
            }
        }
    }

    @Test(arguments: Tampering.allCases)
    func everyTamperingIsReportedWithItsFile(_ tampering: Tampering) throws {
        try Fixture.with { f in
            let expected = try tampering.apply(f)
            let report = try f.registry.fsck()
            for (kind, path) in expected {
                #expect(
                    report.findings.contains { $0.kind == kind && $0.path == path },
                    "\(tampering): expected \(kind) at \(path); got:\n\(report)")
            }
        }
    }

    @Test(arguments: Tampering.allCases)
    func recoveryRestoresEveryViewFromTheLogAndNeverLogsATampering(_ tampering: Tampering) throws {
        try Fixture.with { f in
            _ = try tampering.apply(f)
            var before = 0
            try f.registry.journal.forEachEvent { _ in before += 1 }
            let report = try f.registry.recover()
            var after = 0
            try f.registry.journal.forEachEvent { _ in after += 1 }
            #expect(after == before, "\(tampering): recovery wrote the tampering into the log")
            #expect(report.appendedEvents.isEmpty)
            // Deleting the file of the newest change (c's revocation) looks exactly like a crash between its event
            // and its file: restored from the log either way, reported as the completed change.
            #expect(report.completed.isEmpty || tampering == .stateFileDeleted, "\(report.completed)")
            let remaining = try f.registry.fsck()
            switch tampering {
            case .artifactEditedAndRenamed:
                // Bytes are not in the log: reported, never registered.
                #expect(report.unresolved.map(\.kind).contains(.unregisteredArtifact))
                #expect(remaining.findings.contains { $0.kind == .unregisteredArtifact })
            case .privateKeyStored, .eventWithBadPayload:
                #expect(!remaining.isClean)  // not a view: recovery leaves it to the person who reads fsck
            default:
                #expect(!(report.repaired + report.completed).isEmpty)
                #expect(remaining.isClean, "\(tampering) after recovery:\n\(remaining)")
            }
            if tampering == .revokedStateEditedToProduction {
                #expect(try f.registry.state(of: f.c) == .revoked)
                #expect(registryErrorCode { try f.registry.promote("champion", to: f.c) } == .revoked)
            }
        }
    }

    /// Artifacts are checked in batches on several threads; the findings still come back in id order, one set per
    /// damaged artifact, whichever batch it fell in, and every artifact is counted once.
    @Test func findingsOfManyArtifactsComeBackInIdOrderWhateverThreadCheckedThem() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let registration = SmallArtifactRegistration(bundles: temp.appendingPathComponent("bundles"))
            let ids = try (0..<300).map { try registration.register("model-\($0)", through: registry) }.sorted {
                $0.description < $1.description
            }
            let damaged = [ids[0], ids[70], ids[131], ids[299]]
            for id in damaged {
                let extra = registry.layout.artifactPath(id) + "/stray.txt"
                #expect(FileManager.default.createFile(atPath: extra, contents: Data("x".utf8)))
            }
            let report = try registry.fsck()
            #expect(report.artifactCount == 300)
            #expect(report.findings.map(\.kind) == Array(repeating: .unlistedFile, count: damaged.count), "\(report)")
            #expect(report.findings.map(\.path) == damaged.map { "artifacts/\($0)/stray.txt" })
        }
    }

    /// A signature file that no `signature_added` event accounts for (copied in from another registry that holds
    /// the same artifact) is reported by its path, not taken as a signature.
    @Test func aSignatureFileTheLogDoesNotAccountForIsReported() throws {
        try withTemporaryDirectory { temp in
            let alice = FakeSigner(name: "alice")
            func make(_ name: String) throws -> (Registry, ArtifactID) {
                let registry = try Registry.create(
                    at: temp.appendingPathComponent(name), configuration: .init(trust: TrustStore(verifiers: [alice])))
                let bundles = temp.appendingPathComponent("\(name)-bundles")
                try FileManager.default.createDirectory(at: bundles, withIntermediateDirectories: true)
                return (registry, try BundleFixture.registerModel("m", in: registry, under: bundles))
            }
            let (signed, id) = try make("signed")
            let (unsigned, sameID) = try make("unsigned")
            #expect(id == sameID)
            try signed.sign(id, with: alice)
            #expect(try unsigned.fsck().isClean)
            let source = signed.layout.signaturesPath(of: id)
            let name = try #require(try FileManager.default.contentsOfDirectory(atPath: source).first)
            let artifact = unsigned.layout.artifactPath(id)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: artifact)
            try FileManager.default.createDirectory(
                atPath: unsigned.layout.signaturesPath(of: id), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: source + "/" + name, toPath: unsigned.layout.signaturePath(of: id, name: name))
            let report = try unsigned.fsck()
            #expect(
                report.findings.contains {
                    $0.kind == .viewNotInLog && $0.path == "artifacts/\(id)/signatures/\(name)"
                        && $0.message.contains("no signature_added event")
                }, "\(report)")
        }
    }

    @Test func fsckWritesNothing() throws {
        try Fixture.with { f in
            try FileManager.default.removeItem(atPath: f.registry.layout.indexesPath)
            _ = try Tampering.aliasRetargeted.apply(f)
            let before = try Self.listing(f.root)
            _ = try f.registry.fsck(depth: .trust)
            #expect(try Self.listing(f.root) == before)
        }
    }

    @Test func theCLIExitsOneWithFindingsAndPrintsJSON() throws {
        try Fixture.with { f in
            #expect(try CLIRunner.run(["fsck", "--registry", f.root]).status == 0)
            _ = try Tampering.policyDeleted.apply(f)
            let outcome = try CLIRunner.run(["fsck", "--json", "--registry", f.root])
            #expect(outcome.status == 1, "\(outcome.stderr)")
            let json = try JSONObjectReader(
                CanonicalJSON.parse(Array(outcome.stdout.utf8), source: "stdout"), source: "stdout")
            let findings = try json.objects("findings")
            #expect(try findings.map { try $0.string("kind") } == ["missing_view"])
            #expect(try findings.first?.string("path") == "policy.json")
            let unreadable = try CLIRunner.run(["fsck", "--registry", f.temp.path + "/nothing-here"])
            #expect(unreadable.status == 2, "\(unreadable.stderr)")
        }
    }

    /// Every path under `root` with its size and modification time.
    static func listing(_ root: String) throws -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let path = enumerator?.nextObject() as? String {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + path)
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            let modified = Int(((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1000)
            result[path] = [size, modified]
        }
        return result
    }
}
