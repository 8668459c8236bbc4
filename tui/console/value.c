/* The value viewer: one key's revisions, version, lease and size, and its
 * value decoded by the Kubernetes renderer (etcdclient/k8s/render.h), or as
 * a hex dump (x). Read-only. Scrolls and searches; the read and the
 * decoding happen on the fetch worker, the screen says "loading..." until
 * they arrive, and an answer for a viewer already closed is dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

#define HEX_MAX ((size_t)4 << 20) /* value bytes shown in the hex dump */

static void reset(value_state *v)
{
    if (v->v)
        ev_value_free(v->v);
    v->v = NULL;
    vt_free(&v->text);
    vt_init(&v->text);
    v->wrapped_width = -1;
    memset(&v->view, 0, sizeof v->view);
    v->hex = false;
    v->has_match = false;
}

static void set_text(con *c)
{
    value_state *v = &c->value;
    ev_value *e = v->v;
    if (!e || !e->ok || !e->found) {
        vt_set(&v->text, "", 0, c->utf8);
    } else if (v->hex) {
        ec_buf h;
        ec_buf_init(&h, 0);
        ct_hexdump(&h, (const uint8_t *)(e->raw.data ? e->raw.data : ""), e->raw.len, HEX_MAX);
        vt_set(&v->text, h.data ? h.data : "", h.len, c->utf8);
        ec_buf_free(&h);
    } else {
        vt_set(&v->text, e->text.data ? e->text.data : "", e->text.len, c->utf8);
    }
    v->wrapped_width = -1;
    v->view.top = 0;
    v->has_match = false;
}

void value_open(con *c, const uint8_t *key, size_t len)
{
    value_state *v = &c->value;
    reset(v);
    ec_buf_reset(&v->key);
    ec_buf_append(&v->key, len ? key : (const uint8_t *)"", len);
    v->gen = con_next_gen(c);
    job_fetch_request(c, v->gen, key, len);
    con_push(c, SCR_VALUE);
}

void value_close(con *c)
{
    /* Any answer still on its way is for a generation nobody waits for. */
    c->value.gen = 0;
    reset(&c->value);
}

void value_on_event(con *c, ev_value *e)
{
    value_state *v = &c->value;
    reset(v);
    v->v = e;
    set_text(c);
}

static void rewrap(con *c, int width, size_t height)
{
    value_state *v = &c->value;
    if (v->wrapped_width != width) {
        size_t line = 0, off = 0;
        bool had = v->text.nrows > 0 && v->view.top < v->text.nrows;
        if (had) {
            line = v->text.rows[v->view.top].line;
            off = v->text.rows[v->view.top].off;
        }
        vt_wrap(&v->text, width);
        v->wrapped_width = width;
        v->view.top = had ? vt_row_of(&v->text, line, off) : 0;
    }
    v->view.total = v->text.nrows;
    v->view.height = height;
    rl_scroll(&v->view, 0);
}

static void draw_row(con *c, int y, const vt_row *r, int width)
{
    value_state *v = &c->value;
    const char *p = v->text.text.data + v->text.line_off[r->line] + r->off;
    size_t n = r->len;
    size_t nlen = v->search.len;
    if (!v->has_match || v->match_line != r->line || v->match_off + nlen <= r->off ||
        v->match_off >= r->off + r->len) {
        cd_text(y, 0, width, p, n, CR_NORMAL, c->utf8);
        return;
    }
    /* The match, or the part of it on this row, in reverse video. */
    size_t ms = v->match_off > r->off ? v->match_off - r->off : 0;
    size_t me = v->match_off + nlen - r->off < n ? v->match_off + nlen - r->off : n;
    int x = cd_text(y, 0, width, p, ms, CR_NORMAL, c->utf8);
    x += cd_text(y, x, width - x, p + ms, me - ms, CR_MATCH, c->utf8);
    cd_text(y, x, width - x, p + me, n - me, CR_NORMAL, c->utf8);
}

void value_draw(con *c, int y0, int y1)
{
    value_state *v = &c->value;
    int width = COLS;
    ec_buf h;
    ec_buf_init(&h, 0);
    ec_buf k;
    ec_buf_init(&k, 0);
    ct_escape(&k, (const uint8_t *)(v->key.data ? v->key.data : ""), v->key.len, c->utf8);
    int x = cd_str(y0, 0, width, "key ", CR_HEAD, false);
    ct_crop_mid(&h, k.data ? k.data : "", k.len, width - x, c->utf8);
    cd_text(y0, x, width - x, h.data, h.len, CR_NORMAL, c->utf8);
    ec_buf_reset(&h);
    ev_value *e = v->v;
    cd_role role = CR_NORMAL;
    if (!e) {
        ec_buf_puts(&h, "loading...");
        role = CR_WARN;
    } else if (!e->ok) {
        ec_buf_puts(&h, "cannot read the key: ");
        ct_sanitize(&h, e->err.msg, strlen(e->err.msg), c->utf8);
        role = CR_BAD;
    } else if (!e->found) {
        ec_buf_printf(&h, "not found at revision %lld (deleted since the scan?)", (long long)e->revision);
        if (e->err.msg[0]) {
            ec_buf_reset(&h);
            ct_sanitize(&h, e->err.msg, strlen(e->err.msg), c->utf8);
        }
        role = CR_WARN;
    } else {
        char by[24];
        ec_buf_printf(&h, "create @%lld  mod @%lld  version %lld  lease ", (long long)e->meta.create_revision,
                      (long long)e->meta.mod_revision, (long long)e->meta.version);
        if (e->meta.lease)
            ec_buf_printf(&h, "%llx", (unsigned long long)e->meta.lease);
        else
            ec_buf_puts(&h, "none");
        if (e->history >= 0) /* offline: what the file still holds of this key */
            ec_buf_printf(&h, "  history %lld (%lld del)", (long long)e->history, (long long)e->history_deletes);
        ec_buf_printf(&h, "  size %s (%zu B)  %s  [%s]", ct_bytes(e->meta.value_len, by, sizeof by),
                      e->meta.value_len, e->encoding, v->hex ? "hex" : "decoded");
    }
    cd_text(y0 + 1, 0, width, h.data, h.len, role, c->utf8);
    ec_buf_free(&h);
    ec_buf_free(&k);

    int height = y1 - y0 - 2;
    if (height < 1 || !e || !e->ok || !e->found)
        return;
    rewrap(c, width, (size_t)height);
    for (int i = 0; i < height && v->view.top + (size_t)i < v->text.nrows; i++)
        draw_row(c, y0 + 2 + i, &v->text.rows[v->view.top + (size_t)i], width);
}

void value_info(con *c, ec_buf *out, int *role)
{
    value_state *v = &c->value;
    *role = CR_NORMAL;
    if (!v->v || !v->v->found || v->text.nrows == 0)
        return;
    size_t last = v->view.top + v->view.height < v->text.nrows ? v->view.top + v->view.height : v->text.nrows;
    ec_buf_printf(out, "rows %zu-%zu of %zu (%d%%)", v->view.top + 1, last, v->text.nrows,
                  (int)(100.0 * (double)last / (double)v->text.nrows));
    if (v->has_match) {
        ec_buf_puts(out, "  match '");
        ct_sanitize(out, v->search.data, v->search.len, c->utf8);
        ec_buf_printf(out, "' on line %zu (n next, N previous)", v->match_line + 1);
    }
}

static void show_match(con *c)
{
    value_state *v = &c->value;
    if (v->wrapped_width < 1)
        return;
    size_t row = vt_row_of(&v->text, v->match_line, v->match_off);
    if (row < v->view.top || row >= v->view.top + v->view.height) {
        size_t ctx = v->view.height / 3;
        v->view.top = row > ctx ? row - ctx : 0;
        rl_scroll(&v->view, 0);
    }
}

static void search(con *c, int dir)
{
    value_state *v = &c->value;
    if (!v->search.len) {
        con_note(c, false, "no search yet: / searches");
        return;
    }
    size_t line, off;
    if (v->has_match) {
        line = v->match_line;
        off = v->match_off;
    } else if (v->view.top < v->text.nrows && v->view.top > 0) {
        /* From the top of the screen: start just before its first byte so a
         * match right there counts. */
        const vt_row *r = &v->text.rows[v->view.top];
        line = r->line;
        off = r->off;
        if (off > 0) {
            off--;
        } else if (line > 0) {
            line--;
            off = v->text.line_len[line];
        } else {
            line = SIZE_MAX;
        }
    } else {
        line = SIZE_MAX;
    }
    bool wrapped;
    if (!vt_find(&v->text, v->search.data, v->search.len, dir, &line, &off, &wrapped)) {
        v->has_match = false;
        ec_buf e;
        ec_buf_init(&e, 0);
        ct_sanitize(&e, v->search.data, v->search.len, c->utf8);
        con_note(c, true, "not found: '%s'", e.data ? e.data : "");
        ec_buf_free(&e);
        return;
    }
    v->has_match = true;
    v->match_line = line;
    v->match_off = off;
    if (wrapped)
        con_note(c, false, dir > 0 ? "search hit the end, continued from the top" : "search hit the top, continued from the end");
    show_match(c);
}

void value_search_done(con *c, const char *text, size_t len)
{
    value_state *v = &c->value;
    if (len == 0)
        return;
    ec_buf_reset(&v->search);
    ec_buf_append(&v->search, text, len);
    v->has_match = false;
    search(c, 1);
}

void value_action(con *c, ck_action a)
{
    value_state *v = &c->value;
    long h = (long)(v->view.height ? v->view.height : 1);
    switch (a) {
    case A_UP: rl_scroll(&v->view, -1); break;
    case A_DOWN: rl_scroll(&v->view, 1); break;
    case A_PGUP: rl_scroll(&v->view, -h); break;
    case A_PGDN: rl_scroll(&v->view, h); break;
    case A_HOME: v->view.top = 0; break;
    case A_END: rl_scroll(&v->view, (long)v->text.nrows); break;
    case A_SEARCH:
        if (v->v && v->v->found)
            dialog_open(c, DLG_SEARCH, v->search.data, v->search.len);
        break;
    case A_NEXT: search(c, 1); break;
    case A_PREV: search(c, -1); break;
    case A_HEX:
        if (v->v && v->v->found) {
            v->hex = !v->hex;
            set_text(c);
        }
        break;
    default: break;
    }
}
