/* Walks the hash chain and names the first record that breaks it. */
#include "tui/audit/audit_internal.h"

#include <stdarg.h>
#include <string.h>

#include <openssl/crypto.h>

static const char zero_hash[AUDIT_HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

const char *audit_damage_name(audit_damage d)
{
    switch (d) {
    case AUDIT_DMG_NONE: return "none";
    case AUDIT_DMG_UNPARSABLE: return "unparsable";
    case AUDIT_DMG_TOO_LONG: return "too-long";
    case AUDIT_DMG_MALFORMED: return "malformed";
    case AUDIT_DMG_EDITED: return "edited";
    case AUDIT_DMG_HMAC: return "bad-hmac";
    case AUDIT_DMG_REMOVED: return "removed";
    case AUDIT_DMG_REORDERED: return "reordered";
    case AUDIT_DMG_CHAIN: return "broken-chain";
    case AUDIT_DMG_TRUNCATED: return "truncated";
    }
    return "unknown";
}

static audit_status damaged(audit_verify_result *res, const char *name, audit_damage d, uint64_t line,
                            uint64_t seq, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static audit_status damaged(audit_verify_result *res, const char *name, audit_damage d, uint64_t line,
                            uint64_t seq, const char *fmt, ...)
{
    char en[256], what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    res->status = AUDIT_DAMAGED;
    res->damage = d;
    res->bad_line = line;
    res->bad_seq = seq;
    char seqtxt[32] = "seq unknown";
    if (seq)
        snprintf(seqtxt, sizeof seqtxt, "seq %llu", (unsigned long long)seq);
    snprintf(res->msg, sizeof res->msg, "audit log '%s' is damaged at line %llu (%s): %s: %s",
             audit_esc(name, en, sizeof en), (unsigned long long)line, seqtxt, audit_damage_name(d), what);
    return AUDIT_DAMAGED;
}

/* The first problem with the fields every record must have, or NULL. */
static const char *malformed(const json_t *rec, int64_t *seq)
{
    int64_t v, iseq;
    if (audit_rec_int(rec, "v", &v) != 0)
        return "no format version 'v'";
    if (v != AUDIT_FORMAT_VERSION)
        return "unknown format version 'v'";
    if (audit_rec_int(rec, "seq", seq) != 0 || *seq < 1)
        return "no positive integer 'seq'";
    const char *kind = audit_rec_str(rec, "kind");
    if (!kind || (strcmp(kind, "intent") && strcmp(kind, "result") && strcmp(kind, "action")))
        return "no 'kind' of intent, result or action";
    if (!audit_rec_str(rec, "time"))
        return "no 'time'";
    if (!json_is_object(json_object_get(rec, "identity")))
        return "no 'identity' object";
    if (!audit_is_hex64(audit_rec_str(rec, "prev_hash")))
        return "no 'prev_hash' of 64 hex digits";
    if (!audit_is_hex64(audit_rec_str(rec, "hash")))
        return "no 'hash' of 64 hex digits";
    json_t *hmac = json_object_get(rec, "hmac");
    if (hmac && !audit_is_hex64(json_string_value(hmac)))
        return "an 'hmac' that is not 64 hex digits";
    if (!strcmp(kind, "result")) {
        if (audit_rec_int(rec, "intent_seq", &iseq) != 0 || iseq < 1 || iseq >= *seq)
            return "a result without an 'intent_seq' before it";
    } else if (json_object_get(rec, "intent_seq")) {
        return "an 'intent_seq' in a record that is not a result";
    }
    return NULL;
}

/* After a seq jump at `line` from prev_seq to seq: is a missing seq further
 * down (reordered) or nowhere (removed)? Reads on to the end. */
static audit_status gap(audit_reader *r, audit_verify_result *res, uint64_t line, uint64_t prev_seq,
                        uint64_t seq)
{
    const char *name = audit_reader_name(r);
    uint64_t lo = prev_seq + 1, hi = seq - 1;
    const audit_entry *e;
    ec_err err;
    while (audit_reader_next(r, &e, &err) == 1) {
        int64_t s;
        if (e->rec && audit_rec_int(e->rec, "seq", &s) == 0 && s >= 0 && (uint64_t)s >= lo &&
            (uint64_t)s <= hi)
            return damaged(res, name, AUDIT_DMG_REORDERED, line, seq,
                           "records out of order: seq %llu where seq %llu was expected; seq %lld is at line %llu",
                           (unsigned long long)seq, (unsigned long long)lo, (long long)s,
                           (unsigned long long)e->lineno);
    }
    if (prev_seq == 0 && hi == 1)
        return damaged(res, name, AUDIT_DMG_REMOVED, line, seq,
                       "record removed at the start: the first record has seq 2, seq 1 is missing");
    if (prev_seq == 0)
        return damaged(res, name, AUDIT_DMG_REMOVED, line, seq,
                       "records removed at the start: the first record has seq %llu, seq 1 to %llu are missing",
                       (unsigned long long)seq, (unsigned long long)hi);
    if (lo == hi)
        return damaged(res, name, AUDIT_DMG_REMOVED, line, seq,
                       "record removed: seq %llu follows seq %llu, seq %llu is missing",
                       (unsigned long long)seq, (unsigned long long)prev_seq, (unsigned long long)lo);
    return damaged(res, name, AUDIT_DMG_REMOVED, line, seq,
                   "records removed: seq %llu follows seq %llu, seq %llu to %llu are missing",
                   (unsigned long long)seq, (unsigned long long)prev_seq, (unsigned long long)lo,
                   (unsigned long long)hi);
}

audit_status audit_verify(audit_reader *r, const audit_key *key, audit_verify_result *res)
{
    memset(res, 0, sizeof *res);
    memcpy(res->last_hash, zero_hash, sizeof zero_hash);
    const char *name = audit_reader_name(r);
    char en[256];
    ec_err err;
    if (audit_reader_rewind(r, &err) != 0) {
        res->status = AUDIT_UNREADABLE;
        snprintf(res->msg, sizeof res->msg, "%s", err.msg);
        return AUDIT_UNREADABLE;
    }
    const audit_entry *e;
    int rc;
    while ((rc = audit_reader_next(r, &e, &err)) == 1) {
        int64_t seq = 0;
        uint64_t useq = e->rec && audit_rec_int(e->rec, "seq", &seq) == 0 && seq > 0 ? (uint64_t)seq : 0;
        if (!e->complete)
            return damaged(res, name, AUDIT_DMG_TRUNCATED, e->lineno, useq,
                           "the last record is incomplete (no newline at the end): the log was cut short");
        if (e->too_long)
            return damaged(res, name, AUDIT_DMG_TOO_LONG, e->lineno, 0, "%s", e->error);
        if (!e->rec)
            return damaged(res, name, AUDIT_DMG_UNPARSABLE, e->lineno, 0, "%s", e->error);
        const char *why = malformed(e->rec, &seq);
        if (why)
            return damaged(res, name, AUDIT_DMG_MALFORMED, e->lineno, useq, "record has %s", why);
        char hash[AUDIT_HASH_HEX + 1], hmac[AUDIT_HASH_HEX + 1];
        if (audit_record_hash(e->rec, key, hash, hmac, &err) != 0) {
            res->status = AUDIT_UNREADABLE;
            snprintf(res->msg, sizeof res->msg, "%s", err.msg);
            return AUDIT_UNREADABLE;
        }
        const char *stored = audit_rec_str(e->rec, "hash");
        if (strcmp(hash, stored) != 0)
            return damaged(res, name, AUDIT_DMG_EDITED, e->lineno, useq,
                           "record edited: its content does not match its hash");
        const char *stored_hmac = audit_rec_str(e->rec, "hmac");
        if (key && !stored_hmac)
            return damaged(res, name, AUDIT_DMG_HMAC, e->lineno, useq,
                           "record has no hmac although a key was given: forged or written without the key");
        if (key && CRYPTO_memcmp(hmac, stored_hmac, AUDIT_HASH_HEX) != 0)
            return damaged(res, name, AUDIT_DMG_HMAC, e->lineno, useq,
                           "hmac does not match: record forged or altered without the key, or wrong key");
        uint64_t expect = res->last_seq + 1;
        if (useq > expect)
            return gap(r, res, e->lineno, res->last_seq, useq);
        if (useq < expect)
            return damaged(res, name, AUDIT_DMG_REORDERED, e->lineno, useq,
                           "records out of order: seq %llu comes after seq %llu (moved or repeated)",
                           (unsigned long long)useq, (unsigned long long)res->last_seq);
        const char *prev = audit_rec_str(e->rec, "prev_hash");
        if (strcmp(prev, res->last_hash) != 0) {
            if (res->last_seq == 0)
                return damaged(res, name, AUDIT_DMG_CHAIN, e->lineno, useq,
                               "out of chain: the first record's prev_hash is %.12s..., not zero", prev);
            return damaged(res, name, AUDIT_DMG_CHAIN, e->lineno, useq,
                           "out of chain: prev_hash %.12s... is not the hash %.12s... of seq %llu",
                           prev, res->last_hash, (unsigned long long)res->last_seq);
        }
        res->records++;
        res->last_seq = useq;
        memcpy(res->last_hash, stored, AUDIT_HASH_HEX + 1);
        if (stored_hmac)
            res->with_hmac++;
    }
    if (rc < 0) {
        res->status = AUDIT_UNREADABLE;
        snprintf(res->msg, sizeof res->msg, "%s", err.msg);
        return AUDIT_UNREADABLE;
    }
    res->status = AUDIT_INTACT;
    res->hmac_checked = key != NULL;
    const char *hm = key ? "; hmac verified"
                   : res->with_hmac ? "; hmac present but not checked (no key given)" : "";
    snprintf(res->msg, sizeof res->msg, "audit log '%s' is intact: %llu records, last seq %llu, last hash %s%s",
             audit_esc(name, en, sizeof en), (unsigned long long)res->records,
             (unsigned long long)res->last_seq, res->last_hash, hm);
    return AUDIT_INTACT;
}

audit_status audit_verify_file(const char *path, const audit_key *key, audit_verify_result *res)
{
    memset(res, 0, sizeof *res);
    memcpy(res->last_hash, zero_hash, sizeof zero_hash);
    audit_reader *r;
    ec_err err;
    if (audit_reader_open(&r, path, &err) != 0) {
        res->status = AUDIT_UNREADABLE;
        snprintf(res->msg, sizeof res->msg, "%s", err.msg);
        return AUDIT_UNREADABLE;
    }
    audit_status st = audit_verify(r, key, res);
    audit_reader_close(r);
    return st;
}
