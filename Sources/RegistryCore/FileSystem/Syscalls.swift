internal import CRegistryShims

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// One shim per system call, the only place in the package that calls POSIX for registry I/O.
// Each shim consults the debug-only fault injector first, so tests can make any call fail with a chosen
// errno (ENOSPC, EIO, EINTR …) for paths under a test's own root. Every shim retries EINTR itself unless the
// injector asked for EINTR to be surfaced, and returns the result or throws `SystemCallError`.

/// The system calls the fault injector can target.
package enum SystemCall: String, Sendable, CaseIterable {
    case open, read, write, fsync, close, rename, link, unlink, mkdir, rmdir, flock, fstat, lstat, fchmod
    case statfs, clone, opendir, ftruncate, mmap, lseek, inotify
}

/// Consults the fault injector for calls made outside this file (for example `opendir`).
package func system_check(_ call: SystemCall, path: String) throws(SystemCallError) {
    try check(call, path: path)
}

@inline(__always)
private func check(_ call: SystemCall, path: String) throws(SystemCallError) {
    #if DEBUG
        CrashPoint.countSystemCall()
        if let injected = FaultInjector.shared.fault(for: call, path: path) {
            throw SystemCallError(systemCall: call.rawValue, errno: injected)
        }
    #endif
}

@inline(__always)
private func retrying<T: BinaryInteger>(
    _ call: SystemCall, _ body: () -> T
) throws(SystemCallError) -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(systemCall: call.rawValue, errno: code)
    }
}

/// open(2): opens `path`; always adds `O_CLOEXEC`.
package func system_open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(SystemCallError) -> Int32 {
    try check(.open, path: path)
    return try retrying(.open) { open(path, flags | O_CLOEXEC, mode) }
}

/// read(2): reads up to `count` bytes; 0 means end of file.
package func system_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, path: String)
    throws(SystemCallError) -> Int
{
    try check(.read, path: path)
    return try retrying(.read) { read(fd, buffer, count) }
}

/// write(2): writes up to `count` bytes and returns how many were written.
package func system_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, path: String) throws(SystemCallError)
    -> Int
{
    try check(.write, path: path)
    return try retrying(.write) { write(fd, buffer, count) }
}

/// fsync(2), or on Darwin fcntl(F_FULLFSYNC) falling back to fsync: flushes a file to stable storage.
///
/// A failed fsync is never retried as if it had worked: after a failure the kernel may have dropped the
/// dirty pages, so the caller must fail the whole operation.
package func system_fsync(_ fd: Int32, path: String) throws(SystemCallError) {
    try check(.fsync, path: path)
    #if canImport(Darwin)
        if fcntl(fd, F_FULLFSYNC) == 0 {
            CrashPoint.countSync()
            return
        }
    #endif
    _ = try retrying(.fsync) { fsync(fd) }
    CrashPoint.countSync()
}

/// flock(2) with `LOCK_UN`, before a locked descriptor is closed. Not a crash point nor a fault to inject: it
/// changes nothing durable, and an unlock that fails leaves the lock to the close as before.
package func system_unlock(_ fd: Int32) {
    _ = flock(fd, LOCK_UN)
}

/// close(2). EINTR is not retried: on Linux the descriptor is already released.
package func system_close(_ fd: Int32, path: String) throws(SystemCallError) {
    #if DEBUG
        CrashPoint.countSystemCall()
        // A failing close(2) still releases the descriptor (and with it any flock): an injected failure does too.
        if let injected = FaultInjector.shared.fault(for: .close, path: path) {
            _ = close(fd)
            throw SystemCallError(systemCall: "close", errno: injected)
        }
    #endif
    if close(fd) != 0 && errno != EINTR {
        throw SystemCallError(systemCall: "close", errno: errno)
    }
}

/// rename(2): atomically replaces `to` with `from` (directories: only if `to` is absent or empty).
package func system_rename(_ from: String, _ to: String) throws(SystemCallError) {
    try check(.rename, path: to)
    _ = try retrying(.rename) { rename(from, to) }
}

/// link(2): creates a hard link `to` for the file `from`; fails with EEXIST if `to` exists.
package func system_link(_ from: String, _ to: String, followSymlink: Bool = false) throws(SystemCallError) {
    try check(.link, path: to)
    // linkat(AT_SYMLINK_FOLLOW) links the file a symbolic link points at; plain link(2) on Linux links the link.
    _ = try retrying(.link) { linkat(AT_FDCWD, from, AT_FDCWD, to, followSymlink ? AT_SYMLINK_FOLLOW : 0) }
}

/// unlink(2): removes a directory entry for a file.
package func system_unlink(_ path: String) throws(SystemCallError) {
    try check(.unlink, path: path)
    _ = try retrying(.unlink) { unlink(path) }
}

/// mkdir(2): creates a directory.
package func system_mkdir(_ path: String, _ mode: mode_t) throws(SystemCallError) {
    try check(.mkdir, path: path)
    _ = try retrying(.mkdir) { mkdir(path, mode) }
}

/// rmdir(2): removes an empty directory.
package func system_rmdir(_ path: String) throws(SystemCallError) {
    try check(.rmdir, path: path)
    _ = try retrying(.rmdir) { rmdir(path) }
}

/// flock(2): takes or releases an advisory whole-file lock tied to the open file description.
package func system_flock(_ fd: Int32, _ operation: Int32, path: String) throws(SystemCallError) {
    try check(.flock, path: path)
    _ = try retrying(.flock) { flock(fd, operation) }
}

/// fstat(2): metadata of an open file.
package func system_fstat(_ fd: Int32, path: String) throws(SystemCallError) -> stat {
    try check(.fstat, path: path)
    var info = stat()
    _ = try retrying(.fstat) { fstat(fd, &info) }
    return info
}

/// lstat(2): metadata of a path without following a final symbolic link.
package func system_lstat(_ path: String) throws(SystemCallError) -> stat {
    try check(.lstat, path: path)
    var info = stat()
    _ = try retrying(.lstat) { lstat(path, &info) }
    return info
}

/// stat(2): metadata of a path, following symbolic links.
package func system_stat(_ path: String) throws(SystemCallError) -> stat {
    try check(.lstat, path: path)
    var info = stat()
    _ = try retrying(.lstat) { stat(path, &info) }
    return info
}

/// fchmod(2): sets the permission bits of an open file.
package func system_fchmod(_ fd: Int32, _ mode: mode_t, path: String) throws(SystemCallError) {
    try check(.fchmod, path: path)
    _ = try retrying(.fchmod) { fchmod(fd, mode) }
}

/// ftruncate(2): sets the length of an open file.
package func system_ftruncate(_ fd: Int32, _ length: Int64, path: String) throws(SystemCallError) {
    try check(.ftruncate, path: path)
    _ = try retrying(.ftruncate) { ftruncate(fd, off_t(length)) }
}

/// lseek(2) with `SEEK_SET`: moves the file offset that the next `read` starts from.
package func system_seek(_ fd: Int32, to offset: Int64, path: String) throws(SystemCallError) {
    try check(.lseek, path: path)
    _ = try retrying(.lseek) { lseek(fd, off_t(offset), SEEK_SET) }
}

/// mmap(2): maps `length` bytes of `fd` from `offset`, read-only and shared, for hashing.
///
/// Touching a page past the file's end raises SIGBUS; only `SHA256State.updateMapped` may read the mapping.
package func system_mapReadOnly(_ fd: Int32, offset: Int64, length: Int, path: String) throws(SystemCallError)
    -> UnsafeRawBufferPointer
{
    try check(.mmap, path: path)
    guard let address = mmap(nil, length, PROT_READ, MAP_SHARED, fd, off_t(offset)), address != MAP_FAILED else {
        throw SystemCallError(systemCall: "mmap", errno: errno)
    }
    // Best effort: sequential read-ahead for this window, and start reading the next one, so that a cold file
    // is read while this window is hashed.
    _ = madvise(address, length, MADV_SEQUENTIAL)
    #if canImport(Darwin)
        var advice = radvisory(ra_offset: off_t(offset) + off_t(length), ra_count: Int32(clamping: length))
        _ = fcntl(fd, F_RDADVISE, &advice)
    #else
        _ = posix_fadvise(fd, off_t(offset) + off_t(length), off_t(length), POSIX_FADV_WILLNEED)
    #endif
    return UnsafeRawBufferPointer(start: address, count: length)
}

/// mmap(2) of a whole file, read-only and shared, for random lookups (`MADV_RANDOM`: no read-ahead, so a query
/// reads only the pages it touches). Released with ``system_unmap(_:)``.
package func system_mapForLookup(_ fd: Int32, length: Int, path: String) throws(SystemCallError)
    -> UnsafeRawBufferPointer
{
    try check(.mmap, path: path)
    guard let address = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), address != MAP_FAILED else {
        throw SystemCallError(systemCall: "mmap", errno: errno)
    }
    _ = madvise(address, length, MADV_RANDOM)
    return UnsafeRawBufferPointer(start: address, count: length)
}

/// munmap(2): releases a mapping made by ``system_mapReadOnly(_:offset:length:path:)``.
package func system_unmap(_ mapping: UnsafeRawBufferPointer) {
    guard let base = mapping.baseAddress else { return }
    _ = munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
}

/// madvise(2) `MADV_DONTNEED` on part of a read-only shared file mapping: its pages leave this process's resident
/// set (they stay in the page cache, and a later access faults them back in from there), so that reading a whole
/// mapped file once does not keep all of it resident.
package func system_dropResidentPages(_ mapping: UnsafeRawBufferPointer, _ range: Range<Int>) {
    guard let base = mapping.baseAddress, !range.isEmpty, range.upperBound <= mapping.count else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = page > 0 ? range.lowerBound - range.lowerBound % page : range.lowerBound
    _ = madvise(UnsafeMutableRawPointer(mutating: base + start), range.upperBound - start, MADV_DONTNEED)
}

/// statfs(2): which kind of file system holds `path` (Linux `f_type` magic, Darwin `f_fstypename`).
package func system_fileSystemKind(_ path: String) throws(SystemCallError) -> FileSystemKind {
    try check(.statfs, path: path)
    var magic: UInt64 = 0
    var name = [CChar](repeating: 0, count: 32)
    _ = try retrying(.statfs) { mr_filesystem_type(path, &magic, &name, Int32(name.count)) }
    #if DEBUG
        // Tests of the network-file-system refusal make a local directory look like NFS, CIFS or FUSE.
        if let injected = FileSystemKind.injectedLinuxMagic { return FileSystemKind(linuxMagic: injected) }
    #endif
    #if canImport(Darwin)
        let typeName = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return FileSystemKind(darwinTypeName: typeName)
    #else
        return FileSystemKind(linuxMagic: magic)
    #endif
}

/// ioctl(FICLONE): makes `destination` share `source`'s blocks, copy on write (Linux btrfs, XFS, bcachefs).
///
/// Throws with `EOPNOTSUPP`, `EXDEV`, `EINVAL` or `ENOTTY` when the file system cannot clone; callers then copy.
package func system_cloneFile(source: Int32, destination: Int32, destinationPath: String) throws(SystemCallError) {
    try check(.clone, path: destinationPath)
    _ = try retrying(.clone) { mr_clone_fd(source, destination) }
}

/// sync_file_range(SYNC_FILE_RANGE_WRITE) on Linux: starts write-back early so the final fsync is short.
/// Best effort: errors are ignored, because the fsync that follows is what guarantees durability.
package func system_startWriteback(_ fd: Int32, offset: Int64, length: Int64) {
    _ = mr_start_writeback(fd, offset, length)
}

/// isatty(3): whether `fd` refers to a terminal. The CLI draws progress bars only on one, and plain lines (no
/// carriage returns) into logs and pipes.
package func system_isTerminal(_ fd: Int32) -> Bool {
    isatty(fd) == 1
}

#if canImport(Darwin)
    /// clonefile(2): creates `destination` as a copy-on-write clone of `source` (APFS).
    package func system_clonefile(_ source: String, _ destination: String) throws(SystemCallError) {
        try check(.clone, path: destination)
        _ = try retrying(.clone) { clonefile(source, destination, 0) }
    }
#endif

#if os(Linux)
    /// inotify_init1(2): a new inotify instance, non-blocking and close-on-exec.
    package func system_inotifyInit() throws(SystemCallError) -> Int32 {
        try retrying(.inotify) { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
    }

    /// inotify_add_watch(2): watches `path` for the events in `mask`; adding a path again returns the same
    /// watch descriptor.
    package func system_inotifyAddWatch(_ fd: Int32, _ path: String, _ mask: UInt32) throws(SystemCallError) -> Int32 {
        try check(.inotify, path: path)
        return try retrying(.inotify) { inotify_add_watch(fd, path, mask) }
    }
#endif
