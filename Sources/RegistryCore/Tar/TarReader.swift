/// Reads a POSIX tar archive (ustar, pax extended headers, GNU long names) entry by entry from an open file,
/// refusing anything a registry cannot take in: symbolic links, devices, FIFOs, unknown entry types, and names
/// that would land outside the destination. One reader for every archive the registry reads — a backup
/// (FORMAT.md §14.5) and a tar layer of an OCI image (§15) — so both refuse the same things the same way.
package struct TarReader {
    /// One entry, its name made relative and checked.
    package struct Entry {
        package enum Kind { case file, directory, hardLink }
        package var kind: Kind
        /// Relative path without `./`, `..` or a leading `/`.
        package var path: String
        package var size: Int64
        package var mode: UInt32
        /// For a hard link: the relative path of the entry it links to.
        package var linkTarget: String?
    }

    package let input: OpenFile
    /// The archive's name, for messages.
    package let source: String
    package private(set) var offset: Int64 = 0
    /// Bytes of the current entry's data not yet consumed.
    private var pending: Int64 = 0
    /// Zero bytes after the current entry's data, up to the next block.
    private var pendingPadding: Int64 = 0

    /// Whether an absolute name (`/models/a.bin`) is read as relative to the destination, as image layers are
    /// (container tools strip the leading `/`), instead of refused, as a backup's are (it never writes one).
    package let relativizesAbsoluteNames: Bool

    /// A reader of `input` from its current offset (0); `source` names the archive in every error.
    package init(input: OpenFile, source: String, relativizesAbsoluteNames: Bool = false) {
        self.input = input
        self.source = source
        self.relativizesAbsoluteNames = relativizesAbsoluteNames
    }

    /// The next entry, or nil at the end-of-archive marker. The caller reads a file's data with ``copyData(to:)``
    /// (or leaves it: the next call skips it).
    ///
    /// - Throws: `.invalidDocument` for a truncated or malformed archive, `.invalidPath` for an unsafe name,
    ///   `.symlinkRefused` for a symbolic link, `.unsupportedOperation` for a device, FIFO or unknown entry type —
    ///   each naming the entry and its byte offset.
    package mutating func next() throws -> Entry? {
        try skipPending()
        var longName: String?
        var longLink: String?
        var paxSize: Int64?
        while true {
            let headerOffset = offset
            let block = try readBlock()
            guard let block else {
                throw damaged("ends at byte \(headerOffset) without the end-of-archive marker: it is truncated")
            }
            if block.allSatisfy({ $0 == 0 }) {
                // The end-of-archive marker is two zero blocks; one alone means the archive was cut there.
                guard let second = try readBlock(), second.allSatisfy({ $0 == 0 }) else {
                    throw damaged("has an incomplete end-of-archive marker at byte \(headerOffset): it is truncated")
                }
                return nil
            }
            let header = try parse(block, at: headerOffset)
            let size = paxSize ?? header.size
            switch header.typeflag {
            case TarHeader.Kind.paxLocal.rawValue, TarHeader.Kind.paxGlobal.rawValue:
                let data = try readData(header.size, at: headerOffset)
                guard header.typeflag == TarHeader.Kind.paxLocal.rawValue else { continue }  // global: defaults only
                for (key, value) in try Self.paxRecords(data, at: headerOffset, source: source) {
                    switch key {
                    case "path": longName = value
                    case "linkpath": longLink = value
                    case "size":
                        guard let value = Int64(value), value >= 0 else {
                            throw damaged(
                                "has a pax size '\(value)' that is not a size (header at byte \(headerOffset))")
                        }
                        paxSize = value
                    default: continue
                    }
                }
                continue
            case TarHeader.Kind.gnuLongName.rawValue, TarHeader.Kind.gnuLongLink.rawValue:
                let data = try readData(header.size, at: headerOffset)
                let text = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                if header.typeflag == TarHeader.Kind.gnuLongName.rawValue { longName = text } else { longLink = text }
                continue
            default: break
            }
            let rawName = longName ?? header.name
            let path = try Self.safePath(
                relativizesAbsoluteNames ? String(rawName.drop { $0 == "/" }) : rawName, entryAt: headerOffset,
                source: source)
            switch header.typeflag {
            case TarHeader.Kind.regular.rawValue, 0, TarHeader.Kind.contiguous.rawValue:
                guard let path else { throw unsafe(rawName, "names the archive's root as a file", headerOffset) }
                pending = size
                pendingPadding = Int64(TarHeader.padding(size))
                return Entry(kind: .file, path: path, size: size, mode: header.mode, linkTarget: nil)
            case TarHeader.Kind.directory.rawValue:
                pending = size
                pendingPadding = Int64(TarHeader.padding(size))
                guard let path else {
                    try skipPending()
                    continue  // "./": the destination itself
                }
                return Entry(kind: .directory, path: path, size: 0, mode: header.mode, linkTarget: nil)
            case TarHeader.Kind.hardLink.rawValue:
                let rawTarget = longLink ?? header.linkName
                guard let path, let target = try Self.safePath(rawTarget, entryAt: headerOffset, source: source) else {
                    throw unsafe(
                        rawName, "is a hard link to '\(rawTarget)', which is not inside the archive", headerOffset)
                }
                pending = size
                pendingPadding = Int64(TarHeader.padding(size))
                return Entry(kind: .hardLink, path: path, size: 0, mode: header.mode, linkTarget: target)
            case TarHeader.Kind.symbolicLink.rawValue:
                throw RegistryError(
                    .symlinkRefused,
                    "\(source): entry '\(rawName)' (byte \(headerOffset)) is a symbolic link; only regular files, "
                        + "directories and hard links are read (a link could point outside the destination)",
                    path: source)
            default:
                let kind =
                    switch header.typeflag {
                    case TarHeader.Kind.characterDevice.rawValue: "a character device"
                    case TarHeader.Kind.blockDevice.rawValue: "a block device"
                    case TarHeader.Kind.fifo.rawValue: "a FIFO"
                    default: "of unknown type '\(String(decoding: [header.typeflag], as: UTF8.self))'"
                    }
                throw RegistryError(
                    .unsupportedOperation,
                    "\(source): entry '\(rawName)' (byte \(headerOffset)) is \(kind); only regular files, "
                        + "directories and hard links are read",
                    path: source)
            }
        }
    }

    /// Copies the current file entry's data to `output`.
    package mutating func copyData(to output: OpenFile) throws {
        let size = pending
        let copied = try FileSystem.copyBytes(from: input, to: output, length: size)
        offset += copied
        pending -= copied
        guard copied == size else { throw damaged("ends inside an entry's data: it is truncated") }
        try skipPending()
    }

    private mutating func skipPending() throws {
        let padded = pending + pendingPadding
        guard padded > 0 else { return }
        let end = try input.fileStatus().size
        guard offset + padded <= end else { throw damaged("ends inside an entry's data: it is truncated") }
        offset += padded
        pending = 0
        pendingPadding = 0
        try FileSystem.seek(input, to: offset)
    }

    private mutating func readBlock() throws -> [UInt8]? {
        let bytes = try input.read(at: offset, count: TarHeader.blockSize)
        if bytes.isEmpty { return nil }
        guard bytes.count == TarHeader.blockSize else { throw damaged("ends inside a header: it is truncated") }
        offset += Int64(TarHeader.blockSize)
        try FileSystem.seek(input, to: offset)
        return bytes
    }

    private mutating func readData(_ size: Int64, at headerOffset: Int64) throws -> [UInt8] {
        guard size <= 1 << 20 else {
            throw damaged("has an extended header of \(size) bytes at byte \(headerOffset) (at most 1 MiB)")
        }
        let data = try input.read(at: offset, count: Int(size))
        guard data.count == Int(size) else { throw damaged("ends inside an extended header: it is truncated") }
        // Consume the data and its padding.
        let padded = size + Int64(TarHeader.padding(size))
        offset += padded
        try FileSystem.seek(input, to: offset)
        return data
    }

    private func parse(_ block: [UInt8], at headerOffset: Int64) throws -> TarHeader {
        let stored = Self.octal(block[148..<156])
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        guard let stored, stored == unsigned || stored == signed else {
            throw damaged("has a header with a wrong checksum at byte \(headerOffset): it is damaged or not a tar")
        }
        func text(_ range: Range<Int>) -> String {
            String(decoding: block[range].prefix { $0 != 0 }, as: UTF8.self)
        }
        var name = text(0..<100)
        let isUstar = block[257..<262].elementsEqual(Array("ustar".utf8))
        if isUstar {
            let prefix = text(345..<500)
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        guard let size = Self.size(block[124..<136]), let mode = Self.octal(block[100..<108]) else {
            throw damaged("has a header with an unreadable size or mode at byte \(headerOffset)")
        }
        return TarHeader(
            name: name, mode: UInt32(truncatingIfNeeded: mode & 0o7777), size: size, modified: 0,
            typeflag: block[156], linkName: text(157..<257))
    }

    /// An octal field (spaces and NULs around the digits), or nil when it is not one.
    static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        let digits = field.drop { $0 == 0x20 || $0 == 0 }.prefix { $0 != 0x20 && $0 != 0 }
        if digits.isEmpty { return 0 }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= 0x30 && digit <= 0x37, value < Int64.max >> 3 else { return nil }
            value = value << 3 + Int64(digit - 0x30)
        }
        return value
    }

    /// A size field: octal, or GNU's base-256 form (high bit of the first byte set) for large files.
    static func size(_ field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first, first & 0x80 != 0 else { return octal(field) }
        guard first == 0x80 else { return nil }  // negative or too large
        var value: Int64 = 0
        for byte in field.dropFirst() {
            guard value < Int64.max >> 8 else { return nil }
            value = value << 8 | Int64(byte)
        }
        return value
    }

    /// The records of a pax extended header: `"<length> <key>=<value>\n"` each.
    static func paxRecords(_ data: [UInt8], at headerOffset: Int64, source: String) throws -> [(String, String)] {
        var records: [(String, String)] = []
        var index = 0
        while index < data.count {
            if data[index] == 0 { break }
            guard let space = data[index...].firstIndex(of: 0x20),
                let length = Int(String(decoding: data[index..<space], as: UTF8.self)), length > space - index,
                index + length <= data.count, data[index + length - 1] == 0x0A,
                let equals = data[(space + 1)..<(index + length)].firstIndex(of: 0x3D)
            else {
                throw RegistryError(
                    .invalidDocument, "\(source): malformed pax extended header at byte \(headerOffset)",
                    path: source)
            }
            records.append(
                (
                    String(decoding: data[(space + 1)..<equals], as: UTF8.self),
                    String(decoding: data[(equals + 1)..<(index + length - 1)], as: UTF8.self)
                ))
            index += length
        }
        return records
    }

    /// The entry's name made relative (`./` and trailing `/` dropped); nil for the archive's root itself.
    ///
    /// - Throws: `.invalidPath` for an absolute name, a `..` component, an empty or `.` component in the middle,
    ///   a NUL or a backslash.
    static func safePath(_ raw: String, entryAt offset: Int64, source: String) throws -> String? {
        func refuse(_ why: String) -> RegistryError {
            RegistryError(
                .invalidPath, "\(source): entry '\(raw)' (byte \(offset)) \(why); nothing was taken from it",
                path: source)
        }
        if raw.hasPrefix("/") { throw refuse("has an absolute path, which would land outside the destination") }
        if raw.utf8.contains(0) || raw.contains("\\") { throw refuse("has a NUL or backslash in its name") }
        var components = raw.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while components.first == "." { components.removeFirst() }
        while components.last == "" { components.removeLast() }
        if components.isEmpty || components == ["."] { return nil }
        for component in components {
            if component == ".." { throw refuse("has a '..' component, which would land outside the destination") }
            if component.isEmpty || component == "." { throw refuse("has an empty or '.' component") }
        }
        return components.joined(separator: "/")
    }

    private func damaged(_ what: String) -> RegistryError {
        RegistryError(.invalidDocument, "\(source) \(what)", path: source)
    }

    private func unsafe(_ name: String, _ what: String, _ offset: Int64) -> RegistryError {
        RegistryError(.invalidPath, "\(source): entry '\(name)' (byte \(offset)) \(what)", path: source)
    }
}
