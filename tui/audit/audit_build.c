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

/* Refuses before building what could never be written; *bytes: the sum of
 * key and value sizes. */
static int intent_fits(const audit_kv *kvs, size_t n, uint64_t *bytes, ec_err *err)
{
    uint64_t est = 4096;
    *bytes = 0;
    for (size_t i = 0; i < n; i++) {
        est += 2 * b64_len(kvs[i].key_len) + b64_len(kvs[i].value_len) + 256;
        *bytes += (uint64_t)kvs[i].key_len + kvs[i].value_len;
    }
    if (est > audit_record_max()) {
        char cap[32];
        return ec_fail(err, EC_E_NOMEM, "pre-images of %zu keys (%llu MiB) pass the %s cap of one audit "
                       "record: delete in smaller parts", n, (unsigned long long)(*bytes >> 20),
                       audit_record_max_text(cap, sizeof cap));
    }
    return 0;
}

json_t *audit_build_delete_intent(const audit_context *ctx, int64_t plan_revision,
                                  const audit_kv *kvs, size_t n, ec_err *err)
{
    uint64_t bytes;
    if (intent_fits(kvs, n, &bytes, err) != 0)
        return NULL;
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

/* ---- the same intent, streamed ----------------------------------------- */

typedef struct intent_src {
    const audit_kv *kvs;
    size_t n;
    uint64_t bytes;
    int64_t revision;
} intent_src;

static int put(audit_sink *s, const char *text)
{
    return audit_sink_put(s, text, strlen(text));
}

/* "<base64>" (quoted), in pieces, without a malloc per value. */
static int put_b64(audit_sink *s, const uint8_t *p, size_t len)
{
    char chunk[4096];
    int rc = put(s, "\"");
    while (len > 0 && rc == 0) {
        size_t take = len < 3072 ? len : 3072;  /* whole quanta but the last */
        rc = audit_sink_put(s, chunk, audit_b64_encode_to(chunk, p, take));
        p += take;
        len -= take;
    }
    return rc | put(s, "\"");
}

/* "name":<integer>, as jansson writes integers ("%lld"); sep before it.
 * By hand: snprintf was a fifth of the cost of a record of pre-images. */
static int put_int(audit_sink *s, const char *sep, const char *name, int64_t v)
{
    char buf[96], digits[24];
    size_t n = 0, sl = strlen(sep), nl = strlen(name), d = 0;
    if (sl + nl + 3 + sizeof digits > sizeof buf)
        return -1;
    memcpy(buf, sep, sl);
    n = sl;
    buf[n++] = '"';
    memcpy(buf + n, name, nl);
    n += nl;
    buf[n++] = '"';
    buf[n++] = ':';
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[d++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[n++] = '-';
    while (d)
        buf[n++] = digits[--d];
    return audit_sink_put(s, buf, n);
}

/* {"bytes":..,"count":..,"keys":[{"key_b64":..,"mod_revision":..},..],"revision":..}
 * with the keys of every object in sorted order, as json_dumps sorts them. */
static int gen_plan(const void *ud, audit_sink *s)
{
    const intent_src *src = ud;
    int rc = put_int(s, "{", "bytes", (int64_t)src->bytes);
    rc |= put_int(s, ",", "count", (int64_t)src->n);
    rc |= put(s, ",\"keys\":[");
    for (size_t i = 0; i < src->n && rc == 0; i++) {
        rc |= put(s, i ? ",{\"key_b64\":" : "{\"key_b64\":");
        rc |= put_b64(s, src->kvs[i].key, src->kvs[i].key_len);
        rc |= put_int(s, ",", "mod_revision", src->kvs[i].mod_revision);
        rc |= put(s, "}");
    }
    rc |= put(s, "]");
    rc |= put_int(s, ",", "revision", src->revision);
    return rc | put(s, "}");
}

/* [{"create_revision":..,"key_b64":..,"lease":..,"mod_revision":..,
 *   "value_b64":..,"version":..},..] */
static int gen_preimages(const void *ud, audit_sink *s)
{
    const intent_src *src = ud;
    int rc = put(s, "[");
    for (size_t i = 0; i < src->n && rc == 0; i++) {
        const audit_kv *kv = &src->kvs[i];
        rc |= put_int(s, i ? ",{" : "{", "create_revision", kv->create_revision);
        rc |= put(s, ",\"key_b64\":");
        rc |= put_b64(s, kv->key, kv->key_len);
        rc |= put_int(s, ",", "lease", kv->lease);
        rc |= put_int(s, ",", "mod_revision", kv->mod_revision);
        rc |= put(s, ",\"value_b64\":");
        rc |= put_b64(s, kv->value, kv->value_len);
        rc |= put_int(s, ",", "version", kv->version);
        rc |= put(s, "}");
    }
    return rc | put(s, "]");
}

/* The canonical JSON of a small value, as a member (dumped by jansson: the
 * escaping of text is then jansson's own). */
static int add_small(audit_member *m, size_t *n, char **owned, const char *name, json_t *v)
{
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (!s)
        return -1;
    owned[*n] = s;
    m[*n] = (audit_member){.name = name, .json = s, .len = strlen(s)};
    (*n)++;
    return 0;
}

int audit_append_delete_intent(audit_log *log, const audit_context *ctx, int64_t plan_revision,
                               const audit_kv *kvs, size_t n, audit_appended *out, ec_err *err)
{
    intent_src src = {kvs, n, 0, plan_revision};
    if (!ctx || !ctx->action || !ctx->action[0])
        return ec_fail(err, EC_E_INVALID, "audit record needs an action");
    if (intent_fits(kvs, n, &src.bytes, err) != 0)
        return -1;
    audit_member m[8];
    char *owned[8] = {0};
    size_t nm = 0;
    int bad = add_small(m, &nm, owned, "action", text((const uint8_t *)ctx->action, strlen(ctx->action)));
    if (ctx->cluster_id)
        bad |= add_small(m, &nm, owned, "cluster_id",
                         text((const uint8_t *)ctx->cluster_id, strlen(ctx->cluster_id)));
    if (ctx->member)
        bad |= add_small(m, &nm, owned, "member", text((const uint8_t *)ctx->member, strlen(ctx->member)));
    if (ctx->endpoint)
        bad |= add_small(m, &nm, owned, "endpoint", text((const uint8_t *)ctx->endpoint, strlen(ctx->endpoint)));
    if (ctx->target) {
        bad |= add_small(m, &nm, owned, "target", text(ctx->target, ctx->target_len));
        bad |= add_small(m, &nm, owned, "target_b64", b64(ctx->target, ctx->target_len));
    }
    /* What the syslog line tells of the plan: its size, not its keys. */
    json_t *summary = json_pack("{sIsIsI}", "revision", (json_int_t)plan_revision, "count", (json_int_t)n,
                                "bytes", (json_int_t)src.bytes);
    int rc;
    if (bad || !summary) {
        rc = ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
    } else {
        m[nm++] = (audit_member){.name = "plan", .gen = gen_plan, .ud = &src, .summary = summary};
        m[nm++] = (audit_member){.name = "preimages", .gen = gen_preimages, .ud = &src};
        rc = audit_append_members(log, AUDIT_KIND_INTENT, 0, m, nm, out, err);
    }
    json_decref(summary);
    for (size_t i = 0; i < 8; i++)
        free(owned[i]);
    return rc;
}
