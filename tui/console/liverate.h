/* The browser's w/s column, live: each put the console's own watch applies
 * adds 1/LR_WINDOW_S to the key's rate in the tree (directories show the
 * sum below them) and is taken off again LR_WINDOW_MS later, so a key's
 * rate is its writes over the last LR_WINDOW_S seconds divided by that.
 * The tree keeps rates in fixed point, so a quiet key returns to exactly 0.
 * Deletes remove the key (and its rate) from the tree.
 *
 * Owned by the tree worker; every call is made with the tree's mutex held.
 * At most LR_MAX_PENDING writes are remembered: past that, new writes are
 * not counted (lr_state.dropped says how many), so rates are never too high. */
#ifndef CON_LIVERATE_H
#define CON_LIVERATE_H

#include <stddef.h>
#include <stdint.h>

#include "etcdclient/keyspace/keyspace.h"

#define LR_WINDOW_S 10
#define LR_WINDOW_MS (LR_WINDOW_S * 1000)
#define LR_MAX_PENDING 262144

typedef struct lr_entry {
    int64_t expire_ms;
    uint8_t *key;               /* malloc'd copy */
    size_t len;
} lr_entry;

typedef struct lr_state {
    lr_entry *ring;             /* LR_MAX_PENDING entries, allocated on first use */
    size_t head, n;             /* oldest entry, count */
    uint64_t dropped;
} lr_state;

void lr_init(lr_state *s);
/* Frees what is pending without touching a tree. */
void lr_free(lr_state *s);
/* One put of key at now_ms (monotonic): the key's rate goes up. */
void lr_put(lr_state *s, ec_ks *ks, const uint8_t *key, size_t len, int64_t now_ms);
/* Takes off every write older than the window. */
void lr_expire(lr_state *s, ec_ks *ks, int64_t now_ms);
/* Forgets what is pending (after ec_ks_clear, which dropped the rates). */
void lr_reset(lr_state *s);

#endif
