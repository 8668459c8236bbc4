/* The worker behind the audit review (A) and the maintenance dialogs (M):
 * it reads the audit log (streamed, verified, the newest rows kept), reads a
 * plan for an operation and keeps it until the operator confirms or leaves,
 * then runs it through tui/ops/maint.h (every change recorded in the audit
 * log first). It posts EV_AUDIT and EV_MAINT events; the UI thread never
 * calls etcd and never reads the log itself. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/console/audit_view.h"
#include "tui/console/con.h"
#include "tui/console/text.h"
#include "tui/ops/maint.h"

#define PLAN_SAMPLE_KEYS 20

typedef struct mpriv {
    audit_log *log;             /* opened on first use, closed at exit */
    uint64_t plan_gen;          /* the plan held; 0: none */
    mop op;
    int step;                   /* NOSPACE: the step planned (1..4) */
    int64_t rev, compacted;
    bg_defrag_plan dp;
    ec_alarm *alarms;
    size_t n_alarms;
    bg_plan lease;
    bool has_lease;
    int64_t lease_id;
    audit_restore_plan rp;
    bool has_rp;
    ec_buf hist;                /* NOSPACE: what the steps so far did (escaped) */
} mpriv;

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

void ev_audit_free(void *p)
{
    ev_audit *a = p;
    if (!a)
        return;
    ec_buf_free(&a->msg);
    ec_buf_free(&a->path);
    ec_buf_free(&a->verify);
    ec_buf_free(&a->detail);
    for (size_t i = 0; i < a->n_rows; i++)
        free(a->rows[i].text);
    free(a->rows);
    free(a);
}

static ev_maint *new_maint(int phase)
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

static ev_audit *new_audit(int kind)
{
    ev_audit *a = calloc(1, sizeof *a);
    if (a) {
        a->kind = kind;
        ec_buf_init(&a->msg, 0);
        ec_buf_init(&a->path, 0);
        ec_buf_init(&a->verify, 0);
        ec_buf_init(&a->detail, CON_AUDIT_DETAIL_MAX);
    }
    return a;
}

static void post(con *c, int type, uint64_t gen, void *data, void (*fr)(void *), int coalesce)
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

static void post_maint(con *c, uint64_t gen, ev_maint *m, int coalesce)
{
    if (m)
        post(c, EV_MAINT, gen, m, ev_maint_free, coalesce);
}

static void esc_str(ec_buf *b, const char *s, bool utf8)
{
    ct_escape(b, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0, utf8);
}

/* A failure: what failed, then the error, escaped. */
static void post_failed(con *c, uint64_t gen, const ec_buf *before, const char *what, const ec_err *err)
{
    ev_maint *m = new_maint(MP_FAILED);
    if (!m)
        return;
    if (before && before->len)
        ec_buf_append(&m->text, before->data, before->len);
    ec_buf_printf(&m->text, "%s%s", what, err ? ": " : "");
    if (err)
        ct_sanitize(&m->text, err->msg, strlen(err->msg), false);
    ec_buf_putc(&m->text, '\n');
    post_maint(c, gen, m, 0);
}

static int open_log(con *c, mpriv *mp, ec_err *err)
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

static void drop_plan(mpriv *mp)
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

/* ---- the audit list ---- */

static void audit_load(con *c, mpriv *mp, uint64_t gen)
{
    ev_audit *a = new_audit(AUD_LIST);
    if (!a)
        return;
    ec_err err;
    audit_reader *r = NULL;
    av_row *ring = NULL;
    audit_key key;
    bool have_key = false;
    if (open_log(c, mp, &err) != 0)
        goto fail;
    const char *path = audit_log_path(mp->log);
    esc_str(&a->path, path, c->utf8);
    if (c->ctx->opts->audit_key) {
        if (audit_key_load(&key, c->ctx->opts->audit_key, &err) != 0)
            goto fail;
        have_key = true;
    }
    audit_verify_result vr;
    audit_status st = audit_verify_file(path, have_key ? &key : NULL, &vr);
    a->intact = st == AUDIT_INTACT;
    ct_sanitize(&a->verify, vr.msg, strlen(vr.msg), c->utf8);
    if (audit_reader_open(&r, path, &err) != 0)
        goto fail;
    ring = calloc(CON_AUDIT_ROWS_MAX, sizeof *ring);
    if (!ring) {
        ec_fail(&err, EC_E_NOMEM, "cannot list the audit log: out of memory");
        goto fail;
    }
    size_t n = 0, head = 0; /* ring[head] is the oldest once full */
    const audit_entry *e;
    int rc;
    while ((rc = audit_reader_next(r, &e, &err)) == 1) {
        if (cw_stopping(&c->jm.t))
            break;
        a->records++;
        av_row row;
        av_row_fill(&row, e->rec, e->error, e->lineno, e->offset, e->len);
        row.bad = st != AUDIT_INTACT && vr.bad_line && e->lineno >= vr.bad_line;
        /* A result marks its intent (a few rows back, usually the last). */
        int64_t iseq;
        json_t *is = e->rec ? json_object_get(e->rec, "intent_seq") : NULL;
        if (json_is_integer(is) && (iseq = (int64_t)json_integer_value(is)) > 0) {
            for (size_t k = 0; k < n && k < 256; k++) {
                av_row *p = &ring[(head + n - 1 - k) % CON_AUDIT_ROWS_MAX];
                if (p->is_intent && p->seq == (uint64_t)iseq) {
                    av_row_mark_result(p, &row);
                    break;
                }
            }
        }
        if (n < CON_AUDIT_ROWS_MAX) {
            ring[(head + n++) % CON_AUDIT_ROWS_MAX] = row;
        } else {
            ring[head] = row;
            head = (head + 1) % CON_AUDIT_ROWS_MAX;
            a->cut = true;
        }
    }
    if (rc < 0)
        goto fail;
    a->rows = calloc(n ? n : 1, sizeof *a->rows);
    if (!a->rows) {
        ec_fail(&err, EC_E_NOMEM, "cannot list the audit log: out of memory");
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        const av_row *p = &ring[(head + n - 1 - k) % CON_AUDIT_ROWS_MAX];
        audit_row *o = &a->rows[a->n_rows];
        o->seq = p->seq;
        o->lineno = p->lineno;
        o->offset = p->offset;
        o->len = p->len;
        o->restorable = p->restorable;
        o->bad = p->bad;
        if (!(o->text = av_row_line(p)))
            break;
        a->n_rows++;
    }
    a->ok = true;
    free(ring);
    audit_reader_close(r);
    if (have_key)
        audit_key_free(&key);
    post(c, EV_AUDIT, gen, a, ev_audit_free, 0);
    return;
fail:
    free(ring);
    if (r)
        audit_reader_close(r);
    if (have_key)
        audit_key_free(&key);
    a->ok = false;
    ct_sanitize(&a->msg, err.msg, strlen(err.msg), c->utf8);
    post(c, EV_AUDIT, gen, a, ev_audit_free, 0);
}

static void audit_record(con *c, mpriv *mp, uint64_t gen, uint64_t offset, uint64_t len)
{
    ev_audit *a = new_audit(AUD_RECORD);
    if (!a)
        return;
    ec_err err;
    char *buf = NULL;
    int fd = -1;
    if (open_log(c, mp, &err) != 0)
        goto fail;
    const char *path = audit_log_path(mp->log);
    if (len > AUDIT_RECORD_MAX) {
        ec_fail(&err, EC_E_NOMEM, "record at offset %" PRIu64 " is too long to show (%" PRIu64 " bytes)", offset, len);
        goto fail;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    buf = malloc(len ? len : 1);
    if (fd < 0 || !buf) {
        ec_fail(&err, EC_E_IO, "cannot read the audit log '%s': %s", path, fd < 0 ? strerror(errno) : "out of memory");
        goto fail;
    }
    ssize_t got = pread(fd, buf, len, (off_t)offset);
    if (got < 0 || (uint64_t)got != len) {
        ec_fail(&err, EC_E_IO, "cannot read the record at offset %" PRIu64 " of '%s': %s", offset, path,
                got < 0 ? strerror(errno) : "the file is shorter now");
        goto fail;
    }
    json_error_t je;
    json_t *rec = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(rec)) {
        json_decref(rec);
        ec_fail(&err, EC_E_CORRUPT, "line at offset %" PRIu64 " is not a record: %s", offset, je.text);
        goto fail;
    }
    if (av_describe(&a->detail, rec, c->utf8, CON_AUDIT_VALUE_SHOW) != 0)
        ec_buf_puts(&a->detail, "\n(cut: the record is longer than the console shows; see 'breakglass audit show')\n");
    json_decref(rec);
    a->ok = true;
    free(buf);
    close(fd);
    post(c, EV_AUDIT, gen, a, ev_audit_free, 0);
    return;
fail:
    free(buf);
    if (fd >= 0)
        close(fd);
    ct_sanitize(&a->msg, err.msg, strlen(err.msg), c->utf8);
    post(c, EV_AUDIT, gen, a, ev_audit_free, 0);
}

/* ---- plans ---- */

static void plan_compact(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    int64_t current = 0;
    int k = bg_compact_check(c->client, &mp->rev, &current, &mp->compacted, err);
    if (k != 0) {
        *rc = k;
        return;
    }
    if (mp->compacted > 0)
        ec_buf_printf(&m->text,
                      "plan: compact to revision %" PRId64 " (current %" PRId64 ", compacted so far up to %" PRId64
                      ")\n",
                      mp->rev, current, mp->compacted);
    else
        ec_buf_printf(&m->text, "plan: compact to revision %" PRId64 " (current %" PRId64 ", never compacted)\n",
                      mp->rev, current);
    ec_buf_printf(&m->text,
                  "  drops the history of %" PRId64 " revisions; watchers and readers of older revisions must relist\n",
                  bg_compact_dropped(mp->rev, mp->compacted));
    ec_buf_printf(&m->confirm, "%" PRId64, mp->rev);
    ec_buf_printf(&m->what, "compact to revision %" PRId64, mp->rev);
    *rc = 0;
}

static void plan_defrag(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    bg_defrag_plan_free(&mp->dp);
    int k = bg_defrag_plan_build(c->client, NULL, &mp->dp, err);
    if (k != 0) {
        *rc = k;
        return;
    }
    const bg_defrag_plan *p = &mp->dp;
    ec_buf_printf(&m->text, "plan: defragment %zu member%s one at a time, leader last, pausing %d ms between\n", p->n,
                  p->n == 1 ? "" : "s", CON_DEFRAG_PAUSE_MS);
    ec_buf_puts(&m->text, "  health check: every member answers, no errors other than NOSPACE\n");
    for (size_t i = 0; i < p->n; i++) {
        const ec_member_status *ms = &p->cs->members[p->order[i]];
        char a[24], b[24], r[24];
        int64_t reclaim = ms->status.db_size - ms->status.db_size_in_use;
        ec_buf_printf(&m->text, "  %zu. ", i + 1);
        esc_str(&m->text, ms->member.name, c->utf8);
        ec_buf_puts(&m->text, "  ");
        esc_str(&m->text, ms->endpoint, c->utf8);
        ec_buf_printf(&m->text, "  db %s, in use %s, expected to reclaim about %s%s\n",
                      ct_bytes((uint64_t)ms->status.db_size, a, sizeof a),
                      ct_bytes((uint64_t)ms->status.db_size_in_use, b, sizeof b),
                      ct_bytes((uint64_t)(reclaim > 0 ? reclaim : 0), r, sizeof r),
                      ms->member.id == p->leader ? " (leader)" : "");
    }
    ec_buf_puts(&m->text, "  each member stops serving while it defragments\n");
    ec_buf_puts(&m->confirm, "defrag");
    ec_buf_printf(&m->what, "defragment %zu member%s", p->n, p->n == 1 ? "" : "s");
    *rc = 0;
}

static void plan_alarms(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    free(mp->alarms);
    mp->alarms = NULL;
    if (ec_alarm_list(c->client, &mp->alarms, &mp->n_alarms, err) != 0) {
        mp->alarms = NULL;
        mp->n_alarms = 0;
        *rc = -1;
        return;
    }
    *rc = 0;
    if (mp->n_alarms == 0) {
        ec_buf_puts(&m->text, "no active alarms: nothing to disarm\n");
        return;
    }
    ec_buf_printf(&m->text, "plan: disarm %zu alarm%s:\n", mp->n_alarms, mp->n_alarms == 1 ? "" : "s");
    for (size_t i = 0; i < mp->n_alarms; i++)
        ec_buf_printf(&m->text, "  %s on member %" PRIx64 "\n", ec_alarm_name(mp->alarms[i].type),
                      mp->alarms[i].member_id);
    ec_buf_puts(&m->text, "  a NOSPACE alarm comes back at once unless space was freed (compact + defrag) first\n");
    ec_buf_puts(&m->confirm, "disarm");
    ec_buf_printf(&m->what, "disarm %zu alarm%s", mp->n_alarms, mp->n_alarms == 1 ? "" : "s");
}

static void plan_lease(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    int64_t granted = 0, ttl = 0;
    mp->has_lease = true;
    int k = bg_lease_plan_build(c->client, mp->lease_id, &mp->lease, &granted, &ttl, err);
    if (k != 0) {
        *rc = k;
        return;
    }
    const bg_plan *p = &mp->lease;
    ec_buf_printf(&m->text,
                  "plan: revoke lease %" PRIx64 " (granted TTL %" PRId64 " s, %" PRId64
                  " s left); %zu key%s vanish with it:\n",
                  (uint64_t)mp->lease_id, granted, ttl, p->n, p->n == 1 ? "" : "s");
    for (size_t i = 0; i < p->n && i < PLAN_SAMPLE_KEYS; i++) {
        ec_buf_puts(&m->text, "    ");
        ct_escape(&m->text, p->kvs[i].key, p->kvs[i].key_len, c->utf8);
        ec_buf_putc(&m->text, '\n');
    }
    if (p->n > PLAN_SAMPLE_KEYS)
        ec_buf_printf(&m->text, "    ... and %zu more\n", p->n - PLAN_SAMPLE_KEYS);
    ec_buf_puts(&m->text, "  their values go into the audit log first ('audit restore' can put them back)\n");
    ec_buf_printf(&m->confirm, "%" PRIx64, (uint64_t)mp->lease_id);
    ec_buf_printf(&m->what, "revoke lease %" PRIx64, (uint64_t)mp->lease_id);
    *rc = 0;
}

static void plan_restore(con *c, mpriv *mp, uint64_t seq, ev_maint *m, ec_err *err, int *rc)
{
    *rc = -1;
    if (open_log(c, mp, err) != 0)
        return;
    audit_key key;
    bool have_key = false;
    if (c->ctx->opts->audit_key) {
        if (audit_key_load(&key, c->ctx->opts->audit_key, err) != 0)
            return;
        have_key = true;
    }
    audit_reader *r;
    if (audit_reader_open(&r, audit_log_path(mp->log), err) != 0) {
        if (have_key)
            audit_key_free(&key);
        return;
    }
    memset(&mp->rp, 0, sizeof mp->rp);
    int k = audit_restore_plan_build(r, seq, have_key ? &key : NULL, 0, &mp->rp, err);
    audit_reader_close(r);
    if (have_key)
        audit_key_free(&key);
    if (k != 0)
        return;
    mp->has_rp = true;
    const audit_restore_plan *p = &mp->rp;
    ec_buf_printf(&m->text, "restore of #%" PRIu64 " (", p->intent_seq);
    esc_str(&m->text, p->action, false); /* already escaped: printable */
    ec_buf_puts(&m->text, " '");
    esc_str(&m->text, p->target, false);
    ec_buf_printf(&m->text, "', read at revision %" PRId64 "): %zu key%s to put back where absent\n", p->plan_revision,
                  p->n, p->n == 1 ? "" : "s");
    if (p->result_seq == 0)
        ec_buf_puts(&m->text,
                    "  no result record: the operation may have been interrupted; every pre-image is considered\n");
    if (p->skipped)
        ec_buf_printf(&m->text, "  %zu pre-image%s left out: the result says they were not deleted\n", p->skipped,
                      p->skipped == 1 ? "" : "s");
    for (size_t i = 0; i < p->n && i < PLAN_SAMPLE_KEYS; i++) {
        ec_buf_puts(&m->text, "    ");
        ct_escape(&m->text, p->items[i].key, p->items[i].key_len, c->utf8);
        ec_buf_putc(&m->text, '\n');
    }
    if (p->n > PLAN_SAMPLE_KEYS)
        ec_buf_printf(&m->text, "    ... and %zu more\n", p->n - PLAN_SAMPLE_KEYS);
    ec_buf_puts(&m->text, "  a key that exists again is left as it is (nothing newer is overwritten)\n");
    ec_buf_printf(&m->confirm, "%" PRIu64, seq);
    ec_buf_printf(&m->what, "put back up to %zu key%s", p->n, p->n == 1 ? "" : "s");
    *rc = 0;
}

/* NOSPACE: the plan of step mp->step, after what the steps before did. */
static void plan_nospace_step(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    if (mp->hist.len)
        ec_buf_append(&m->text, mp->hist.data, mp->hist.len);
    *rc = 0;
    switch (mp->step) {
    case 1: {
        ec_alarm *a = NULL;
        size_t n = 0, nospace = 0;
        if (ec_alarm_list(c->client, &a, &n, err) != 0) {
            *rc = -1;
            return;
        }
        for (size_t i = 0; i < n; i++)
            nospace += a[i].type == EC_ALARM_NOSPACE;
        free(a);
        mp->rev = 0;
        int64_t current = 0;
        int k = bg_compact_check(c->client, &mp->rev, &current, &mp->compacted, err);
        if (k == -1) {
            *rc = -1;
            return;
        }
        ec_buf_printf(&m->text, "NOSPACE recovery (%zu NOSPACE alarm%s active), four steps, each confirmed:\n",
                      nospace, nospace == 1 ? "" : "s");
        ec_buf_puts(&m->text, "  1. compact to the current revision (physical)\n"
                              "  2. defragment every member, one at a time, leader last\n"
                              "  3. disarm the alarms\n"
                              "  4. verify that writes work again (put and delete the key '" BG_PROBE_KEY "')\n"
                              "  free space first (remove the runaway data) or the alarm will come back\n\n");
        if (k == -2) {
            /* Nothing left to compact: straight to step 2. */
            ec_buf_printf(&mp->hist, "%.*s", (int)m->text.len, m->text.data);
            ec_buf_printf(&mp->hist, "step 1: nothing to compact (already compacted up to %" PRId64 ")\n",
                          mp->compacted);
            ec_buf_reset(&m->text);
            ec_buf_append(&m->text, "", 0);
            mp->step = 2;
            plan_nospace_step(c, mp, m, err, rc);
            return;
        }
        ec_buf_printf(&m->text,
                      "step 1 of 4: compact to revision %" PRId64 " (physical); drops the history of %" PRId64
                      " revisions\n",
                      mp->rev, bg_compact_dropped(mp->rev, mp->compacted));
        ec_buf_printf(&m->confirm, "%" PRId64, mp->rev);
        ec_buf_printf(&m->what, "compact to revision %" PRId64, mp->rev);
        return;
    }
    case 2: {
        ec_buf_puts(&m->text, "step 2 of 4: ");
        plan_defrag(c, mp, m, err, rc);
        return;
    }
    case 3:
        ec_buf_puts(&m->text, "step 3 of 4: ");
        plan_alarms(c, mp, m, err, rc);
        if (*rc == 0 && mp->n_alarms == 0) {
            ec_buf_append(&mp->hist, m->text.data + mp->hist.len, m->text.len - mp->hist.len);
            ec_buf_reset(&m->text);
            ec_buf_append(&m->text, "", 0);
            mp->step = 4;
            plan_nospace_step(c, mp, m, err, rc);
        }
        return;
    case 4:
        ec_buf_puts(&m->text, "step 4 of 4: verify writes: put and delete the key '" BG_PROBE_KEY "'\n");
        ec_buf_puts(&m->confirm, "probe");
        ec_buf_puts(&m->what, "write the probe key");
        return;
    default: *rc = -1; ec_fail(err, EC_E_INTERNAL, "no such step"); return;
    }
}

static void snapshot_run(con *c, mpriv *mp, uint64_t gen, const char *path);

static void plan(con *c, mpriv *mp, uint64_t gen, mop op, int64_t a, const ec_buf *str)
{
    drop_plan(mp);
    ec_err err;
    ec_err_clear(&err);
    if (op == MOP_SNAPSHOT) {
        /* Nothing changes in etcd: no confirmation, the path was typed. */
        snapshot_run(c, mp, gen, str->data ? str->data : "");
        return;
    }
    ev_maint *m = new_maint(MP_PLANNED);
    if (!m)
        return;
    int rc = -1;
    mp->op = op;
    switch (op) {
    case MOP_COMPACT: mp->rev = a; plan_compact(c, mp, m, &err, &rc); break;
    case MOP_DEFRAG: plan_defrag(c, mp, m, &err, &rc); break;
    case MOP_ALARMS: plan_alarms(c, mp, m, &err, &rc); break;
    case MOP_NOSPACE: mp->step = 1; plan_nospace_step(c, mp, m, &err, &rc); break;
    case MOP_LEASE: mp->lease_id = a; plan_lease(c, mp, m, &err, &rc); break;
    case MOP_RESTORE: plan_restore(c, mp, (uint64_t)a, m, &err, &rc); break;
    default: ec_fail(&err, EC_E_INTERNAL, "unknown operation"); break;
    }
    if (rc != 0) {
        ev_maint_free(m);
        post_failed(c, gen, NULL, rc == -2 ? "refused" : "cannot read the plan", &err);
        drop_plan(mp);
        return;
    }
    if (m->confirm.len == 0) {
        m->phase = MP_DONE; /* nothing to do (no alarms) */
        drop_plan(mp);
    } else {
        mp->plan_gen = gen;
    }
    post_maint(c, gen, m, 0);
}

/* ---- running ---- */

typedef struct snap_ud {
    con *c;
    uint64_t gen;
    const char *path;
} snap_ud;

static void on_snap_progress(void *ud, uint64_t done, uint64_t remaining)
{
    snap_ud *s = ud;
    ev_maint *m = new_maint(MP_RUNNING);
    if (!m)
        return;
    char a[24];
    ec_buf_puts(&m->text, "saving a snapshot to '");
    esc_str(&m->text, s->path, s->c->utf8);
    ec_buf_printf(&m->text, "': %s received", ct_bytes(done, a, sizeof a));
    if (remaining)
        ec_buf_printf(&m->text, ", %s to go", ct_bytes(remaining, a, sizeof a));
    ec_buf_putc(&m->text, '\n');
    post_maint(s->c, s->gen, m, 1);
}

static void snapshot_run(con *c, mpriv *mp, uint64_t gen, const char *path)
{
    ec_err err;
    char def[4096];
    if (!path || !*path) {
        if (bg_snapshot_default_path(def, sizeof def, &err) != 0) {
            post_failed(c, gen, NULL, "no snapshot saved", &err);
            return;
        }
        path = def;
    }
    struct stat sb;
    if (stat(path, &sb) == 0) {
        ec_fail(&err, EC_E_INVALID, "'%s' exists: choose a new file name (a snapshot never overwrites)", path);
        post_failed(c, gen, NULL, "no snapshot saved", &err);
        return;
    }
    snap_ud ud = {c, gen, path};
    ec_snapshot_info info;
    if (bg_snapshot_take(c->client, path, on_snap_progress, &ud, &info, &err) != 0) {
        post_failed(c, gen, NULL, "no snapshot saved", &err);
        return;
    }
    ev_maint *m = new_maint(MP_DONE);
    if (!m)
        return;
    char hb[24];
    ec_buf_puts(&m->text, "saved snapshot '");
    esc_str(&m->text, path, c->utf8);
    ec_buf_puts(&m->text, "' from ");
    esc_str(&m->text, ec_client_endpoint(c->client), c->utf8);
    ec_buf_printf(&m->text, ": %s at revision %" PRId64 " or later, SHA-256 checked\n",
                  ct_bytes(info.bytes, hb, sizeof hb), info.revision);
    /* Not a change, but who took one and where is worth knowing. */
    if (!c->ctx->opts->read_only) {
        if (open_log(c, mp, &err) != 0 || bg_snapshot_record(mp->log, c->client, path, &info, &err) != 0) {
            ec_buf_puts(&m->text, "warning: not recorded in the audit log: ");
            ct_sanitize(&m->text, err.msg, strlen(err.msg), false);
            ec_buf_putc(&m->text, '\n');
        } else {
            ec_buf_puts(&m->text, "recorded in the audit log\n");
        }
    }
    post_maint(c, gen, m, 0);
}

static void put_warn(ec_buf *t, const ec_err *warn)
{
    if (warn->msg[0]) {
        ec_buf_puts(t, "warning: the result record could not be written: ");
        ct_sanitize(t, warn->msg, strlen(warn->msg), false);
        ec_buf_putc(t, '\n');
    }
}

/* The steps below append what they did to t; 0, or -1 with err and what
 * failed in *what. */
static int run_compact(con *c, mpriv *mp, bool physical, ec_buf *t, ec_err *err)
{
    uint64_t seq;
    ec_err warn;
    int rc = bg_maint_compact(c->client, mp->log, mp->rev, physical, mp->compacted, &seq, err, &warn);
    put_warn(t, &warn);
    if (rc != 0) {
        ec_buf_puts(t, seq ? "compaction failed: " : "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    ec_buf_printf(t, "compacted to revision %" PRId64 "%s (audit #%" PRIu64 ")\n", mp->rev,
                  physical ? ", physically" : "", seq);
    ec_buf_printf(t, "  reads and watches of revisions before %" PRId64 " now fail: their clients must relist\n",
                  mp->rev);
    return 0;
}

static int run_defrag(con *c, mpriv *mp, uint64_t gen, ec_buf *t, ec_err *err)
{
    const bg_defrag_plan *p = &mp->dp;
    uint64_t seen = 0;
    for (size_t k = 0; k < p->n; k++) {
        const ec_member_status *ms = &p->cs->members[p->order[k]];
        ev_maint *m = new_maint(MP_RUNNING);
        if (m) {
            ec_buf_append(&m->text, t->data ? t->data : "", t->len);
            ec_buf_printf(&m->text, "defragmenting %zu of %zu: ", k + 1, p->n);
            esc_str(&m->text, ms->member.name, c->utf8);
            ec_buf_puts(&m->text, " ...\n");
            post_maint(c, gen, m, 1);
        }
        uint64_t seq;
        ec_status after;
        bool after_ok;
        ec_err warn;
        int rc = bg_defrag_member(c->client, mp->log, ms, &seq, &after, &after_ok, err, &warn);
        put_warn(t, &warn);
        if (rc != 0) {
            ec_buf_puts(t, seq ? "defragmentation of " : "nothing was sent to etcd for ");
            esc_str(t, ms->member.name, c->utf8);
            ec_buf_puts(t, " failed: ");
            ct_sanitize(t, err->msg, strlen(err->msg), false);
            ec_buf_puts(t, "\nstopped: the remaining members were not defragmented\n");
            return -1;
        }
        char a[24], b[24];
        ec_buf_printf(t, "%zu. defragmented ", k + 1);
        esc_str(t, ms->member.name, c->utf8);
        ec_buf_puts(t, " ");
        esc_str(t, ms->endpoint, c->utf8);
        ec_buf_printf(t, "%s: db %s -> %s (audit #%" PRIu64 ")\n", ms->member.id == p->leader ? " (leader)" : "",
                      ct_bytes((uint64_t)ms->status.db_size, a, sizeof a),
                      after_ok ? ct_bytes((uint64_t)after.db_size, b, sizeof b) : "?", seq);
        if (k + 1 < p->n && cw_wait(&c->jm.t, CON_DEFRAG_PAUSE_MS, &seen)) {
            ec_buf_puts(t, "stopped: the console is closing; the remaining members were not defragmented\n");
            return ec_fail(err, EC_E_CANCELLED, "stopped");
        }
    }
    ec_buf_puts(t, "order: ");
    for (size_t k = 0; k < p->n; k++) {
        if (k)
            ec_buf_puts(t, ", ");
        esc_str(t, p->cs->members[p->order[k]].member.name, c->utf8);
    }
    ec_buf_puts(t, " (leader last)\n");
    return 0;
}

static int run_disarm(con *c, mpriv *mp, ec_buf *t, ec_err *err)
{
    size_t done;
    uint64_t seq;
    ec_err warn;
    int rc = bg_maint_disarm(c->client, mp->log, mp->alarms, mp->n_alarms, &done, &seq, err, &warn);
    put_warn(t, &warn);
    if (rc != 0) {
        ec_buf_puts(t, seq ? "disarm failed: " : "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    ec_buf_printf(t, "disarmed %zu alarm%s (audit #%" PRIu64 ")\n", done, done == 1 ? "" : "s", seq);
    return 0;
}

static int run_probe(con *c, mpriv *mp, ec_buf *t, ec_err *err)
{
    uint64_t seq;
    ec_err warn;
    int rc = bg_maint_write_probe(c->client, mp->log, &seq, err, &warn);
    put_warn(t, &warn);
    if (rc != 0) {
        ec_buf_puts(t, seq ? "writes still fail: " : "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    ec_buf_printf(t, "writes work again (audit #%" PRIu64 ")\n", seq);
    return 0;
}

static int run_lease(con *c, mpriv *mp, ec_buf *t, ec_err *err)
{
    uint64_t seq;
    ec_err warn;
    int rc = bg_lease_revoke_run(c->client, mp->log, &mp->lease, mp->lease_id, &seq, err, &warn);
    put_warn(t, &warn);
    if (rc != 0) {
        ec_buf_puts(t, seq ? "revoke failed: " : "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    ec_buf_printf(t, "revoked lease %" PRIx64 "; %zu key%s removed (audit #%" PRIu64 ")\n", (uint64_t)mp->lease_id,
                  mp->lease.n, mp->lease.n == 1 ? "" : "s", seq);
    ec_buf_printf(t, "undo: breakglass audit restore %" PRIu64 "\n", seq);
    return 0;
}

static int run_restore(con *c, mpriv *mp, ec_buf *t, ec_err *err)
{
    bg_restore_outcome ro;
    uint64_t seq;
    char failure[512];
    ec_err warn;
    if (bg_audit_restore_run(c->client, mp->log, &mp->rp, &ro, &seq, failure, sizeof failure, err, &warn) != 0) {
        ec_buf_puts(t, "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    put_warn(t, &warn);
    ec_buf_printf(t, "restored %zu key%s, %zu already present (left as they are); audit #%" PRIu64 "\n", ro.restored,
                  ro.restored == 1 ? "" : "s", ro.present, seq);
    if (failure[0]) {
        ec_buf_puts(t, "stopped early: ");
        ct_sanitize(t, failure, strlen(failure), false);
        ec_buf_putc(t, '\n');
        return ec_fail(err, EC_E_INTERNAL, "%s", failure);
    }
    return 0;
}

static void execute(con *c, mpriv *mp, uint64_t gen)
{
    if (!mp->plan_gen || mp->plan_gen != gen)
        return;
    ec_err err;
    ec_buf t;
    ec_buf_init(&t, (size_t)4 << 20);
    ec_buf_append(&t, "", 0);
    if (open_log(c, mp, &err) != 0) {
        post_failed(c, gen, &mp->hist, "nothing was sent to etcd: cannot open the audit log", &err);
        drop_plan(mp);
        ec_buf_free(&t);
        return;
    }
    ev_maint *run = new_maint(MP_RUNNING);
    if (run) {
        ec_buf_append(&run->text, mp->hist.data ? mp->hist.data : "", mp->hist.len);
        ec_buf_puts(&run->text, "running...\n");
        post_maint(c, gen, run, 1);
    }
    int rc = -1;
    int step = mp->step;
    switch (mp->op) {
    case MOP_COMPACT: rc = run_compact(c, mp, false, &t, &err); break;
    case MOP_DEFRAG: rc = run_defrag(c, mp, gen, &t, &err); break;
    case MOP_ALARMS: rc = run_disarm(c, mp, &t, &err); break;
    case MOP_LEASE: rc = run_lease(c, mp, &t, &err); break;
    case MOP_RESTORE: rc = run_restore(c, mp, &t, &err); break;
    case MOP_NOSPACE:
        ec_buf_printf(&t, "step %d: ", step);
        rc = step == 1   ? run_compact(c, mp, true, &t, &err)
             : step == 2 ? run_defrag(c, mp, gen, &t, &err)
             : step == 3 ? run_disarm(c, mp, &t, &err)
                         : run_probe(c, mp, &t, &err);
        break;
    default: break;
    }
    if (mp->op == MOP_NOSPACE && rc == 0 && step < 4) {
        /* On to the next step: its plan, confirmed again. */
        ec_buf_append(&mp->hist, t.data, t.len);
        ec_buf_putc(&mp->hist, '\n');
        ev_maint *m = new_maint(MP_PLANNED);
        if (m) {
            int prc = 0;
            mp->step = step + 1;
            plan_nospace_step(c, mp, m, &err, &prc);
            if (prc != 0) {
                ev_maint_free(m);
                post_failed(c, gen, &mp->hist, "cannot read the plan of the next step", &err);
                drop_plan(mp);
            } else {
                if (m->confirm.len == 0)
                    m->phase = MP_DONE;
                post_maint(c, gen, m, 0);
            }
        }
        ec_buf_free(&t);
        return;
    }
    ev_maint *m = new_maint(rc == 0 ? MP_DONE : MP_FAILED);
    if (m) {
        ec_buf_append(&m->text, mp->hist.data ? mp->hist.data : "", mp->hist.len);
        ec_buf_append(&m->text, t.data, t.len);
        if (mp->op == MOP_NOSPACE && rc == 0)
            ec_buf_puts(&m->text, "\nNOSPACE recovery done\n");
        post_maint(c, gen, m, 0);
    }
    drop_plan(mp);
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
        case MREQ_DROP: drop_plan(mp); break;
        case MREQ_SNAPSHOT_DEFAULT: snapshot_run(c, mp, gen, NULL); break;
        default: break;
        }
        switch (awhat) {
        case MREQ_AUDIT_LOAD: audit_load(c, mp, agen); break;
        case MREQ_AUDIT_RECORD: audit_record(c, mp, agen, (uint64_t)aa, (uint64_t)ab); break;
        default: break;
        }
        what |= awhat;
        if (what != MREQ_NONE)
            continue;
        if (cw_wait(&j->t, -1, &seen))
            break;
    }
    drop_plan(mp);
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
