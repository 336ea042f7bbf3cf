import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How much CPU the rest of the machine used while a benchmark ran: system-wide busy time (`/proc/stat`) minus
/// this process's and its waited-for children's (`getrusage`), per second of wall time. The machine is shared,
/// so every benchmark reports it. Kernel threads (write-back, kswapd) count as "others".
struct Contention {
    private let systemBusy: Double
    private let own: Double
    private let start: ContinuousClock.Instant

    /// A snapshot now; `nil` where `/proc/stat` is missing.
    static func snapshot() -> Contention? {
        guard let busy = systemBusySeconds() else { return nil }
        return Contention(systemBusy: busy, own: ownSeconds(), start: ContinuousClock.now)
    }

    /// Average number of cores used by others since this snapshot.
    func otherCores() -> Double? {
        guard let busy = Contention.systemBusySeconds() else { return nil }
        let wall = (ContinuousClock.now - start).seconds
        guard wall > 0 else { return nil }
        return Swift.max(0, ((busy - systemBusy) - (Contention.ownSeconds() - own)) / wall)
    }

    /// user + nice + system + irq + softirq + steal of the `cpu` line, in seconds.
    private static func systemBusySeconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return nil }
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// User + system time of this process and of its children that have been waited for.
    private static func ownSeconds() -> Double {
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            #if canImport(Darwin)
                guard getrusage(who, &usage) == 0 else { return 0 }
            #else
                guard getrusage(__rusage_who_t(who), &usage) == 0 else { return 0 }
            #endif
            let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
            return user + system
        }
        #if canImport(Darwin)
            return seconds(RUSAGE_SELF) + seconds(RUSAGE_CHILDREN)
        #else
            return seconds(RUSAGE_SELF.rawValue) + seconds(RUSAGE_CHILDREN.rawValue)
        #endif
    }
}
