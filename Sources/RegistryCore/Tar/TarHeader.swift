/// One POSIX tar header block (IEEE Std 1003.1-2001 `ustar`, with `pax` extended headers for what ustar cannot
/// hold): building them for a backup's tar writer and parsing them for ``TarReader``.
package struct TarHeader {
    /// The entry types a backup writes or a restore accepts; everything else is refused by name.
    package enum Kind: UInt8 {
        case regular = 0x30  // '0'
        case hardLink = 0x31  // '1'
        case symbolicLink = 0x32  // '2'
        case characterDevice = 0x33  // '3'
        case blockDevice = 0x34  // '4'
        case directory = 0x35  // '5'
        case fifo = 0x36  // '6'
        case contiguous = 0x37  // '7': a regular file
        case paxLocal = 0x78  // 'x'
        case paxGlobal = 0x67  // 'g'
        case gnuLongName = 0x4C  // 'L'
        case gnuLongLink = 0x4B  // 'K'
    }

    package static let blockSize = 512
    /// The largest size the 11 octal digits of a ustar header hold; larger files get a pax `size` record.
    package static let maximumOctalSize: Int64 = 0o77777777777

    package var name: String
    package var mode: UInt32
    package var size: Int64
    package var modified: Int64
    package var typeflag: UInt8
    package var linkName: String

    package init(name: String, mode: UInt32, size: Int64, modified: Int64, typeflag: UInt8, linkName: String) {
        self.name = name
        self.mode = mode
        self.size = size
        self.modified = modified
        self.typeflag = typeflag
        self.linkName = linkName
    }

    /// The header block(s) for this entry: a pax extended header first when the name, link name or size do not fit
    /// ustar's fields.
    package func encoded() -> [UInt8] {
        var pax: [(String, String)] = []
        let split = Self.split(name)
        if split == nil { pax.append(("path", name)) }
        if linkName.utf8.count > 100 { pax.append(("linkpath", linkName)) }
        if size > Self.maximumOctalSize { pax.append(("size", String(size))) }
        var blocks: [UInt8] = []
        if !pax.isEmpty {
            let records = pax.flatMap { Self.paxRecord($0.0, $0.1) }
            let last = name.split(separator: "/").last.map(String.init) ?? "entry"
            let header = TarHeader(
                name: "PaxHeaders/" + String(decoding: Array(last.utf8.prefix(80)), as: UTF8.self),
                mode: 0o644, size: Int64(records.count), modified: modified, typeflag: Kind.paxLocal.rawValue,
                linkName: "")
            blocks += header.block(prefix: "", name: header.name, link: "", size: Int64(records.count))
            blocks += records + [UInt8](repeating: 0, count: Self.padding(Int64(records.count)))
        }
        let (prefix, short) = split ?? ("", String(decoding: Array(name.utf8.suffix(100)), as: UTF8.self))
        let link = linkName.utf8.count > 100 ? "" : linkName
        blocks += block(prefix: prefix, name: short, link: link, size: min(size, Self.maximumOctalSize))
        return blocks
    }

    private func block(prefix: String, name: String, link: String, size: Int64) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        func put(_ bytes: some Collection<UInt8>, at offset: Int, width: Int) {
            for (index, byte) in bytes.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            let digits = String(value, radix: 8)
            put(
                Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8), at: offset,
                width: width - 1)
        }
        put(name.utf8, at: 0, width: 100)
        octal(Int64(mode), at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(modified, at: 136, width: 12)
        block[156] = typeflag
        put(link.utf8, at: 157, width: 100)
        put(Array("ustar".utf8) + [0], at: 257, width: 6)
        put(Array("00".utf8), at: 263, width: 2)
        put(prefix.utf8, at: 345, width: 155)
        put([UInt8](repeating: 0x20, count: 8), at: 148, width: 8)
        let sum = block.reduce(0) { $0 + Int64($1) }
        let digits = String(sum, radix: 8)
        put(
            Array((String(repeating: "0", count: max(0, 6 - digits.count)) + digits).utf8) + [0, 0x20], at: 148,
            width: 8)
        return block
    }

    /// Splits a path into ustar's prefix (≤ 155 bytes) and name (≤ 100 bytes) at a slash, or nil when it cannot.
    package static func split(_ path: String) -> (prefix: String, name: String)? {
        let bytes = Array(path.utf8)
        if bytes.count <= 100 { return ("", path) }
        for index in bytes.indices where bytes[index] == 0x2F {
            let prefix = bytes[..<index]
            let rest = bytes[(index + 1)...]
            if prefix.count <= 155 && rest.count <= 100 && !rest.isEmpty {
                return (String(decoding: prefix, as: UTF8.self), String(decoding: rest, as: UTF8.self))
            }
        }
        return nil
    }

    /// One pax record, `"<length> <key>=<value>\n"`, whose decimal length counts itself.
    package static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n".utf8.count
        var length = body + 1
        while String(length).count + body != length { length += 1 }
        return Array("\(length) \(key)=\(value)\n".utf8)
    }

    /// Zero bytes that pad `size` bytes of data to a whole block.
    package static func padding(_ size: Int64) -> Int {
        Int((Int64(blockSize) - size % Int64(blockSize)) % Int64(blockSize))
    }
}
