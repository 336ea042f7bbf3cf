/*
 * kernel_check.c: runs the AArch64 assembly SHA-256 kernel (Sources/CSHA256/sha256_aarch64.S) on an emulated
 * CPU and compares it with the portable C kernel. A freestanding static Linux program (no libc, raw system
 * calls), so it needs only clang, ld.lld and qemu-aarch64 on an x86-64 machine. See check.sh.
 *
 * Checks: the FIPS 180-4 "abc" one-block example, then 2000 calls with random block counts (0-40), random
 * start states and random misalignment against mr_sha256_blocks_portable. Exit status 0 only when all match.
 */
#include <stddef.h>
#include <stdint.h>

extern const uint32_t mr_sha256_round_constants[64];
void mr_sha256_blocks_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks);
void mr_sha256_blocks_armv8(uint32_t state[8], const uint8_t *blocks, size_t nblocks, const uint32_t k[64]);

static long system_call(long number, long a, long b, long c) {
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

/* The compiler may call these even in freestanding code. */
void *memset(void *destination, int value, size_t count) {
    unsigned char *p = destination;
    while (count--) *p++ = (unsigned char)value;
    return destination;
}
void *memcpy(void *destination, const void *source, size_t count) {
    unsigned char *p = destination;
    const unsigned char *q = source;
    while (count--) *p++ = *q++;
    return destination;
}

static void say(const char *text) {
    size_t length = 0;
    while (text[length]) length++;
    system_call(64 /* write */, 1, (long)text, (long)length);
}

/* SplitMix64. */
static uint64_t seed = 0x13;
static uint64_t next_random(void) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint8_t message[64 * 40 + 16];

void _start(void) {
    int failures = 0;

    static const uint32_t initial[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    static const uint32_t abc[8] = {
        0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad,
    };
    uint8_t block[64] = {'a', 'b', 'c', 0x80};
    block[63] = 24; /* the message length in bits */
    uint32_t state[8];
    memcpy(state, initial, sizeof state);
    mr_sha256_blocks_armv8(state, block, 1, mr_sha256_round_constants);
    for (int i = 0; i < 8; i++) {
        if (state[i] != abc[i]) {
            say("FAIL: SHA-256(\"abc\") differs from FIPS 180-4\n");
            failures++;
            break;
        }
    }

    for (size_t i = 0; i < sizeof message; i++) message[i] = (uint8_t)next_random();
    for (int round = 0; round < 2000; round++) {
        const size_t blocks = next_random() % 41, offset = next_random() % 16;
        uint32_t assembly[8], portable[8];
        for (int i = 0; i < 8; i++) assembly[i] = portable[i] = (uint32_t)next_random();
        mr_sha256_blocks_armv8(assembly, message + offset, blocks, mr_sha256_round_constants);
        mr_sha256_blocks_portable(portable, message + offset, blocks);
        for (int i = 0; i < 8; i++) {
            if (assembly[i] != portable[i]) {
                say("FAIL: the assembly kernel differs from the portable kernel\n");
                failures++;
                break;
            }
        }
    }

    say(failures ? "FAIL\n" : "ok: \"abc\" and 2000 random multi-block calls match the portable kernel\n");
    system_call(93 /* exit */, failures != 0, 0, 0);
    for (;;) {
    }
}
