#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension FileSystem {
    /// A temporary file for data that does not fit in memory (the query index's rebuild spills to one), read
    /// back sequentially and never published.
    ///
    /// Created as `.tmp-<pid>-<random>` in the given directory (`O_CREAT|O_EXCL`) and unlinked at once, so that
    /// no name outlives the process, even when it is killed: the space is returned when the descriptor closes. A
    /// crash between the create and the unlink leaves a `.tmp-` file that the directory's next writer removes
    /// once its creator no longer runs. Nothing is synced: the data never needs to survive a crash.
    package final class ScratchFile {
        private let file: OpenFile
        private let reportedPath: String
        private var isOpen = true
        /// The bytes written so far.
        package private(set) var length: Int64 = 0

        /// Creates and unlinks the scratch file in `directory`.
        ///
        /// - Throws: I/O errors naming the directory.
        package init(in directory: String) throws {
            let path = directory + "/" + FileSystem.uniqueName(FileSystem.temporaryPrefix)
            reportedPath = directory
            do {
                file = try OpenFile.open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            } catch {
                throw RegistryError.systemCall(error, "create a scratch file in", path: directory)
            }
            do {
                try system_unlink(path)
            } catch {
                try? file.close()
                try? removeTree(path)
                throw RegistryError.systemCall(error, "remove the scratch file's name in", path: directory)
            }
        }

        deinit {
            if isOpen { try? file.close() }
        }

        /// Appends bytes at the end.
        ///
        /// - Throws: I/O errors (a full disk) naming the directory.
        package func append(_ bytes: UnsafeRawBufferPointer) throws {
            do {
                try file.writeAll(bytes)
            } catch {
                throw RegistryError.systemCall(error, "write a scratch file in", path: reportedPath)
            }
            length += Int64(bytes.count)
        }

        /// Reads up to `buffer.count` bytes at `offset`; returns how many (fewer only at the end).
        package func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            var filled = 0
            while filled < buffer.count, let base = buffer.baseAddress {
                let got: Int
                do {
                    got = try system_pread(
                        file.fd, base + filled, buffer.count - filled, offset: offset + Int64(filled),
                        path: reportedPath)
                } catch {
                    throw RegistryError.systemCall(error, "read a scratch file in", path: reportedPath)
                }
                if got == 0 { break }
                filled += got
            }
            return filled
        }

        /// Closes (and so frees) the file.
        package func close() {
            guard isOpen else { return }
            isOpen = false
            try? file.close()
        }
    }

    /// Calls `body` with the raw name bytes of each entry of a directory (without `.` and `..`), in no particular
    /// order, without collecting them: for directories too large to hold a listing of (`artifacts/` at a million
    /// entries).
    ///
    /// - Throws: I/O errors naming the directory; what `body` throws.
    package static func forEachDirectoryEntry(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void)
        throws
    {
        try forEachTypedDirectoryEntry(path) { name, _ in try body(name) }
    }
}
