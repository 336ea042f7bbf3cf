#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of the harness itself (not of a target: a missed target is a result, never an error).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// A failed system call on `path`, with `errno`'s text.
    static func system(_ call: String, _ path: String) -> BenchError {
        BenchError("\(call) '\(path)': \(String(cString: strerror(errno)))")
    }
}
