/* rm: guarded removal of one key, a prefix, or an owner with what it owns.
 * Plan at one revision -> show -> confirm -> audit intent -> guarded Txn
 * batches -> audit result. Never prompts; see tui/cli/guard.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli/args.h"
#include "tui/cli/commands.h"
#include "tui/cli/guard.h"
#include "tui/cli/output.h"
#include "tui/ops/delete.h"
#include "tui/ops/owner.h"

#define PLAN_MAX_BYTES ((uint64_t)200 << 20)
#define SAMPLE_KEYS 10

static void print_plan(const bg_plan *p)
{
    char hb[32];
    printf("plan: %s '", p->action);
    bg_put_escaped(stdout, p->target, p->target_len);
    printf("' read at revision %" PRId64 "\n", p->revision);
    printf("  %zu key%s, %s\n", p->n, p->n == 1 ? "" : "s", bg_human_bytes((int64_t)p->bytes, hb, sizeof hb));
    for (size_t i = 0; i < p->n && i < SAMPLE_KEYS; i++) {
        printf("    ");
        bg_put_escaped(stdout, p->kvs[i].key, p->kvs[i].key_len);
        printf("   (mod revision %" PRId64 ", %s)\n", p->kvs[i].mod_revision,
               bg_human_bytes((int64_t)p->kvs[i].value_len, hb, sizeof hb));
    }
    if (p->n > SAMPLE_KEYS)
        printf("    ... and %zu more\n", p->n - SAMPLE_KEYS);
    bg_owner_describe(stdout, p);
}

static void print_outcome(const bg_plan *p, const bg_delete_outcome *o, const char *log_path)
{
    printf("deleted %" PRId64 " of %zu keys; etcd revision now %" PRId64 "\n", o->deleted, p->n, o->revision);
    printf("audit: intent #%" PRIu64 ", result #%" PRIu64 " in '%s' (undo: breakglass audit restore %" PRIu64 ")\n",
           o->intent_seq, o->result_seq, log_path, o->intent_seq);
    for (size_t i = 0; i < o->n_skipped; i++) {
        const bg_plan_kv *k = &p->kvs[o->skipped[i].idx];
        printf("skipped (%s): ", o->skipped[i].reason);
        bg_put_escaped(stdout, k->key, k->key_len);
        putchar('\n');
    }
    if (o->unknown)
        printf("outcome unknown for %zu keys of the batch that failed (restore would put back what is gone)\n",
               o->unknown);
}

static json_t *outcome_json(const bg_plan *p, const bg_delete_outcome *o, const char *log_path)
{
    json_t *j = json_object();
    json_object_set_new(j, "action", json_string(p->action));
    bg_json_set_bytes(j, "target", p->target, p->target_len);
    json_object_set_new(j, "plan_revision", json_integer(p->revision));
    json_object_set_new(j, "planned", json_integer((json_int_t)p->n));
    json_object_set_new(j, "deleted", json_integer(o->deleted));
    json_object_set_new(j, "revision", json_integer(o->revision));
    json_object_set_new(j, "audit_log", json_string(log_path));
    json_object_set_new(j, "intent_seq", json_integer((json_int_t)o->intent_seq));
    json_object_set_new(j, "result_seq", json_integer((json_int_t)o->result_seq));
    json_t *sk = json_array();
    for (size_t i = 0; i < o->n_skipped; i++) {
        json_t *s = json_object();
        const bg_plan_kv *k = &p->kvs[o->skipped[i].idx];
        bg_json_set_bytes(s, "key", k->key, k->key_len);
        json_object_set_new(s, "reason", json_string(o->skipped[i].reason));
        json_array_append_new(sk, s);
    }
    json_object_set_new(j, "skipped", sk);
    json_object_set_new(j, "error", o->error[0] ? json_string(o->error) : json_null());
    return j;
}

/* The last path segment: what an operator types to confirm one object. */
static void last_segment(const char *key, char *out, size_t n)
{
    const char *s = strrchr(key, '/');
    snprintf(out, n, "%s", s && s[1] ? s + 1 : key);
}

/* `rm --prefix /registry/pods/ns/web` also removes /registry/pods/ns/web-2
 * and /registry/pods/ns/webhook: etcd prefixes are bytes, not directories.
 * Say so when the plan holds such a key, with an example. */
static void warn_partial_segment(const bg_plan *p, const char *prefix)
{
    size_t n = strlen(prefix);
    if (n == 0 || prefix[n - 1] == '/')
        return;
    for (size_t i = 0; i < p->n; i++) {
        const bg_plan_kv *kv = &p->kvs[i];
        if (kv->key_len > n && kv->key[n] != '/') {
            fprintf(stderr, "breakglass: warning: prefix '");
            bg_put_escaped(stderr, (const uint8_t *)prefix, n);
            fprintf(stderr, "' does not end in '/': it also matches keys like '");
            bg_put_escaped(stderr, kv->key, kv->key_len);
            fprintf(stderr, "'; add a '/' to remove one directory only\n");
            return;
        }
    }
}

int cmd_rm(bg_ctx *ctx, int argc, char **argv)
{
    bool yes = false, dry = false, prefix = false;
    const char *owner = NULL, *confirm = NULL;
    int64_t confirm_count = -1, rate = 0;
    bg_flag flags[] = {
        {"prefix", 0, BG_FLAG_BOOL, &prefix},     {"owner", 0, BG_FLAG_STR, &owner},
        {"yes", 0, BG_FLAG_BOOL, &yes},           {"dry-run", 0, BG_FLAG_BOOL, &dry},
        {"confirm", 0, BG_FLAG_STR, &confirm},    {"confirm-count", 0, BG_FLAG_I64, &confirm_count},
        {"rate", 0, BG_FLAG_I64, &rate},
    };
    char *pos[1];
    size_t np;
    if (bg_parse_flags("rm", argc, argv, flags, sizeof flags / sizeof flags[0], pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    if (owner && (np || prefix))
        return bg_usage("rm", "--owner takes KIND/NAMESPACE/NAME and no other key");
    if (!owner && np != 1)
        return bg_usage("rm", "'rm' needs a KEY (or --prefix PREFIX, or --owner KIND/NAMESPACE/NAME)");
    if (prefix && np == 1 && pos[0][0] == '\0')
        return bg_usage("rm", "refusing an empty prefix: it would remove the whole keyspace");
    ec_client *c;
    int rc = bg_change_begin(ctx, "rm", &c);
    if (rc)
        return rc;

    bg_plan plan;
    ec_err err;
    if (owner) {
        if (bg_owner_plan(c, owner, ctx->opts->k8s_prefix, &plan, PLAN_MAX_BYTES, &err) != 0) {
            bg_report(&err);
            return BG_EXIT_FAIL;
        }
    } else {
        const char *t = pos[0];
        bg_plan_init(&plan, prefix ? "delete-prefix" : "delete-key", (const uint8_t *)t, strlen(t));
        ec_range_opts ro = {.key = (const uint8_t *)t, .key_len = strlen(t), .prefix = prefix};
        if (bg_plan_read_range(&plan, c, &ro, PLAN_MAX_BYTES, &err) != 0) {
            bg_report(&err);
            bg_plan_free(&plan);
            return BG_EXIT_FAIL;
        }
        if (!prefix) {
            plan.by_name = true;
            last_segment(t, plan.confirm_name, sizeof plan.confirm_name);
        }
    }
    if (plan.n == 0) {
        ec_fail(&err, EC_E_NOT_FOUND, "nothing to remove: no key %s '%s' at revision %" PRId64,
                prefix ? "under" : "named", (const char *)plan.target, plan.revision);
        bg_report(&err);
        bg_plan_free(&plan);
        return BG_EXIT_FAIL;
    }
    print_plan(&plan);
    if (prefix)
        warn_partial_segment(&plan, pos[0]);
    char what[300];
    snprintf(what, sizeof what, "delete %zu key%s", plan.n, plan.n == 1 ? "" : "s");
    bg_confirm cf = {yes, dry, confirm, confirm_count};
    rc = bg_guard_confirm("rm", &cf, what, plan.by_name ? plan.confirm_name : NULL, plan.n);
    if (rc || dry) {
        bg_plan_free(&plan);
        return rc;
    }
    audit_log *log = bg_guard_audit(ctx);
    if (!log) {
        bg_plan_free(&plan);
        return BG_EXIT_FAIL;
    }
    bg_delete_opts dopt = {.max_keys_per_s = (double)rate};
    bg_delete_outcome out;
    if (bg_delete_execute(c, log, &plan, &dopt, &out, &err) != 0) {
        bg_report(&err);
        fprintf(stderr, "breakglass: nothing was deleted\n");
        audit_close(log);
        bg_plan_free(&plan);
        return BG_EXIT_FAIL;
    }
    if (ctx->opts->json)
        bg_print_json(outcome_json(&plan, &out, audit_log_path(log)));
    else
        print_outcome(&plan, &out, audit_log_path(log));
    if (out.result_seq == 0)
        fprintf(stderr, "breakglass: warning: the result record could not be written: %s\n", err.msg);
    if (out.error[0])
        fprintf(stderr, "breakglass: stopped early: %s\n", out.error);
    rc = (out.deleted == (int64_t)plan.n && !out.error[0]) ? BG_EXIT_OK : BG_EXIT_FAIL;
    bg_delete_outcome_free(&out);
    audit_close(log);
    bg_plan_free(&plan);
    return rc;
}
