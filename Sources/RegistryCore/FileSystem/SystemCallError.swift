#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: which call, which errno, and on what path.
///
/// Describes itself the way the C library would, for example
/// `'rename' system call failed with '(18) Invalid cross-device link'`.
public struct SystemCallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The system call's name, for example `rename`.
    public var systemCall: String
    /// The `errno` value it set.
    public var errno: Int32

    /// Creates a description of a failed call.
    public init(systemCall: String, errno: Int32) {
        self.systemCall = systemCall
        self.errno = errno
    }

    public var description: String {
        let text = strerror(errno).map { String(cString: $0) } ?? "unknown error"
        return "'\(systemCall)' system call failed with '(\(errno)) \(text)'"
    }
}
