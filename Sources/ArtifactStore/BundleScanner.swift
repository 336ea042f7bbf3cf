import Foundation
import RegistryCore

/// Walks a source bundle directory and lists its regular files with their bundle paths.
///
/// Refuses, with an error naming the offending path: names that are not valid UTF-8, symbolic links (unless
/// following them was asked for), sockets, FIFOs and devices, and directory cycles through followed links.
enum BundleScanner {
    /// The files of a bundle and the paths left out by `exclusions` (directories with a trailing `/`).
    struct Listing {
        var files: [FileArtifactStore.SourceFile] = []
        var excluded: [String] = []
    }

    static func scan(directory: URL, followSymlinks: Bool, skipReserved: Bool = false) throws -> [FileArtifactStore
        .SourceFile]
    {
        try scan(directory: directory, followSymlinks: followSymlinks, skipReserved: skipReserved, exclusions: nil)
            .files
    }

    static func scan(
        directory: URL, followSymlinks: Bool, skipReserved: Bool = false, exclusions: ExclusionRules?
    ) throws -> Listing {
        let root = directory.standardizedFileURL.path
        guard let info = try FileSystem.status(root, followLinks: true) else {
            throw RegistryError(.notFound, "source directory '\(root)' does not exist", path: root)
        }
        guard info.kind == .directory else {
            throw RegistryError(.invalidArgument, "source '\(root)' is not a directory", path: root)
        }
        var listing = Listing()
        var visited: Set<[UInt64]> = []
        try walk(
            root, relative: "", followSymlinks: followSymlinks, skipReserved: skipReserved, exclusions: exclusions,
            visited: &visited, into: &listing)
        return listing
    }

    private static func walk(
        _ path: String, relative: String, followSymlinks: Bool, skipReserved: Bool, exclusions: ExclusionRules?,
        visited: inout Set<[UInt64]>, into listing: inout Listing
    ) throws {
        guard let info = try FileSystem.status(path, followLinks: true) else {
            throw RegistryError(.notFound, "source directory '\(path)' disappeared while it was being read", path: path)
        }
        let key = [info.device, info.inode]
        guard visited.insert(key).inserted else {
            throw RegistryError(
                .invalidPath, "source directory '\(path)' is reached twice through symbolic links (a cycle)", path: path
            )
        }
        for entry in try FileSystem.listDirectory(path) {
            if skipReserved && relative.isEmpty, let name = entry.name, BundlePath.reservedTopLevelNames.contains(name)
            {
                continue
            }
            guard let name = entry.name else {
                let escaped = entry.nameBytes.map {
                    $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16)
                }.joined()
                throw RegistryError(
                    .invalidPath, "'\(path)' contains a file name that is not valid UTF-8: '\(escaped)'", path: path)
            }
            let child = path + "/" + name
            let bundlePath = relative.isEmpty ? name : relative + "/" + name
            guard let status = try FileSystem.status(child) else { continue }  // removed while scanning
            var kind = status.kind
            // Checked before links are refused, so an excluded link never stops a registration.
            if let exclusions, exclusions.excludes(bundlePath, isDirectory: kind == .directory) {
                listing.excluded.append(kind == .directory ? bundlePath + "/" : bundlePath)
                continue
            }
            if kind == .symbolicLink {
                guard followSymlinks else {
                    throw RegistryError(
                        .symlinkRefused,
                        "'\(child)' is a symbolic link; links are refused by default because they can pull in files "
                            + "from outside the bundle (pass followSymlinks / --follow-symlinks to follow them)",
                        path: child)
                }
                guard let target = try FileSystem.status(child, followLinks: true) else {
                    throw RegistryError(.notFound, "symbolic link '\(child)' points at nothing", path: child)
                }
                kind = target.kind
            }
            if status.kind == .symbolicLink, kind == .directory, let exclusions,
                exclusions.excludes(bundlePath, isDirectory: true)
            {
                listing.excluded.append(bundlePath + "/")
                continue
            }
            switch kind {
            case .directory:
                try walk(
                    child, relative: bundlePath, followSymlinks: followSymlinks, skipReserved: false,
                    exclusions: exclusions, visited: &visited, into: &listing)
            case .regular:
                listing.files.append(.init(source: URL(fileURLWithPath: child, isDirectory: false), path: bundlePath))
            default:
                throw RegistryError(
                    .invalidPath, "'\(child)' is not a regular file or directory (socket, FIFO or device)", path: child)
            }
        }
    }
}
