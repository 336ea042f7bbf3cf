/*
 * ced25519.h: Ed25519 signatures (RFC 8032, pure Ed25519) and SHA-512 (FIPS 180-4), written for
 * ModelRegistry from the specifications, with no dependencies beyond the C standard library and pthreads.
 *
 * The Verifier module wraps this API in `Ed25519PrivateKey` / `Ed25519PublicKey`; other code should use
 * those. Tests call it directly to check the SHA-512 vectors.
 *
 * Timing: key derivation and signing take no branch and no memory index that depends on the seed, the
 * expanded secret scalar or the nonce (constant-time field arithmetic, fixed-window scalar multiplication
 * whose table lookups read every entry). Verification works on public data only and is variable time.
 *
 * Verification rules (RFC 8032 section 5.1.7, strict): see mr_ed25519_verify below.
 */
#ifndef CED25519_H
#define CED25519_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SHA-512 (FIPS 180-4) ---------------------------------------------------------------------- */

/*
 * The running state of one SHA-512 computation. A plain value: copying it copies the hash so far.
 *  state     the eight working hash words H0..H7
 *  length    total number of message bytes fed so far (messages are limited to 2^64 - 1 bytes)
 *  buffer    the bytes of a partial block not yet compressed (the first `buffered` bytes are valid)
 *  buffered  number of valid bytes in `buffer`, always < 128
 */
typedef struct {
    uint64_t state[8];
    uint64_t length;
    uint8_t buffer[128];
    uint32_t buffered;
} mr_sha512_ctx;

/* Sets `ctx` to the initial SHA-512 state (the empty message). */
void mr_sha512_init(mr_sha512_ctx *ctx);

/* Feeds `length` bytes at `data` into the hash. `data` may be NULL when `length` is 0. */
void mr_sha512_update(mr_sha512_ctx *ctx, const void *data, size_t length);

/*
 * Writes the 64-byte digest of everything fed so far to `out`. Does not modify `ctx` (the padding is
 * applied to a copy), so the caller may keep updating and finalize again later.
 */
void mr_sha512_final(const mr_sha512_ctx *ctx, uint8_t out[64]);

/* One-shot SHA-512 of `length` bytes at `data`. */
void mr_sha512(uint8_t out[64], const void *data, size_t length);

/* ---- Ed25519 (RFC 8032 section 5.1) ------------------------------------------------------------ */

/* Results of mr_ed25519_check_public_key. */
enum {
    /* A canonical encoding of a point on the curve whose order is not small. */
    MR_ED25519_KEY_OK = 0,
    /* The y coordinate is >= p = 2^255 - 19, or x = 0 with the sign bit set ("-0"). */
    MR_ED25519_KEY_NON_CANONICAL = 1,
    /* No x exists for this y: the bytes are not a point on edwards25519. */
    MR_ED25519_KEY_NOT_ON_CURVE = 2,
    /* The point lies in the torsion subgroup of order 8 (one of the 8 small-order points). */
    MR_ED25519_KEY_SMALL_ORDER = 3,
};

/*
 * Derives the 32-byte public key A = [s]B from a 32-byte seed (RFC 8032 section 5.1.5): s is the
 * clamped first half of SHA-512(seed). Constant time in the seed.
 */
void mr_ed25519_public_key(uint8_t out[32], const uint8_t seed[32]);

/*
 * Signs `length` bytes at `message` (RFC 8032 section 5.1.6) and writes the 64-byte signature R || S.
 * Deterministic: the nonce is SHA-512(prefix || message) with prefix the second half of SHA-512(seed).
 * Constant time in the seed and nonce.
 *
 * `public_key` MUST be mr_ed25519_public_key(seed). It is hashed into the challenge; signing the same
 * message under two different "public keys" with one seed reveals the secret scalar. `message` may be
 * NULL when `length` is 0.
 */
void mr_ed25519_sign(uint8_t signature[64], const uint8_t *message, size_t length, const uint8_t seed[32],
                     const uint8_t public_key[32]);

/*
 * Verifies a signature; returns 1 when it is valid and 0 otherwise (never anything else).
 *
 * Rules, in order (RFC 8032 section 5.1.7, with the optional strict checks turned on):
 *  1. S (the last 32 bytes, little-endian) must be < L = 2^252 + 27742317777372353535851937790883648493;
 *     S >= L is rejected (no malleability through S + L).
 *  2. A (the public key) must decode: canonical y < p, x = 0 only with the sign bit clear, and the
 *     point must be on the curve. A must not have small order ([8]A != identity).
 *  3. R (the first 32 bytes) must have canonical y < p (checked on the bytes before any arithmetic).
 *  4. k = SHA-512(R || A || message) mod L.
 *  5. The cofactorless equation [S]B = R + [k]A is checked by computing R' = [S]B - [k]A and comparing
 *     the canonical encoding of R' with the 32 bytes of R exactly. Because encodings of curve points are
 *     unique and canonical, this equals the point equation and also rejects every R that is not a valid
 *     point encoding. R must not have small order: after a match, [8]R' != identity is required.
 * Variable time (all inputs are public). `message` may be NULL when `length` is 0.
 */
int mr_ed25519_verify(const uint8_t signature[64], const uint8_t *message, size_t length,
                      const uint8_t public_key[32]);

/*
 * Classifies a 32-byte public key encoding: returns one of the MR_ED25519_KEY_ values above. Keys that do
 * not return MR_ED25519_KEY_OK never verify any signature.
 */
int mr_ed25519_check_public_key(const uint8_t public_key[32]);

#ifdef __cplusplus
}
#endif

#endif /* CED25519_H */
