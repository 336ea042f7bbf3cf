import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG && os(Linux)
    /// Issue #14, network file systems: on NFS, CIFS/SMB, Lustre, GPFS, Ceph, 9p and FUSE, `flock` may silently
    /// not exclude another machine's writer and renames may not be atomic for other clients, so a writer refuses to
    /// open the registry unless `--allow-network-fs` is given; readers always work. The file system type is the
    /// `statfs` `f_type` that debug builds let a test replace (`MODELREG_FILESYSTEM_MAGIC`), so the refusal is
    /// tested on a local disk.
    @Suite struct NetworkFileSystemTests {
        static let networked: [(name: String, magic: String)] = [
            ("nfs", "6969"), ("cifs", "ff534d42"), ("smb2", "fe534d42"), ("lustre", "bd00bd0"), ("gpfs", "47504653"),
            ("ceph", "c36400"), ("9p", "1021997"), ("fuse", "65735546"),
        ]

        @Test(arguments: networked.map(\.magic))
        func aWriterIsRefusedOnANetworkFileSystemUnlessAllowedAndReadersWork(magic: String) throws {
            let name = try #require(Self.networked.first { $0.magic == magic }?.name)
            try withTemporaryDirectory { temp in
                let environment = ["MODELREG_FILESYSTEM_MAGIC": magic]
                let root = temp.appendingPathComponent("registry").path

                // Creating a registry is writing: refused, naming the file system and the way out; nothing made.
                let refused = try CLIRunner.run(["init", "--registry", root], environment: environment)
                #expect(refused.status == 1, "\(name): \(refused.stderr)")
                #expect(refused.stderr.contains("network file system (\(name))"), "\(refused.stderr)")
                #expect(refused.stderr.contains("--allow-network-fs"), "\(refused.stderr)")
                #expect(refused.stderr.contains(root), "the error names the registry: \(refused.stderr)")
                #expect(
                    (try? Registry.open(at: URL(fileURLWithPath: root))) == nil, "\(name): a registry was created")

                // With the override it works, and so does a write.
                let created = try CLIRunner.run(
                    ["init", "--registry", root, "--allow-network-fs"], environment: environment)
                #expect(created.status == 0, "\(created.stderr)")
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("b"))
                let registered = try CLIRunner.run(
                    ["register", bundle.path, "--name", "m", "--registry", root, "--allow-network-fs"],
                    environment: environment)
                #expect(registered.status == 0, "\(registered.stderr)")

                // Without it, every write is refused before anything is logged; reads are served.
                let events = try CLIRunner.run(["log", "--json", "--registry", root], environment: environment)
                #expect(events.status == 0, "reads work on a network file system: \(events.stderr)")
                let promote = try CLIRunner.run(
                    ["promote", "champion", "m:latest", "--registry", root], environment: environment)
                #expect(promote.status == 1)
                #expect(promote.stderr.contains("network file system (\(name))"), "\(promote.stderr)")
                let after = try CLIRunner.run(["log", "--json", "--registry", root], environment: environment)
                #expect(after.stdout == events.stdout, "a refused write logged something")
                for read in [["fsck"], ["ls"], ["show", "m:latest"]] {
                    let outcome = try CLIRunner.run(read + ["--registry", root], environment: environment)
                    #expect(outcome.status == 0, "\(read) on \(name): \(outcome.stderr)")
                }
            }
        }

        @Test func aLocalFileSystemTypeIsNotRefused() throws {
            try withTemporaryDirectory { temp in
                for magic in ["ef53", "58465342", "9123683e", "1021994", "794c7630"] {  // ext4 xfs btrfs tmpfs overlay
                    let root = temp.appendingPathComponent("registry-\(magic)").path
                    let outcome = try CLIRunner.run(
                        ["init", "--registry", root], environment: ["MODELREG_FILESYSTEM_MAGIC": magic])
                    #expect(outcome.status == 0, "\(magic): \(outcome.stderr)")
                }
            }
        }

        @Test func theRefusalIsATypedErrorInTheLibrary() throws {
            // In-process the real f_type decides (the injection is read from the environment at start-up); the
            // classification itself is the same function the CLI tests above exercise.
            #expect(FileSystemKind(name: "nfs", isNetworked: true).description == "nfs")
            for (name, magic) in Self.networked {
                let kind = FileSystemKind(linuxMagic: try #require(UInt64(magic, radix: 16)))
                #expect(kind.isNetworked, "\(name)")
                #expect(kind.name == name)
            }
        }
    }
#endif
