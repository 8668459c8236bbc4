#include "tui/console/text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "etcdclient/util/escape.h"

static int put_hex(ec_buf *out, uint8_t c) { return ec_buf_printf(out, "\\x%02x", c); }

int ct_sanitize(ec_buf *out, const char *s, size_t n, bool utf8)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7f)
            run++;
        if (run > i && ec_buf_append(out, p + i, run - i) != 0)
            return -1;
        i = run;
        if (i == n)
            break;
        size_t k = utf8 && p[i] >= 0x80 ? ec_utf8_printable_len(p + i, n - i) : 0;
        if (k > 0) {
            if (ec_buf_append(out, p + i, k) != 0)
                return -1;
            i += k;
        } else {
            if (put_hex(out, p[i]) != 0)
                return -1;
            i++;
        }
    }
    return 0;
}

int ct_escape(ec_buf *out, const uint8_t *p, size_t n, bool utf8)
{
    if (utf8)
        return ec_escape_append(out, p, n);
    ec_buf tmp;
    ec_buf_init(&tmp, out->cap);
    int rc = ec_escape_append(&tmp, p, n);
    if (rc == 0)
        rc = ct_sanitize(out, tmp.data ? tmp.data : "", tmp.len, false);
    ec_buf_free(&tmp);
    return rc;
}

/* Decodes one character of safe text: its length and width. Safe text only
 * holds printable ASCII and valid UTF-8, but be defensive: anything odd
 * counts as one byte, one column. */
static size_t char_at(const uint8_t *p, size_t avail, bool utf8, int *w)
{
    if (!utf8 || p[0] < 0x80) {
        *w = 1;
        return 1;
    }
    size_t len = ec_utf8_printable_len(p, avail);
    if (len == 0) {
        *w = 1;
        return 1;
    }
    uint32_t cp = p[0] & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len; k++)
        cp = (cp << 6) | (p[k] & 0x3F);
    int cw = wcwidth((wchar_t)cp);
    *w = cw < 0 ? 1 : cw;
    return len;
}

int ct_width(const char *s, size_t n, bool utf8)
{
    const uint8_t *p = (const uint8_t *)s;
    int total = 0;
    for (size_t i = 0; i < n;) {
        int w;
        i += char_at(p + i, n - i, utf8, &w);
        total += w;
    }
    return total;
}

size_t ct_fit(const char *s, size_t n, int width, int *used, bool utf8)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    int total = 0;
    while (i < n) {
        int w;
        size_t len = char_at(p + i, n - i, utf8, &w);
        if (total + w > width)
            break;
        total += w;
        i += len;
    }
    if (used)
        *used = total;
    return i;
}

size_t ct_fit_tail(const char *s, size_t n, int width, int *used, bool utf8)
{
    /* Walk forward once, remembering where each character starts, then take
     * the longest suffix that fits. */
    const uint8_t *p = (const uint8_t *)s;
    int total = ct_width(s, n, utf8);
    size_t i = 0;
    while (i < n && total > width) {
        int w;
        i += char_at(p + i, n - i, utf8, &w);
        total -= w;
    }
    if (used)
        *used = total;
    return n - i;
}

int ct_crop_mid(ec_buf *out, const char *s, size_t n, int width, bool utf8)
{
    ec_buf_reset(out);
    if (width <= 0)
        return ec_buf_append(out, "", 0);
    if (ct_width(s, n, utf8) <= width)
        return ec_buf_append(out, s, n);
    if (width == 1)
        return ec_buf_putc(out, '~');
    /* Keep more of the head: it says where the name comes from. */
    int room = width - 1;
    int head_w = room - room / 3;
    int used;
    size_t head = ct_fit(s, n, head_w, &used, utf8);
    int tail_w = room - used;
    size_t tail = ct_fit_tail(s + head, n - head, tail_w, NULL, utf8);
    if (ec_buf_append(out, s, head) != 0 || ec_buf_putc(out, '~') != 0 ||
        ec_buf_append(out, s + n - tail, tail) != 0)
        return -1;
    return 0;
}

const char *ct_bytes(uint64_t n, char *buf, size_t len)
{
    static const char *units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        snprintf(buf, len, "%" PRIu64 " B", n);
        return buf;
    }
    double v = (double)n / 1024.0;
    size_t u = 0;
    while (v >= 1023.95 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}

const char *ct_count(uint64_t n, int width, char *buf, size_t len)
{
    snprintf(buf, len, "%" PRIu64, n);
    if ((int)strlen(buf) <= width)
        return buf;
    static const char suffix[] = {'k', 'M', 'G', 'T', 'P', 'E'};
    double v = (double)n;
    for (size_t i = 0; i < sizeof suffix; i++) {
        v /= 1000.0;
        snprintf(buf, len, "%.1f%c", v, suffix[i]);
        if ((int)strlen(buf) <= width && v < 999.95)
            return buf;
        snprintf(buf, len, "%.0f%c", v, suffix[i]);
        if ((int)strlen(buf) <= width && v < 999.5)
            return buf;
    }
    return buf;
}

const char *ct_usec(int64_t us, char *buf, size_t len)
{
    if (us < 1000)
        snprintf(buf, len, "%" PRId64 " us", us < 0 ? 0 : us);
    else if (us < 1000000)
        snprintf(buf, len, "%.1f ms", (double)us / 1000.0);
    else
        snprintf(buf, len, "%.1f s", (double)us / 1e6);
    return buf;
}

int ct_hexdump(ec_buf *out, const uint8_t *v, size_t n, size_t max_bytes)
{
    size_t shown = n < max_bytes ? n : max_bytes;
    for (size_t off = 0; off < shown; off += 16) {
        if (ec_buf_printf(out, "%08zx ", off) != 0)
            return -1;
        for (size_t k = 0; k < 16; k++) {
            if (k == 8 && ec_buf_putc(out, ' ') != 0)
                return -1;
            int rc = off + k < shown ? ec_buf_printf(out, " %02x", v[off + k]) : ec_buf_puts(out, "   ");
            if (rc != 0)
                return -1;
        }
        if (ec_buf_puts(out, "  |") != 0)
            return -1;
        for (size_t k = 0; k < 16 && off + k < shown; k++) {
            uint8_t c = v[off + k];
            if (ec_buf_putc(out, c >= 0x20 && c < 0x7f ? (char)c : '.') != 0)
                return -1;
        }
        if (ec_buf_puts(out, "|\n") != 0)
            return -1;
    }
    if (shown < n && ec_buf_printf(out, "[%zu more bytes not shown]\n", n - shown) != 0)
        return -1;
    return 0;
}
