import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One child process run to completion: what a shell script that calls the CLI pays per call.
struct ColdRun {
    var milliseconds: Double
    /// The child's own peak resident set size (`ru_maxrss` from `wait4`), in MiB.
    var peakMiB: Double
    var exitStatus: Int32
    var outputLines: Int
}

/// Runs `executable` with `arguments`, its stdout counted and dropped, and measures wall time and the child's
/// peak RSS. The RSS comes from GNU `/usr/bin/time -f %M` when it is installed: `ru_maxrss` of a child started by
/// `posix_spawn` (which shares the parent's memory until `exec`) counts the parent's resident set too.
func runCold(_ executable: String, _ arguments: [String]) throws -> ColdRun {
    let timeTool = "/usr/bin/time"
    if FileManager.default.isExecutableFile(atPath: timeTool) {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("index-bench-rss-\(getpid())").path
        var run = try spawnCounted(timeTool, ["-o", report, "-f", "%M", executable] + arguments)
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: report)
        if let kilobytes = text.split(whereSeparator: \.isNewline).last.flatMap({ Double($0) }) {
            run.peakMiB = kilobytes / 1024
        } else {
            run.peakMiB = .nan
        }
        return run
    }
    return try spawnCounted(executable, arguments)
}

private func spawnCounted(_ executable: String, _ arguments: [String]) throws -> ColdRun {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw POSIXError(.EIO) }
    #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
    #else
        var actions = posix_spawn_file_actions_t()
    #endif
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let start = ContinuousClock.now
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    close(fds[1])
    guard spawned == 0 else {
        close(fds[0])
        throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO)
    }
    var lines = 0
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(fds[0], &buffer, buffer.count)
        if count <= 0 { break }
        lines += buffer[0..<count].filter { $0 == 0x0A }.count
    }
    close(fds[0])
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let elapsed = ContinuousClock.now - start
    return ColdRun(
        milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
        peakMiB: Double(usage.ru_maxrss) / 1024, exitStatus: (status >> 8) & 0xFF, outputLines: lines)
}
