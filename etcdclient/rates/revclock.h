/* Revision clock: the time of a past etcd revision, estimated.
 *
 * History replay (Range of old revisions, Watch from a compacted start) gives
 * revisions but no timestamps. The caller records (revision, time_ms) samples,
 * e.g. the header revision of each periodic Status call with the local time
 * it returned, and asks for the time of any revision:
 *   - between two samples: linear interpolation between the last sample
 *     whose revision is below it and the first one whose revision is at or
 *     above it (a sample at exactly that revision gives that sample's time);
 *   - before the first or after the last sample: extrapolation along the
 *     observed revision rate (first to last sample);
 *   - with no rate (one sample, or no revision change between samples): the
 *     caller's assumption "revisions first_rev .. first sample took span_ms"
 *     gives the rate, i.e. that range is spread evenly over the span ending
 *     at the first sample's time.
 * Every time it returns is an estimate; `how` says which rule made it.
 * Samples are kept up to a bound; when full, every other sample of the older
 * half is dropped (recent times keep their resolution).
 * Not thread-safe. Times are the caller's (ms); no clock is read here.
 */
#ifndef EC_REVCLOCK_H
#define EC_REVCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "etcdclient/error.h"

#define EC_REVCLOCK_DEFAULT_SAMPLES 1024u
#define EC_REVCLOCK_MIN_SAMPLES 4u
/* Sample times are within +-2^62 ms, so their differences fit an int64. */
#define EC_REVCLOCK_MAX_MS ((int64_t)1 << 62)

typedef struct ec_revclock ec_revclock;

typedef enum ec_revclock_how {
    EC_REVCLOCK_SAMPLE = 1,     /* a sample's revision: that sample's time */
    EC_REVCLOCK_INTERPOLATED,   /* between two samples */
    EC_REVCLOCK_EXTRAPOLATED,   /* outside the samples, observed rate */
    EC_REVCLOCK_ASSUMED         /* outside the samples, assumed rate */
} ec_revclock_how;

/* max_samples 0 = EC_REVCLOCK_DEFAULT_SAMPLES. Free with ec_revclock_free. */
int ec_revclock_new(size_t max_samples, ec_revclock **out, ec_err *err);
void ec_revclock_free(ec_revclock *rc);
/* Forgets every sample and the assumption (e.g. after a reconnect to
 * another cluster). */
void ec_revclock_reset(ec_revclock *rc);

/* Records that `revision` was current at time_ms. Fails (EC_E_INVALID) when
 * the revision is negative or below the last sample's (the store went back:
 * restored or another cluster; reset first), or time_ms is below the last
 * sample's (the local clock stepped back) or beyond +-EC_REVCLOCK_MAX_MS.
 * A run of samples at the same revision keeps only its first and last. */
int ec_revclock_add(ec_revclock *rc, int64_t revision, int64_t time_ms, ec_err *err);

/* Assumption used while no rate has been observed: revisions first_rev up to
 * the first sample took span_ms. Ignored when first_rev is not below the
 * first sample's revision or span_ms <= 0. */
void ec_revclock_assume(ec_revclock *rc, int64_t first_rev, int64_t span_ms);

/* Estimated time of `revision` into *time_ms, rule into *how (may be NULL).
 * Fails (EC_E_INVALID) for a negative revision, with no sample, or when the
 * revision is outside the samples and neither an observed nor an assumed
 * rate exists. Results are rounded to the nearest ms. */
int ec_revclock_estimate(const ec_revclock *rc, int64_t revision, int64_t *time_ms,
                         ec_revclock_how *how, ec_err *err);

/* Observed revisions per second between the first and last sample; 0 when
 * there is none. */
double ec_revclock_rate(const ec_revclock *rc);
size_t ec_revclock_count(const ec_revclock *rc);

#endif
