#include "tui/ops/pace.h"

#include <stdlib.h>
#include <string.h>

int bg_pace_init(bg_pace *p, double rate, size_t max_sends)
{
    memset(p, 0, sizeof *p);
    p->limit = rate >= 1 ? (size_t)rate : 1;
    p->window = rate > 0 ? (double)p->limit / rate : 1;
    /* Every send holds a key at least, so a window never holds more than
     * limit of them; nor can there be more than the run makes. */
    p->ring = (p->limit < max_sends ? p->limit : max_sends) + 1;
    p->at = calloc(p->ring, sizeof *p->at);
    p->keys = calloc(p->ring, sizeof *p->keys);
    if (!p->at || !p->keys) {
        bg_pace_free(p);
        return -1;
    }
    return 0;
}

void bg_pace_free(bg_pace *p)
{
    free(p->at);
    free(p->keys);
    memset(p, 0, sizeof *p);
}

double bg_pace_due(const bg_pace *p, size_t n, double now)
{
    size_t in = n;
    for (size_t k = 0; k < p->n; k++) {
        size_t i = (p->head + p->n - 1 - k) % p->ring;
        if (p->at[i] + p->window <= now)
            break;              /* this one and all older ones have left the window */
        in += p->keys[i];
        if (in > p->limit)
            return p->at[i] + p->window;
    }
    return now;
}

void bg_pace_sent(bg_pace *p, size_t n, double now)
{
    if (p->n == p->ring) {      /* the oldest has left the window by now */
        p->head = (p->head + 1) % p->ring;
        p->n--;
    }
    size_t i = (p->head + p->n) % p->ring;
    p->at[i] = now;
    p->keys[i] = n;
    p->n++;
}
