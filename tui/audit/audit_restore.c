/* What to put back after a removal: the pre-images of an intent, less the
 * keys its result says were left alone. Only the verified part of the log
 * is trusted, since a restore writes what the log says into etcd. */
#include "tui/audit/audit_internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void audit_restore_plan_free(audit_restore_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].key);
        free(p->items[i].value);
    }
    free(p->items);
    free(p->action);
    free(p->target);
    memset(p, 0, sizeof *p);
}

static char *esc_dup(const char *s)
{
    char buf[512];
    return strdup(audit_esc(s ? s : "", buf, sizeof buf));
}

/* The first record of the trusted lines with this seq (new reference). */
static json_t *find_seq(audit_reader *r, uint64_t seq, uint64_t end_line, ec_err *err)
{
    const audit_entry *e;
    if (audit_reader_rewind(r, err) != 0)
        return NULL;
    while (audit_reader_next(r, &e, err) == 1 && e->lineno < end_line) {
        int64_t s;
        if (e->rec && audit_rec_int(e->rec, "seq", &s) == 0 && s > 0 && (uint64_t)s == seq)
            return json_incref(e->rec);
    }
    return NULL;
}

/* The first result record for intent `iseq` (new reference) or NULL. */
static json_t *find_result(audit_reader *r, uint64_t iseq, uint64_t end_line, ec_err *err)
{
    const audit_entry *e;
    if (audit_reader_rewind(r, err) != 0)
        return NULL;
    while (audit_reader_next(r, &e, err) == 1 && e->lineno < end_line) {
        int64_t s;
        const char *kind = audit_rec_str(e->rec, "kind");
        if (kind && !strcmp(kind, "result") && audit_rec_int(e->rec, "intent_seq", &s) == 0 && s > 0 &&
            (uint64_t)s == iseq)
            return json_incref(e->rec);
    }
    return NULL;
}

/* Sorted base64 keys the result lists as skipped (borrowed from result). */
static int skipped_keys(json_t *result, const char ***out, size_t *n, ec_err *err)
{
    *out = NULL;
    *n = 0;
    json_t *arr = json_object_get(json_object_get(result, "result"), "skipped");
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return 0;
    const char **keys = calloc(json_array_size(arr), sizeof *keys);
    if (!keys)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *it = json_array_get(arr, i);
        const char *s = json_is_string(it) ? json_string_value(it) : audit_rec_str(it, "key_b64");
        if (s)
            keys[k++] = s;
    }
    qsort(keys, k, sizeof *keys, cmp_str);
    *out = keys;
    *n = k;
    return 0;
}

static int take_preimages(audit_restore_plan *p, json_t *intent, const char **skip, size_t nskip,
                          ec_err *err)
{
    json_t *pre = json_object_get(intent, "preimages");
    size_t total = json_array_size(pre);
    p->items = calloc(total ? total : 1, sizeof *p->items);
    if (!p->items)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    for (size_t i = 0; i < total; i++) {
        json_t *it = json_array_get(pre, i);
        const char *kb = audit_rec_str(it, "key_b64"), *vb = audit_rec_str(it, "value_b64");
        audit_preimage pi = { 0 };
        if (!kb || !vb || audit_rec_int(it, "create_revision", &pi.create_revision) != 0 ||
            audit_rec_int(it, "mod_revision", &pi.mod_revision) != 0 ||
            audit_rec_int(it, "version", &pi.version) != 0)
            return ec_fail(err, EC_E_CORRUPT, "pre-image %zu of seq %llu lacks key_b64, value_b64 or "
                           "a revision", i + 1, (unsigned long long)p->intent_seq);
        if (audit_rec_int(it, "lease", &pi.lease) != 0)
            pi.lease = 0;
        if (nskip && bsearch(&kb, skip, nskip, sizeof *skip, cmp_str)) {
            p->skipped++;
            continue;
        }
        if (audit_b64_decode(kb, strlen(kb), &pi.key, &pi.key_len) != 0 ||
            audit_b64_decode(vb, strlen(vb), &pi.value, &pi.value_len) != 0) {
            free(pi.key);
            return ec_fail(err, EC_E_CORRUPT, "pre-image %zu of seq %llu is not valid base64",
                           i + 1, (unsigned long long)p->intent_seq);
        }
        p->items[p->n++] = pi;
    }
    return 0;
}

int audit_restore_plan_build(audit_reader *r, uint64_t seq, const audit_key *key,
                             int allow_damaged, audit_restore_plan *plan, ec_err *err)
{
    ec_err local;
    if (!err)
        err = &local;
    memset(plan, 0, sizeof *plan);
    plan->result_revision = plan->result_deleted = -1;
    audit_verify_result vr;
    audit_status st = audit_verify(r, key, &vr);
    if (st == AUDIT_UNREADABLE)
        return ec_fail(err, EC_E_IO, "%s", vr.msg);
    plan->log_damaged = st == AUDIT_DAMAGED;
    /* Lines from the first damage on are not trusted. */
    uint64_t end_line = st == AUDIT_DAMAGED && !allow_damaged ? vr.bad_line : UINT64_MAX;
    json_t *rec = NULL, *intent = NULL, *result = NULL;
    const char **skip = NULL;
    size_t nskip = 0;
    int rc = -1;
    ec_err_clear(err);
    rec = find_seq(r, seq, end_line, err);
    if (!rec) {
        if (err->code == EC_OK) {
            if (end_line != UINT64_MAX)
                ec_fail(err, EC_E_NOT_FOUND, "no record with seq %llu before the damage; %s",
                        (unsigned long long)seq, vr.msg);
            else
                ec_fail(err, EC_E_NOT_FOUND, "no record with seq %llu in audit log",
                        (unsigned long long)seq);
        }
        goto done;
    }
    const char *kind = audit_rec_str(rec, "kind");
    int64_t iseq = (int64_t)seq;
    if (kind && !strcmp(kind, "result")) {
        if (audit_rec_int(rec, "intent_seq", &iseq) != 0 || iseq < 1) {
            ec_fail(err, EC_E_CORRUPT, "result record seq %llu names no intent", (unsigned long long)seq);
            goto done;
        }
        intent = find_seq(r, (uint64_t)iseq, end_line, err);
    } else if (kind && !strcmp(kind, "intent")) {
        intent = json_incref(rec);
    } else {
        ec_fail(err, EC_E_INVALID, "record seq %llu is not an intent or a result: nothing to restore",
                (unsigned long long)seq);
        goto done;
    }
    const char *ikind = audit_rec_str(intent, "kind");
    if (!intent || !ikind || strcmp(ikind, "intent") != 0) {
        ec_fail(err, EC_E_NOT_FOUND, "intent record seq %lld of result seq %llu is not in the audit log",
                (long long)iseq, (unsigned long long)seq);
        goto done;
    }
    if (!json_is_array(json_object_get(intent, "preimages"))) {
        char ea[128];
        ec_fail(err, EC_E_INVALID, "intent seq %lld (%s) holds no pre-images: it cannot be undone from the log",
                (long long)iseq, audit_esc(audit_rec_str(intent, "action"), ea, sizeof ea));
        goto done;
    }
    plan->intent_seq = (uint64_t)iseq;
    audit_rec_int(json_object_get(intent, "plan"), "revision", &plan->plan_revision);
    plan->action = esc_dup(audit_rec_str(intent, "action"));
    ec_buf tb;
    ec_buf_init(&tb, 4096);
    if (audit_put_target(&tb, intent, 1024) == 0 && ec_buf_append(&tb, "", 0) == 0)
        plan->target = ec_buf_steal(&tb);
    ec_buf_free(&tb);
    if (!plan->action || !plan->target) {
        ec_fail(err, EC_E_NOMEM, "out of memory");
        goto done;
    }
    result = find_result(r, (uint64_t)iseq, end_line, err);
    if (result) {
        int64_t rs;
        json_t *res = json_object_get(result, "result");
        if (audit_rec_int(result, "seq", &rs) == 0)
            plan->result_seq = (uint64_t)rs;
        audit_rec_int(res, "revision", &plan->result_revision);
        audit_rec_int(res, "deleted", &plan->result_deleted);
        plan->result_error = audit_rec_str(res, "error") != NULL;
        if (skipped_keys(result, &skip, &nskip, err) != 0)
            goto done;
    }
    if (take_preimages(plan, intent, skip, nskip, err) != 0)
        goto done;
    rc = 0;
done:
    free(skip);
    json_decref(result);
    json_decref(intent);
    json_decref(rec);
    if (rc != 0)
        audit_restore_plan_free(plan);
    return rc;
}
