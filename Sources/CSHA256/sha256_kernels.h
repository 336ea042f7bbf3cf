/*
 * sha256_kernels.h: private interface between the streaming front end (csha256.c) and the
 * compression kernels. Not part of the module's public headers.
 */
#ifndef CSHA256_KERNELS_H
#define CSHA256_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* The 64 round constants K0..K63 of FIPS 180-4 §4.2.2, 16-byte aligned for vector loads. */
extern const uint32_t mr_sha256_round_constants[64];

/*
 * Every kernel compresses `nblocks` consecutive 64-byte blocks at `blocks` (any alignment) into
 * `state` (H0..H7 in FIPS order). `nblocks` may be 0.
 */
void mr_sha256_blocks_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks);

/*
 * The hardware kernels are assembly files (sha256_x86_64.S, sha256_aarch64.S), so they run at full
 * speed in debug builds too, where SwiftPM compiles C at -O0. They take the round constants as an
 * argument (`k` = mr_sha256_round_constants) so that the assembly needs no data relocations. Built
 * for ELF (Linux, the BSDs) and Mach-O (Apple) only: other object formats use the portable kernel.
 */
#if defined(__x86_64__) && (defined(__ELF__) || defined(__APPLE__))
#define MR_SHA256_HAVE_X86_SHA 1
void mr_sha256_blocks_x86_sha(uint32_t state[8], const uint8_t *blocks, size_t nblocks, const uint32_t k[64]);
#endif

/* x86-64 without the SHA extensions: the same rounds as the portable kernel, in plain instructions. */
#if defined(__x86_64__) && (defined(__ELF__) || defined(__APPLE__))
#define MR_SHA256_HAVE_X86_64_SCALAR 1
void mr_sha256_blocks_x86_64_scalar(uint32_t state[8], const uint8_t *blocks, size_t nblocks, const uint32_t k[64]);
#endif

#if defined(__aarch64__) && (defined(__ELF__) || defined(__APPLE__))
#define MR_SHA256_HAVE_ARMV8_CRYPTO 1
void mr_sha256_blocks_armv8(uint32_t state[8], const uint8_t *blocks, size_t nblocks, const uint32_t k[64]);
#endif

#endif /* CSHA256_KERNELS_H */
