#include "etcdclient/k8s/render_out.h"

#include <stdarg.h>
#include "etcdclient/util/escape.h"

void ec_k8s_out_init(ec_k8s_out *o, ec_buf *buf, const ec_k8s_render_opts *opts, size_t value_len)
{
    o->buf = buf;
    o->start = buf->len;
    o->max_lines = opts && opts->max_lines ? opts->max_lines : EC_K8S_RENDER_MAX_LINES;
    o->max_bytes = opts && opts->max_bytes ? opts->max_bytes : EC_K8S_RENDER_MAX_BYTES;
    o->max_line = opts && opts->max_line ? opts->max_line : EC_K8S_RENDER_MAX_LINE;
    o->lines = 0;
    o->cut = 0;
    o->line_trunc = 0;
    o->value_len = value_len;
    ec_buf_init(&o->line, o->max_line);
}

void ec_k8s_out_fini(ec_k8s_out *o)
{
    if (o->cut)
        (void)ec_buf_printf(o->buf,
                            "[output cut: limit of %zu lines or %zu bytes reached; the value has %zu bytes]\n",
                            o->max_lines, o->max_bytes, o->value_len);
    ec_buf_free(&o->line);
}

void ec_k8s_out_begin(ec_k8s_out *o, unsigned indent)
{
    ec_buf_reset(&o->line);
    o->line_trunc = 0;
    for (unsigned i = 0; i < indent && !o->line_trunc; i++)
        if (ec_buf_putc(&o->line, ' ') != 0)
            o->line_trunc = 1;
}

void ec_k8s_out_puts(ec_k8s_out *o, const char *s)
{
    if (!o->line_trunc && ec_buf_puts(&o->line, s) != 0)
        o->line_trunc = 1;
}

void ec_k8s_out_printf(ec_k8s_out *o, const char *fmt, ...)
{
    if (o->line_trunc)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (ec_buf_vprintf(&o->line, fmt, ap) != 0)
        o->line_trunc = 1;
    va_end(ap);
}

void ec_k8s_out_esc(ec_k8s_out *o, const void *p, size_t n)
{
    /* On hitting the cap ec_escape_append stops at a character boundary. */
    if (!o->line_trunc && ec_escape_append(&o->line, p, n) != 0)
        o->line_trunc = 1;
}

void ec_k8s_out_end(ec_k8s_out *o)
{
    static const char trunc[] = " [line cut]";
    if (o->cut)
        return;
    size_t need = o->line.len + 1 + (o->line_trunc ? sizeof trunc - 1 : 0);
    size_t used = o->buf->len - o->start;
    if (o->lines >= o->max_lines || need > o->max_bytes || used > o->max_bytes - need) {
        o->cut = 1;
        return;
    }
    size_t before = o->buf->len;
    if ((o->line.len && ec_buf_append(o->buf, o->line.data, o->line.len) != 0) ||
        (o->line_trunc && ec_buf_puts(o->buf, trunc) != 0) || ec_buf_putc(o->buf, '\n') != 0) {
        /* The caller's buffer is full: end cleanly at the last whole line. */
        o->buf->len = before;
        if (o->buf->data)
            o->buf->data[before] = '\0';
        o->cut = 1;
        return;
    }
    o->lines++;
}

void ec_k8s_out_line(ec_k8s_out *o, unsigned indent, const char *s)
{
    ec_k8s_out_begin(o, indent);
    ec_k8s_out_puts(o, s);
    ec_k8s_out_end(o);
}
