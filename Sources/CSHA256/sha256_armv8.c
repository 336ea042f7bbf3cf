/*
 * sha256_armv8.c: SHA-256 compression on the ARMv8 Cryptography Extensions (SHA256H, SHA256H2,
 * SHA256SU0, SHA256SU1), written from the Arm Architecture Reference Manual and the ACLE.
 *
 * SHA256H/SHA256H2 do four rounds on the state held as ABCD / EFGH, so the state is used in FIPS
 * order and stays in two vector registers across all blocks of the call.
 *
 * Only built for AArch64. The function carries its own target attribute so the package needs no
 * compiler flags; csha256.c calls it only when the CPU reports SHA2 (always on Apple silicon).
 */
#include "sha256_kernels.h"

#if defined(MR_SHA256_HAVE_ARMV8_CRYPTO)

#include <arm_neon.h>

#if defined(__ARM_FEATURE_SHA2) || defined(__ARM_FEATURE_CRYPTO)
#define MR_TARGET_ARMV8_SHA2 /* already enabled for the whole file */
#elif defined(__clang__)
#define MR_TARGET_ARMV8_SHA2 __attribute__((target("sha2")))
#elif defined(__GNUC__)
#define MR_TARGET_ARMV8_SHA2 __attribute__((target("+crypto")))
#else
#define MR_TARGET_ARMV8_SHA2
#endif

/* Four rounds 4j..4j+3 with message words `m` (W[4j..4j+3]). */
#define FOUR_ROUNDS(m, j)                                                                              \
    do {                                                                                               \
        uint32x4_t wk_ = vaddq_u32((m), vld1q_u32(k + 4 * (j)));                                       \
        uint32x4_t abcd_ = abcd;                                                                       \
        abcd = vsha256hq_u32(abcd, efgh, wk_);                                                         \
        efgh = vsha256h2q_u32(efgh, abcd_, wk_);                                                       \
    } while (0)

/* W[t..t+3] for the group four ahead, from the 16-word window w0..w3 (oldest first), into `w0`. */
#define NEXT_WORDS(w0, w1, w2, w3) (w0) = vsha256su1q_u32(vsha256su0q_u32((w0), (w1)), (w2), (w3))

MR_TARGET_ARMV8_SHA2
void mr_sha256_blocks_armv8(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
    const uint32_t *k = mr_sha256_round_constants;
    uint32x4_t abcd = vld1q_u32(&state[0]);
    uint32x4_t efgh = vld1q_u32(&state[4]);

    for (; nblocks > 0; nblocks--, blocks += 64) {
        const uint32x4_t abcd_in = abcd;
        const uint32x4_t efgh_in = efgh;

        /* The message is big-endian: reverse the bytes of each 32-bit word. */
        uint32x4_t m0 = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(blocks + 0)));
        uint32x4_t m1 = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(blocks + 16)));
        uint32x4_t m2 = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(blocks + 32)));
        uint32x4_t m3 = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(blocks + 48)));

        FOUR_ROUNDS(m0, 0);  NEXT_WORDS(m0, m1, m2, m3);
        FOUR_ROUNDS(m1, 1);  NEXT_WORDS(m1, m2, m3, m0);
        FOUR_ROUNDS(m2, 2);  NEXT_WORDS(m2, m3, m0, m1);
        FOUR_ROUNDS(m3, 3);  NEXT_WORDS(m3, m0, m1, m2);
        FOUR_ROUNDS(m0, 4);  NEXT_WORDS(m0, m1, m2, m3);
        FOUR_ROUNDS(m1, 5);  NEXT_WORDS(m1, m2, m3, m0);
        FOUR_ROUNDS(m2, 6);  NEXT_WORDS(m2, m3, m0, m1);
        FOUR_ROUNDS(m3, 7);  NEXT_WORDS(m3, m0, m1, m2);
        FOUR_ROUNDS(m0, 8);  NEXT_WORDS(m0, m1, m2, m3);
        FOUR_ROUNDS(m1, 9);  NEXT_WORDS(m1, m2, m3, m0);
        FOUR_ROUNDS(m2, 10); NEXT_WORDS(m2, m3, m0, m1);
        FOUR_ROUNDS(m3, 11); NEXT_WORDS(m3, m0, m1, m2);
        FOUR_ROUNDS(m0, 12);
        FOUR_ROUNDS(m1, 13);
        FOUR_ROUNDS(m2, 14);
        FOUR_ROUNDS(m3, 15);

        abcd = vaddq_u32(abcd, abcd_in);
        efgh = vaddq_u32(efgh, efgh_in);
    }

    vst1q_u32(&state[0], abcd);
    vst1q_u32(&state[4], efgh);
}

#else
typedef int mr_sha256_armv8_unused; /* keeps the translation unit non-empty (ISO C) on other targets */
#endif /* MR_SHA256_HAVE_ARMV8_CRYPTO */
