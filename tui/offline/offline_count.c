/* count and top: how many keys and revisions the file holds, and where the
 * writes went before the outage. */
#include <stdlib.h>
#include <string.h>

#include "tui/offline/offline_cmd.h"
#include "tui/offline/offline_out.h"

#define TOP_DEFAULT_LIMIT 20
#define TOP_DEFAULT_DEPTH 2

static int build_all(offline_ctx *c, ec_offline_index **idx, ec_err *err)
{
    size_t plen;
    const uint8_t *prefix = offline_arg(c, 0, &plen);
    return ec_offline_index_build(c->db, prefix, plen, 0, idx, err);
}

static int nomem(ec_err *err)
{
    return ec_fail(err, EC_E_NOMEM, "out of memory while writing output");
}

static json_t *group_json(const ec_offline_group *g)
{
    json_t *o = json_object();
    if (!o || offline_out_json_bytes(o, "prefix", g->prefix, g->prefix_len) != 0
        || json_object_set_new(o, "keys", json_integer((json_int_t)g->keys))
        || json_object_set_new(o, "deleted_keys", json_integer((json_int_t)g->deleted_keys))
        || json_object_set_new(o, "revisions", json_integer((json_int_t)g->revisions))
        || json_object_set_new(o, "deletes", json_integer((json_int_t)g->deletes))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int group_row(offline_out_table *t, const ec_offline_group *g, const char *label)
{
    char keys[24], dk[24], revs[24], dels[24];
    snprintf(keys, sizeof keys, "%llu", (unsigned long long)g->keys);
    snprintf(dk, sizeof dk, "%llu", (unsigned long long)g->deleted_keys);
    snprintf(revs, sizeof revs, "%llu", (unsigned long long)g->revisions);
    snprintf(dels, sizeof dels, "%llu", (unsigned long long)g->deletes);
    ec_buf b;
    ec_buf_init(&b, 0);
    if (!label && offline_out_escaped(&b, g->prefix, g->prefix_len, 0) != 0) {
        ec_buf_free(&b);
        return -1;
    }
    const char *row[] = {keys, dk, revs, dels, label ? label : b.data ? b.data : ""};
    int rc = offline_out_table_row(t, row);
    ec_buf_free(&b);
    return rc;
}

int offline_cmd_count(offline_ctx *c, ec_err *err)
{
    static const char *const heads[] = {"KEYS", "DELETED", "REVISIONS", "DELETES", "PREFIX"};
    ec_offline_index *idx;
    if (build_all(c, &idx, err) != 0)
        return -1;
    size_t plen;
    const uint8_t *prefix = offline_arg(c, 0, &plen);
    ec_offline_group total = {prefix, plen, 0, 0, 0, 0};
    ec_offline_group *groups = NULL;
    size_t ng = 0;
    int rc = 0;
    if (c->o.depth >= 0 && ec_offline_index_groups(idx, (int)c->o.depth, &groups, &ng, err) != 0) {
        ec_offline_index_free(idx);
        return -1;
    }
    for (size_t i = 0; i < ec_offline_index_len(idx); i++) {
        ec_offline_keyinfo ki;
        ec_offline_index_info(idx, i, &ki);
        if (ki.deleted)
            total.deleted_keys++;
        else
            total.keys++;
        total.revisions += ki.revisions;
        total.deletes += ki.deletes;
    }
    if (c->o.json) {
        json_t *o = group_json(&total);
        json_t *arr = c->o.depth >= 0 ? json_array() : NULL;
        for (size_t i = 0; o && arr && i < ng; i++)
            if (json_array_append_new(arr, group_json(&groups[i])) != 0)
                rc = -1;
        if (!o || (c->o.depth >= 0 && !arr) || rc != 0
            || json_object_set_new(o, "revision", json_integer(ec_offline_index_revision(idx)))
            || (arr && (json_object_set_new(o, "depth", json_integer(c->o.depth))
                        || json_object_set(o, "groups", arr)))
            || offline_out_json_line(c->out, o) != 0)
            rc = nomem(err);
        json_decref(arr);
        json_decref(o);
    } else {
        offline_out_table t;
        offline_out_table_init(&t, 5, heads, 0x0f);
        for (size_t i = 0; rc == 0 && i < ng; i++)
            if (group_row(&t, &groups[i], NULL) != 0)
                rc = nomem(err);
        if (rc == 0 && group_row(&t, &total, ng ? "(total)" : plen ? NULL : "(all keys)") != 0)
            rc = nomem(err);
        if (rc == 0)
            offline_out_table_print(&t, c->out);
        offline_out_table_free(&t);
    }
    free(groups);
    ec_offline_index_free(idx);
    return rc;
}

/* ---- top ---- */

typedef struct rank {
    uint32_t revisions;
    size_t i;
} rank;

static int by_revisions(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    if (x->revisions != y->revisions)
        return x->revisions < y->revisions ? 1 : -1;
    return x->i < y->i ? -1 : x->i > y->i;    /* then key order */
}

static int group_by_revisions(const void *a, const void *b)
{
    const ec_offline_group *x = a, *y = b;
    if (x->revisions != y->revisions)
        return x->revisions < y->revisions ? 1 : -1;
    size_t n = x->prefix_len < y->prefix_len ? x->prefix_len : y->prefix_len;
    int r = memcmp(x->prefix, y->prefix, n);
    return r ? r : (x->prefix_len < y->prefix_len ? -1 : x->prefix_len > y->prefix_len);
}

static json_t *key_json(const ec_offline_keyinfo *ki)
{
    json_t *o = json_object();
    if (!o || offline_out_json_bytes(o, "key", ki->key, ki->key_len) != 0
        || json_object_set_new(o, "revisions", json_integer(ki->revisions))
        || json_object_set_new(o, "deletes", json_integer(ki->deletes))
        || json_object_set_new(o, "deleted", json_boolean(ki->deleted))
        || json_object_set_new(o, "mod_revision", json_integer(ki->mod_revision))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int top_print(offline_ctx *c, ec_offline_index *idx, const rank *r, size_t nk,
                     const ec_offline_group *g, size_t ng, long depth, ec_err *err)
{
    size_t total = ec_offline_index_len(idx);
    if (c->o.json) {
        json_t *o = json_object(), *keys = json_array(), *prefixes = json_array();
        int bad = !o || !keys || !prefixes;
        for (size_t i = 0; !bad && i < nk; i++) {
            ec_offline_keyinfo ki;
            ec_offline_index_info(idx, r[i].i, &ki);
            bad = json_array_append_new(keys, key_json(&ki)) != 0;
        }
        for (size_t i = 0; !bad && i < ng; i++)
            bad = json_array_append_new(prefixes, group_json(&g[i])) != 0;
        bad = bad || json_object_set_new(o, "revision", json_integer(ec_offline_index_revision(idx)))
              || json_object_set_new(o, "distinct_keys", json_integer((json_int_t)total))
              || json_object_set_new(o, "depth", json_integer(depth))
              || json_object_set(o, "keys", keys) || json_object_set(o, "prefixes", prefixes)
              || offline_out_json_line(c->out, o) != 0;
        json_decref(keys);
        json_decref(prefixes);
        json_decref(o);
        return bad ? nomem(err) : 0;
    }
    static const char *const kheads[] = {"REVISIONS", "DELETES", "STATE", "KEY"};
    static const char *const gheads[] = {"REVISIONS", "KEYS", "DELETED", "PREFIX"};
    offline_out_table t;
    offline_out_table_init(&t, 4, kheads, 0x03);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nk; i++) {
        ec_offline_keyinfo ki;
        ec_offline_index_info(idx, r[i].i, &ki);
        char revs[24], dels[24];
        snprintf(revs, sizeof revs, "%u", ki.revisions);
        snprintf(dels, sizeof dels, "%u", ki.deletes);
        ec_buf b;
        ec_buf_init(&b, 0);
        const char *row[] = {revs, dels, ki.deleted ? "deleted" : "live", ""};
        if (offline_out_escaped(&b, ki.key, ki.key_len, 0) != 0)
            rc = -1;
        row[3] = b.data ? b.data : "";
        if (rc == 0 && offline_out_table_row(&t, row) != 0)
            rc = -1;
        ec_buf_free(&b);
    }
    if (rc == 0) {
        fprintf(c->out, "KEYS WITH THE MOST REVISIONS IN THE FILE (%zu of %zu)\n", nk, total);
        offline_out_table_print(&t, c->out);
    }
    offline_out_table_free(&t);
    offline_out_table_init(&t, 4, gheads, 0x07);
    for (size_t i = 0; rc == 0 && i < ng; i++) {
        char revs[24], keys[24], dk[24];
        snprintf(revs, sizeof revs, "%llu", (unsigned long long)g[i].revisions);
        snprintf(keys, sizeof keys, "%llu", (unsigned long long)g[i].keys);
        snprintf(dk, sizeof dk, "%llu", (unsigned long long)g[i].deleted_keys);
        ec_buf b;
        ec_buf_init(&b, 0);
        if (offline_out_escaped(&b, g[i].prefix, g[i].prefix_len, 0) != 0)
            rc = -1;
        const char *row[] = {revs, keys, dk, b.data ? b.data : ""};
        if (rc == 0 && offline_out_table_row(&t, row) != 0)
            rc = -1;
        ec_buf_free(&b);
    }
    if (rc == 0) {
        fprintf(c->out, "\nPREFIXES AT DEPTH %ld WITH THE MOST REVISIONS (%zu shown)\n", depth, ng);
        offline_out_table_print(&t, c->out);
    }
    offline_out_table_free(&t);
    return rc ? nomem(err) : 0;
}

int offline_cmd_top(offline_ctx *c, ec_err *err)
{
    long limit = c->o.limit > 0 ? c->o.limit : TOP_DEFAULT_LIMIT;
    long depth = c->o.depth >= 0 ? c->o.depth : TOP_DEFAULT_DEPTH;
    ec_offline_index *idx;
    if (build_all(c, &idx, err) != 0)
        return -1;
    size_t n = ec_offline_index_len(idx);
    rank *r = malloc((n ? n : 1) * sizeof *r);
    ec_offline_group *g = NULL;
    size_t ng = 0;
    int rc = 0;
    if (!r) {
        rc = nomem(err);
    } else if (ec_offline_index_groups(idx, (int)depth, &g, &ng, err) != 0) {
        rc = -1;
    } else {
        for (size_t i = 0; i < n; i++) {
            ec_offline_keyinfo ki;
            ec_offline_index_info(idx, i, &ki);
            r[i].revisions = ki.revisions;
            r[i].i = i;
        }
        qsort(r, n, sizeof *r, by_revisions);
        if (ng)
            qsort(g, ng, sizeof *g, group_by_revisions);
        rc = top_print(c, idx, r, n < (size_t)limit ? n : (size_t)limit, g,
                       ng < (size_t)limit ? ng : (size_t)limit, depth, err);
    }
    free(g);
    free(r);
    ec_offline_index_free(idx);
    return rc;
}
