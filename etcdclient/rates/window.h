/* Write counts of one group (or of all groups) over sliding windows, in two
 * rings: 60 one-second buckets (the 10 s and 60 s windows and the sparkline)
 * and 30 ten-second buckets (the 5 min window, at 10 s resolution).
 * Times are absolute seconds passed in by the caller; nothing reads a clock.
 * Internal to etcdclient/rates; callers use rates.h. */
#ifndef EC_RATES_WINDOW_H
#define EC_RATES_WINDOW_H

#include <stdint.h>

#define EC_RATES_SEC_BUCKETS 60
#define EC_RATES_SLOW_BUCKETS 30
#define EC_RATES_SLOW_SECONDS 10

/* A ring holds buckets lo..head (at most its length): lo rises as the ring
 * moves on, and starts at the first write, so taking over a ring from an
 * evicted group clears one bucket instead of all of them. */
typedef struct ec_rates_win {
    int64_t sec_head;   /* absolute second of the newest one-second bucket */
    int64_t sec_lo;     /* oldest second with a valid bucket */
    int64_t slow_head;  /* absolute ten-second period of the newest slow bucket */
    int64_t slow_lo;
    uint32_t sec_w[EC_RATES_SEC_BUCKETS];   /* writes, saturating */
    uint32_t slow_w[EC_RATES_SLOW_BUCKETS];
    uint64_t sec_b[EC_RATES_SEC_BUCKETS];   /* bytes, saturating */
    uint64_t slow_b[EC_RATES_SLOW_BUCKETS];
} ec_rates_win;

/* Which rings took an event (ec_rates_win_add). */
enum {
    EC_RATES_WIN_BOTH = 0,  /* one-second and ten-second rings */
    EC_RATES_WIN_SLOW = 1,  /* only the ten-second ring: older than 60 s */
    EC_RATES_WIN_LATE = 2   /* neither: older than 5 min */
};

/* Floor of ms / 1000, also for negative times. */
int64_t ec_rates_sec_of_ms(int64_t ms);

/* Starts the rings at second sec: no bucket counts yet. Whatever the memory
 * held before is never read, so a ring can be reused without clearing. */
void ec_rates_win_init(ec_rates_win *w, int64_t sec);

/* Counts one write of `bytes` at second sec. A second later than the newest
 * bucket moves the rings forward; an earlier one (time going back a little)
 * lands in its own bucket while that is still in the ring. */
int ec_rates_win_add(ec_rates_win *w, int64_t sec, uint64_t bytes);

/* Writes and bytes in the window of `seconds` (10, 60 or 300) ending with the
 * bucket of now_sec: for up to 60 s, the `seconds` one-second buckets
 * now_sec-seconds+1 .. now_sec; for 300 s, the 30 ten-second periods ending
 * with the one holding now_sec. */
void ec_rates_win_sum(const ec_rates_win *w, int64_t now_sec, unsigned seconds,
                      uint64_t *writes, uint64_t *bytes);

/* The 60 one-second buckets now_sec-59 .. now_sec, oldest first. */
void ec_rates_win_spark(const ec_rates_win *w, int64_t now_sec,
                        uint32_t writes[EC_RATES_SEC_BUCKETS],
                        uint64_t bytes[EC_RATES_SEC_BUCKETS]);

#endif
