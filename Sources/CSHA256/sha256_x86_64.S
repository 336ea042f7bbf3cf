/*
 * sha256_x86_64.S: SHA-256 compression on the x86 SHA extensions (SHA-NI), in assembly.
 *
 * Written from the Intel SHA Extensions white paper and the SDM entries for SHA256RNDS2, SHA256MSG1
 * and SHA256MSG2. Assembly rather than intrinsics because SwiftPM compiles C targets at -O0 in debug
 * builds (`swift run`), where intrinsics code runs about six times slower; an assembly kernel runs the
 * same instructions at every optimisation level.
 *
 *   void mr_sha256_blocks_x86_sha(uint32_t state[8], const uint8_t *blocks, size_t nblocks,
 *                                 const uint32_t k[64]);
 *
 * System V AMD64 calling convention (Linux, macOS, the BSDs): rdi = state (H0..H7 in FIPS order),
 * rsi = blocks (any alignment), rdx = nblocks (may be 0), rcx = the 64 round constants, 16-byte
 * aligned. Uses only caller-saved registers (xmm0-xmm10, rcx, rdx, rsi). csha256.c calls it only
 * after CPUID reports SHA, SSSE3 and SSE4.1.
 *
 * SHA256RNDS2 does two rounds on the state split as ABEF / CDGH and takes W+K for the two rounds in
 * the low 64 bits of the implicit operand xmm0. The eight FIPS words are shuffled into that layout
 * once per call and back once at the end; the state stays in xmm1 (ABEF) and xmm2 (CDGH) across all
 * blocks.
 */
#if defined(__x86_64__) && (defined(__ELF__) || defined(__APPLE__))

#if defined(__APPLE__)
#define MR_FUNCTION(name) _##name
#else
#define MR_FUNCTION(name) name
#endif

#define STATE %rdi
#define DATA %rsi
#define COUNT %rdx
#define K %rcx
#define ABEF %xmm1
#define CDGH %xmm2
#define BSWAP %xmm7
#define ABEF_IN %xmm8
#define CDGH_IN %xmm9
#define TMP %xmm10

/*
 * Four rounds 4j..4j+3 with message words `m` (W[4j..4j+3]). The first SHA256RNDS2 leaves the new
 * ABEF in the CDGH register, whose old contents (C, D, G, H) are no longer needed; the old ABEF is
 * the new CDGH. The second call swaps the roles back.
 */
.macro four_rounds m, j
    movdqa  \m, %xmm0
    paddd   (16 * \j)(K), %xmm0
    sha256rnds2 %xmm0, ABEF, CDGH
    pshufd  $0x0E, %xmm0, %xmm0
    sha256rnds2 %xmm0, CDGH, ABEF
.endm

/*
 * Message schedule over a sliding window of four registers (16 words). `next` already holds
 * W[t-16] + σ0(W[t-15]) from SHA256MSG1; adding W[t-7] (PALIGNR of `cur` and `prev`) and then
 * SHA256MSG2 (σ1 of the words just computed) makes it W[t..t+3].
 */
.macro next_words next, cur, prev
    movdqa  \cur, TMP
    palignr $4, \prev, TMP
    paddd   TMP, \next
    sha256msg2 \cur, \next
.endm

/* `prev` = W[t-16] + σ0(W[t-15]) for the group three ahead. */
.macro start_words prev, cur
    sha256msg1 \cur, \prev
.endm

    .text
    .p2align 5
    .globl MR_FUNCTION(mr_sha256_blocks_x86_sha)
#if defined(__APPLE__)
    .private_extern MR_FUNCTION(mr_sha256_blocks_x86_sha)
#else
    .hidden MR_FUNCTION(mr_sha256_blocks_x86_sha)
    .type MR_FUNCTION(mr_sha256_blocks_x86_sha), %function
#endif
MR_FUNCTION(mr_sha256_blocks_x86_sha):
#if defined(__CET__)
    endbr64
#endif
    testq   COUNT, COUNT
    jz      3f

    /* Byte-swaps each 32-bit lane: the message is big-endian. */
    movq    $0x0405060700010203, %rax
    movq    %rax, BSWAP
    movq    $0x0c0d0e0f08090a0b, %rax
    pinsrq  $1, %rax, BSWAP

    /* xmm1 = a b c d, xmm2 = e f g h (lane 0 first); build ABEF and CDGH (lane 3 first). */
    movdqu  0(STATE), ABEF
    movdqu  16(STATE), CDGH
    pshufd  $0xB1, ABEF, ABEF           /* lanes: b a d c */
    pshufd  $0x1B, CDGH, CDGH           /* lanes: h g f e */
    movdqa  ABEF, TMP
    palignr $8, CDGH, ABEF              /* lanes: f e b a */
    pblendw $0xF0, TMP, CDGH            /* lanes: h g d c */

    .p2align 4
1:
    movdqa  ABEF, ABEF_IN
    movdqa  CDGH, CDGH_IN

    movdqu  0(DATA), %xmm3
    pshufb  BSWAP, %xmm3
    movdqu  16(DATA), %xmm4
    pshufb  BSWAP, %xmm4
    movdqu  32(DATA), %xmm5
    pshufb  BSWAP, %xmm5
    movdqu  48(DATA), %xmm6
    pshufb  BSWAP, %xmm6

    four_rounds %xmm3, 0
    four_rounds %xmm4, 1
    start_words %xmm3, %xmm4
    four_rounds %xmm5, 2
    start_words %xmm4, %xmm5
    four_rounds %xmm6, 3
    next_words  %xmm3, %xmm6, %xmm5
    start_words %xmm5, %xmm6
    four_rounds %xmm3, 4
    next_words  %xmm4, %xmm3, %xmm6
    start_words %xmm6, %xmm3
    four_rounds %xmm4, 5
    next_words  %xmm5, %xmm4, %xmm3
    start_words %xmm3, %xmm4
    four_rounds %xmm5, 6
    next_words  %xmm6, %xmm5, %xmm4
    start_words %xmm4, %xmm5
    four_rounds %xmm6, 7
    next_words  %xmm3, %xmm6, %xmm5
    start_words %xmm5, %xmm6
    four_rounds %xmm3, 8
    next_words  %xmm4, %xmm3, %xmm6
    start_words %xmm6, %xmm3
    four_rounds %xmm4, 9
    next_words  %xmm5, %xmm4, %xmm3
    start_words %xmm3, %xmm4
    four_rounds %xmm5, 10
    next_words  %xmm6, %xmm5, %xmm4
    start_words %xmm4, %xmm5
    four_rounds %xmm6, 11
    next_words  %xmm3, %xmm6, %xmm5
    start_words %xmm5, %xmm6
    four_rounds %xmm3, 12
    next_words  %xmm4, %xmm3, %xmm6
    start_words %xmm6, %xmm3
    four_rounds %xmm4, 13
    next_words  %xmm5, %xmm4, %xmm3
    four_rounds %xmm5, 14
    next_words  %xmm6, %xmm5, %xmm4
    four_rounds %xmm6, 15

    paddd   ABEF_IN, ABEF
    paddd   CDGH_IN, CDGH
    addq    $64, DATA
    decq    COUNT
    jnz     1b

    /* Back to FIPS order. */
    pshufd  $0x1B, ABEF, ABEF           /* lanes: a b e f */
    pshufd  $0xB1, CDGH, CDGH           /* lanes: g h c d */
    movdqa  ABEF, TMP
    pblendw $0xF0, CDGH, TMP            /* a b c d */
    palignr $8, ABEF, CDGH              /* e f g h */
    movdqu  TMP, 0(STATE)
    movdqu  CDGH, 16(STATE)
3:
    ret
#if !defined(__APPLE__)
    .size MR_FUNCTION(mr_sha256_blocks_x86_sha), . - MR_FUNCTION(mr_sha256_blocks_x86_sha)
#endif

#endif /* x86-64 ELF or Mach-O */

/* No executable stack (ELF), whatever the architecture: an object without this note makes the linker
 * ask for one. The CET property note marks the object compatible with IBT and shadow stacks. */
#if defined(__ELF__)
    .section .note.GNU-stack, "", %progbits
#if defined(__x86_64__) && defined(__CET__)
    .section .note.gnu.property, "a"
    .p2align 3
    .long 4                             /* name size */
    .long 16                            /* descriptor size */
    .long 5                             /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz "GNU"
    .long 0xc0000002                    /* GNU_PROPERTY_X86_FEATURE_1_AND */
    .long 4
    .long 3                             /* IBT | SHSTK */
    .p2align 3
#endif
#endif
