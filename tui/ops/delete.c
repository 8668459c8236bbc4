#include "tui/ops/delete.h"

#include <inttypes.h>
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
    json_t *fields = audit_build_delete_intent(&ctx, p->revision, kvs, p->n, err);
    free(kvs);
    if (!fields)
        return -1;
    audit_appended ap;
    int rc = audit_append(log, AUDIT_KIND_INTENT, 0, fields, &ap, err);
    json_decref(fields);
    if (rc == 0)
        *seq = ap.seq;
    return rc;
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

static void pace(double start, size_t done, double rate)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    double due = start + (double)done / rate;
    if (due > now) {
        double d = due - now;
        struct timespec sl = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
        nanosleep(&sl, NULL);
    }
}

/* One batch: keys idx[0..n). Deletes those still at their planned
 * mod_revision; the others are recorded as skipped. Returns 0, or -1 on an
 * etcd error (outcome of the batch unknown). */
static int run_batch(ec_client *c, const bg_plan *p, size_t *idx, size_t n, bg_delete_outcome *o, ec_err *err)
{
    ec_compare cmp[BG_TXN_MAX_OPS];
    ec_op del[BG_TXN_MAX_OPS], get[BG_TXN_MAX_OPS];
    while (n > 0) {
        for (size_t i = 0; i < n; i++) {
            const bg_plan_kv *k = &p->kvs[idx[i]];
            cmp[i] = (ec_compare){EC_CMP_MOD, EC_CMP_EQUAL, k->key, k->key_len, k->mod_revision, NULL, 0};
            del[i] = (ec_op){.type = EC_OP_DELETE, .key = k->key, .key_len = k->key_len};
            get[i] = (ec_op){.type = EC_OP_GET, .key = k->key, .key_len = k->key_len};
        }
        ec_txn_result *t;
        if (ec_txn(c, cmp, n, del, n, get, n, &t, err) != 0)
            return -1;
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
                add_skip(o, idx[i], "absent");
            else if (r->kvs[0].mod_revision != k->mod_revision)
                add_skip(o, idx[i], "changed");
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

int bg_delete_execute(ec_client *c, audit_log *log, const bg_plan *p, const bg_delete_opts *opt,
                      bg_delete_outcome *o, ec_err *err)
{
    memset(o, 0, sizeof *o);
    if (bg_audit_intent(log, p, c, &o->intent_seq, err) != 0)
        return -1; /* nothing was sent to etcd */
    double rate = opt && opt->max_keys_per_s > 0 ? opt->max_keys_per_s : BG_DELETE_DEFAULT_RATE;
    size_t batch = opt && opt->batch > 0 && opt->batch <= BG_TXN_MAX_OPS ? opt->batch : BG_TXN_MAX_OPS;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    size_t idx[BG_TXN_MAX_OPS];
    size_t pos = 0;
    ec_err xerr;
    while (pos < p->n) {
        if (opt && opt->cancel && *opt->cancel) {
            for (; pos < p->n; pos++)
                add_skip(o, pos, "cancelled");
            snprintf(o->error, sizeof o->error, "cancelled by the operator");
            break;
        }
        size_t n = p->n - pos < batch ? p->n - pos : batch;
        for (size_t i = 0; i < n; i++)
            idx[i] = pos + i;
        if (run_batch(c, p, idx, n, o, &xerr) != 0) {
            /* This batch's outcome is unknown: its keys are neither deleted
             * nor skipped in the record, so a restore puts them back (guarded).
             * The keys after it were not attempted. */
            o->unknown = n;
            snprintf(o->error, sizeof o->error, "%s", xerr.msg);
            for (size_t k = pos + n; k < p->n; k++)
                add_skip(o, k, "not-attempted");
            break;
        }
        pos += n;
        if (opt && opt->progress)
            opt->progress(opt->ud, pos, o->n_skipped, p->n);
        pace(start, pos, rate);
    }
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
