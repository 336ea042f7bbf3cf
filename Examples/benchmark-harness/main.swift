// A benchmark harness: evaluate every artifact with a given capability and print a table.
//
//   swift run example-benchmark-harness REGISTRY [CAPABILITY]
import Foundation
import ModelRegistry

let arguments = Array(CommandLine.arguments.dropFirst())
guard let path = arguments.first else {
    FileHandle.standardError.write(Data("usage: example-benchmark-harness REGISTRY [CAPABILITY]\n".utf8))
    exit(64)
}
let capability = arguments.count > 1 ? arguments[1] : "text-classification"
do {
    let registry = try Registry.open(at: URL(fileURLWithPath: path), forWriting: false)
    print("artifact                                                                  size  name")
    for id in try registry.listArtifacts() {
        let manifest = try registry.artifact(id).manifest
        guard manifest.metadata.capabilities.contains(capability) else { continue }
        // A real harness would load the files and run its evaluation here.
        print(
            "\(id)  \(String(manifest.totalSize).padding(toLength: 8, withPad: " ", startingAt: 0))  \(manifest.metadata.name)"
        )
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
