/*
 * wipe.h: clearing secret intermediates (expanded keys, nonces, hash buffers) before their stack memory
 * is reused. Internal to CEd25519.
 */
#ifndef CED25519_WIPE_H
#define CED25519_WIPE_H

#include <stddef.h>
#include <stdint.h>

/* Sets `length` bytes at `p` to zero through a volatile pointer, so the stores are not optimised away. */
static inline void mr_wipe(void *p, size_t length) {
    volatile uint8_t *bytes = (volatile uint8_t *)p;
    while (length--) *bytes++ = 0;
}

#endif /* CED25519_WIPE_H */
