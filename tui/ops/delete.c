#include "tui/ops/delete.h"
#include "tui/ops/pace.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bg_audit_context(audit_context *ctx, const bg_plan *p, ec_client *c, char *cid, size_t cidn, char *mid,
                      size_t midn)
{
    snprintf(cid, cidn, "%" PRIx64, p->cluster_id);
    snprintf(mid, midn, "%" PRIx64, p->member_id);
    memset(ctx, 0, sizeof *ctx);
    ctx->action = p->action;
    ctx->cluster_id = cid;
    ctx->member = mid;
    ctx->endpoint = ec_client_endpoint(c);
    ctx->target = p->target;
    ctx->target_len = p->target_len;
}

static audit_kv *plan_audit_kvs(const bg_plan *p)
{
    audit_kv *kv = calloc(p->n + 1, sizeof *kv);
    if (!kv)
        return NULL;
    for (size_t i = 0; i < p->n; i++) {
        const bg_plan_kv *s = &p->kvs[i];
        kv[i] = (audit_kv){s->key, s->key_len, s->value, s->value_len,
                           s->create_revision, s->mod_revision, s->version, s->lease};
    }
    return kv;
}

int bg_audit_intent(audit_log *log, const bg_plan *p, ec_client *c, uint64_t *seq, ec_err *err)
{
    char cid[32], mid[32];
    audit_context ctx;
    bg_audit_context(&ctx, p, c, cid, sizeof cid, mid, sizeof mid);
    audit_kv *kvs = plan_audit_kvs(p);
    if (!kvs)
        return ec_fail(err, EC_E_NOMEM, "out of memory recording the intent");
    /* Streamed: a JSON tree of ten thousand pre-images cost more than the
     * disk did (issue #5). */
    audit_appended ap;
    int rc = audit_append_delete_intent(log, &ctx, p->revision, kvs, p->n, &ap, err);
    free(kvs);
    if (rc == 0)
        *seq = ap.seq;
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double d)
{
    struct timespec sl = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&sl, NULL);
}

/* What one batch found: skips are kept per batch and merged under the
 * lock, so workers never touch the outcome while others do. */
typedef struct batch_out {
    bg_skip *skip;              /* room for every key handed out at once */
    size_t n_skip;
    int64_t deleted, revision;
    size_t outside;             /* keys deleted that the plan did not hold (never expected) */
} batch_out;

/* One batch: keys idx[0..n). Deletes those still at their planned
 * mod_revision; the others are recorded as skipped. Returns 0, or -1 on an
 * etcd error (outcome of the batch unknown). */
static int run_batch(ec_client *c, const bg_plan *p, size_t *idx, size_t n, batch_out *o, ec_err *err)
{
    ec_compare cmp[BG_TXN_MAX_OPS];
    ec_op del[BG_TXN_MAX_OPS], get[BG_TXN_MAX_OPS];
    while (n > 0) {
        for (size_t i = 0; i < n; i++) {
            const bg_plan_kv *k = &p->kvs[idx[i]];
            cmp[i] = (ec_compare){.target = EC_CMP_MOD, .result = EC_CMP_EQUAL, .key = k->key, .key_len = k->key_len,
                                  .number = k->mod_revision};
            del[i] = (ec_op){.type = EC_OP_DELETE, .key = k->key, .key_len = k->key_len};
            get[i] = (ec_op){.type = EC_OP_GET, .key = k->key, .key_len = k->key_len};
        }
        ec_txn_result *t;
        if (ec_txn(c, cmp, n, del, n, get, n, &t, err) != 0)
            return -1;
        if (t->header.revision > o->revision)
            o->revision = t->header.revision;
        if (t->succeeded) {
            for (size_t i = 0; i < t->n_results; i++)
                o->deleted += t->results[i].deleted;
            ec_txn_result_free(t);
            return 0;
        }
        /* Some key moved since the plan: find which, keep the rest. */
        size_t keep = 0;
        for (size_t i = 0; i < n && i < t->n_results; i++) {
            const ec_op_result *r = &t->results[i];
            const bg_plan_kv *k = &p->kvs[idx[i]];
            if (r->n_kvs == 0)
                o->skip[o->n_skip++] = (bg_skip){idx[i], "absent"};
            else if (r->kvs[0].mod_revision != k->mod_revision)
                o->skip[o->n_skip++] = (bg_skip){idx[i], "changed"};
            else
                idx[keep++] = idx[i];
        }
        ec_txn_result_free(t);
        if (keep == n)
            return ec_fail(err, EC_E_INTERNAL, "Txn compare failed but no key differs from the plan");
        n = keep;
    }
    return 0;
}

static int cmp_key(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* Where key is among the plan keys kvs[0..n) (sorted), or n. */
static size_t find_key(const bg_plan_kv *kvs, size_t n, const uint8_t *key, size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(kvs[mid].key, kvs[mid].key_len, key, len);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return n;
}

/* Marks in gone[] the chunk's plan keys that the range held at rev (the
 * revision just before our delete): exactly those our delete removed. */
static int held_before(ec_client *c, const bg_plan_kv *kvs, size_t n, const uint8_t *end, size_t end_len,
                       int64_t rev, bool *gone, size_t *outside, size_t *held, ec_err *err)
{
    ec_range_opts ro = {.key = kvs[0].key, .key_len = kvs[0].key_len, .range_end = end, .range_end_len = end_len,
                        .revision = rev, .keys_only = true};
    ec_range_iter *it = ec_range_begin(c, &ro, err);
    if (!it)
        return -1;
    const ec_kv *got;
    size_t m;
    int r;
    while ((r = ec_range_next(it, &got, &m, err)) > 0) {
        for (size_t i = 0; i < m; i++) {
            size_t k = find_key(kvs, n, got[i].key, got[i].key_len);
            if (k == n || got[i].mod_revision != kvs[k].mod_revision)
                (*outside)++;
            else
                gone[k] = true;
            (*held)++;
        }
    }
    ec_range_end(it);
    return r < 0 ? -1 : 0;
}

/* A chunk: the plan keys kvs[pos..pos+n), consecutive in a whole_range
 * plan, so at the plan's revision R no other key lay in [first, last +
 * "\0"). One Txn: if no key of that range has a mod_revision above R (etcd
 * checks every key present in a compare's range, so a key written or
 * created since R fails it), delete the range; every key it deletes is
 * then a plan key at its planned revision. Returns 0 when done, 1 when the
 * compare failed (nothing deleted: the caller goes key by key), -1 on an
 * etcd error (outcome unknown for the keys neither deleted nor skipped). */
static int run_chunk(ec_client *c, const bg_plan *p, size_t pos, size_t n, batch_out *o, ec_err *err)
{
    const bg_plan_kv *kvs = &p->kvs[pos], *last = &kvs[n - 1];
    size_t end_len = last->key_len + 1;
    uint8_t *end = malloc(end_len);
    if (!end)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    memcpy(end, last->key, last->key_len);
    end[last->key_len] = 0;
    ec_compare cmp = {.target = EC_CMP_MOD, .result = EC_CMP_LESS, .key = kvs[0].key, .key_len = kvs[0].key_len,
                      .number = p->revision + 1, .range_end = end, .range_end_len = end_len};
    ec_op del = {.type = EC_OP_DELETE, .key = kvs[0].key, .key_len = kvs[0].key_len, .range_end = end,
                 .range_end_len = end_len};
    ec_txn_result *t;
    if (ec_txn(c, &cmp, 1, &del, 1, NULL, 0, &t, err) != 0) {
        free(end);
        return -1;
    }
    bool ok = t->succeeded && t->n_results == 1;
    int64_t deleted = ok ? t->results[0].deleted : 0, rev = t->header.revision;
    ec_txn_result_free(t);
    if (rev > o->revision)
        o->revision = rev;
    if (!ok) {
        free(end);
        return 1;
    }
    o->deleted += deleted;
    if (deleted == (int64_t)n) {
        free(end);
        return 0;
    }
    /* Some plan keys were gone before we came (deleted by someone else
     * since the plan): what the range held just before our delete tells
     * exactly which to report absent. */
    bool *gone = calloc(n, sizeof *gone);
    size_t outside = 0, held = 0;
    int rc = gone ? held_before(c, kvs, n, end, end_len, rev - 1, gone, &outside, &held, err)
                  : ec_fail(err, EC_E_NOMEM, "out of memory");
    free(end);
    if (rc == 0) {
        if (held != (size_t)deleted)
            outside += held > (size_t)deleted ? held - (size_t)deleted : (size_t)deleted - held;
        for (size_t k = 0; k < n; k++)
            if (!gone[k])
                o->skip[o->n_skip++] = (bg_skip){pos + k, "absent"};
        o->outside += outside;
    } else {
        ec_wrap(err, "cannot tell which keys of a deleted range were already absent");
    }
    free(gone);
    return rc;
}

/* The run shared by the workers; everything below `mu` is guarded by it. */
typedef struct run {
    ec_client *c;
    const bg_plan *p;
    volatile int *cancel;
    size_t batch;           /* keys per key-by-key Txn */
    size_t chunk;           /* most keys handed out at once */
    bg_pace pace;           /* the rate bound */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next;            /* first plan index not handed out */
    size_t finished;        /* keys of the batches that came back */
    size_t running;
    bool stop, cancelled;
    bg_delete_outcome *o;
    bool skip_nomem;
} run;

static void merge(run *r, const batch_out *b)
{
    bg_delete_outcome *o = r->o;
    o->deleted += b->deleted;
    if (b->revision > o->revision)
        o->revision = b->revision;
    if (b->n_skip == 0)
        return;
    bg_skip *s = realloc(o->skipped, (o->n_skipped + b->n_skip) * sizeof *s);
    if (!s) {
        r->skip_nomem = true;
        return;
    }
    o->skipped = s;
    memcpy(s + o->n_skipped, b->skip, b->n_skip * sizeof *s);
    o->n_skipped += b->n_skip;
}

/* How many keys from pos make the next piece of work: a chunk of a
 * whole_range plan (bounded in keys and bytes, so that a fallback key by
 * key stays short), else one Txn's worth. Called with mu held. */
static size_t next_size(const run *r, size_t pos)
{
    size_t left = r->p->n - pos, max = r->chunk < left ? r->chunk : left;
    if (!r->p->whole_range)
        return max;
    uint64_t bytes = 0;
    size_t n = 0;
    while (n < max) {
        bytes += r->p->kvs[pos + n].key_len + r->p->kvs[pos + n].value_len;
        if (n > 0 && bytes > BG_DELETE_CHUNK_BYTES)
            break;
        n++;
    }
    return n;
}

/* Keys pos..pos+n, key by key in Txns of up to r->batch. */
static int run_keys(const run *r, size_t pos, size_t n, batch_out *b, ec_err *err)
{
    size_t idx[BG_TXN_MAX_OPS];
    for (size_t done = 0; done < n;) {
        size_t m = n - done < r->batch ? n - done : r->batch;
        for (size_t i = 0; i < m; i++)
            idx[i] = pos + done + i;
        if (run_batch(r->c, r->p, idx, m, b, err) != 0)
            return -1;
        done += m;
    }
    return 0;
}

static void *worker(void *arg)
{
    run *r = arg;
    batch_out b;
    memset(&b, 0, sizeof b);
    ec_err xerr;
    pthread_mutex_lock(&r->mu);
    b.skip = malloc((r->chunk > BG_TXN_MAX_OPS ? r->chunk : BG_TXN_MAX_OPS) * sizeof *b.skip);
    if (!b.skip && !r->stop) {
        r->stop = true;
        snprintf(r->o->error, sizeof r->o->error, "out of memory before a batch");
    }
    while (!r->stop && r->next < r->p->n) {
        if (r->cancel && *r->cancel) {
            r->cancelled = r->stop = true;
            break;
        }
        size_t n = next_size(r, r->next);
        double now = now_s(), due = bg_pace_due(&r->pace, n, now);
        if (due > now) {
            /* Wait outside the lock, in short steps so a cancel is seen. */
            pthread_mutex_unlock(&r->mu);
            sleep_s(due - now < 0.1 ? due - now : 0.1);
            pthread_mutex_lock(&r->mu);
            continue;
        }
        size_t pos = r->next;
        r->next += n;
        bg_pace_sent(&r->pace, n, now);
        pthread_mutex_unlock(&r->mu);

        b.n_skip = 0;
        b.deleted = b.revision = 0;
        b.outside = 0;
        int rc = r->p->whole_range ? run_chunk(r->c, r->p, pos, n, &b, &xerr) : 1;
        if (rc == 1) {
            /* A key in the chunk's range was written since the plan (or the
             * plan is not one range): key by key, so a changed key is
             * skipped and reported and a key created since is never
             * touched. */
            rc = run_keys(r, pos, n, &b, &xerr);
        }

        pthread_mutex_lock(&r->mu);
        merge(r, &b);
        r->o->outside += b.outside;
        if (rc != 0) {
            /* The outcome of this piece is unknown for the keys neither
             * deleted nor skipped: they are left out of the record's skips,
             * so a restore puts them back (guarded). The keys not handed
             * out are not attempted. */
            r->o->unknown += n - b.n_skip - (size_t)b.deleted;
            if (!r->o->error[0])
                snprintf(r->o->error, sizeof r->o->error, "%s", xerr.msg);
            r->stop = true;
        }
        r->finished += n;
        pthread_cond_broadcast(&r->cv);
    }
    r->running--;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    free(b.skip);
    return NULL;
}

static int cmp_skip(const void *a, const void *b)
{
    size_t x = ((const bg_skip *)a)->idx, y = ((const bg_skip *)b)->idx;
    return (x > y) - (x < y);
}

static int add_skip(bg_delete_outcome *o, size_t idx, const char *reason)
{
    bg_skip *s = realloc(o->skipped, (o->n_skipped + 1) * sizeof *s);
    if (!s)
        return -1;
    o->skipped = s;
    s[o->n_skipped++] = (bg_skip){idx, reason};
    return 0;
}

/* Runs the batches, up to `in_flight` at a time; progress is reported
 * from the calling thread. */
static void run_batches(run *r, const bg_delete_opts *opt, size_t in_flight)
{
    pthread_t th[BG_DELETE_MAX_IN_FLIGHT];
    size_t started = 0;
    pthread_mutex_lock(&r->mu);
    for (; started < in_flight; started++) {
        r->running++;
        if (pthread_create(&th[started], NULL, worker, r) != 0) {
            r->running--;
            break;
        }
    }
    if (started == 0) {
        /* No thread to be had: one batch at a time, here. */
        r->running++;
        pthread_mutex_unlock(&r->mu);
        worker(r);
        pthread_mutex_lock(&r->mu);
    }
    size_t shown = 0;
    while (r->running > 0) {
        pthread_cond_wait(&r->cv, &r->mu);
        if (opt && opt->progress && r->finished != shown) {
            size_t done = shown = r->finished, skipped = r->o->n_skipped;
            pthread_mutex_unlock(&r->mu);
            opt->progress(opt->ud, done, skipped, r->p->n);
            pthread_mutex_lock(&r->mu);
        }
    }
    size_t done = r->finished, skipped = r->o->n_skipped;
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (opt && opt->progress && done != shown)
        opt->progress(opt->ud, done, skipped, r->p->n);
}

int bg_delete_execute(ec_client *c, audit_log *log, const bg_plan *p, const bg_delete_opts *opt,
                      bg_delete_outcome *o, ec_err *err)
{
    memset(o, 0, sizeof *o);
    if (bg_audit_intent(log, p, c, &o->intent_seq, err) != 0)
        return -1; /* nothing was sent to etcd */
    double rate = opt && opt->max_keys_per_s > 0 ? opt->max_keys_per_s : BG_DELETE_DEFAULT_RATE;
    size_t batch = opt && opt->batch > 0 && opt->batch <= BG_TXN_MAX_OPS ? opt->batch : BG_TXN_MAX_OPS;
    size_t in_flight = opt && opt->in_flight > 0 ? opt->in_flight : BG_DELETE_IN_FLIGHT;
    if (in_flight > BG_DELETE_MAX_IN_FLIGHT)
        in_flight = BG_DELETE_MAX_IN_FLIGHT;
    run r = {.c = c, .p = p, .cancel = opt ? opt->cancel : NULL, .o = o};
    if (bg_pace_init(&r.pace, rate, p->n) != 0) {
        snprintf(o->error, sizeof o->error, "out of memory before the first batch");
    } else {
        r.batch = batch < r.pace.limit ? batch : r.pace.limit;
        size_t chunk = p->whole_range ? (opt && opt->chunk > 0 ? opt->chunk : BG_DELETE_CHUNK_KEYS) : r.batch;
        r.chunk = chunk < r.pace.limit ? chunk : r.pace.limit;
        pthread_mutex_init(&r.mu, NULL);
        pthread_cond_init(&r.cv, NULL);
        run_batches(&r, opt, in_flight);
        pthread_mutex_destroy(&r.mu);
        pthread_cond_destroy(&r.cv);
        bg_pace_free(&r.pace);
    }
    for (size_t k = r.next; k < p->n; k++)
        add_skip(o, k, r.cancelled ? "cancelled" : "not-attempted");
    if (o->outside && !o->error[0])
        snprintf(o->error, sizeof o->error, "etcd deleted %zu keys that were not in the plan as planned",
                 o->outside);
    if (r.skip_nomem && !o->error[0])
        snprintf(o->error, sizeof o->error, "out of memory listing skipped keys: some may be missing here");
    if (r.cancelled && !o->error[0])
        snprintf(o->error, sizeof o->error, "cancelled by the operator");
    if (o->n_skipped > 1)
        qsort(o->skipped, o->n_skipped, sizeof *o->skipped, cmp_skip);

    /* The result record: what happened, whatever happened. */
    char cid[32], mid[32];
    audit_context ctx;
    bg_audit_context(&ctx, p, c, cid, sizeof cid, mid, sizeof mid);
    audit_skip *sk = calloc(o->n_skipped + 1, sizeof *sk);
    if (!sk)
        return ec_fail(err, EC_E_NOMEM, "out of memory recording the result (the intent is recorded as #%llu)",
                       (unsigned long long)o->intent_seq);
    for (size_t i = 0; i < o->n_skipped; i++)
        sk[i] = (audit_skip){p->kvs[o->skipped[i].idx].key, p->kvs[o->skipped[i].idx].key_len,
                             o->skipped[i].reason};
    json_t *res = audit_build_delete_result(&ctx, o->revision, o->deleted, sk, o->n_skipped,
                                            o->error[0] ? o->error : NULL, err);
    free(sk);
    if (!res)
        return 0; /* the deletion happened; err says why the result is missing */
    audit_appended ap;
    if (audit_append(log, AUDIT_KIND_RESULT, o->intent_seq, res, &ap, err) == 0)
        o->result_seq = ap.seq;
    json_decref(res);
    return 0;
}

void bg_delete_outcome_free(bg_delete_outcome *o)
{
    free(o->skipped);
    memset(o, 0, sizeof *o);
}
