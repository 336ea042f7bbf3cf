import RegistryCore

/// Streams a POSIX tar archive into an open file with constant memory: headers are built per entry and file
/// contents are copied from their source descriptor (in the kernel where possible), never held whole.
struct TarWriter {
    let output: OpenFile
    /// Modification time written in every header (seconds since the epoch): the snapshot's time.
    let modified: Int64
    /// Bytes written so far.
    private(set) var offset: Int64 = 0

    init(output: OpenFile, modified: Int64) {
        self.output = output
        self.modified = modified
    }

    mutating func addDirectory(_ path: String, mode: UInt32 = 0o755) throws {
        try write(
            TarHeader(
                name: path + "/", mode: mode, size: 0, modified: modified,
                typeflag: TarHeader.Kind.directory.rawValue, linkName: ""
            ).encoded())
    }

    mutating func addBytes(_ path: String, _ bytes: [UInt8], mode: UInt32) throws {
        try write(
            TarHeader(
                name: path, mode: mode, size: Int64(bytes.count), modified: modified,
                typeflag: TarHeader.Kind.regular.rawValue, linkName: ""
            ).encoded())
        try write(bytes + [UInt8](repeating: 0, count: TarHeader.padding(Int64(bytes.count))))
    }

    /// Adds a regular file of `size` bytes read from `input`'s current position.
    ///
    /// - Throws: `.fileChanged` when the input ends before `size` bytes (it shrank during the backup).
    mutating func addFile(_ path: String, from input: OpenFile, size: Int64, mode: UInt32) throws {
        try write(
            TarHeader(
                name: path, mode: mode, size: size, modified: modified, typeflag: TarHeader.Kind.regular.rawValue,
                linkName: ""
            ).encoded())
        let copied = try FileSystem.copyBytes(from: input, to: output, length: size)
        offset += copied
        guard copied == size else {
            throw RegistryError(
                .fileChanged, "'\(input.path)' became shorter while it was being backed up", path: input.path)
        }
        try write([UInt8](repeating: 0, count: TarHeader.padding(size)))
    }

    mutating func addHardLink(_ path: String, to target: String, mode: UInt32) throws {
        try write(
            TarHeader(
                name: path, mode: mode, size: 0, modified: modified, typeflag: TarHeader.Kind.hardLink.rawValue,
                linkName: target
            ).encoded())
    }

    /// Writes the end-of-archive marker: two zero blocks.
    mutating func finish() throws {
        try write([UInt8](repeating: 0, count: 2 * TarHeader.blockSize))
    }

    private mutating func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        do {
            try output.writeAll(bytes)
        } catch let error as SystemCallError {
            throw RegistryError.systemCall(error, "write", path: output.path)
        }
        offset += Int64(bytes.count)
    }
}
