/*
 * csha256.c: the streaming front end (init / update / final) and the run-time choice of kernel.
 *
 * FIPS 180-4 §5.1.1 padding, §5.3.3 initial value. Whole blocks are compressed straight from the
 * caller's memory; only a partial block at either end of an update goes through ctx->buffer.
 */
#include "csha256.h"
#include "sha256_kernels.h"

#include <string.h>

#if defined(MR_SHA256_HAVE_X86_SHA)
#include <cpuid.h>
#elif defined(MR_SHA256_HAVE_ARMV8_CRYPTO)
#if defined(__APPLE__)
#include <sys/sysctl.h>
#elif defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1UL << 6) /* arch/arm64/include/uapi/asm/hwcap.h */
#endif
#endif
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#define MR_THREAD_LOCAL __declspec(thread)
#else
#define MR_THREAD_LOCAL _Thread_local
#endif

/* ---- Kernel selection ---------------------------------------------------------------------- */

/* KERNEL_PORTABLE and KERNEL_SCALAR are the public MR_SHA256_KERNEL_* values. */
enum {
    KERNEL_UNKNOWN = 0,
    KERNEL_PORTABLE = MR_SHA256_KERNEL_PORTABLE,
    KERNEL_SCALAR = MR_SHA256_KERNEL_SCALAR,
    KERNEL_ACCELERATED = 3,
};

/*
 * The detected kernel, computed on first use. Detection is idempotent and the value is a single
 * int, so racing threads at worst both run CPUID and store the same answer; relaxed atomics keep the
 * access well defined without ordering costs.
 */
static int detected_kernel = KERNEL_UNKNOWN;

/* Test hook state (mr_sha256_force_kernel): per thread so parallel tests cannot see each other. */
static MR_THREAD_LOCAL int forced_kernel = MR_SHA256_KERNEL_DETECTED;

/* The best kernel without the SHA instructions: scalar assembly where there is one, else the C code. */
static int fallback_kernel(void) {
#if defined(MR_SHA256_HAVE_X86_64_SCALAR)
    return KERNEL_SCALAR;
#else
    return KERNEL_PORTABLE;
#endif
}

static int detect_kernel(void) {
#if defined(MR_SHA256_HAVE_X86_SHA)
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return fallback_kernel();
    const int has_ssse3 = (ecx >> 9) & 1;
    const int has_sse41 = (ecx >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return fallback_kernel();
    const int has_sha = (ebx >> 29) & 1;
    return (has_ssse3 && has_sse41 && has_sha) ? KERNEL_ACCELERATED : fallback_kernel();
#elif defined(MR_SHA256_HAVE_ARMV8_CRYPTO)
#if defined(__ARM_FEATURE_SHA2) || defined(__ARM_FEATURE_CRYPTO)
    return KERNEL_ACCELERATED; /* the compiler was told every target CPU has it */
#elif defined(__APPLE__)
    /* Every Apple silicon CPU has FEAT_SHA256; ask anyway so a surprise falls back safely. */
    int value = 0;
    size_t size = sizeof(value);
    if (sysctlbyname("hw.optional.arm.FEAT_SHA256", &value, &size, NULL, 0) != 0) return KERNEL_ACCELERATED;
    return value ? KERNEL_ACCELERATED : KERNEL_PORTABLE;
#elif defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_SHA2) ? KERNEL_ACCELERATED : KERNEL_PORTABLE;
#else
    return KERNEL_PORTABLE;
#endif
#else
    return fallback_kernel();
#endif
}

static int current_kernel(void) {
    if (forced_kernel == MR_SHA256_KERNEL_PORTABLE) return KERNEL_PORTABLE;
    if (forced_kernel == MR_SHA256_KERNEL_SCALAR) return fallback_kernel();
    int kernel = __atomic_load_n(&detected_kernel, __ATOMIC_RELAXED);
    if (kernel == KERNEL_UNKNOWN) {
        kernel = detect_kernel();
        __atomic_store_n(&detected_kernel, kernel, __ATOMIC_RELAXED);
    }
    return kernel;
}

static void compress(int kernel, uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
#if defined(MR_SHA256_HAVE_X86_SHA)
    if (kernel == KERNEL_ACCELERATED) {
        mr_sha256_blocks_x86_sha(state, blocks, nblocks, mr_sha256_round_constants);
        return;
    }
#elif defined(MR_SHA256_HAVE_ARMV8_CRYPTO)
    if (kernel == KERNEL_ACCELERATED) {
        mr_sha256_blocks_armv8(state, blocks, nblocks, mr_sha256_round_constants);
        return;
    }
#endif
#if defined(MR_SHA256_HAVE_X86_64_SCALAR)
    if (kernel == KERNEL_SCALAR) {
        mr_sha256_blocks_x86_64_scalar(state, blocks, nblocks, mr_sha256_round_constants);
        return;
    }
#endif
    (void)kernel;
    mr_sha256_blocks_portable(state, blocks, nblocks);
}

const char *mr_sha256_implementation(void) {
    switch (current_kernel()) {
    case KERNEL_ACCELERATED:
#if defined(MR_SHA256_HAVE_X86_SHA)
        return "x86-sha-ni";
#elif defined(MR_SHA256_HAVE_ARMV8_CRYPTO)
        return "armv8-crypto";
#else
        break;
#endif
    case KERNEL_SCALAR:
        return "x86-64-scalar";
    default:
        break;
    }
    return "portable";
}

int mr_sha256_force_kernel(int kernel) {
    const int previous = forced_kernel;
    forced_kernel = (kernel == MR_SHA256_KERNEL_PORTABLE || kernel == MR_SHA256_KERNEL_SCALAR)
        ? kernel
        : MR_SHA256_KERNEL_DETECTED;
    return previous;
}

/* ---- Streaming ----------------------------------------------------------------------------- */

static void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void mr_sha256_init(mr_sha256_ctx *ctx) {
    static const uint32_t initial[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(ctx->state, initial, sizeof(initial));
    ctx->length = 0;
    memset(ctx->buffer, 0, sizeof(ctx->buffer));
    ctx->buffered = 0;
}

void mr_sha256_update(mr_sha256_ctx *ctx, const void *data, size_t length) {
    const uint8_t *bytes = (const uint8_t *)data;
    if (length == 0) return;
    ctx->length += (uint64_t)length;

    if (ctx->buffered != 0) {
        const size_t room = 64 - (size_t)ctx->buffered;
        if (length < room) {
            memcpy(ctx->buffer + ctx->buffered, bytes, length);
            ctx->buffered += (uint32_t)length;
            return;
        }
        memcpy(ctx->buffer + ctx->buffered, bytes, room);
        compress(current_kernel(), ctx->state, ctx->buffer, 1);
        ctx->buffered = 0;
        bytes += room;
        length -= room;
    }

    if (length >= 64) {
        const size_t nblocks = length / 64;
        compress(current_kernel(), ctx->state, bytes, nblocks);
        bytes += nblocks * 64;
        length -= nblocks * 64;
    }

    if (length != 0) {
        memcpy(ctx->buffer, bytes, length);
        ctx->buffered = (uint32_t)length;
    }
}

void mr_sha256_final(const mr_sha256_ctx *ctx, uint8_t out[32]) {
    uint32_t state[8];
    uint8_t tail[128];
    const size_t used = ctx->buffered & 63; /* always < 64; the mask only guards a corrupted ctx */
    /* The 0x80 marker and the 8-byte length must fit; otherwise the padding spills into a second block. */
    const size_t tail_length = (used + 1 + 8 <= 64) ? 64 : 128;
    const uint64_t bit_length = ctx->length << 3;

    memcpy(state, ctx->state, sizeof(state));
    memcpy(tail, ctx->buffer, used);
    tail[used] = 0x80;
    memset(tail + used + 1, 0, tail_length - 8 - (used + 1));
    store_be32(tail + tail_length - 8, (uint32_t)(bit_length >> 32));
    store_be32(tail + tail_length - 4, (uint32_t)bit_length);

    compress(current_kernel(), state, tail, tail_length / 64);

    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, state[i]);
}
