import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes `text` and a newline to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Entry point: parse, call the library, print, map outcomes to exit codes 0 / 1 / 64.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    try CommandLineTool.run(arguments)
    exit(0)
} catch let request as HelpRequested {
    do {
        print(try CommandLineTool.helpText(for: request.command))
        exit(0)
    } catch {
        printError("error: \(error)\nsee 'modelreg help'")
        exit(64)
    }
} catch let error as UsageError {
    // Without a command (an unknown one, or a stray option before it) the usage line says what was expected.
    let usage = error.command == nil ? "\nUSAGE: modelreg <command> [options]" : ""
    printError("error: \(error.description)\(usage)\nsee 'modelreg help\(error.command.map { " " + $0 } ?? "")'")
    exit(64)
} catch let failure as CommandFailure {
    printError("error: \(failure.message)")
    exit(failure.exitStatus)
} catch let error as RegistryError {
    printError("error: \(error.description)")
    if ProcessInfo.processInfo.environment["MODELREG_VERBOSE"] != nil {
        printError(error.detailedDescription())
    }
    exit(1)
} catch {
    printError("error: \(error)")
    exit(1)
}
