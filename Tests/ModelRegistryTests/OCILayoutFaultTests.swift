import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if DEBUG
    /// Every system call an import makes in the registry fails in turn (EIO once, then for good with EROFS): the
    /// import either fails leaving nothing half published — after `recover`, fsck is clean and the artifact is
    /// whole or absent — or succeeds; and importing again completes it.
    @Suite struct OCILayoutFaultTests {
        static let calls: [SystemCall] = [
            .open, .write, .fsync, .rename, .link, .unlink, .mkdir, .fchmod, .ftruncate, .flock, .opendir,
        ]

        @Test(arguments: [false, true])
        func anImportWhoseSystemCallsFailIsNeverHalfPublished(persistent: Bool) throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                let layout = temp.appendingPathComponent("oci")
                try fixture.registry.exportOCILayout("champion", to: layout)
                let plan: OCIFaultSweep.Plan = Self.calls.map {
                    (.init(call: $0, errno: persistent ? EROFS : EIO, persistent: persistent), Array(0..<400))
                }
                let (cases, failures) = try OCIFaultSweep.run(
                    in: temp, plan: plan, configuration: OCILayoutFixture.trustingConfiguration(),
                    operation: { _ = try $0.importOCILayout(from: layout, tag: "champion") }
                ) { run in
                    let registry = run.registry
                    let recovery = try registry.recover()
                    // A file system that turned read-only can leave the index caches half written (fsck's
                    // `damaged_index`); caches are rebuilt, never repaired (FORMAT.md §13).
                    if persistent { try registry.rebuildIndexes() }
                    let check = try registry.fsck()
                    #expect(check.isClean, "\(run.context): \(check.findings) after \(recovery)")
                    let present = try registry.listArtifacts()
                    #expect(present == [] || present == [fixture.id], "\(run.context): \(present)")
                    if run.thrown != nil && present == [fixture.id] {
                        #expect(try registry.verify(fixture.id).isClean, "\(run.context)")
                    }
                    let imported = try registry.importOCILayout(from: layout, tag: "champion")
                    #expect(imported.registration.artifact.id == fixture.id, "\(run.context)")
                    var kinds: [AuditEvent.Kind] = []
                    try registry.journal.forEachEvent { kinds.append($0.type) }
                    #expect(
                        kinds.sorted { $0.rawValue < $1.rawValue }
                            == [.artifactRegistered, .evaluationAdded, .signatureAdded], "\(run.context): \(kinds)")
                    #expect(try registry.fsck().isClean, "\(run.context)")
                }
                #expect(failures > 20, "the sweep made imports fail (\(failures) of \(cases))")
            }
        }

        /// Every system call an export makes in the layout fails in turn (EIO once): the export fails with a typed
        /// error or succeeds; `index.json` is always the old one or the new one, no temporary file is left, and
        /// exporting again completes the layout so that it imports.
        @Test func anExportWhoseSystemCallsFailLeavesTheLayoutReadable() throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                // The layout first holds another artifact, so the faulted export writes every blob of its own.
                let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("other"))
                let other = try fixture.registry.register(directory: bundle, metadata: ArtifactMetadata(name: "other"))
                    .artifact.id
                var cases = 0
                var failures = 0
                for call in Self.calls + [.read, .close] {
                    for k in 0..<400 {
                        cases += 1
                        let layout = temp.appendingPathComponent("case-\(cases)")
                        try fixture.registry.exportOCILayout(other.description, to: layout, tag: "before")
                        let token = FaultInjector.shared.inject(
                            call, errno: EIO, under: layout.path + "/", after: k, times: 1)
                        do {
                            try fixture.registry.exportOCILayout("champion", to: layout, tag: "after")
                        } catch is RegistryError {
                            failures += 1
                        }
                        let fired = FaultInjector.shared.hasFired(token)
                        FaultInjector.shared.remove(token)
                        let context = "\(call) after \(k)"
                        let index = try OCILayoutFixture.readIndex(layout)
                        #expect(index.entry(tagged: "before") != nil, "\(context)")
                        let names = try FileManager.default.contentsOfDirectory(atPath: layout.path)
                        #expect(!names.contains { $0.hasPrefix(".modelreg-tmp-") }, "\(context): \(names)")
                        try fixture.registry.exportOCILayout("champion", to: layout, tag: "after")
                        let imported = try fixture.freshRegistry("target-\(cases)").importOCILayout(
                            from: layout, tag: "after")
                        #expect(imported.registration.artifact.id == fixture.id, "\(context)")
                        if !fired { break }
                    }
                }
                #expect(failures > 5, "the sweep made exports fail (\(failures) of \(cases))")
            }
        }
    }
#endif
