/* The key browser (ncdu for etcd): the keyspace tree one directory at a
 * time, with counts, bytes, writes, newest revision and write rate per row.
 * State and identity rules live in bmodel.c; this file draws and maps keys
 * to actions. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/layout.h"
#include "tui/console/text.h"

static const ec_ks_col col_of[BL_NCOLS] = {
    [BL_KEYS] = EC_KS_BY_KEYS,     [BL_BYTES] = EC_KS_BY_BYTES, [BL_WRITES] = EC_KS_BY_WRITES,
    [BL_MODREV] = EC_KS_BY_MODREV, [BL_RATE] = EC_KS_BY_RATE,   [BL_NAME] = EC_KS_BY_NAME,
};

static const char *sort_name(ec_ks_col c)
{
    switch (c) {
    case EC_KS_BY_NAME: return "name";
    case EC_KS_BY_KEYS: return "keys";
    case EC_KS_BY_BYTES: return "bytes";
    case EC_KS_BY_WRITES: return "writes";
    case EC_KS_BY_MODREV: return "modrev";
    case EC_KS_BY_RATE: return "w/s";
    case EC_KS_NCOLS: break;
    }
    return "?";
}

static void bytes_cell(const ec_ks_info *st, char *buf, size_t len, bool *unknown)
{
    *unknown = st->bytes_known == 0 && st->keys > 0;
    if (*unknown) {
        snprintf(buf, len, "?");
        return;
    }
    char h[24];
    ct_bytes(st->bytes, h, sizeof h);
    /* '+' = at least: some keys below have no known size yet. */
    snprintf(buf, len, "%s%s", h, st->bytes_known < st->keys ? "+" : "");
}

static void draw_row(con *c, int y, const bl_layout *l, const bm_row *r, bool sel, int width)
{
    cd_role role = sel ? CR_SEL : CR_NORMAL;
    if (sel)
        cd_fill(y, 0, width, CR_SEL);
    const ec_ks_info *st = &r->info;
    char buf[48];
    if (l->col[BL_FLAG].shown && st->is_key && st->children > 0)
        cd_str(y, l->col[BL_FLAG].x, 1, "*", role, false);
    if (l->col[BL_KEYS].shown)
        cd_right(y, l->col[BL_KEYS].x, l->col[BL_KEYS].w, ct_count(st->keys, l->col[BL_KEYS].w, buf, sizeof buf),
                 role, false);
    if (l->col[BL_BYTES].shown) {
        bool unknown;
        bytes_cell(st, buf, sizeof buf, &unknown);
        cd_right(y, l->col[BL_BYTES].x, l->col[BL_BYTES].w, buf, sel ? CR_SEL : unknown ? CR_DIM : CR_NORMAL, false);
    }
    if (l->col[BL_WRITES].shown)
        cd_right(y, l->col[BL_WRITES].x, l->col[BL_WRITES].w,
                 ct_count(st->writes, l->col[BL_WRITES].w, buf, sizeof buf), role, false);
    if (l->col[BL_MODREV].shown)
        cd_right(y, l->col[BL_MODREV].x, l->col[BL_MODREV].w,
                 ct_count((uint64_t)(st->max_mod_revision > 0 ? st->max_mod_revision : 0), l->col[BL_MODREV].w, buf,
                          sizeof buf),
                 role, false);
    if (l->col[BL_RATE].shown) {
        /* The write-rate engine sets rates in the tree; until it runs they are 0. */
        if (c->off) /* offline: records in the file, a whole number */
            snprintf(buf, sizeof buf, "%.0f", st->rate);
        else if (st->rate > 0)
            snprintf(buf, sizeof buf, st->rate < 100 ? "%.1f" : "%.0f", st->rate);
        else
            snprintf(buf, sizeof buf, "-");
        cd_right(y, l->col[BL_RATE].x, l->col[BL_RATE].w, buf, sel ? CR_SEL : st->rate > 0 ? CR_NORMAL : CR_DIM, false);
    }
    ec_buf name;
    ec_buf_init(&name, 0);
    ct_crop_mid(&name, r->label.data ? r->label.data : "", r->label.len, l->col[BL_NAME].w, c->utf8);
    cd_text(y, l->col[BL_NAME].x, l->col[BL_NAME].w, name.data ? name.data : "", name.len, role, c->utf8);
    ec_buf_free(&name);
}

static void draw_titles(con *c, int y, const bl_layout *l)
{
    bm_state *b = &c->browse;
    for (int k = BL_KEYS; k < BL_NCOLS; k++) {
        if (!l->col[k].shown)
            continue;
        char t[32];
        /* Offline the rate column holds each key's records in the file. */
        const char *title = c->off && k == BL_RATE ? "revs" : bl_title((bl_colid)k);
        if (col_of[k] == b->col)
            snprintf(t, sizeof t, "%s %s", title, b->desc ? "v" : "^");
        else
            snprintf(t, sizeof t, "%s", title);
        if (k == BL_NAME)
            cd_str(y, l->col[k].x, l->col[k].w, t, CR_HEAD, false);
        else
            cd_right(y, l->col[k].x, l->col[k].w, t, CR_HEAD, false);
    }
}

void browse_draw(con *c, int y0, int y1)
{
    bm_state *b = &c->browse;
    int width = COLS;
    int rows = y1 - y0 - 2;
    if (rows < 1)
        rows = 1;
    pthread_mutex_lock(&c->ks_mu);
    bool complete = c->ks_complete;
    bm_refresh(b, c->ks, (size_t)rows, c->utf8);
    if (b->dir_missing && complete) {
        /* Deleted while we looked at it (or never there): go to what is left. */
        bm_climb(b, c->ks);
        bm_refresh(b, c->ks, (size_t)rows, c->utf8);
    }
    pthread_mutex_unlock(&c->ks_mu);

    /* Header: where, how many, sort, filter, live state. */
    ec_buf h;
    ec_buf_init(&h, 0);
    ec_buf_puts(&h, "--- ");
    ec_buf_append(&h, b->header.data ? b->header.data : "", b->header.len);
    ec_buf_puts(&h, " ---");
    int used = cd_text(y0, 0, width, h.data, h.len, CR_HEAD, c->utf8);
    ec_buf_reset(&h);
    if (b->dir_missing)
        ec_buf_printf(&h, "  %s", complete ? "(gone)" : "(not scanned yet)");
    else
        ec_buf_printf(&h, "  %" PRIu64 " keys, %zu entries", b->dir_info.keys, b->n_children);
    if (b->filter.len) {
        ec_buf_puts(&h, "  filter '");
        ct_escape(&h, (const uint8_t *)b->filter.data, b->filter.len, c->utf8);
        ec_buf_printf(&h, "': %zu shown", b->view.total);
    }
    ec_buf_printf(&h, "  sort %s %s", sort_name(b->col), b->desc ? "desc" : "asc");
    used += cd_text(y0, used, width - used, h.data, h.len, CR_NORMAL, c->utf8);
    ec_buf_reset(&h);
    cd_role lr = CR_OK;
    switch (c->tree.phase) {
    case TP_SCANNING:
        ec_buf_puts(&h, "  [scanning]");
        lr = CR_WARN;
        break;
    case TP_LIVE:
        if (c->cs.kind == CS_CONNECTED || c->cs.kind == CS_CONNECTING) {
            ec_buf_printf(&h, "  [live @%lld]", (long long)c->tree.rev);
        } else {
            /* The watch has not failed yet, but etcd does not answer. */
            ec_buf_printf(&h, "  [as of @%lld]", (long long)c->tree.rev);
            lr = CR_WARN;
        }
        break;
    case TP_WATCH_LOST:
        ec_buf_printf(&h, "  [updates paused @%lld]", (long long)c->tree.rev);
        lr = CR_WARN;
        break;
    case TP_RETRY:
        ec_buf_puts(&h, "  [retrying]");
        lr = CR_WARN;
        break;
    case TP_FAILED:
        ec_buf_puts(&h, c->off ? "  [index failed]" : "  [not live]");
        lr = CR_BAD;
        break;
    case TP_OFFLINE:
        ec_buf_printf(&h, "  [offline @%lld]", (long long)c->tree.rev);
        lr = CR_WARN;
        break;
    default: break;
    }
    cd_text(y0, used, width - used, h.data ? h.data : "", h.len, lr, c->utf8);
    ec_buf_free(&h);

    bl_layout l;
    bl_compute(&l, width);
    draw_titles(c, y0 + 1, &l);
    for (size_t i = 0; i < b->n_rows; i++)
        draw_row(c, y0 + 2 + (int)i, &l, &b->rows[i], b->view.top + i == b->view.sel, width);
    if (b->n_rows == 0) {
        const char *msg = b->dir_missing ? (complete ? "this directory is gone"
                                                     : "waiting for the scan to reach this directory")
                          : b->filter.len ? "no row matches the filter (Esc clears it)"
                          : c->tree.phase == TP_SCANNING ? "scanning..."
                          : c->tree.phase == TP_RETRY || c->tree.phase == TP_FAILED
                              ? "no keys yet: the scan did not finish (the line below says why)"
                              : "(empty)";
        cd_str(y0 + 2, 2, width - 2, msg, CR_DIM, false);
    }
}

static void progress_bar(ec_buf *out, int64_t done, int64_t total, int w)
{
    if (total <= 0 || w < 3)
        return;
    int fill = (int)((double)done / (double)total * (w - 2));
    if (fill > w - 2)
        fill = w - 2;
    ec_buf_putc(out, '[');
    for (int i = 0; i < w - 2; i++)
        ec_buf_putc(out, i < fill ? '#' : '.');
    ec_buf_putc(out, ']');
}

void browse_info(con *c, ec_buf *out, int *role)
{
    bm_state *b = &c->browse;
    *role = CR_NORMAL;
    if (c->size.phase == SZ_RUNNING) {
        char by[24];
        ec_buf_printf(out, "sizes of ");
        ec_buf_append(out, c->size.where.data ? c->size.where.data : "", c->size.where.len);
        ec_buf_printf(out, ": %lld", (long long)c->size.done);
        if (c->size.total > 0)
            ec_buf_printf(out, " of %lld", (long long)c->size.total);
        ec_buf_printf(out, " keys, %s ", ct_bytes((uint64_t)c->size.bytes, by, sizeof by));
        progress_bar(out, c->size.done, c->size.total, 22);
        ec_buf_puts(out, "  S/Esc cancels");
        *role = CR_WARN;
        return;
    }
    if (c->tree.phase == TP_SCANNING) {
        ec_buf_printf(out, "%s: %lld", c->off ? "reading the file" : "scanning keys", (long long)c->tree.done);
        if (c->tree.total > 0)
            ec_buf_printf(out, " of %lld (%d%%) ", (long long)c->tree.total,
                          (int)(100.0 * (double)c->tree.done / (double)c->tree.total));
        progress_bar(out, c->tree.done, c->tree.total, 22);
        if (c->tree.msg[0]) { /* e.g. a restart after compaction */
            ec_buf_puts(out, "  ");
            ct_sanitize(out, c->tree.msg, strlen(c->tree.msg), c->utf8);
        }
        *role = CR_WARN;
        return;
    }
    if (c->tree.phase == TP_RETRY || c->tree.phase == TP_WATCH_LOST || c->tree.phase == TP_FAILED) {
        ct_sanitize(out, c->tree.msg, strlen(c->tree.msg), c->utf8);
        *role = c->tree.phase == TP_FAILED ? CR_BAD : CR_WARN;
        return;
    }
    if (b->view.total == 0 || b->view.sel < b->view.top || b->view.sel - b->view.top >= b->n_rows)
        return;
    const bm_row *r = &b->rows[b->view.sel - b->view.top];
    const ec_ks_info *st = &r->info;
    if (st->is_key) {
        ec_buf_printf(out, "key: version %lld, modified @%lld, created @%lld", (long long)st->kv.version,
                      (long long)st->kv.mod_revision, (long long)st->kv.create_revision);
        if (st->kv.lease)
            ec_buf_printf(out, ", lease %llx", (unsigned long long)st->kv.lease);
        else
            ec_buf_puts(out, ", no lease");
        if (st->kv.value_size >= 0) {
            char by[24];
            ec_buf_printf(out, ", value %s", ct_bytes((uint64_t)st->kv.value_size, by, sizeof by));
        }
        if (c->off)
            ec_buf_printf(out, ", %.0f records in the file", st->rate);
    }
    if (st->children > 0) {
        ec_buf_printf(out, "%s%" PRIu64 " keys below, bytes known for %" PRIu64 " of them%s", out->len ? "; " : "",
                      st->keys, st->bytes_known, st->bytes_known < st->keys ? " (S scans sizes)" : "");
    }
}

static void cancel_size_scan(con *c)
{
    job_size_cancel(c, c->size.gen);
    /* Whatever that scan still posts is dropped: it is over for us. */
    c->size.gen = 0;
    c->size.phase = SZ_CANCELLED;
    con_note(c, false, "size scan cancelled (sizes already measured are kept)");
}

static void start_size_scan(con *c)
{
    bm_state *b = &c->browse;
    if (c->size.phase == SZ_RUNNING) {
        cancel_size_scan(c);
        return;
    }
    ec_buf prefix;
    ec_buf_init(&prefix, 0);
    bm_scan_prefix(b, &prefix);
    bool dir_key = !b->at_root && b->dir_info.is_key;
    c->size.gen = job_size_request(c, (const uint8_t *)prefix.data, prefix.len, (const uint8_t *)b->dir.data,
                                   b->at_root ? 0 : b->dir.len, dir_key);
    c->size.phase = SZ_RUNNING;
    c->size.done = c->size.total = c->size.bytes = 0;
    ec_buf_reset(&c->size.where);
    ec_buf_append(&c->size.where, b->header.data ? b->header.data : "", b->header.len);
    ec_buf_free(&prefix);
}

void browse_action(con *c, ck_action a)
{
    bm_state *b = &c->browse;
    ec_buf key;
    ec_buf_init(&key, 0);
    bm_result res = BM_NOTHING;
    pthread_mutex_lock(&c->ks_mu);
    switch (a) {
    case A_UP: bm_move(b, c->ks, -1); break;
    case A_DOWN: bm_move(b, c->ks, 1); break;
    case A_PGUP: bm_page(b, c->ks, -1); break;
    case A_PGDN: bm_page(b, c->ks, 1); break;
    case A_HOME: bm_home(b, c->ks); break;
    case A_END: bm_end(b, c->ks); break;
    case A_OPEN: res = bm_enter(b, c->ks, &key); break;
    case A_VIEW: res = bm_view(b, c->ks, &key); break;
    case A_PARENT: bm_up(b); break;
    case A_SORT_NAME: bm_sort(b, EC_KS_BY_NAME); break;
    case A_SORT_KEYS: bm_sort(b, EC_KS_BY_KEYS); break;
    case A_SORT_BYTES: bm_sort(b, EC_KS_BY_BYTES); break;
    case A_SORT_WRITES: bm_sort(b, EC_KS_BY_WRITES); break;
    case A_SORT_MODREV: bm_sort(b, EC_KS_BY_MODREV); break;
    case A_SORT_RATE: bm_sort(b, EC_KS_BY_RATE); break;
    default: break;
    }
    pthread_mutex_unlock(&c->ks_mu);
    switch (a) {
    case A_OPEN:
    case A_VIEW:
        if (res == BM_OPEN_KEY)
            value_open(c, (const uint8_t *)key.data, key.len);
        else if (a == A_VIEW)
            con_note(c, false, "the selected row is not a key");
        break;
    case A_FILTER:
        b->auto_start = false;
        dialog_open(c, DLG_FILTER, b->filter.data, b->filter.len);
        break;
    case A_BACK:
        if (c->size.phase == SZ_RUNNING)
            cancel_size_scan(c);
        else if (b->filter.len)
            bm_set_filter(b, NULL, 0);
        break;
    case A_SIZESCAN:
        if (c->off)
            con_note(c, false, "size scan: not available offline (every size is read from the file)");
        else if (c->tree.phase == TP_SCANNING && c->size.phase != SZ_RUNNING)
            /* One background scan at a time: etcd may be the thing that is sick. */
            con_note(c, false, "size scan: waits for the key scan to finish (one scan at a time, to spare etcd)");
        else
            start_size_scan(c);
        break;
    case A_RESCAN:
        if (c->off) {
            con_note(c, false, "rescan: not available offline (the file does not change)");
            break;
        }
        if (c->size.phase == SZ_RUNNING)
            cancel_size_scan(c); /* one scan at a time */
        job_tree_rescan(c);
        c->tree.phase = TP_SCANNING;
        c->tree.done = c->tree.total = 0;
        break;
    case A_DELETE: action_start(c); break;
    case A_OPEN_TOP: top_open(c); break;
    case A_CLUSTER:
        if (c->off)
            con_note(c, false, "cluster view: not available offline (no etcd)");
        else
            cluster_open(c);
        break;
    default: break;
    }
    ec_buf_free(&key);
}
