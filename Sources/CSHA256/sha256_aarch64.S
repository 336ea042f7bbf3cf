/*
 * sha256_aarch64.S: SHA-256 compression on the ARMv8 Cryptography Extensions (SHA256H, SHA256H2,
 * SHA256SU0, SHA256SU1), in assembly, written from the Arm Architecture Reference Manual.
 *
 * Assembly rather than intrinsics because SwiftPM compiles C targets at -O0 in debug builds
 * (`swift run`), where intrinsics code runs several times slower; an assembly kernel runs the same
 * instructions at every optimisation level.
 *
 *   void mr_sha256_blocks_armv8(uint32_t state[8], const uint8_t *blocks, size_t nblocks,
 *                               const uint32_t k[64]);
 *
 * AAPCS64 (Linux, Apple): x0 = state (H0..H7 in FIPS order), x1 = blocks (any alignment),
 * x2 = nblocks (may be 0), x3 = the 64 round constants. Uses only caller-saved registers (v0-v7,
 * v16-v17, x1-x4), so nothing is saved on the stack. csha256.c calls it only when the CPU reports
 * SHA2 (always on Apple silicon).
 *
 * SHA256H/SHA256H2 do four rounds on the state held as ABCD / EFGH, so the state is used in FIPS
 * order and stays in v0 (ABCD) and v1 (EFGH) across all blocks.
 */
#if defined(__aarch64__) && (defined(__ELF__) || defined(__APPLE__))

#if defined(__APPLE__)
#define MR_FUNCTION(name) _##name
#else
#define MR_FUNCTION(name) name
#endif

/* The instructions belong to the SHA2 extension; the file is assembled for the baseline ARMv8-A. */
    .arch_extension sha2

/*
 * Four rounds 4j..4j+3 with message words `m` (W[4j..4j+3]); x4 walks the round constants.
 * SHA256H needs EFGH as it was before the rounds and SHA256H2 needs the old ABCD, so ABCD is copied
 * to v17 first.
 */
.macro four_rounds m
    ld1     {v16.4s}, [x4], #16
    add     v16.4s, \m\().4s, v16.4s
    mov     v17.16b, v0.16b
    sha256h   q0, q1, v16.4s
    sha256h2  q1, q17, v16.4s
.endm

/* W[t..t+3] for the group four ahead, from the 16-word window w0..w3 (oldest first), into w0. */
.macro next_words w0, w1, w2, w3
    sha256su0 \w0\().4s, \w1\().4s
    sha256su1 \w0\().4s, \w2\().4s, \w3\().4s
.endm

    .text
    .p2align 4
    .globl MR_FUNCTION(mr_sha256_blocks_armv8)
#if defined(__APPLE__)
    .private_extern MR_FUNCTION(mr_sha256_blocks_armv8)
#else
    .hidden MR_FUNCTION(mr_sha256_blocks_armv8)
    .type MR_FUNCTION(mr_sha256_blocks_armv8), %function
#endif
MR_FUNCTION(mr_sha256_blocks_armv8):
#if defined(__ARM_FEATURE_BTI_DEFAULT)
    hint    #34                         /* BTI c: a valid target of an indirect call */
#endif
    cbz     x2, 2f
    ld1     {v0.4s, v1.4s}, [x0]

1:
    mov     v6.16b, v0.16b
    mov     v7.16b, v1.16b
    mov     x4, x3

    /* The message is big-endian: reverse the bytes of each 32-bit word. */
    ld1     {v2.16b, v3.16b, v4.16b, v5.16b}, [x1], #64
    rev32   v2.16b, v2.16b
    rev32   v3.16b, v3.16b
    rev32   v4.16b, v4.16b
    rev32   v5.16b, v5.16b

    four_rounds v2
    next_words  v2, v3, v4, v5
    four_rounds v3
    next_words  v3, v4, v5, v2
    four_rounds v4
    next_words  v4, v5, v2, v3
    four_rounds v5
    next_words  v5, v2, v3, v4
    four_rounds v2
    next_words  v2, v3, v4, v5
    four_rounds v3
    next_words  v3, v4, v5, v2
    four_rounds v4
    next_words  v4, v5, v2, v3
    four_rounds v5
    next_words  v5, v2, v3, v4
    four_rounds v2
    next_words  v2, v3, v4, v5
    four_rounds v3
    next_words  v3, v4, v5, v2
    four_rounds v4
    next_words  v4, v5, v2, v3
    four_rounds v5
    next_words  v5, v2, v3, v4
    four_rounds v2
    four_rounds v3
    four_rounds v4
    four_rounds v5

    add     v0.4s, v0.4s, v6.4s
    add     v1.4s, v1.4s, v7.4s
    subs    x2, x2, #1
    b.ne    1b

    st1     {v0.4s, v1.4s}, [x0]
2:
    ret
#if !defined(__APPLE__)
    .size MR_FUNCTION(mr_sha256_blocks_armv8), . - MR_FUNCTION(mr_sha256_blocks_armv8)
#endif

#endif /* AArch64 ELF or Mach-O */

/* No executable stack (ELF), whatever the architecture: an object without this note makes the linker
 * ask for one. The BTI property note marks the object compatible with branch target identification. */
#if defined(__ELF__)
    .section .note.GNU-stack, "", %progbits
#if defined(__aarch64__) && defined(__ARM_FEATURE_BTI_DEFAULT)
    .section .note.gnu.property, "a"
    .p2align 3
    .long 4                             /* name size */
    .long 16                            /* descriptor size */
    .long 5                             /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz "GNU"
    .long 0xc0000000                    /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
    .long 4
    .long 1                             /* BTI */
    .p2align 3
#endif
#endif
