/*
 * sha256_x86.c: SHA-256 compression on the x86 SHA extensions (SHA-NI).
 *
 * Written from the Intel SHA Extensions white paper and the SDM entries for SHA256RNDS2,
 * SHA256MSG1 and SHA256MSG2. SHA256RNDS2 does two rounds on the state split as ABEF / CDGH, so the
 * eight FIPS words are shuffled into that layout once per call and back once at the end; the
 * state stays in two XMM registers across all blocks of the call.
 *
 * Only built for x86-64. The function carries its own target attribute so the package needs no
 * compiler flags; csha256.c calls it only after CPUID reports SHA, SSSE3 and SSE4.1.
 */
#include "sha256_kernels.h"

#if defined(MR_SHA256_HAVE_X86_SHA)

#include <immintrin.h>

#if defined(__clang__) || defined(__GNUC__)
#define MR_TARGET_SHA __attribute__((target("sha,sse4.1,ssse3")))
#else
#define MR_TARGET_SHA
#endif

/*
 * Four rounds 4j..4j+3 with message words `m` (W[4j..4j+3]). SHA256RNDS2 takes the round inputs
 * W+K for two rounds in the low 64 bits of its third operand and returns the new ABEF; the old ABEF
 * becomes the new CDGH, so the two calls alternate the roles of the `abef` and `cdgh` variables and
 * end with them back in place.
 */
#define FOUR_ROUNDS(m, j)                                                                              \
    do {                                                                                               \
        __m128i wk_ = _mm_add_epi32((m), _mm_load_si128((const __m128i *)(k + 4 * (j))));             \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk_);                                                 \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk_, 0x0E));                        \
    } while (0)

/*
 * Message schedule. Four registers hold a sliding window of 16 words. After group j uses `cur`
 * (W[4j..4j+3]), `next` (which already holds W[t-16] + σ0(W[t-15]) from SHA256MSG1) receives
 * W[t-7] via PALIGNR and σ1 via SHA256MSG2, becoming W[4j+4..4j+7]; then `prev` starts its own
 * SHA256MSG1 step for group j+3.
 */
#define NEXT_WORDS(next, cur, prev)                                                                    \
    (next) = _mm_sha256msg2_epu32(_mm_add_epi32((next), _mm_alignr_epi8((cur), (prev), 4)), (cur))
#define START_WORDS(prev, cur) (prev) = _mm_sha256msg1_epu32((prev), (cur))

MR_TARGET_SHA
void mr_sha256_blocks_x86_sha(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
    const uint32_t *k = mr_sha256_round_constants;
    /* Byte-swaps each 32-bit lane: the message is big-endian. */
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

    if (nblocks == 0) return;

    /* state[0..3] = a b c d, state[4..7] = e f g h (lane 0 first). Build ABEF and CDGH, lane 3 first. */
    __m128i lo = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hi = _mm_loadu_si128((const __m128i *)&state[4]);
    lo = _mm_shuffle_epi32(lo, 0xB1);                     /* lanes: b a d c */
    hi = _mm_shuffle_epi32(hi, 0x1B);                     /* lanes: h g f e */
    __m128i abef = _mm_alignr_epi8(lo, hi, 8);            /* lanes: f e b a */
    __m128i cdgh = _mm_blend_epi16(hi, lo, 0xF0);         /* lanes: h g d c */

    do {
        const __m128i abef_in = abef;
        const __m128i cdgh_in = cdgh;

        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 0)), bswap);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 16)), bswap);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 32)), bswap);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 48)), bswap);

        FOUR_ROUNDS(m0, 0);
        FOUR_ROUNDS(m1, 1);  START_WORDS(m0, m1);
        FOUR_ROUNDS(m2, 2);  START_WORDS(m1, m2);
        FOUR_ROUNDS(m3, 3);  NEXT_WORDS(m0, m3, m2); START_WORDS(m2, m3);
        FOUR_ROUNDS(m0, 4);  NEXT_WORDS(m1, m0, m3); START_WORDS(m3, m0);
        FOUR_ROUNDS(m1, 5);  NEXT_WORDS(m2, m1, m0); START_WORDS(m0, m1);
        FOUR_ROUNDS(m2, 6);  NEXT_WORDS(m3, m2, m1); START_WORDS(m1, m2);
        FOUR_ROUNDS(m3, 7);  NEXT_WORDS(m0, m3, m2); START_WORDS(m2, m3);
        FOUR_ROUNDS(m0, 8);  NEXT_WORDS(m1, m0, m3); START_WORDS(m3, m0);
        FOUR_ROUNDS(m1, 9);  NEXT_WORDS(m2, m1, m0); START_WORDS(m0, m1);
        FOUR_ROUNDS(m2, 10); NEXT_WORDS(m3, m2, m1); START_WORDS(m1, m2);
        FOUR_ROUNDS(m3, 11); NEXT_WORDS(m0, m3, m2); START_WORDS(m2, m3);
        FOUR_ROUNDS(m0, 12); NEXT_WORDS(m1, m0, m3); START_WORDS(m3, m0);
        FOUR_ROUNDS(m1, 13); NEXT_WORDS(m2, m1, m0);
        FOUR_ROUNDS(m2, 14); NEXT_WORDS(m3, m2, m1);
        FOUR_ROUNDS(m3, 15);

        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
        blocks += 64;
    } while (--nblocks);

    /* Back to FIPS order. */
    lo = _mm_shuffle_epi32(abef, 0x1B);                   /* lanes: a b e f */
    hi = _mm_shuffle_epi32(cdgh, 0xB1);                   /* lanes: g h c d */
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(lo, hi, 0xF0)); /* a b c d */
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(hi, lo, 8));   /* e f g h */
}

#endif /* MR_SHA256_HAVE_X86_SHA */

#if !defined(MR_SHA256_HAVE_X86_SHA)
typedef int mr_sha256_x86_unused; /* keeps the translation unit non-empty (ISO C) on other targets */
#endif
