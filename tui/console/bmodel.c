#include "tui/console/bmodel.h"

#include <stdlib.h>
#include <string.h>

#include "tui/console/text.h"

void bm_init(bm_state *b)
{
    memset(b, 0, sizeof *b);
    b->at_root = true;
    b->auto_start = true;
    b->col = EC_KS_BY_NAME;
    ec_buf_init(&b->dir, 1 << 24);
    ec_buf_init(&b->sel, 1 << 24);
    ec_buf_init(&b->filter, BM_FILTER_MAX + 1);
    ec_buf_init(&b->header, 1 << 24);
}

static void free_rows(bm_state *b)
{
    for (size_t i = 0; i < b->cap_rows; i++)
        ec_buf_free(&b->rows[i].label);
    free(b->rows);
    b->rows = NULL;
    b->n_rows = b->cap_rows = 0;
}

void bm_free(bm_state *b)
{
    free_rows(b);
    ec_buf_free(&b->dir);
    ec_buf_free(&b->sel);
    ec_buf_free(&b->filter);
    ec_buf_free(&b->header);
}

ec_ks_order bm_order(const bm_state *b)
{
    ec_ks_order o = {b->col, b->desc, NULL, 0};
    if (b->filter.len) {
        o.filter = (const uint8_t *)b->filter.data;
        o.filter_len = b->filter.len;
    }
    return o;
}

static ec_ks_id dir_id(bm_state *b, ec_ks *ks)
{
    if (b->at_root)
        return EC_KS_ROOT;
    return ec_ks_find(ks, (const uint8_t *)(b->dir.data ? b->dir.data : ""), b->dir.len);
}

static int set_bytes(ec_buf *dst, const void *p, size_t n)
{
    ec_buf_reset(dst);
    return ec_buf_append(dst, n ? p : "", n);
}

static void clear_nav(bm_state *b)
{
    b->has_sel = false;
    ec_buf_reset(&b->sel);
    ec_buf_reset(&b->filter);
    b->view.sel = b->view.top = 0;
}

/* The listing of the directory (tree-owned ids), or n = 0. */
static ec_ks_id list(bm_state *b, ec_ks *ks, const ec_ks_id **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    ec_ks_id d = dir_id(b, ks);
    if (d == EC_KS_NONE)
        return d;
    ec_ks_order o = bm_order(b);
    ec_err err;
    if (ec_ks_list(ks, d, &o, ids, n, &err) != 0) {
        *ids = NULL;
        *n = 0;
    }
    return d;
}

/* Makes the selection identity follow the row at view.sel. */
static void follow(bm_state *b, ec_ks *ks)
{
    const ec_ks_id *ids;
    size_t n;
    list(b, ks, &ids, &n);
    b->view.total = n;
    rl_fix(&b->view);
    if (n == 0)
        return;
    ec_ks_info st;
    if (ec_ks_stat(ks, ids[b->view.sel], &st) == 0 && set_bytes(&b->sel, st.name, st.name_len) == 0)
        b->has_sel = true;
}

static int ensure_rows(bm_state *b, size_t n)
{
    if (n <= b->cap_rows)
        return 0;
    bm_row *r = realloc(b->rows, n * sizeof *r);
    if (!r)
        return -1;
    for (size_t i = b->cap_rows; i < n; i++) {
        memset(&r[i], 0, sizeof r[i]);
        ec_buf_init(&r[i].label, 1 << 20);
    }
    b->rows = r;
    b->cap_rows = n;
    return 0;
}

int bm_refresh(bm_state *b, ec_ks *ks, size_t height, bool utf8)
{
    if (b->auto_start && b->at_root && ec_ks_child(ks, EC_KS_ROOT, (const uint8_t *)"", 0) != EC_KS_NONE) {
        b->at_root = false;
        set_bytes(&b->dir, "", 0);
        clear_nav(b);
    }
    b->view.height = height;
    b->n_rows = 0;
    ec_buf_reset(&b->header);
    if (b->at_root) {
        ec_buf_puts(&b->header, "(root)");
    } else {
        ct_escape(&b->header, (const uint8_t *)(b->dir.data ? b->dir.data : ""), b->dir.len, utf8);
        ec_buf_putc(&b->header, '/');
    }
    const ec_ks_id *ids;
    size_t n;
    ec_ks_id d = list(b, ks, &ids, &n);
    b->dir_missing = d == EC_KS_NONE;
    memset(&b->dir_info, 0, sizeof b->dir_info);
    b->n_children = 0;
    if (b->dir_missing) {
        b->view.total = 0;
        rl_fix(&b->view);
        return 0;
    }
    if (ec_ks_stat(ks, d, &b->dir_info) == 0) {
        b->dir_info.name = NULL;
        b->n_children = b->dir_info.children;
    }
    size_t idx = SIZE_MAX;
    if (b->has_sel) {
        ec_ks_id cid = ec_ks_child(ks, d, (const uint8_t *)(b->sel.data ? b->sel.data : ""), b->sel.len);
        if (cid != EC_KS_NONE) {
            /* The listing is sorted by another column than the identity, so
             * look for the id; try the old row first (nothing moved). */
            if (b->view.sel < n && ids[b->view.sel] == cid)
                idx = b->view.sel;
            for (size_t i = 0; idx == SIZE_MAX && i < n; i++)
                if (ids[i] == cid)
                    idx = i;
        }
    }
    if (idx != SIZE_MAX) {
        rl_restore(&b->view, n, idx);
    } else {
        /* Gone or filtered out: stay on the same row number. */
        b->view.total = n;
        rl_fix(&b->view);
    }
    if (n > 0) {
        ec_ks_info st;
        if (ec_ks_stat(ks, ids[b->view.sel], &st) == 0 && set_bytes(&b->sel, st.name, st.name_len) == 0)
            b->has_sel = true;
    }
    size_t want = n - b->view.top < height ? n - b->view.top : height;
    if (ensure_rows(b, want) != 0)
        return -1;
    for (size_t i = 0; i < want; i++) {
        bm_row *r = &b->rows[i];
        r->id = ids[b->view.top + i];
        if (ec_ks_stat(ks, r->id, &r->info) != 0)
            memset(&r->info, 0, sizeof r->info);
        r->info.name = NULL;
        ec_buf_reset(&r->label);
        ec_buf tmp;
        ec_buf_init(&tmp, 1 << 20);
        if (ec_ks_display_name(ks, r->id, &tmp) == 0)
            ct_sanitize(&r->label, tmp.data ? tmp.data : "", tmp.len, utf8);
        ec_buf_free(&tmp);
        if (!r->label.data)
            ec_buf_append(&r->label, "", 0);
    }
    b->n_rows = want;
    return 0;
}

void bm_move(bm_state *b, ec_ks *ks, long delta)
{
    b->auto_start = false;
    rl_move(&b->view, delta);
    follow(b, ks);
}

void bm_page(bm_state *b, ec_ks *ks, int dir)
{
    b->auto_start = false;
    rl_page(&b->view, dir);
    follow(b, ks);
}

void bm_home(bm_state *b, ec_ks *ks)
{
    b->auto_start = false;
    rl_home(&b->view);
    follow(b, ks);
}

void bm_end(bm_state *b, ec_ks *ks)
{
    b->auto_start = false;
    rl_end(&b->view);
    follow(b, ks);
}

static ec_ks_id selected(bm_state *b, ec_ks *ks)
{
    const ec_ks_id *ids;
    size_t n;
    list(b, ks, &ids, &n);
    b->view.total = n;
    rl_fix(&b->view);
    return n ? ids[b->view.sel] : EC_KS_NONE;
}

bm_result bm_enter(bm_state *b, ec_ks *ks, ec_buf *key_out)
{
    b->auto_start = false;
    ec_ks_id id = selected(b, ks);
    ec_ks_info st;
    if (id == EC_KS_NONE || ec_ks_stat(ks, id, &st) != 0)
        return BM_NOTHING;
    if (st.children > 0) {
        ec_buf path;
        ec_buf_init(&path, 1 << 24);
        if (ec_ks_path(ks, id, &path) != 0) {
            ec_buf_free(&path);
            return BM_NOTHING;
        }
        set_bytes(&b->dir, path.data ? path.data : "", path.len);
        ec_buf_free(&path);
        b->at_root = false;
        clear_nav(b);
        return BM_DESCENDED;
    }
    if (st.is_key && ec_ks_path(ks, id, key_out) == 0)
        return BM_OPEN_KEY;
    return BM_NOTHING;
}

bm_result bm_view(bm_state *b, ec_ks *ks, ec_buf *key_out)
{
    ec_ks_id id = selected(b, ks);
    ec_ks_info st;
    if (id == EC_KS_NONE || ec_ks_stat(ks, id, &st) != 0 || !st.is_key)
        return BM_NOTHING;
    return ec_ks_path(ks, id, key_out) == 0 ? BM_OPEN_KEY : BM_NOTHING;
}

bm_result bm_up(bm_state *b)
{
    b->auto_start = false;
    if (b->at_root)
        return BM_NOTHING;
    const char *p = b->dir.data ? b->dir.data : "";
    size_t len = b->dir.len;
    const char *slash = len ? memrchr(p, '/', len) : NULL;
    ec_buf name;
    ec_buf_init(&name, 1 << 24);
    if (slash) {
        ec_buf_append(&name, slash + 1, len - (size_t)(slash + 1 - p));
        b->dir.len = (size_t)(slash - p);
        b->dir.data[b->dir.len] = '\0';
    } else {
        /* A first-level node ("registry" or "" for "/"): the root is next. */
        ec_buf_append(&name, p, len);
        b->at_root = true;
        ec_buf_reset(&b->dir);
    }
    clear_nav(b);
    set_bytes(&b->sel, name.data ? name.data : "", name.len);
    b->has_sel = true;
    ec_buf_free(&name);
    return BM_MOVED;
}

void bm_goto(bm_state *b, const uint8_t *path, size_t len, bool key)
{
    b->auto_start = false;
    clear_nav(b);
    const uint8_t *slash = key && len ? memrchr(path, '/', len) : NULL;
    if (!key) {
        b->at_root = false;
        set_bytes(&b->dir, path, len);
    } else if (!slash) {
        b->at_root = true;
        ec_buf_reset(&b->dir);
        set_bytes(&b->sel, path, len);
        b->has_sel = true;
    } else {
        b->at_root = false;
        set_bytes(&b->dir, path, (size_t)(slash - path));
        set_bytes(&b->sel, slash + 1, len - (size_t)(slash + 1 - path));
        b->has_sel = true;
    }
}

void bm_climb(bm_state *b, ec_ks *ks)
{
    while (!b->at_root && dir_id(b, ks) == EC_KS_NONE)
        bm_up(b);
}

void bm_sort(bm_state *b, ec_ks_col col)
{
    if (b->col == col) {
        b->desc = !b->desc;
    } else {
        b->col = col;
        b->desc = col != EC_KS_BY_NAME;
    }
}

int bm_set_filter(bm_state *b, const uint8_t *f, size_t len)
{
    b->auto_start = false;
    if (len > BM_FILTER_MAX)
        return -1;
    return set_bytes(&b->filter, f, len);
}

int bm_scan_prefix(const bm_state *b, ec_buf *out)
{
    ec_buf_reset(out);
    if (b->at_root)
        return ec_buf_append(out, "", 0);
    if (ec_buf_append(out, b->dir.data ? b->dir.data : "", b->dir.len) != 0)
        return -1;
    return ec_buf_putc(out, '/');
}
