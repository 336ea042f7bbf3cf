/*
 * scalar.c: arithmetic modulo L with 64-bit limbs and Barrett reduction (Menezes, van Oorschot, Vanstone,
 * Handbook of Applied Cryptography, algorithm 14.42, base b = 2^64, k = 4).
 *
 * Every loop runs a fixed number of times and the two final conditional subtractions select with masks,
 * so reduction is constant time: the secret scalar and the nonce go through here when signing.
 */
#include "scalar.h"

#include "field.h"
#include "wipe.h"

/* L as four little-endian 64-bit limbs. */
static const uint64_t order[4] = {
    UINT64_C(0x5812631a5cf5d3ed), UINT64_C(0x14def9dea2f79cd6), UINT64_C(0), UINT64_C(0x1000000000000000),
};

/* mu = floor(2^512 / L), a 261-bit number, as five little-endian 64-bit limbs. */
static const uint64_t barrett_mu[5] = {
    UINT64_C(0xed9ce5a30a2c131b), UINT64_C(0x2106215d086329a7), UINT64_C(0xffffffffffffffeb),
    UINT64_C(0xffffffffffffffff), UINT64_C(0xf),
};

static void load_limbs(uint64_t *out, const uint8_t *in, int limbs) {
    for (int i = 0; i < limbs; i++) {
        uint64_t w = 0;
        for (int j = 7; j >= 0; j--) w = (w << 8) | in[8 * i + j];
        out[i] = w;
    }
}

static void store_limbs(uint8_t *out, const uint64_t *in, int limbs) {
    for (int i = 0; i < limbs; i++)
        for (int j = 0; j < 8; j++) out[8 * i + j] = (uint8_t)(in[i] >> (8 * j));
}

/* out[0 .. na+nb) = a * b, schoolbook. */
static void mul_limbs(uint64_t *out, const uint64_t *a, int na, const uint64_t *b, int nb) {
    for (int i = 0; i < na + nb; i++) out[i] = 0;
    for (int i = 0; i < na; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < nb; j++) {
            mr_u128 t = (mr_u128)a[i] * b[j] + out[i + j] + carry;
            out[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        out[i + nb] = carry;
    }
}

/* r = r - L when r >= L (r has five limbs), selected with a mask. */
static void subtract_order_if_not_less(uint64_t r[5]) {
    uint64_t t[5], borrow = 0;
    for (int i = 0; i < 5; i++) {
        uint64_t li = i < 4 ? order[i] : 0;
        mr_u128 d = (mr_u128)r[i] - li - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1; /* 1 when the subtraction wrapped */
    }
    uint64_t keep = 0 - borrow; /* all ones when r < L: keep r */
    for (int i = 0; i < 5; i++) r[i] = (r[i] & keep) | (t[i] & ~keep);
}

/* out = x mod L for an eight-limb x (HAC 14.42). */
static void barrett_reduce(uint64_t out[4], const uint64_t x[8]) {
    uint64_t q2[10], r2[9], r[5];
    /* q1 = floor(x / b^(k-1)) = x[3..7]; q2 = q1 mu; q3 = floor(q2 / b^(k+1)) = q2[5..9]. */
    mul_limbs(q2, x + 3, 5, barrett_mu, 5);
    /* r2 = q3 L mod b^(k+1): the low five limbs of q3 * L. */
    mul_limbs(r2, q2 + 5, 5, order, 4);
    /* r = r1 - r2 mod b^(k+1), where r1 = x mod b^(k+1). The true difference is in [0, 3L). */
    uint64_t borrow = 0;
    for (int i = 0; i < 5; i++) {
        mr_u128 d = (mr_u128)x[i] - r2[i] - borrow;
        r[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    subtract_order_if_not_less(r);
    subtract_order_if_not_less(r);
    for (int i = 0; i < 4; i++) out[i] = r[i];
    mr_wipe(q2, sizeof q2);
    mr_wipe(r2, sizeof r2);
    mr_wipe(r, sizeof r);
}

void mr_sc_reduce64(uint8_t out[32], const uint8_t in[64]) {
    uint64_t x[8], y[4];
    load_limbs(x, in, 8);
    barrett_reduce(y, x);
    store_limbs(out, y, 4);
    mr_wipe(x, sizeof x);
    mr_wipe(y, sizeof y);
}

void mr_sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32], const uint8_t c[32]) {
    uint64_t la[4], lb[4], lc[4], x[8], y[4];
    load_limbs(la, a, 4);
    load_limbs(lb, b, 4);
    load_limbs(lc, c, 4);
    mul_limbs(x, la, 4, lb, 4);
    uint64_t carry = 0;
    for (int i = 0; i < 8; i++) {
        mr_u128 t = (mr_u128)x[i] + (i < 4 ? lc[i] : 0) + carry;
        x[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    barrett_reduce(y, x);
    store_limbs(out, y, 4);
    mr_wipe(la, sizeof la);
    mr_wipe(lb, sizeof lb);
    mr_wipe(lc, sizeof lc);
    mr_wipe(x, sizeof x);
    mr_wipe(y, sizeof y);
}

int mr_sc_is_canonical(const uint8_t s[32]) {
    uint64_t v[4];
    load_limbs(v, s, 4);
    for (int i = 3; i >= 0; i--) {
        if (v[i] < order[i]) return 1;
        if (v[i] > order[i]) return 0;
    }
    return 0; /* s == L */
}
