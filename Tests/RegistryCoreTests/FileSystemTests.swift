import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct FileSystemTests {
    private func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func atomicReplaceWritesTheNewContentAndLeavesNoTempFile() throws {
        try withTemporaryDirectory { temp in
            let path = temp.path + "/record.json"
            try FileSystem.atomicReplace(path, contents: Array("one".utf8))
            try FileSystem.atomicReplace(path, contents: Array("two".utf8))
            #expect(try read(path) == Array("two".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["record.json"])
        }
    }

    #if DEBUG
        @Test(arguments: [SystemCall.write, .fsync, .rename])
        func aFailedAtomicReplaceKeepsTheOldContentAndRemovesTheTempFile(call: SystemCall) throws {
            try withTemporaryDirectory { temp in
                let path = temp.path + "/record.json"
                try FileSystem.atomicReplace(path, contents: Array("old".utf8))
                let token = FaultInjector.shared.inject(call, errno: EIO, under: temp.path + "/")
                defer { FaultInjector.shared.remove(token) }
                #expect(registryErrorCode { try FileSystem.atomicReplace(path, contents: Array("new".utf8)) } == .io)
                #expect(try read(path) == Array("old".utf8))
                #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["record.json"])
            }
        }

        @Test func aFailedFsyncIsNeverReportedAsSuccess() throws {
            try withTemporaryDirectory { temp in
                let token = FaultInjector.shared.inject(.fsync, errno: EIO, under: temp.path + "/", times: 1)
                defer { FaultInjector.shared.remove(token) }
                #expect(
                    registryErrorCode { try FileSystem.append(temp.path + "/log", record: Array("x\n".utf8)) } == .io)
            }
        }

        @Test func faultsAreScopedToTheirPathPrefix() throws {
            try withTemporaryDirectory { temp in
                let token = FaultInjector.shared.inject(.write, errno: ENOSPC, under: temp.path + "/full/")
                defer { FaultInjector.shared.remove(token) }
                try FileSystem.atomicReplace(temp.path + "/fine", contents: [1])
                try FileSystem.makeDirectory(temp.path + "/full")
                let error = try #require(throws: RegistryError.self) {
                    try FileSystem.atomicReplace(temp.path + "/full/x", contents: [1])
                }
                #expect(error.code == .noSpace && error.message.contains("no space left"))
                #expect(error.message.contains(temp.path + "/full/"))
            }
        }
    #endif

    @Test func appendAddsCompleteRecordsInOrder() throws {
        try withTemporaryDirectory { temp in
            let path = temp.path + "/audit.jsonl"
            for index in 0..<50 { try FileSystem.append(path, record: Array("line \(index)\n".utf8)) }
            let lines = String(decoding: try read(path), as: UTF8.self).split(separator: "\n")
            #expect(lines.count == 50 && lines.last == "line 49")
        }
    }

    @Test func publishingOntoAnExistingDirectoryReportsItAndChangesNothing() throws {
        try withTemporaryDirectory { temp in
            let target = temp.path + "/target"
            try FileSystem.makeDirectory(target)
            try FileSystem.createFile(target + "/kept", contents: [1])
            let staging = temp.path + "/staging"
            try FileSystem.makeDirectory(staging)
            try FileSystem.createFile(staging + "/new", contents: [2])
            #expect(try FileSystem.publishDirectory(staging, to: target) == .targetExisted)
            #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["kept"])
            try FileSystem.removeTree(staging)
            #expect(try FileSystem.exists(staging) == false)
        }
    }

    @Test func removeTreeRemovesNamesThatAreNotUTF8() throws {
        try withTemporaryDirectory { temp in
            let directory = temp.path + "/tree"
            try FileSystem.makeDirectory(directory)
            let raw = (Array(directory.utf8) + Array("/bad".utf8) + [0xFF, 0]).map { CChar(bitPattern: $0) }
            let fd = open(raw, O_CREAT | O_WRONLY, 0o644)
            try #require(fd >= 0)
            close(fd)
            try FileSystem.removeTree(directory)
            #expect(try FileSystem.exists(directory) == false)
        }
    }

    @Test func createFileRefusesToOverwrite() throws {
        try withTemporaryDirectory { temp in
            try FileSystem.createFile(temp.path + "/x", contents: [1])
            #expect(registryErrorCode { try FileSystem.createFile(temp.path + "/x", contents: [2]) } == .alreadyExists)
            #expect(try read(temp.path + "/x") == [1])
        }
    }

    @Test func publishedDocumentsAreNotReadThroughSymbolicLinks() throws {
        try withTemporaryDirectory { temp in
            try FileSystem.createFile(temp.path + "/real", contents: [1])
            try FileManager.default.createSymbolicLink(
                atPath: temp.path + "/link", withDestinationPath: temp.path + "/real")
            #expect(registryErrorCode { try FileSystem.readDocument(temp.path + "/link") } == .symlinkRefused)
        }
    }

    @Test func aSecondHolderOfTheWriterLockTimesOut() throws {
        try withTemporaryDirectory { temp in
            let path = temp.path + "/writer.lock"
            // Two WriterLock objects open two file descriptions, as two processes would.
            let first = WriterLock(path: path)
            let second = WriterLock(path: path)
            try first.withLock {
                let error = try #require(throws: RegistryError.self) {
                    try second.withLock(timeout: .milliseconds(50)) {}
                }
                #expect(error.code == .lockTimeout)
                #expect(error.message.contains(path))
            }
            try second.withLock(timeout: .milliseconds(50)) {}  // released when the first holder finished
        }
    }

    @Test func networkFileSystemsAreRecognised() {
        #expect(FileSystemKind(linuxMagic: 0x6969).isNetworked)  // NFS
        #expect(FileSystemKind(linuxMagic: 0x0BD0_0BD0).isNetworked)  // Lustre
        #expect(FileSystemKind(linuxMagic: 0x4750_4653).isNetworked)  // GPFS
        #expect(FileSystemKind(linuxMagic: 0xFF53_4D42).isNetworked)  // CIFS
        #expect(!FileSystemKind(linuxMagic: 0xEF53).isNetworked)  // ext4
        #expect(!FileSystemKind(linuxMagic: 0x0102_1994).isNetworked)  // tmpfs
        #expect(FileSystemKind(darwinTypeName: "nfs").isNetworked)
        #expect(!FileSystemKind(darwinTypeName: "apfs").isNetworked)
    }

    @Test func theLocalFileSystemIsNotTreatedAsNetworked() throws {
        try withTemporaryDirectory { temp in
            let kind = try FileSystem.kind(of: temp.path)
            #expect(kind.isNetworked == false)
        }
    }
}
