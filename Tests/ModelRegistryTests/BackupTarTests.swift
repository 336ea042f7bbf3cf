import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11: tar backups — a round trip, the system `tar` as an independent reader and writer, long names, and
/// hostile archives a restore must refuse without writing outside (or leaving anything in) its destination.
@Suite struct BackupTarTests {
    static let hasTar = CLIRunner.succeeds("/usr/bin/env", ["tar", "--version"])

    static func tar(_ arguments: [String]) throws -> CLIRunner.Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar"] + arguments
        return try CLIRunner.capture(process)
    }

    /// A registry whose second artifact holds a path too long for ustar's name and prefix fields (a pax header).
    static func makeRegistry(_ temp: URL) throws -> (Registry, [ArtifactID]) {
        let (registry, ids) = try BackupTests.makeRegistry(temp)
        let deep = (0..<6).map { "directory-level-\($0)-with-a-long-name-to-pass-ustar-limits" }.joined(separator: "/")
        let long = try registry.register(
            directory: try BundleFixture.write(
                [deep + "/tensor.bin": BundleFixture.randomBytes(count: 1000, seed: 4)],
                to: temp.appendingPathComponent("long")),
            metadata: ArtifactMetadata(name: "long")
        ).artifact.id
        return (registry, ids + [long])
    }

    @Test func aTarBackupRoundTrips() throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try Self.makeRegistry(temp)
            let tar = temp.appendingPathComponent("backup.tar")
            let report = try registry.backup(to: tar, options: .init(format: .tar))
            #expect(report.format == .tar && report.artifactsCopied == 3 && report.filesLinked == 1)
            let restored = try Registry.restore(from: tar, to: temp.appendingPathComponent("restored"))
            #expect(restored.integrity.isClean && restored.artifacts == 3)
            let copy = try Registry.open(at: restored.destination)
            #expect(try copy.listArtifacts() == registry.listArtifacts())
            #expect(try copy.resolve("champion").artifact == ids[0])
            // A second tar backup replaces the first.
            _ = try Self.register("later", in: registry, temp: temp)
            try registry.backup(to: tar, options: .init(format: .tar))
            #expect(try Registry.restore(from: tar, to: temp.appendingPathComponent("second")).artifacts == 4)
            #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).allSatisfy { !$0.contains(".tmp-") })
        }
    }

    @Test(.enabled(if: hasTar)) func theSystemTarListsAndExtractsOurTar() throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try Self.makeRegistry(temp)
            let tar = temp.appendingPathComponent("backup.tar")
            try registry.backup(to: tar, options: .init(format: .tar))
            let listing = try Self.tar(["-tvf", tar.path])
            #expect(listing.status == 0, "\(listing.stderr)")
            #expect(listing.stdout.contains("tensor.bin"))
            #expect(listing.stdout.contains("link to artifacts/"), "the deduplicated file is a tar hard link")
            let extracted = temp.appendingPathComponent("extracted")
            try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
            let extract = try Self.tar(["-xf", tar.path, "-C", extracted.path])
            #expect(extract.status == 0, "\(extract.stderr)")
            let weights = ids.prefix(2).map { extracted.path + "/artifacts/\($0)/weights.bin" }
            #expect(try BackupTests.inode(weights[0]) == BackupTests.inode(weights[1]))
            #expect(FileManager.default.fileExists(atPath: extracted.path + "/backup.json"))
            // What tar extracted is a backup directory: it restores.
            #expect(try Registry.restore(from: extracted, to: temp.appendingPathComponent("r")).integrity.isClean)
        }
    }

    @Test(.enabled(if: hasTar)) func aTarOfABackupDirectoryMadeBySystemTarRestores() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let tar = temp.appendingPathComponent("system.tar")
            let made = try Self.tar(["-cf", tar.path, "-C", backup.path, "."])
            #expect(made.status == 0, "\(made.stderr)")
            let restored = try Registry.restore(from: tar, to: temp.appendingPathComponent("restored"))
            #expect(restored.integrity.isClean && restored.artifacts == 3)
        }
    }

    @Test(.enabled(if: hasTar)) func aRestoreNeverCreatesSetuidSetgidOrStickyFiles() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            // A backup someone tampered with: an extra file with the setuid, setgid and sticky bits.
            let evil = backup.appendingPathComponent("extra/evil")
            try FileManager.default.createDirectory(
                at: evil.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data([0x23, 0x21]).write(to: evil)
            #expect(chmod(evil.path, 0o7755) == 0)
            let tar = temp.appendingPathComponent("tampered.tar")
            #expect(try Self.tar(["-cf", tar.path, "-C", backup.path, "."]).status == 0)
            for (name, source) in [("from-tar", tar), ("from-directory", backup)] {
                let restored = temp.appendingPathComponent(name)
                _ = try? Registry.restore(from: source, to: restored)
                let mode =
                    try FileManager.default.attributesOfItem(
                        atPath: restored.appendingPathComponent("extra/evil").path)[.posixPermissions] as? Int
                #expect(mode.map { $0 & 0o7000 } == 0, "\(name): mode \(String(mode ?? 0, radix: 8))")
            }
        }
    }

    /// One hostile archive and the error code its restore must end with.
    struct Hostile: Sendable, CustomTestStringConvertible {
        var name: String
        var entries: [TestTar.Entry]
        var code: RegistryError.Code
        var truncateTo: Int?
        var testDescription: String { name }
    }

    /// A valid `backup.json` of an empty registry.
    static let emptyMarker = Array(
        (#"{"artifacts":0,"createdAt":"","events":0,"format":"modelregistry-backup","head":"sha256:"#
            + String(repeating: "0", count: 64) + #"","log":[],"schemaVersion":1}"#).utf8)

    static let hostile: [Hostile] = [
        Hostile(name: "dot-dot", entries: [.file("../escaped", [1])], code: .invalidPath),
        Hostile(name: "nested dot-dot", entries: [.file("audit/../../escaped", [1])], code: .invalidPath),
        Hostile(name: "absolute", entries: [.file("/tmp/modelreg-escaped-\(getpid())", [1])], code: .invalidPath),
        Hostile(name: "symbolic link", entries: [.symlink("aliases", to: "/etc")], code: .symlinkRefused),
        Hostile(name: "character device", entries: [.device("dev-null")], code: .unsupportedOperation),
        Hostile(name: "hard link out", entries: [.hardLink("x", to: "../../etc/passwd")], code: .invalidPath),
        Hostile(name: "hard link to nothing", entries: [.hardLink("x", to: "registry.json")], code: .invalidPath),
        Hostile(
            name: "pax path escape", entries: [.paxFile("registry.json", path: "../pax-escaped", [1])],
            code: .invalidPath),
        Hostile(name: "bad checksum", entries: [.corrupt], code: .invalidDocument),
        Hostile(name: "no marker", entries: [.file("registry.json", Array("{}".utf8))], code: .invalidDocument),
        Hostile(name: "duplicate entry", entries: [.file("a", [1]), .file("a", [2])], code: .alreadyExists),
        Hostile(name: "damaged marker", entries: [.file("backup.json", [0x7B])], code: .invalidJSON),
        Hostile(
            name: "two markers", entries: [.file("backup.json", emptyMarker), .file("backup.json", emptyMarker)],
            code: .invalidDocument),
    ]

    @Test(arguments: hostile) func aHostileTarIsRefusedAndLeavesNothing(_ hostile: Hostile) throws {
        try withTemporaryDirectory { temp in
            let tar = temp.appendingPathComponent("hostile.tar")
            try Data(TestTar.archive(hostile.entries)).write(to: tar)
            let destination = temp.appendingPathComponent("deep/restored")
            try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
            #expect(registryErrorCode { try Registry.restore(from: tar, to: destination) } == hostile.code)
            #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: temp.appendingPathComponent("escaped").path))
            #expect(!FileManager.default.fileExists(atPath: temp.appendingPathComponent("deep/escaped").path))
            #expect(!FileManager.default.fileExists(atPath: "/tmp/modelreg-escaped-\(getpid())"))
        }
    }

    @Test(arguments: [0.25, 0.5, 0.9, 0.999]) func aTruncatedTarIsRefused(fraction: Double) throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let tar = temp.appendingPathComponent("backup.tar")
            try registry.backup(to: tar, options: .init(format: .tar))
            let bytes = try Data(contentsOf: tar)
            try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: tar)
            let destination = temp.appendingPathComponent("restored")
            #expect(throws: RegistryError.self) { try Registry.restore(from: tar, to: destination) }
            #expect(!FileManager.default.fileExists(atPath: destination.path))
        }
    }

    static func register(_ name: String, in registry: Registry, temp: URL) throws -> ArtifactID {
        try BackupTests.register(name, seed: 77, in: registry, temp: temp)
    }
}

/// Builds small tar archives by hand — the hostile ones no honest `tar` writes.
enum TestTar {
    enum Entry: Sendable {
        case file(String, [UInt8])
        case paxFile(String, path: String, [UInt8])
        case symlink(String, to: String)
        case hardLink(String, to: String)
        case device(String)
        case corrupt
    }

    static func archive(_ entries: [Entry]) -> [UInt8] {
        var bytes: [UInt8] = []
        for entry in entries {
            switch entry {
            case .file(let name, let data):
                bytes += header(name, size: data.count, type: "0") + padded(data)
            case .paxFile(let name, let path, let data):
                let record = Array(" path=\(path)\n".utf8)
                var length = record.count + 2
                while String(length).count + record.count != length { length += 1 }
                let pax = Array("\(length)".utf8) + record
                bytes += header("PaxHeaders/x", size: pax.count, type: "x") + padded(pax)
                bytes += header(name, size: data.count, type: "0") + padded(data)
            case .symlink(let name, let target):
                bytes += header(name, size: 0, type: "2", link: target)
            case .hardLink(let name, let target):
                bytes += header(name, size: 0, type: "1", link: target)
            case .device(let name):
                bytes += header(name, size: 0, type: "3")
            case .corrupt:
                var block = header("registry.json", size: 0, type: "0")
                block[0] ^= 0x01
                bytes += block
            }
        }
        return bytes + [UInt8](repeating: 0, count: 1024)
    }

    private static func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    private static func header(_ name: String, size: Int, type: Character, link: String = "") -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, _ offset: Int) {
            for (index, byte) in text.utf8.enumerated() { block[offset + index] = byte }
        }
        put(name, 0)
        put("0000644", 100)
        put("0000000", 108)
        put("0000000", 116)
        put(String(format: "%011o", size), 124)
        put("00000000000", 136)
        put("        ", 148)
        block[156] = type.asciiValue ?? 0x30
        put(link, 157)
        put("ustar", 257)
        put("00", 263)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o", sum), 148)
        block[154] = 0
        block[155] = 0x20
        return block
    }
}
