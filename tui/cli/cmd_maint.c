/* compact, defrag, alarm, recover-nospace, snapshot save, lease revoke:
 * each shows what it will do, needs its confirmation, and is recorded in the
 * audit log (intent before, result after). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui/cli/args.h"
#include "tui/cli/commands.h"
#include "tui/cli/guard.h"
#include "tui/cli/output.h"
#include "tui/ops/delete.h"
#include "tui/ops/maint.h"

/* Says what an op of tui/ops/maint.h reported: nothing sent when its
 * intent could not be recorded, else the error; and a lost result record. */
static void report_op(uint64_t seq, const ec_err *err)
{
    bg_report(err);
    if (!seq)
        fprintf(stderr, "breakglass: nothing was sent to etcd\n");
}

static void report_warn(const ec_err *warn)
{
    if (warn->msg[0])
        fprintf(stderr, "breakglass: warning: the result record could not be written: %s\n", warn->msg);
}

/* Says why a check before a plan failed: -1 is etcd's error (with its
 * hint), anything else a refusal of the check itself. */
static int report_check(int rc, const ec_err *err)
{
    if (rc == -1)
        bg_report(err);
    else
        fprintf(stderr, "breakglass: %s\n", err->msg);
    return BG_EXIT_FAIL;
}

/* The active alarms: 0, or BG_EXIT_FAIL with the error printed. Caller
 * frees *a. */
static int list_alarms(ec_client *c, ec_alarm **a, size_t *n)
{
    ec_err err;
    if (ec_alarm_list(c, a, n, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    return 0;
}

/* A change that starts from the active alarms: the read-only guard, the
 * client, then the list (reported on failure). */
static int begin_with_alarms(bg_ctx *ctx, const char *name, ec_client **c, ec_alarm **a, size_t *n)
{
    int rc = bg_change_begin(ctx, name, c);
    return rc ? rc : list_alarms(*c, a, n);
}

/* ---- compact ------------------------------------------------------------ */

static int do_compact(ec_client *c, audit_log *log, int64_t rev, bool physical, int64_t prev_compact)
{
    uint64_t seq;
    ec_err err, warn;
    int rc = bg_maint_compact(c, log, rev, physical, prev_compact, &seq, &err, &warn);
    report_warn(&warn);
    if (rc != 0) {
        report_op(seq, &err);
        return BG_EXIT_FAIL;
    }
    printf("compacted to revision %" PRId64 "%s (audit #%" PRIu64 ")\n", rev, physical ? ", physically" : "", seq);
    return BG_EXIT_OK;
}

int cmd_compact(bg_ctx *ctx, int argc, char **argv)
{
    bg_confirm cf = {false, false, NULL, -1};
    bool physical = false;
    bg_flag flags[] = {BG_CONFIRM_FLAGS(cf), {"physical", 0, BG_FLAG_BOOL, &physical}};
    char *pos[1];
    size_t np;
    if (bg_parse_flags("compact", argc, argv, flags, sizeof flags / sizeof flags[0], pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    int64_t rev = 0;
    if (np && (bg_parse_i64(pos[0], &rev) != 0 || rev <= 0))
        return bg_usage("compact", "REV must be a positive revision, not '%s'", pos[0]);
    ec_client *c;
    int rc = bg_change_begin(ctx, "compact", &c);
    if (rc)
        return rc;
    ec_err err;
    int64_t compacted = 0, current = 0;
    int crc = bg_compact_check(c, &rev, &current, &compacted, &err);
    if (crc != 0)
        return report_check(crc, &err);
    if (compacted > 0)
        printf("plan: compact to revision %" PRId64 " (current %" PRId64 ", compacted so far up to %" PRId64 ")\n",
               rev, current, compacted);
    else
        printf("plan: compact to revision %" PRId64 " (current %" PRId64 ", never compacted)\n", rev, current);
    printf("  drops the history of %" PRId64 " revisions; watchers and readers of older revisions must relist\n",
           bg_compact_dropped(rev, compacted));
    if (physical)
        printf("  --physical: waits until the space is reclaimable (defragment afterwards to return it)\n");
    char what[96], name[32];
    snprintf(what, sizeof what, "compact to revision %" PRId64, rev);
    snprintf(name, sizeof name, "%" PRId64, rev);
    rc = bg_guard_confirm("compact", &cf, what, name, 0);
    if (rc || cf.dry_run)
        return rc;
    audit_log *log = bg_guard_audit(ctx);
    if (!log)
        return BG_EXIT_FAIL;
    rc = do_compact(c, log, rev, physical, compacted);
    audit_close(log);
    return rc;
}

/* ---- defrag --------------------------------------------------------------- */

/* Defragments members one by one, leader last, after checking every member
 * is healthy (NOSPACE aside). */
static int defrag_members(ec_client *c, audit_log *log, const char *only_member, int pause_ms, bool dry,
                          const bg_confirm *cf, bool confirmed)
{
    ec_err err, warn;
    bg_defrag_plan dp;
    int prc = bg_defrag_plan_build(c, only_member, &dp, &err);
    if (prc != 0) {
        bg_defrag_plan_free(&dp);
        return report_check(prc, &err);
    }
    int rc = BG_EXIT_FAIL;
    size_t n = dp.n;
    ec_cluster_status *cs = dp.cs;
    printf("plan: defragment %zu member%s one at a time, leader last, pausing %d ms between:\n", n, n == 1 ? "" : "s",
           pause_ms);
    for (size_t k = 0; k < n; k++) {
        const ec_member_status *m = &cs->members[dp.order[k]];
        char a[24], b[24], r[24];
        printf("  %zu. %-10s %-26s db %s, in use %s, expected to reclaim about %s%s\n", k + 1, m->member.name,
               m->endpoint, bg_human_bytes(m->status.db_size, a, sizeof a),
               bg_human_bytes(m->status.db_size_in_use, b, sizeof b),
               bg_human_bytes(m->status.db_size - m->status.db_size_in_use, r, sizeof r),
               m->member.id == dp.leader ? " (leader)" : "");
    }
    printf("  each member stops serving while it defragments\n");
    if (!confirmed) {
        char what[64];
        snprintf(what, sizeof what, "defragment %zu member%s", n, n == 1 ? "" : "s");
        rc = bg_guard_confirm("defrag", cf, what, NULL, n);
        if (rc || dry)
            goto out;
    }
    rc = BG_EXIT_OK;
    for (size_t k = 0; k < n; k++) {
        const ec_member_status *m = &cs->members[dp.order[k]];
        uint64_t seq;
        ec_status after;
        bool after_ok;
        int drc = bg_defrag_member(c, log, m, &seq, &after, &after_ok, &err, &warn);
        report_warn(&warn);
        if (drc != 0) {
            report_op(seq, &err);
            if (seq)
                fprintf(stderr, "breakglass: stopped: the remaining members were not defragmented\n");
            rc = BG_EXIT_FAIL;
            break;
        }
        char a[24], b[24];
        printf("defragmented %s: db %s -> %s (audit #%" PRIu64 ")\n", m->member.name,
               bg_human_bytes(m->status.db_size, a, sizeof a),
               after_ok ? bg_human_bytes(after.db_size, b, sizeof b) : "?", seq);
        if (k + 1 < n && pause_ms > 0)
            usleep((useconds_t)pause_ms * 1000);
    }
out:
    bg_defrag_plan_free(&dp);
    return rc;
}

int cmd_defrag(bg_ctx *ctx, int argc, char **argv)
{
    bg_confirm cf = {false, false, NULL, -1};
    const char *member = NULL;
    int64_t pause_ms = 2000;
    bg_flag flags[] = {BG_CONFIRM_FLAGS(cf), {"member", 0, BG_FLAG_STR, &member}, {"pause-ms", 0, BG_FLAG_I64, &pause_ms}};
    size_t np;
    if (bg_parse_flags("defrag", argc, argv, flags, sizeof flags / sizeof flags[0], NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    ec_client *c;
    int rc = bg_change_begin(ctx, "defrag", &c);
    if (rc)
        return rc;
    audit_log *log = NULL;
    if (!cf.dry_run && !(log = bg_guard_audit(ctx)))
        return BG_EXIT_FAIL;
    rc = defrag_members(c, log, member, (int)pause_ms, cf.dry_run, &cf, false);
    if (log)
        audit_close(log);
    return rc;
}

/* ---- alarms --------------------------------------------------------------- */

static int disarm_all(ec_client *c, audit_log *log, const ec_alarm *a, size_t n)
{
    ec_err err, warn;
    size_t done;
    uint64_t seq;
    int rc = bg_maint_disarm(c, log, a, n, &done, &seq, &err, &warn);
    report_warn(&warn);
    if (rc) {
        report_op(seq, &err);
        return BG_EXIT_FAIL;
    }
    printf("disarmed %zu alarm%s (audit #%" PRIu64 ")\n", done, done == 1 ? "" : "s", seq);
    return BG_EXIT_OK;
}

int cmd_alarm(bg_ctx *ctx, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return cmd_alarms(ctx, argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "disarm") != 0)
        return bg_usage("alarm", "'alarm' needs list or disarm");
    bg_confirm cf = {false, false, NULL, -1};
    bg_flag flags[] = {BG_CONFIRM_FLAGS(cf)};
    size_t np;
    if (bg_parse_flags("alarm disarm", argc - 1, argv + 1, flags, BG_N_CONFIRM_FLAGS, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    ec_client *c;
    ec_alarm *a;
    size_t n;
    int rc = begin_with_alarms(ctx, "alarm disarm", &c, &a, &n);
    if (rc)
        return rc;
    if (n == 0) {
        printf("no active alarms: nothing to disarm\n");
        free(a);
        return BG_EXIT_OK;
    }
    printf("plan: disarm %zu alarm%s:\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++)
        printf("  %s on member %" PRIx64 "\n", ec_alarm_name(a[i].type), a[i].member_id);
    printf("  a NOSPACE alarm comes back at once unless space was freed (compact + defrag) first\n");
    char what[64];
    snprintf(what, sizeof what, "disarm %zu alarm%s", n, n == 1 ? "" : "s");
    rc = bg_guard_confirm("alarm disarm", &cf, what, NULL, n);
    if (!rc && !cf.dry_run) {
        audit_log *log = bg_guard_audit(ctx);
        rc = log ? disarm_all(c, log, a, n) : BG_EXIT_FAIL;
        if (log)
            audit_close(log);
    }
    free(a);
    return rc;
}

/* ---- recover-nospace ------------------------------------------------------ */

int cmd_recover_nospace(bg_ctx *ctx, int argc, char **argv)
{
    bg_confirm cf = {false, false, NULL, -1};
    int64_t pause_ms = 1000;
    bg_flag flags[] = {BG_CONFIRM_FLAGS(cf), {"pause-ms", 0, BG_FLAG_I64, &pause_ms}};
    size_t np;
    if (bg_parse_flags("recover-nospace", argc, argv, flags, sizeof flags / sizeof flags[0], NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    ec_client *c;
    ec_alarm *a;
    size_t n;
    int rc = begin_with_alarms(ctx, "recover-nospace", &c, &a, &n);
    if (rc)
        return rc;
    ec_err err;
    uint32_t hash;
    int64_t compacted;
    ec_header h;
    if (ec_hashkv(c, NULL, 0, &hash, &compacted, &h, &err) != 0) {
        bg_report(&err);
        free(a);
        return BG_EXIT_FAIL;
    }
    size_t nospace = 0;
    for (size_t i = 0; i < n; i++)
        nospace += a[i].type == EC_ALARM_NOSPACE;
    printf("plan: NOSPACE recovery (%zu NOSPACE alarm%s active)\n", nospace, nospace == 1 ? "" : "s");
    printf("  1. compact to the current revision %" PRId64 " (physical)\n", h.revision);
    printf("  2. defragment every member, one at a time, leader last\n");
    printf("  3. disarm the alarms\n");
    printf("  4. verify that writes work again (put and delete the key '/breakglass/probe')\n");
    printf("  free space first (remove the runaway data) or the alarm will come back\n");
    rc = bg_guard_confirm("recover-nospace", &cf, "run the NOSPACE recovery", "recover-nospace", 0);
    if (rc || cf.dry_run) {
        free(a);
        return rc;
    }
    audit_log *log = bg_guard_audit(ctx);
    if (!log) {
        free(a);
        return BG_EXIT_FAIL;
    }
    printf("step 1: compact\n");
    if (h.revision > compacted)
        rc = do_compact(c, log, h.revision, true, compacted);
    if (rc == 0) {
        printf("step 2: defragment\n");
        rc = defrag_members(c, log, NULL, (int)pause_ms, false, &cf, true);
    }
    if (rc == 0) {
        printf("step 3: disarm\n");
        free(a);
        a = NULL;
        if (list_alarms(c, &a, &n) != 0) {
            rc = BG_EXIT_FAIL;
        } else if (n) {
            rc = disarm_all(c, log, a, n);
        } else {
            printf("no active alarms\n");
        }
    }
    if (rc == 0) {
        printf("step 4: verify writes\n");
        uint64_t seq;
        ec_err warn;
        int prc = bg_maint_write_probe(c, log, &seq, &err, &warn);
        report_warn(&warn);
        if (prc != 0) {
            report_op(seq, &err);
            rc = BG_EXIT_FAIL;
        } else {
            printf("writes work again\n");
        }
    }
    free(a);
    audit_close(log);
    return rc;
}

/* ---- snapshot --------------------------------------------------------------- */

int cmd_snapshot(bg_ctx *ctx, int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "save") != 0)
        return bg_usage("snapshot", "'snapshot' needs: save FILE");
    size_t np;
    char *pos[1];
    if (bg_parse_flags("snapshot save", argc - 1, argv + 1, NULL, 0, pos, 1, &np) != 0 || np != 1)
        return BG_EXIT_USAGE;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    /* The default limit protects a sick etcd, and makes a big snapshot slow
     * (450 MB: about 22 s): say so before the wait, and how to lift it. */
    int64_t limit = bg_max_bytes(ctx->opts);
    if (limit > 0 && !ctx->opts->quiet) {
        char rate[24];
        if (limit % (1 << 20) == 0)
            snprintf(rate, sizeof rate, "%" PRId64 " MiB", limit >> 20);
        else
            bg_human_bytes(limit, rate, sizeof rate);
        fprintf(stderr, "breakglass: note: the snapshot is paced at %s/s to spare etcd (--max-bytes 0 lifts the limit)\n",
                rate);
    }
    ec_err err;
    ec_snapshot_info info;
    if (bg_snapshot_take(c, pos[0], NULL, NULL, &info, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    char hb[24];
    printf("saved snapshot '%s' from %s: %s at revision %" PRId64 " or later, SHA-256 checked\n", pos[0],
           ec_client_endpoint(c), bg_human_bytes((int64_t)info.bytes, hb, sizeof hb), info.revision);
    /* A snapshot changes nothing in etcd, but who took one, and where, is
     * worth knowing afterwards: recorded when the log is writable. */
    if (!ctx->opts->read_only) {
        audit_log *log = bg_guard_audit(ctx);
        if (log) {
            if (bg_snapshot_record(log, c, pos[0], &info, &err) != 0)
                fprintf(stderr, "breakglass: warning: snapshot not recorded in the audit log: %s\n", err.msg);
            audit_close(log);
        }
    }
    return BG_EXIT_OK;
}

/* ---- lease revoke ---------------------------------------------------------- */

int cmd_lease(bg_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return bg_usage("lease", "'lease' needs list or revoke ID");
    ec_client *c;
    ec_err err;
    if (strcmp(argv[1], "list") == 0) {
        if (!(c = bg_client(ctx)))
            return BG_EXIT_FAIL;
        int64_t *ids;
        size_t n;
        if (ec_lease_list(c, &ids, &n, &err) != 0) {
            bg_report(&err);
            return BG_EXIT_FAIL;
        }
        for (size_t i = 0; i < n; i++)
            printf("%016" PRIx64 "\n", (uint64_t)ids[i]);
        free(ids);
        return BG_EXIT_OK;
    }
    if (strcmp(argv[1], "revoke") != 0)
        return bg_usage("lease", "'lease %s' is not known: use list or revoke ID", argv[1]);
    bg_confirm cf = {false, false, NULL, -1};
    bg_flag flags[] = {BG_CONFIRM_FLAGS(cf)};
    char *pos[1];
    size_t np;
    if (bg_parse_flags("lease revoke", argc - 1, argv + 1, flags, BG_N_CONFIRM_FLAGS, pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    char *end;
    int64_t id = np ? (int64_t)strtoull(pos[0], &end, 16) : 0;
    if (np != 1 || *end || id == 0)
        return bg_usage("lease", "'lease revoke' needs the lease ID in hex (as 'lease list' prints it)");
    int rc = bg_change_begin(ctx, "lease revoke", &c);
    if (rc)
        return rc;
    char target[32];
    snprintf(target, sizeof target, "%016" PRIx64, (uint64_t)id);
    bg_plan plan;
    int64_t granted_ttl = 0, ttl = 0;
    int prc = bg_lease_plan_build(c, id, &plan, &granted_ttl, &ttl, &err);
    if (prc != 0) {
        bg_plan_free(&plan);
        return report_check(prc, &err);
    }
    printf("plan: revoke lease %s (granted TTL %" PRId64 " s, %" PRId64 " s left); %zu key%s vanish with it:\n", target,
           granted_ttl, ttl, plan.n, plan.n == 1 ? "" : "s");
    for (size_t i = 0; i < plan.n && i < 20; i++) {
        printf("    ");
        bg_put_escaped(stdout, plan.kvs[i].key, plan.kvs[i].key_len);
        putchar('\n');
    }
    /* etcdctl prints IDs zero-padded: the same number confirms. */
    if (cf.name && strtoull(cf.name, &end, 16) == (unsigned long long)id && *end == '\0')
        cf.name = target;
    rc = bg_guard_confirm("lease revoke", &cf, "revoke the lease", target, 0);
    if (rc || cf.dry_run) {
        bg_plan_free(&plan);
        return rc;
    }
    audit_log *log = bg_guard_audit(ctx);
    if (!log) {
        fprintf(stderr, "breakglass: nothing was sent to etcd\n");
        bg_plan_free(&plan);
        return BG_EXIT_FAIL;
    }
    uint64_t seq;
    ec_err warn;
    int lrc = bg_lease_revoke_run(c, log, &plan, id, &seq, &err, &warn);
    report_warn(&warn);
    if (lrc != 0)
        report_op(seq, &err);
    else
        printf("revoked lease %s; %zu key%s removed (audit #%" PRIu64 ")\n", target, plan.n, plan.n == 1 ? "" : "s", seq);
    audit_close(log);
    bg_plan_free(&plan);
    return lrc ? BG_EXIT_FAIL : BG_EXIT_OK;
}
