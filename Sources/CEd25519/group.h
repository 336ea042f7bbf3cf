/*
 * group.h: the group edwards25519, -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19) (RFC 8032 section 5.1).
 *
 * Points use the extended twisted Edwards coordinates of Hisil, Wong, Carter and Dawson, "Twisted Edwards
 * Curves Revisited" (ASIACRYPT 2008), with a = -1: (X : Y : Z : T) with x = X/Z, y = Y/Z, x y = T/Z.
 * The addition formula ("add-2008-hwcd-3") is complete on this curve because d is not a square, so it
 * needs no special cases, which keeps signing free of data-dependent branches.
 *
 * Representations:
 *  ge_p2      projective (X : Y : Z), enough input for a doubling
 *  ge_p3      extended (X : Y : Z : T)
 *  ge_p1p1    "completed" (E, F, G, H) from one addition or doubling; X = E F, Y = G H, Z = F G, T = E H
 *  ge_cached  a point prepared as an addend: (Y + X, Y - X, Z, 2 d T)
 *  ge_niels   an affine point prepared as an addend (Z = 1): (y + x, y - x, 2 d x y)
 * Internal to CEd25519.
 */
#ifndef CED25519_GROUP_H
#define CED25519_GROUP_H

#include "field.h"

typedef struct {
    fe X, Y, Z;
} ge_p2;

typedef struct {
    fe X, Y, Z, T;
} ge_p3;

typedef struct {
    fe E, F, G, H;
} ge_p1p1;

typedef struct {
    fe yplusx, yminusx, Z, T2d;
} ge_cached;

typedef struct {
    fe yplusx, yminusx, xy2d;
} ge_niels;

/* d = -121665 / 121666 (mod p), as 51-bit limbs. */
static const fe ge_d = {{0x34dca135978a3, 0x1a8283b156ebd, 0x5e7a26001c029, 0x739c663a03cbb, 0x52036cee2b6ff}};
/* 2 d (mod p). */
static const fe ge_d2 = {{0x69b9426b2f159, 0x35050762add7a, 0x3cf44c0038052, 0x6738cc7407977, 0x2406d9dc56dff}};
/* sqrt(-1) = 2^((p-1)/4) (mod p). */
static const fe ge_sqrtm1 = {{0x61b274a0ea0b0, 0xd5a5fc8f189d, 0x7ef5e9cbd0c60, 0x78595a6804c9e, 0x2b8324804fc1d}};
/* The base point B (RFC 8032 section 5.1): y = 4/5, x the even square root. */
static const fe ge_base_x = {{0x62d608f25d51a, 0x412a4b4f6592a, 0x75b7171a4b31d, 0x1ff60527118fe, 0x216936d3cd6e5}};
static const fe ge_base_y = {{0x6666666666658, 0x4cccccccccccc, 0x1999999999999, 0x3333333333333, 0x6666666666666}};

static inline void ge_p3_identity(ge_p3 *h) {
    fe_zero(&h->X);
    fe_one(&h->Y);
    fe_one(&h->Z);
    fe_zero(&h->T);
}

static inline void ge_p2_identity(ge_p2 *h) {
    fe_zero(&h->X);
    fe_one(&h->Y);
    fe_one(&h->Z);
}

static inline void ge_niels_identity(ge_niels *h) {
    fe_one(&h->yplusx);
    fe_one(&h->yminusx);
    fe_zero(&h->xy2d);
}

static inline void ge_p3_base(ge_p3 *h) {
    h->X = ge_base_x;
    h->Y = ge_base_y;
    fe_one(&h->Z);
    fe_mul(&h->T, &ge_base_x, &ge_base_y);
}

static inline void ge_p1p1_to_p2(ge_p2 *r, const ge_p1p1 *p) {
    fe_mul(&r->X, &p->E, &p->F);
    fe_mul(&r->Y, &p->G, &p->H);
    fe_mul(&r->Z, &p->F, &p->G);
}

static inline void ge_p1p1_to_p3(ge_p3 *r, const ge_p1p1 *p) {
    fe_mul(&r->X, &p->E, &p->F);
    fe_mul(&r->Y, &p->G, &p->H);
    fe_mul(&r->Z, &p->F, &p->G);
    fe_mul(&r->T, &p->E, &p->H);
}

static inline void ge_p3_to_p2(ge_p2 *r, const ge_p3 *p) {
    r->X = p->X;
    r->Y = p->Y;
    r->Z = p->Z;
}

static inline void ge_p3_to_cached(ge_cached *r, const ge_p3 *p) {
    fe_add(&r->yplusx, &p->Y, &p->X);
    fe_carry(&r->yplusx);
    fe_sub(&r->yminusx, &p->Y, &p->X);
    r->Z = p->Z;
    fe_mul(&r->T2d, &p->T, &ge_d2);
}

/*
 * Doubling, "dbl-2008-hwcd" with a = -1:
 *   A = X^2, B = Y^2, C = 2 Z^2, E = (X + Y)^2 - A - B, G = B - A, F = G - C, H = -A - B.
 * 4 squarings; the conversion out of p1p1 adds 3 (to p2) or 4 (to p3) multiplications.
 */
static inline void ge_p2_dbl(ge_p1p1 *r, const ge_p2 *p) {
    fe a, b, c, ab, xy;
    fe_sq(&a, &p->X);
    fe_sq(&b, &p->Y);
    fe_sq(&c, &p->Z);
    fe_add(&c, &c, &c);
    fe_add(&ab, &a, &b);
    fe_add(&xy, &p->X, &p->Y);
    fe_sq(&xy, &xy);
    fe_sub(&r->E, &xy, &ab);
    fe_sub(&r->G, &b, &a);
    fe_sub(&r->F, &r->G, &c);
    fe_neg(&r->H, &ab);
}

static inline void ge_p3_dbl(ge_p1p1 *r, const ge_p3 *p) {
    ge_p2 q;
    ge_p3_to_p2(&q, p);
    ge_p2_dbl(r, &q);
}

/*
 * Addition, "add-2008-hwcd-3" with a = -1 and k = 2d:
 *   A = (Y1 - X1)(Y2 - X2), B = (Y1 + X1)(Y2 + X2), C = T1 2d T2, D = 2 Z1 Z2,
 *   E = B - A, F = D - C, G = D + C, H = B + A.
 * Subtraction adds the negated point -(x, y) = (-x, y): Y2 + X2 and Y2 - X2 swap places and 2dT2 changes
 * sign, which swaps F and G.
 */
static inline void ge_add(ge_p1p1 *r, const ge_p3 *p, const ge_cached *q) {
    fe a, b, c, d, t;
    fe_sub(&t, &p->Y, &p->X);
    fe_mul(&a, &t, &q->yminusx);
    fe_add(&t, &p->Y, &p->X);
    fe_mul(&b, &t, &q->yplusx);
    fe_mul(&c, &p->T, &q->T2d);
    fe_mul(&d, &p->Z, &q->Z);
    fe_add(&d, &d, &d);
    fe_sub(&r->E, &b, &a);
    fe_sub(&r->F, &d, &c);
    fe_add(&r->G, &d, &c);
    fe_add(&r->H, &b, &a);
}

static inline void ge_sub(ge_p1p1 *r, const ge_p3 *p, const ge_cached *q) {
    fe a, b, c, d, t;
    fe_sub(&t, &p->Y, &p->X);
    fe_mul(&a, &t, &q->yplusx);
    fe_add(&t, &p->Y, &p->X);
    fe_mul(&b, &t, &q->yminusx);
    fe_mul(&c, &p->T, &q->T2d);
    fe_mul(&d, &p->Z, &q->Z);
    fe_add(&d, &d, &d);
    fe_sub(&r->E, &b, &a);
    fe_add(&r->F, &d, &c);
    fe_sub(&r->G, &d, &c);
    fe_add(&r->H, &b, &a);
}

/* Mixed addition with an affine addend (Z2 = 1, so D = 2 Z1). */
static inline void ge_madd(ge_p1p1 *r, const ge_p3 *p, const ge_niels *q) {
    fe a, b, c, d, t;
    fe_sub(&t, &p->Y, &p->X);
    fe_mul(&a, &t, &q->yminusx);
    fe_add(&t, &p->Y, &p->X);
    fe_mul(&b, &t, &q->yplusx);
    fe_mul(&c, &p->T, &q->xy2d);
    fe_add(&d, &p->Z, &p->Z);
    fe_sub(&r->E, &b, &a);
    fe_sub(&r->F, &d, &c);
    fe_add(&r->G, &d, &c);
    fe_add(&r->H, &b, &a);
}

static inline void ge_msub(ge_p1p1 *r, const ge_p3 *p, const ge_niels *q) {
    fe a, b, c, d, t;
    fe_sub(&t, &p->Y, &p->X);
    fe_mul(&a, &t, &q->yplusx);
    fe_add(&t, &p->Y, &p->X);
    fe_mul(&b, &t, &q->yminusx);
    fe_mul(&c, &p->T, &q->xy2d);
    fe_add(&d, &p->Z, &p->Z);
    fe_sub(&r->E, &b, &a);
    fe_add(&r->F, &d, &c);
    fe_sub(&r->G, &d, &c);
    fe_add(&r->H, &b, &a);
}

/* Encodes (X : Y : Z) as RFC 8032 section 5.1.2: y little-endian with the low bit of x in bit 255. */
static inline void ge_p2_tobytes(uint8_t s[32], const ge_p2 *p) {
    fe zinv, x, y;
    fe_invert(&zinv, &p->Z);
    fe_mul(&x, &p->X, &zinv);
    fe_mul(&y, &p->Y, &zinv);
    fe_tobytes(s, &y);
    s[31] ^= (uint8_t)(fe_isnegative(&x) << 7);
}

static inline void ge_p3_tobytes(uint8_t s[32], const ge_p3 *p) {
    ge_p2 q;
    ge_p3_to_p2(&q, p);
    ge_p2_tobytes(s, &q);
}

/* 1 when [8]P is the identity (P is one of the 8 points of small order), else 0. Variable time. */
static inline int ge_p2_has_small_order(const ge_p2 *p) {
    ge_p1p1 t;
    ge_p2 q = *p;
    for (int i = 0; i < 3; i++) {
        ge_p2_dbl(&t, &q);
        ge_p1p1_to_p2(&q, &t);
    }
    /* On the curve, X = 0 means (0, 1) or (0, -1). [8]P = (0, -1) would need a point of order 16, and the
     * group order is 8 L, so X = 0 here means [8]P is the identity. */
    return fe_iszero(&q.X);
}

#endif /* CED25519_GROUP_H */
