/* Helpers shared by the test_k8s*.c unit tests: finding the shared
 * Kubernetes fixtures ("$BG_ROOT/../shared/fixtures/k8s", or relative to
 * the repo root when BG_ROOT is unset) and reading files. */
#ifndef TEST_K8S_FIXTURES_H
#define TEST_K8S_FIXTURES_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/k8s/decode.h"
#include "etcdclient/k8s/peek.h"

#define K8S_MAX_FIXTURES 256

static inline const char *k8s_fixture_dir(char *buf, size_t n)
{
    const char *root = getenv("BG_ROOT");
    snprintf(buf, n, "%s/../shared/fixtures/k8s", root && *root ? root : ".");
    return buf;
}

/* Reads a whole file into a malloc'd buffer of exactly its size (so ASan
 * and valgrind see any read past the end). NULL when it cannot be read. */
static inline uint8_t *k8s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long sz = ftell(f);
    rewind(f);
    uint8_t *b = malloc(sz > 0 ? (size_t)sz : 1);
    if (!b || sz < 0 || fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)sz;
    return b;
}

static inline int k8s_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The fixture files whose names end in ext (".pb", ".json"), sorted,
 * as malloc'd full paths; returns the count (0 when the directory is
 * missing). Free with k8s_free_list. */
static inline size_t k8s_list_fixtures(const char *ext, char **out, size_t max)
{
    char dir[4096];
    k8s_fixture_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0, el = strlen(ext);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        size_t l = strlen(e->d_name);
        if (l <= el || strcmp(e->d_name + l - el, ext) != 0)
            continue;
        size_t pl = strlen(dir) + 1 + l + 1;
        out[n] = malloc(pl);
        if (!out[n])
            break;
        snprintf(out[n], pl, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(out, n, sizeof *out, k8s_cmp_names);
    return n;
}

static inline void k8s_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
}

static inline int k8s_view_is(ec_k8s_view v, const ec_k8s_str *s)
{
    return v.len == s->len && (v.len == 0 || memcmp(v.p, s->s, v.len) == 0);
}

/* NULL when the peek of a value says the same as its full decode, else the
 * name of the first field that differs. JSON string views that still hold
 * escapes (has_escapes) are not compared byte for byte. */
static inline const char *k8s_peek_disagrees(const ec_k8s_peek *pk, const ec_k8s_object *o)
{
    /* The peek's JSON scanner does not validate, so it may call JSON what
     * jansson rejects (invalid UTF-8, lone surrogates, bad literals); the
     * full decode then says text or binary. The reverse must never happen. */
    if (pk->encoding == EC_K8S_ENC_JSON &&
        (o->encoding == EC_K8S_ENC_TEXT || o->encoding == EC_K8S_ENC_BINARY))
        return NULL;
    if (pk->encoding != o->encoding)
        return "encoding";
    if (o->encoding != EC_K8S_ENC_PROTOBUF && o->encoding != EC_K8S_ENC_JSON)
        return NULL;
    int strings = !pk->has_escapes;
    if (strings && !k8s_view_is(pk->api_version, &o->api_version))
        return "apiVersion";
    if (strings && !k8s_view_is(pk->kind, &o->kind))
        return "kind";
    if (strings && !k8s_view_is(pk->name, &o->meta.name))
        return "name";
    if (strings && !k8s_view_is(pk->ns, &o->meta.ns))
        return "namespace";
    if (strings && !k8s_view_is(pk->uid, &o->meta.uid))
        return "uid";
    if (pk->owner_count != o->meta.n_owners)
        return "owner count";
    long oi = ec_k8s_object_owner(o);
    if (oi >= 0) {
        const ec_k8s_owner_ref *r = &o->meta.owners[oi];
        if (pk->owner_is_controller != (r->controller == 1))
            return "owner controller";
        if (strings && (!k8s_view_is(pk->owner_kind, &r->kind) || !k8s_view_is(pk->owner_name, &r->name) ||
                        !k8s_view_is(pk->owner_uid, &r->uid) ||
                        !k8s_view_is(pk->owner_api_version, &r->api_version)))
            return "owner";
    }
    if (pk->managed_count != o->meta.n_managed)
        return "managedFields count";
    long wi = ec_k8s_object_writer(o);
    if (wi >= 0 && strings) {
        const ec_k8s_managed_fields *m = &o->meta.managed[wi];
        if (!k8s_view_is(pk->manager, &m->manager))
            return "writer";
        int has = m->time.present && m->time.has_seconds;
        if (pk->manager_has_time != has || (has && (pk->manager_seconds != m->time.seconds ||
                                                    pk->manager_nanos != m->time.nanos)))
            return "writer time";
    }
    return NULL;
}

#endif
