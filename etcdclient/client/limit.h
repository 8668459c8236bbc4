/* Self-protection: token buckets on requests/s and bytes/s to and from etcd,
 * and the page size of a paged scan that shrinks when etcd answers slowly.
 * Pure logic with the clock passed in, so unit tests need no etcd and no
 * sleeping. Internal to etcdclient/client (tests may include it). */
#ifndef EC_CLIENT_LIMIT_H
#define EC_CLIENT_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* A token bucket that lends: a caller reserves tokens it does not have yet
 * and waits until the balance would have covered them, so concurrent callers
 * queue in order; bytes learnt only after a reply (the response size) are
 * charged as debt that the next caller waits off. rate 0 = unlimited. */
typedef struct ec_bucket {
    double rate;       /* tokens per second */
    double burst;      /* most tokens saved up while idle */
    double tokens;     /* may be negative: reserved or owed */
    int64_t last_us;   /* when tokens was last brought up to date */
} ec_bucket;

void ec_bucket_init(ec_bucket *b, double rate, double burst, int64_t now_us);
/* Takes n tokens. Returns how long (us) the caller must wait before acting,
 * or -1 (and takes nothing) when that would be longer than max_wait_us. */
int64_t ec_bucket_reserve(ec_bucket *b, double n, int64_t now_us, int64_t max_wait_us);
/* Takes n tokens without waiting (debt for bytes already transferred). */
void ec_bucket_charge(ec_bucket *b, double n, int64_t now_us);
/* Gives back n tokens reserved by a call that was then not made. */
void ec_bucket_refund(ec_bucket *b, double n);

/* Adaptive page size of one scan. */
typedef struct ec_pager {
    int64_t size;      /* keys to ask for in the next page */
    int64_t target;    /* the size wanted while etcd is fast */
    int64_t floor;     /* slowness never shrinks a page below this */
    int64_t slow_ms;   /* a page slower than this halves the next one */
    int shrinks;       /* times a slow page halved the size */
    int grows;         /* times a fast page grew it back */
} ec_pager;

#define EC_PAGER_FLOOR 100
#define EC_PAGER_SLOW_MS 1000

/* slow_ms 0 = EC_PAGER_SLOW_MS; never more than half the call timeout. */
void ec_pager_init(ec_pager *p, int64_t size, int64_t slow_ms, int timeout_ms);
/* A new wanted size (first-page sizing, byte budget): the current size
 * follows it down at once and up only by growing. */
void ec_pager_set_target(ec_pager *p, int64_t target, bool grow_now);
/* After a page that took took_ms on the wire (token waits excluded). */
void ec_pager_page_done(ec_pager *p, int64_t took_ms);
/* A page that hit the deadline is retried once at a quarter the size. */
void ec_pager_deadline(ec_pager *p);

#endif
