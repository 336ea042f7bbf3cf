import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Kills a real `modelreg` process with SIGKILL between each pair of system calls of a change, then checks
    /// that recovery brings the alias files, the artifacts and the audit log back into agreement.
    @Suite struct CrashRecoveryTests {
        static let aliasPoints = [
            "atomic.afterTempWrite", "atomic.afterTempSync", "atomic.afterRename", "atomic.afterDirectorySync",
            "alias.afterStateChange", "append.afterWrite", "append.afterSync", "alias.afterEvent",
        ]

        private func makeRegistry(_ temp: URL) throws -> (URL, ArtifactID, ArtifactID) {
            let root = temp.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            var ids: [ArtifactID] = []
            for index in 0..<2 {
                let bundle = try BundleFixture.write(
                    ["w.bin": BundleFixture.randomBytes(count: 5000, seed: UInt64(index))],
                    to: temp.appendingPathComponent("b\(index)"))
                ids.append(
                    try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m\(index)")).artifact.id)
            }
            try registry.promote("champion", to: ids[0])
            return (root, ids[0], ids[1])
        }

        @Test(arguments: aliasPoints)
        func aPromotionKilledAtAnyPointRecoversToAgreement(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, first, second) = try makeRegistry(temp)
                let outcome = try runKilled(
                    ["promote", "champion", second.description, "--registry", root.path], at: point)
                #expect(outcome.status == 9, "killed by SIGKILL at \(point)")
                let events = try expectConsistent(root)
                let target = try Registry.open(at: root).resolve("champion").artifact
                // The event comes first (FORMAT.md §9.4), and every crash point of a promotion lies after the
                // event's line was written: the promotion counts, and recovery wrote its file from the log.
                _ = first
                #expect(target == second)
                #expect(
                    events.last { $0.alias == "champion" }?.payload.objectValue?["artifact"]?.stringValue
                        == second.description)
            }
        }

        @Test(arguments: ["alias.afterStateChange", "append.afterWrite", "alias.afterEvent"])
        func aRetirementKilledAtAnyPointRecoversToAgreement(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, _, _) = try makeRegistry(temp)
                try runKilled(["retire", "champion", "--registry", root.path], at: point)
                let events = try expectConsistent(root)
                #expect(registryErrorCode { try Registry.open(at: root).resolve("champion") } == .notFound)
                #expect(events.last { $0.alias == "champion" }?.type == .aliasRetired)
            }
        }

        @Test(arguments: [
            "atomic.afterTempWrite", "artifact.afterStateChange", "append.afterWrite", "artifact.afterEvent",
        ])
        func aRegistrationKilledAtAnyPointLeavesNoOrphanReference(point: String) throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                _ = try Registry.create(at: root)
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
                try runKilled(["register", bundle.path, "--registry", root.path], at: point)
                let events = try expectConsistent(root)
                let registry = try Registry.open(at: root)
                // Before the publishing rename nothing exists; after it the artifact exists and is logged once.
                #expect(try registry.listArtifacts().count == (point == "atomic.afterTempWrite" ? 0 : 1))
                #expect(
                    events.filter { $0.type == .artifactRegistered }.count == (point == "atomic.afterTempWrite" ? 0 : 1)
                )
            }
        }

        @Test(arguments: [
            "atomic.afterRename", "signature.afterStateChange", "append.afterWrite", "signature.afterEvent",
        ])
        func aSignatureKilledAtAnyPointRecoversToAgreement(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, first, _) = try makeRegistry(temp)
                let key = temp.appendingPathComponent("release").path
                #expect(try CLIRunner.run(["keygen", key]).status == 0)
                try runKilled(["sign", first.description, "--key", key, "--registry", root.path], at: point)
                let events = try expectConsistent(root)
                // Once the signature file is renamed into place it counts, and the log must say so.
                let files = try Registry.open(at: root).signatures.files(of: first)
                #expect(files.count == 1)
                #expect(events.filter { $0.type == .signatureAdded }.count == 1)
            }
        }

        @Test(arguments: ["atomic.afterRename", "policy.afterStateChange", "append.afterWrite", "policy.afterEvent"])
        func aPolicyChangeKilledAtAnyPointRecoversToAgreement(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, _, _) = try makeRegistry(temp)
                let policy = temp.appendingPathComponent("policy.json")
                try Data(#"{"rules":[{"aliases":"*","requireApproval":true}],"schemaVersion":1}"#.utf8).write(
                    to: policy)
                try runKilled(["policy", "set", policy.path, "--registry", root.path], at: point)
                let events = try expectConsistent(root)
                #expect(try Registry.open(at: root).promotionPolicy().rules.count == 1)
                let logged = try events.last { $0.type == .policyChanged }.flatMap { try $0.decode(PolicyChanged.self) }
                #expect(
                    logged?.digest
                        == SHA256Algorithm().hash(
                            Array(try Data(contentsOf: root.appendingPathComponent("policy.json")))))
            }
        }

        /// Recovery itself may be killed: it restores one file or appends one event at a time, so running it again
        /// finishes the job, whatever point it died at.
        @Test(arguments: [
            "append.afterWrite", "append.afterSync", "atomic.afterTempWrite", "atomic.afterRename",
            "atomic.afterDirectorySync",
        ])
        func aRecoveryKilledAtAnyPointIsFinishedByTheNextOne(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, first, _) = try makeRegistry(temp)
                let registry = try Registry.open(at: root)
                // Three things for recovery to do: a publication interrupted between its rename and its event
                // (its mark is still there), a state file no event accounts for, and a damaged alias file.
                let bundle = try BundleFixture.write(["w.bin": [42]], to: temp.appendingPathComponent("direct"))
                let direct = try registry.artifacts.register(directory: bundle, metadata: ArtifactMetadata(name: "d"))
                try registry.artifacts.markPublishing(direct.artifact.id)
                try registry.states.write(
                    StateRecord(
                        artifact: first, state: .candidate, changedAt: "2026-11-27T00:00:00.000Z", actor: "mallory",
                        reason: nil))
                let alias = registry.aliases.path(of: "champion")
                try FileManager.default.removeItem(atPath: alias)
                try Data("{damaged".utf8).write(to: URL(fileURLWithPath: alias))

                try runKilled(["recover", "--registry", root.path], at: point)
                let events = try expectConsistent(root)
                let reopened = try Registry.open(at: root)
                #expect(try reopened.resolve("champion").artifact == first)
                #expect(try reopened.state(of: first) == .registered)  // the log never changed it
                #expect(events.filter { $0.type == .artifactRegistered }.count == 3)
                #expect(try reopened.contains(direct.artifact.id))
                #expect(!events.contains { $0.type == .aliasRestored || $0.type == .stateChanged })
            }
        }

        @Test(arguments: ["atomic.afterRename", "append.afterWrite"])
        func aStateChangeKilledAtAnyPointRecoversToAgreement(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, first, _) = try makeRegistry(temp)
                try runKilled(["state", "set", first.description, "deprecated", "--registry", root.path], at: point)
                let events = try expectConsistent(root)
                #expect(try Registry.open(at: root).state(of: first) == .deprecated)
                #expect(events.filter { $0.type == .stateChanged }.count == 1)
            }
        }

        @Test func aTornAuditLineIsRepairedAndRecorded() throws {
            try withTemporaryDirectory { temp in
                let (root, _, second) = try makeRegistry(temp)
                let registry = try Registry.open(at: root)
                let day = try #require(
                    FileManager.default.contentsOfDirectory(atPath: registry.layout.auditPath).sorted().last)
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: registry.layout.auditPath + "/" + day))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(#"{"actor":"x","payl"#.utf8))
                try handle.close()
                #expect(registryErrorCode { try registry.promote("champion", to: second) } == .invalidDocument)
                #expect(
                    try registry.resolve("champion").artifact != second, "a refused append must leave the alias alone")
                let report = try registry.recover()
                #expect(report.repairedTail?.type == .logRepaired)
                try expectConsistent(root)
                #expect(try registry.promote("champion", to: second).changed)
            }
        }

        @Test func aCorruptAliasFileIsRestoredFromTheLog() throws {
            try withTemporaryDirectory { temp in
                let (root, first, _) = try makeRegistry(temp)
                let registry = try Registry.open(at: root)
                let path = registry.aliases.path(of: "champion")
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
                try Data(#"{"alias":"champ"#.utf8).write(to: URL(fileURLWithPath: path))
                let error = try #require(throws: RegistryError.self) { try registry.resolve("champion") }
                #expect(error.message.contains(path))
                let report = try registry.restoreAlias("champion")
                #expect(report.repaired.map(\.path) == ["aliases/champion.json"])
                #expect(report.appendedEvents.isEmpty)  // a repair from the log is not new history
                #expect(try registry.resolve("champion").artifact == first)
                try expectConsistent(root)
            }
        }
    }
#endif
