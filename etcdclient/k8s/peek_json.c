/* A non-validating, non-allocating JSON scanner for the peek: it walks the
 * top-level object, reads the handful of metadata strings the write-rate
 * engine needs and skips everything else without recursion (containers are
 * skipped by counting brackets outside strings). It stops as soon as
 * apiVersion, kind and metadata have been read. Kubernetes never writes
 * duplicate keys, and the full decode refuses JSON that has them, so where
 * the decode accepts a value both read the same fields. */
#include <string.h>
#include "etcdclient/k8s/internal.h"
#include "etcdclient/k8s/rfc3339.h"

typedef struct js {
    const uint8_t *p, *end;
    int escapes;
} js;

static void ws(js *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* At '"': sets *out to the bytes between the quotes; *esc when any backslash. */
static int string(js *s, ec_k8s_view *out, int *esc)
{
    const uint8_t *start = ++s->p, *q = NULL;
    *esc = 0;
    for (;;) {
        /* Rescan for the quote only after skipping an escaped one, so a
         * string full of escapes stays linear. */
        if (!q || q < s->p) {
            q = memchr(s->p, '"', (size_t)(s->end - s->p));
            if (!q)
                return -1;
        }
        const uint8_t *b = memchr(s->p, '\\', (size_t)(q - s->p));
        if (!b) {
            out->p = start;
            out->len = (size_t)(q - start);
            s->p = q + 1;
            return 0;
        }
        *esc = 1;
        if (b + 1 >= s->end)
            return -1;
        s->p = b + 2;   /* the escaped byte can be '"' or '\\' */
    }
}

static int skip_value(js *s)
{
    ec_k8s_view dummy;
    int esc;
    ws(s);
    if (s->p >= s->end)
        return -1;
    uint8_t c = *s->p;
    if (c == '"')
        return string(s, &dummy, &esc);
    if (c == '{' || c == '[') {
        /* Only quotes and brackets matter here; a table keeps the loop to
         * one load and one test per byte. */
        static const uint8_t special[256] = {['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3};
        size_t depth = 0;
        const uint8_t *p = s->p, *end = s->end;
        while (p < end) {
            uint8_t k = special[*p];
            if (k == 0) {
                p++;
                continue;
            }
            if (k == 1) {
                s->p = p;
                if (string(s, &dummy, &esc) != 0)
                    return -1;
                p = s->p;
                continue;
            }
            if (k == 2) {
                depth++;
            } else if (--depth == 0) {
                s->p = p + 1;
                return 0;
            }
            p++;
        }
        s->p = p;
        return -1;
    }
    const uint8_t *start = s->p;
    while (s->p < s->end && ((*s->p >= 'a' && *s->p <= 'z') || (*s->p >= '0' && *s->p <= '9') ||
                             *s->p == '-' || *s->p == '+' || *s->p == '.' || *s->p == 'E'))
        s->p++;
    return s->p > start ? 0 : -1;
}

/* Compares a raw (possibly escaped) JSON key with an ASCII name. */
static int key_is(ec_k8s_view k, int esc, const char *name)
{
    if (!esc)
        return ec_k8s_view_eq(k, name);
    char buf[32];
    size_t n = 0;
    for (size_t i = 0; i < k.len; i++) {
        if (n >= sizeof buf)
            return 0;
        uint8_t c = k.p[i];
        if (c != '\\') {
            buf[n++] = (char)c;
            continue;
        }
        if (++i >= k.len)
            return 0;
        switch (k.p[i]) {
        case '"': case '\\': case '/': buf[n++] = (char)k.p[i]; break;
        case 'u': {
            if (i + 4 >= k.len)
                return 0;
            unsigned cp = 0;
            for (int j = 1; j <= 4; j++) {
                uint8_t h = k.p[i + j];
                cp <<= 4;
                if (h >= '0' && h <= '9') cp |= h - '0';
                else if (h >= 'a' && h <= 'f') cp |= h - 'a' + 10;
                else if (h >= 'A' && h <= 'F') cp |= h - 'A' + 10;
                else return 0;
            }
            if (cp == 0 || cp >= 0x80)
                return 0;   /* none of the names we look for has such a character */
            buf[n++] = (char)cp;
            i += 4;
            break;
        }
        default:
            return 0;       /* \b \f \n \r \t: not in any name we look for */
        }
    }
    return n == strlen(name) && memcmp(buf, name, n) == 0;
}

/* Reads a string value into *out, or skips a value of another type and
 * leaves *out empty (jansson's json_string_value gives NULL there). */
static int string_value(js *s, ec_k8s_view *out)
{
    ws(s);
    out->p = NULL;
    out->len = 0;
    if (s->p < s->end && *s->p == '"') {
        int esc;
        if (string(s, out, &esc) != 0)
            return -1;
        s->escapes |= esc;
        return 0;
    }
    return skip_value(s);
}

static int true_value(js *s, int *out)
{
    ws(s);
    *out = s->end - s->p >= 4 && memcmp(s->p, "true", 4) == 0;
    return skip_value(s);
}

typedef int (*member_fn)(js *s, ec_k8s_view key, int esc, void *ctx);

/* At '{': calls fn for each member; fn consumes the value. When *stop
 * becomes non-zero after a member, returns 1 without reading the rest. */
static int object_until(js *s, member_fn fn, void *ctx, const unsigned *stop, unsigned stop_mask)
{
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        ws(s);
        if (s->p >= s->end || *s->p != '"')
            return -1;
        ec_k8s_view key;
        int esc;
        if (string(s, &key, &esc) != 0)
            return -1;
        ws(s);
        if (s->p >= s->end || *s->p != ':')
            return -1;
        s->p++;
        if (fn(s, key, esc, ctx) != 0)
            return -1;
        if (stop && (*stop & stop_mask) == stop_mask)
            return 1;
        ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (*s->p == '}') {
            s->p++;
            return 0;
        }
        return -1;
    }
}

static int object(js *s, member_fn fn, void *ctx)
{
    return object_until(s, fn, ctx, NULL, 0);
}

/* At '[': calls each(s, ctx) at every element, which must consume it. */
static int array_each(js *s, int (*each)(js *, void *), void *ctx)
{
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        ws(s);
        if (s->p >= s->end || each(s, ctx) != 0)
            return -1;
        ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (*s->p == ']') {
            s->p++;
            return 0;
        }
        return -1;
    }
}

typedef struct object_fn {
    int (*fn)(js *, void *);
    void *ctx;
} object_fn;

static int each_object(js *s, void *ctx)
{
    const object_fn *o = ctx;
    return *s->p == '{' ? o->fn(s, o->ctx) : skip_value(s);
}

/* At '[': calls fn(s, ctx) for each element that is an object, skips others. */
static int array_of_objects(js *s, int (*fn)(js *, void *), void *ctx)
{
    object_fn o = {fn, ctx};
    return array_each(s, each_object, &o);
}

static int each_string(js *s, void *ctx)
{
    *(uint32_t *)ctx += *s->p == '"';
    return skip_value(s);
}

static int is_open(js *s, uint8_t c)
{
    ws(s);
    return s->p < s->end && *s->p == c;
}

typedef struct owner_tmp {
    ec_k8s_view kind, name, uid, apiv;
    int controller;
} owner_tmp;

static int owner_member(js *s, ec_k8s_view k, int esc, void *ctx)
{
    owner_tmp *o = ctx;
    if (key_is(k, esc, "kind")) return string_value(s, &o->kind);
    if (key_is(k, esc, "name")) return string_value(s, &o->name);
    if (key_is(k, esc, "uid")) return string_value(s, &o->uid);
    if (key_is(k, esc, "apiVersion")) return string_value(s, &o->apiv);
    if (key_is(k, esc, "controller")) return true_value(s, &o->controller);
    return skip_value(s);
}

static int owner(js *s, void *ctx)
{
    ec_k8s_peek *out = ctx;
    owner_tmp o;
    memset(&o, 0, sizeof o);
    if (object(s, owner_member, &o) != 0)
        return -1;
    if (out->owner_count == 0 || (o.controller && !out->owner_is_controller)) {
        out->owner_kind = o.kind;
        out->owner_name = o.name;
        out->owner_uid = o.uid;
        out->owner_api_version = o.apiv;
        out->owner_is_controller = o.controller;
    }
    out->owner_count++;
    return 0;
}

typedef struct managed_tmp {
    ec_k8s_view manager, time;
} managed_tmp;

static int managed_member(js *s, ec_k8s_view k, int esc, void *ctx)
{
    managed_tmp *m = ctx;
    if (key_is(k, esc, "manager")) return string_value(s, &m->manager);
    if (key_is(k, esc, "time")) return string_value(s, &m->time);
    return skip_value(s);
}

static int managed(js *s, void *ctx)
{
    ec_k8s_peek *out = ctx;
    managed_tmp m;
    memset(&m, 0, sizeof m);
    if (object(s, managed_member, &m) != 0)
        return -1;
    int64_t sec = 0;
    int32_t nanos = 0;
    int has = m.time.len && ec_k8s_time_parse(m.time.p, m.time.len, &sec, &nanos) == 0;
    if (out->managed_count == 0 ||
        ec_k8s_newer_or_same(has, sec, nanos, out->manager_has_time, out->manager_seconds, out->manager_nanos)) {
        out->manager = m.manager;
        out->manager_has_time = has;
        out->manager_seconds = has ? sec : 0;
        out->manager_nanos = has ? nanos : 0;
    }
    out->managed_count++;
    return 0;
}

static void reset_owners(ec_k8s_peek *out)
{
    memset(&out->owner_kind, 0, sizeof out->owner_kind);
    out->owner_name = out->owner_uid = out->owner_api_version = out->owner_kind;
    out->owner_is_controller = 0;
    out->owner_count = 0;
}

static void reset_managed(ec_k8s_peek *out)
{
    memset(&out->manager, 0, sizeof out->manager);
    out->manager_has_time = 0;
    out->manager_seconds = 0;
    out->manager_nanos = 0;
    out->managed_count = 0;
}

static int meta_member(js *s, ec_k8s_view k, int esc, void *ctx)
{
    ec_k8s_peek *out = ctx;
    if (key_is(k, esc, "name")) return string_value(s, &out->name);
    if (key_is(k, esc, "namespace")) return string_value(s, &out->ns);
    if (key_is(k, esc, "uid")) return string_value(s, &out->uid);
    if (key_is(k, esc, "ownerReferences")) {
        reset_owners(out);
        return is_open(s, '[') ? array_of_objects(s, owner, out) : skip_value(s);
    }
    if (key_is(k, esc, "managedFields")) {
        reset_managed(out);
        return is_open(s, '[') ? array_of_objects(s, managed, out) : skip_value(s);
    }
    if (key_is(k, esc, "finalizers")) {
        out->finalizer_count = 0;
        return is_open(s, '[') ? array_each(s, each_string, &out->finalizer_count) : skip_value(s);
    }
    return skip_value(s);
}

typedef struct top_ctx {
    ec_k8s_peek *out;
    unsigned seen;      /* 1 apiVersion, 2 kind, 4 metadata */
} top_ctx;

static int top_member(js *s, ec_k8s_view k, int esc, void *ctx)
{
    top_ctx *t = ctx;
    ec_k8s_peek *out = t->out;
    if (key_is(k, esc, "apiVersion")) {
        t->seen |= 1;
        return string_value(s, &out->api_version);
    }
    if (key_is(k, esc, "kind")) {
        t->seen |= 2;
        return string_value(s, &out->kind);
    }
    if (key_is(k, esc, "metadata")) {
        t->seen |= 4;
        memset(&out->name, 0, sizeof out->name);
        out->ns = out->uid = out->name;
        reset_owners(out);
        reset_managed(out);
        out->finalizer_count = 0;
        out->has_meta = is_open(s, '{');
        return out->has_meta ? object(s, meta_member, out) : skip_value(s);
    }
    return skip_value(s);
}

int ec_k8s_peek_json(const uint8_t *v, size_t len, ec_k8s_peek *out)
{
    js s = {v, v + len, 0};
    top_ctx t = {out, 0};
    int rc = is_open(&s, '{') ? object_until(&s, top_member, &t, &t.seen, 7) : skip_value(&s);
    if (rc < 0)
        return -1;
    /* Stopped early (apiVersion, kind and metadata all seen: Kubernetes
     * writes them before spec and status): the rest is not read, which is
     * what makes the peek cheap on large objects. */
    if (rc == 0) {
        ws(&s);
        if (s.p != s.end)
            return -1;
    }
    out->has_escapes = s.escapes;
    return 0;
}
