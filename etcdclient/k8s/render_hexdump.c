/* "hexdump -C" layout: offset, 16 bytes in two groups of 8, ASCII column
 * with anything but printable ASCII shown as '.'. Only hex digits and
 * printable ASCII reach the output, so no escaping is needed. */
#include "etcdclient/k8s/render_out.h"

void ec_k8s_out_hexdump(ec_k8s_out *o, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t off = 0; off < n && !o->cut; off += 16) {
        char line[80];
        size_t k = 0, cnt = n - off < 16 ? n - off : 16;
        ec_k8s_out_begin(o, 0);
        ec_k8s_out_printf(o, "%08zx  ", off);
        for (size_t i = 0; i < 16; i++) {
            if (i < cnt) {
                line[k++] = hex[p[off + i] >> 4];
                line[k++] = hex[p[off + i] & 15];
            } else {
                line[k++] = ' ';
                line[k++] = ' ';
            }
            line[k++] = ' ';
            if (i == 7)
                line[k++] = ' ';
        }
        line[k++] = ' ';
        line[k++] = '|';
        for (size_t i = 0; i < cnt; i++) {
            uint8_t c = p[off + i];
            line[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
        }
        line[k++] = '|';
        line[k] = '\0';
        ec_k8s_out_puts(o, line);
        ec_k8s_out_end(o);
    }
}

int ec_k8s_render_hexdump(const uint8_t *v, size_t len, const ec_k8s_render_opts *opts,
                          ec_buf *out, ec_err *err)
{
    (void)err;
    ec_k8s_out o;
    ec_k8s_out_init(&o, out, opts, len);
    ec_k8s_out_hexdump(&o, v, len);
    ec_k8s_out_fini(&o);
    return 0;
}
