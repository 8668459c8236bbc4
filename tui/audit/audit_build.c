/* Builders of the caller part of delete records, so the code that runs a
 * delete only hands over arrays of what it read and what happened. */
#include "tui/audit/audit_internal.h"

#include <stdlib.h>
#include <string.h>

#include "etcdclient/util/escape.h"

/* Valid UTF-8 without NUL as is, anything else in escaped form: JSON
 * strings are text, the exact bytes go in a _b64 twin where they matter. */
static json_t *text(const uint8_t *s, size_t len)
{
    if (!memchr(s, '\0', len)) {
        json_t *v = json_stringn((const char *)s, len);
        if (v)
            return v;
    }
    char *e = ec_escape_dup(s, len);
    json_t *v = e ? json_string(e) : NULL;
    free(e);
    return v;
}

static json_t *b64(const uint8_t *p, size_t len)
{
    char *s = audit_b64_encode(p, len);
    json_t *v = s ? json_string(s) : NULL;
    free(s);
    return v;
}

static json_t *context(const audit_context *ctx, ec_err *err)
{
    if (!ctx || !ctx->action || !ctx->action[0]) {
        ec_fail(err, EC_E_INVALID, "audit record needs an action");
        return NULL;
    }
    json_t *o = json_object();
    int bad = !o;
    if (o) {
        bad |= json_object_set_new(o, "action", text((const uint8_t *)ctx->action, strlen(ctx->action)));
        if (ctx->cluster_id)
            bad |= json_object_set_new(o, "cluster_id",
                                       text((const uint8_t *)ctx->cluster_id, strlen(ctx->cluster_id)));
        if (ctx->member)
            bad |= json_object_set_new(o, "member", text((const uint8_t *)ctx->member, strlen(ctx->member)));
        if (ctx->endpoint)
            bad |= json_object_set_new(o, "endpoint",
                                       text((const uint8_t *)ctx->endpoint, strlen(ctx->endpoint)));
        if (ctx->target) {
            bad |= json_object_set_new(o, "target", text(ctx->target, ctx->target_len));
            bad |= json_object_set_new(o, "target_b64", b64(ctx->target, ctx->target_len));
        }
    }
    if (bad) {
        json_decref(o);
        ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
        return NULL;
    }
    return o;
}

static uint64_t b64_len(size_t n)
{
    return ((uint64_t)n + 2) / 3 * 4;
}

json_t *audit_build_delete_intent(const audit_context *ctx, int64_t plan_revision,
                                  const audit_kv *kvs, size_t n, ec_err *err)
{
    /* Refuse before building what could never be written. */
    uint64_t est = 4096, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        est += 2 * b64_len(kvs[i].key_len) + b64_len(kvs[i].value_len) + 256;
        bytes += (uint64_t)kvs[i].key_len + kvs[i].value_len;
    }
    if (est > audit_record_max()) {
        char cap[32];
        ec_fail(err, EC_E_NOMEM, "pre-images of %zu keys (%llu MiB) pass the %s cap of one audit "
                "record: delete in smaller parts", n, (unsigned long long)(bytes >> 20),
                audit_record_max_text(cap, sizeof cap));
        return NULL;
    }
    json_t *o = context(ctx, err);
    if (!o)
        return NULL;
    json_t *plan = json_object(), *keys = json_array(), *pre = json_array();
    int bad = !plan || !keys || !pre;
    for (size_t i = 0; !bad && i < n; i++) {
        const audit_kv *kv = &kvs[i];
        json_t *k = json_object(), *p = json_object();
        bad |= !k || !p;
        if (!bad) {
            bad |= json_object_set_new(k, "key_b64", b64(kv->key, kv->key_len));
            bad |= json_object_set_new(k, "mod_revision", json_integer(kv->mod_revision));
            bad |= json_object_set_new(p, "key_b64", b64(kv->key, kv->key_len));
            bad |= json_object_set_new(p, "value_b64", b64(kv->value, kv->value_len));
            bad |= json_object_set_new(p, "create_revision", json_integer(kv->create_revision));
            bad |= json_object_set_new(p, "mod_revision", json_integer(kv->mod_revision));
            bad |= json_object_set_new(p, "version", json_integer(kv->version));
            bad |= json_object_set_new(p, "lease", json_integer(kv->lease));
        }
        bad |= json_array_append_new(keys, k);
        bad |= json_array_append_new(pre, p);
    }
    if (!bad) {
        bad |= json_object_set_new(plan, "revision", json_integer(plan_revision));
        bad |= json_object_set_new(plan, "count", json_integer((json_int_t)n));
        bad |= json_object_set_new(plan, "bytes", json_integer((json_int_t)bytes));
        bad |= json_object_set(plan, "keys", keys);
        bad |= json_object_set(o, "plan", plan);
        bad |= json_object_set(o, "preimages", pre);
    }
    json_decref(plan);
    json_decref(keys);
    json_decref(pre);
    if (bad) {
        json_decref(o);
        ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
        return NULL;
    }
    return o;
}

json_t *audit_build_delete_result(const audit_context *ctx, int64_t revision, int64_t deleted,
                                  const audit_skip *skipped, size_t nskipped,
                                  const char *error, ec_err *err)
{
    json_t *o = context(ctx, err);
    if (!o)
        return NULL;
    json_t *res = json_object(), *skip = json_array();
    int bad = !res || !skip;
    for (size_t i = 0; !bad && i < nskipped; i++) {
        json_t *s = json_object();
        bad |= !s;
        if (s) {
            bad |= json_object_set_new(s, "key_b64", b64(skipped[i].key, skipped[i].key_len));
            const char *why = skipped[i].reason ? skipped[i].reason : "unknown";
            bad |= json_object_set_new(s, "reason", text((const uint8_t *)why, strlen(why)));
        }
        bad |= json_array_append_new(skip, s);
    }
    if (!bad) {
        bad |= json_object_set_new(res, "revision", json_integer(revision));
        bad |= json_object_set_new(res, "deleted", json_integer(deleted));
        bad |= json_object_set(res, "skipped", skip);
        bad |= json_object_set_new(res, "error", error ? text((const uint8_t *)error, strlen(error))
                                                       : json_null());
        bad |= json_object_set(o, "result", res);
    }
    json_decref(res);
    json_decref(skip);
    if (bad) {
        json_decref(o);
        ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
        return NULL;
    }
    return o;
}
