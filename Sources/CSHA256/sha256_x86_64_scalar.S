/*
 * sha256_x86_64_scalar.S: SHA-256 compression (FIPS 180-4 §6.2.2) in plain x86-64 instructions, for CPUs
 * without the SHA extensions (Intel before Ice Lake / Goldmont, for example).
 *
 * The portable C kernel does the same work, but SwiftPM compiles C at -O0 in debug builds (`swift run`),
 * where it runs at half speed; assembly runs the same instructions at every optimisation level.
 *
 *   void mr_sha256_blocks_x86_64_scalar(uint32_t state[8], const uint8_t *blocks, size_t nblocks,
 *                                       const uint32_t k[64]);
 *
 * System V AMD64 calling convention: rdi = state (H0..H7 in FIPS order), rsi = blocks (any alignment),
 * rdx = nblocks (may be 0), rcx = the 64 round constants. The working variables a..h live in r8d..r15d
 * and are renamed from round to round by macro arguments instead of being moved; the message schedule is
 * a 16-word window on the stack. rbx, r12-r15 are saved and restored.
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

/*
 * W[i] for round i, kept in the window slot i mod 16. Rounds 0-15 load the big-endian message word; later
 * rounds add σ0(W[i-15]), W[i-7] and σ1(W[i-2]) to the slot, which still holds W[i-16].
 */
.macro message_word i
.if \i < 16
    movl    (4 * \i)(DATA), %eax
    bswapl  %eax
    movl    %eax, (4 * \i)(%rsp)
.else
    movl    (4 * ((\i - 15) & 15))(%rsp), %eax
    movl    %eax, %ebx
    rorl    $11, %eax
    xorl    %ebx, %eax
    rorl    $7, %eax                        /* ROTR18 ^ ROTR7 */
    shrl    $3, %ebx
    xorl    %ebx, %eax                      /* σ0 */
    addl    %eax, (4 * (\i & 15))(%rsp)
    movl    (4 * ((\i - 2) & 15))(%rsp), %eax
    movl    %eax, %ebx
    rorl    $2, %eax
    xorl    %ebx, %eax
    rorl    $17, %eax                       /* ROTR19 ^ ROTR17 */
    shrl    $10, %ebx
    xorl    %ebx, %eax                      /* σ1 */
    addl    (4 * ((\i - 7) & 15))(%rsp), %eax
    addl    %eax, (4 * (\i & 15))(%rsp)
.endif
.endm

/*
 * Round i: T1 = h + Σ1(e) + Ch(e, f, g) + K[i] + W[i]; T2 = Σ0(a) + Maj(a, b, c); d += T1; h = T1 + T2.
 * The caller then passes the registers rotated by one, so h becomes the next round's a.
 */
.macro round a, b, c, d, e, f, g, h, i
    message_word \i
    movl    (4 * (\i & 15))(%rsp), %eax
    addl    (4 * \i)(K), %eax
    addl    %eax, \h                        /* h + W + K */
    movl    \e, %eax
    rorl    $14, %eax
    xorl    \e, %eax
    rorl    $5, %eax
    xorl    \e, %eax
    rorl    $6, %eax                        /* Σ1(e) = ROTR6 ^ ROTR11 ^ ROTR25 */
    addl    %eax, \h
    movl    \f, %eax
    xorl    \g, %eax
    andl    \e, %eax
    xorl    \g, %eax                        /* Ch(e, f, g) = g ^ (e & (f ^ g)) */
    addl    %eax, \h                        /* T1 */
    addl    \h, \d
    movl    \a, %eax
    rorl    $9, %eax
    xorl    \a, %eax
    rorl    $11, %eax
    xorl    \a, %eax
    rorl    $2, %eax                        /* Σ0(a) = ROTR2 ^ ROTR13 ^ ROTR22 */
    addl    %eax, \h
    movl    \a, %eax
    orl     \b, %eax
    andl    \c, %eax
    movl    \a, %ebx
    andl    \b, %ebx
    orl     %ebx, %eax                      /* Maj(a, b, c) = (a & b) | (c & (a | b)) */
    addl    %eax, \h                        /* T1 + T2 */
.endm

/* Rounds i..i+7: after eight renamings the registers are back in their places. */
.macro eight_rounds i
    round %r8d, %r9d, %r10d, %r11d, %r12d, %r13d, %r14d, %r15d, (\i + 0)
    round %r15d, %r8d, %r9d, %r10d, %r11d, %r12d, %r13d, %r14d, (\i + 1)
    round %r14d, %r15d, %r8d, %r9d, %r10d, %r11d, %r12d, %r13d, (\i + 2)
    round %r13d, %r14d, %r15d, %r8d, %r9d, %r10d, %r11d, %r12d, (\i + 3)
    round %r12d, %r13d, %r14d, %r15d, %r8d, %r9d, %r10d, %r11d, (\i + 4)
    round %r11d, %r12d, %r13d, %r14d, %r15d, %r8d, %r9d, %r10d, (\i + 5)
    round %r10d, %r11d, %r12d, %r13d, %r14d, %r15d, %r8d, %r9d, (\i + 6)
    round %r9d, %r10d, %r11d, %r12d, %r13d, %r14d, %r15d, %r8d, (\i + 7)
.endm

/* H[j] += working variable, kept in the register for the next block. */
.macro add_state offset, register
    addl    \offset(STATE), \register
    movl    \register, \offset(STATE)
.endm

    .text
    .p2align 5
    .globl MR_FUNCTION(mr_sha256_blocks_x86_64_scalar)
#if defined(__APPLE__)
    .private_extern MR_FUNCTION(mr_sha256_blocks_x86_64_scalar)
#else
    .hidden MR_FUNCTION(mr_sha256_blocks_x86_64_scalar)
    .type MR_FUNCTION(mr_sha256_blocks_x86_64_scalar), %function
#endif
MR_FUNCTION(mr_sha256_blocks_x86_64_scalar):
#if defined(__CET__)
    endbr64
#endif
    testq   COUNT, COUNT
    jz      2f
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $64, %rsp

    movl    0(STATE), %r8d
    movl    4(STATE), %r9d
    movl    8(STATE), %r10d
    movl    12(STATE), %r11d
    movl    16(STATE), %r12d
    movl    20(STATE), %r13d
    movl    24(STATE), %r14d
    movl    28(STATE), %r15d

    .p2align 4
1:
    eight_rounds 0
    eight_rounds 8
    eight_rounds 16
    eight_rounds 24
    eight_rounds 32
    eight_rounds 40
    eight_rounds 48
    eight_rounds 56

    add_state 0, %r8d
    add_state 4, %r9d
    add_state 8, %r10d
    add_state 12, %r11d
    add_state 16, %r12d
    add_state 20, %r13d
    add_state 24, %r14d
    add_state 28, %r15d
    addq    $64, DATA
    decq    COUNT
    jnz     1b

    addq    $64, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
2:
    ret
#if !defined(__APPLE__)
    .size MR_FUNCTION(mr_sha256_blocks_x86_64_scalar), . - MR_FUNCTION(mr_sha256_blocks_x86_64_scalar)
#endif

#endif /* x86-64 ELF or Mach-O */

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
