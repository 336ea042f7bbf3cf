/*
 * sha256_portable.c: the SHA-256 compression function in plain C (FIPS 180-4 §6.2.2).
 *
 * Used when the CPU has no SHA instructions, and by the tests as the reference for the accelerated
 * kernels. The 64 rounds are unrolled in groups of 16 with the working variables renamed by macro
 * arguments instead of shuffled, and the message schedule is kept in a rolling 16-word window.
 */
#include "sha256_kernels.h"

#if defined(_MSC_VER) && !defined(__clang__)
#define MR_ALIGN16 __declspec(align(16))
#else
#define MR_ALIGN16 __attribute__((aligned(16)))
#endif

MR_ALIGN16 const uint32_t mr_sha256_round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROTR((x), 2) ^ ROTR((x), 13) ^ ROTR((x), 22))
#define BSIG1(x) (ROTR((x), 6) ^ ROTR((x), 11) ^ ROTR((x), 25))
#define SSIG0(x) (ROTR((x), 7) ^ ROTR((x), 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR((x), 17) ^ ROTR((x), 19) ^ ((x) >> 10))
/* Ch and Maj in forms with one fewer operation than the textbook ones; same truth tables. */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* One round: the caller rotates the roles of a..h by passing them in a different order. */
#define ROUND(a, b, c, d, e, f, g, h, k, w)                                                           \
    do {                                                                                              \
        uint32_t t1 = (h) + BSIG1(e) + CH((e), (f), (g)) + (k) + (w);                                 \
        (d) += t1;                                                                                    \
        (h) = t1 + BSIG0(a) + MAJ((a), (b), (c));                                                     \
    } while (0)

/* W[t] for t >= 16, computed in place in the 16-word window: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]. */
#define SCHEDULE(i) (w[(i)&15] += SSIG1(w[((i) + 14) & 15]) + w[((i) + 9) & 15] + SSIG0(w[((i) + 1) & 15]))

/* Sixteen rounds starting at constant index `base`; `W(i)` yields the message word for round base+i. */
#define SIXTEEN_ROUNDS(base, W)                                                                       \
    ROUND(a, b, c, d, e, f, g, h, k[(base) + 0], W(0));                                               \
    ROUND(h, a, b, c, d, e, f, g, k[(base) + 1], W(1));                                               \
    ROUND(g, h, a, b, c, d, e, f, k[(base) + 2], W(2));                                               \
    ROUND(f, g, h, a, b, c, d, e, k[(base) + 3], W(3));                                               \
    ROUND(e, f, g, h, a, b, c, d, k[(base) + 4], W(4));                                               \
    ROUND(d, e, f, g, h, a, b, c, k[(base) + 5], W(5));                                               \
    ROUND(c, d, e, f, g, h, a, b, k[(base) + 6], W(6));                                               \
    ROUND(b, c, d, e, f, g, h, a, k[(base) + 7], W(7));                                               \
    ROUND(a, b, c, d, e, f, g, h, k[(base) + 8], W(8));                                               \
    ROUND(h, a, b, c, d, e, f, g, k[(base) + 9], W(9));                                               \
    ROUND(g, h, a, b, c, d, e, f, k[(base) + 10], W(10));                                             \
    ROUND(f, g, h, a, b, c, d, e, k[(base) + 11], W(11));                                             \
    ROUND(e, f, g, h, a, b, c, d, k[(base) + 12], W(12));                                             \
    ROUND(d, e, f, g, h, a, b, c, k[(base) + 13], W(13));                                             \
    ROUND(c, d, e, f, g, h, a, b, k[(base) + 14], W(14));                                             \
    ROUND(b, c, d, e, f, g, h, a, k[(base) + 15], W(15))

#define LOADED(i) (w[(i)] = load_be32(block + 4 * (i)))
#define SCHEDULED(i) SCHEDULE(i)

void mr_sha256_blocks_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
    const uint32_t *k = mr_sha256_round_constants;
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    uint32_t w[16];

    for (size_t n = 0; n < nblocks; n++) {
        const uint8_t *block = blocks + 64 * n;

        SIXTEEN_ROUNDS(0, LOADED);
        SIXTEEN_ROUNDS(16, SCHEDULED);
        SIXTEEN_ROUNDS(32, SCHEDULED);
        SIXTEEN_ROUNDS(48, SCHEDULED);

        a = state[0] += a;
        b = state[1] += b;
        c = state[2] += c;
        d = state[3] += d;
        e = state[4] += e;
        f = state[5] += f;
        g = state[6] += g;
        h = state[7] += h;
    }
}
