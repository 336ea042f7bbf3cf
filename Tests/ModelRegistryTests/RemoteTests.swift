import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11, remotes: `remotes/<name>.json` is a view of `remote_changed` events, written through the one write
/// path, checked by fsck and restored by recover; bad names and URLs are refused by name.
@Suite struct RemoteTests {
    @Test func remotesAreAddedListedAndRemovedThroughTheLog() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let registry = fixture.registry
            let added = try registry.addRemote(name: "mirror", url: "file://" + fixture.remoteRoot.path + "/")
            #expect(added.kind == .registry && added.url == "file://" + fixture.remoteRoot.path)
            #expect(added.actor == "tester")
            #expect(try registry.addRemote(name: "mirror", url: fixture.remoteRoot.path) == added, "the same again")
            let other = temp.appendingPathComponent("other")
            _ = try Registry.create(at: other)
            try registry.addRemote(name: "backup.disk-2", url: other.path)
            #expect(try registry.remotes().map(\.name) == ["backup.disk-2", "mirror"])
            let clash = try #require(throws: RegistryError.self) {
                try registry.addRemote(name: "mirror", url: other.path)
            }
            #expect(clash.code == .alreadyExists && clash.message.contains("remote rm"))
            try registry.removeRemote("mirror")
            #expect(try registry.remotes().map(\.name) == ["backup.disk-2"])
            let gone = try #require(throws: RegistryError.self) { try registry.removeRemote("mirror") }
            #expect(gone.code == .notFound)
            #expect(try fixture.eventTypes().filter { $0 == "remote_changed" }.count == 3)
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func aRemoteWhosePathNeedsEncodingIsReachedAtThatPath() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let spaced = temp.appendingPathComponent("shared models %20 ü")
            try FileManager.default.moveItem(at: fixture.remoteRoot, to: spaced)
            let record = try fixture.registry.addRemote(name: "mirror", url: spaced.path)
            #expect(record.directory?.path == spaced.path, "\(record.url)")
            #expect(try fixture.registry.addRemote(name: "mirror", url: record.url) == record, "its URL names it too")
            try fixture.registry.evict(fixture.id)
            try fixture.registry.fetch(fixture.id)
            #expect(fixture.holdsOriginalBytes())
        }
    }

    @Test(arguments: ["", "Mirror", "-mirror", "a/b", "..", "mirror name", String(repeating: "m", count: 65)])
    func aBadRemoteNameIsRefused(name: String) throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let error = try #require(throws: RegistryError.self) {
                try fixture.registry.addRemote(name: name, url: fixture.remoteRoot.path)
            }
            #expect(error.code == .invalidName, "\(error)")
            #expect(try fixture.registry.remotes().isEmpty)
        }
    }

    @Test func badRemoteURLsAreRefusedWithTheReason() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let registry = fixture.registry
            let cases: [(String, RegistryError.Code, String)] = [
                ("relative/path", .invalidArgument, "absolute path"),
                ("", .invalidArgument, "empty"),
                ("file://otherhost/srv/registry", .invalidArgument, "file:///path"),
                ("oci://registry.example.com", .invalidArgument, "OCI repository"),
                ("https://registry.example.com/Models:tag", .invalidArgument, "OCI repository"),
                (temp.appendingPathComponent("nowhere").path, .remoteUnavailable, "not a model registry"),
                (fixture.root.path, .invalidArgument, "this registry itself"),
            ]
            for (url, code, words) in cases {
                let error = try #require(throws: RegistryError.self) { try registry.addRemote(name: "r", url: url) }
                #expect(error.code == code, "\(url): \(error)")
                #expect(error.message.contains(words), "\(url): \(error.message)")
            }
            #expect(try registry.remotes().isEmpty)
            #expect(try !fixture.eventTypes().contains("remote_changed"))
        }
    }

    @Test func aRemoteFileThatDisagreesWithTheLogIsReportedAndRestored() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            let path = registry.layout.remotePath("mirror")
            try FileManager.default.removeItem(atPath: path)
            #expect(try registry.fsck().findings.map(\.kind) == [.viewMissing])
            let report = try registry.recover()
            // The log's last event is this remote's: recovery completes it (as after a crash) rather than repairs.
            #expect((report.repaired + report.completed).map(\.path) == ["remotes/mirror.json"], "\(report)")
            #expect(try registry.remotes().map(\.name) == ["mirror"])
            // A file no event accounts for, and a damaged one.
            try Data("{}\n".utf8).write(to: URL(fileURLWithPath: registry.layout.remotePath("rogue")))
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try Data("not json".utf8).write(to: URL(fileURLWithPath: path))
            let kinds = Set(try registry.fsck().findings.map(\.kind))
            #expect(kinds == [.damagedView], "the rogue file is damaged too: \(kinds)")
            let damaged = try #require(throws: RegistryError.self) { try registry.remotes() }
            #expect(damaged.message.contains("remotes/mirror.json"), "\(damaged.message)")
            try registry.recover()
            #expect(try registry.remotes().map(\.name) == ["mirror"])
            #expect(!FileManager.default.fileExists(atPath: registry.layout.remotePath("rogue")))
            #expect(try registry.fsck().isClean)
        }
    }
}
