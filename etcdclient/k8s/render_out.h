/* Line output with limits for the text renderers (internal to
 * etcdclient/k8s): a line is built in a scratch buffer capped at max_line,
 * then committed whole if the line and byte limits allow, else the output
 * is marked cut and everything after is dropped. */
#ifndef EC_K8S_RENDER_OUT_H
#define EC_K8S_RENDER_OUT_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/k8s/render.h"
#include "etcdclient/util/buf.h"

typedef struct ec_k8s_out {
    ec_buf *buf;
    size_t start;           /* buf->len when rendering began */
    size_t max_lines, max_bytes, max_line;
    size_t lines;
    int cut;
    ec_buf line;
    int line_trunc;
    size_t value_len;
} ec_k8s_out;

void ec_k8s_out_init(ec_k8s_out *o, ec_buf *buf, const ec_k8s_render_opts *opts, size_t value_len);
/* Appends the "[output cut ...]" line when needed and frees the scratch. */
void ec_k8s_out_fini(ec_k8s_out *o);
void ec_k8s_out_begin(ec_k8s_out *o, unsigned indent);
/* Text written by this module (never from the value). */
void ec_k8s_out_puts(ec_k8s_out *o, const char *s);
void ec_k8s_out_printf(ec_k8s_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes from the value: escaped. */
void ec_k8s_out_esc(ec_k8s_out *o, const void *p, size_t n);
/* Commits the current line. */
void ec_k8s_out_end(ec_k8s_out *o);
/* A whole line of trusted text. */
void ec_k8s_out_line(ec_k8s_out *o, unsigned indent, const char *s);

/* Field tree of a protobuf message (render_pbtree.c); skip_field != 0 is
 * listed with skip_note instead of being expanded. */
void ec_k8s_out_pbtree(ec_k8s_out *o, const uint8_t *p, size_t n, unsigned indent,
                       uint32_t skip_field, const char *skip_note);
/* Hex dump lines (render_hexdump.c). */
void ec_k8s_out_hexdump(ec_k8s_out *o, const uint8_t *p, size_t n);

#endif
