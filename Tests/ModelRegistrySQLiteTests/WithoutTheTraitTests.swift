#if !SQLite
    import Foundation
    import ModelRegistry
    import RegistryTestSupport
    import Testing

    /// The default build (without the package trait `SQLite`) has no SQLite index: `modelreg` says so instead of
    /// silently using the files.
    @Suite struct WithoutTheSQLiteTraitTests {
        @Test func askingForTheSQLiteIndexIsAClearError() throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                _ = try Registry.create(at: root)
                let outcome = try CLIRunner.run(
                    ["find", "--registry", root.path], environment: ["MODELREG_INDEX": "sqlite"])
                #expect(outcome.status == 1)
                #expect(outcome.stderr.contains("built without the SQLite index"), "\(outcome.stderr)")
                #expect(!FileManager.default.fileExists(atPath: root.path + "/indexes/index.sqlite"))
                let files = try CLIRunner.run(
                    ["find", "--registry", root.path], environment: ["MODELREG_INDEX": "files"])
                #expect(files.status == 0, "\(files.stderr)")
            }
        }
    }
#endif
