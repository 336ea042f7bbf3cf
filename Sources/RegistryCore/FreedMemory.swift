internal import CRegistryShims

/// Hands memory the process has freed back to the operating system, where the C library would otherwise keep it.
///
/// glibc keeps a freed block in the arena of the thread that allocated it, and gives an arena's free pages back
/// only from its top. A phase that built large structures on other threads (a rebuild's log facts and batches of
/// manifests) therefore leaves them resident after freeing them, and the next phase's allocations on another
/// thread cannot reuse them: the peak resident size is the sum of both phases. Called between such phases. A
/// no-op where the C library has no such call (Darwin returns free pages by itself; musl has none).
package enum FreedMemory {
    /// Returns the free pages of every malloc arena to the system (`malloc_trim(0)`).
    ///
    /// - Complexity: a walk over the free blocks of every arena; milliseconds after a large phase.
    package static func returnToSystem() {
        _ = mr_release_free_memory()
    }
}
