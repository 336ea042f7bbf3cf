// An inference server's startup: open the registry read-only and locate the weights to load.
//
//   swift run example-serving REGISTRY ARTIFACT-ID
import Foundation
import ModelRegistry

@main
struct Server {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 2, let id = ArtifactID(arguments[1]) else {
            FileHandle.standardError.write(Data("usage: example-serving REGISTRY ARTIFACT-ID\n".utf8))
            exit(64)
        }
        do {
            // Readers never lock and never block writers; the async API keeps fsync-bound work off the pool.
            let registry = try await Registry.open(at: URL(fileURLWithPath: arguments[0]), forWriting: false)
            // The loading path verifies: stamps are checked in microseconds and only changed files re-hashed; an
            // artifact whose bytes changed throws instead of being served.
            let artifact = try await registry.openForLoading(id)
            for entry in artifact.manifest.files {
                guard let url = artifact.url(for: entry.path) else { continue }
                let data = try Data(contentsOf: url, options: .alwaysMapped)  // mmap: published files never change
                print("loaded \(entry.path): \(data.count) bytes (\(entry.digest))")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }
}
