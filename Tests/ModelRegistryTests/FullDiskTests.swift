import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if os(Linux)
    /// Issue #14: a real file system filling up, not an injected ENOSPC. A 64 MiB loop-mounted ext4 holding the
    /// registry and an 8 MiB ballast file is filled by registrations of 3 MiB bundles until one fails; then the
    /// failure says the disk is full, nothing reported is lost, small writes on the full disk fail as clearly or
    /// succeed, and once the ballast is deleted `recover`, `fsck --deep` and a further registration succeed.
    @Suite struct FullDiskTests {
        @Test func aRegistryOnAFullFileSystemFailsClearlyAndLosesNothing() throws {
            let kind = LoopFileSystem.Kind.ext4Ordered
            if let reason = LoopFileSystem.unavailableReason(kind) {
                print("skipping the full-disk test: \(reason)")
                return
            }
            try withTemporaryDirectory { temp in
                let image = try LoopFileSystem.makeImage(kind, at: temp.appendingPathComponent("small.img"))
                let mount = try LoopFileSystem(image: image, kind: kind, at: temp.appendingPathComponent("mnt"))
                defer { mount.unmountEventually() }
                let ballast = mount.mountPoint.appendingPathComponent("ballast")
                try Data(BundleFixture.randomBytes(count: 8 << 20, seed: 1)).write(to: ballast)
                let root = mount.mountPoint.appendingPathComponent("registry")
                let created = try CLIRunner.run(["init", "--registry", root.path])
                try #require(created.status == 0, "\(created.stderr)")

                var registered: [String] = []  // names whose registration was reported
                var failure: CLIRunner.Outcome?
                for index in 0..<40 {
                    let bundle = try BundleFixture.write(
                        [
                            "weights.bin": BundleFixture.randomBytes(count: 3 << 20, seed: UInt64(100 + index)),
                            "config.json": Array(#"{"n":\#(index)}"#.utf8),
                        ], to: temp.appendingPathComponent("bundle-\(index)"))
                    let outcome = try CLIRunner.run([
                        "register", bundle.path, "--name", "m\(index)", "--registry", root.path,
                    ])
                    try FileManager.default.removeItem(at: bundle)
                    if outcome.status != 0 {
                        failure = outcome
                        break
                    }
                    registered.append("m\(index)")
                    if index == 1 {
                        let promoted = try CLIRunner.run(["promote", "champion", "m0:latest", "--registry", root.path])
                        #expect(promoted.status == 0, "\(promoted.stderr)")
                    }
                }
                let full = try #require(failure, "40 registrations of 3 MiB fit into 64 MiB?")
                #expect(registered.count >= 5, "the disk filled up too early: \(registered)")
                #expect(full.status == 1)
                #expect(full.stderr.contains("error:"), "\(full.stderr)")
                #expect(
                    full.stderr.contains("No space left") || full.stderr.contains("no space"),
                    "the error must say the disk is full: \(full.stderr)")
                #expect(!full.stderr.contains("Fatal error"), "\(full.stderr)")

                // Small writes on the full disk: each succeeds or fails with a clear error.
                for arguments in [
                    ["promote", "champion", "\(registered[1]):latest"],
                    ["state", "set", "\(registered[0]):latest", "candidate", "--reason", "full"],
                    ["pin", "\(registered[0]):latest"],
                ] {
                    let outcome = try CLIRunner.run(arguments + ["--registry", root.path])
                    if outcome.status != 0 {
                        #expect(outcome.stderr.hasPrefix("error:"), "\(arguments): \(outcome.stderr)")
                        #expect(!outcome.stderr.contains("Fatal error"), "\(arguments): \(outcome.stderr)")
                    }
                }

                // Space freed: recover settles everything, nothing reported is lost, and writing works again.
                try FileManager.default.removeItem(at: ballast)
                let recovered = try CLIRunner.run(["recover", "--registry", root.path])
                #expect(recovered.status == 0, "\(recovered.stderr)")
                try expectConsistent(root)
                let registry = try Registry.open(at: root)
                let ids = try registry.listArtifacts()
                // The failed registration is absent, or (its event could not be written) recovered into the log.
                #expect(
                    ids.count == registered.count || ids.count == registered.count + 1,
                    "\(registered.count) registrations reported, \(ids.count) artifacts")
                for id in ids {
                    #expect(try registry.verify(id, depth: .full).isClean, "\(id)")
                }
                let fsck = try CLIRunner.run(["fsck", "--deep", "--registry", root.path])
                #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
                let bundle = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: 1 << 20, seed: 999)],
                    to: temp.appendingPathComponent("bundle-after"))
                let again = try CLIRunner.run(["register", bundle.path, "--name", "after", "--registry", root.path])
                #expect(again.status == 0, "\(again.stderr)")
            }
        }
    }
#endif
