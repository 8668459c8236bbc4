/* Fuzz target for the Kubernetes value decoder: peek, full decode, both
 * renderings and the key parser on the same bytes. Besides crashes it
 * checks the properties the rest of breakglass relies on:
 *  - a value that decodes also peeks, to the same fields;
 *  - a failed decode is EC_E_CORRUPT, never anything else;
 *  - the text rendering and the safe JSON dump hold nothing that could
 *    drive a terminal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/k8s/decode.h"
#include "etcdclient/k8s/keylayout.h"
#include "etcdclient/k8s/peek.h"
#include "etcdclient/k8s/render.h"
#include "etcdclient/util/escape.h"
#include "tests/unit/test_k8s_fixtures.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_safe(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '\n') {
            i++;
            continue;
        }
        size_t k = ec_utf8_printable_len((const uint8_t *)s + i, n - i);
        if (k == 0)
            abort();
        i += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ec_k8s_object *o = NULL;
    ec_err err;
    ec_err_clear(&err);
    int rc = ec_k8s_decode(data, size, &o, &err);

    ec_k8s_peek pk;
    int prc = ec_k8s_peek_value(data, size, &pk, NULL);
    if (rc == 0) {
        if (!o || prc != 0 || k8s_peek_disagrees(&pk, o))
            abort();
        ec_k8s_object_free(o);
    } else if (o || err.code != EC_E_CORRUPT) {
        abort();
    }

    ec_buf out;
    ec_buf_init(&out, 0);
    ec_k8s_render_opts opts = {.max_lines = 5000, .max_bytes = 1 << 20};
    if (ec_k8s_render_text(data, size, &opts, &out, NULL) != 0 || out.len == 0)
        abort();
    check_safe(out.data, out.len);
    ec_buf_free(&out);

    json_t *j = ec_k8s_render_json(data, size);
    if (!j)
        abort();
    ec_buf_init(&out, 0);
    if (ec_k8s_json_dump_safe(j, 2, &out) != 0)
        abort();
    check_safe(out.data, out.len);
    ec_buf_free(&out);
    json_decref(j);

    ec_k8s_key key;
    if (ec_k8s_key_parse(data, size, NULL, &key) == 0) {
        /* Every view lies inside the key or is a static API name. */
        if (key.name.len && (key.name.p < data || key.name.p + key.name.len > data + size))
            abort();
        if (key.ns.len && (key.ns.p < data || key.ns.p + key.ns.len > data + size))
            abort();
    }
    return 0;
}
