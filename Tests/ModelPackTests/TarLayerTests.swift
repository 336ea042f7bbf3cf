import Foundation
import ModelPack
import RegistryCore
import RegistryTestSupport
import Testing

/// Unpacking uncompressed tar layers (olot's and modelcar images'): files and directories only, nothing outside
/// the bundle, damaged archives refused.
@Suite struct TarLayerTests {
    /// A minimal ustar writer, independent of the reader under test.
    struct Archive {
        var bytes: [UInt8] = []

        mutating func add(
            _ name: String, type: UInt8 = UInt8(ascii: "0"), contents: [UInt8] = [], linkName: String = ""
        ) {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int, width: Int) {
                for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
            }
            put(name, at: 0, width: 100)
            put("0000644", at: 100, width: 8)
            put("0000000", at: 108, width: 8)
            put("0000000", at: 116, width: 8)
            put(Self.octal(contents.count, digits: 11), at: 124, width: 12)
            put("00000000000", at: 136, width: 12)
            header[156] = type
            put(linkName, at: 157, width: 100)
            put("ustar", at: 257, width: 6)
            put("00", at: 263, width: 2)
            for index in 148..<156 { header[index] = 0x20 }
            let sum = header.reduce(0) { $0 + Int($1) }
            put(Self.octal(sum, digits: 6), at: 148, width: 6)
            header[154] = 0
            header[155] = 0x20
            bytes += header + contents
            bytes += [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
        }

        /// `value` in octal, left-padded with zeros to `digits`.
        static func octal(_ value: Int, digits: Int) -> String {
            let text = String(value, radix: 8)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }

        /// A pax extended header giving the next entry's path.
        mutating func addPaxPath(_ path: String) {
            let record = " path=\(path)\n"
            var length = record.utf8.count + 1
            while String(length).utf8.count + record.utf8.count != length { length += 1 }
            add("PaxHeaders/x", type: UInt8(ascii: "x"), contents: Array("\(length)\(record)".utf8))
        }

        func finished() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }
    }

    func unpack(_ archive: [UInt8]) throws -> (paths: [String], directory: URL, temp: URL) {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString)")
        let out = temp.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let file = temp.appendingPathComponent("layer.tar")
        try Data(archive).write(to: file)
        do {
            return (try TarLayer.unpack(file.path, into: out.path, context: "layer"), out, temp)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }

    @Test func filesDirectoriesAndPaxPathsAreUnpacked() throws {
        var archive = Archive()
        archive.add("models/", type: UInt8(ascii: "5"))
        archive.add("/models/model.safetensors", contents: Array("weights".utf8))
        archive.add("./models/config.json", contents: [UInt8](repeating: 0x41, count: 1000))
        let long = "models/" + String(repeating: "d", count: 120) + "/tokenizer.json"
        archive.addPaxPath(long)
        archive.add("ignored-short-name", contents: Array("{}".utf8))
        let (paths, directory, temp) = try unpack(archive.finished())
        defer { try? FileManager.default.removeItem(at: temp) }
        #expect(paths == ["models/model.safetensors", "models/config.json", long])
        #expect(
            try Data(contentsOf: directory.appendingPathComponent("models/model.safetensors")) == Data("weights".utf8))
        #expect(try Data(contentsOf: directory.appendingPathComponent("models/config.json")).count == 1000)
        #expect(try Data(contentsOf: directory.appendingPathComponent(long)) == Data("{}".utf8))
    }

    @Test(arguments: ["../evil", "models/../../evil", "manifest.json"])
    func pathsEscapingTheBundleAreRefused(name: String) throws {
        var archive = Archive()
        archive.add(name, contents: [1])
        let error = try #require(throws: RegistryError.self) { try unpack(archive.finished()) }
        #expect(error.code == .invalidPath)
    }

    @Test(arguments: [
        (UInt8(ascii: "1"), RegistryError.Code.invalidDocument), (UInt8(ascii: "2"), .symlinkRefused),
        (UInt8(ascii: "3"), .unsupportedOperation), (UInt8(ascii: "6"), .unsupportedOperation),
    ])
    func linksDevicesAndFIFOsAreRefused(type: UInt8, code: RegistryError.Code) throws {
        var archive = Archive()
        archive.add("x", contents: [1])
        archive.add("y", type: type, linkName: type == UInt8(ascii: "1") ? "x" : "/etc/passwd")
        let error = try #require(throws: RegistryError.self) { try unpack(archive.finished()) }
        #expect(error.code == code)
        #expect(error.message.contains("only regular files"))
        #expect(error.message.contains("'y'"))
    }

    @Test func aPathTwiceIsRefused() throws {
        var archive = Archive()
        archive.add("a.bin", contents: [1])
        archive.add("a.bin", contents: [2])
        let error = try #require(throws: RegistryError.self) { try unpack(archive.finished()) }
        #expect(error.code == .alreadyExists)
    }

    @Test func truncatedOrDamagedArchivesAreRefused() throws {
        var archive = Archive()
        archive.add("a.bin", contents: [UInt8](repeating: 7, count: 2000))
        let truncated = Array(archive.bytes.prefix(512 + 1000))
        #expect(throws: RegistryError.self) { try unpack(truncated) }
        var damaged = archive.finished()
        damaged[10] ^= 0x01  // inside the name: the checksum no longer matches
        let error = try #require(throws: RegistryError.self) { try unpack(damaged) }
        #expect(error.message.contains("checksum"))
    }
}
