#include "tui/offline/offline_out.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "etcdclient/util/escape.h"

char *offline_out_base64(const uint8_t *p, size_t n)
{
    if (n > (SIZE_MAX / 4) * 3 - 3 || n > INT32_MAX)
        return NULL;
    size_t need = (n + 2) / 3 * 4 + 1;
    char *s = malloc(need);
    if (!s)
        return NULL;
    EVP_EncodeBlock((unsigned char *)s, p, (int)n);
    return s;
}

int offline_out_json_b64(json_t *obj, const char *name, const uint8_t *p, size_t n)
{
    char *s = offline_out_base64(p, n);
    if (!s)
        return -1;
    int rc = json_object_set_new(obj, name, json_string(s));
    free(s);
    return rc;
}

int offline_out_json_bytes(json_t *obj, const char *name, const uint8_t *p, size_t n)
{
    /* jansson refuses invalid UTF-8 itself: that is the test. */
    json_t *s = json_stringn((const char *)p, n);
    if (s)
        return json_object_set_new(obj, name, s);
    char b64name[64];
    snprintf(b64name, sizeof b64name, "%s_b64", name);
    return offline_out_json_b64(obj, b64name, p, n);
}

/* ASCII only: no raw C1 control or bidi override reaches a terminal, even
 * inside a JSON string. */
int offline_out_json_line(FILE *f, json_t *v)
{
    if (json_dumpf(v, f, JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
        return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

int offline_out_escaped(ec_buf *b, const uint8_t *p, size_t n, size_t max_chars)
{
    size_t start = b->len;
    if (max_chars == 0 || n == 0)
        return ec_escape_append(b, p, n);
    /* Escape only as much as the preview needs: chunks of max_chars + 1
     * input bytes (each makes at least one character), ended on a UTF-8
     * character boundary, until the rendering is long enough. */
    size_t done = 0;
    while (done < n) {
        size_t end = done + (n - done < max_chars + 1 ? n - done : max_chars + 1);
        while (end < n && (p[end] & 0xC0) == 0x80 && end - done < max_chars + 8)
            end++;
        if (ec_escape_append(b, p + done, end - done) != 0)
            return -1;
        done = end;
        if (offline_out_width(b->data + start) > max_chars)
            break;
    }
    if (done == n && offline_out_width(b->data + start) <= max_chars)
        return 0;
    /* Cut between whole escapes ("\\", "\n", "\xNN") and whole UTF-8
     * characters, leaving room for the "..." inside the limit. */
    size_t limit = max_chars > 3 ? max_chars - 3 : 0, chars = 0, i = start;
    while (i < b->len) {
        size_t tok = 1, w = 1;
        if (b->data[i] == '\\') {
            tok = w = (i + 1 < b->len && b->data[i + 1] == 'x') ? 4 : 2;
        } else {
            while (i + tok < b->len && ((uint8_t)b->data[i + tok] & 0xC0) == 0x80)
                tok++;
        }
        if (tok > b->len - i)
            tok = w = b->len - i;
        if (chars + w > limit)
            break;
        chars += w;
        i += tok;
    }
    b->len = i;
    b->data[i] = '\0';
    return ec_buf_puts(b, "...");
}

size_t offline_out_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((uint8_t)*s & 0xC0) != 0x80)
            w++;
    return w;
}

void offline_out_pad(FILE *f, const char *s, size_t width, int right)
{
    size_t w = offline_out_width(s);
    if (right)
        for (; w < width; w++)
            fputc(' ', f);
    fputs(s, f);
    if (!right)
        for (; w < width; w++)
            fputc(' ', f);
}

int offline_out_buf_pad(ec_buf *b, const char *s, size_t width, int right)
{
    static const char spaces[] = "                                ";
    size_t w = offline_out_width(s), pad = w < width ? width - w : 0;
    int rc = 0;
    if (!right)
        rc |= ec_buf_puts(b, s);
    while (pad > 0) {
        size_t n = pad < sizeof spaces - 1 ? pad : sizeof spaces - 1;
        rc |= ec_buf_append(b, spaces, n);
        pad -= n;
    }
    if (right)
        rc |= ec_buf_puts(b, s);
    return rc ? -1 : 0;
}

void offline_out_table_init(offline_out_table *t, int ncols, const char *const *heads, unsigned right)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->heads = heads;
    t->right = right;
}

int offline_out_table_row(offline_out_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 16;
        char **c = realloc(t->cells, nc * (size_t)t->ncols * sizeof *c);
        if (!c)
            return -1;
        t->cells = c;
        t->cap = nc;
    }
    char **row = t->cells + t->nrows * (size_t)t->ncols;
    for (int i = 0; i < t->ncols; i++) {
        row[i] = strdup(cells[i] ? cells[i] : "");
        if (!row[i]) {
            while (i-- > 0)
                free(row[i]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

void offline_out_table_print(const offline_out_table *t, FILE *f)
{
    size_t w[16] = {0};
    int nc = t->ncols < 16 ? t->ncols : 16;
    for (int i = 0; i < nc; i++)
        w[i] = offline_out_width(t->heads[i]);
    for (size_t r = 0; r < t->nrows; r++)
        for (int i = 0; i < nc; i++) {
            size_t cw = offline_out_width(t->cells[r * (size_t)t->ncols + i]);
            if (cw > w[i])
                w[i] = cw;
        }
    for (size_t r = 0; r <= t->nrows; r++) {
        for (int i = 0; i < nc; i++) {
            const char *s = r == 0 ? t->heads[i] : t->cells[(r - 1) * (size_t)t->ncols + i];
            int last = i == nc - 1;
            int right = (t->right >> i) & 1;
            offline_out_pad(f, s, last && !right ? 0 : w[i], right);
            if (!last)
                fputs("  ", f);
        }
        fputc('\n', f);
    }
}

void offline_out_table_free(offline_out_table *t)
{
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}
