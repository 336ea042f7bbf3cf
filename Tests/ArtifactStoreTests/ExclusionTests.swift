import ArtifactStore
import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Which files of a source directory enter a bundle: default exclusions, patterns, the ignore file (FORMAT.md §5.7).
@Suite struct ExclusionTests {
    let metadata = ArtifactMetadata(name: "model")

    func register(
        _ files: [String: [UInt8]], options: FileArtifactStore.IngestOptions = .init()
    ) throws -> Registration {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            return try registry.register(directory: bundle, metadata: metadata, options: options)
        }
    }

    @Test func versionControlAndFinderFilesStayOutOfTheIdByDefault() throws {
        let plain = try register(["w.bin": [1]])
        let littered = try register([
            "w.bin": [1], ".git/HEAD": [2], ".git/objects/ab": [3], "sub/.DS_Store": [4], ".hg/store": [5],
        ])
        #expect(littered.artifact.id == plain.artifact.id)
        #expect(littered.excluded == [".git/", ".hg/", "sub/.DS_Store"])
        let kept = try register(
            ["w.bin": [1], ".git/HEAD": [2], ".DS_Store": [4]], options: .init(excludes: []))
        #expect(kept.artifact.manifest.files.map(\.path) == [".DS_Store", ".git/HEAD", "w.bin"])
        #expect(kept.excluded.isEmpty)
    }

    @Test(arguments: [
        ("*.tmp", ["a.tmp", "d/b.tmp"]),
        ("/a.tmp", ["a.tmp"]),
        ("d/", ["d/"]),
        ("d/*.tmp", ["d/b.tmp"]),
        ("**/c", ["d/e/c"]),
        ("d/**", ["d/b.tmp", "d/e/"]),
        ("?.tmp", ["a.tmp", "d/b.tmp"]),
        ("d/**/c", ["d/e/c"]),
    ])
    func patternsFollowTheDocumentedSubsetOfGitignore(pattern: String, excluded: [String]) throws {
        let files: [String: [UInt8]] = ["w.bin": [1], "a.tmp": [2], "d/b.tmp": [3], "d/e/c": [4]]
        let registration = try register(files, options: .init(excludes: [pattern]))
        #expect(registration.excluded.sorted() == excluded.sorted(), "\(pattern)")
        let kept = Set(registration.artifact.manifest.files.map(\.path))
        #expect(kept.contains("w.bin"))
        #expect(kept.count + excluded.count <= files.count)
    }

    @Test func theIgnoreFileAddsPatternsAndIsLeftOutItself() throws {
        let registration = try register([
            "w.bin": [1], "cache/x": [2], "run.log": [3],
            ".modelregignore": Array("# build output\ncache/\n\n  *.log  \n".utf8),
        ])
        #expect(registration.artifact.manifest.files.map(\.path) == ["w.bin"])
        #expect(Set(registration.excluded) == ["cache/", "run.log", ".modelregignore"])
        let unread = try register(
            ["w.bin": [1], ".modelregignore": Array("w.bin\n".utf8)], options: .init(ignoreFileName: nil))
        #expect(unread.artifact.manifest.files.count == 2)
    }

    @Test(arguments: ["!keep.bin", "[ab].bin", "a\\*", "/"])
    func unsupportedPatternsAreRefusedNamingThePattern(pattern: String) throws {
        #expect {
            try register(["w.bin": [1]], options: .init(excludes: [pattern]))
        } throws: { error in
            (error as? RegistryError)?.code == .invalidArgument
                && (error as? RegistryError)?.message.contains(pattern) == true
        }
    }

    @Test func aBadLineInTheIgnoreFileIsReportedWithItsLineNumber() throws {
        #expect {
            try register(["w.bin": [1], ".modelregignore": Array("*.tmp\n!w.bin\n".utf8)])
        } throws: { error in
            (error as? RegistryError)?.message.contains(".modelregignore:2") == true
        }
    }

    @Test func anExcludedSymbolicLinkDoesNotStopARegistration() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("bundle"))
            try FileManager.default.createSymbolicLink(
                atPath: bundle.appendingPathComponent("latest.lnk").path, withDestinationPath: "/etc/passwd")
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let registration = try registry.register(
                directory: bundle, metadata: metadata, options: .init(excludes: ["*.lnk"]))
            #expect(registration.excluded == ["latest.lnk"])
        }
    }
}
