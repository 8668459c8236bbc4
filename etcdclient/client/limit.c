#include "etcdclient/client/limit.h"

static void refill(ec_bucket *b, int64_t now_us)
{
    if (now_us > b->last_us) {
        b->tokens += b->rate * (double)(now_us - b->last_us) / 1e6;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last_us = now_us;
    }
}

void ec_bucket_init(ec_bucket *b, double rate, double burst, int64_t now_us)
{
    b->rate = rate > 0 ? rate : 0;
    b->burst = burst > 0 ? burst : 0;
    b->tokens = b->burst; /* start full: the first calls are not delayed */
    b->last_us = now_us;
}

int64_t ec_bucket_reserve(ec_bucket *b, double n, int64_t now_us, int64_t max_wait_us)
{
    if (b->rate <= 0)
        return 0;
    refill(b, now_us);
    if (b->tokens >= n) {
        b->tokens -= n;
        return 0;
    }
    double wait = (n - b->tokens) / b->rate * 1e6;
    if (wait > (double)max_wait_us)
        return -1;
    b->tokens -= n;
    /* Rounded up: acting a microsecond early would exceed the rate. */
    int64_t w = (int64_t)wait;
    return (double)w < wait ? w + 1 : w;
}

void ec_bucket_charge(ec_bucket *b, double n, int64_t now_us)
{
    if (b->rate <= 0)
        return;
    refill(b, now_us);
    b->tokens -= n;
}

void ec_bucket_refund(ec_bucket *b, double n)
{
    if (b->rate <= 0)
        return;
    b->tokens += n;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
}

void ec_pager_init(ec_pager *p, int64_t size, int64_t slow_ms, int timeout_ms)
{
    p->size = size > 0 ? size : 1;
    p->target = p->size;
    p->floor = p->size < EC_PAGER_FLOOR ? p->size : EC_PAGER_FLOOR;
    p->slow_ms = slow_ms > 0 ? slow_ms : EC_PAGER_SLOW_MS;
    /* Half the deadline: a page twice as slow as the last one still fits. */
    if (timeout_ms > 0 && p->slow_ms > timeout_ms / 2)
        p->slow_ms = timeout_ms / 2 > 0 ? timeout_ms / 2 : 1;
    p->shrinks = 0;
    p->grows = 0;
}

void ec_pager_set_target(ec_pager *p, int64_t target, bool grow_now)
{
    if (target < 1)
        target = 1;
    p->target = target;
    if (p->floor > target)
        p->floor = target;
    if (p->size > target || (grow_now && p->shrinks == 0))
        p->size = target;
}

void ec_pager_page_done(ec_pager *p, int64_t took_ms)
{
    if (took_ms > p->slow_ms) {
        if (p->size > p->floor) {
            p->size /= 2;
            if (p->size < p->floor)
                p->size = p->floor;
            p->shrinks++;
        }
    } else if (took_ms * 4 < p->slow_ms && p->size < p->target) {
        /* Slowly: a quarter more per fast page, so one lucky page does not
         * bring back the size that hurt. */
        int64_t step = p->size / 4 > 0 ? p->size / 4 : 1;
        p->size = p->size + step > p->target ? p->target : p->size + step;
        p->grows++;
    }
}

void ec_pager_deadline(ec_pager *p)
{
    p->size = p->size / 4 > 0 ? p->size / 4 : 1;
    p->shrinks++;
}
