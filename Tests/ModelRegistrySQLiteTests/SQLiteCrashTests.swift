#if SQLite
    import Foundation
    import ModelRegistry
    @testable import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    /// A `modelreg` with the SQLite index killed at each of the backend's crash points: the database keeps its
    /// last committed state (or is absent), the registry recovers clean, and every query answers as the file
    /// index does.
    @Suite struct SQLiteCrashTests {
        private static let environment = ["MODELREG_INDEX": "sqlite"]

        private func expectAgreement(_ f: SQLiteFixture, _ point: String) throws {
            let registry = try Registry.open(at: f.root, configuration: SQLiteFixture.configuration(.sqlite))
            #expect(try registry.recover().isClean, "\(point)")
            #expect(try registry.fsck().isClean, "\(point)")
            let scanned = try f.freshIndex().scan().contents
            #expect(try f.freshIndex().contents() == scanned, "\(point)")
            #expect(try f.freshIndex().query(IndexQuery()) == f.files.query(IndexQuery()), "\(point)")
            #expect(
                try f.freshIndex().query(IndexQuery(capabilities: ["ocr"]))
                    == f.files.query(IndexQuery(capabilities: ["ocr"])))
            try registry.rebuildIndexes()
            #expect(try f.freshBackend().refresh() == scanned.stamp, "\(point)")
            #expect(try f.freshIndex().status().isClean, "\(point)")
        }

        /// Runs `modelreg arguments` on the fixture's registry with the SQLite index and the crash point `point`
        /// armed, and expects it to die there.
        private func runKilled(
            _ arguments: [String], at point: String, _ f: SQLiteFixture,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let outcome = try CLIRunner.run(
                arguments + ["--registry", f.root.path],
                environment: Self.environment.merging(["MODELREG_CRASH_AT": point]) { $1 })
            #expect(
                outcome.wasKilled, "the process should die at \(point): \(outcome.stderr)",
                sourceLocation: sourceLocation)
        }

        @Test func killedBeforeAnUpdateCommits() throws {
            try SQLiteFixture.with { f in
                let base = try f.register("base", capabilities: ["ocr"])
                let stored = try f.freshBackend().refresh()
                let bundle = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: 32, seed: 9)],
                    to: f.temp.appendingPathComponent("child"))
                try runKilled(
                    ["register", bundle.path, "--name", "child", "--capability", "ocr", "--parent", base.description],
                    at: "sqlite.updateBeforeCommit", f)
                // The registration is complete; the database still holds what it held before.
                #expect(try f.freshBackend().refresh() == stored)
                #expect(try f.freshIndex().query(IndexQuery(name: "child")).count == 1, "caught up from the log")
                try expectAgreement(f, "sqlite.updateBeforeCommit")
            }
        }

        /// A compaction of `additions` killed before it commits: the database keeps every `additions` row and
        /// answers as before; the next compaction folds them.
        @Test func killedBeforeACompactionCommits() throws {
            try SQLiteFixture.with { f in
                let base = try f.register("base", capabilities: ["ocr"])
                let child = try f.register("child", capabilities: ["ocr"], parents: [base])
                try SQLiteCompactionTests.pad(f, rows: 4096)
                let padded = try f.additionRows()
                let outcome = try CLIRunner.run(
                    ["index", "compact", "--registry", f.root.path],
                    environment: Self.environment.merging(["MODELREG_CRASH_AT": "sqlite.compactionBeforeCommit"]) {
                        $1
                    })
                #expect(outcome.wasKilled, "the process should die before the compaction commits: \(outcome.stderr)")
                #expect(try f.additionRows() == padded, "nothing folded")
                try expectAgreement(f, "sqlite.compactionBeforeCommit")
                let compacted = try CLIRunner.run(
                    ["index", "compact", "--registry", f.root.path], environment: Self.environment)
                #expect(compacted.status == 0, "\(compacted.stderr)")
                #expect(try f.additionRows() < padded, "the next compaction folded them")
                let write = try CLIRunner.run(
                    ["state", "set", child.description, "candidate", "--reason", "review", "--registry", f.root.path],
                    environment: Self.environment)
                #expect(write.status == 0, "\(write.stderr)")
                #expect(try f.freshIndex().query(IndexQuery(state: .candidate)).map(\.id) == [child], "the update")
                try expectAgreement(f, "sqlite.compactionBeforeCommit")
            }
        }

        @Test func killedBeforeARebuildCommits() throws {
            try SQLiteFixture.with { f in
                let base = try f.register("base", capabilities: ["ocr"])
                try f.register("child", capabilities: ["speech"], parents: [base])
                let stored = try f.freshBackend().refresh()
                try runKilled(["index", "rebuild"], at: "sqlite.rebuildBeforeCommit", f)
                #expect(try f.freshBackend().refresh() == stored, "the old index is intact")
                try expectAgreement(f, "sqlite.rebuildBeforeCommit")
            }
        }

        /// A full build killed after its new file is complete and synced, before the swap: the old database is
        /// still the index and answers; the leftover `index.sqlite.building` is never read, and the next rebuild
        /// replaces it.
        @Test func killedBeforeARebuildSwapsTheFiles() throws {
            try SQLiteFixture.with { f in
                let base = try f.register("base", capabilities: ["ocr"])
                try f.register("child", capabilities: ["speech"], parents: [base])
                let stored = try f.freshBackend().refresh()
                try runKilled(["index", "rebuild"], at: "sqlite.rebuildBeforeSwap", f)
                #expect(FileManager.default.fileExists(atPath: f.buildingPath), "the new file was left behind")
                #expect(try f.freshBackend().refresh() == stored, "the old index is intact")
                try expectAgreement(f, "sqlite.rebuildBeforeSwap")
                #expect(!FileManager.default.fileExists(atPath: f.buildingPath), "the next rebuild removed it")
            }
        }

        /// Killed after the old database was removed, before the new one was renamed into place: there is no
        /// index (readers scan), and the next rebuild writes one.
        @Test func killedBetweenRemovingTheOldDatabaseAndRenamingTheNew() throws {
            try SQLiteFixture.with { f in
                try f.register("base", capabilities: ["ocr"])
                try runKilled(["index", "rebuild"], at: "sqlite.rebuildAfterRemovingOld", f)
                #expect(!FileManager.default.fileExists(atPath: f.databasePath))
                #expect(try f.freshBackend().refresh() == nil)
                try expectAgreement(f, "sqlite.rebuildAfterRemovingOld")
            }
        }

        /// SQLite does its own I/O, so the file-system layer's fault injector cannot reach it; a directory where
        /// SQLite must create its WAL file makes every access to the database fail instead (also for root). A
        /// registration in another process still succeeds, readers answer from a scan and say the index is
        /// unusable, and once the obstacle is gone a rebuild makes it current.
        @Test func anIndexThatCannotBeUsedNeverFailsARegistration() throws {
            try SQLiteFixture.with { f in
                let base = try f.register("base", capabilities: ["ocr"])
                try f.sqlite.rebuildIndexes()
                let wal = f.databasePath + "-wal"
                for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: f.databasePath + suffix) }
                try FileManager.default.createDirectory(atPath: wal, withIntermediateDirectories: false)
                let bundle = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: 32, seed: 5)],
                    to: f.temp.appendingPathComponent("more"))
                let outcome = try CLIRunner.run(
                    [
                        "register", bundle.path, "--name", "more", "--capability", "ocr", "--parent", base.description,
                        "--registry", f.root.path,
                    ], environment: Self.environment)
                #expect(outcome.status == 0, "the registration must not fail: \(outcome.stderr)")
                #expect(throws: RegistryError.self) { try f.freshBackend().refresh() }
                #expect(try f.freshIndex().status().findings.contains { $0.kind == .damagedIndex })
                #expect(try f.freshIndex().query(IndexQuery(capabilities: ["ocr"])).map(\.name) == ["more", "base"])
                try FileManager.default.removeItem(atPath: wal)
                try f.sqlite.rebuildIndexes()
                #expect(try f.freshIndex().status().isClean)
                #expect(try f.freshIndex().query(IndexQuery(capabilities: ["ocr"])).map(\.name) == ["more", "base"])
            }
        }
    }

    /// `MODELREG_INDEX` selects the index of `modelreg`.
    @Suite struct SQLiteCLITests {
        @Test func findAndLineageThroughTheSQLiteIndex() throws {
            try SQLiteFixture.with { f in
                let base = try f.register("base", capabilities: ["ocr"], labels: ["team": "docs"])
                let child = try f.register("child-invoice", capabilities: ["ocr"], parents: [base], through: f.files)
                for index in ["sqlite", "files"] {
                    let found = try CLIRunner.run(
                        ["find", "--capability", "ocr", "--text", "inv", "--registry", f.root.path],
                        environment: ["MODELREG_INDEX": index])
                    #expect(found.status == 0, "\(found.stderr)")
                    #expect(found.stdout.hasPrefix(child.description), "\(index): \(found.stdout)")
                    #expect(found.stdout.split(separator: "\n").count == 1)
                    let lineage = try CLIRunner.run(
                        ["lineage", child.description, "--up", "--json", "--registry", f.root.path],
                        environment: ["MODELREG_INDEX": index])
                    #expect(lineage.status == 0, "\(lineage.stderr)")
                    #expect(lineage.stdout.contains(base.description))
                }
                let status = try CLIRunner.run(
                    ["index", "status", "--registry", f.root.path], environment: ["MODELREG_INDEX": "sqlite"])
                #expect(status.status == 0, "\(status.stderr)")
                #expect(FileManager.default.fileExists(atPath: f.databasePath))
            }
        }

        @Test func anUnknownIndexIsAUsageErrorNamingTheVariable() throws {
            try SQLiteFixture.with { f in
                let outcome = try CLIRunner.run(
                    ["find", "--registry", f.root.path], environment: ["MODELREG_INDEX": "postgres"])
                #expect(outcome.status != 0)
                #expect(outcome.stderr.contains("MODELREG_INDEX"), "\(outcome.stderr)")
            }
        }
    }
#endif
