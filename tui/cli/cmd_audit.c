/* audit show | verify | restore SEQ: reviewing and undoing what was done. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli/args.h"
#include "tui/cli/commands.h"
#include "tui/cli/guard.h"
#include "tui/cli/output.h"
#include "tui/ops/maint.h"

/* The log's path as writers resolve it (flag, default, per-user fallback). */
static char *audit_path(bg_ctx *ctx)
{
    audit_log *log = bg_guard_audit(ctx);
    if (!log)
        return NULL;
    char *p = strdup(audit_log_path(log));
    audit_close(log);
    return p;
}

static int load_key(bg_ctx *ctx, audit_key *key, int *have)
{
    *have = 0;
    if (!ctx->opts->audit_key)
        return 0;
    ec_err err;
    if (audit_key_load(key, ctx->opts->audit_key, &err) != 0) {
        bg_report(&err);
        return -1;
    }
    *have = 1;
    return 0;
}

static int audit_show_cmd(bg_ctx *ctx, int argc, char **argv)
{
    int64_t from = 0, to = 0;
    bg_flag flags[] = {{"from", 0, BG_FLAG_I64, &from}, {"to", 0, BG_FLAG_I64, &to}};
    size_t np;
    if (bg_parse_flags("audit show", argc, argv, flags, 2, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    char *path = audit_path(ctx);
    if (!path)
        return BG_EXIT_FAIL;
    ec_err err;
    audit_reader *r;
    int rc = BG_EXIT_OK;
    if (audit_reader_open(&r, path, &err) != 0) {
        bg_report(&err);
        free(path);
        return BG_EXIT_FAIL;
    }
    audit_show_opts so = {ctx->opts->json ? AUDIT_FMT_JSON : AUDIT_FMT_TEXT, (uint64_t)from, (uint64_t)to};
    if (audit_show(r, &so, stdout, &err) < 0) {
        bg_report(&err);
        rc = BG_EXIT_FAIL;
    }
    audit_reader_close(r);
    free(path);
    return rc;
}

static int audit_verify_cmd(bg_ctx *ctx, int argc, char **argv)
{
    size_t np;
    if (bg_parse_flags("audit verify", argc, argv, NULL, 0, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    audit_key key;
    int have_key;
    if (load_key(ctx, &key, &have_key) != 0)
        return BG_EXIT_FAIL;
    char *path = audit_path(ctx);
    if (!path) {
        if (have_key)
            audit_key_free(&key);
        return BG_EXIT_FAIL;
    }
    audit_verify_result res;
    audit_status st = audit_verify_file(path, have_key ? &key : NULL, &res);
    if (ctx->opts->json) {
        json_t *j = json_object();
        json_object_set_new(j, "path", json_string(path));
        json_object_set_new(j, "status", json_string(st == AUDIT_INTACT ? "intact" : st == AUDIT_DAMAGED ? "damaged" : "unreadable"));
        json_object_set_new(j, "records", json_integer((json_int_t)res.records));
        json_object_set_new(j, "last_seq", json_integer((json_int_t)res.last_seq));
        json_object_set_new(j, "last_hash", json_string(res.last_hash));
        json_object_set_new(j, "hmac_checked", json_boolean(res.hmac_checked));
        if (st == AUDIT_DAMAGED) {
            json_object_set_new(j, "damage", json_string(audit_damage_name(res.damage)));
            json_object_set_new(j, "bad_line", json_integer((json_int_t)res.bad_line));
            json_object_set_new(j, "bad_seq", json_integer((json_int_t)res.bad_seq));
        }
        json_object_set_new(j, "message", json_string(res.msg));
        bg_print_json(j);
    } else if (st == AUDIT_INTACT) {
        printf("%s\n", res.msg);
    } else {
        fprintf(stderr, "breakglass: %s\n", res.msg);
    }
    if (have_key)
        audit_key_free(&key);
    free(path);
    return st == AUDIT_INTACT ? BG_EXIT_OK : BG_EXIT_FAIL;
}

/* Puts back the pre-images of an operation, each only where the key does not
 * exist now (create_revision == 0), so nothing newer is overwritten. Recorded
 * as its own intent and result. */
static int audit_restore_cmd(bg_ctx *ctx, int argc, char **argv)
{
    bool yes = false, dry = false, allow_damaged = false;
    int64_t confirm_count = -1;
    bg_flag flags[] = {{"yes", 0, BG_FLAG_BOOL, &yes},
                       {"dry-run", 0, BG_FLAG_BOOL, &dry},
                       {"confirm-count", 0, BG_FLAG_I64, &confirm_count},
                       {"allow-damaged", 0, BG_FLAG_BOOL, &allow_damaged}};
    char *pos[1];
    size_t np;
    if (bg_parse_flags("audit restore", argc, argv, flags, 4, pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    int64_t seq;
    if (np != 1 || bg_parse_i64(pos[0], &seq) != 0 || seq <= 0)
        return bg_usage("audit", "'audit restore' needs the SEQ of an intent or result record");
    int rc = bg_guard_writable(ctx, "audit restore");
    if (rc)
        return rc;
    audit_key key;
    int have_key;
    if (load_key(ctx, &key, &have_key) != 0)
        return BG_EXIT_FAIL;
    audit_log *log = bg_guard_audit(ctx);
    if (!log)
        return BG_EXIT_FAIL;
    ec_err err;
    audit_reader *r = NULL;
    audit_restore_plan rp;
    memset(&rp, 0, sizeof rp);
    rc = BG_EXIT_FAIL;
    if (audit_reader_open(&r, audit_log_path(log), &err) != 0 ||
        audit_restore_plan_build(r, (uint64_t)seq, have_key ? &key : NULL, allow_damaged, &rp, &err) != 0) {
        bg_report(&err);
        goto out;
    }
    printf("restore of #%" PRIu64 " (%s '%s', read at revision %" PRId64 "): %zu key%s to put back where absent\n",
           rp.intent_seq, rp.action, rp.target, rp.plan_revision, rp.n, rp.n == 1 ? "" : "s");
    if (rp.result_seq == 0)
        printf("  no result record: the operation may have been interrupted; every pre-image is considered\n");
    if (rp.skipped)
        printf("  %zu pre-image%s left out: the result says they were not deleted\n", rp.skipped,
               rp.skipped == 1 ? "" : "s");
    for (size_t i = 0; i < rp.n && i < 10; i++) {
        printf("    ");
        bg_put_escaped(stdout, rp.items[i].key, rp.items[i].key_len);
        putchar('\n');
    }
    if (rp.n > 10)
        printf("    ... and %zu more\n", rp.n - 10);
    char what[128];
    snprintf(what, sizeof what, "put back up to %zu keys", rp.n);
    bg_confirm cf = {yes, dry, NULL, confirm_count};
    int crc = bg_guard_confirm("audit restore", &cf, what, NULL, rp.n);
    if (crc || dry) {
        rc = crc;
        goto out;
    }
    ec_client *c = bg_client(ctx);
    if (!c)
        goto out;
    bg_restore_outcome ro;
    char failure[512];
    uint64_t iseq;
    ec_err warn;
    if (bg_audit_restore_run(c, log, &rp, &ro, &iseq, failure, sizeof failure, &err, &warn) != 0) {
        bg_report(&err);
        fprintf(stderr, "breakglass: nothing was sent to etcd\n");
        goto out;
    }
    if (warn.msg[0])
        fprintf(stderr, "breakglass: warning: the result record could not be written: %s\n", warn.msg);
    size_t restored = ro.restored, present = ro.present;
    printf("restored %zu key%s, %zu already present (left as they are); audit #%" PRIu64 "\n", restored,
           restored == 1 ? "" : "s", present, iseq);
    if (failure[0]) {
        fprintf(stderr, "breakglass: stopped early: %s\n", failure);
        goto out;
    }
    rc = BG_EXIT_OK;
out:
    audit_restore_plan_free(&rp);
    if (r)
        audit_reader_close(r);
    audit_close(log);
    if (have_key)
        audit_key_free(&key);
    return rc;
}

int cmd_audit(bg_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return bg_usage("audit", "'audit' needs show, verify or restore SEQ");
    if (strcmp(argv[1], "show") == 0)
        return audit_show_cmd(ctx, argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return audit_verify_cmd(ctx, argc - 1, argv + 1);
    if (strcmp(argv[1], "restore") == 0)
        return audit_restore_cmd(ctx, argc - 1, argv + 1);
    return bg_usage("audit", "'audit %s' is not known: use show, verify or restore SEQ", argv[1]);
}
