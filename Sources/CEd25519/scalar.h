/*
 * scalar.h: integers modulo the group order L = 2^252 + 27742317777372353535851937790883648493
 * (RFC 8032 section 5.1). Scalars are 32 little-endian bytes. Internal to CEd25519.
 */
#ifndef CED25519_SCALAR_H
#define CED25519_SCALAR_H

#include <stdint.h>

/* out = in mod L, for a 64-byte little-endian integer (a SHA-512 digest). Constant time. */
void mr_sc_reduce64(uint8_t out[32], const uint8_t in[64]);

/*
 * out = (a b + c) mod L for 32-byte little-endian a, b, c with a b + c < 2^512 (in Ed25519 a = k < L,
 * b = the clamped secret scalar < 2^255 and c = r < L). Constant time.
 */
void mr_sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32], const uint8_t c[32]);

/* 1 when the 32-byte little-endian s is < L, else 0. Variable time (used on public signatures only). */
int mr_sc_is_canonical(const uint8_t s[32]);

#endif /* CED25519_SCALAR_H */
