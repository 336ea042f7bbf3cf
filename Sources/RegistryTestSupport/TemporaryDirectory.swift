import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `body` with a fresh, empty directory that is removed afterwards (read-only files included).
///
/// Each test gets its own directory, so tests can run in parallel; nothing touches the working directory.
public func withTemporaryDirectory<R>(_ body: (URL) throws -> R) throws -> R {
    let directory = try makeTemporaryDirectory()
    defer { removeTemporaryTree(directory) }
    return try body(directory)
}

/// Async variant of ``withTemporaryDirectory(_:)``.
public func withTemporaryDirectory<R>(_ body: (URL) async throws -> R) async throws -> R {
    let directory = try makeTemporaryDirectory()
    defer { removeTemporaryTree(directory) }
    return try await body(directory)
}

/// Runs `body` with a newly created registry in a temporary directory, removed afterwards.
public func withTemporaryRegistry<R>(
    configuration: Registry.Configuration = .init(), _ body: (Registry) throws -> R
) throws -> R {
    try withTemporaryDirectory { directory in
        let registry = try Registry.create(
            at: directory.appendingPathComponent("registry"), configuration: configuration)
        return try body(registry)
    }
}

/// Creates a fresh directory with mkdtemp(3), which guarantees a name no other test holds.
private func makeTemporaryDirectory() throws -> URL {
    var template = Array((FileManager.default.temporaryDirectory.path + "/modelregistry-test-XXXXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress.map { mkdtemp($0) != nil } ?? false
    }
    guard made else {
        throw RegistryError(.io, "could not create a temporary directory (errno \(errno))")
    }
    let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return URL(fileURLWithPath: path, isDirectory: true)
}

/// Removes a tree even where tests made directories read-only.
private func removeTemporaryTree(_ url: URL) {
    if let enumerator = FileManager.default.enumerator(atPath: url.path) {
        for case let relative as String in enumerator {
            let path = url.appendingPathComponent(relative).path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            }
        }
    }
    try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    try? FileManager.default.removeItem(at: url)
}
