/*
 * sha512.c: SHA-512 as specified in FIPS 180-4 (sections 4.1.3, 4.2.3, 5.1.2, 5.3.5, 6.4).
 *
 * Straightforward portable C: Ed25519 hashes short inputs (a seed, a nonce prefix plus the message), and
 * the message is hashed twice per signature, so this is fast enough without SIMD kernels.
 */
#include "ced25519.h"

#include <string.h>

#include "wipe.h"

/*
 * Initial hash value (FIPS 180-4 section 5.3.5): the first 64 bits of the fractional parts of the square
 * roots of the first eight primes. Generated as isqrt(p << 128) mod 2^64.
 */
static const uint64_t initial_state[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/*
 * Round constants (FIPS 180-4 section 4.2.3): the first 64 bits of the fractional parts of the cube roots
 * of the first eighty primes. Generated as icbrt(p << 192) mod 2^64.
 */
static const uint64_t round_constants[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static inline uint64_t rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

static inline uint64_t load_be64(const uint8_t *p) {
    return ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) | ((uint64_t)p[2] << 40) | ((uint64_t)p[3] << 32) |
           ((uint64_t)p[4] << 24) | ((uint64_t)p[5] << 16) | ((uint64_t)p[6] << 8) | (uint64_t)p[7];
}

static inline void store_be64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Section 4.1.3: the six logical functions. */
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BIG_SIGMA0(x) (rotr64((x), 28) ^ rotr64((x), 34) ^ rotr64((x), 39))
#define BIG_SIGMA1(x) (rotr64((x), 14) ^ rotr64((x), 18) ^ rotr64((x), 41))
#define SMALL_SIGMA0(x) (rotr64((x), 1) ^ rotr64((x), 8) ^ ((x) >> 7))
#define SMALL_SIGMA1(x) (rotr64((x), 19) ^ rotr64((x), 61) ^ ((x) >> 6))

/* Section 6.4.2: compresses `blocks` consecutive 128-byte blocks into `state`. */
static void compress(uint64_t state[8], const uint8_t *data, size_t blocks) {
    uint64_t w[80];
    while (blocks--) {
        for (int t = 0; t < 16; t++) w[t] = load_be64(data + 8 * t);
        for (int t = 16; t < 80; t++) w[t] = SMALL_SIGMA1(w[t - 2]) + w[t - 7] + SMALL_SIGMA0(w[t - 15]) + w[t - 16];

        uint64_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint64_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 80; t++) {
            uint64_t t1 = h + BIG_SIGMA1(e) + CH(e, f, g) + round_constants[t] + w[t];
            uint64_t t2 = BIG_SIGMA0(a) + MAJ(a, b, c);
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
        data += 128;
    }
    mr_wipe(w, sizeof w);
}

void mr_sha512_init(mr_sha512_ctx *ctx) {
    memcpy(ctx->state, initial_state, sizeof initial_state);
    ctx->length = 0;
    ctx->buffered = 0;
}

void mr_sha512_update(mr_sha512_ctx *ctx, const void *data, size_t length) {
    if (length == 0) return;
    const uint8_t *bytes = (const uint8_t *)data;
    ctx->length += (uint64_t)length;
    if (ctx->buffered > 0) {
        size_t take = 128 - ctx->buffered;
        if (take > length) take = length;
        memcpy(ctx->buffer + ctx->buffered, bytes, take);
        ctx->buffered += (uint32_t)take;
        bytes += take;
        length -= take;
        if (ctx->buffered < 128) return;
        compress(ctx->state, ctx->buffer, 1);
        ctx->buffered = 0;
    }
    size_t whole = length / 128;
    if (whole > 0) {
        compress(ctx->state, bytes, whole);
        bytes += whole * 128;
        length -= whole * 128;
    }
    if (length > 0) {
        memcpy(ctx->buffer, bytes, length);
        ctx->buffered = (uint32_t)length;
    }
}

void mr_sha512_final(const mr_sha512_ctx *ctx, uint8_t out[64]) {
    /* Section 5.1.2: append 0x80, zeros, then the 128-bit big-endian message length in bits. */
    uint64_t state[8];
    uint8_t block[256];
    memcpy(state, ctx->state, sizeof state);
    size_t used = ctx->buffered;
    memcpy(block, ctx->buffer, used);
    block[used++] = 0x80;
    size_t total = used <= 112 ? 128 : 256;
    memset(block + used, 0, total - used);
    store_be64(block + total - 16, ctx->length >> 61);
    store_be64(block + total - 8, ctx->length << 3);
    compress(state, block, total / 128);
    for (int i = 0; i < 8; i++) store_be64(out + 8 * i, state[i]);
    /* The message may be secret (Ed25519 hashes the seed and the nonce prefix): clear the copies. */
    mr_wipe(block, sizeof block);
    mr_wipe(state, sizeof state);
}

void mr_sha512(uint8_t out[64], const void *data, size_t length) {
    mr_sha512_ctx ctx;
    mr_sha512_init(&ctx);
    mr_sha512_update(&ctx, data, length);
    mr_sha512_final(&ctx, out);
    mr_wipe(&ctx, sizeof ctx);
}
