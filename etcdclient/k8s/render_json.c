/* The JSON form for `get KEY --json` (see render.h). */
#include <stdlib.h>
#include <string.h>
#include "etcdclient/k8s/render.h"
#include "etcdclient/util/escape.h"

/* A JSON string of bytes from the value: as is when valid UTF-8, escaped
 * otherwise (jansson refuses invalid UTF-8). */
static json_t *jbytes(const void *p, size_t n)
{
    json_t *s = json_stringn(p ? p : "", n);
    if (s)
        return s;
    char *e = ec_escape_dup(p, n);
    if (!e)
        return NULL;
    s = json_string(e);
    free(e);
    return s;
}

static int put(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

static int put_str(json_t *obj, const char *key, const ec_k8s_str *s)
{
    return put(obj, key, jbytes(s->s, s->len));
}

static json_t *pairs_json(const ec_k8s_pair *p, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        json_t *v = jbytes(p[i].value.s, p[i].value.len);
        if (!v) {
            json_decref(o);
            return NULL;
        }
        json_t *probe = json_stringn(p[i].key.s, p[i].key.len);
        int rc;
        if (probe) {
            json_decref(probe);
            rc = json_object_setn_new(o, p[i].key.s, p[i].key.len, v);
        } else {
            char *e = ec_escape_dup((const uint8_t *)p[i].key.s, p[i].key.len);
            rc = e ? json_object_set_new(o, e, v) : (json_decref(v), -1);
            free(e);
        }
        if (rc != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static int put_time(json_t *obj, const char *key, const ec_k8s_time *t)
{
    if (!t->present)
        return 0;
    if (t->text.len)
        return put_str(obj, key, &t->text);
    return put(obj, key, json_null());
}

static json_t *meta_json(const ec_k8s_meta *m)
{
    json_t *o = json_object(), *owners = json_array(), *fins = json_array();
    int rc = (o && owners && fins) ? 0 : -1;
    rc = rc || put_str(o, "name", &m->name) || put_str(o, "namespace", &m->ns) ||
         put_str(o, "uid", &m->uid) || put_str(o, "resourceVersion", &m->resource_version);
    if (!rc && m->has_generation)
        rc = put(o, "generation", json_integer(m->generation));
    rc = rc || put_time(o, "creationTimestamp", &m->creation) || put_time(o, "deletionTimestamp", &m->deletion);
    rc = rc || put(o, "labels", pairs_json(m->labels, m->n_labels)) ||
         put(o, "annotations", pairs_json(m->annotations, m->n_annotations));
    for (size_t i = 0; !rc && i < m->n_owners; i++) {
        const ec_k8s_owner_ref *r = &m->owners[i];
        json_t *e = json_object();
        rc = !e || put_str(e, "apiVersion", &r->api_version) || put_str(e, "kind", &r->kind) ||
             put_str(e, "name", &r->name) || put_str(e, "uid", &r->uid);
        if (!rc && r->controller >= 0)
            rc = put(e, "controller", json_boolean(r->controller));
        if (!rc && r->block_owner_deletion >= 0)
            rc = put(e, "blockOwnerDeletion", json_boolean(r->block_owner_deletion));
        if (rc)
            json_decref(e);
        else
            rc = json_array_append_new(owners, e);   /* takes e even on failure */
    }
    for (size_t i = 0; !rc && i < m->n_finalizers; i++)
        rc = json_array_append_new(fins, jbytes(m->finalizers[i].s, m->finalizers[i].len));
    /* set_new takes its value even on failure, so both are handed over. */
    if (!rc) {
        int a = json_object_set_new(o, "ownerReferences", owners);
        int b = json_object_set_new(o, "finalizers", fins);
        owners = fins = NULL;
        rc = a || b;
    }
    json_decref(owners);
    json_decref(fins);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *managers_json(const ec_k8s_meta *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->n_managed; i++) {
        const ec_k8s_managed_fields *f = &m->managed[i];
        json_t *e = json_object();
        int rc = !e || put_str(e, "manager", &f->manager) || put_str(e, "operation", &f->operation) ||
                 put_str(e, "apiVersion", &f->api_version) || put_time(e, "time", &f->time) ||
                 put_str(e, "subresource", &f->subresource);
        if (rc || json_array_append_new(a, e)) {
            if (!rc)
                e = NULL;   /* append_new consumed it */
            json_decref(e);
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *ec_k8s_object_json(const ec_k8s_object *obj)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = put(o, "encoding", json_string(ec_k8s_encoding_name(obj->encoding))) ||
             put(o, "size", json_integer((json_int_t)obj->value_len));
    if (rc)
        goto fail;
    if (obj->encoding == EC_K8S_ENC_ENCRYPTED) {
        const ec_k8s_enc_info *e = &obj->enc;
        rc = put(o, "provider", jbytes(e->provider.p, e->provider.len)) ||
             put(o, "providerVersion", jbytes(e->version.p, e->version.len)) ||
             put(o, "keyName", jbytes(e->key_name.p, e->key_name.len)) ||
             put(o, "ciphertextSize", json_integer((json_int_t)e->ciphertext_len));
        if (!rc && e->kms_key_id.len)
            rc = put(o, "kmsKeyID", jbytes(e->kms_key_id.p, e->kms_key_id.len));
    } else if (obj->encoding == EC_K8S_ENC_PROTOBUF || obj->encoding == EC_K8S_ENC_JSON) {
        rc = put_str(o, "apiVersion", &obj->api_version) || put_str(o, "kind", &obj->kind) ||
             put(o, "metadata", meta_json(&obj->meta)) || put(o, "managers", managers_json(&obj->meta));
        long w = ec_k8s_object_writer(obj);
        if (!rc)
            rc = w >= 0 ? put_str(o, "writer", &obj->meta.managed[w].manager) : put(o, "writer", json_null());
    }
    if (!rc && obj->note.len)
        rc = put_str(o, "note", &obj->note);
    if (rc)
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

json_t *ec_k8s_render_json(const uint8_t *v, size_t len)
{
    ec_k8s_object *obj;
    ec_err err;
    ec_err_clear(&err);
    if (ec_k8s_decode(v, len, &obj, &err) == 0) {
        json_t *j = ec_k8s_object_json(obj);
        ec_k8s_object_free(obj);
        return j;
    }
    if (err.code == EC_E_NOMEM)
        return NULL;
    json_t *o = json_object();
    ec_k8s_encoding e = ec_k8s_has_protobuf_magic(v, len) ? EC_K8S_ENC_PROTOBUF : EC_K8S_ENC_ENCRYPTED;
    if (!o || put(o, "encoding", json_string(ec_k8s_encoding_name(e))) ||
        put(o, "size", json_integer((json_int_t)len)) || put(o, "error", jbytes(err.msg, strlen(err.msg)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}
