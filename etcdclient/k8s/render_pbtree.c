/* The protobuf field tree of an object whose schema we do not carry. The
 * wire format does not say whether a length-delimited field is a string,
 * bytes or a nested message, so it is guessed:
 *   text that does not start with a likely tag byte -> quoted string;
 *   parses fully as a message with plausible field numbers -> nested;
 *   other text (e.g. starting with '\n') -> quoted string;
 *   anything else -> the first bytes in hex.
 * Nesting stops at MAX_DEPTH; deeper messages are shown as bytes. */
#include "etcdclient/k8s/encoding.h"
#include "etcdclient/k8s/pb.h"
#include "etcdclient/k8s/render_out.h"

#define MAX_DEPTH 32
#define MAX_PLAUSIBLE_FIELD 9999
#define HEX_SHOWN 32

static int plausible_message(const uint8_t *p, size_t n)
{
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    size_t fields = 0;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num > MAX_PLAUSIBLE_FIELD)
            return 0;
        fields++;
    }
    return st == EC_K8S_PB_END && fields > 0;
}

static void bytes_hex(ec_k8s_out *o, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t shown = n < HEX_SHOWN ? n : HEX_SHOWN;
    for (size_t i = 0; i < shown; i++) {
        char h[3] = {hex[p[i] >> 4], hex[p[i] & 15], '\0'};
        ec_k8s_out_puts(o, h);
    }
    if (shown < n)
        ec_k8s_out_puts(o, "...");
}

static void tree(ec_k8s_out *o, const uint8_t *p, size_t n, unsigned depth, unsigned indent,
                 uint32_t skip_field, const char *skip_note)
{
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st = EC_K8S_PB_END;
    ec_k8s_pb_init(&r, p, n);
    while (!o->cut && (st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        ec_k8s_out_begin(o, indent);
        ec_k8s_out_printf(o, "%u: ", f.num);
        switch (f.wt) {
        case EC_K8S_WT_VARINT:
            ec_k8s_out_printf(o, "varint %llu", (unsigned long long)f.u);
            if (f.u >> 63)
                ec_k8s_out_printf(o, " (%lld)", (long long)(int64_t)f.u);
            ec_k8s_out_end(o);
            break;
        case EC_K8S_WT_FIXED64:
            ec_k8s_out_printf(o, "fixed64 0x%016llx", (unsigned long long)f.u);
            ec_k8s_out_end(o);
            break;
        case EC_K8S_WT_FIXED32:
            ec_k8s_out_printf(o, "fixed32 0x%08llx", (unsigned long long)f.u);
            ec_k8s_out_end(o);
            break;
        default: {   /* length-delimited */
            if (skip_field && f.num == skip_field) {
                ec_k8s_out_printf(o, "%s, %zu bytes", skip_note, f.len);
                ec_k8s_out_end(o);
                break;
            }
            if (f.len == 0) {
                ec_k8s_out_puts(o, "empty (length-delimited, 0 bytes)");
                ec_k8s_out_end(o);
                break;
            }
            int text = ec_k8s_text_or_binary(f.data, f.len) == EC_K8S_ENC_TEXT;
            int message = depth < MAX_DEPTH && !(text && f.data[0] >= 0x20) &&
                          plausible_message(f.data, f.len);
            if (message) {
                ec_k8s_out_printf(o, "message, %zu bytes", f.len);
                ec_k8s_out_end(o);
                tree(o, f.data, f.len, depth + 1, indent + 2, 0, NULL);
            } else if (text) {
                ec_k8s_out_puts(o, "string \"");
                ec_k8s_out_esc(o, f.data, f.len);
                ec_k8s_out_puts(o, "\"");
                ec_k8s_out_end(o);
            } else {
                ec_k8s_out_printf(o, "bytes, %zu: ", f.len);
                bytes_hex(o, f.data, f.len);
                ec_k8s_out_end(o);
            }
            break;
        }
        }
    }
    if (!o->cut && st != EC_K8S_PB_END && st != EC_K8S_PB_FIELD) {
        /* Only reachable for input the decoder did not check (a nested
         * message is expanded only after it parsed fully). */
        ec_k8s_out_begin(o, indent);
        ec_k8s_out_printf(o, "(unreadable from offset %zu: %zu bytes)", (size_t)(f.at - p),
                          (size_t)(r.end - f.at));
        ec_k8s_out_end(o);
    }
}

void ec_k8s_out_pbtree(ec_k8s_out *o, const uint8_t *p, size_t n, unsigned indent,
                       uint32_t skip_field, const char *skip_note)
{
    tree(o, p, n, 0, indent, skip_field, skip_note);
}
