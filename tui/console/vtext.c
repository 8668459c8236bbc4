#include "tui/console/vtext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/text.h"

void vt_init(vt_text *t)
{
    memset(t, 0, sizeof *t);
    ec_buf_init(&t->text, (size_t)64 << 20);
}

void vt_free(vt_text *t)
{
    ec_buf_free(&t->text);
    free(t->line_off);
    free(t->line_len);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

int vt_set(vt_text *t, const char *s, size_t n, bool utf8)
{
    vt_free(t);
    vt_init(t);
    t->utf8 = utf8;
    size_t cap = 0;
    size_t i = 0;
    while (i < n || (n == 0 && t->nlines == 0)) {
        const char *nl = n ? memchr(s + i, '\n', n - i) : NULL;
        size_t end = nl ? (size_t)(nl - s) : n;
        if (t->nlines == cap) {
            size_t nc = cap ? cap * 2 : 64;
            size_t *a = realloc(t->line_off, nc * sizeof *a);
            if (!a)
                return -1;
            t->line_off = a;
            size_t *b = realloc(t->line_len, nc * sizeof *b);
            if (!b)
                return -1;
            t->line_len = b;
            cap = nc;
        }
        size_t start = t->text.len;
        if (ct_sanitize(&t->text, s + i, end - i, utf8) != 0 || ec_buf_putc(&t->text, '\n') != 0)
            return -1;
        t->line_off[t->nlines] = start;
        t->line_len[t->nlines] = t->text.len - start - 1;
        t->nlines++;
        i = nl ? end + 1 : n;
        if (n == 0)
            break;
    }
    return 0;
}

int vt_wrap(vt_text *t, int width)
{
    if (width < 1)
        width = 1;
    t->width = width;
    t->nrows = 0;
    size_t cap = 0;
    vt_row *rows = t->rows;
    t->rows = NULL;
    free(rows);
    rows = NULL;
    for (size_t l = 0; l < t->nlines; l++) {
        const char *p = t->text.data + t->line_off[l];
        size_t len = t->line_len[l], off = 0;
        do {
            size_t take = ct_fit(p + off, len - off, width, NULL, t->utf8);
            if (take == 0 && off < len)
                take = ct_fit(p + off, len - off, 2, NULL, t->utf8); /* a wide character on a 1-column screen */
            if (take == 0 && off < len)
                take = 1;
            if (t->nrows == cap) {
                size_t nc = cap ? cap * 2 : 256;
                vt_row *r = realloc(rows, nc * sizeof *r);
                if (!r) {
                    free(rows);
                    t->nrows = 0;
                    return -1;
                }
                rows = r;
                cap = nc;
            }
            rows[t->nrows++] = (vt_row){l, off, take};
            off += take;
        } while (off < len);
    }
    t->rows = rows;
    return 0;
}

static int find_in_line(const vt_text *t, size_t l, const char *needle, size_t nlen, size_t from, size_t to,
                        int last, size_t *off)
{
    /* Matches starting in [from, to) of line l; the first or the last one. */
    const char *p = t->text.data + t->line_off[l];
    size_t len = t->line_len[l];
    if (to > len)
        to = len;
    int found = 0;
    for (size_t s = from; s < to && s + nlen <= len;) {
        const char *m = memmem(p + s, len - s, needle, nlen);
        if (!m || (size_t)(m - p) >= to)
            break;
        *off = (size_t)(m - p);
        found = 1;
        if (!last)
            break;
        s = *off + 1;
    }
    return found;
}

int vt_find(const vt_text *t, const char *needle, size_t nlen, int dir, size_t *line, size_t *off, bool *wrapped)
{
    *wrapped = false;
    if (nlen == 0 || t->nlines == 0)
        return 0;
    size_t n = t->nlines;
    if (*line == SIZE_MAX) {
        /* From the very beginning (forward) or the very end (backward). */
        for (size_t k = 0; k < n; k++) {
            size_t l = dir > 0 ? k : n - 1 - k;
            if (find_in_line(t, l, needle, nlen, 0, SIZE_MAX, dir < 0, off)) {
                *line = l;
                return 1;
            }
        }
        return 0;
    }
    size_t l0 = *line < n ? *line : n - 1;
    size_t o0 = *off;
    /* The rest of the starting line first. */
    if (dir > 0 && find_in_line(t, l0, needle, nlen, o0 + 1, SIZE_MAX, 0, off)) {
        *line = l0;
        return 1;
    }
    if (dir < 0 && o0 > 0 && find_in_line(t, l0, needle, nlen, 0, o0, 1, off)) {
        *line = l0;
        return 1;
    }
    for (size_t k = 1; k <= n; k++) {
        size_t l = dir > 0 ? (l0 + k) % n : (l0 + n - (k % n)) % n;
        bool wrap = dir > 0 ? l <= l0 : l >= l0;
        size_t from = 0, to = SIZE_MAX;
        if (k == n) {
            /* Back at the starting line: only the part not searched yet. */
            if (dir > 0)
                to = o0 + 1;
            else
                from = o0;
        }
        if (find_in_line(t, l, needle, nlen, from, to, dir < 0, off)) {
            *line = l;
            *wrapped = wrap;
            return 1;
        }
    }
    return 0;
}

size_t vt_row_of(const vt_text *t, size_t line, size_t off)
{
    /* Rows are in line order: binary search the last row starting at or
     * before (line, off). */
    size_t lo = 0, hi = t->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const vt_row *r = &t->rows[mid];
        if (r->line < line || (r->line == line && r->off <= off))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}
