/* The rate bound of guarded deletes: never more than `limit` keys sent
 * within any `window` seconds (for a rate of r keys/s: limit = r, window =
 * 1 s; below one key per second the window grows so that one key fits).
 * Up to `limit` keys may go at once; after that each send waits until the
 * sends it would exceed the limit with have left the window. Pure logic:
 * the caller passes the clock, so tests need no real time. */
#ifndef BG_PACE_H
#define BG_PACE_H

#include <stddef.h>

typedef struct bg_pace {
    double window;          /* seconds */
    size_t limit;           /* keys per window */
    double *at;             /* ring of recent sends: when, and how many keys */
    size_t *keys;
    size_t ring, head, n;
} bg_pace;

/* rate: keys per second (> 0); max_sends: the most sends the run will
 * make (bounds the memory). Returns 0, or -1 when out of memory. Free
 * with bg_pace_free. */
int bg_pace_init(bg_pace *p, double rate, size_t max_sends);
void bg_pace_free(bg_pace *p);
/* When n keys (n <= limit) may be sent: now or earlier means at once. */
double bg_pace_due(const bg_pace *p, size_t n, double now);
/* Records that n keys were sent at now. */
void bg_pace_sent(bg_pace *p, size_t n, double now);

#endif
