/*
 * csha256.h: streaming SHA-256 (FIPS 180-4) with hardware-accelerated compression kernels.
 *
 * The compression function runs on the x86 SHA extensions (SHA-NI) or the ARMv8 cryptography
 * extensions when the CPU has them, chosen once at run time, and on a portable C kernel otherwise. The two
 * hardware kernels are assembly (sha256_x86_64.S, sha256_aarch64.S), and so is the x86-64 kernel for CPUs
 * without the SHA extensions (sha256_x86_64_scalar.S), so debug builds, which SwiftPM compiles at -O0, hash
 * as fast as release builds.
 * RegistryCore wraps this API in `SHA256Algorithm` / `SHA256State`; nothing else should call it.
 */
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The running state of one SHA-256 computation. A plain value: copying it copies the hash so far.
 *  state     the eight working hash words H0..H7
 *  length    total number of message bytes fed so far
 *  buffer    the bytes of a partial block not yet compressed (the first `buffered` bytes are valid)
 *  buffered  number of valid bytes in `buffer`, always < 64
 */
typedef struct {
    uint32_t state[8];
    uint64_t length;
    uint8_t buffer[64];
    uint32_t buffered;
} mr_sha256_ctx;

/* Sets `ctx` to the initial SHA-256 state (the empty message). */
void mr_sha256_init(mr_sha256_ctx *ctx);

/*
 * Feeds `length` bytes at `data` into the hash. Partial blocks are buffered in `ctx`; whole blocks are
 * compressed straight from the caller's memory. `data` may be NULL when `length` is 0.
 */
void mr_sha256_update(mr_sha256_ctx *ctx, const void *data, size_t length);

/*
 * Writes the 32-byte digest of everything fed so far to `out`. Does not modify `ctx` (the padding is
 * applied to a copy), so the caller may keep updating and finalize again later.
 */
void mr_sha256_final(const mr_sha256_ctx *ctx, uint8_t out[32]);

/*
 * Feeds `length` bytes of a read-only memory mapping of a file into the hash, like mr_sha256_update, but
 * survives the file shrinking underneath: the SIGBUS raised by touching a page past the file's new end (or
 * a page the kernel could not read) inside [data, data + length) is caught on this thread. Returns 0 when
 * every byte was hashed; -1 when the mapping faulted (`ctx` is then meaningless: discard it); -2 when the
 * guard is not in place (nothing was hashed: read the file instead).
 *
 * The first call installs a process-wide SIGBUS handler with sigaction(). Every SIGBUS it does not own (a
 * fault outside a guarded range, or on another thread, or a signal sent with kill()) goes to the handler
 * that was installed before it, or to the default action. When a host later replaces the handler, every
 * call returns -2 from then on, so the host's handler never sees one of our faults.
 */
int mr_sha256_update_mapped(mr_sha256_ctx *ctx, const void *data, size_t length);

/*
 * Names the compression kernel that this thread's updates use: "x86-sha-ni", "armv8-crypto",
 * "x86-64-scalar" (x86-64 without the SHA extensions) or "portable". The returned string is static.
 */
const char *mr_sha256_implementation(void);

/* Kernel choices for mr_sha256_force_kernel. */
enum {
    /* The kernel chosen from the CPU's features (the normal case). */
    MR_SHA256_KERNEL_DETECTED = 0,
    /* The portable C kernel. */
    MR_SHA256_KERNEL_PORTABLE = 1,
    /* The kernel used without the SHA instructions: x86-64 scalar assembly, or the portable C kernel
     * where there is none. */
    MR_SHA256_KERNEL_SCALAR = 2,
};

/*
 * Test hook: forces one of the MR_SHA256_KERNEL_* kernels (any other value restores the detected one)
 * and returns the previous setting. Thread-local, so a test that flips it cannot affect code running on
 * other threads (tests run in parallel).
 */
int mr_sha256_force_kernel(int kernel);

#ifdef __cplusplus
}
#endif

#endif /* CSHA256_H */
