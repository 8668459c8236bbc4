#include "tui/cli/output.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "etcdclient/k8s/render.h"
#include "etcdclient/util/escape.h"

void bg_report(const ec_err *e)
{
    fflush(stdout);
    fprintf(stderr, "breakglass: %s\n", e->msg[0] ? e->msg : "unknown error");
    const char *hint = ec_err_hint(e->code);
    if (hint)
        fprintf(stderr, "hint: %s\n", hint);
}

int bg_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("breakglass: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "hint: see 'breakglass %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
    return BG_EXIT_USAGE;
}

void bg_put_escaped(FILE *f, const uint8_t *p, size_t n)
{
    /* Fast path: plain printable ASCII goes out as is. */
    size_t i = 0;
    while (i < n && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
        i++;
    if (i == n) {
        fwrite(p, 1, n, f);
        return;
    }
    ec_buf b;
    ec_buf_init(&b, 0);
    if (ec_escape_append(&b, p, n) == 0)
        fwrite(b.data, 1, b.len, f);
    ec_buf_free(&b);
}

bool bg_is_utf8(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

char *bg_base64(const uint8_t *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

void bg_json_set_bytes(json_t *obj, const char *name, const uint8_t *p, size_t n)
{
    if (bg_is_utf8(p, n)) {
        json_object_set_new(obj, name, json_stringn((const char *)p, n));
        return;
    }
    char key[64];
    snprintf(key, sizeof key, "%s_b64", name);
    char *b = bg_base64(p, n);
    if (b) {
        json_object_set_new(obj, key, json_string(b));
        free(b);
    }
}

const char *bg_human_bytes(int64_t n, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%lld B", (long long)n);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}

void bg_print_json(json_t *v)
{
    if (!v)
        return;
    /* Strings from etcd may hold C1 controls or bidi overrides, which
     * jansson leaves as they are: \u-escape them so a terminal is safe. */
    ec_buf b;
    ec_buf_init(&b, 0);
    if (ec_k8s_json_dump_safe(v, 2, &b) == 0 && b.data)
        puts(b.data);
    ec_buf_free(&b);
    json_decref(v);
}

void bg_print_json_line(json_t *v)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    if (ec_k8s_json_dump_safe(v, 0, &b) == 0 && b.data)
        puts(b.data);
    ec_buf_free(&b);
}

int bg_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end || s[0] == '-')
        return -1;
    *out = (int64_t)v;
    return 0;
}
