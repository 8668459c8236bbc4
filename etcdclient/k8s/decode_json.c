/* JSON values (custom resources and anything else stored as JSON), parsed
 * with jansson; the same metadata fields as the protobuf path. Fields of
 * the wrong JSON type are treated as absent, as Kubernetes would reject
 * them anyway and the operator still sees them in the JSON view. Duplicate
 * keys are refused (Kubernetes never writes them; such a value is shown as
 * text with the parser's reason), which also keeps the peek honest. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "etcdclient/k8s/internal.h"
#include "etcdclient/k8s/rfc3339.h"

typedef struct jctx {
    ec_k8s_arena *a;
    ec_err *err;
} jctx;

static int nomem(jctx *c)
{
    return ec_fail(c->err, EC_E_NOMEM, "cannot decode JSON value: out of memory");
}

/* Copies a string member (absent or not a string gives ""). */
static int jstr(jctx *c, const json_t *obj, const char *key, ec_k8s_str *out)
{
    const json_t *v = json_object_get(obj, key);
    out->s = "";
    out->len = 0;
    if (!json_is_string(v))
        return 0;
    if (ec_k8s_arena_str(c->a, json_string_value(v), json_string_length(v), out) != 0)
        return nomem(c);
    return 0;
}

static int jtime(jctx *c, const json_t *obj, const char *key, ec_k8s_time *t)
{
    memset(t, 0, sizeof *t);
    t->text.s = "";
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return 0;
    t->present = 1;
    if (jstr(c, obj, key, &t->text) != 0)
        return -1;
    t->has_seconds = ec_k8s_time_parse((const uint8_t *)t->text.s, t->text.len, &t->seconds, &t->nanos) == 0;
    if (!t->has_seconds)
        t->seconds = t->nanos = 0;
    return 0;
}

static int jint(const json_t *obj, const char *key, int *has, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    *has = json_is_integer(v);
    *out = *has ? (int64_t)json_integer_value(v) : 0;
    return 0;
}

static int jbool(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

static size_t count_type(const json_t *arr, json_type type)
{
    size_t n = 0, i;
    const json_t *e;
    json_array_foreach(arr, i, e)
        if (json_typeof(e) == type)
            n++;
    return n;
}

static void *alloc_array(jctx *c, size_t n, size_t size)
{
    if (n == 0 || n > SIZE_MAX / size)
        return NULL;
    return ec_k8s_arena_alloc(c->a, n * size);
}

static int jmap(jctx *c, const json_t *obj, const char *key, ec_k8s_pair **out, size_t *n)
{
    const json_t *m = json_object_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!json_is_object(m) || json_object_size(m) == 0)
        return 0;
    if (!(*out = alloc_array(c, json_object_size(m), sizeof **out)))
        return nomem(c);
    const char *k;
    size_t klen;
    json_t *v;
    json_object_keylen_foreach((json_t *)m, k, klen, v) {
        ec_k8s_pair *p = &(*out)[(*n)++];
        if (ec_k8s_arena_str(c->a, k, klen, &p->key) != 0)
            return nomem(c);
        p->value.s = "";
        if (json_is_string(v) &&
            ec_k8s_arena_str(c->a, json_string_value(v), json_string_length(v), &p->value) != 0)
            return nomem(c);
    }
    return 0;
}

static int jowners(jctx *c, const json_t *meta, ec_k8s_meta *m)
{
    const json_t *arr = json_object_get(meta, "ownerReferences");
    size_t n = json_is_array(arr) ? count_type(arr, JSON_OBJECT) : 0, i;
    const json_t *e;
    if (n == 0)
        return 0;
    if (!(m->owners = alloc_array(c, n, sizeof *m->owners)))
        return nomem(c);
    json_array_foreach(arr, i, e) {
        if (!json_is_object(e))
            continue;
        ec_k8s_owner_ref *o = &m->owners[m->n_owners++];
        if (jstr(c, e, "kind", &o->kind) || jstr(c, e, "name", &o->name) ||
            jstr(c, e, "uid", &o->uid) || jstr(c, e, "apiVersion", &o->api_version))
            return -1;
        o->controller = jbool(e, "controller");
        o->block_owner_deletion = jbool(e, "blockOwnerDeletion");
    }
    return 0;
}

static int jfinalizers(jctx *c, const json_t *meta, ec_k8s_meta *m)
{
    const json_t *arr = json_object_get(meta, "finalizers");
    size_t n = json_is_array(arr) ? count_type(arr, JSON_STRING) : 0, i;
    const json_t *e;
    if (n == 0)
        return 0;
    if (!(m->finalizers = alloc_array(c, n, sizeof *m->finalizers)))
        return nomem(c);
    json_array_foreach(arr, i, e) {
        if (!json_is_string(e))
            continue;
        if (ec_k8s_arena_str(c->a, json_string_value(e), json_string_length(e),
                             &m->finalizers[m->n_finalizers++]) != 0)
            return nomem(c);
    }
    return 0;
}

static int jmanaged(jctx *c, const json_t *meta, ec_k8s_meta *m)
{
    const json_t *arr = json_object_get(meta, "managedFields");
    size_t n = json_is_array(arr) ? count_type(arr, JSON_OBJECT) : 0, i;
    const json_t *e;
    if (n == 0)
        return 0;
    if (!(m->managed = alloc_array(c, n, sizeof *m->managed)))
        return nomem(c);
    json_array_foreach(arr, i, e) {
        if (!json_is_object(e))
            continue;
        ec_k8s_managed_fields *f = &m->managed[m->n_managed++];
        if (jstr(c, e, "manager", &f->manager) || jstr(c, e, "operation", &f->operation) ||
            jstr(c, e, "apiVersion", &f->api_version) || jstr(c, e, "subresource", &f->subresource) ||
            jstr(c, e, "fieldsType", &f->fields_type) || jtime(c, e, "time", &f->time))
            return -1;
    }
    return 0;
}

static int jmeta(jctx *c, const json_t *meta, ec_k8s_meta *m)
{
    if (jstr(c, meta, "name", &m->name) || jstr(c, meta, "generateName", &m->generate_name) ||
        jstr(c, meta, "namespace", &m->ns) || jstr(c, meta, "selfLink", &m->self_link) ||
        jstr(c, meta, "uid", &m->uid) || jstr(c, meta, "resourceVersion", &m->resource_version))
        return -1;
    jint(meta, "generation", &m->has_generation, &m->generation);
    jint(meta, "deletionGracePeriodSeconds", &m->has_grace_period, &m->deletion_grace_period_seconds);
    if (jtime(c, meta, "creationTimestamp", &m->creation) || jtime(c, meta, "deletionTimestamp", &m->deletion))
        return -1;
    if (jmap(c, meta, "labels", &m->labels, &m->n_labels) ||
        jmap(c, meta, "annotations", &m->annotations, &m->n_annotations))
        return -1;
    if (jowners(c, meta, m) || jfinalizers(c, meta, m) || jmanaged(c, meta, m))
        return -1;
    return 0;
}

int ec_k8s_decode_json(const uint8_t *v, size_t len, ec_k8s_object *o, ec_err *err)
{
    jctx c = {o->arena, err};
    json_error_t je;
    json_t *root = json_loadb((const char *)v, len, EC_K8S_JSON_LOAD_FLAGS, &je);
    if (!root) {
        char note[300];
        int n = snprintf(note, sizeof note, "looks like JSON but does not parse: %s (line %d, column %d)",
                         je.text, je.line, je.column);
        if (n < 0)
            n = 0;
        if ((size_t)n >= sizeof note)
            n = (int)sizeof note - 1;
        if (ec_k8s_arena_str(c.a, note, (size_t)n, &o->note) != 0)
            return nomem(&c);
        return 1;
    }
    int rc = 0;
    if (json_is_object(root)) {
        rc = jstr(&c, root, "apiVersion", &o->api_version) || jstr(&c, root, "kind", &o->kind) ? -1 : 0;
        const json_t *meta = json_object_get(root, "metadata");
        if (rc == 0 && json_is_object(meta)) {
            o->has_meta = 1;
            rc = jmeta(&c, meta, &o->meta);
        }
    }
    json_decref(root);
    return rc;
}
