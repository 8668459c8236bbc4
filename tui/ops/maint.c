#include "tui/ops/maint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tui/ops/delete.h"

#define LEASE_PLAN_MAX_BYTES ((uint64_t)200 << 20)

static void clear_warn(ec_err *warn)
{
    if (warn)
        ec_err_clear(warn);
}

int bg_maint_intent(audit_log *log, ec_client *c, const char *action, const char *target, json_t *plan, uint64_t *seq,
                    ec_err *err)
{
    *seq = 0;
    json_t *f = json_object();
    json_object_set_new(f, "action", json_string(action));
    json_object_set_new(f, "endpoint", json_string(ec_client_endpoint(c)));
    json_object_set_new(f, "target", json_string(target));
    json_object_set_new(f, "plan", plan ? plan : json_object());
    audit_appended ap;
    int rc = audit_append(log, AUDIT_KIND_INTENT, 0, f, &ap, err);
    json_decref(f);
    if (rc != 0)
        return -1;
    *seq = ap.seq;
    return 0;
}

int bg_maint_result(audit_log *log, uint64_t seq, const char *action, json_t *result, ec_err *err)
{
    json_t *f = json_object();
    json_object_set_new(f, "action", json_string(action));
    json_object_set_new(f, "result", result);
    int rc = audit_append(log, AUDIT_KIND_RESULT, seq, f, NULL, err);
    json_decref(f);
    return rc;
}

/* ---- compact ---- */

int bg_compact_check(ec_client *c, int64_t *rev, int64_t *current, int64_t *compacted, ec_err *err)
{
    uint32_t hash;
    ec_header h;
    *compacted = 0;
    if (ec_hashkv(c, NULL, 0, &hash, compacted, &h, err) != 0)
        return -1;
    *current = h.revision;
    if (*rev == 0)
        *rev = h.revision;
    if (*rev > h.revision) {
        ec_fail(err, EC_E_FUTURE_REV, "revision %" PRId64 " is in the future (current %" PRId64 ")", *rev, h.revision);
        return -2;
    }
    if (*rev <= *compacted) {
        ec_fail(err, EC_E_COMPACTED, "revision %" PRId64 " is already compacted (compacted up to %" PRId64 ")", *rev,
                *compacted);
        return -2;
    }
    return 0;
}

int64_t bg_compact_dropped(int64_t rev, int64_t compacted) { return rev - (compacted > 0 ? compacted : 1); }

int bg_maint_compact(ec_client *c, audit_log *log, int64_t rev, bool physical, int64_t prev_compact, uint64_t *seq,
                     ec_err *err, ec_err *warn)
{
    clear_warn(warn);
    json_t *plan = json_pack("{s:I,s:I,s:b}", "revision", (json_int_t)rev, "previous_compact_revision",
                             (json_int_t)prev_compact, "physical", physical);
    char target[64];
    snprintf(target, sizeof target, "revision %" PRId64, rev);
    if (bg_maint_intent(log, c, "compact", target, plan, seq, err) != 0)
        return -1;
    ec_header h;
    int rc = ec_compact(c, rev, physical, &h, err);
    ec_err w;
    if (bg_maint_result(log, *seq, "compact",
                        json_pack("{s:I,s:o}", "revision", (json_int_t)(rc == 0 ? h.revision : 0), "error",
                                  rc == 0 ? json_null() : json_string(err->msg)),
                        &w) != 0 &&
        warn)
        *warn = w;
    return rc;
}

/* ---- defrag ---- */

int bg_defrag_plan_build(ec_client *c, const char *only_member, bg_defrag_plan *p, ec_err *err)
{
    memset(p, 0, sizeof *p);
    if (ec_cluster_status_get(c, &p->cs, err) != 0) {
        p->cs = NULL;
        return -1;
    }
    ec_cluster_status *cs = p->cs;
    for (size_t i = 0; i < cs->n_members; i++) {
        const ec_member_status *m = &cs->members[i];
        if (!m->ok) {
            ec_fail(err, m->err.code, "member %s (%s) is not healthy: %s; not defragmenting any member",
                    m->member.name, m->endpoint, m->err.msg);
            return -2;
        }
        if (m->status.errors[0] && !strstr(m->status.errors, "NOSPACE")) {
            ec_fail(err, EC_E_UNAVAILABLE, "member %s reports errors (%s); not defragmenting any member", m->member.name,
                    m->status.errors);
            return -2;
        }
        p->leader = m->status.leader;
    }
    /* Followers first, the leader last: the leader's pause costs the most. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cs->n_members && p->n < BG_DEFRAG_MAX_MEMBERS; i++) {
            const ec_member_status *m = &cs->members[i];
            char id[32];
            snprintf(id, sizeof id, "%" PRIx64, m->member.id);
            if (only_member && strcmp(only_member, id) != 0 && strcmp(only_member, m->member.name) != 0)
                continue;
            if ((m->member.id == p->leader) == (pass == 1))
                p->order[p->n++] = i;
        }
    if (p->n == 0) {
        ec_fail(err, EC_E_NOT_FOUND, "no member '%s' in this cluster", only_member ? only_member : "");
        return -2;
    }
    return 0;
}

void bg_defrag_plan_free(bg_defrag_plan *p)
{
    if (p->cs)
        ec_cluster_status_free(p->cs);
    p->cs = NULL;
    p->n = 0;
}

int bg_defrag_member(ec_client *c, audit_log *log, const ec_member_status *m, uint64_t *seq, ec_status *after,
                     bool *after_ok, ec_err *err, ec_err *warn)
{
    clear_warn(warn);
    *after_ok = false;
    json_t *plan = json_pack("{s:s,s:I,s:I}", "member_endpoint", m->endpoint, "db_size", (json_int_t)m->status.db_size,
                             "db_size_in_use", (json_int_t)m->status.db_size_in_use);
    if (bg_maint_intent(log, c, "defrag", m->member.name, plan, seq, err) != 0)
        return -1;
    ec_callopt pin = {m->endpoint, 0};
    ec_err serr;
    int drc = ec_defragment(c, &pin, err);
    *after_ok = drc == 0 && ec_status_get(c, &pin, after, &serr) == 0;
    ec_err w;
    if (bg_maint_result(log, *seq, "defrag",
                        json_pack("{s:I,s:I,s:o}", "db_size", (json_int_t)(*after_ok ? after->db_size : -1),
                                  "db_size_in_use", (json_int_t)(*after_ok ? after->db_size_in_use : -1), "error",
                                  drc == 0 ? json_null() : json_string(err->msg)),
                        &w) != 0 &&
        warn)
        *warn = w;
    return drc;
}

/* ---- alarms and the write probe ---- */

int bg_maint_disarm(ec_client *c, audit_log *log, const ec_alarm *a, size_t n, size_t *done, uint64_t *seq,
                    ec_err *err, ec_err *warn)
{
    clear_warn(warn);
    *done = 0;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "%" PRIx64, a[i].member_id);
        json_array_append_new(list, json_pack("{s:s,s:s}", "alarm", ec_alarm_name(a[i].type), "member_id", id));
    }
    if (bg_maint_intent(log, c, "alarm-disarm", "all active alarms", json_pack("{s:o}", "alarms", list), seq, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if ((rc = ec_alarm_disarm(c, &a[i], err)) == 0)
            (*done)++;
    ec_err w;
    if (bg_maint_result(log, *seq, "alarm-disarm",
                        json_pack("{s:I,s:o}", "disarmed", (json_int_t)*done, "error",
                                  rc ? json_string(err->msg) : json_null()),
                        &w) != 0 &&
        warn)
        *warn = w;
    return rc;
}

int bg_maint_write_probe(ec_client *c, audit_log *log, uint64_t *seq, ec_err *err, ec_err *warn)
{
    clear_warn(warn);
    static const char probe[] = BG_PROBE_KEY;
    if (bg_maint_intent(log, c, "write-probe", probe, NULL, seq, err) != 0)
        return -1;
    ec_delete_result *d = NULL;
    int rc = ec_put(c, (const uint8_t *)probe, sizeof probe - 1, (const uint8_t *)"ok", 2, 0, NULL, err);
    if (rc == 0)
        rc = ec_delete(c, (const uint8_t *)probe, sizeof probe - 1, NULL, 0, false, &d, err);
    ec_delete_result_free(d);
    ec_err w;
    if (bg_maint_result(log, *seq, "write-probe", json_pack("{s:o}", "error", rc ? json_string(err->msg) : json_null()),
                        &w) != 0 &&
        warn)
        *warn = w;
    return rc;
}

/* ---- lease revoke ---- */

int bg_lease_plan_build(ec_client *c, int64_t id, bg_plan *plan, int64_t *granted_ttl, int64_t *ttl, ec_err *err)
{
    char target[32];
    snprintf(target, sizeof target, "%" PRIx64, (uint64_t)id);
    bg_plan_init(plan, "lease-revoke", (const uint8_t *)target, strlen(target));
    plan->by_name = true;
    snprintf(plan->confirm_name, sizeof plan->confirm_name, "%s", target);
    ec_lease_info *li;
    if (ec_lease_ttl(c, id, true, &li, err) != 0)
        return -1;
    if (li->ttl < 0) {
        ec_lease_info_free(li);
        ec_fail(err, EC_E_NOT_FOUND, "lease %016" PRIx64 " not found (expired or already revoked)", (uint64_t)id);
        return -2;
    }
    *granted_ttl = li->granted_ttl;
    *ttl = li->ttl;
    for (size_t i = 0; i < li->n_keys; i++) {
        ec_range_opts ro = {.key = li->keys[i], .key_len = li->key_lens[i]};
        if (bg_plan_read_range(plan, c, &ro, LEASE_PLAN_MAX_BYTES, err) != 0) {
            ec_lease_info_free(li);
            return -1;
        }
    }
    ec_lease_info_free(li);
    return 0;
}

int bg_lease_revoke_run(ec_client *c, audit_log *log, const bg_plan *plan, int64_t id, uint64_t *seq, ec_err *err,
                        ec_err *warn)
{
    clear_warn(warn);
    *seq = 0;
    if (bg_audit_intent(log, plan, c, seq, err) != 0) {
        *seq = 0;
        return -1;
    }
    int rc = ec_lease_revoke(c, id, err);
    ec_err w;
    if (bg_maint_result(log, *seq, "lease-revoke",
                        json_pack("{s:I,s:o}", "deleted", (json_int_t)(rc == 0 ? (int64_t)plan->n : 0), "error",
                                  rc ? json_string(err->msg) : json_null()),
                        &w) != 0 &&
        warn)
        *warn = w;
    return rc;
}

/* ---- restore ---- */

int bg_audit_restore_run(ec_client *c, audit_log *log, const audit_restore_plan *rp, bg_restore_outcome *ro,
                         uint64_t *seq, char *failure, size_t failure_size, ec_err *err, ec_err *warn)
{
    clear_warn(warn);
    memset(ro, 0, sizeof *ro);
    failure[0] = '\0';
    /* Intent: which keys will be put back, from which record. */
    json_t *f = json_object();
    json_object_set_new(f, "action", json_string("restore"));
    json_object_set_new(f, "endpoint", json_string(ec_client_endpoint(c)));
    json_object_set_new(f, "target", json_sprintf("audit #%" PRIu64, rp->intent_seq));
    json_t *keys = json_array();
    for (size_t i = 0; i < rp->n; i++) {
        char *b = audit_b64_encode(rp->items[i].key, rp->items[i].key_len);
        json_array_append_new(keys, json_string(b ? b : ""));
        free(b);
    }
    json_object_set_new(f, "plan", json_pack("{s:I,s:o}", "from_seq", (json_int_t)rp->intent_seq, "keys_b64", keys));
    audit_appended ia;
    int arc = audit_append(log, AUDIT_KIND_INTENT, 0, f, &ia, err);
    json_decref(f);
    *seq = 0;
    if (arc != 0)
        return -1;
    *seq = ia.seq;
    ec_err e2;
    if (bg_restore_execute(c, rp->items, rp->n, ro, &e2) != 0)
        snprintf(failure, failure_size, "%s", e2.msg);
    json_t *res = json_object();
    json_object_set_new(res, "action", json_string("restore"));
    json_object_set_new(res, "result",
                        json_pack("{s:I,s:I,s:I,s:o}", "revision", (json_int_t)ro->revision, "restored",
                                  (json_int_t)ro->restored, "already_present", (json_int_t)ro->present, "error",
                                  failure[0] ? json_string(failure) : json_null()));
    ec_err w;
    if (audit_append(log, AUDIT_KIND_RESULT, ia.seq, res, NULL, &w) != 0 && warn)
        *warn = w;
    json_decref(res);
    return 0;
}

/* ---- snapshot ---- */

int bg_snapshot_take(ec_client *c, const char *path, ec_progress_fn progress, void *ud, ec_snapshot_info *info,
                     ec_err *err)
{
    /* The stream's header carries no revision in etcd 3.4: note the
     * member's revision just before; the snapshot holds at least that. */
    ec_status st;
    if (ec_status_get(c, NULL, &st, err) != 0)
        return -1;
    ec_callopt pin = {ec_client_endpoint(c), 0};
    if (ec_snapshot_save(c, &pin, path, progress, ud, info, err) != 0)
        return -1;
    if (info->revision == 0)
        info->revision = st.header.revision;
    return 0;
}

int bg_snapshot_record(audit_log *log, ec_client *c, const char *path, const ec_snapshot_info *info, ec_err *err)
{
    json_t *f = json_pack("{s:s,s:s,s:s,s:{s:I,s:I}}", "action", "snapshot-save", "endpoint", ec_client_endpoint(c),
                          "target", path, "result", "bytes", (json_int_t)info->bytes, "revision",
                          (json_int_t)info->revision);
    if (!f)
        return ec_fail(err, EC_E_NOMEM, "cannot record the snapshot: out of memory");
    int rc = audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, err);
    json_decref(f);
    return rc;
}

static int mkdir_one(const char *dir, ec_err *err)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    return ec_fail(err, EC_E_IO, "cannot create directory '%s' for snapshots: %s", dir, strerror(errno));
}

int bg_snapshot_default_path(char *out, size_t size, ec_err *err)
{
    char base[3072];
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/') {
        snprintf(base, sizeof base, "%s", xdg);
    } else if (home && home[0] == '/') {
        snprintf(base, sizeof base, "%s/.local", home);
        if (mkdir_one(base, err) != 0)
            return -1;
        snprintf(base, sizeof base, "%s/.local/state", home);
    } else {
        return ec_fail(err, EC_E_INVALID, "cannot choose a snapshot directory: neither XDG_STATE_HOME nor HOME is set");
    }
    size_t bl = strlen(base);
    if (mkdir_one(base, err) != 0)
        return -1;
    snprintf(base + bl, sizeof base - bl, "/breakglass");
    if (mkdir_one(base, err) != 0)
        return -1;
    snprintf(base + bl, sizeof base - bl, "/breakglass/snapshots");
    if (mkdir_one(base, err) != 0)
        return -1;
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    int w = snprintf(out, size, "%s/etcd-%s.db", base, ts);
    if (w < 0 || (size_t)w >= size)
        return ec_fail(err, EC_E_INVALID, "snapshot path under '%s' is too long", base);
    return 0;
}
