#include "tui/console/liverate.h"

#include <stdlib.h>
#include <string.h>

#define STEP (1.0 / LR_WINDOW_S)

void lr_init(lr_state *s) { memset(s, 0, sizeof *s); }

void lr_reset(lr_state *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ring[(s->head + i) % LR_MAX_PENDING].key);
    s->head = s->n = 0;
}

void lr_free(lr_state *s)
{
    if (s->ring)
        lr_reset(s);
    free(s->ring);
    s->ring = NULL;
}

void lr_put(lr_state *s, ec_ks *ks, const uint8_t *key, size_t len, int64_t now_ms)
{
    if (!s->ring && !(s->ring = calloc(LR_MAX_PENDING, sizeof *s->ring))) {
        s->dropped++;
        return;
    }
    if (s->n == LR_MAX_PENDING) {
        s->dropped++;
        return;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        s->dropped++;
        return;
    }
    memcpy(copy, key, len);
    if (ec_ks_rate_add(ks, key, len, STEP, NULL) != 1) {
        free(copy); /* not in the tree: nothing to take off later */
        return;
    }
    lr_entry *e = &s->ring[(s->head + s->n) % LR_MAX_PENDING];
    e->expire_ms = now_ms + LR_WINDOW_MS;
    e->key = copy;
    e->len = len;
    s->n++;
}

void lr_expire(lr_state *s, ec_ks *ks, int64_t now_ms)
{
    while (s->n) {
        lr_entry *e = &s->ring[s->head];
        if (e->expire_ms > now_ms)
            break;
        /* A key deleted meanwhile took its rate with it: 0 is fine. */
        ec_ks_rate_add(ks, e->key, e->len, -STEP, NULL);
        free(e->key);
        e->key = NULL;
        s->head = (s->head + 1) % LR_MAX_PENDING;
        s->n--;
    }
}
