/* The worker behind the audit review (A) and the maintenance dialogs (M):
 * it reads the audit log (streamed, verified, the newest rows kept), reads a
 * plan for an operation and keeps it until the operator confirms or leaves,
 * then runs it through tui/ops/maint.h (every change recorded in the audit
 * log first). It posts EV_AUDIT and EV_MAINT events; the UI thread never
 * calls etcd and never reads the log itself. This file holds the thread, its
 * requests and what the operations share; each operation has its own file
 * (job_maint_*.c, see job_maint.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/job_maint.h"
#include "tui/console/text.h"

void ev_maint_free(void *p)
{
    ev_maint *m = p;
    if (!m)
        return;
    ec_buf_free(&m->text);
    ec_buf_free(&m->confirm);
    ec_buf_free(&m->what);
    free(m);
}

ev_maint *jm_new_maint(int phase)
{
    ev_maint *m = calloc(1, sizeof *m);
    if (m) {
        m->phase = phase;
        ec_buf_init(&m->text, (size_t)4 << 20);
        ec_buf_init(&m->confirm, 256);
        ec_buf_init(&m->what, 256);
        ec_buf_append(&m->text, "", 0);
    }
    return m;
}

void jm_post(con *c, int type, uint64_t gen, void *data, void (*fr)(void *), int coalesce)
{
    cq_ev *ev = cq_ev_new(type, gen);
    if (!ev) {
        fr(data);
        return;
    }
    ev->coalesce = coalesce;
    ev->data = data;
    ev->free_data = fr;
    cq_push(c->q, ev);
}

void jm_post_maint(con *c, uint64_t gen, ev_maint *m, int coalesce)
{
    if (m)
        jm_post(c, EV_MAINT, gen, m, ev_maint_free, coalesce);
}

void jm_esc_str(ec_buf *b, const char *s, bool utf8)
{
    ct_escape(b, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0, utf8);
}

/* A failure: what failed, then the error, escaped. */
void jm_post_failed(con *c, uint64_t gen, const ec_buf *before, const char *what, const ec_err *err)
{
    ev_maint *m = jm_new_maint(MP_FAILED);
    if (!m)
        return;
    if (before && before->len)
        ec_buf_append(&m->text, before->data, before->len);
    ec_buf_printf(&m->text, "%s%s", what, err ? ": " : "");
    if (err)
        ct_sanitize(&m->text, err->msg, strlen(err->msg), false);
    ec_buf_putc(&m->text, '\n');
    jm_post_maint(c, gen, m, 0);
}

int jm_open_log(con *c, mpriv *mp, ec_err *err)
{
    if (mp->log)
        return 0;
    audit_options ao = {c->ctx->opts->audit_log, c->ctx->opts->audit_key, 1, 0};
    char *notice = NULL;
    int rc = audit_open(&mp->log, &ao, &notice, err);
    free(notice);
    if (rc != 0)
        mp->log = NULL;
    return rc;
}

void jm_drop_plan(mpriv *mp)
{
    mp->plan_gen = 0;
    mp->op = MOP_NONE;
    mp->step = 0;
    bg_defrag_plan_free(&mp->dp);
    free(mp->alarms);
    mp->alarms = NULL;
    mp->n_alarms = 0;
    if (mp->has_lease)
        bg_plan_free(&mp->lease);
    mp->has_lease = false;
    if (mp->has_rp)
        audit_restore_plan_free(&mp->rp);
    mp->has_rp = false;
    ec_buf_reset(&mp->hist);
}

void jm_put_warn(ec_buf *t, const ec_err *warn)
{
    if (warn->msg[0]) {
        ec_buf_puts(t, "warning: the result record could not be written: ");
        ct_sanitize(t, warn->msg, strlen(warn->msg), false);
        ec_buf_putc(t, '\n');
    }
}

/* ---- plans ---- */

static void plan(con *c, mpriv *mp, uint64_t gen, mop op, int64_t a, const ec_buf *str)
{
    jm_drop_plan(mp);
    ec_err err;
    ec_err_clear(&err);
    if (op == MOP_SNAPSHOT) {
        /* Nothing changes in etcd: no confirmation, the path was typed. */
        jm_snapshot_run(c, mp, gen, str->data ? str->data : "");
        return;
    }
    ev_maint *m = jm_new_maint(MP_PLANNED);
    if (!m)
        return;
    int rc = -1;
    mp->op = op;
    switch (op) {
    case MOP_COMPACT: mp->rev = a; jm_plan_compact(c, mp, m, &err, &rc); break;
    case MOP_DEFRAG: jm_plan_defrag(c, mp, m, &err, &rc); break;
    case MOP_ALARMS: jm_plan_alarms(c, mp, m, &err, &rc); break;
    case MOP_NOSPACE: mp->step = 1; jm_plan_nospace_step(c, mp, m, &err, &rc); break;
    case MOP_LEASE: mp->lease_id = a; jm_plan_lease(c, mp, m, &err, &rc); break;
    case MOP_RESTORE: jm_plan_restore(c, mp, (uint64_t)a, m, &err, &rc); break;
    default: ec_fail(&err, EC_E_INTERNAL, "unknown operation"); break;
    }
    if (rc != 0) {
        ev_maint_free(m);
        jm_post_failed(c, gen, NULL, rc == -2 ? "refused" : "cannot read the plan", &err);
        jm_drop_plan(mp);
        return;
    }
    if (m->confirm.len == 0) {
        m->phase = MP_DONE; /* nothing to do (no alarms) */
        jm_drop_plan(mp);
    } else {
        mp->plan_gen = gen;
    }
    jm_post_maint(c, gen, m, 0);
}

/* ---- running ---- */

static void execute(con *c, mpriv *mp, uint64_t gen)
{
    if (!mp->plan_gen || mp->plan_gen != gen)
        return;
    ec_err err;
    ec_buf t;
    ec_buf_init(&t, (size_t)4 << 20);
    ec_buf_append(&t, "", 0);
    if (jm_open_log(c, mp, &err) != 0) {
        jm_post_failed(c, gen, &mp->hist, "nothing was sent to etcd: cannot open the audit log", &err);
        jm_drop_plan(mp);
        ec_buf_free(&t);
        return;
    }
    ev_maint *run = jm_new_maint(MP_RUNNING);
    if (run) {
        ec_buf_append(&run->text, mp->hist.data ? mp->hist.data : "", mp->hist.len);
        ec_buf_puts(&run->text, "running...\n");
        jm_post_maint(c, gen, run, 1);
    }
    int rc = -1;
    int step = mp->step;
    switch (mp->op) {
    case MOP_COMPACT: rc = jm_run_compact(c, mp, false, &t, &err); break;
    case MOP_DEFRAG: rc = jm_run_defrag(c, mp, gen, &t, &err); break;
    case MOP_ALARMS: rc = jm_run_disarm(c, mp, &t, &err); break;
    case MOP_LEASE: rc = jm_run_lease(c, mp, &t, &err); break;
    case MOP_RESTORE: rc = jm_run_restore(c, mp, &t, &err); break;
    case MOP_NOSPACE: rc = jm_run_nospace_step(c, mp, gen, &t, &err); break;
    default: break;
    }
    if (mp->op == MOP_NOSPACE && rc == 0 && step < 4) {
        jm_nospace_next(c, mp, gen, &t, &err);
        ec_buf_free(&t);
        return;
    }
    ev_maint *m = jm_new_maint(rc == 0 ? MP_DONE : MP_FAILED);
    if (m) {
        ec_buf_append(&m->text, mp->hist.data ? mp->hist.data : "", mp->hist.len);
        ec_buf_append(&m->text, t.data, t.len);
        if (mp->op == MOP_NOSPACE && rc == 0)
            ec_buf_puts(&m->text, "\nNOSPACE recovery done\n");
        jm_post_maint(c, gen, m, 0);
    }
    jm_drop_plan(mp);
    ec_buf_free(&t);
}

/* ---- the thread ---- */

static void *maint_main(void *arg)
{
    con *c = arg;
    job_maint *j = &c->jm;
    mpriv *mp = j->priv;
    uint64_t seen = 0;
    ec_buf str;
    ec_buf_init(&str, 0);
    for (;;) {
        pthread_mutex_lock(&j->t.mu);
        int stop = j->t.stop;
        int what = j->req, awhat = j->areq;
        uint64_t gen = j->gen, agen = j->agen;
        mop op = j->op;
        int64_t a = j->a, aa = j->aa, ab = j->ab;
        ec_buf_reset(&str);
        ec_buf_append(&str, j->str.data ? j->str.data : "", j->str.len);
        j->req = MREQ_NONE;
        j->areq = MREQ_NONE;
        pthread_mutex_unlock(&j->t.mu);
        if (stop)
            break;
        switch (what) {
        case MREQ_PLAN: plan(c, mp, gen, op, a, &str); break;
        case MREQ_EXEC: execute(c, mp, gen); break;
        case MREQ_DROP: jm_drop_plan(mp); break;
        case MREQ_SNAPSHOT_DEFAULT: jm_snapshot_run(c, mp, gen, NULL); break;
        default: break;
        }
        switch (awhat) {
        case MREQ_AUDIT_LOAD: jm_audit_load(c, mp, agen); break;
        case MREQ_AUDIT_RECORD: jm_audit_record(c, mp, agen, (uint64_t)aa, (uint64_t)ab); break;
        default: break;
        }
        what |= awhat;
        if (what != MREQ_NONE)
            continue;
        if (cw_wait(&j->t, -1, &seen))
            break;
    }
    jm_drop_plan(mp);
    if (mp->log)
        audit_close(mp->log);
    mp->log = NULL;
    ec_buf_free(&str);
    return NULL;
}

int job_maint_start(con *c)
{
    job_maint *j = &c->jm;
    cw_init(&j->t, "maintenance");
    ec_buf_init(&j->str, 4096);
    mpriv *mp = calloc(1, sizeof *mp);
    if (!mp)
        return ENOMEM;
    ec_buf_init(&mp->hist, (size_t)1 << 20);
    j->priv = mp;
    return cw_start(&j->t, maint_main, c);
}

void job_maint_free(con *c)
{
    mpriv *mp = c->jm.priv;
    if (mp) {
        ec_buf_free(&mp->hist);
        free(mp);
    }
    c->jm.priv = NULL;
}

void job_maint_request(con *c, int req, uint64_t gen, mop op, int64_t a, int64_t b, const char *str)
{
    job_maint *j = &c->jm;
    if (!j->t.started)
        return;
    pthread_mutex_lock(&j->t.mu);
    if (req == MREQ_AUDIT_LOAD || req == MREQ_AUDIT_RECORD) {
        j->areq = req;
        j->agen = gen;
        j->aa = a;
        j->ab = b;
    } else if (!(req == MREQ_DROP && j->req != MREQ_NONE && j->gen != gen)) {
        /* A drop never replaces a request not yet taken for another gen. */
        j->req = req;
        j->gen = gen;
        j->op = op;
        j->a = a;
        ec_buf_reset(&j->str);
        if (str)
            ec_buf_append(&j->str, str, strlen(str));
    }
    pthread_mutex_unlock(&j->t.mu);
    cw_kick(&j->t);
}
