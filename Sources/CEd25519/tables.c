/*
 * tables.c: builds the base-point tables from B with the group formulas, then converts every entry to
 * affine "niels" form with one shared inversion (Montgomery's simultaneous-inversion trick).
 */
#include "tables.h"

#include <pthread.h>

#define COMB_COUNT (32 * 8)
#define ODD_COUNT (1 << (MR_BASE_WNAF_WIDTH - 2))
#define TOTAL_COUNT (COMB_COUNT + ODD_COUNT)

static mr_base_tables tables;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Scratch space for the build, static so the ~50 KB does not sit on a caller's stack. */
static ge_p3 points[TOTAL_COUNT];
static fe prefix[TOTAL_COUNT];

static void add_p3(ge_p3 *r, const ge_p3 *p, const ge_p3 *q) {
    ge_cached c;
    ge_p1p1 t;
    ge_p3_to_cached(&c, q);
    ge_add(&t, p, &c);
    ge_p1p1_to_p3(r, &t);
}

static void to_niels(ge_niels *r, const ge_p3 *p, const fe *zinv) {
    fe x, y;
    fe_mul(&x, &p->X, zinv);
    fe_mul(&y, &p->Y, zinv);
    fe_add(&r->yplusx, &y, &x);
    fe_carry(&r->yplusx);
    fe_sub(&r->yminusx, &y, &x);
    fe_mul(&r->xy2d, &x, &y);
    fe_mul(&r->xy2d, &r->xy2d, &ge_d2);
}

static void build_tables(void) {
    ge_p3 row_base, p;
    ge_p1p1 t;
    int n = 0;

    /* comb: row j holds 1..8 times 256^j B. */
    ge_p3_base(&row_base);
    for (int j = 0; j < 32; j++) {
        p = row_base;
        for (int k = 0; k < 8; k++) {
            points[n++] = p;
            add_p3(&p, &p, &row_base);
        }
        for (int i = 0; i < 8; i++) {
            ge_p3_dbl(&t, &row_base);
            ge_p1p1_to_p3(&row_base, &t);
        }
    }

    /* odd: B, 3B, 5B, ... */
    ge_p3 b, b2;
    ge_p3_base(&b);
    ge_p3_dbl(&t, &b);
    ge_p1p1_to_p3(&b2, &t);
    p = b;
    for (int i = 0; i < ODD_COUNT; i++) {
        points[n++] = p;
        add_p3(&p, &p, &b2);
    }

    /* Simultaneous inversion of all Z: prefix[i] = Z0 ... Zi, invert once, then walk back. */
    prefix[0] = points[0].Z;
    for (int i = 1; i < TOTAL_COUNT; i++) fe_mul(&prefix[i], &prefix[i - 1], &points[i].Z);
    fe inverse, zinv;
    fe_invert(&inverse, &prefix[TOTAL_COUNT - 1]); /* 1 / (Z0 ... Z_last) */
    for (int i = TOTAL_COUNT - 1; i >= 0; i--) {
        if (i > 0) {
            fe_mul(&zinv, &inverse, &prefix[i - 1]);  /* 1 / Zi */
            fe_mul(&inverse, &inverse, &points[i].Z); /* 1 / (Z0 ... Z(i-1)) */
        } else {
            zinv = inverse;
        }
        if (i < COMB_COUNT)
            to_niels(&tables.comb[i / 8][i % 8], &points[i], &zinv);
        else
            to_niels(&tables.odd[i - COMB_COUNT], &points[i], &zinv);
    }
}

const mr_base_tables *mr_base_tables_get(void) {
    pthread_once(&tables_once, build_tables);
    return &tables;
}
