/* jansson escapes control characters below 0x20 but passes DEL, C1
 * controls and bidi overrides through as UTF-8; those can drive or confuse
 * a terminal. After dumping, every character ec_escape would escape is
 * rewritten as a \u escape, which keeps the JSON valid. Outside strings the
 * dump is ASCII, so the rewrite only ever touches string contents. */
#include <stdlib.h>
#include <string.h>
#include "etcdclient/k8s/render.h"
#include "etcdclient/util/escape.h"

/* Code point of the UTF-8 sequence at p, or -1 (then one byte is consumed). */
static long utf8_cp(const uint8_t *p, size_t avail, size_t *n)
{
    uint8_t c = p[0];
    size_t len;
    long cp, min;
    if (c < 0x80) { *n = 1; return c; }
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else { *n = 1; return -1; }
    if (avail < len) { *n = 1; return -1; }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) { *n = 1; return -1; }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *n = 1; return -1; }
    *n = len;
    return cp;
}

int ec_k8s_json_dump_safe(const json_t *j, size_t indent, ec_buf *out)
{
    size_t flags = JSON_ENCODE_ANY | (indent ? JSON_INDENT(indent) : JSON_COMPACT);
    char *s = json_dumps(j, flags);
    if (!s)
        return -1;
    const uint8_t *p = (const uint8_t *)s;
    size_t len = strlen(s), i = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        size_t start = i;
        /* Copy runs of safe bytes in one append. */
        while (i < len) {
            if (p[i] == '\n' || (p[i] >= 0x20 && p[i] < 0x7f)) {
                i++;
                continue;
            }
            size_t n = p[i] >= 0x80 ? ec_utf8_printable_len(p + i, len - i) : 0;
            if (n == 0)
                break;
            i += n;
        }
        if (i > start)
            rc = ec_buf_append(out, p + start, i - start);
        if (i < len && rc == 0) {
            size_t n;
            long cp = utf8_cp(p + i, len - i, &n);
            if (cp < 0)
                cp = 0xFFFD;
            if (cp > 0xFFFF) {
                cp -= 0x10000;
                rc = ec_buf_printf(out, "\\u%04lX\\u%04lX", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
            } else {
                rc = ec_buf_printf(out, "\\u%04lX", cp);
            }
            i += n;
        }
    }
    free(s);
    return rc;
}
