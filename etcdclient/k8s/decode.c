#include "etcdclient/k8s/decode.h"

#include <stdlib.h>
#include <string.h>
#include "etcdclient/k8s/internal.h"

/* A chunk list: objects are small and freed all at once, so one free per
 * chunk beats a free per string, and error paths cannot leak. */
struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct ec_k8s_arena {
    struct arena_chunk *head;
};

#define ARENA_CHUNK 4096

ec_k8s_arena *ec_k8s_arena_new(void)
{
    return calloc(1, sizeof(ec_k8s_arena));
}

void ec_k8s_arena_free(ec_k8s_arena *a)
{
    if (!a)
        return;
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *ec_k8s_arena_alloc(ec_k8s_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + 7) & ~(size_t)7;
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->used = 0;
        c->size = size;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

int ec_k8s_arena_str(ec_k8s_arena *a, const void *p, size_t n, ec_k8s_str *out)
{
    if (n == SIZE_MAX)
        return -1;
    char *s = ec_k8s_arena_alloc(a, n + 1);
    if (!s)
        return -1;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    out->s = s;
    out->len = n;
    return 0;
}

static void set_empty_strings(ec_k8s_object *o)
{
    ec_k8s_str e = {"", 0};
    o->api_version = o->kind = e;
    o->content_encoding = o->content_type = o->note = e;
    ec_k8s_meta *m = &o->meta;
    m->name = m->generate_name = m->ns = m->uid = m->resource_version = m->self_link = e;
    m->creation.text = m->deletion.text = e;
}

int ec_k8s_decode(const uint8_t *v, size_t len, ec_k8s_object **out, ec_err *err)
{
    *out = NULL;
    ec_k8s_object *o = calloc(1, sizeof *o);
    if (!o || !(o->arena = ec_k8s_arena_new())) {
        free(o);
        return ec_fail(err, EC_E_NOMEM, "cannot decode value: out of memory");
    }
    set_empty_strings(o);
    o->value_len = len;
    o->raw = v;
    o->raw_len = len;
    int rc = 0;
    if (len == 0) {
        o->encoding = EC_K8S_ENC_EMPTY;
    } else if (ec_k8s_has_protobuf_magic(v, len)) {
        o->encoding = EC_K8S_ENC_PROTOBUF;
        o->raw = NULL;
        o->raw_len = 0;
        rc = ec_k8s_decode_pb(v, len, o, err);
    } else if (ec_k8s_has_encrypted_magic(v, len)) {
        o->encoding = EC_K8S_ENC_ENCRYPTED;
        rc = ec_k8s_enc_parse(v, len, &o->enc, err);
        o->raw = v + o->enc.header_len;
        o->raw_len = o->enc.payload_len;
    } else {
        int j = ec_k8s_looks_like_json(v, len) ? ec_k8s_decode_json(v, len, o, err) : 1;
        if (j < 0)
            rc = -1;
        else if (j == 0)
            o->encoding = EC_K8S_ENC_JSON;
        else
            o->encoding = ec_k8s_text_or_binary(v, len);
    }
    if (rc != 0) {
        ec_k8s_object_free(o);
        return -1;
    }
    *out = o;
    return 0;
}

void ec_k8s_object_free(ec_k8s_object *obj)
{
    if (!obj)
        return;
    ec_k8s_arena_free(obj->arena);
    free(obj);
}

long ec_k8s_object_writer(const ec_k8s_object *obj)
{
    long best = -1;
    int bh = 0;
    int64_t bs = 0;
    int32_t bn = 0;
    for (size_t i = 0; i < obj->meta.n_managed; i++) {
        const ec_k8s_time *t = &obj->meta.managed[i].time;
        int has = t->present && t->has_seconds;
        if (best < 0 || ec_k8s_newer_or_same(has, t->seconds, t->nanos, bh, bs, bn)) {
            best = (long)i;
            bh = has;
            bs = t->seconds;
            bn = t->nanos;
        }
    }
    return best;
}

long ec_k8s_object_owner(const ec_k8s_object *obj)
{
    for (size_t i = 0; i < obj->meta.n_owners; i++)
        if (obj->meta.owners[i].controller == 1)
            return (long)i;
    return obj->meta.n_owners ? 0 : -1;
}
