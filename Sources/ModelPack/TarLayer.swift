import RegistryCore

/// Unpacks an uncompressed tar layer (ustar, pax and GNU long names) into a directory: how a ModelPack `….tar`
/// layer or a modelcar image layer (`application/vnd.oci.image.layer.v1.tar`) becomes bundle files.
///
/// Only regular files and directories are accepted; links, devices and FIFOs are refused, as is any path that
/// would escape the bundle (FORMAT.md §5.4). Streams in constant memory.
package enum TarLayer {
    private static let block = 512

    /// Unpacks `archive` into `directory` (which exists and is empty of the paths unpacked).
    ///
    /// - Parameters:
    ///   - archive: the tar file (a verified blob).
    ///   - directory: where files are created, at their bundle paths.
    ///   - context: names the layer in errors.
    /// - Returns: the bundle paths of the files created, in archive order.
    /// - Throws: `.invalidDocument` for a damaged or truncated archive or an entry type other than a file or
    ///   directory; `.invalidPath` for a path that escapes the bundle or is reserved; `.alreadyExists` for a path
    ///   the archive (or an earlier layer) already created; I/O errors.
    package static func unpack(_ archive: String, into directory: String, context: String) throws -> [String] {
        let input: OpenFile
        do {
            input = try OpenFile.openPublished(archive)
        } catch {
            throw RegistryError.systemCall(error, "open", path: archive)
        }
        return try input.closeAfter { input in
            var paths: [String] = []
            var header = [UInt8](repeating: 0, count: block)
            var paxPath: String?
            var paxSize: Int64?
            var longName: String?
            while true {
                guard try read(input, into: &header, count: block) == block else {
                    throw damaged(context, "the archive ends inside a header (no end-of-archive blocks)")
                }
                if header.allSatisfy({ $0 == 0 }) { return paths }
                try checkChecksum(header, context: context)
                let type = header[156]
                var size = try number(header[124..<136], field: "size", context: context)
                if let override = paxSize { size = override }
                switch type {
                case UInt8(ascii: "x"):
                    let records = try readData(input, size: size, context: context)
                    (paxPath, paxSize) = try parsePax(records, context: context)
                    continue
                case UInt8(ascii: "g"):
                    _ = try readData(input, size: size, context: context)
                    continue
                case UInt8(ascii: "L"):
                    longName = String(
                        decoding: try readData(input, size: size, context: context).prefix { $0 != 0 }, as: UTF8.self)
                    continue
                default: break
                }
                let rawName = paxPath ?? longName ?? headerName(header)
                paxPath = nil
                paxSize = nil
                longName = nil
                let path = normalized(rawName)
                switch type {
                case UInt8(ascii: "5"):
                    if !path.isEmpty {
                        try BundlePath.check(path, context: "\(context) (entry '\(rawName)')")
                        try FileSystem.makeDirectories(directory + "/" + path, inside: directory)
                    }
                    try skip(input, size: padded(size), context: context)
                case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                    try BundlePath.check(path, context: "\(context) (entry '\(rawName)')")
                    let target = directory + "/" + path
                    let parent = FileSystem.parent(of: target)
                    if parent != directory { try FileSystem.makeDirectories(parent, inside: directory) }
                    let output = try FileSystem.createForWriting(target)
                    try output.closeAfter { output in try copy(input, to: output, size: size, context: context) }
                    paths.append(path)
                default:
                    throw RegistryError(
                        .invalidDocument,
                        "\(context): entry '\(rawName)' has tar type '\(String(UnicodeScalar(type)))'; only regular "
                            + "files and directories can enter a bundle (links, devices and FIFOs cannot)")
                }
            }
        }
    }

    private static func damaged(_ context: String, _ problem: String) -> RegistryError {
        RegistryError(.invalidDocument, "\(context): not a valid tar archive: \(problem)")
    }

    /// A header's name: `prefix/name` for ustar, `name` otherwise.
    private static func headerName(_ header: [UInt8]) -> String {
        func text(_ range: Range<Int>) -> String {
            String(decoding: header[range].prefix { $0 != 0 }, as: UTF8.self)
        }
        let name = text(0..<100)
        let isUstar = header[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? text(345..<500) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    /// The bundle path of an archive path: leading `/` and `./` removed, a trailing `/` dropped.
    private static func normalized(_ name: String) -> String {
        var path = Substring(name)
        while true {
            if path.hasPrefix("/") {
                path = path.dropFirst()
            } else if path.hasPrefix("./") {
                path = path.dropFirst(2)
            } else {
                break
            }
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        return path == "." ? "" : String(path)
    }

    private static func checkChecksum(_ header: [UInt8], context: String) throws {
        let stored = try number(header[148..<156], field: "checksum", context: context)
        var sum: Int64 = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int64(byte) }
        guard stored == sum else { throw damaged(context, "a header checksum does not match (\(stored) ≠ \(sum))") }
    }

    /// An octal number field (or GNU base-256 when the high bit of the first byte is set).
    private static func number(_ field: ArraySlice<UInt8>, field name: String, context: String) throws -> Int64 {
        if let first = field.first, first & 0x80 != 0 {
            var value: Int64 = Int64(first & 0x7F)
            for byte in field.dropFirst() {
                guard value < (Int64.max >> 8) else { throw damaged(context, "the \(name) field overflows") }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var seenDigit = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard value < (Int64.max >> 3) else { throw damaged(context, "the \(name) field overflows") }
                value = value * 8 + Int64(byte - UInt8(ascii: "0"))
                seenDigit = true
            case 0, UInt8(ascii: " "):
                if seenDigit { return value }
            default:
                throw damaged(context, "the \(name) field is not an octal number")
            }
        }
        return value
    }

    /// Parses pax extended header records (`<length> <key>=<value>\n`), returning `path` and `size`.
    private static func parsePax(_ records: [UInt8], context: String) throws -> (String?, Int64?) {
        var path: String?
        var size: Int64?
        var index = 0
        while index < records.count {
            guard let space = records[index...].firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: records[index..<space], as: UTF8.self)), length > 0,
                index + length <= records.count, records[index + length - 1] == UInt8(ascii: "\n")
            else { throw damaged(context, "a pax extended header record is malformed") }
            let record = records[(space + 1)..<(index + length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                let value = String(decoding: record[(equals + 1)...], as: UTF8.self)
                if key == "path" { path = value }
                if key == "size" {
                    guard let parsed = Int64(value), parsed >= 0 else {
                        throw damaged(context, "a pax size '\(value)' is not a number")
                    }
                    size = parsed
                }
            }
            index += length
        }
        return (path, size)
    }

    private static func read(_ file: OpenFile, into buffer: inout [UInt8], count: Int) throws -> Int {
        do {
            return try buffer.withUnsafeMutableBytes { raw throws(SystemCallError) in
                try file.readFully(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]))
            }
        } catch {
            throw RegistryError.systemCall(error, "read", path: file.path)
        }
    }

    private static func padded(_ size: Int64) -> Int64 { (size + Int64(block) - 1) / Int64(block) * Int64(block) }

    /// Reads a small entry's data (pax records, a long name), at most 1 MiB.
    private static func readData(_ file: OpenFile, size: Int64, context: String) throws -> [UInt8] {
        guard size <= 1 << 20 else { throw damaged(context, "an extended header of \(size) bytes") }
        var data = [UInt8](repeating: 0, count: Int(padded(size)))
        guard try read(file, into: &data, count: data.count) == data.count else {
            throw damaged(context, "the archive is truncated")
        }
        return Array(data.prefix(Int(size)))
    }

    /// Skips exactly `size` bytes.
    private static func skip(_ file: OpenFile, size: Int64, context: String) throws {
        var remaining = size
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while remaining > 0 {
            let count = Int(min(remaining, Int64(buffer.count)))
            guard try read(file, into: &buffer, count: count) == count else {
                throw damaged(context, "the archive is truncated")
            }
            remaining -= Int64(count)
        }
    }

    /// Copies `size` bytes to `output`, then skips the padding.
    private static func copy(_ input: OpenFile, to output: OpenFile, size: Int64, context: String) throws {
        var remaining = size
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while remaining > 0 {
            let count = Int(min(remaining, Int64(buffer.count)))
            guard try read(input, into: &buffer, count: count) == count else {
                throw damaged(context, "the archive is truncated inside a file")
            }
            try buffer.withUnsafeBytes { raw in
                do {
                    try output.writeAll(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
                } catch {
                    throw RegistryError.systemCall(error, "write", path: output.path)
                }
            }
            remaining -= Int64(count)
        }
        let padding = padded(size) - size
        if padding > 0 { try skip(input, size: padding, context: context) }
    }
}
