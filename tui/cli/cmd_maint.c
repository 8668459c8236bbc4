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

/* Intent of a non-delete action; returns its seq or 0 (error printed). */
static uint64_t record_intent(audit_log *log, ec_client *c, const char *action, const char *target, json_t *plan)
{
    json_t *f = json_object();
    json_object_set_new(f, "action", json_string(action));
    json_object_set_new(f, "endpoint", json_string(ec_client_endpoint(c)));
    json_object_set_new(f, "target", json_string(target));
    json_object_set_new(f, "plan", plan ? plan : json_object());
    audit_appended ap;
    ec_err err;
    int rc = audit_append(log, AUDIT_KIND_INTENT, 0, f, &ap, &err);
    json_decref(f);
    if (rc != 0) {
        bg_report(&err);
        fprintf(stderr, "breakglass: nothing was sent to etcd\n");
        return 0;
    }
    return ap.seq;
}

static void record_result(audit_log *log, uint64_t intent, const char *action, json_t *result)
{
    json_t *f = json_object();
    json_object_set_new(f, "action", json_string(action));
    json_object_set_new(f, "result", result);
    ec_err err;
    if (audit_append(log, AUDIT_KIND_RESULT, intent, f, NULL, &err) != 0)
        fprintf(stderr, "breakglass: warning: the result record could not be written: %s\n", err.msg);
    json_decref(f);
}

typedef struct confirm_flags {
    bool yes, dry;
    const char *name;
    int64_t count;
} confirm_flags;

#define CONFIRM_FLAGS(cf)                                                                                    \
    {"yes", 0, BG_FLAG_BOOL, &(cf).yes}, {"dry-run", 0, BG_FLAG_BOOL, &(cf).dry},                           \
        {"confirm", 0, BG_FLAG_STR, &(cf).name}, {"confirm-count", 0, BG_FLAG_I64, &(cf).count}

static int confirm(const char *cmd, const confirm_flags *f, const char *what, const char *name, uint64_t count)
{
    bg_confirm cf = {f->yes, f->dry, f->name, f->count};
    return bg_guard_confirm(cmd, &cf, what, name, count);
}

/* ---- compact ------------------------------------------------------------ */

static int do_compact(ec_client *c, audit_log *log, int64_t rev, bool physical, int64_t prev_compact)
{
    json_t *plan = json_pack("{s:I,s:I,s:b}", "revision", (json_int_t)rev, "previous_compact_revision",
                             (json_int_t)prev_compact, "physical", physical);
    char target[64];
    snprintf(target, sizeof target, "revision %" PRId64, rev);
    uint64_t seq = record_intent(log, c, "compact", target, plan);
    if (!seq)
        return BG_EXIT_FAIL;
    ec_err err;
    ec_header h;
    int rc = ec_compact(c, rev, physical, &h, &err);
    record_result(log, seq, "compact",
                  json_pack("{s:I,s:o}", "revision", (json_int_t)(rc == 0 ? h.revision : 0), "error",
                            rc == 0 ? json_null() : json_string(err.msg)));
    if (rc != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    printf("compacted to revision %" PRId64 "%s (audit #%" PRIu64 ")\n", rev, physical ? ", physically" : "", seq);
    return BG_EXIT_OK;
}

int cmd_compact(bg_ctx *ctx, int argc, char **argv)
{
    confirm_flags cf = {false, false, NULL, -1};
    bool physical = false;
    bg_flag flags[] = {CONFIRM_FLAGS(cf), {"physical", 0, BG_FLAG_BOOL, &physical}};
    char *pos[1];
    size_t np;
    if (bg_parse_flags("compact", argc, argv, flags, 5, pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    int64_t rev = 0;
    if (np && (bg_parse_i64(pos[0], &rev) != 0 || rev <= 0))
        return bg_usage("compact", "REV must be a positive revision, not '%s'", pos[0]);
    int rc = bg_guard_writable(ctx, "compact");
    if (rc)
        return rc;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_err err;
    uint32_t hash;
    int64_t compacted = 0;
    ec_header h;
    if (ec_hashkv(c, NULL, 0, &hash, &compacted, &h, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    if (rev == 0)
        rev = h.revision;
    if (rev > h.revision) {
        fprintf(stderr, "breakglass: revision %" PRId64 " is in the future (current %" PRId64 ")\n", rev, h.revision);
        return BG_EXIT_FAIL;
    }
    if (rev <= compacted) {
        fprintf(stderr, "breakglass: revision %" PRId64 " is already compacted (compacted up to %" PRId64 ")\n", rev,
                compacted);
        return BG_EXIT_FAIL;
    }
    if (compacted > 0)
        printf("plan: compact to revision %" PRId64 " (current %" PRId64 ", compacted so far up to %" PRId64 ")\n",
               rev, h.revision, compacted);
    else
        printf("plan: compact to revision %" PRId64 " (current %" PRId64 ", never compacted)\n", rev, h.revision);
    printf("  drops the history of %" PRId64 " revisions; watchers and readers of older revisions must relist\n",
           rev - (compacted > 0 ? compacted : 1));
    if (physical)
        printf("  --physical: waits until the space is reclaimable (defragment afterwards to return it)\n");
    char what[96], name[32];
    snprintf(what, sizeof what, "compact to revision %" PRId64, rev);
    snprintf(name, sizeof name, "%" PRId64, rev);
    rc = confirm("compact", &cf, what, name, 0);
    if (rc || cf.dry)
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
                          const confirm_flags *cf, bool confirmed)
{
    ec_err err;
    ec_cluster_status *cs;
    if (ec_cluster_status_get(c, &cs, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    int rc = BG_EXIT_FAIL;
    size_t order[64], n = 0;
    uint64_t leader = 0;
    for (size_t i = 0; i < cs->n_members; i++) {
        const ec_member_status *m = &cs->members[i];
        if (!m->ok) {
            fprintf(stderr, "breakglass: member %s (%s) is not healthy: %s; not defragmenting any member\n",
                    m->member.name, m->endpoint, m->err.msg);
            goto out;
        }
        if (m->status.errors[0] && !strstr(m->status.errors, "NOSPACE")) {
            fprintf(stderr, "breakglass: member %s reports errors (%s); not defragmenting any member\n",
                    m->member.name, m->status.errors);
            goto out;
        }
        leader = m->status.leader;
    }
    /* Followers first, the leader last. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cs->n_members && n < 64; i++) {
            const ec_member_status *m = &cs->members[i];
            char id[32];
            snprintf(id, sizeof id, "%" PRIx64, m->member.id);
            if (only_member && strcmp(only_member, id) != 0 && strcmp(only_member, m->member.name) != 0)
                continue;
            if ((m->member.id == leader) == (pass == 1))
                order[n++] = i;
        }
    if (n == 0) {
        fprintf(stderr, "breakglass: no member '%s' in this cluster\n", only_member ? only_member : "");
        goto out;
    }
    printf("plan: defragment %zu member%s one at a time, leader last, pausing %d ms between:\n", n, n == 1 ? "" : "s",
           pause_ms);
    for (size_t k = 0; k < n; k++) {
        const ec_member_status *m = &cs->members[order[k]];
        char a[24], b[24], r[24];
        printf("  %zu. %-10s %-26s db %s, in use %s, expected to reclaim about %s%s\n", k + 1, m->member.name,
               m->endpoint, bg_human_bytes(m->status.db_size, a, sizeof a),
               bg_human_bytes(m->status.db_size_in_use, b, sizeof b),
               bg_human_bytes(m->status.db_size - m->status.db_size_in_use, r, sizeof r),
               m->member.id == leader ? " (leader)" : "");
    }
    printf("  each member stops serving while it defragments\n");
    if (!confirmed) {
        char what[64];
        snprintf(what, sizeof what, "defragment %zu member%s", n, n == 1 ? "" : "s");
        rc = confirm("defrag", cf, what, NULL, n);
        if (rc || dry)
            goto out;
    }
    rc = BG_EXIT_OK;
    for (size_t k = 0; k < n; k++) {
        const ec_member_status *m = &cs->members[order[k]];
        json_t *plan = json_pack("{s:s,s:I,s:I}", "member_endpoint", m->endpoint, "db_size",
                                 (json_int_t)m->status.db_size, "db_size_in_use", (json_int_t)m->status.db_size_in_use);
        uint64_t seq = record_intent(log, c, "defrag", m->member.name, plan);
        if (!seq) {
            rc = BG_EXIT_FAIL;
            break;
        }
        ec_callopt pin = {m->endpoint, 0};
        ec_status after;
        int drc = ec_defragment(c, &pin, &err);
        int src = drc == 0 ? ec_status_get(c, &pin, &after, &err) : -1;
        record_result(log, seq, "defrag",
                      json_pack("{s:I,s:I,s:o}", "db_size", (json_int_t)(src == 0 ? after.db_size : -1),
                                "db_size_in_use", (json_int_t)(src == 0 ? after.db_size_in_use : -1), "error",
                                drc == 0 ? json_null() : json_string(err.msg)));
        if (drc != 0) {
            bg_report(&err);
            fprintf(stderr, "breakglass: stopped: the remaining members were not defragmented\n");
            rc = BG_EXIT_FAIL;
            break;
        }
        char a[24], b[24];
        printf("defragmented %s: db %s -> %s (audit #%" PRIu64 ")\n", m->member.name,
               bg_human_bytes(m->status.db_size, a, sizeof a),
               src == 0 ? bg_human_bytes(after.db_size, b, sizeof b) : "?", seq);
        if (k + 1 < n && pause_ms > 0)
            usleep((useconds_t)pause_ms * 1000);
    }
out:
    ec_cluster_status_free(cs);
    return rc;
}

int cmd_defrag(bg_ctx *ctx, int argc, char **argv)
{
    confirm_flags cf = {false, false, NULL, -1};
    const char *member = NULL;
    int64_t pause_ms = 2000;
    bg_flag flags[] = {CONFIRM_FLAGS(cf), {"member", 0, BG_FLAG_STR, &member}, {"pause-ms", 0, BG_FLAG_I64, &pause_ms}};
    size_t np;
    if (bg_parse_flags("defrag", argc, argv, flags, 6, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    int rc = bg_guard_writable(ctx, "defrag");
    if (rc)
        return rc;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    audit_log *log = NULL;
    if (!cf.dry && !(log = bg_guard_audit(ctx)))
        return BG_EXIT_FAIL;
    rc = defrag_members(c, log, member, (int)pause_ms, cf.dry, &cf, false);
    if (log)
        audit_close(log);
    return rc;
}

/* ---- alarms --------------------------------------------------------------- */

static int disarm_all(ec_client *c, audit_log *log, const ec_alarm *a, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "%" PRIx64, a[i].member_id);
        json_array_append_new(list, json_pack("{s:s,s:s}", "alarm", ec_alarm_name(a[i].type), "member_id", id));
    }
    uint64_t seq = record_intent(log, c, "alarm-disarm", "all active alarms", json_pack("{s:o}", "alarms", list));
    if (!seq)
        return BG_EXIT_FAIL;
    ec_err err;
    size_t done = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if ((rc = ec_alarm_disarm(c, &a[i], &err)) == 0)
            done++;
    record_result(log, seq, "alarm-disarm",
                  json_pack("{s:I,s:o}", "disarmed", (json_int_t)done, "error", rc ? json_string(err.msg) : json_null()));
    if (rc) {
        bg_report(&err);
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
    confirm_flags cf = {false, false, NULL, -1};
    bg_flag flags[] = {CONFIRM_FLAGS(cf)};
    size_t np;
    if (bg_parse_flags("alarm disarm", argc - 1, argv + 1, flags, 4, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    int rc = bg_guard_writable(ctx, "alarm disarm");
    if (rc)
        return rc;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_err err;
    ec_alarm *a;
    size_t n;
    if (ec_alarm_list(c, &a, &n, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
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
    rc = confirm("alarm disarm", &cf, what, NULL, n);
    if (!rc && !cf.dry) {
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
    confirm_flags cf = {false, false, NULL, -1};
    int64_t pause_ms = 1000;
    bg_flag flags[] = {CONFIRM_FLAGS(cf), {"pause-ms", 0, BG_FLAG_I64, &pause_ms}};
    size_t np;
    if (bg_parse_flags("recover-nospace", argc, argv, flags, 5, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    int rc = bg_guard_writable(ctx, "recover-nospace");
    if (rc)
        return rc;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_err err;
    ec_alarm *a;
    size_t n;
    if (ec_alarm_list(c, &a, &n, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
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
    rc = confirm("recover-nospace", &cf, "run the NOSPACE recovery", "recover-nospace", 0);
    if (rc || cf.dry) {
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
        if (ec_alarm_list(c, &a, &n, &err) != 0) {
            bg_report(&err);
            rc = BG_EXIT_FAIL;
        } else if (n) {
            rc = disarm_all(c, log, a, n);
        } else {
            printf("no active alarms\n");
        }
    }
    if (rc == 0) {
        printf("step 4: verify writes\n");
        static const char probe[] = "/breakglass/probe";
        uint64_t seq = record_intent(log, c, "write-probe", probe, NULL);
        ec_delete_result *d = NULL;
        int prc = seq ? ec_put(c, (const uint8_t *)probe, sizeof probe - 1, (const uint8_t *)"ok", 2, 0, NULL, &err) : -1;
        if (prc == 0)
            prc = ec_delete(c, (const uint8_t *)probe, sizeof probe - 1, NULL, 0, false, &d, &err);
        ec_delete_result_free(d);
        if (seq)
            record_result(log, seq, "write-probe", json_pack("{s:o}", "error", prc ? json_string(err.msg) : json_null()));
        if (prc != 0) {
            if (seq)
                bg_report(&err);
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
    ec_err err;
    ec_snapshot_info info;
    /* The stream's header carries no revision in etcd 3.4: note the
     * member's revision just before; the snapshot holds at least that. */
    ec_status st;
    if (ec_status_get(c, NULL, &st, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    ec_callopt pin = {ec_client_endpoint(c), 0};
    if (ec_snapshot_save(c, &pin, pos[0], NULL, NULL, &info, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    char hb[24];
    if (info.revision == 0)
        info.revision = st.header.revision;
    printf("saved snapshot '%s' from %s: %s at revision %" PRId64 " or later, SHA-256 checked\n", pos[0],
           ec_client_endpoint(c), bg_human_bytes((int64_t)info.bytes, hb, sizeof hb), info.revision);
    /* A snapshot changes nothing in etcd, but who took one, and where, is
     * worth knowing afterwards: recorded when the log is writable. */
    if (!ctx->opts->read_only) {
        audit_log *log = bg_guard_audit(ctx);
        if (log) {
            json_t *f = json_pack("{s:s,s:s,s:s,s:{s:I,s:I}}", "action", "snapshot-save", "endpoint",
                                  ec_client_endpoint(c), "target", pos[0], "result", "bytes", (json_int_t)info.bytes,
                                  "revision", (json_int_t)info.revision);
            if (audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, &err) != 0)
                fprintf(stderr, "breakglass: warning: snapshot not recorded in the audit log: %s\n", err.msg);
            json_decref(f);
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
            printf("%" PRIx64 "\n", (uint64_t)ids[i]);
        free(ids);
        return BG_EXIT_OK;
    }
    if (strcmp(argv[1], "revoke") != 0)
        return bg_usage("lease", "'lease %s' is not known: use list or revoke ID", argv[1]);
    confirm_flags cf = {false, false, NULL, -1};
    bg_flag flags[] = {CONFIRM_FLAGS(cf)};
    char *pos[1];
    size_t np;
    if (bg_parse_flags("lease revoke", argc - 1, argv + 1, flags, 4, pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    char *end;
    int64_t id = np ? (int64_t)strtoull(pos[0], &end, 16) : 0;
    if (np != 1 || *end || id == 0)
        return bg_usage("lease", "'lease revoke' needs the lease ID in hex (as 'lease list' prints it)");
    int rc = bg_guard_writable(ctx, "lease revoke");
    if (rc)
        return rc;
    if (!(c = bg_client(ctx)))
        return BG_EXIT_FAIL;
    ec_lease_info *li;
    if (ec_lease_ttl(c, id, true, &li, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    if (li->ttl < 0) {
        ec_lease_info_free(li);
        fprintf(stderr, "breakglass: lease %" PRIx64 " not found (expired or already revoked)\n", (uint64_t)id);
        return BG_EXIT_FAIL;
    }
    /* The attached keys' values, read at one revision: they vanish with the
     * lease, so they go into the audit log first. */
    char target[32];
    snprintf(target, sizeof target, "%" PRIx64, (uint64_t)id);
    bg_plan plan;
    bg_plan_init(&plan, "lease-revoke", (const uint8_t *)target, strlen(target));
    plan.by_name = true;
    snprintf(plan.confirm_name, sizeof plan.confirm_name, "%s", target);
    for (size_t i = 0; i < li->n_keys; i++) {
        ec_range_opts ro = {.key = li->keys[i], .key_len = li->key_lens[i]};
        if (bg_plan_read_range(&plan, c, &ro, (uint64_t)200 << 20, &err) != 0) {
            bg_report(&err);
            ec_lease_info_free(li);
            bg_plan_free(&plan);
            return BG_EXIT_FAIL;
        }
    }
    printf("plan: revoke lease %s (granted TTL %" PRId64 " s, %" PRId64 " s left); %zu key%s vanish with it:\n", target,
           li->granted_ttl, li->ttl, plan.n, plan.n == 1 ? "" : "s");
    for (size_t i = 0; i < plan.n && i < 20; i++) {
        printf("    ");
        bg_put_escaped(stdout, plan.kvs[i].key, plan.kvs[i].key_len);
        putchar('\n');
    }
    ec_lease_info_free(li);
    /* etcdctl prints IDs zero-padded: the same number confirms. */
    if (cf.name && strtoull(cf.name, &end, 16) == (unsigned long long)id && *end == '\0')
        cf.name = target;
    rc = confirm("lease revoke", &cf, "revoke the lease", target, 0);
    if (rc || cf.dry) {
        bg_plan_free(&plan);
        return rc;
    }
    audit_log *log = bg_guard_audit(ctx);
    uint64_t seq = 0;
    if (!log || bg_audit_intent(log, &plan, c, &seq, &err) != 0) {
        if (log)
            bg_report(&err);
        fprintf(stderr, "breakglass: nothing was sent to etcd\n");
        if (log)
            audit_close(log);
        bg_plan_free(&plan);
        return BG_EXIT_FAIL;
    }
    int lrc = ec_lease_revoke(c, id, &err);
    record_result(log, seq, "lease-revoke",
                  json_pack("{s:I,s:o}", "deleted", (json_int_t)(lrc == 0 ? (int64_t)plan.n : 0), "error",
                            lrc ? json_string(err.msg) : json_null()));
    if (lrc != 0)
        bg_report(&err);
    else
        printf("revoked lease %s; %zu key%s removed (audit #%" PRIu64 ")\n", target, plan.n, plan.n == 1 ? "" : "s", seq);
    audit_close(log);
    bg_plan_free(&plan);
    return lrc ? BG_EXIT_FAIL : BG_EXIT_OK;
}
