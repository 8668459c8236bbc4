/* The client's rate limits: every request waits here for its tokens, every
 * reply is charged here, and the counters a test or benchmark reads are
 * kept here. */
#include "etcdclient/client/internal.h"

#include <errno.h>
#include <time.h>

int64_t ec_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_us(int64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int ec_limit_acquire(ec_client *c, const char *what, const char *url, size_t req_bytes, int timeout_ms,
                     ec_err *err)
{
    int64_t max_wait = (int64_t)timeout_ms * 1000;
    pthread_mutex_lock(&c->limit_lock);
    int64_t now = ec_now_us();
    int64_t wr = ec_bucket_reserve(&c->req_bucket, 1, now, max_wait);
    int64_t wb = wr < 0 ? -1 : ec_bucket_reserve(&c->byte_bucket, (double)req_bytes, now, max_wait);
    /* Refused here, not by etcd: its own code, so the caller neither fails
     * over to another member nor retries as if etcd were slow. */
    if (wr < 0 || wb < 0) {
        if (wr >= 0)
            ec_bucket_refund(&c->req_bucket, 1);
        c->stats.refused++;
        double rq = c->req_bucket.rate, rb = c->byte_bucket.rate;
        pthread_mutex_unlock(&c->limit_lock);
        if (wr < 0)
            return ec_fail(err, EC_E_RATE_LIMITED,
                           "%s to '%s' not sent: the client's limit of %.0f requests/s would delay it past "
                           "its %d ms deadline",
                           what, url, rq, timeout_ms);
        return ec_fail(err, EC_E_RATE_LIMITED,
                       "%s to '%s' not sent: the client's limit of %.0f bytes/s would delay it past its %d ms "
                       "deadline (a large reply before it is still being paid off)",
                       what, url, rb, timeout_ms);
    }
    int64_t wait = wr > wb ? wr : wb;
    c->stats.requests++;
    c->stats.bytes_sent += req_bytes;
    if (wait > 0) {
        c->stats.waits++;
        c->stats.wait_us += wait;
    }
    if (c->stats.first_request_us == 0)
        c->stats.first_request_us = now + wait;
    if (now + wait > c->stats.last_request_us)
        c->stats.last_request_us = now + wait;
    pthread_mutex_unlock(&c->limit_lock);
    if (wait > 0)
        sleep_us(wait);
    return 0;
}

void ec_limit_received(ec_client *c, size_t n)
{
    pthread_mutex_lock(&c->limit_lock);
    c->stats.bytes_received += n;
    ec_bucket_charge(&c->byte_bucket, (double)n, ec_now_us());
    pthread_mutex_unlock(&c->limit_lock);
}

void ec_limit_pace(ec_client *c, int timeout_ms)
{
    pthread_mutex_lock(&c->limit_lock);
    int64_t max_wait = (int64_t)timeout_ms * 1000;
    int64_t wait = ec_bucket_reserve(&c->byte_bucket, 0, ec_now_us(), max_wait);
    if (wait < 0)
        wait = max_wait; /* a large debt: pay part now, the rest at the next chunk */
    if (wait > 0) {
        c->stats.waits++;
        c->stats.wait_us += wait;
    }
    pthread_mutex_unlock(&c->limit_lock);
    if (wait > 0)
        sleep_us(wait);
}
