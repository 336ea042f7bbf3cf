#define _GNU_SOURCE
#include "registry_shims.h"
#include <errno.h>
#include <unistd.h>
#include <string.h>
#if defined(__linux__)
#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <linux/fs.h>
#elif defined(__APPLE__)
#include <sys/param.h>
#include <sys/mount.h>
#endif

int mr_filesystem_type(const char *path, uint64_t *out, char *name, int name_capacity) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
#if defined(__linux__)
    *out = (uint64_t)(unsigned long)info.f_type;
    if (name && name_capacity > 0) name[0] = 0;
#elif defined(__APPLE__)
    *out = 0;
    if (name && name_capacity > 0) {
        strncpy(name, info.f_fstypename, (size_t)name_capacity - 1);
        name[name_capacity - 1] = 0;
    }
#endif
    return 0;
}

int mr_clone_fd(int source, int destination) {
#if defined(__linux__) && defined(FICLONE)
    return ioctl(destination, FICLONE, source);
#else
    (void)source; (void)destination;
    errno = ENOTSUP;
    return -1;
#endif
}

int mr_start_writeback(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    return sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)length;
    return 0;
#endif
}

int mr_sync_file_system(int fd) {
#if defined(__linux__)
    return syncfs(fd);
#else
    (void)fd;
    errno = ENOTSUP;
    return -1;
#endif
}

int64_t mr_copy_range(int source, int destination, int64_t length) {
#if defined(__linux__)
    return (int64_t)copy_file_range(source, NULL, destination, NULL, (size_t)length, 0);
#else
    (void)source; (void)destination; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

int mr_release_free_memory(void) {
#if defined(__linux__) && defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}
