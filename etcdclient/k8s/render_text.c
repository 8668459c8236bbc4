/* The text form of a value (see render.h): picks the view by encoding and
 * writes the metadata header for Kubernetes objects. */
#include <stdlib.h>
#include <string.h>
#include "etcdclient/k8s/decode.h"
#include "etcdclient/k8s/internal.h"
#include "etcdclient/k8s/render_out.h"

static void kv(ec_k8s_out *o, unsigned indent, const char *key, const ec_k8s_str *v)
{
    ec_k8s_out_begin(o, indent);
    ec_k8s_out_printf(o, "%s: ", key);
    if (v->len)
        ec_k8s_out_esc(o, v->s, v->len);
    else
        ec_k8s_out_puts(o, "\"\"");
    ec_k8s_out_end(o);
}

/* Only fields that are set: an operator reads this under pressure. */
static void kv_opt(ec_k8s_out *o, unsigned indent, const char *key, const ec_k8s_str *v)
{
    if (v->len)
        kv(o, indent, key, v);
}

static void time_line(ec_k8s_out *o, unsigned indent, const char *key, const ec_k8s_time *t)
{
    if (!t->present)
        return;
    ec_k8s_out_begin(o, indent);
    ec_k8s_out_printf(o, "%s: ", key);
    if (t->text.len)
        ec_k8s_out_esc(o, t->text.s, t->text.len);
    if (!t->has_seconds)
        ec_k8s_out_puts(o, " (not a valid RFC 3339 time)");
    else if (!t->text.len)
        ec_k8s_out_printf(o, "seconds %lld, nanos %d (not a valid time)", (long long)t->seconds, (int)t->nanos);
    ec_k8s_out_end(o);
}

static void pairs(ec_k8s_out *o, const char *key, const ec_k8s_pair *p, size_t n)
{
    if (n == 0)
        return;
    ec_k8s_out_line(o, 2, key);
    for (size_t i = 0; i < n && !o->cut; i++) {
        ec_k8s_out_begin(o, 4);
        ec_k8s_out_esc(o, p[i].key.s, p[i].key.len);
        ec_k8s_out_puts(o, ": ");
        if (p[i].value.len)
            ec_k8s_out_esc(o, p[i].value.s, p[i].value.len);
        else
            ec_k8s_out_puts(o, "\"\"");
        ec_k8s_out_end(o);
    }
}

static const char *tri(int v)
{
    return v > 0 ? "true" : "false";
}

static void meta_lines(ec_k8s_out *o, const ec_k8s_meta *m)
{
    ec_k8s_out_line(o, 0, "metadata:");
    kv(o, 2, "name", &m->name);
    kv_opt(o, 2, "generateName", &m->generate_name);
    kv_opt(o, 2, "namespace", &m->ns);
    kv_opt(o, 2, "selfLink", &m->self_link);
    kv_opt(o, 2, "uid", &m->uid);
    kv_opt(o, 2, "resourceVersion", &m->resource_version);
    if (m->has_generation) {
        ec_k8s_out_begin(o, 2);
        ec_k8s_out_printf(o, "generation: %lld", (long long)m->generation);
        ec_k8s_out_end(o);
    }
    time_line(o, 2, "creationTimestamp", &m->creation);
    time_line(o, 2, "deletionTimestamp", &m->deletion);
    if (m->has_grace_period) {
        ec_k8s_out_begin(o, 2);
        ec_k8s_out_printf(o, "deletionGracePeriodSeconds: %lld", (long long)m->deletion_grace_period_seconds);
        ec_k8s_out_end(o);
    }
    pairs(o, "labels:", m->labels, m->n_labels);
    pairs(o, "annotations:", m->annotations, m->n_annotations);
    if (m->n_owners)
        ec_k8s_out_line(o, 2, "ownerReferences:");
    for (size_t i = 0; i < m->n_owners && !o->cut; i++) {
        const ec_k8s_owner_ref *r = &m->owners[i];
        ec_k8s_out_begin(o, 2);
        ec_k8s_out_puts(o, "- kind: ");
        ec_k8s_out_esc(o, r->kind.s, r->kind.len);
        ec_k8s_out_end(o);
        kv(o, 4, "name", &r->name);
        kv_opt(o, 4, "uid", &r->uid);
        kv_opt(o, 4, "apiVersion", &r->api_version);
        if (r->controller >= 0) {
            ec_k8s_out_begin(o, 4);
            ec_k8s_out_printf(o, "controller: %s", tri(r->controller));
            ec_k8s_out_end(o);
        }
        if (r->block_owner_deletion >= 0) {
            ec_k8s_out_begin(o, 4);
            ec_k8s_out_printf(o, "blockOwnerDeletion: %s", tri(r->block_owner_deletion));
            ec_k8s_out_end(o);
        }
    }
    if (m->n_finalizers)
        ec_k8s_out_line(o, 2, "finalizers:");
    for (size_t i = 0; i < m->n_finalizers && !o->cut; i++) {
        ec_k8s_out_begin(o, 2);
        ec_k8s_out_puts(o, "- ");
        ec_k8s_out_esc(o, m->finalizers[i].s, m->finalizers[i].len);
        ec_k8s_out_end(o);
    }
    if (m->n_managed)
        ec_k8s_out_line(o, 2, "managedFields:");
    for (size_t i = 0; i < m->n_managed && !o->cut; i++) {
        const ec_k8s_managed_fields *f = &m->managed[i];
        ec_k8s_out_begin(o, 2);
        ec_k8s_out_puts(o, "- manager: ");
        ec_k8s_out_esc(o, f->manager.s, f->manager.len);
        ec_k8s_out_end(o);
        kv_opt(o, 4, "operation", &f->operation);
        kv_opt(o, 4, "apiVersion", &f->api_version);
        time_line(o, 4, "time", &f->time);
        kv_opt(o, 4, "subresource", &f->subresource);
    }
}

static void encoding_line(ec_k8s_out *o, ec_k8s_encoding e, size_t len)
{
    ec_k8s_out_begin(o, 0);
    ec_k8s_out_printf(o, "encoding: %s (%zu bytes)", ec_k8s_encoding_name(e), len);
    ec_k8s_out_end(o);
}

static void protobuf_view(ec_k8s_out *o, const ec_k8s_object *obj)
{
    encoding_line(o, obj->encoding, obj->value_len);
    kv(o, 0, "apiVersion", &obj->api_version);
    kv(o, 0, "kind", &obj->kind);
    kv_opt(o, 0, "contentEncoding", &obj->content_encoding);
    kv_opt(o, 0, "contentType", &obj->content_type);
    if (obj->has_meta)
        meta_lines(o, &obj->meta);
    else
        ec_k8s_out_line(o, 0, "metadata: (none)");
    ec_k8s_out_begin(o, 0);
    ec_k8s_out_printf(o, "object: %zu bytes of protobuf (field number: wire type and value)", obj->raw_len);
    ec_k8s_out_end(o);
    ec_k8s_out_pbtree(o, obj->raw, obj->raw_len, 2, obj->has_meta ? 1 : 0, "ObjectMeta (shown above)");
}

static void encrypted_view(ec_k8s_out *o, const ec_k8s_object *obj)
{
    const ec_k8s_enc_info *e = &obj->enc;
    encoding_line(o, obj->encoding, obj->value_len);
    ec_k8s_out_line(o, 0, "This value is encrypted at rest by the Kubernetes API server; only the API");
    ec_k8s_out_line(o, 0, "server (or its KMS plugin) holds the key, so its content cannot be shown here.");
    ec_k8s_out_begin(o, 2);
    ec_k8s_out_puts(o, "provider: ");
    ec_k8s_out_esc(o, e->provider.p, e->provider.len);
    ec_k8s_out_puts(o, " ");
    ec_k8s_out_esc(o, e->version.p, e->version.len);
    if (!e->known_provider)
        ec_k8s_out_puts(o, " (not a provider Kubernetes ships)");
    ec_k8s_out_end(o);
    ec_k8s_out_begin(o, 2);
    ec_k8s_out_puts(o, "key name: ");
    ec_k8s_out_esc(o, e->key_name.p, e->key_name.len);
    ec_k8s_out_end(o);
    if (e->kms_key_id.len) {
        ec_k8s_out_begin(o, 2);
        ec_k8s_out_puts(o, "KMS key ID: ");
        ec_k8s_out_esc(o, e->kms_key_id.p, e->kms_key_id.len);
        ec_k8s_out_end(o);
    }
    ec_k8s_out_begin(o, 2);
    ec_k8s_out_printf(o, "ciphertext: %zu bytes", e->ciphertext_len);
    if (e->dek_len)
        ec_k8s_out_printf(o, " (plus a %zu-byte encrypted data key)", e->dek_len);
    ec_k8s_out_end(o);
}

/* Splits the JSON dump into lines; it is already terminal-safe. */
static int json_view(ec_k8s_out *o, const uint8_t *v, size_t len, ec_err *err)
{
    encoding_line(o, EC_K8S_ENC_JSON, len);
    json_error_t je;
    json_t *root = json_loadb((const char *)v, len, EC_K8S_JSON_LOAD_FLAGS, &je);
    if (!root)   /* decoded a moment ago, so only memory can fail here */
        return ec_fail(err, EC_E_NOMEM, "cannot render JSON value: %s", je.text);
    ec_buf dump;
    ec_buf_init(&dump, 0);
    int rc = ec_k8s_json_dump_safe(root, 2, &dump);
    json_decref(root);
    if (rc != 0) {
        ec_buf_free(&dump);
        return ec_fail(err, EC_E_NOMEM, "cannot render JSON value: out of memory");
    }
    const char *p = dump.data, *end = dump.data + dump.len;
    while (p < end && !o->cut) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        ec_k8s_out_begin(o, 0);
        if (!o->line_trunc && ec_buf_append(&o->line, p, n) != 0)
            o->line_trunc = 1;
        ec_k8s_out_end(o);
        p += n + 1;
    }
    ec_buf_free(&dump);
    return 0;
}

static void text_view(ec_k8s_out *o, const uint8_t *v, size_t len)
{
    const uint8_t *p = v, *end = v + len;
    while (p < end && !o->cut) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t shown = n && p[n - 1] == '\r' ? n - 1 : n;   /* CRLF is one line break */
        ec_k8s_out_begin(o, 0);
        ec_k8s_out_esc(o, p, shown);
        ec_k8s_out_end(o);
        p += n + 1;
    }
}

static void note_line(ec_k8s_out *o, const ec_k8s_str *note)
{
    if (!note->len)
        return;
    ec_k8s_out_begin(o, 0);
    ec_k8s_out_puts(o, "note: ");
    ec_k8s_out_esc(o, note->s, note->len);
    ec_k8s_out_end(o);
}

int ec_k8s_render_text(const uint8_t *v, size_t len, const ec_k8s_render_opts *opts,
                       ec_buf *out, ec_err *err)
{
    ec_k8s_out o;
    ec_k8s_object *obj = NULL;
    ec_err derr;
    int rc = 0;
    ec_err_clear(&derr);
    ec_k8s_out_init(&o, out, opts, len);
    if (ec_k8s_decode(v, len, &obj, &derr) != 0) {
        if (derr.code == EC_E_NOMEM) {
            ec_k8s_out_fini(&o);
            if (err)
                *err = derr;
            return -1;
        }
        encoding_line(&o, ec_k8s_has_protobuf_magic(v, len) ? EC_K8S_ENC_PROTOBUF : EC_K8S_ENC_ENCRYPTED, len);
        ec_k8s_out_begin(&o, 0);
        ec_k8s_out_puts(&o, "error: ");
        ec_k8s_out_esc(&o, derr.msg, strlen(derr.msg));
        ec_k8s_out_end(&o);
        ec_k8s_out_line(&o, 0, "raw bytes:");
        ec_k8s_out_hexdump(&o, v, len);
        ec_k8s_out_fini(&o);
        return 0;
    }
    switch (obj->encoding) {
    case EC_K8S_ENC_PROTOBUF:
        protobuf_view(&o, obj);
        break;
    case EC_K8S_ENC_ENCRYPTED:
        encrypted_view(&o, obj);
        break;
    case EC_K8S_ENC_JSON:
        rc = json_view(&o, v, len, err);
        break;
    case EC_K8S_ENC_TEXT:
        encoding_line(&o, obj->encoding, len);
        note_line(&o, &obj->note);
        text_view(&o, v, len);
        break;
    case EC_K8S_ENC_BINARY:
        encoding_line(&o, obj->encoding, len);
        note_line(&o, &obj->note);
        ec_k8s_out_hexdump(&o, v, len);
        break;
    case EC_K8S_ENC_EMPTY:
        encoding_line(&o, obj->encoding, len);
        break;
    }
    ec_k8s_out_fini(&o);
    ec_k8s_object_free(obj);
    return rc;
}
