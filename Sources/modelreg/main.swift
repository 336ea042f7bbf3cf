import Foundation
import ModelRegistry

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Entry point: parse, call the library, print, map errors to exit codes 0 / 1 / 64.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    try CommandLineTool.run(arguments)
    exit(0)
} catch let error as UsageError {
    FileHandle.standardError.write(Data("error: \(error.description)\nsee 'modelreg help'\n".utf8))
    exit(64)
} catch let error as RegistryError {
    FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
    if ProcessInfo.processInfo.environment["MODELREG_VERBOSE"] != nil {
        FileHandle.standardError.write(Data((error.detailedDescription() + "\n").utf8))
    }
    exit(1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
