#include "tui/cli/value_view.h"

#include "etcdclient/k8s/render.h"
#include "tui/cli/output.h"

void bg_value_print(FILE *f, const uint8_t *key, size_t key_len, const uint8_t *v, size_t n)
{
    (void)key;
    (void)key_len;
    ec_buf b;
    ec_buf_init(&b, 0);
    ec_err err;
    if (ec_k8s_render_text(v, n, NULL, &b, &err) == 0)
        fwrite(b.data ? b.data : "", 1, b.len, f);
    else
        fprintf(f, "(cannot render the value: %s)\n", err.msg);
    ec_buf_free(&b);
}

void bg_value_json(json_t *obj, const uint8_t *key, size_t key_len, const uint8_t *v, size_t n)
{
    (void)key;
    (void)key_len;
    json_t *d = ec_k8s_render_json(v, n);
    if (d) {
        /* kind, apiVersion, metadata, encoding ... at the top level. */
        json_object_update_missing(obj, d);
        json_decref(d);
    }
    bg_json_set_bytes(obj, "value", v, n);
}
