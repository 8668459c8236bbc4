/* The Top screen (t in the browser): the groups of keys written most, from
 * the collector of tui/top/ (history replay, then live writes), ranked per
 * grouping, window and metric like `breakglass top`. The collector starts
 * when the screen is first opened and runs until exit, so coming back is
 * instant; it wakes the UI through the queue (a coalescing EV_TOP), and the
 * screen takes a snapshot under the collector's lock when it draws: no
 * network call on this thread. The selection is the group's name bytes,
 * except on the first row, which stays the first row (the leader). */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

#define TOP_ROWS_MAX 500
#define TOP_HISTORY_MAX 1000000000LL
#define TOP_SOURCE_LINES 5

/* Worker thread of the collector: must not block. */
static void on_collector(void *ud)
{
    con *c = ud;
    cq_ev *e = cq_ev_new(EV_TOP, 0);
    if (!e)
        return;
    e->coalesce = 1;
    cq_push(c->q, e);
}

static int start_collector(con *c)
{
    top_state *t = &c->top;
    bg_top_collector_config cc = {
        .feed = {.groupings = 0, /* all: switching is instant */
                 .group = {.depth = t->depth, .k8s_prefix = c->ctx->opts->k8s_prefix}},
        .history = t->history,
        .prev_kv = -1,
        .notify = on_collector,
        .notify_ud = c,
    };
    bg_top_collector *tc = NULL;
    ec_err err;
    if (bg_top_collector_new(c->client, &cc, &tc, &err) != 0 || bg_top_collector_start(tc, &err) != 0) {
        if (tc)
            bg_top_collector_free(tc);
        ec_buf m;
        ec_buf_init(&m, 0);
        ct_sanitize(&m, err.msg, strnlen(err.msg, sizeof err.msg), c->utf8);
        con_note(c, true, "top: cannot start collecting: %s", m.data ? m.data : "");
        ec_buf_free(&m);
        return -1;
    }
    bg_top_collector *old = t->tc;
    t->tc = tc;
    job_top_retire(c, old);
    return 0;
}

static void clear_sel(top_state *t)
{
    t->has_sel = false;
    ec_buf_reset(&t->sel);
    t->view.sel = t->view.top = 0;
}

void top_open(con *c)
{
    top_state *t = &c->top;
    if (c->off) {
        con_note(c, false, "top: not available offline; use --offline FILE top");
        return;
    }
    if (!t->tc) {
        t->history = BG_TOP_DEFAULT_HISTORY;
        const char *h = getenv("BREAKGLASS_TOP_HISTORY");
        if (h && *h) {
            char *end;
            long long v = strtoll(h, &end, 10);
            if (*end || v < 0 || v > TOP_HISTORY_MAX)
                con_note(c, true, "top: BREAKGLASS_TOP_HISTORY '%.40s' is not a number of revisions; using %d", h,
                         BG_TOP_DEFAULT_HISTORY);
            else
                t->history = v;
        }
        if (!t->depth)
            t->depth = BG_TOP_DEFAULT_DEPTH;
        if (start_collector(c) != 0)
            return;
    }
    con_push(c, SCR_TOP);
}

void top_shutdown(con *c)
{
    top_state *t = &c->top;
    if (t->tc)
        bg_top_collector_free(t->tc);
    t->tc = NULL;
    if (t->snap)
        bg_top_snapshot_free(t->snap);
    t->snap = NULL;
    ec_buf_free(&t->sel);
}

static const ec_rates_row *row_at(const top_state *t, size_t i)
{
    if (!t->snap || !t->snap->top || i >= t->snap->top->n)
        return NULL;
    return &t->snap->top->rows[i];
}

static void follow(top_state *t)
{
    const ec_rates_row *r = row_at(t, t->view.sel);
    if (!r)
        return;
    ec_buf_reset(&t->sel);
    ec_buf_append(&t->sel, r->key_len ? r->key : (const uint8_t *)"", r->key_len);
    t->has_sel = true;
}

/* A fresh ranking, the selection found again by its name. */
static void take_snapshot(con *c, size_t height)
{
    top_state *t = &c->top;
    t->view.height = height ? height : 1;
    bg_top_snapshot *s;
    ec_err err;
    if (!t->tc || bg_top_collector_snapshot(t->tc, t->group, t->window, t->by, TOP_ROWS_MAX, 0, &s, &err) != 0)
        return; /* keep the last one */
    if (t->snap)
        bg_top_snapshot_free(t->snap);
    t->snap = s;
    size_t n = s->top ? s->top->n : 0, idx = SIZE_MAX;
    /* On the first row the operator watches the leader, whoever it is
     * (htop's top row); elsewhere the selection follows its group. */
    bool follow_name = t->has_sel && t->view.sel > 0;
    for (size_t i = 0; follow_name && i < n; i++) {
        const ec_rates_row *r = &s->top->rows[i];
        if (r->key_len == t->sel.len && (r->key_len == 0 || memcmp(r->key, t->sel.data, r->key_len) == 0)) {
            idx = i;
            break;
        }
    }
    if (idx != SIZE_MAX) {
        rl_restore(&t->view, n, idx);
    } else {
        t->view.total = n;
        rl_fix(&t->view);
    }
    follow(t);
}

/* Sparkline characters that fit: 60 (one per second) down to 10. */
static size_t spark_width(int width, int fixed)
{
    static const size_t widths[] = {60, 30, 20, 15, 12, 10};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        if (fixed + (int)widths[i] + 2 + 32 <= width) /* group names first */
            return widths[i];
    return 10;
}

/* Column positions: rank, rate, share, sparkline, group. */
enum { W_RANK = 3, W_RATE = 12, W_SHARE = 6 };
#define X_RATE (W_RANK + 2)
#define X_SHARE (X_RATE + W_RATE + 2)
#define X_SPARK (X_SHARE + W_SHARE + 2)

static void draw_row(con *c, int y, size_t rank, const ec_rates_row *r, bool sel, size_t sw, int width)
{
    top_state *t = &c->top;
    cd_role role = sel ? CR_SEL : CR_NORMAL;
    if (sel)
        cd_fill(y, 0, width, CR_SEL);
    char buf[48];
    snprintf(buf, sizeof buf, "%zu", rank);
    cd_right(y, 0, W_RANK, buf, role, false);
    double v = t->by == EC_RATES_BYTES ? r->bytes_per_s : r->writes_per_s;
    cd_right(y, X_RATE, W_RATE, tm_rate(v, t->by, r->estimated, buf, sizeof buf), role, false);
    double share = t->by == EC_RATES_BYTES ? r->share_bytes : r->share_writes;
    snprintf(buf, sizeof buf, "%5.1f%%", share * 100.0);
    cd_right(y, X_SHARE, W_SHARE, buf, role, false);
    ec_buf b;
    ec_buf_init(&b, 0);
    tm_spark(r, t->by, sw, c->utf8, &b);
    cd_text(y, X_SPARK, (int)sw, b.data ? b.data : "", b.len, role, c->utf8);
    ec_buf_reset(&b);
    ct_escape(&b, r->key, r->key_len, c->utf8);
    if (r->key_truncated)
        ec_buf_puts(&b, " (cut)");
    int xg = X_SPARK + (int)sw + 2;
    ec_buf name;
    ec_buf_init(&name, 0);
    ct_crop_mid(&name, b.data ? b.data : "", b.len, width - xg, c->utf8);
    cd_text(y, xg, width - xg, name.data ? name.data : "", name.len, role, c->utf8);
    ec_buf_free(&name);
    ec_buf_free(&b);
}

void top_draw(con *c, int y0, int y1)
{
    top_state *t = &c->top;
    int width = COLS, y = y0;
    /* Title, sources, column titles: the rows get the rest. */
    ec_buf src;
    ec_buf_init(&src, 0);
    int n_src = 0;
    if (t->tc) {
        /* A first snapshot for the sources, with the height guessed; the
         * rows are redone below with the real height only if it differs. */
        take_snapshot(c, t->view.height);
        if (t->snap) {
            tm_sources(t->snap, t->history, &src);
            n_src = 1;
            for (size_t i = 0; i < src.len; i++)
                n_src += src.data[i] == '\n';
            if (n_src > TOP_SOURCE_LINES)
                n_src = TOP_SOURCE_LINES;
        }
    }
    int rows = y1 - y0 - 2 - n_src;
    if (rows < 1)
        rows = 1;
    if ((size_t)rows != t->view.height) {
        t->view.height = (size_t)rows;
        rl_fix(&t->view);
    }

    ec_buf h;
    ec_buf_init(&h, 0);
    ec_buf_puts(&h, "--- top: ");
    tm_title(t->snap, t->group, t->depth, t->window, t->by, &h);
    ec_buf_puts(&h, " ---");
    int used = cd_text(y, 0, width, h.data, h.len, CR_HEAD, c->utf8);
    ec_buf_reset(&h);
    cd_role sr = CR_OK;
    if (!t->snap) {
        ec_buf_puts(&h, "  [starting]");
        sr = CR_WARN;
    } else {
        ec_buf_printf(&h, "  [%s]", bg_top_state_name(t->snap->state));
        sr = t->snap->state == BG_TOP_RUNNING ? CR_OK : t->snap->state == BG_TOP_RETRYING ? CR_BAD : CR_WARN;
    }
    cd_text(y++, used, width - used, h.data, h.len, sr, c->utf8);
    ec_buf_free(&h);

    const char *p = src.data ? src.data : "";
    const char *end = p + src.len;
    for (int i = 0; i < n_src && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        bool bad = n >= 5 && (memcmp(p, "error", 5) == 0 || memcmp(p, "history  COMPACTED", n < 18 ? n : 18) == 0);
        cd_text(y++, 0, width, p, n, bad ? CR_WARN : CR_NORMAL, c->utf8);
        p += n + (nl ? 1 : 0);
    }
    ec_buf_free(&src);

    size_t sw = spark_width(width, X_SPARK);
    cd_right(y, 0, W_RANK, "#", CR_HEAD, false);
    cd_right(y, X_RATE, W_RATE, t->by == EC_RATES_BYTES ? "BYTES/S" : "WRITES/S", CR_HEAD, false);
    cd_right(y, X_SHARE, W_SHARE, "SHARE", CR_HEAD, false);
    cd_str(y, X_SPARK, (int)sw, sw == 60 ? "LAST 60 S" : "LAST 60 S (folded)", CR_HEAD, false);
    cd_str(y, X_SPARK + (int)sw + 2, width - X_SPARK - (int)sw - 2, "GROUP", CR_HEAD, false);
    y++;

    size_t n = t->snap && t->snap->top ? t->snap->top->n : 0;
    for (size_t i = t->view.top; i < n && y < y1; i++)
        draw_row(c, y++, i + 1, &t->snap->top->rows[i], i == t->view.sel, sw, width);
    if (n == 0) {
        const char *msg = !t->tc                  ? "the collector is not running"
                          : !t->snap              ? "starting..."
                          : t->snap->state == BG_TOP_STARTING ? "starting: sampling the revision, opening the watch..."
                                                  : "no writes in this window yet";
        cd_str(y, 2, width - 2, msg, CR_DIM, false);
    }
}

void top_info(con *c, ec_buf *out, int *role)
{
    top_state *t = &c->top;
    *role = CR_NORMAL;
    const ec_rates_row *r = row_at(t, t->view.sel);
    if (!r)
        return;
    char by[24];
    ec_buf_printf(out, "%" PRIu64 " write%s, %s in the last %s; newest revision %" PRId64, r->writes,
                  r->writes == 1 ? "" : "s", ct_bytes(r->bytes, by, sizeof by), tm_window_name(t->window),
                  r->last_revision);
    if (r->error)
        ec_buf_printf(out, "; may count up to %" PRIu64 " more than it made", r->error);
}

static void set_group(top_state *t, bg_top_grouping g)
{
    if (t->group != g)
        clear_sel(t);
    t->group = g;
}

static void change_depth(con *c, int delta)
{
    top_state *t = &c->top;
    long d = (long)t->depth + delta;
    if (d < 1 || d > BG_TOP_MAX_DEPTH) {
        con_note(c, false, "top: prefix depth stays %u (1 to %d)", t->depth, BG_TOP_MAX_DEPTH);
        set_group(t, BG_TOP_BY_PREFIX);
        return;
    }
    unsigned old = t->depth;
    t->depth = (unsigned)d;
    set_group(t, BG_TOP_BY_PREFIX);
    clear_sel(t);
    if (start_collector(c) != 0) {
        t->depth = old;
        return;
    }
    if (t->snap)
        bg_top_snapshot_free(t->snap);
    t->snap = NULL;
    con_note(c, false, "top: prefix depth %u: the history is replayed again", t->depth);
}

static void jump(con *c, const ec_rates_row *r)
{
    top_state *t = &c->top;
    ec_buf path;
    ec_buf_init(&path, 0);
    const char *why;
    pthread_mutex_lock(&c->ks_mu);
    tm_jump_kind k =
        tm_jump(c->ctx->opts->k8s_prefix, t->group, r->key, r->key_len, r->key_truncated, c->ks, &path, &why);
    pthread_mutex_unlock(&c->ks_mu);
    if (k == TM_JUMP_NONE) {
        con_note(c, false, "%s", why);
    } else {
        con_pop(c); /* back to the browser, which the Top screen was opened from */
        bm_goto(&c->browse, (const uint8_t *)(path.data ? path.data : ""), path.len, k == TM_JUMP_KEY);
        if (why)
            con_note(c, false, "%s", why);
    }
    ec_buf_free(&path);
}

static void delete_row(con *c, const ec_rates_row *r)
{
    top_state *t = &c->top;
    ec_buf target;
    ec_buf_init(&target, 0);
    tm_del_kind kind;
    const char *why;
    if (tm_delete_target(t->group, r->key, r->key_len, r->key_truncated, &target, &kind, &why) != 0)
        con_note(c, false, "%s", why);
    else
        action_start_target(c, (const uint8_t *)(target.data ? target.data : ""), target.len, kind);
    ec_buf_free(&target);
}

void top_action(con *c, ck_action a)
{
    top_state *t = &c->top;
    switch (a) {
    case A_UP: rl_move(&t->view, -1); break;
    case A_DOWN: rl_move(&t->view, 1); break;
    case A_PGUP: rl_page(&t->view, -1); break;
    case A_PGDN: rl_page(&t->view, 1); break;
    case A_HOME: rl_home(&t->view); break;
    case A_END: rl_end(&t->view); break;
    case A_GROUP_KEY: set_group(t, BG_TOP_BY_KEY); return;
    case A_GROUP_PREFIX: set_group(t, BG_TOP_BY_PREFIX); return;
    case A_GROUP_RESOURCE: set_group(t, BG_TOP_BY_RESOURCE); return;
    case A_GROUP_NAMESPACE: set_group(t, BG_TOP_BY_NAMESPACE); return;
    case A_GROUP_OWNER: set_group(t, BG_TOP_BY_OWNER); return;
    case A_GROUP_WRITER: set_group(t, BG_TOP_BY_WRITER); return;
    case A_GROUP_LEASE: set_group(t, BG_TOP_BY_LEASE); return;
    case A_DEPTH_MORE: change_depth(c, 1); return;
    case A_DEPTH_LESS: change_depth(c, -1); return;
    case A_WIN_10S: t->window = EC_RATES_10S; return;
    case A_WIN_60S: t->window = EC_RATES_60S; return;
    case A_WIN_5M: t->window = EC_RATES_5M; return;
    case A_METRIC: t->by = t->by == EC_RATES_BYTES ? EC_RATES_WRITES : EC_RATES_BYTES; return;
    case A_OPEN:
    case A_DELETE: {
        const ec_rates_row *r = row_at(t, t->view.sel);
        if (!r) {
            con_note(c, false, "%s: no row selected", a == A_OPEN ? "jump" : "delete");
            return;
        }
        if (a == A_OPEN)
            jump(c, r);
        else
            delete_row(c, r);
        return;
    }
    default: return;
    }
    follow(t);
}
