#define _GNU_SOURCE
#include "registry_shims.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <string.h>
#include <sys/wait.h>
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

#if defined(__linux__)
#include <sys/syscall.h>
#endif

extern char **environ;

/// Closes every descriptor from `lowest` on: close_range(2) where the kernel has it, else one close per number
/// below `limit`. Only async-signal-safe calls (it runs between fork and exec).
static void mr_close_from(int lowest, long limit) {
#if defined(__linux__) && defined(SYS_close_range)
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return;
#endif
    for (long fd = lowest; fd < limit; fd++) close((int)fd);
}

int mr_spawn_detached(const char *path, char *const argv[]) {
    long limit = sysconf(_SC_OPEN_MAX);  // before fork: sysconf is not async-signal-safe
    if (limit < 0 || limit > 65536) limit = 65536;
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        // Only async-signal-safe calls from here on: the parent may have other threads.
        if (setsid() < 0) _exit(127);
        pid_t daemon = fork();
        if (daemon < 0) _exit(127);
        if (daemon > 0) _exit(0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int null = open("/dev/null", O_RDWR);
        if (null < 0) _exit(127);
        if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(127);
        mr_close_from(3, limit);
        execve(path, argv, environ);
        _exit(127);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = ECHILD;
        return -1;
    }
    return 0;
}
