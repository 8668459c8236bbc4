#include "tui/console/topmodel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/k8s/keylayout.h"
#include "tui/console/text.h"
#include "tui/ops/owner.h"
#include "tui/top/spark.h"

/* API resources stored under another path ("nodes" live in "minions"). */
static const struct {
    const char *resource, *storage;
} odd_resources[] = {
    {"nodes", "minions"},
    {"services", "services/specs"},
    {"endpoints", "services/endpoints"},
    {"replicationcontrollers", "controllers"},
    {"ingresses", "ingress"},
};

static bool has_byte(const uint8_t *p, size_t n, uint8_t b) { return n && memchr(p, b, n) != NULL; }

static bool exists(ec_ks *ks, const ec_buf *path, bool want_key)
{
    ec_ks_id id = ec_ks_find(ks, (const uint8_t *)(path->data ? path->data : ""), path->len);
    if (id == EC_KS_NONE)
        return false;
    ec_ks_info st;
    if (ec_ks_stat(ks, id, &st) != 0)
        return false;
    return want_key ? st.is_key : st.children > 0;
}

static void set(ec_buf *b, const void *p, size_t n)
{
    ec_buf_reset(b);
    ec_buf_append(b, n ? p : "", n);
}

int tm_owner_key(const char *k8s_prefix, const uint8_t *name, size_t len, ec_buf *out)
{
    ec_buf_reset(out);
    if (!len || name[0] == '/' || name[0] == '(' || has_byte(name, len, 0))
        return -1;
    const uint8_t *s1 = memchr(name, '/', len);
    if (!s1 || s1 == name || (size_t)(s1 - name) >= 64 || s1 + 1 == name + len)
        return -1;
    char kind[64];
    size_t kl = (size_t)(s1 - name);
    for (size_t i = 0; i < kl; i++) {
        uint8_t ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
            return -1;
        kind[i] = (char)ch;
    }
    kind[kl] = '\0';
    /* "namespace/name" or "name" after the kind, NUL-terminated (no NUL
     * inside, checked above); then room for the key: the prefix, a storage
     * path of at most 64 bytes (the kind's plural) and the rest. */
    size_t rest_len = len - kl - 1, reg_len;
    ec_k8s_prefix(k8s_prefix, &reg_len);
    size_t keyn = reg_len + rest_len + 72;
    char *rest = malloc(rest_len + 1 + keyn);
    if (!rest)
        return -1;
    memcpy(rest, s1 + 1, rest_len);
    rest[rest_len] = '\0';
    char *key = rest + rest_len + 1, *slash = strchr(rest, '/');
    const char *ns = NULL, *obj = rest;
    if (slash) {
        *slash = '\0';
        ns = rest;
        obj = slash + 1;
    }
    int n = -1;
    if (!slash || ns[0]) /* "Kind//name" names no namespace */
        n = bg_owner_key(k8s_prefix, kind, ns, obj, key, keyn);
    int rc = n < 0 ? -1 : ec_buf_append(out, key, (size_t)n);
    free(rest);
    return rc;
}

/* "/registry/STORAGE" for an API resource, when that directory exists. */
static bool resource_dir(const char *k8s_prefix, const uint8_t *name, size_t len, ec_ks *ks, ec_buf *path)
{
    size_t reg_len;
    const char *reg = ec_k8s_prefix(k8s_prefix, &reg_len);
    /* The legacy names first: "services" holds specs/ and endpoints/. */
    for (size_t i = 0; i < sizeof odd_resources / sizeof odd_resources[0]; i++) {
        const char *r = odd_resources[i].resource;
        if (strlen(r) == len && memcmp(r, name, len) == 0) {
            set(path, reg, reg_len);
            ec_buf_putc(path, '/');
            ec_buf_puts(path, odd_resources[i].storage);
            if (exists(ks, path, false))
                return true;
        }
    }
    set(path, reg, reg_len);
    ec_buf_putc(path, '/');
    ec_buf_append(path, name, len);
    if (exists(ks, path, false))
        return true;
    ec_buf_reset(path);
    return false;
}

tm_jump_kind tm_jump(const char *k8s_prefix, bg_top_grouping g, const uint8_t *name, size_t len, bool truncated,
                     ec_ks *ks, ec_buf *path, const char **why)
{
    size_t reg_len;
    const char *reg = ec_k8s_prefix(k8s_prefix, &reg_len);
    *why = NULL;
    ec_buf_reset(path);
    if (truncated) {
        *why = "the group name was cut (longer than 1024 bytes): it names no single place";
        return TM_JUMP_NONE;
    }
    switch (g) {
    case BG_TOP_BY_KEY:
        set(path, name, len);
        return TM_JUMP_KEY;
    case BG_TOP_BY_PREFIX:
        if (len && name[len - 1] == '/') {
            set(path, name, len - 1);
            return TM_JUMP_DIR;
        }
        set(path, name, len); /* a key with fewer '/' than the depth is its own group */
        return TM_JUMP_KEY;
    case BG_TOP_BY_RESOURCE:
        if (len && name[0] == '(') {
            *why = "keys outside the Kubernetes prefix (--etcd-prefix) have no resource directory";
            return TM_JUMP_NONE;
        }
        if (resource_dir(k8s_prefix, name, len, ks, path))
            return TM_JUMP_DIR;
        *why = "no directory of that resource in the tree (deleted since, or not scanned yet)";
        return TM_JUMP_NONE;
    case BG_TOP_BY_NAMESPACE:
        if (len && name[0] == '(') {
            *why = "cluster-scoped objects and keys outside the Kubernetes prefix have no namespace";
            return TM_JUMP_NONE;
        }
        set(path, reg, reg_len);
        ec_buf_puts(path, "/namespaces/");
        ec_buf_append(path, name, len);
        *why = "the namespace object; its keys are under each resource: PREFIX/RESOURCE/NAMESPACE/";
        if (exists(ks, path, true))
            return TM_JUMP_KEY;
        *why = "no namespace object in the tree; its keys are under each resource: PREFIX/RESOURCE/NAMESPACE/";
        ec_buf_reset(path);
        return TM_JUMP_NONE;
    case BG_TOP_BY_OWNER: {
        if (len && name[0] == '/') { /* a value that is no Kubernetes object: its key */
            set(path, name, len);
            return TM_JUMP_KEY;
        }
        if (tm_owner_key(k8s_prefix, name, len, path) != 0) {
            *why = "this owner group names no object (its writes had no readable owner)";
            return TM_JUMP_NONE;
        }
        if (exists(ks, path, true))
            return TM_JUMP_KEY;
        /* The owner object is gone: its namespace's directory of that kind,
         * else the kind's directory. */
        const char *p = path->data;
        const char *last = memrchr(p, '/', path->len);
        path->len = (size_t)(last - p);
        path->data[path->len] = '\0';
        *why = "the owner object is not in the tree: showing where it would be";
        if (exists(ks, path, false))
            return TM_JUMP_DIR;
        last = memrchr(p, '/', path->len);
        if (last && (size_t)(last - p) > reg_len) { /* not above PREFIX/STORAGE */
            path->len = (size_t)(last - p);
            path->data[path->len] = '\0';
            if (exists(ks, path, false))
                return TM_JUMP_DIR;
        }
        ec_buf_reset(path);
        *why = "the owner object is not in the tree, nor any object of its kind";
        return TM_JUMP_NONE;
    }
    case BG_TOP_BY_WRITER:
        *why = "writer groups span many keys; press o for owners";
        return TM_JUMP_NONE;
    case BG_TOP_BY_LEASE:
        *why = "lease groups span many keys (all keys attached to the lease); press o for owners";
        return TM_JUMP_NONE;
    case BG_TOP_NGROUPINGS: break;
    }
    *why = "unknown grouping";
    return TM_JUMP_NONE;
}

int tm_delete_target(bg_top_grouping g, const uint8_t *name, size_t len, bool truncated, ec_buf *target,
                     tm_del_kind *kind, const char **why)
{
    *why = NULL;
    ec_buf_reset(target);
    if (truncated) {
        *why = "delete: the group name was cut (longer than 1024 bytes), so it names no key";
        return -1;
    }
    switch (g) {
    case BG_TOP_BY_KEY:
        *kind = TM_DEL_KEY;
        break;
    case BG_TOP_BY_PREFIX:
        *kind = len && name[len - 1] == '/' ? TM_DEL_PREFIX : TM_DEL_KEY;
        break;
    case BG_TOP_BY_OWNER:
        if (len && name[0] == '/') {
            *kind = TM_DEL_KEY; /* no Kubernetes owner: the group is its key */
            break;
        }
        if (tm_owner_key(NULL, name, len, target) != 0) { /* only whether it names an object */
            ec_buf_reset(target);
            *why = "delete: this owner group names no object (its writes had no readable owner)";
            return -1;
        }
        *kind = TM_DEL_OWNER;
        break;
    case BG_TOP_BY_RESOURCE:
        *why = "delete: not by resource from here (press p for prefixes, or use the browser)";
        return -1;
    case BG_TOP_BY_NAMESPACE:
        *why = "delete: not by namespace from here (press p for prefixes, or o for owners)";
        return -1;
    case BG_TOP_BY_WRITER:
        *why = "delete: a writer is not a set of keys (press o for owners)";
        return -1;
    case BG_TOP_BY_LEASE:
        *why = "delete: not by lease from here (revoking a lease deletes its keys: breakglass lease revoke)";
        return -1;
    default:
        *why = "delete: unknown grouping";
        return -1;
    }
    if (!len) {
        *why = "delete: the group name is empty";
        return -1;
    }
    set(target, name, len);
    return 0;
}

const char *tm_window_name(ec_rates_window w)
{
    return w == EC_RATES_10S ? "10s" : w == EC_RATES_5M ? "5m" : "60s";
}

const char *tm_rate(double v, ec_rates_metric by, bool estimated, char *buf, size_t len)
{
    if (by == EC_RATES_BYTES) {
        char h[24];
        ct_bytes((uint64_t)(v + 0.5), h, sizeof h);
        snprintf(buf, len, "%s%s/s", estimated ? "~" : "", h);
    } else {
        /* Small rates keep their digits: 0.017/s is a group that wrote once a minute. */
        snprintf(buf, len, "%s%.*f", estimated ? "~" : "", v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3, v);
    }
    return buf;
}

static const char *writes_word(uint64_t n) { return n == 1 ? "write" : "writes"; }

int tm_title(const bg_top_snapshot *s, bg_top_grouping g, unsigned depth, ec_rates_window w, ec_rates_metric by,
             ec_buf *out)
{
    ec_buf_printf(out, "by %s", bg_top_grouping_name(g));
    if (g == BG_TOP_BY_PREFIX)
        ec_buf_printf(out, " (depth %u)", depth);
    ec_buf_printf(out, ", last %s, ranked by %s", tm_window_name(w), by == EC_RATES_BYTES ? "bytes" : "writes");
    if (!s || !s->top)
        return 0;
    const ec_rates_totals *tt = &s->top->totals;
    unsigned secs = ec_rates_window_seconds(w);
    bool est = tt->estimated[w];
    char wr[32], br[40], hb[24];
    tm_rate((double)tt->writes[w] / secs, EC_RATES_WRITES, est, wr, sizeof wr);
    tm_rate((double)tt->bytes[w] / secs, EC_RATES_BYTES, est, br, sizeof br);
    return ec_buf_printf(out, ": %" PRIu64 " %s (%s/s), %s (%s)", tt->writes[w], writes_word(tt->writes[w]), wr,
                         ct_bytes(tt->bytes[w], hb, sizeof hb), br);
}

int tm_sources(const bg_top_snapshot *s, int64_t history, ec_buf *out)
{
    const bg_top_info *in = &s->info;
    if (s->state == BG_TOP_STARTING && !in->history_set) {
        ec_buf_puts(out, "history  starting: sampling the revision and opening the watch\n");
    } else if (history > 0 && in->history_set) {
        if (in->compacted)
            ec_buf_printf(out,
                          "history  COMPACTED: revisions before %" PRId64 " are gone (wanted from %" PRId64
                          "); replayed what is left\n",
                          in->compact_revision, in->history_wanted_from);
        if (in->history_from > in->history_to)
            ec_buf_printf(out, "history  nothing left to replay up to revision %" PRId64 "\n", in->history_to);
        else if (in->history_events == 0 && !in->history_done)
            ec_buf_printf(out, "history  revisions %" PRId64 "..%" PRId64 ": no write seen yet\n", in->history_from,
                          in->history_to);
        else
            ec_buf_printf(out, "history  revisions %" PRId64 "..%" PRId64 ": %" PRIu64 " %s%s\n", in->history_from,
                          in->history_to, in->history_events, writes_word(in->history_events),
                          in->history_done ? "" : " so far (replaying)");
        if (in->history_events) {
            if (in->estimate == BG_TOP_EST_ASSUMED)
                ec_buf_printf(out,
                              "         times ASSUMED (~): no revision rate was seen, so the replayed writes are "
                              "spread evenly over the %" PRId64 " s before collection began\n",
                              in->assumed_span_ms / 1000);
            else if (in->revision_rate > 0)
                ec_buf_printf(out,
                              "         times estimated (~) from the revision rate seen now (%.1f revisions/s)\n",
                              in->revision_rate);
            else
                ec_buf_puts(out, "         times estimated (~): the revision sampled when collection began\n");
        }
    } else if (history == 0) {
        ec_buf_puts(out, "history  not replayed (BREAKGLASS_TOP_HISTORY=0)\n");
    }
    double secs = (double)(s->now_ms - s->started_ms) / 1000.0;
    if (secs < 0)
        secs = 0;
    if (in->live_events)
        ec_buf_printf(out, "live     %" PRIu64 " %s in revisions %" PRId64 "..%" PRId64 " over %.0f s\n",
                      in->live_events, writes_word(in->live_events), in->live_first, in->live_last, secs);
    else
        ec_buf_printf(out, "live     no writes over %.0f s\n", secs);
    if (in->deletes_unattributed)
        ec_buf_printf(out, "note     %" PRIu64 " deletes came without their previous value: counted as '%s'\n",
                      in->deletes_unattributed, BG_TOP_G_UNKNOWN);
    if (in->gaps)
        ec_buf_printf(out,
                      "note     the watch was down while history was compacted: up to %" PRId64
                      " revisions were not seen\n",
                      in->gap_revisions);
    if (s->has_error) {
        ec_buf_puts(out, s->state == BG_TOP_RETRYING ? "error    " : "note     last failed call: ");
        ct_sanitize(out, s->last_error.msg, strnlen(s->last_error.msg, sizeof s->last_error.msg), false);
        ec_buf_puts(out, s->state == BG_TOP_RETRYING ? " (retrying)\n" : "\n");
    }
    /* No trailing newline: lines are separated, not terminated. */
    if (out->len && out->data[out->len - 1] == '\n')
        out->data[--out->len] = '\0';
    return 0;
}

int tm_spark(const ec_rates_row *r, ec_rates_metric by, size_t width, bool utf8, ec_buf *out)
{
    uint32_t v[EC_RATES_SPARK_LEN], folded[EC_RATES_SPARK_LEN];
    if (by == EC_RATES_BYTES) {
        /* Scaled to the row's own peak anyway: divide so the peak fits. */
        uint64_t max = 0;
        for (size_t i = 0; i < EC_RATES_SPARK_LEN; i++)
            if (r->spark_bytes[i] > max)
                max = r->spark_bytes[i];
        uint64_t div = max / UINT32_MAX + 1;
        for (size_t i = 0; i < EC_RATES_SPARK_LEN; i++) {
            uint64_t x = r->spark_bytes[i] / div;
            v[i] = (uint32_t)(x == 0 && r->spark_bytes[i] ? 1 : x);
        }
    } else {
        memcpy(v, r->spark_writes, sizeof v);
    }
    if (width < 1)
        width = 1;
    size_t n = bg_top_spark_fold(v, EC_RATES_SPARK_LEN, width, folded);
    if (utf8) {
        char buf[BG_TOP_SPARK_BUF(EC_RATES_SPARK_LEN)];
        size_t len = bg_top_spark(folded, n, 0, buf, sizeof buf);
        return ec_buf_append(out, buf, len);
    }
    static const char levels[] = " .:-=+*#@";
    uint32_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (folded[i] > max)
            max = folded[i];
    for (size_t i = 0; i < n; i++) {
        /* ceil(8 v / max), as the block characters. */
        size_t lv = max ? (size_t)(((uint64_t)folded[i] * 8 + max - 1) / max) : 0;
        if (ec_buf_putc(out, levels[lv]) != 0)
            return -1;
    }
    return 0;
}
