/* The maintenance screen (M in the browser or the cluster view, L in the
 * value viewer, u on the audit screen): a menu, then one operation at a
 * time as a state of the main loop: what to act on (typed on the footer),
 * the plan the worker read, a typed confirmation (anything else, Esc or a
 * bare Enter cancels), progress, and the outcome. --read-only refuses every
 * change (a snapshot changes nothing and stays allowed); offline refuses all.
 * Also the delete dialog's "save a snapshot first" for large plans. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"
#include "tui/ops/maint.h"

static const char *op_name(mop op)
{
    switch (op) {
    case MOP_COMPACT: return "compact";
    case MOP_DEFRAG: return "defragment";
    case MOP_ALARMS: return "alarms";
    case MOP_NOSPACE: return "NOSPACE recovery";
    case MOP_SNAPSHOT: return "snapshot save";
    case MOP_LEASE: return "lease revoke";
    case MOP_RESTORE: return "restore from the audit log";
    case MOP_NONE: break;
    }
    return "maintenance";
}

static void set_last(maint_scr *s, ev_maint *m)
{
    if (s->last)
        ev_maint_free(s->last);
    s->last = m;
}

static void reset(con *c)
{
    maint_scr *s = &c->mnt;
    if (s->plan)
        ev_maint_free(s->plan);
    s->plan = NULL;
    set_last(s, NULL);
    s->gen = 0;
    s->op = MOP_NONE;
    s->phase = MP_IDLE;
    s->input_prompt[0] = '\0';
    memset(&s->view, 0, sizeof s->view);
}

void mnt_free(con *c)
{
    reset(c);
    if (c->act.snap)
        ev_maint_free(c->act.snap);
    c->act.snap = NULL;
    job_maint_free(c);
}

void mnt_close(con *c)
{
    maint_scr *s = &c->mnt;
    if (s->phase == MP_PLANNED || s->phase == MP_PLANNING) {
        job_maint_request(c, MREQ_DROP, s->gen, MOP_NONE, 0, 0, NULL);
        if (s->phase == MP_PLANNED)
            con_note(c, false, "cancelled: nothing was changed");
    } else if (s->phase == MP_RUNNING) {
        con_note(c, false, "%s goes on in the background; its outcome is in the audit log", op_name(s->op));
    }
    if (c->dlg.kind == DLG_MCONFIRM || c->dlg.kind == DLG_MINPUT)
        c->dlg.kind = DLG_NONE;
    /* Back to the audit list after a restore: show the new records. */
    if (c->aud.gen && s->op == MOP_RESTORE && (s->phase == MP_DONE || s->phase == MP_FAILED))
        aud_reload(c);
    reset(c);
}

/* The one guard: may op run here? */
static bool allowed(con *c, mop op)
{
    if (c->off || !c->client) {
        con_note(c, false, "%s: not available offline (the file is read-only)", op_name(op));
        return false;
    }
    if (c->ctx->opts->read_only && op != MOP_SNAPSHOT) {
        con_note(c, true, "%s: --read-only is set: nothing can be changed", op_name(op));
        return false;
    }
    return true;
}

static void ask(con *c, const char *prompt, const char *initial)
{
    maint_scr *s = &c->mnt;
    s->phase = MP_INPUT;
    snprintf(s->input_prompt, sizeof s->input_prompt, "%s", prompt);
    dialog_open(c, DLG_MINPUT, initial ? initial : "", initial ? strlen(initial) : 0);
}

static void request_plan(con *c, int64_t a, const char *str)
{
    maint_scr *s = &c->mnt;
    s->phase = MP_PLANNING;
    job_maint_request(c, MREQ_PLAN, s->gen, s->op, a, 0, str);
}

/* Starts op on the maintenance screen (already on it or pushed now);
 * MOP_NONE shows the menu. */
void mnt_open(con *c, mop op)
{
    if (op != MOP_NONE && !allowed(c, op))
        return;
    if (con_top(c) != SCR_MAINT) {
        reset(c);
        con_push(c, SCR_MAINT);
    } else {
        mnt_close(c);
    }
    maint_scr *s = &c->mnt;
    s->op = op;
    s->gen = con_next_gen(c);
    switch (op) {
    case MOP_COMPACT: {
        char cur[32] = "";
        if (c->status && c->status->ok)
            snprintf(cur, sizeof cur, "%" PRId64, c->status->st.header.revision);
        ask(c, "compact to revision: ", cur);
        break;
    }
    case MOP_SNAPSHOT: {
        char path[4096];
        ec_err err;
        if (bg_snapshot_default_path(path, sizeof path, &err) != 0)
            path[0] = '\0';
        ask(c, "snapshot file: ", path);
        break;
    }
    case MOP_LEASE: ask(c, "lease ID (hex): ", NULL); break;
    case MOP_DEFRAG:
    case MOP_ALARMS:
    case MOP_NOSPACE: request_plan(c, 0, NULL); break;
    default: break; /* the menu, or a plan the caller asks for */
    }
}

void mnt_input_done(con *c, const char *typed, size_t len)
{
    maint_scr *s = &c->mnt;
    if (s->phase != MP_INPUT)
        return;
    if (!typed) {
        s->phase = MP_CANCELLED;
        con_note(c, false, "cancelled: nothing was changed");
        return;
    }
    char buf[300];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, typed, len);
    buf[len] = '\0';
    ev_maint *m = NULL;
    switch (s->op) {
    case MOP_COMPACT: {
        char *end;
        errno = 0;
        long long v = len ? strtoll(buf, &end, 10) : 0;
        if (len && (errno || *end || v <= 0)) {
            m = calloc(1, sizeof *m);
            break;
        }
        request_plan(c, (int64_t)v, NULL);
        return;
    }
    case MOP_LEASE: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(buf, &end, 16);
        if (!len || errno || *end || v == 0) {
            m = calloc(1, sizeof *m);
            break;
        }
        request_plan(c, (int64_t)v, NULL);
        return;
    }
    case MOP_SNAPSHOT:
        if (!len) {
            m = calloc(1, sizeof *m);
            break;
        }
        s->phase = MP_RUNNING; /* nothing to confirm: it changes nothing */
        job_maint_request(c, MREQ_PLAN, s->gen, s->op, 0, 0, buf);
        return;
    default: return;
    }
    /* Malformed: say so on the screen. */
    if (m) {
        m->phase = MP_FAILED;
        ec_buf_init(&m->text, 0);
        ec_buf_init(&m->confirm, 0);
        ec_buf_init(&m->what, 0);
        ec_buf_puts(&m->text, s->op == MOP_COMPACT   ? "not done: a revision is a positive decimal number, not '"
                              : s->op == MOP_LEASE ? "not done: a lease ID is a hex number (as 'lease list' prints it), not '"
                                                   : "not done: no file name given '");
        ct_escape(&m->text, (const uint8_t *)buf, len, c->utf8);
        ec_buf_puts(&m->text, "'\n");
        set_last(s, m);
    }
    s->phase = MP_FAILED;
}

void mnt_confirm(con *c, const char *typed, size_t len)
{
    maint_scr *s = &c->mnt;
    ev_maint *p = s->plan;
    if (!p || s->phase != MP_PLANNED)
        return;
    bool ok = len > 0 && len == p->confirm.len && memcmp(typed, p->confirm.data, len) == 0;
    if (!ok) {
        s->phase = MP_CANCELLED;
        job_maint_request(c, MREQ_DROP, s->gen, MOP_NONE, 0, 0, NULL);
        con_note(c, false, "cancelled: what was typed does not match; nothing was changed");
        return;
    }
    s->phase = MP_RUNNING;
    job_maint_request(c, MREQ_EXEC, s->gen, MOP_NONE, 0, 0, NULL);
}

/* ---- the delete dialog's snapshot offer ---- */

static void snapshot_first(con *c)
{
    action_state *a = &c->act;
    if (!a->offer || a->snap_gen)
        return;
    a->snap_gen = con_next_gen(c);
    if (a->snap)
        ev_maint_free(a->snap);
    a->snap = NULL;
    job_maint_request(c, MREQ_SNAPSHOT_DEFAULT, a->snap_gen, MOP_SNAPSHOT, 0, 0, NULL);
}

static void continue_delete(con *c)
{
    action_state *a = &c->act;
    if (!a->offer || a->phase != ACT_PLANNED)
        return;
    a->offer = false;
    a->snap_gen = 0;
    dialog_open(c, DLG_CONFIRM, "", 0);
}

static void on_snapshot_event(con *c, ev_maint *m)
{
    action_state *a = &c->act;
    if (a->snap)
        ev_maint_free(a->snap);
    a->snap = m;
    if (m->phase == MP_DONE) {
        continue_delete(c); /* saved: on to the typed confirmation */
    } else if (m->phase == MP_FAILED) {
        a->snap_gen = 0; /* s tries again, c goes on without */
    }
}

void mnt_on_event(con *c, uint64_t gen, ev_maint *m)
{
    if (!m)
        return;
    if (c->act.snap_gen && gen == c->act.snap_gen) {
        on_snapshot_event(c, m);
        return;
    }
    maint_scr *s = &c->mnt;
    if (!s->gen || gen != s->gen || s->phase == MP_CANCELLED) {
        ev_maint_free(m);
        return;
    }
    if (m->phase == MP_PLANNED) {
        if (s->plan)
            ev_maint_free(s->plan);
        s->plan = m;
        set_last(s, NULL);
        s->phase = MP_PLANNED;
        if (con_top(c) == SCR_MAINT && c->dlg.kind == DLG_NONE)
            dialog_open(c, DLG_MCONFIRM, "", 0);
        return;
    }
    s->phase = m->phase;
    set_last(s, m);
}

/* ---- drawing ---- */

static const char *const menu[] = {
    "c  compact: drop the history up to a revision (type the revision to confirm)",
    "d  defragment every member, one at a time, leader last (type defrag)",
    "a  alarms: list the active alarms, disarm them (type disarm)",
    "n  NOSPACE recovery: compact, defragment, disarm, verify writes; each step confirmed",
    "s  snapshot: save the keyspace to a file (SHA-256 checked)",
    "l  lease revoke: the keys that vanish with it are shown and audited (type the ID)",
    "",
    "Every change is recorded in the audit log before it is sent (A shows the log).",
};

static int draw_text(con *c, int y, int y1, const ec_buf *t, cd_role role)
{
    const char *p = t->data ? t->data : "";
    const char *end = p + t->len;
    /* Count the lines: when they do not fit, the newest (last) are shown. */
    size_t lines = 0;
    for (const char *q = p; q < end; q++)
        lines += *q == '\n';
    if (t->len && end[-1] != '\n')
        lines++;
    size_t room = y1 > y ? (size_t)(y1 - y) : 0;
    size_t skip = lines > room ? lines - room : 0;
    while (p < end && y < y1) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (skip)
            skip--;
        else
            cd_text(y++, 0, COLS, p, n, role, c->utf8);
        p += n + (nl ? 1 : 0);
    }
    return y;
}

void mnt_draw(con *c, int y0, int y1)
{
    maint_scr *s = &c->mnt;
    int y = y0;
    char title[96];
    snprintf(title, sizeof title, "--- %s ---", op_name(s->op));
    cd_str(y++, 0, COLS, title, CR_HEAD, false);
    if (s->op == MOP_NONE) {
        for (size_t i = 0; i < sizeof menu / sizeof menu[0] && y < y1; i++)
            cd_str(y++, 0, COLS, menu[i], CR_NORMAL, false);
        if (c->ctx->opts->read_only && y + 1 < y1)
            cd_str(y + 1, 0, COLS, "--read-only is set: only the snapshot is available", CR_WARN, false);
        return;
    }
    switch (s->phase) {
    case MP_INPUT: cd_str(y, 0, COLS, "type it on the line below and Enter; Esc cancels", CR_NORMAL, false); return;
    case MP_PLANNING: cd_str(y, 0, COLS, "reading the plan...", CR_WARN, false); return;
    default: break;
    }
    /* A plan that arrived while help was shown: ask now. */
    if (s->phase == MP_PLANNED && s->plan && c->dlg.kind == DLG_NONE)
        dialog_open(c, DLG_MCONFIRM, "", 0);
    /* The plan stays above its progress and outcome, except for the
     * NOSPACE steps, whose outcome repeats what the steps before did. */
    int reserve = s->phase == MP_PLANNED ? 2 : 0;
    if (s->plan && !(s->op == MOP_NONE) && (!s->last || s->op != MOP_NOSPACE)) {
        int limit = s->last ? y + (y1 - y) / 2 : y1 - reserve;
        y = draw_text(c, y, limit, &s->plan->text, CR_NORMAL);
    }
    if (s->phase == MP_PLANNED && s->plan) {
        ec_buf h;
        ec_buf_init(&h, 0);
        ec_buf_puts(&h, "type '");
        ct_escape(&h, (const uint8_t *)(s->plan->confirm.data ? s->plan->confirm.data : ""), s->plan->confirm.len,
                  c->utf8);
        ec_buf_puts(&h, "' and Enter to ");
        ec_buf_append(&h, s->plan->what.data ? s->plan->what.data : "", s->plan->what.len);
        ec_buf_puts(&h, "; anything else cancels");
        cd_text(y + 1 < y1 ? y + 1 : y, 0, COLS, h.data, h.len, CR_WARN, c->utf8);
        ec_buf_free(&h);
        return;
    }
    if (s->phase == MP_CANCELLED) {
        cd_str(y + 1 < y1 ? y + 1 : y, 0, COLS, "cancelled: nothing was changed", CR_WARN, false);
        return;
    }
    if (s->last) {
        if (s->plan && s->op != MOP_NOSPACE)
            y++;
        draw_text(c, y, y1, &s->last->text, s->phase == MP_FAILED ? CR_BAD : s->phase == MP_DONE ? CR_OK : CR_NORMAL);
    } else if (s->phase == MP_RUNNING) {
        cd_str(y, 0, COLS, "running...", CR_WARN, false);
    }
}

void mnt_info(con *c, ec_buf *out, int *role)
{
    maint_scr *s = &c->mnt;
    *role = CR_NORMAL;
    switch (s->phase) {
    case MP_RUNNING: ec_buf_puts(out, "running: leaving this screen does not stop it"); *role = CR_WARN; break;
    case MP_DONE: ec_buf_puts(out, "done; recorded in the audit log (A)"); break;
    case MP_FAILED: ec_buf_puts(out, "failed: see above"); *role = CR_BAD; break;
    default: break;
    }
}

/* ---- keys ---- */

static void lease_from_value(con *c)
{
    const ev_value *v = c->value.v;
    if (!v || !v->ok || !v->found) {
        con_note(c, false, "lease: the value is not loaded");
        return;
    }
    if (v->meta.lease == 0) {
        con_note(c, false, "lease: this key is not attached to a lease");
        return;
    }
    if (!allowed(c, MOP_LEASE))
        return;
    mnt_open(c, MOP_NONE);
    maint_scr *s = &c->mnt;
    s->op = MOP_LEASE;
    request_plan(c, v->meta.lease, NULL);
}

bool mnt_key(con *c, con_screen top, ck_action a)
{
    if (aud_key(c, top, a))
        return true;
    switch (a) {
    case A_AUDIT:
        if (top == SCR_BROWSE)
            aud_open(c);
        return top == SCR_BROWSE;
    case A_MAINT:
        if (top != SCR_BROWSE && top != SCR_CLUSTER)
            return false;
        if (c->off) {
            con_note(c, false, "maintenance: not available offline (the file is read-only)");
            return true;
        }
        mnt_open(c, MOP_NONE);
        return true;
    case A_LEASE:
        if (top == SCR_VALUE)
            lease_from_value(c);
        return top == SCR_VALUE;
    case A_SNAPFIRST:
        if (top == SCR_ACTION)
            snapshot_first(c);
        return top == SCR_ACTION;
    case A_CONTINUE:
        if (top == SCR_ACTION)
            continue_delete(c);
        return top == SCR_ACTION;
    default: break;
    }
    if (top != SCR_MAINT)
        return false;
    maint_scr *s = &c->mnt;
    if (s->phase == MP_RUNNING || s->phase == MP_PLANNING) {
        con_note(c, false, "%s is running: wait for its outcome", op_name(s->op));
        return true;
    }
    switch (a) {
    case A_M_COMPACT: mnt_open(c, MOP_COMPACT); return true;
    case A_M_DEFRAG: mnt_open(c, MOP_DEFRAG); return true;
    case A_M_ALARMS: mnt_open(c, MOP_ALARMS); return true;
    case A_M_NOSPACE: mnt_open(c, MOP_NOSPACE); return true;
    case A_M_SNAPSHOT: mnt_open(c, MOP_SNAPSHOT); return true;
    case A_M_LEASE: mnt_open(c, MOP_LEASE); return true;
    default: return false;
    }
}
