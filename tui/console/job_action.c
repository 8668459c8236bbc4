/* Guarded delete from the browser (D): the worker reads the plan at one
 * revision (values included), describes it as escaped text for the screen,
 * keeps the plan until the operator confirms or cancels, then runs
 * bg_delete_execute with the audit log (opened once, on the first delete).
 * The UI thread never calls etcd and never holds the plan. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/text.h"
#include "tui/ops/delete.h"
#include "tui/ops/owner.h"

#define ACT_PLAN_MAX_BYTES ((uint64_t)200 << 20)
#define ACT_SAMPLE_KEYS 8

void ev_action_free(void *p)
{
    ev_action *a = p;
    ec_buf_free(&a->text);
    ec_buf_free(&a->confirm);
    free(a);
}

static ev_action *new_ev(int phase)
{
    ev_action *a = calloc(1, sizeof *a);
    if (a) {
        a->phase = phase;
        ec_buf_init(&a->text, (size_t)1 << 20);
        ec_buf_init(&a->confirm, 0);
    }
    return a;
}

static void post(con *c, uint64_t gen, ev_action *a, int coalesce)
{
    cq_ev *ev = cq_ev_new(EV_ACTION, gen);
    if (!ev) {
        ev_action_free(a);
        return;
    }
    ev->coalesce = coalesce;
    ev->data = a;
    ev->free_data = ev_action_free;
    cq_push(c->q, ev);
}

static void post_error(con *c, uint64_t gen, const char *what, const ec_err *err)
{
    ev_action *a = new_ev(ACT_FAILED);
    if (!a)
        return;
    ec_buf_printf(&a->text, "%s: ", what);
    ct_sanitize(&a->text, err->msg, strlen(err->msg), false);
    post(c, gen, a, 0);
}

static void describe(const bg_plan *p, ec_buf *t)
{
    char by[24];
    ec_buf_printf(t, "plan: %s '", p->action);
    ct_escape(t, p->target, p->target_len, false);
    ec_buf_printf(t, "' read at revision %" PRId64 "\n", p->revision);
    ec_buf_printf(t, "  %zu key%s, %s\n", p->n, p->n == 1 ? "" : "s", ct_bytes(p->bytes, by, sizeof by));
    for (size_t i = 0; i < p->n && i < ACT_SAMPLE_KEYS; i++) {
        ec_buf_puts(t, "    ");
        ct_escape(t, p->kvs[i].key, p->kvs[i].key_len, false);
        ec_buf_printf(t, "   (mod revision %" PRId64 ", %s)\n", p->kvs[i].mod_revision,
                      ct_bytes(p->kvs[i].value_len, by, sizeof by));
    }
    if (p->n > ACT_SAMPLE_KEYS)
        ec_buf_printf(t, "    ... and %zu more\n", p->n - ACT_SAMPLE_KEYS);
    /* bg_owner_describe writes to a FILE: catch it in memory. */
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (f) {
        bg_owner_describe(f, p);
        fclose(f);
        /* Sanitized line by line: the lines themselves are kept. */
        for (size_t i = 0; mem && i < len;) {
            const char *nl = memchr(mem + i, '\n', len - i);
            size_t n = nl ? (size_t)(nl - (mem + i)) : len - i;
            ct_sanitize(t, mem + i, n, false);
            ec_buf_puts(t, "\n");
            i += n + 1;
        }
        free(mem);
    }
}

static void plan(con *c, job_action *j, uint64_t gen, const ec_buf *target, tm_del_kind kind)
{
    bg_plan_free(&j->plan);
    j->has_plan = false;
    const uint8_t *t = (const uint8_t *)(target->data ? target->data : "");
    bool prefix = kind == TM_DEL_PREFIX;
    ec_err err;
    if (kind == TM_DEL_OWNER) {
        /* "Kind/namespace/name" with everything it owns (tui/ops/owner.h). */
        char *spec = strndup((const char *)t, target->len);
        int rc = !spec                         ? ec_fail(&err, EC_E_NOMEM, "out of memory")
                 : strlen(spec) != target->len ? ec_fail(&err, EC_E_INVALID, "owner name holds a NUL byte")
                                               : bg_owner_plan(c->client, spec, c->ctx->opts->k8s_prefix, &j->plan, ACT_PLAN_MAX_BYTES, &err);
        free(spec);
        if (rc != 0) {
            post_error(c, gen, "cannot read the plan", &err);
            return;
        }
    } else {
        bg_plan_init(&j->plan, prefix ? "delete-prefix" : "delete-key", t, target->len);
        ec_range_opts ro = {.key = t, .key_len = target->len, .prefix = prefix};
        if (bg_plan_read_range(&j->plan, c->client, &ro, ACT_PLAN_MAX_BYTES, &err) != 0) {
            post_error(c, gen, "cannot read the plan", &err);
            return;
        }
    }
    ev_action *a = new_ev(ACT_PLANNED);
    if (!a)
        return;
    if (j->plan.n == 0) {
        a->phase = ACT_FAILED;
        ec_buf_printf(&a->text, "nothing to delete: no key at revision %" PRId64, j->plan.revision);
        post(c, gen, a, 0);
        return;
    }
    if (kind == TM_DEL_OWNER) {
        /* Confirmed by the owner's name, as `breakglass rm --owner`. */
        ec_buf_puts(&a->confirm, j->plan.confirm_name);
    } else if (!prefix) {
        /* Confirmed by the object's name: the key's last path segment. */
        const uint8_t *s = memrchr(t, '/', target->len);
        size_t off = s && (size_t)(s - t) + 1 < target->len ? (size_t)(s - t) + 1 : 0;
        ec_buf_append(&a->confirm, t + off, target->len - off);
    }
    a->by_name = kind == TM_DEL_OWNER || !prefix;
    a->count = (int64_t)j->plan.n;
    describe(&j->plan, &a->text);
    j->has_plan = true;
    j->plan_gen = gen;
    post(c, gen, a, 0);
}

typedef struct prog_ud {
    con *c;
    uint64_t gen;
} prog_ud;

static void on_progress(void *ud, size_t done, size_t skipped, size_t total)
{
    prog_ud *p = ud;
    ev_action *a = new_ev(ACT_RUNNING);
    if (!a)
        return;
    ec_buf_printf(&a->text, "deleting: %zu of %zu done, %zu skipped", done, total, skipped);
    post(p->c, p->gen, a, 1);
}

static void execute(con *c, job_action *j, uint64_t gen)
{
    if (!j->has_plan || j->plan_gen != gen)
        return;
    ec_err err;
    if (!j->log) {
        audit_options ao = {c->ctx->opts->audit_log, c->ctx->opts->audit_key, 1, 0};
        char *notice = NULL;
        if (audit_open(&j->log, &ao, &notice, &err) != 0) {
            free(notice);
            j->log = NULL;
            post_error(c, gen, "nothing was deleted: cannot open the audit log", &err);
            return;
        }
        free(notice);
    }
    prog_ud ud = {c, gen};
    bg_delete_opts o = {.progress = on_progress, .ud = &ud};
    bg_delete_outcome out;
    const bg_plan *p = &j->plan;
    if (bg_delete_execute(c->client, j->log, p, &o, &out, &err) != 0) {
        post_error(c, gen, "nothing was deleted", &err);
        return;
    }
    ev_action *a = new_ev(ACT_DONE);
    if (a) {
        ec_buf_printf(&a->text, "deleted %" PRId64 " of %zu keys; etcd revision now %" PRId64 "\n", out.deleted, p->n,
                      out.revision);
        ec_buf_printf(&a->text, "audit: intent #%" PRIu64 ", result #%" PRIu64 " in '", out.intent_seq,
                      out.result_seq);
        const char *path = audit_log_path(j->log);
        ct_escape(&a->text, (const uint8_t *)path, strlen(path), false);
        ec_buf_printf(&a->text, "'\nundo: breakglass audit restore %" PRIu64 "\n", out.intent_seq);
        for (size_t i = 0; i < out.n_skipped; i++) {
            const bg_plan_kv *k = &p->kvs[out.skipped[i].idx];
            ec_buf_printf(&a->text, "skipped (%s): ", out.skipped[i].reason);
            ct_escape(&a->text, k->key, k->key_len, false);
            ec_buf_putc(&a->text, '\n');
        }
        if (out.unknown)
            ec_buf_printf(&a->text, "outcome unknown for %zu keys of the batch that failed\n", out.unknown);
        if (out.error[0]) {
            ec_buf_puts(&a->text, "stopped early: ");
            ct_sanitize(&a->text, out.error, strlen(out.error), false);
            ec_buf_putc(&a->text, '\n');
        }
        a->count = out.deleted;
        post(c, gen, a, 0);
    }
    bg_delete_outcome_free(&out);
    bg_plan_free(&j->plan);
    j->has_plan = false;
}

static void *action_main(void *arg)
{
    con *c = arg;
    job_action *j = &c->ja;
    uint64_t seen = 0;
    ec_buf target;
    ec_buf_init(&target, 0);
    for (;;) {
        pthread_mutex_lock(&j->t.mu);
        int stop = j->t.stop;
        int what = j->req;
        uint64_t gen = j->req_gen;
        tm_del_kind kind = j->kind;
        j->req = ACT_REQ_NONE;
        if (what == ACT_REQ_PLAN) {
            ec_buf_reset(&target);
            ec_buf_append(&target, j->target.data ? j->target.data : "", j->target.len);
        }
        pthread_mutex_unlock(&j->t.mu);
        if (stop)
            break;
        if (what == ACT_REQ_PLAN)
            plan(c, j, gen, &target, kind);
        else if (what == ACT_REQ_EXEC)
            execute(c, j, gen);
        else if (what == ACT_REQ_DROP) {
            bg_plan_free(&j->plan);
            j->has_plan = false;
        }
        if (what != ACT_REQ_NONE)
            continue;
        if (cw_wait(&j->t, -1, &seen))
            break;
    }
    bg_plan_free(&j->plan);
    if (j->log)
        audit_close(j->log);
    j->log = NULL;
    ec_buf_free(&target);
    return NULL;
}

int job_action_start(con *c)
{
    job_action *j = &c->ja;
    cw_init(&j->t, "delete");
    ec_buf_init(&j->target, 0);
    bg_plan_init(&j->plan, "delete-key", (const uint8_t *)"", 0);
    return cw_start(&j->t, action_main, c);
}

void job_action_request(con *c, int req, uint64_t gen, const uint8_t *target, size_t len, tm_del_kind kind)
{
    job_action *j = &c->ja;
    pthread_mutex_lock(&j->t.mu);
    j->req = req;
    j->req_gen = gen;
    if (target)
        j->kind = kind;
    if (target) {
        ec_buf_reset(&j->target);
        ec_buf_append(&j->target, len ? target : (const uint8_t *)"", len);
    }
    pthread_mutex_unlock(&j->t.mu);
    cw_kick(&j->t);
}
