/*
 * tables.h: precomputed multiples of the base point B, built once per process on first use.
 * Internal to CEd25519.
 */
#ifndef CED25519_TABLES_H
#define CED25519_TABLES_H

#include "group.h"

/* Window width of the base-point wNAF in verification: odd digits up to 2^(w-1) - 1 = 127. */
#define MR_BASE_WNAF_WIDTH 8

typedef struct {
    /* comb[j][k] = (k + 1) * 256^j * B, for the signed radix-16 fixed-window multiplication in signing. */
    ge_niels comb[32][8];
    /* odd[i] = (2 i + 1) * B, for the variable-time wNAF multiplication in verification. */
    ge_niels odd[1 << (MR_BASE_WNAF_WIDTH - 2)];
} mr_base_tables;

/*
 * The tables, computed on the first call (thread-safe through pthread_once) from the base point alone:
 * nothing here is typed in, so a wrong entry cannot hide in a constant. Computing them takes well under
 * a millisecond.
 */
const mr_base_tables *mr_base_tables_get(void);

#endif /* CED25519_TABLES_H */
