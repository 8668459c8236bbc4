/* The audit review screen (A in the browser): the log's records newest
 * first, under a line that says whether the chain verifies (or names the
 * first bad record, as `audit verify` does). Enter shows one record whole;
 * u on a delete (or lease revoke) offers its restore on the maintenance
 * screen, confirmed by typing the seq. The worker streams the file and keeps
 * the newest CON_AUDIT_ROWS_MAX rows, so a large log costs a read, not its
 * size in memory. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

static const char header[] =
    "    seq  time (UTC)            operator    action          target                          counts                  "
    "result";

void aud_open(con *c)
{
    audit_scr *s = &c->aud;
    if (s->list)
        ev_audit_free(s->list);
    s->list = NULL;
    s->gen = con_next_gen(c);
    memset(&s->view, 0, sizeof s->view);
    s->sel_seq = 0;
    job_maint_request(c, MREQ_AUDIT_LOAD, s->gen, MOP_NONE, 0, 0, NULL);
    if (con_top(c) != SCR_AUDIT)
        con_push(c, SCR_AUDIT);
}

void aud_reload(con *c)
{
    audit_scr *s = &c->aud;
    s->gen = con_next_gen(c);
    job_maint_request(c, MREQ_AUDIT_LOAD, s->gen, MOP_NONE, 0, 0, NULL);
    con_note(c, false, "reading the audit log again...");
}

void aud_close(con *c)
{
    audit_scr *s = &c->aud;
    s->gen = 0;
    if (s->list)
        ev_audit_free(s->list);
    s->list = NULL;
}

void audrec_close(con *c)
{
    audit_scr *s = &c->aud;
    s->rec_gen = 0;
    s->rec_loading = false;
    vt_free(&s->rec);
    vt_init(&s->rec);
}

void aud_free(con *c)
{
    aud_close(c);
    vt_free(&c->aud.rec);
}

static const audit_row *selected(const con *c)
{
    const audit_scr *s = &c->aud;
    if (!s->list || !s->list->ok || s->view.sel >= s->list->n_rows)
        return NULL;
    return &s->list->rows[s->view.sel];
}

void aud_on_event(con *c, uint64_t gen, ev_audit *e)
{
    audit_scr *s = &c->aud;
    if (!e)
        return;
    if (e->kind == AUD_LIST && s->gen && gen == s->gen) {
        if (s->list)
            ev_audit_free(s->list);
        s->list = e;
        /* Keep the selected record selected (by its seq), not the row. */
        size_t idx = 0;
        for (size_t i = 0; s->sel_seq && i < e->n_rows; i++)
            if (e->rows[i].seq == s->sel_seq) {
                idx = i;
                break;
            }
        rl_restore(&s->view, e->ok ? e->n_rows : 0, idx);
        return;
    }
    if (e->kind == AUD_RECORD && s->rec_gen && gen == s->rec_gen) {
        s->rec_loading = false;
        vt_free(&s->rec);
        vt_init(&s->rec);
        const ec_buf *t = e->ok ? &e->detail : &e->msg;
        vt_set(&s->rec, t->data ? t->data : "", t->len, c->utf8);
        s->rec_width = -1;
        ev_audit_free(e);
        return;
    }
    ev_audit_free(e); /* for a screen already left */
}

void aud_draw(con *c, int y0, int y1)
{
    audit_scr *s = &c->aud;
    int y = y0;
    if (!s->list) {
        cd_str(y, 0, COLS, "reading and verifying the audit log...", CR_WARN, false);
        return;
    }
    const ev_audit *e = s->list;
    if (!e->ok) {
        ec_buf m;
        ec_buf_init(&m, 0);
        ec_buf_puts(&m, "cannot read the audit log: ");
        ec_buf_append(&m, e->msg.data ? e->msg.data : "", e->msg.len);
        cd_text(y, 0, COLS, m.data, m.len, CR_BAD, c->utf8);
        ec_buf_free(&m);
        return;
    }
    cd_text(y++, 0, COLS, e->verify.data ? e->verify.data : "", e->verify.len, e->intact ? CR_OK : CR_BAD, c->utf8);
    cd_str(y++, 0, COLS, header, CR_HEAD, false);
    if (e->n_rows == 0) {
        cd_str(y, 0, COLS, "(no records yet: nothing was changed through breakglass with this log)", CR_DIM, false);
        return;
    }
    int height = y1 - y;
    rl_set_height(&s->view, height > 0 ? (size_t)height : 1);
    s->view.total = e->n_rows;
    rl_fix(&s->view);
    for (int i = 0; i < height && s->view.top + (size_t)i < e->n_rows; i++) {
        size_t idx = s->view.top + (size_t)i;
        const audit_row *r = &e->rows[idx];
        bool sel = idx == s->view.sel;
        if (sel)
            cd_fill(y + i, 0, COLS, CR_SEL);
        cd_text(y + i, 0, COLS, r->text, strlen(r->text), sel ? CR_SEL : r->bad ? CR_BAD : CR_NORMAL, false);
    }
    if (s->view.sel < e->n_rows)
        s->sel_seq = e->rows[s->view.sel].seq;
}

void aud_info(con *c, ec_buf *out, int *role)
{
    audit_scr *s = &c->aud;
    *role = CR_NORMAL;
    if (con_top(c) == SCR_AUDREC) {
        ec_buf_printf(out, "audit record #%" PRIu64 "%s", s->rec_seq, s->rec_loading ? ": reading..." : "");
        return;
    }
    if (!s->list || !s->list->ok)
        return;
    const ev_audit *e = s->list;
    ec_buf_puts(out, "'");
    ec_buf_append(out, e->path.data ? e->path.data : "", e->path.len);
    ec_buf_printf(out, "': %" PRIu64 " lines, newest first", e->records);
    if (e->cut) {
        ec_buf_printf(out, "; only the newest %d shown ('breakglass audit show' has all)", CON_AUDIT_ROWS_MAX);
        *role = CR_WARN;
    }
    const audit_row *r = selected(c);
    if (r && r->restorable)
        ec_buf_puts(out, "; u restores this delete");
}

static void open_record(con *c)
{
    audit_scr *s = &c->aud;
    const audit_row *r = selected(c);
    if (!r)
        return;
    s->rec_gen = con_next_gen(c);
    s->rec_seq = r->seq;
    s->rec_loading = true;
    vt_free(&s->rec);
    vt_init(&s->rec);
    vt_set(&s->rec, "reading the record...\n", 22, c->utf8);
    s->rec_width = -1;
    memset(&s->rec_view, 0, sizeof s->rec_view);
    job_maint_request(c, MREQ_AUDIT_RECORD, s->rec_gen, MOP_NONE, (int64_t)r->offset, (int64_t)r->len, NULL);
    con_push(c, SCR_AUDREC);
}

void audrec_draw(con *c, int y0, int y1)
{
    audit_scr *s = &c->aud;
    int height = y1 - y0;
    if (s->rec_width != COLS) {
        vt_wrap(&s->rec, COLS);
        s->rec_width = COLS;
    }
    s->rec_view.total = s->rec.nrows;
    s->rec_view.height = height > 0 ? (size_t)height : 1;
    rl_scroll(&s->rec_view, 0);
    for (int i = 0; i < height && s->rec_view.top + (size_t)i < s->rec.nrows; i++) {
        const vt_row *r = &s->rec.rows[s->rec_view.top + (size_t)i];
        const char *p = s->rec.text.data + s->rec.line_off[r->line] + r->off;
        cd_text(y0 + i, 0, COLS, p, r->len, i == 0 && s->rec_view.top == 0 ? CR_HEAD : CR_NORMAL, c->utf8);
    }
}

static void restore_selected(con *c)
{
    const audit_row *r = selected(c);
    if (con_top(c) == SCR_AUDREC) {
        /* The record open, which is the selected one. */
        if (!r || r->seq != c->aud.rec_seq)
            r = NULL;
    }
    if (!r || !r->restorable) {
        con_note(c, false, "restore: only a delete or a lease revoke can be restored");
        return;
    }
    if (r->bad) {
        con_note(c, true, "restore: record #%" PRIu64 " is at or after the damage in the log: not trusted", r->seq);
        return;
    }
    mnt_open(c, MOP_RESTORE);
    if (con_top(c) == SCR_MAINT && c->mnt.op == MOP_RESTORE) {
        c->mnt.phase = MP_PLANNING;
        job_maint_request(c, MREQ_PLAN, c->mnt.gen, MOP_RESTORE, (int64_t)r->seq, 0, NULL);
    }
}

bool aud_key(con *c, con_screen top, ck_action a)
{
    audit_scr *s = &c->aud;
    if (top == SCR_AUDREC) {
        long h = (long)(s->rec_view.height ? s->rec_view.height : 1);
        switch (a) {
        case A_UP: rl_scroll(&s->rec_view, -1); return true;
        case A_DOWN: rl_scroll(&s->rec_view, 1); return true;
        case A_PGUP: rl_scroll(&s->rec_view, -h); return true;
        case A_PGDN: rl_scroll(&s->rec_view, h); return true;
        case A_HOME: s->rec_view.top = 0; return true;
        case A_END: rl_scroll(&s->rec_view, (long)s->rec_view.total); return true;
        case A_RESTORE: restore_selected(c); return true;
        default: return false;
        }
    }
    if (top != SCR_AUDIT)
        return false;
    switch (a) {
    case A_UP: rl_move(&s->view, -1); break;
    case A_DOWN: rl_move(&s->view, 1); break;
    case A_PGUP: rl_page(&s->view, -1); break;
    case A_PGDN: rl_page(&s->view, 1); break;
    case A_HOME: rl_home(&s->view); break;
    case A_END: rl_end(&s->view); break;
    case A_OPEN: open_record(c); break;
    case A_RESTORE: restore_selected(c); break;
    case A_RESCAN: aud_reload(c); break;
    default: return false;
    }
    const audit_row *r = selected(c);
    if (r)
        s->sel_seq = r->seq;
    return true;
}
