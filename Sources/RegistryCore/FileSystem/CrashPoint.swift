import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Named points between the system calls of a durable write, where crash tests kill the process.
///
/// In debug builds, a process started with `MODELREG_CRASH_AT=<name>` sends itself `SIGKILL` when it reaches
/// that point — no cleanup, no buffered output. Unlike a power cut, the kernel's page cache survives, so these
/// tests check the order of the steps and what recovery does with each prefix of them, not what reaches the disk
/// (docs/GUARANTEES.md). The test then reopens the registry and checks that recovery brings it back into
/// agreement. Release builds compile the calls away.
package enum CrashPoint {
    #if DEBUG
        private static let armed: String? = ProcessInfo.processInfo.environment["MODELREG_CRASH_AT"]
    #endif

    /// Kills the process here if this point is armed.
    @inline(__always)
    package static func hit(_ name: String) {
        #if DEBUG
            if let armed, armed == name {
                kill(getpid(), SIGKILL)
            }
        #endif
    }

    /// Every crash point (documented for tests). The file-system recipes have their own; every write through
    /// the registry's commit path adds `<store>.afterStateChange` and `<store>.afterEvent` for its store.
    package static let all =
        [
            "atomic.afterTempWrite", "atomic.afterTempSync", "atomic.afterRename", "atomic.afterDirectorySync",
            "append.afterWrite", "append.afterSync", "artifact.afterStaging",
        ]
        + ["artifact", "alias", "state", "signature", "policy", "evaluation", "adoption"].flatMap {
            ["\($0).afterStateChange", "\($0).afterEvent"]
        }
        + ["pin", "collect"].flatMap { ["\($0).afterStateChange", "\($0).afterEvent"] }
        + ["collect.afterRename", "gc.afterPlan", "gc.afterFirstRemoval"]
}
