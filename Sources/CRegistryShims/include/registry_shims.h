#ifndef REGISTRY_SHIMS_H
#define REGISTRY_SHIMS_H
#include <stdint.h>

/// Stores the file-system type of `path` in `*out`: Linux's statfs f_type magic number, or on Darwin
/// the first 8 bytes of f_fstypename. Returns 0, or -1 with errno set.
int mr_filesystem_type(const char *path, uint64_t *out, char *name, int name_capacity);

/// Makes `destination` a copy-on-write clone of `source` (Linux ioctl FICLONE). Returns 0, or -1 with errno set
/// (EOPNOTSUPP, EXDEV or EINVAL when the file system cannot clone). On Darwin returns -1 with ENOTSUP: use clonefile.
int mr_clone_fd(int source, int destination);

/// Starts asynchronous write-back of a byte range (Linux sync_file_range SYNC_FILE_RANGE_WRITE) so that a
/// later fsync has less to do. A no-op returning 0 where unsupported. Never a substitute for fsync.
int mr_start_writeback(int fd, int64_t offset, int64_t length);
/// Flushes the whole file system holding the open file `fd` to stable storage (Linux syncfs(2)): one call
/// instead of an fsync per file after a bulk copy. Returns 0, or -1 with errno set; ENOTSUP where the platform
/// has no such call (callers then fsync file by file).
int mr_sync_file_system(int fd);

/// Copies up to `length` bytes from the current offset of `source` to the current offset of `destination` inside
/// the kernel (Linux copy_file_range(2)). Returns the bytes copied (0 at end of file), or -1 with errno set;
/// ENOSYS, EXDEV, EINVAL or ENOTSUP mean "not possible here" and callers read and write instead.
int64_t mr_copy_range(int source, int destination, int64_t length);

/// Returns the free pages of every malloc arena to the system (glibc malloc_trim(0)), so that memory freed by other
/// threads stops counting as resident. Returns 1 when memory was released, 0 otherwise or where the C library has
/// no such call (Darwin, musl).
int mr_release_free_memory(void);

/// Starts `path` with `argv` (NULL-terminated, argv[0] included) and this process's environment as a detached
/// daemon, as `git gc --auto` does: in a new session, standard input, output and error on /dev/null, every other
/// descriptor closed, reparented to init (a double fork, so no zombie is left). Does not wait for it. Returns 0
/// once the intermediate child has exited, or -1 with errno set (fork failed, or ECHILD when the intermediate
/// child could not start the daemon).
int mr_spawn_detached(const char *path, char *const argv[]);
#endif
