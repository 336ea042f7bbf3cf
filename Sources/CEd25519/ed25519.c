/*
 * ed25519.c: key derivation, signing and verification for pure Ed25519 (RFC 8032 section 5.1).
 *
 * Signing: [r]B with a fixed-window, signed radix-16 multiplication over a precomputed comb of base-point
 * multiples (Bernstein, Duif, Lange, Schwabe, Yang, "High-speed high-security signatures", section 4). Each
 * of the 64 digits costs one table lookup that reads all eight entries of its row and keeps one with
 * masks, and one mixed addition; there is no early exit and no index derived from the secret.
 *
 * Verification: [S]B - [k]A with interleaved width-w NAF expansions (w = 5 for A, w = 8 for B against a
 * precomputed table of odd multiples). Everything verification touches is public, so it is variable time.
 */
#include "ced25519.h"

#include "group.h"
#include "scalar.h"
#include "tables.h"
#include "wipe.h"

/* Window width of the public key's wNAF in verification: odd multiples A, 3A, ..., 15A. */
#define A_WNAF_WIDTH 5

/* ---- Constant-time helpers ---------------------------------------------------------------------- */

/* All ones when a == b, zero otherwise, without a branch. */
static inline uint64_t ct_equal_mask(uint64_t a, uint64_t b) {
    uint64_t x = a ^ b;
    /* (x | -x) has its top bit set exactly when x != 0. */
    return ((x | (0 - x)) >> 63) - 1;
}

static inline void niels_cmov(ge_niels *t, const ge_niels *u, uint64_t mask) {
    fe_cmov(&t->yplusx, &u->yplusx, mask);
    fe_cmov(&t->yminusx, &u->yminusx, mask);
    fe_cmov(&t->xy2d, &u->xy2d, mask);
}

/*
 * t = digit * row[0] for digit in [-8, 8], where row[k] = (k + 1) P. Reads all eight entries and selects
 * with masks; the sign is applied with a masked conditional negation.
 */
static void select_niels(ge_niels *t, const ge_niels row[8], int8_t digit) {
    uint64_t bits = (uint64_t)(int64_t)digit;
    uint64_t negative = bits >> 63;
    uint64_t magnitude = (bits ^ (0 - negative)) + negative;
    ge_niels_identity(t);
    for (uint64_t k = 0; k < 8; k++) niels_cmov(t, &row[k], ct_equal_mask(magnitude, k + 1));
    /* -(x, y) = (-x, y): y + x and y - x trade places and 2dxy changes sign. */
    ge_niels minus;
    minus.yplusx = t->yminusx;
    minus.yminusx = t->yplusx;
    fe_neg(&minus.xy2d, &t->xy2d);
    niels_cmov(t, &minus, 0 - negative);
}

/*
 * h = [a]B for a 32-byte little-endian scalar with a[31] <= 127. Constant time.
 *
 * a is rewritten as sum e[i] 16^i with digits e[i] in [-8, 8) (the top one in [0, 8]). The odd-indexed
 * digits are summed first, using comb row (i-1)/2 = 256^((i-1)/2) B, and the total is multiplied by 16
 * with four doublings; then the even-indexed digits are added with row i/2.
 */
static void scalarmult_base(ge_p3 *h, const uint8_t a[32]) {
    const mr_base_tables *tables = mr_base_tables_get();
    int8_t e[64];
    for (int i = 0; i < 32; i++) {
        e[2 * i] = (int8_t)(a[i] & 15);
        e[2 * i + 1] = (int8_t)(a[i] >> 4);
    }
    /* Recentre each digit from [0, 16] to [-8, 8) and carry into the next; arithmetic only, no branch. */
    int carry = 0;
    for (int i = 0; i < 63; i++) {
        int digit = e[i] + carry;       /* in [0, 16] */
        carry = (digit + 8) >> 4;       /* 1 when digit >= 8; the operand is non-negative */
        e[i] = (int8_t)(digit - (carry << 4));
    }
    e[63] = (int8_t)(e[63] + carry);

    ge_niels t;
    ge_p1p1 r;
    ge_p2 s;
    ge_p3_identity(h);
    for (int i = 1; i < 64; i += 2) {
        select_niels(&t, tables->comb[i / 2], e[i]);
        ge_madd(&r, h, &t);
        ge_p1p1_to_p3(h, &r);
    }
    ge_p3_dbl(&r, h);
    ge_p1p1_to_p2(&s, &r);
    ge_p2_dbl(&r, &s);
    ge_p1p1_to_p2(&s, &r);
    ge_p2_dbl(&r, &s);
    ge_p1p1_to_p2(&s, &r);
    ge_p2_dbl(&r, &s);
    ge_p1p1_to_p3(h, &r);
    for (int i = 0; i < 64; i += 2) {
        select_niels(&t, tables->comb[i / 2], e[i]);
        ge_madd(&r, h, &t);
        ge_p1p1_to_p3(h, &r);
    }
    mr_wipe(e, sizeof e);
    mr_wipe(&t, sizeof t);
    mr_wipe(&r, sizeof r);
    mr_wipe(&s, sizeof s);
}

/* The secret scalar s of RFC 8032 section 5.1.5: the first half of SHA-512(seed), clamped. */
static void expand_seed(uint8_t h[64], const uint8_t seed[32]) {
    mr_sha512(h, seed, 32);
    h[0] &= 248;  /* a multiple of the cofactor 8 */
    h[31] &= 127; /* bit 255 clear */
    h[31] |= 64;  /* bit 254 set */
}

/* ---- Variable-time decoding and double multiplication (public data only) ------------------------ */

/* 1 when the low 255 bits of s are a canonical field element (y < p). */
static int has_canonical_y(const uint8_t s[32]) {
    fe y;
    uint8_t canonical[32];
    fe_frombytes(&y, s);
    fe_tobytes(canonical, &y);
    for (int i = 0; i < 31; i++)
        if (canonical[i] != s[i]) return 0;
    return canonical[31] == (s[31] & 0x7f);
}

/*
 * Decodes a point (RFC 8032 section 5.1.3) and returns an MR_ED25519_KEY_ status; does not check the order.
 *   x^2 = (y^2 - 1) / (d y^2 + 1) = u / v;  candidate x = u v^3 (u v^7)^((p-5)/8);
 *   v x^2 = u: x is a root;  v x^2 = -u: x sqrt(-1) is;  otherwise no point has this y.
 */
static int point_decode(ge_p3 *h, const uint8_t s[32]) {
    if (!has_canonical_y(s)) return MR_ED25519_KEY_NON_CANONICAL;
    const int sign = s[31] >> 7;
    fe one, y, y2, u, v, v3, x, vx2, minus_u;
    fe_one(&one);
    fe_frombytes(&y, s);
    fe_sq(&y2, &y);
    fe_sub(&u, &y2, &one);
    fe_mul(&v, &y2, &ge_d);
    fe_add(&v, &v, &one);
    fe_carry(&v);

    fe_sq(&v3, &v);
    fe_mul(&v3, &v3, &v);  /* v^3 */
    fe_sq(&x, &v3);
    fe_mul(&x, &x, &v);    /* v^7 */
    fe_mul(&x, &x, &u);    /* u v^7 */
    fe_pow_p58(&x, &x);    /* (u v^7)^((p-5)/8) */
    fe_mul(&x, &x, &v3);
    fe_mul(&x, &x, &u);    /* u v^3 (u v^7)^((p-5)/8) */

    fe_sq(&vx2, &x);
    fe_mul(&vx2, &vx2, &v);
    if (!fe_equal(&vx2, &u)) {
        fe_neg(&minus_u, &u);
        if (!fe_equal(&vx2, &minus_u)) return MR_ED25519_KEY_NOT_ON_CURVE;
        fe_mul(&x, &x, &ge_sqrtm1);
    }
    /* x = 0 has one encoding only: sign bit 1 with x = 0 is rejected (section 5.1.3 step 4). */
    if (fe_iszero(&x) && sign) return MR_ED25519_KEY_NON_CANONICAL;
    if (fe_isnegative(&x) != sign) fe_neg(&x, &x);

    h->X = x;
    h->Y = y;
    fe_one(&h->Z);
    fe_mul(&h->T, &x, &y);
    return MR_ED25519_KEY_OK;
}

/* The bits [position, position + width) of a 256-bit little-endian scalar, reading zeros past bit 255. */
static int scalar_bits(const uint8_t s[32], int position, int width) {
    int byte = position >> 3;
    unsigned value = byte < 32 ? s[byte] : 0;
    if (byte + 1 < 32) value |= (unsigned)s[byte + 1] << 8;
    return (int)((value >> (position & 7)) & ((1u << width) - 1));
}

/*
 * Width-w non-adjacent form of s < 2^253: s = sum naf[i] 2^i with every nonzero digit odd, |digit| <
 * 2^(w-1), and at least w-1 zeros after each nonzero digit.
 */
static void wnaf(int8_t naf[256], const uint8_t s[32], int width) {
    for (int i = 0; i < 256; i++) naf[i] = 0;
    int carry = 0;
    int position = 0;
    while (position < 256) {
        int bit = scalar_bits(s, position, 1);
        if (bit == carry) { /* the effective bit (bit + carry) is even: a zero digit, carry unchanged */
            position++;
            continue;
        }
        int window = scalar_bits(s, position, width) + carry; /* odd, in [1, 2^w - 1] */
        if (window & (1 << (width - 1))) {
            naf[position] = (int8_t)(window - (1 << width));
            carry = 1;
        } else {
            naf[position] = (int8_t)window;
            carry = 0;
        }
        position += width;
    }
}

/* r = [a]A + [b]B, both scalars < 2^253. Variable time. */
static void double_scalarmult_vartime(ge_p2 *r, const uint8_t a[32], const ge_p3 *A, const uint8_t b[32]) {
    const mr_base_tables *tables = mr_base_tables_get();
    int8_t a_naf[256], b_naf[256];
    ge_cached a_odd[1 << (A_WNAF_WIDTH - 2)]; /* A, 3A, 5A, ..., 15A */
    ge_p1p1 t;
    ge_p3 u, a2;

    wnaf(a_naf, a, A_WNAF_WIDTH);
    wnaf(b_naf, b, MR_BASE_WNAF_WIDTH);

    ge_p3_to_cached(&a_odd[0], A);
    ge_p3_dbl(&t, A);
    ge_p1p1_to_p3(&a2, &t);
    for (int i = 1; i < (1 << (A_WNAF_WIDTH - 2)); i++) {
        ge_add(&t, &a2, &a_odd[i - 1]);
        ge_p1p1_to_p3(&u, &t);
        ge_p3_to_cached(&a_odd[i], &u);
    }

    int i = 255;
    while (i >= 0 && a_naf[i] == 0 && b_naf[i] == 0) i--;
    ge_p2_identity(r);
    for (; i >= 0; i--) {
        ge_p2_dbl(&t, r);
        if (a_naf[i] > 0) {
            ge_p1p1_to_p3(&u, &t);
            ge_add(&t, &u, &a_odd[a_naf[i] / 2]);
        } else if (a_naf[i] < 0) {
            ge_p1p1_to_p3(&u, &t);
            ge_sub(&t, &u, &a_odd[(-a_naf[i]) / 2]);
        }
        if (b_naf[i] > 0) {
            ge_p1p1_to_p3(&u, &t);
            ge_madd(&t, &u, &tables->odd[b_naf[i] / 2]);
        } else if (b_naf[i] < 0) {
            ge_p1p1_to_p3(&u, &t);
            ge_msub(&t, &u, &tables->odd[(-b_naf[i]) / 2]);
        }
        ge_p1p1_to_p2(r, &t);
    }
}

/* ---- Public API --------------------------------------------------------------------------------- */

void mr_ed25519_public_key(uint8_t out[32], const uint8_t seed[32]) {
    uint8_t h[64];
    ge_p3 A;
    expand_seed(h, seed);
    scalarmult_base(&A, h);
    ge_p3_tobytes(out, &A);
    mr_wipe(h, sizeof h);
    mr_wipe(&A, sizeof A);
}

void mr_ed25519_sign(uint8_t signature[64], const uint8_t *message, size_t length, const uint8_t seed[32],
                     const uint8_t public_key[32]) {
    uint8_t h[64], digest[64], r[32], k[32];
    mr_sha512_ctx ctx;
    ge_p3 R;

    expand_seed(h, seed); /* h[0..32) = s (clamped), h[32..64) = prefix */

    /* r = SHA-512(prefix || M) mod L; R = [r]B. */
    mr_sha512_init(&ctx);
    mr_sha512_update(&ctx, h + 32, 32);
    mr_sha512_update(&ctx, message, length);
    mr_sha512_final(&ctx, digest);
    mr_sc_reduce64(r, digest);
    scalarmult_base(&R, r);
    ge_p3_tobytes(signature, &R);

    /* k = SHA-512(R || A || M) mod L; S = (r + k s) mod L. */
    mr_sha512_init(&ctx);
    mr_sha512_update(&ctx, signature, 32);
    mr_sha512_update(&ctx, public_key, 32);
    mr_sha512_update(&ctx, message, length);
    mr_sha512_final(&ctx, digest);
    mr_sc_reduce64(k, digest);
    mr_sc_muladd(signature + 32, k, h, r);

    mr_wipe(h, sizeof h);
    mr_wipe(digest, sizeof digest);
    mr_wipe(r, sizeof r);
    mr_wipe(&ctx, sizeof ctx);
    mr_wipe(&R, sizeof R);
}

int mr_ed25519_check_public_key(const uint8_t public_key[32]) {
    ge_p3 A;
    ge_p2 A2;
    int status = point_decode(&A, public_key);
    if (status != MR_ED25519_KEY_OK) return status;
    ge_p3_to_p2(&A2, &A);
    if (ge_p2_has_small_order(&A2)) return MR_ED25519_KEY_SMALL_ORDER;
    return MR_ED25519_KEY_OK;
}

int mr_ed25519_verify(const uint8_t signature[64], const uint8_t *message, size_t length,
                      const uint8_t public_key[32]) {
    const uint8_t *R = signature;
    const uint8_t *S = signature + 32;
    ge_p3 A;
    ge_p2 check;
    uint8_t digest[64], k[32], encoded[32];
    mr_sha512_ctx ctx;

    /* 1. S < L. */
    if (!mr_sc_is_canonical(S)) return 0;
    /* 2. A decodes canonically to a point that is not of small order. */
    if (point_decode(&A, public_key) != MR_ED25519_KEY_OK) return 0;
    ge_p3_to_p2(&check, &A);
    if (ge_p2_has_small_order(&check)) return 0;
    /* 3. R has a canonical y. */
    if (!has_canonical_y(R)) return 0;

    /* 4. k = SHA-512(R || A || M) mod L. */
    mr_sha512_init(&ctx);
    mr_sha512_update(&ctx, R, 32);
    mr_sha512_update(&ctx, public_key, 32);
    mr_sha512_update(&ctx, message, length);
    mr_sha512_final(&ctx, digest);
    mr_sc_reduce64(k, digest);

    /* 5. R' = [S]B + [k](-A); accept when encode(R') == R and R' is not of small order. */
    fe_neg(&A.X, &A.X);
    fe_neg(&A.T, &A.T);
    double_scalarmult_vartime(&check, k, &A, S);
    ge_p2_tobytes(encoded, &check);
    for (int i = 0; i < 32; i++)
        if (encoded[i] != R[i]) return 0;
    if (ge_p2_has_small_order(&check)) return 0;
    return 1;
}
