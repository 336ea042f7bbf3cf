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
#endif
