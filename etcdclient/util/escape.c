#include "etcdclient/util/escape.h"

#include <stdio.h>
#include <stdlib.h>

/* Decodes one UTF-8 sequence, rejecting overlongs, surrogates and > U+10FFFF. */
static size_t utf8_decode(const uint8_t *p, size_t avail, uint32_t *cp)
{
    uint8_t c = p[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) { *cp = c; return 1; }
    else if ((c & 0xE0) == 0xC0) { n = 2; v = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 3; v = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Code points that can move the cursor, reorder text or hide text. */
static int codepoint_is_unsafe(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F)           /* C1 controls, incl. CSI 0x9B */
        || (cp >= 0x200B && cp <= 0x200F)       /* zero width, LRM/RLM */
        || (cp >= 0x2028 && cp <= 0x202E)       /* line/para sep, bidi embeds */
        || (cp >= 0x2060 && cp <= 0x206F)       /* word joiner, bidi isolates */
        || cp == 0xFEFF                         /* BOM / ZWNBSP */
        || (cp >= 0xFFF9 && cp <= 0xFFFB);      /* interlinear annotations */
}

size_t ec_utf8_printable_len(const uint8_t *p, size_t avail)
{
    uint32_t cp;
    size_t n = utf8_decode(p, avail, &cp);
    if (n == 0)
        return 0;
    if (cp < 0x80)
        return (cp >= 0x20 && cp < 0x7F) ? 1 : 0;
    return codepoint_is_unsafe(cp) ? 0 : n;
}

int ec_escape_append(ec_buf *out, const uint8_t *in, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = in[i];
        const char *esc = NULL;
        switch (c) {
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case 0x1B: esc = "\\e"; break;
        default: break;
        }
        if (esc) {
            if (ec_buf_puts(out, esc) != 0)
                return -1;
            i++;
            continue;
        }
        size_t n = ec_utf8_printable_len(in + i, len - i);
        if (n > 0) {
            if (ec_buf_append(out, in + i, n) != 0)
                return -1;
            i += n;
        } else {
            if (ec_buf_printf(out, "\\x%02x", c) != 0)
                return -1;
            i++;
        }
    }
    /* An empty rendering still yields a valid empty string. */
    return ec_buf_append(out, "", 0);
}

char *ec_escape_dup(const uint8_t *in, size_t len)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    if (ec_escape_append(&b, in, len) != 0) {
        ec_buf_free(&b);
        return NULL;
    }
    return ec_buf_steal(&b);
}
