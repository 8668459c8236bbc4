#include "etcdclient/rates/revclock.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct sample {
    int64_t rev, ms;
} sample;

struct ec_revclock {
    size_t n, max;
    int64_t assume_rev, assume_span;   /* span 0: no assumption */
    sample *s;                         /* max entries, sorted by (rev, ms) */
};

int ec_revclock_new(size_t max_samples, ec_revclock **out, ec_err *err)
{
    *out = NULL;
    if (!max_samples)
        max_samples = EC_REVCLOCK_DEFAULT_SAMPLES;
    if (max_samples < EC_REVCLOCK_MIN_SAMPLES || max_samples > ((size_t)1 << 24))
        return ec_fail(err, EC_E_INVALID, "cannot create revision clock: %zu samples out of range",
                       max_samples);
    ec_revclock *rc = calloc(1, sizeof *rc);
    if (rc)
        rc->s = malloc(max_samples * sizeof *rc->s);
    if (!rc || !rc->s) {
        free(rc);
        return ec_fail(err, EC_E_NOMEM, "cannot create revision clock: out of memory");
    }
    rc->max = max_samples;
    *out = rc;
    return 0;
}

void ec_revclock_free(ec_revclock *rc)
{
    if (!rc)
        return;
    free(rc->s);
    free(rc);
}

void ec_revclock_reset(ec_revclock *rc)
{
    rc->n = 0;
    rc->assume_span = 0;
}

size_t ec_revclock_count(const ec_revclock *rc)
{
    return rc->n;
}

/* Halves the older half: keeps sample 0 and every second one after it up to
 * the middle, then the newer half whole. */
static void thin(ec_revclock *rc)
{
    size_t half = rc->n / 2, o = 1;
    for (size_t i = 2; i < half; i += 2)
        rc->s[o++] = rc->s[i];
    for (size_t i = half; i < rc->n; i++)
        rc->s[o++] = rc->s[i];
    rc->n = o;
}

int ec_revclock_add(ec_revclock *rc, int64_t revision, int64_t time_ms, ec_err *err)
{
    if (revision < 0)
        return ec_fail(err, EC_E_INVALID, "cannot record revision %" PRId64 ": negative",
                       revision);
    if (time_ms < -EC_REVCLOCK_MAX_MS || time_ms > EC_REVCLOCK_MAX_MS)
        return ec_fail(err, EC_E_INVALID,
                       "cannot record revision %" PRId64 ": time %" PRId64 " ms out of range",
                       revision, time_ms);
    if (rc->n) {
        const sample *l = &rc->s[rc->n - 1];
        if (revision < l->rev)
            return ec_fail(err, EC_E_INVALID,
                           "cannot record revision %" PRId64 ": below last sample %" PRId64,
                           revision, l->rev);
        if (time_ms < l->ms)
            return ec_fail(err, EC_E_INVALID,
                           "cannot record revision %" PRId64 ": time %" PRId64
                           " ms before last sample %" PRId64 " ms",
                           revision, time_ms, l->ms);
        /* Within a run at one revision only its ends carry information. */
        if (rc->n >= 2 && rc->s[rc->n - 2].rev == revision && l->rev == revision) {
            rc->s[rc->n - 1].ms = time_ms;
            return 0;
        }
    }
    if (rc->n == rc->max)
        thin(rc);
    rc->s[rc->n++] = (sample){ .rev = revision, .ms = time_ms };
    return 0;
}

void ec_revclock_assume(ec_revclock *rc, int64_t first_rev, int64_t span_ms)
{
    rc->assume_rev = first_rev > 0 ? first_rev : 0;
    rc->assume_span = span_ms > 0 ? span_ms : 0;
}

/* round(a * b / c) for c > 0, in 128 bits so revisions times milliseconds
 * cannot overflow; halves round away from zero. */
static int64_t muldiv(int64_t a, int64_t b, int64_t c)
{
    __int128 p = (__int128)a * b;
    __int128 q = (p >= 0 ? p + c / 2 : p - c / 2) / c;
    if (q > INT64_MAX)
        return INT64_MAX;
    if (q < INT64_MIN)
        return INT64_MIN;
    return (int64_t)q;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* The rate as a (revisions, ms) pair: observed first-to-last, else assumed. */
static bool rate(const ec_revclock *rc, int64_t *drev, int64_t *dms, bool *assumed)
{
    const sample *f = &rc->s[0], *l = &rc->s[rc->n - 1];
    if (l->rev > f->rev && l->ms > f->ms) {
        *drev = l->rev - f->rev;
        *dms = l->ms - f->ms;
        *assumed = false;
        return true;
    }
    if (rc->assume_span > 0 && rc->assume_rev < f->rev) {
        *drev = f->rev - rc->assume_rev;
        *dms = rc->assume_span;
        *assumed = true;
        return true;
    }
    return false;
}

double ec_revclock_rate(const ec_revclock *rc)
{
    if (rc->n < 2)
        return 0;
    const sample *f = &rc->s[0], *l = &rc->s[rc->n - 1];
    if (l->rev <= f->rev || l->ms <= f->ms)
        return 0;
    return (double)(l->rev - f->rev) * 1000.0 / (double)(l->ms - f->ms);
}

int ec_revclock_estimate(const ec_revclock *rc, int64_t revision, int64_t *time_ms,
                         ec_revclock_how *how, ec_err *err)
{
    ec_revclock_how h;
    if (revision < 0)
        return ec_fail(err, EC_E_INVALID,
                       "cannot estimate the time of revision %" PRId64 ": negative", revision);
    if (!rc->n)
        return ec_fail(err, EC_E_INVALID,
                       "cannot estimate the time of revision %" PRId64 ": no clock sample",
                       revision);
    const sample *f = &rc->s[0], *l = &rc->s[rc->n - 1];
    if (revision >= f->rev && revision <= l->rev) {
        /* First sample at or above the revision... */
        size_t lo = 0, hi = rc->n - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (rc->s[mid].rev >= revision)
                hi = mid;
            else
                lo = mid + 1;
        }
        const sample *u = &rc->s[lo];
        if (u->rev == revision) {
            *time_ms = u->ms;
            h = EC_REVCLOCK_SAMPLE;
        } else {
            /* ...and the one before it, the last below the revision. */
            const sample *b = &rc->s[lo - 1];
            *time_ms = b->ms + muldiv(u->ms - b->ms, revision - b->rev, u->rev - b->rev);
            h = EC_REVCLOCK_INTERPOLATED;
        }
    } else {
        int64_t drev, dms;
        bool assumed;
        if (!rate(rc, &drev, &dms, &assumed))
            return ec_fail(err, EC_E_INVALID,
                           "cannot estimate the time of revision %" PRId64
                           ": revision rate unknown",
                           revision);
        const sample *a = revision < f->rev ? f : l;
        *time_ms = sat_add(a->ms, muldiv(revision - a->rev, dms, drev));
        h = assumed ? EC_REVCLOCK_ASSUMED : EC_REVCLOCK_EXTRAPOLATED;
    }
    if (how)
        *how = h;
    return 0;
}
