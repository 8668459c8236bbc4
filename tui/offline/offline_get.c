/* get KEY [--history]: one key's newest record, or all its records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/util/escape.h"
#include "tui/offline/offline_cmd.h"
#include "tui/offline/offline_out.h"

#define HISTORY_PREVIEW 60

typedef struct get_state {
    offline_ctx *c;
    ec_offline_kv newest;
    uint64_t records, deletes;
    json_t *jrevs;          /* --history --json: the array being built */
    offline_out_table table;        /* --history, human */
    int failed;
} get_state;

static json_t *record_json(const ec_offline_kv *kv)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "revision", json_integer(kv->rev_main))
           || json_object_set_new(o, "sub_revision", json_integer(kv->rev_sub))
           || json_object_set_new(o, "deleted", json_boolean(kv->deleted));
    if (!kv->deleted)
        bad = bad || offline_out_json_bytes(o, "value", kv->value, kv->value_len)
           || json_object_set_new(o, "create_revision", json_integer(kv->create_revision))
           || json_object_set_new(o, "mod_revision", json_integer(kv->mod_revision))
           || json_object_set_new(o, "version", json_integer(kv->version))
           || json_object_set_new(o, "lease", json_integer(kv->lease));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int history_row(get_state *g, const ec_offline_kv *kv, ec_err *err)
{
    char rev[24], sub[24], ver[24], lease[24];
    snprintf(rev, sizeof rev, "%lld", (long long)kv->rev_main);
    snprintf(sub, sizeof sub, "%lld", (long long)kv->rev_sub);
    snprintf(ver, sizeof ver, "%lld", (long long)kv->version);
    if (kv->lease)
        snprintf(lease, sizeof lease, "%llx", (unsigned long long)kv->lease);
    else
        snprintf(lease, sizeof lease, "-");
    ec_buf b;
    ec_buf_init(&b, 0);
    if (!kv->deleted && offline_out_escaped(&b, kv->value, kv->value_len, HISTORY_PREVIEW) != 0) {
        ec_buf_free(&b);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    const char *row[] = {rev, sub, kv->deleted ? "delete" : "put", kv->deleted ? "" : ver,
                         kv->deleted ? "" : lease, b.data ? b.data : ""};
    int rc = offline_out_table_row(&g->table, row);
    ec_buf_free(&b);
    return rc ? ec_fail(err, EC_E_NOMEM, "out of memory") : 0;
}

static int on_record(void *ctx, const ec_offline_kv *kv, ec_err *err)
{
    get_state *g = ctx;
    /* The file is in revision order, but take the newest explicitly. */
    if (!g->records || kv->rev_main > g->newest.rev_main
        || (kv->rev_main == g->newest.rev_main && kv->rev_sub > g->newest.rev_sub))
        g->newest = *kv;
    g->records++;
    if (kv->deleted)
        g->deletes++;
    if (!g->c->o.history)
        return 0;
    if (g->c->o.json) {
        json_t *o = record_json(kv);
        if (!o || json_array_append_new(g->jrevs, o) != 0)
            return ec_fail(err, EC_E_NOMEM, "out of memory");
        return 0;
    }
    return history_row(g, kv, err);
}

static void print_field(FILE *f, const char *name, const char *value)
{
    offline_out_pad(f, name, 16, 0);
    fputs(value, f);
    fputc('\n', f);
}

static int print_newest(get_state *g, ec_err *err)
{
    offline_ctx *c = g->c;
    const ec_offline_kv *kv = &g->newest;
    if (c->o.json) {
        json_t *o = json_object();
        if (!o || offline_out_json_bytes(o, "key", kv->key, kv->key_len) != 0
            || offline_out_json_bytes(o, "value", kv->value, kv->value_len) != 0
            || json_object_set_new(o, "create_revision", json_integer(kv->create_revision))
            || json_object_set_new(o, "mod_revision", json_integer(kv->mod_revision))
            || json_object_set_new(o, "version", json_integer(kv->version))
            || json_object_set_new(o, "lease", json_integer(kv->lease))
            || json_object_set_new(o, "revisions_in_file", json_integer((json_int_t)g->records))
            || offline_out_json_line(c->out, o) != 0) {
            json_decref(o);
            return ec_fail(err, EC_E_NOMEM, "cannot write output");
        }
        json_decref(o);
        return 0;
    }
    char *key = ec_escape_dup(kv->key, kv->key_len);
    char *value = ec_escape_dup(kv->value, kv->value_len);
    if (!key || !value) {
        free(key);
        free(value);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    char num[64];
    print_field(c->out, "KEY", key);
    print_field(c->out, "VALUE", value);
    snprintf(num, sizeof num, "%zu bytes", kv->value_len);
    print_field(c->out, "SIZE", num);
    snprintf(num, sizeof num, "%lld", (long long)kv->create_revision);
    print_field(c->out, "CREATE_REVISION", num);
    snprintf(num, sizeof num, "%lld", (long long)kv->mod_revision);
    print_field(c->out, "MOD_REVISION", num);
    snprintf(num, sizeof num, "%lld", (long long)kv->version);
    print_field(c->out, "VERSION", num);
    if (kv->lease)
        snprintf(num, sizeof num, "%llx", (unsigned long long)kv->lease);
    else
        snprintf(num, sizeof num, "-");
    print_field(c->out, "LEASE", num);
    snprintf(num, sizeof num, "%llu (%llu deletes)", (unsigned long long)g->records,
             (unsigned long long)g->deletes);
    print_field(c->out, "IN FILE", num);
    free(key);
    free(value);
    return 0;
}

static int print_history(get_state *g, const uint8_t *key, size_t key_len, ec_err *err)
{
    offline_ctx *c = g->c;
    if (c->o.json) {
        json_t *o = json_object();
        if (!o || offline_out_json_bytes(o, "key", key, key_len) != 0
            || json_object_set(o, "revisions", g->jrevs) != 0 || offline_out_json_line(c->out, o) != 0) {
            json_decref(o);
            return ec_fail(err, EC_E_IO, "cannot write output");
        }
        json_decref(o);
        return 0;
    }
    offline_out_table_print(&g->table, c->out);
    return 0;
}

int offline_cmd_get(offline_ctx *c, ec_err *err)
{
    static const char *const heads[] = {"REVISION", "SUB", "OP", "VERSION", "LEASE", "VALUE"};
    size_t key_len;
    const uint8_t *key = offline_arg(c, 0, &key_len);
    get_state g;
    memset(&g, 0, sizeof g);
    g.c = c;
    offline_out_table_init(&g.table, 6, heads, 0x0b);
    if (c->o.history && c->o.json && !(g.jrevs = json_array()))
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    int rc = ec_offline_history(c->db, key, key_len, on_record, &g, err);
    if (rc == 0) {
        if (g.records == 0 || (!c->o.history && g.newest.deleted))
            c->hint = "list what is there with `ls PREFIX`, or see older values with "
                      "`get KEY --history`";
        char *shown = ec_escape_dup(key, key_len);
        if (g.records == 0)
            rc = ec_fail(err, EC_E_NOT_FOUND, "key '%s' not found in '%s'", shown ? shown : "?",
                         ec_offline_name(c->db));
        else if (c->o.history)
            rc = print_history(&g, key, key_len, err);
        else if (g.newest.deleted)
            rc = ec_fail(err, EC_E_NOT_FOUND, "key '%s' is deleted in '%s' (at revision %lld)",
                         shown ? shown : "?", ec_offline_name(c->db),
                         (long long)g.newest.rev_main);
        else
            rc = print_newest(&g, err);
        free(shown);
    }
    json_decref(g.jrevs);
    offline_out_table_free(&g.table);
    return rc;
}
