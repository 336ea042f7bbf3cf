/*
 * field.h: arithmetic in GF(p), p = 2^255 - 19 (RFC 7748 section 4.1, RFC 8032 section 5.1).
 *
 * An element is five unsigned 64-bit limbs of nominally 51 bits, value = sum v[i] * 2^(51 i). Products use
 * `unsigned __int128` and fold the part above 2^255 back in with 2^255 = 19 (mod p).
 *
 * Everything here is constant time: no branch and no memory index depends on a limb value. Selection is
 * done with all-ones / all-zero masks.
 *
 * Limb bounds (the invariants that keep the 128-bit sums from overflowing and subtraction non-negative):
 *  - "reduced": the output of fe_mul, fe_sq, fe_sub, fe_carry and fe_frombytes; every limb < 2^51 + 2^15.
 *  - fe_add does not carry: the sum of two reduced elements has limbs < 2^52 + 2^16.
 *  - fe_mul / fe_sq accept limbs < 2^58 (19 * 2^58 * 2^58 * 5 < 2^128), far above what we feed them.
 *  - fe_sub(f, g) computes f + 4p - g, so g's limbs must be <= 2^53 - 76: g is reduced or the fe_add of
 *    two reduced elements, never more.
 * Internal to CEd25519.
 */
#ifndef CED25519_FIELD_H
#define CED25519_FIELD_H

#include <stdint.h>
#include <string.h>

__extension__ typedef unsigned __int128 mr_u128;

typedef struct {
    uint64_t v[5];
} fe;

#define FE_MASK51 ((UINT64_C(1) << 51) - 1)

static inline void fe_zero(fe *h) { memset(h, 0, sizeof *h); }

static inline void fe_one(fe *h) {
    fe_zero(h);
    h->v[0] = 1;
}

/* h = f + g, without carrying (see the bounds above). */
static inline void fe_add(fe *h, const fe *f, const fe *g) {
    for (int i = 0; i < 5; i++) h->v[i] = f->v[i] + g->v[i];
}

/* Carries every limb into the next and the top limb's excess back into limb 0 (times 19). */
static inline void fe_carry(fe *h) {
    uint64_t c;
    c = h->v[0] >> 51; h->v[0] &= FE_MASK51; h->v[1] += c;
    c = h->v[1] >> 51; h->v[1] &= FE_MASK51; h->v[2] += c;
    c = h->v[2] >> 51; h->v[2] &= FE_MASK51; h->v[3] += c;
    c = h->v[3] >> 51; h->v[3] &= FE_MASK51; h->v[4] += c;
    c = h->v[4] >> 51; h->v[4] &= FE_MASK51; h->v[0] += 19 * c;
}

/* h = f - g, computed as f + 4p - g and then carried, so the result is reduced. */
static inline void fe_sub(fe *h, const fe *f, const fe *g) {
    h->v[0] = f->v[0] + (UINT64_C(0x1fffffffffffb4) - g->v[0]); /* 4 * (2^51 - 19) */
    h->v[1] = f->v[1] + (UINT64_C(0x1ffffffffffffc) - g->v[1]); /* 4 * (2^51 - 1)  */
    h->v[2] = f->v[2] + (UINT64_C(0x1ffffffffffffc) - g->v[2]);
    h->v[3] = f->v[3] + (UINT64_C(0x1ffffffffffffc) - g->v[3]);
    h->v[4] = f->v[4] + (UINT64_C(0x1ffffffffffffc) - g->v[4]);
    fe_carry(h);
}

/* h = -f. */
static inline void fe_neg(fe *h, const fe *f) {
    fe zero;
    fe_zero(&zero);
    fe_sub(h, &zero, f);
}

/* Folds five 128-bit column sums into a reduced element. */
static inline void fe_reduce_wide(fe *h, mr_u128 t0, mr_u128 t1, mr_u128 t2, mr_u128 t3, mr_u128 t4) {
    uint64_t r0, r1, r2, r3, r4, c;
    r0 = (uint64_t)t0 & FE_MASK51; t1 += (uint64_t)(t0 >> 51);
    r1 = (uint64_t)t1 & FE_MASK51; t2 += (uint64_t)(t1 >> 51);
    r2 = (uint64_t)t2 & FE_MASK51; t3 += (uint64_t)(t2 >> 51);
    r3 = (uint64_t)t3 & FE_MASK51; t4 += (uint64_t)(t3 >> 51);
    r4 = (uint64_t)t4 & FE_MASK51; c = (uint64_t)(t4 >> 51);
    r0 += 19 * c;
    r1 += r0 >> 51;
    r0 &= FE_MASK51;
    h->v[0] = r0;
    h->v[1] = r1;
    h->v[2] = r2;
    h->v[3] = r3;
    h->v[4] = r4;
}

/* h = f * g. Schoolbook 5x5 with the wrap-around columns pre-multiplied by 19. */
static inline void fe_mul(fe *h, const fe *f, const fe *g) {
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
    const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
    mr_u128 t0 = (mr_u128)f0 * g0 + (mr_u128)f1 * g4_19 + (mr_u128)f2 * g3_19 + (mr_u128)f3 * g2_19 +
                 (mr_u128)f4 * g1_19;
    mr_u128 t1 = (mr_u128)f0 * g1 + (mr_u128)f1 * g0 + (mr_u128)f2 * g4_19 + (mr_u128)f3 * g3_19 +
                 (mr_u128)f4 * g2_19;
    mr_u128 t2 = (mr_u128)f0 * g2 + (mr_u128)f1 * g1 + (mr_u128)f2 * g0 + (mr_u128)f3 * g4_19 +
                 (mr_u128)f4 * g3_19;
    mr_u128 t3 = (mr_u128)f0 * g3 + (mr_u128)f1 * g2 + (mr_u128)f2 * g1 + (mr_u128)f3 * g0 +
                 (mr_u128)f4 * g4_19;
    mr_u128 t4 = (mr_u128)f0 * g4 + (mr_u128)f1 * g3 + (mr_u128)f2 * g2 + (mr_u128)f3 * g1 +
                 (mr_u128)f4 * g0;
    fe_reduce_wide(h, t0, t1, t2, t3, t4);
}

/* h = f^2. Like fe_mul with the symmetric products counted once and doubled. */
static inline void fe_sq(fe *h, const fe *f) {
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2;
    const uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
    mr_u128 t0 = (mr_u128)f0 * f0 + (mr_u128)f1_2 * f4_19 + (mr_u128)f2_2 * f3_19;
    mr_u128 t1 = (mr_u128)f0_2 * f1 + (mr_u128)f2_2 * f4_19 + (mr_u128)f3 * f3_19;
    mr_u128 t2 = (mr_u128)f0_2 * f2 + (mr_u128)f1 * f1 + (mr_u128)(2 * f3) * f4_19;
    mr_u128 t3 = (mr_u128)f0_2 * f3 + (mr_u128)f1_2 * f2 + (mr_u128)f4 * f4_19;
    mr_u128 t4 = (mr_u128)f0_2 * f4 + (mr_u128)f1_2 * f3 + (mr_u128)f2 * f2;
    fe_reduce_wide(h, t0, t1, t2, t3, t4);
}

/* h = f^(2^n), n >= 1. */
static inline void fe_sq_times(fe *h, const fe *f, int n) {
    fe_sq(h, f);
    for (int i = 1; i < n; i++) fe_sq(h, h);
}

/* f = mask ? g : f, where mask is all ones or zero. */
static inline void fe_cmov(fe *f, const fe *g, uint64_t mask) {
    for (int i = 0; i < 5; i++) f->v[i] ^= mask & (f->v[i] ^ g->v[i]);
}

/* Little-endian load of 32 bytes, ignoring bit 255 (the sign bit of a point encoding). */
static inline void fe_frombytes(fe *h, const uint8_t s[32]) {
    uint64_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = 0;
        for (int j = 7; j >= 0; j--) w[i] = (w[i] << 8) | s[8 * i + j];
    }
    h->v[0] = w[0] & FE_MASK51;
    h->v[1] = ((w[0] >> 51) | (w[1] << 13)) & FE_MASK51;
    h->v[2] = ((w[1] >> 38) | (w[2] << 26)) & FE_MASK51;
    h->v[3] = ((w[2] >> 25) | (w[3] << 39)) & FE_MASK51;
    h->v[4] = (w[3] >> 12) & FE_MASK51;
}

/* Writes the unique representative in [0, p) as 32 little-endian bytes (bit 255 is zero). */
static inline void fe_tobytes(uint8_t s[32], const fe *f) {
    fe t = *f;
    fe_carry(&t);
    fe_carry(&t);
    /* Now every limb is < 2^51 except limb 0, which is < 2^51 + 19, so t < 2^255 + 19 < 2p. */
    /* q = 1 exactly when t >= p, that is when t + 19 carries out of bit 255. */
    uint64_t q = (t.v[0] + 19) >> 51;
    q = (t.v[1] + q) >> 51;
    q = (t.v[2] + q) >> 51;
    q = (t.v[3] + q) >> 51;
    q = (t.v[4] + q) >> 51;
    /* t - q p = t + 19 q - q 2^255: add 19 q, carry, and drop bit 255. */
    t.v[0] += 19 * q;
    t.v[1] += t.v[0] >> 51; t.v[0] &= FE_MASK51;
    t.v[2] += t.v[1] >> 51; t.v[1] &= FE_MASK51;
    t.v[3] += t.v[2] >> 51; t.v[2] &= FE_MASK51;
    t.v[4] += t.v[3] >> 51; t.v[3] &= FE_MASK51;
    t.v[4] &= FE_MASK51;
    uint64_t w[4];
    w[0] = t.v[0] | (t.v[1] << 51);
    w[1] = (t.v[1] >> 13) | (t.v[2] << 38);
    w[2] = (t.v[2] >> 26) | (t.v[3] << 25);
    w[3] = (t.v[3] >> 39) | (t.v[4] << 12);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
}

/* 1 when f = 0 (mod p), else 0. Constant time. */
static inline int fe_iszero(const fe *f) {
    uint8_t s[32];
    fe_tobytes(s, f);
    uint64_t acc = 0;
    for (int i = 0; i < 32; i++) acc |= s[i];
    return (int)(((acc | (0 - acc)) >> 63) ^ 1);
}

/* The low bit of the canonical representative: the "sign" of x in RFC 8032 encodings. */
static inline int fe_isnegative(const fe *f) {
    uint8_t s[32];
    fe_tobytes(s, f);
    return s[0] & 1;
}

/* 1 when f = g (mod p), else 0. Constant time. */
static inline int fe_equal(const fe *f, const fe *g) {
    fe d;
    fe_sub(&d, f, g);
    return fe_iszero(&d);
}

/*
 * Computes z^(2^250 - 1) into t250 and z^11 into z11: the shared prefix of the addition chains for
 * z^(p-2) and z^((p-5)/8). Each comment gives the exponent reached.
 */
static inline void fe_pow_2_250_1(fe *t250, fe *z11, const fe *z) {
    fe z2, z9, t0, t1, t2;
    fe_sq(&z2, z);                /* 2 */
    fe_sq_times(&t0, &z2, 2);     /* 8 */
    fe_mul(&z9, &t0, z);          /* 9 */
    fe_mul(z11, &z9, &z2);        /* 11 */
    fe_sq(&t0, z11);              /* 22 */
    fe_mul(&t0, &t0, &z9);        /* 31 = 2^5 - 1 */
    fe_sq_times(&t1, &t0, 5);     /* 2^10 - 2^5 */
    fe_mul(&t0, &t1, &t0);        /* 2^10 - 1 */
    fe_sq_times(&t1, &t0, 10);    /* 2^20 - 2^10 */
    fe_mul(&t1, &t1, &t0);        /* 2^20 - 1 */
    fe_sq_times(&t2, &t1, 20);    /* 2^40 - 2^20 */
    fe_mul(&t1, &t2, &t1);        /* 2^40 - 1 */
    fe_sq_times(&t1, &t1, 10);    /* 2^50 - 2^10 */
    fe_mul(&t0, &t1, &t0);        /* 2^50 - 1 */
    fe_sq_times(&t1, &t0, 50);    /* 2^100 - 2^50 */
    fe_mul(&t1, &t1, &t0);        /* 2^100 - 1 */
    fe_sq_times(&t2, &t1, 100);   /* 2^200 - 2^100 */
    fe_mul(&t1, &t2, &t1);        /* 2^200 - 1 */
    fe_sq_times(&t1, &t1, 50);    /* 2^250 - 2^50 */
    fe_mul(t250, &t1, &t0);       /* 2^250 - 1 */
}

/* h = 1/z = z^(p-2) = z^(2^255 - 21) by Fermat (and 0 for z = 0). Constant time. */
static inline void fe_invert(fe *h, const fe *z) {
    fe t, z11;
    fe_pow_2_250_1(&t, &z11, z);
    fe_sq_times(&t, &t, 5);       /* 2^255 - 2^5 */
    fe_mul(h, &t, &z11);          /* 2^255 - 21 */
}

/* h = z^((p-5)/8) = z^(2^252 - 3), the exponent of the square-root step in RFC 8032 section 5.1.3. */
static inline void fe_pow_p58(fe *h, const fe *z) {
    fe t, z11;
    fe_pow_2_250_1(&t, &z11, z);
    fe_sq_times(&t, &t, 2);       /* 2^252 - 4 */
    fe_mul(h, &t, z);             /* 2^252 - 3 */
}

#endif /* CED25519_FIELD_H */
