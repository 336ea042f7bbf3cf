// signal-probe: a child process for MappedHashingTests. Each scenario installs the SIGBUS guard by hashing a
// mapped file, then does one thing whose outcome only a separate process can show: a SIGBUS that is not ours
// must reach whoever would have had it without us, and a host that replaces our handler must never see one
// of our faults. Prints what happened; the test reads the output and the exit status.
import Foundation
import RegistryCore
import RegistryTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

nonisolated(unsafe) var previousHandlerRuns: Int32 = 0

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("signal-probe: \(message)\n".utf8))
    exit(2)
}

/// Writes `size` SplitMix64 bytes to a new file under `directory`.
func writeFile(_ directory: String, _ name: String, size: Int) -> (path: String, bytes: [UInt8]) {
    var random = SplitMix64(seed: UInt64(size))
    let bytes = random.nextBytes(count: size)
    let path = directory + "/" + name
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fail("cannot write \(path)") }
    return (path, bytes)
}

/// Hashes a mapped file, which installs the guard's handler; checks the digest.
func primeTheGuard(_ directory: String) {
    let (path, bytes) = writeFile(directory, "prime.bin", size: Int(StreamingHasher.smallestMappedFile) * 2)
    guard let result = try? StreamingHasher.hashFile(path, algorithm: SHA256Algorithm()),
        result.digest == SHA256Algorithm().hash(bytes)
    else { fail("priming hash failed") }
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else { fail("usage: signal-probe SCENARIO DIRECTORY") }
let scenario = arguments[1]
let directory = arguments[2]

switch scenario {
case "unguarded-fault":
    // A fault outside any guarded range, in the host's own code: must kill the process as SIGBUS always did.
    primeTheGuard(directory)
    let (path, _) = writeFile(directory, "host.bin", size: 1 << 20)
    guard let file = try? OpenFile.open(path, O_RDONLY),
        let mapping = try? system_mapReadOnly(file.fd, offset: 0, length: 1 << 20, path: path)
    else { fail("cannot map") }
    _ = truncate(path, 0)
    print("touching", mapping.load(fromByteOffset: 4096, as: UInt8.self))
    print("alive")

case "sent-default":
    primeTheGuard(directory)
    raise(SIGBUS)
    print("alive")

case "sent-ignored":
    signal(SIGBUS, SIG_IGN)
    primeTheGuard(directory)
    raise(SIGBUS)
    print("alive")

case "previous-handler":
    signal(SIGBUS) { _ in previousHandlerRuns += 1 }
    primeTheGuard(directory)
    raise(SIGBUS)
    print("previous handler ran \(previousHandlerRuns) time(s)")

case "replaced-handler":
    // A crash reporter installed after us that does not chain: our faults must never reach it.
    primeTheGuard(directory)
    signal(SIGBUS) { _ in _exit(99) }
    let (path, bytes) = writeFile(directory, "weights.bin", size: 3 * StreamingHasher.mappingWindow + 5)
    guard let whole = try? StreamingHasher.hashFile(path, algorithm: SHA256Algorithm()),
        whole.digest == SHA256Algorithm().hash(bytes)
    else { fail("hashing without the guard gave a wrong digest") }
    print("read instead of mapping: digest ok")
    #if DEBUG
        FaultInjector.shared.perform({ _ = truncate(path, 4096) }, before: .read, under: path, after: 2)
        do {
            _ = try StreamingHasher.hashFile(path, algorithm: SHA256Algorithm())
            print("truncated file hashed without an error")
        } catch let error as RegistryError {
            print("truncated file: \(error.code)")
        }
    #endif

default:
    fail("unknown scenario \(scenario)")
}
