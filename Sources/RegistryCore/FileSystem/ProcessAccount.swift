#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who this process runs as, for the audit actor when `$USER` is not set (containers, CI, systemd units).
package enum ProcessAccount {
    /// The account name of the effective user id from the password database, or nil when it has none (a
    /// container running as an id that `/etc/passwd` does not list).
    ///
    /// The corresponding C functions are `geteuid` and `getpwuid_r`.
    package static func name() -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        let status = getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil, let name = entry.pw_name else { return nil }
        let text = String(cString: name)
        return text.isEmpty ? nil : text
    }

    /// The effective user id, for `uid<N>` when the account has no name.
    ///
    /// The corresponding C function is `geteuid`.
    package static var effectiveUserID: UInt32 { UInt32(geteuid()) }
}
