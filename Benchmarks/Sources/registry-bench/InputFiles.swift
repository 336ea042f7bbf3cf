import RegistryTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Creates the input files, each once per run of the program; later requests for the same name reuse it.
///
/// Files are written and `fsync`ed before any timing starts, and stay in the page cache: warm cache is the spec.
final class InputFiles {
    let directory: String
    private var created: [String: Int64] = [:]

    init(directory: String) { self.directory = directory }

    /// The path of `name` (`size` bytes from `seed`), generating it on first use.
    func file(_ name: String, size: Int64, seed: UInt64) throws -> String {
        let path = directory + "/" + name
        if let existing = created[name] {
            precondition(existing == size, "input '\(name)' requested with two sizes")
            return path
        }
        let clock = ContinuousClock()
        let start = clock.now
        try InputFiles.generate(path, size: size, seed: seed)
        created[name] = size
        Progress.say("generated \(path) (\(Format.size(size))) in \(Format.duration((clock.now - start).seconds))")
        return path
    }

    /// Deletes `name` if it was generated (big inputs are removed as soon as their benchmark is done).
    func remove(_ name: String) {
        guard created.removeValue(forKey: name) != nil else { return }
        unlink(directory + "/" + name)
    }

    /// Writes `size` SplitMix64 bytes to a new file at `path` in 1 MiB buffers, then `fsync`s it: the package's
    /// generator (`RegistryTestSupport.SplitMix64`, Steele, Lea, Flood 2014), tiny, fast and deterministic, and
    /// incompressible enough that no layer can shortcut the bytes.
    static func generate(_ path: String, size: Int64, seed: UInt64) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BenchError.system("open", path) }
        defer { close(fd) }
        var random = SplitMix64(seed: seed)
        let chunk = 1 << 20
        let words = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: chunk / 8)
        defer { words.deallocate() }
        var remaining = size
        while remaining > 0 {
            for index in words.indices { words[index] = random.next() }
            let count = Int(min(Int64(chunk), remaining))
            try writeAll(fd, UnsafeRawBufferPointer(start: words.baseAddress, count: count), path)
            remaining -= Int64(count)
        }
        guard fsync(fd) == 0 else { throw BenchError.system("fsync", path) }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw BenchError.system("write", path)
            }
            offset += written
        }
    }
}
