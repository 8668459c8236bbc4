/* The guarded delete's screen (D in the browser): the plan the worker read,
 * a typed confirmation (the key's name, or the count for a directory;
 * anything else, Esc or a bare Enter cancels), then progress and outcome.
 * --read-only refuses before anything is read. */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

static void set_last(con *c, ev_action *a)
{
    if (c->act.last)
        ev_action_free(c->act.last);
    c->act.last = a;
}

void action_start(con *c)
{
    bm_state *b = &c->browse;
    if (!c->off && !c->ctx->opts->read_only &&
        (b->view.total == 0 || !b->has_sel || b->view.sel < b->view.top || b->view.sel - b->view.top >= b->n_rows)) {
        con_note(c, false, "delete: no row selected");
        return;
    }
    bool prefix = false;
    ec_buf target;
    ec_buf_init(&target, 0);
    if (!c->off && !c->ctx->opts->read_only) {
        const bm_row *r = &b->rows[b->view.sel - b->view.top];
        prefix = r->info.children > 0;
        if (!b->at_root) {
            ec_buf_append(&target, b->dir.data ? b->dir.data : "", b->dir.len);
            ec_buf_putc(&target, '/');
        }
        ec_buf_append(&target, b->sel.data ? b->sel.data : "", b->sel.len);
        if (prefix)
            ec_buf_putc(&target, '/');
    }
    action_start_target(c, (const uint8_t *)(target.data ? target.data : ""), target.len,
                        prefix ? TM_DEL_PREFIX : TM_DEL_KEY);
    ec_buf_free(&target);
}

void action_start_target(con *c, const uint8_t *target, size_t len, tm_del_kind kind)
{
    /* The one guard every change goes through. */
    if (c->off) {
        con_note(c, false, "delete: not available offline (the file is read-only)");
        return;
    }
    if (c->ctx->opts->read_only) {
        con_note(c, true, "delete: --read-only is set: nothing can be changed");
        return;
    }
    if (kind == TM_DEL_PREFIX && len <= 1) {
        con_note(c, true, "delete: refusing to delete the whole keyspace");
        return;
    }
    if (len == 0) {
        con_note(c, true, "delete: nothing named");
        return;
    }
    action_close(c);
    c->act.gen = con_next_gen(c);
    c->act.phase = ACT_PLANNING;
    job_action_request(c, ACT_REQ_PLAN, c->act.gen, target, len, kind);
    con_push(c, SCR_ACTION);
}

void action_on_event(con *c, ev_action *a)
{
    if (c->act.phase == ACT_CANCELLED) {
        ev_action_free(a);
        return;
    }
    c->act.phase = a->phase;
    if (a->phase == ACT_PLANNED) {
        if (c->act.plan)
            ev_action_free(c->act.plan);
        c->act.plan = a;
        /* A large directory: offer a snapshot before the confirmation. */
        if (!a->by_name && a->count >= CON_SNAPSHOT_OFFER_KEYS)
            c->act.offer = true;
        else
            dialog_open(c, DLG_CONFIRM, "", 0);
        return;
    }
    set_last(c, a);
}

void action_confirm(con *c, const char *typed, size_t len)
{
    ev_action *p = c->act.plan;
    if (!p || c->act.phase != ACT_PLANNED)
        return;
    bool ok;
    if (p->by_name) {
        ok = len > 0 && len == p->confirm.len && memcmp(typed, p->confirm.data, len) == 0;
    } else {
        char want[32];
        snprintf(want, sizeof want, "%" PRId64, p->count);
        ok = len == strlen(want) && memcmp(typed, want, len) == 0;
    }
    if (!ok) {
        c->act.phase = ACT_CANCELLED;
        job_action_request(c, ACT_REQ_DROP, c->act.gen, NULL, 0, TM_DEL_KEY);
        con_note(c, false, "cancelled: what was typed does not match; nothing was deleted");
        return;
    }
    c->act.phase = ACT_RUNNING;
    job_action_request(c, ACT_REQ_EXEC, c->act.gen, NULL, 0, TM_DEL_KEY);
}

void action_close(con *c)
{
    if (c->act.phase == ACT_PLANNED || c->act.phase == ACT_PLANNING) {
        job_action_request(c, ACT_REQ_DROP, c->act.gen, NULL, 0, TM_DEL_KEY);
        if (c->act.phase == ACT_PLANNED)
            con_note(c, false, "cancelled: nothing was deleted");
    }
    if (c->dlg.kind == DLG_CONFIRM)
        c->dlg.kind = DLG_NONE;
    if (c->act.plan)
        ev_action_free(c->act.plan);
    c->act.plan = NULL;
    set_last(c, NULL);
    c->act.gen = 0;
    c->act.phase = ACT_IDLE;
    c->act.offer = false;
    c->act.snap_gen = 0;
    if (c->act.snap)
        ev_maint_free(c->act.snap);
    c->act.snap = NULL;
}

static int draw_lines(con *c, int y, int y1, const ec_buf *t, cd_role role)
{
    const char *p = t->data ? t->data : "";
    const char *end = p + t->len;
    while (p < end && y < y1) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        cd_text(y++, 0, COLS, p, n, role, c->utf8);
        p += n + (nl ? 1 : 0);
    }
    return y;
}

void action_draw(con *c, int y0, int y1)
{
    int y = y0;
    cd_str(y++, 0, COLS, "--- guarded delete ---", CR_HEAD, false);
    if (c->act.phase == ACT_PLANNING) {
        cd_str(y, 0, COLS, "reading the plan...", CR_WARN, false);
        return;
    }
    if (c->act.plan)
        y = draw_lines(c, y, y1, &c->act.plan->text, CR_NORMAL);
    y++;
    if (c->act.snap && y < y1) /* the snapshot offered before a large delete */
        y = draw_lines(c, y, y1, &c->act.snap->text, c->act.snap->phase == MP_FAILED ? CR_BAD : CR_NORMAL);
    if (c->act.phase == ACT_PLANNED && c->act.plan && c->act.offer) {
        char h[200];
        snprintf(h, sizeof h,
                 "%" PRId64 " keys (%d or more): s saves a snapshot first, c goes on to the typed confirmation, Esc cancels",
                 c->act.plan->count, CON_SNAPSHOT_OFFER_KEYS);
        cd_str(y, 0, COLS, c->act.snap_gen ? "saving a snapshot first..." : h, CR_WARN, false);
        return;
    }
    if (c->act.phase == ACT_PLANNED && c->act.plan) {
        ec_buf h;
        ec_buf_init(&h, 0);
        if (c->act.plan->by_name) {
            ec_buf_puts(&h, "type the name '");
            ct_escape(&h, (const uint8_t *)(c->act.plan->confirm.data ? c->act.plan->confirm.data : ""),
                      c->act.plan->confirm.len, c->utf8);
            ec_buf_printf(&h, "' and Enter to delete %" PRId64 " key%s; anything else cancels", c->act.plan->count,
                          c->act.plan->count == 1 ? "" : "s");
        } else {
            ec_buf_printf(&h, "type the count %" PRId64 " and Enter to delete them; anything else cancels",
                          c->act.plan->count);
        }
        cd_text(y, 0, COLS, h.data, h.len, CR_WARN, c->utf8);
        ec_buf_free(&h);
        return;
    }
    if (c->act.phase == ACT_CANCELLED) {
        cd_str(y, 0, COLS, "cancelled: nothing was deleted", CR_WARN, false);
        return;
    }
    if (c->act.last)
        draw_lines(c, y, y1, &c->act.last->text, c->act.phase == ACT_FAILED ? CR_BAD : CR_NORMAL);
    else if (c->act.phase == ACT_RUNNING)
        cd_str(y, 0, COLS, "deleting...", CR_WARN, false);
}
