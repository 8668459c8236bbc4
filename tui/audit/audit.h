/* The tamper-evident, append-only audit log: every change breakglass makes to
 * etcd is recorded here first, with the values it removes, so any removal can
 * be undone. One JSON object per line, chained by SHA-256 (and an HMAC when a
 * key file is configured). See docs/audit.md for the format and guarantees.
 *
 * Local logic only: no network, no screen. Errors are values (ec_err) with a
 * one-line message naming the cause and the fix. Nothing here prints, except
 * audit_show() into the FILE the caller gives, and syslog when enabled. */
#ifndef BG_AUDIT_H
#define BG_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "etcdclient/error.h"
#include "etcdclient/util/buf.h"

#define AUDIT_DEFAULT_PATH "/var/log/breakglass/audit.log"
#define AUDIT_LOCK_TIMEOUT_MS 5000u
/* Longest record (one line, without its '\n') written or read: pre-images of
 * thousands of keys are large, but a bound keeps a hostile file from eating
 * the machine. Bigger deletes must be split into several intents. */
#define AUDIT_RECORD_MAX ((size_t)256 << 20)
#define AUDIT_FORMAT_VERSION 1
#define AUDIT_HASH_HEX 64       /* SHA-256 and HMAC-SHA256, lowercase hex */
#define AUDIT_KEY_MIN 16        /* HMAC key bytes */
#define AUDIT_KEY_MAX 4096

/* ---- HMAC key ---------------------------------------------------------- */

typedef struct audit_key {
    uint8_t *bytes;     /* owned; wiped and freed by audit_key_free */
    size_t len;
} audit_key;

/* Loads a key file: its bytes, less one trailing "\n" or "\r\n", 16..4096
 * bytes. Refused when the file is not a regular file or is readable or
 * writable by group or others. Free with audit_key_free. */
int audit_key_load(audit_key *key, const char *path, ec_err *err);
/* Key from bytes (copied), same length rules. */
int audit_key_set(audit_key *key, const void *bytes, size_t len, ec_err *err);
void audit_key_free(audit_key *key);

/* ---- Writing ----------------------------------------------------------- */

typedef struct audit_options {
    const char *path;           /* explicit log file (flag/config); NULL: the default
                                   location, with the per-user fallback */
    const char *hmac_key_path;  /* NULL: records carry no hmac */
    int syslog;                 /* nonzero: one summary line per record to syslog */
    unsigned lock_timeout_ms;   /* 0: AUDIT_LOCK_TIMEOUT_MS */
} audit_options;

typedef struct audit_log audit_log;

typedef enum audit_kind {
    AUDIT_KIND_INTENT,          /* before a change: the plan and the pre-images */
    AUDIT_KIND_RESULT,          /* after it: what happened (refers to its intent) */
    AUDIT_KIND_ACTION           /* a change recorded once, before it is made */
} audit_kind;

/* Resolves the location, creates the directory (0700) and the file (0600)
 * if missing, syncs the directory of a new file, loads the HMAC key. Only
 * when opt->path is NULL, the process is not root and the default location
 * is not writable, falls back to $XDG_STATE_HOME/breakglass/audit.log
 * (default ~/.local/state/...). *notice (may be NULL) receives NULL or a
 * malloc'd text, one line per notice joined by '\n', that the caller should
 * show (the fallback, a group/world-readable log file); caller frees it.
 * audit_close frees *out. */
int audit_open(audit_log **out, const audit_options *opt, char **notice, ec_err *err);
/* One audit_log may be shared by threads (appends are serialized); several
 * processes may append to one file (appends are serialized by flock). */
/* The file the log writes to (owned by log). */
const char *audit_log_path(const audit_log *log);
void audit_close(audit_log *log);

typedef struct audit_appended {
    uint64_t seq;
    char hash[AUDIT_HASH_HEX + 1];
} audit_appended;

/* Keys of a record that the audit layer owns; `fields` must not hold them. */
extern const char *const audit_reserved_keys[];

/* Appends one record and makes it durable (fsync) before returning 0.
 * fields: the caller's part (cluster_id, member, endpoint, action, target,
 * plan, preimages, result, ...), borrowed and not modified; it must not
 * contain reserved keys, real numbers or strings with NUL bytes.
 * intent_seq: for AUDIT_KIND_RESULT the seq of its intent, otherwise 0.
 * On any failure nothing is left in the file and -1 is returned with a
 * one-line message; the caller must then not act. out may be NULL. */
int audit_append(audit_log *log, audit_kind kind, uint64_t intent_seq, json_t *fields,
                 audit_appended *out, ec_err *err);

/* ---- Building delete records ------------------------------------------ */

typedef struct audit_context {
    const char *action;         /* "delete-prefix", "delete-key", "compact", ... (required) */
    const char *cluster_id;     /* NULL: omitted */
    const char *member;
    const char *endpoint;
    const uint8_t *target;      /* key or prefix bytes acted on; NULL: omitted */
    size_t target_len;
} audit_context;

typedef struct audit_kv {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value;
    size_t value_len;
    int64_t create_revision, mod_revision, version, lease;
} audit_kv;

typedef struct audit_skip {
    const uint8_t *key;         /* a key of the plan known NOT deleted */
    size_t key_len;
    const char *reason;         /* "changed", "absent", "not-attempted", ... */
} audit_skip;

/* The caller part of an intent record for deleting kvs[0..n), read at
 * plan_revision: context, plan {revision, count, bytes, keys[{key_b64,
 * mod_revision}]} and preimages[{key_b64, value_b64, create_revision,
 * mod_revision, version, lease}]. Returns a new reference (caller
 * json_decref's it) or NULL with err set (too big for one record, memory). */
json_t *audit_build_delete_intent(const audit_context *ctx, int64_t plan_revision,
                                  const audit_kv *kvs, size_t n, ec_err *err);
/* Appends the intent record audit_build_delete_intent describes, with the
 * same content and the same bytes, written straight from kvs without a JSON
 * tree (ten thousand pre-images cost a tree more than the disk). Same
 * guarantees as audit_append: durable on 0, nothing left on -1. */
int audit_append_delete_intent(audit_log *log, const audit_context *ctx, int64_t plan_revision,
                               const audit_kv *kvs, size_t n, audit_appended *out, ec_err *err);
/* The caller part of a result record: context and result {revision, deleted,
 * skipped[{key_b64, reason}], error (string or null)}. skipped lists the
 * keys known not deleted; a key whose outcome is unknown (an error mid-way)
 * must not be listed, so a restore puts it back (guarded). */
json_t *audit_build_delete_result(const audit_context *ctx, int64_t revision, int64_t deleted,
                                  const audit_skip *skipped, size_t nskipped,
                                  const char *error, ec_err *err);

/* ---- Reading ----------------------------------------------------------- */

typedef struct audit_reader audit_reader;

typedef struct audit_entry {
    uint64_t lineno;            /* 1-based */
    uint64_t offset;            /* byte offset of the line's first byte */
    const char *line;           /* the line without '\n' (NUL-terminated copy; may hold
                                   NULs); NULL when too_long */
    size_t len;                 /* its length in bytes (full length even when too long) */
    int complete;               /* the line ended with '\n' */
    int too_long;               /* the line passed AUDIT_RECORD_MAX */
    json_t *rec;                /* the line parsed as a JSON object, or NULL */
    char error[200];            /* why rec is NULL (escaped, printable) */
} audit_entry;

/* Opens a log file for reading. Under a shared lock (same timeout as
 * writers) it notes the file size, then reads only that far, so a record
 * being appended meanwhile is never seen half-written. */
int audit_reader_open(audit_reader **out, const char *path, ec_err *err);
/* Reads a log held in memory (borrowed: must outlive the reader). */
int audit_reader_open_mem(audit_reader **out, const void *data, size_t len, ec_err *err);
/* 1 and *e (valid until the next call; owned by the reader), 0 at the end,
 * -1 on a read error. */
int audit_reader_next(audit_reader *r, const audit_entry **e, ec_err *err);
int audit_reader_rewind(audit_reader *r, ec_err *err);
/* Where the reader reads from, for messages ("<memory>" for a buffer). */
const char *audit_reader_name(const audit_reader *r);
void audit_reader_close(audit_reader *r);

/* ---- Verifying --------------------------------------------------------- */

typedef enum audit_status {
    AUDIT_INTACT = 0,
    AUDIT_DAMAGED = 1,
    AUDIT_UNREADABLE = 2
} audit_status;

typedef enum audit_damage {
    AUDIT_DMG_NONE = 0,
    AUDIT_DMG_UNPARSABLE,       /* line is not a JSON object */
    AUDIT_DMG_TOO_LONG,         /* line passes AUDIT_RECORD_MAX */
    AUDIT_DMG_MALFORMED,        /* a required field is missing or of the wrong type */
    AUDIT_DMG_EDITED,           /* hash does not match the record's content */
    AUDIT_DMG_HMAC,             /* hmac missing or wrong (only checked with a key) */
    AUDIT_DMG_REMOVED,          /* seq gap: records missing */
    AUDIT_DMG_REORDERED,        /* seq out of order, repeated or going back */
    AUDIT_DMG_CHAIN,            /* prev_hash is not the previous record's hash */
    AUDIT_DMG_TRUNCATED         /* last line has no '\n' */
} audit_damage;

typedef struct audit_verify_result {
    audit_status status;
    uint64_t records;           /* good records (before the first bad one) */
    uint64_t last_seq;          /* of the last good record, 0 if none */
    char last_hash[AUDIT_HASH_HEX + 1];   /* "0"*64 if none */
    uint64_t with_hmac;         /* good records that carry an hmac */
    int hmac_checked;           /* a key was given and every good record matched */
    audit_damage damage;
    uint64_t bad_line;          /* first bad record: its line (0 if none) */
    uint64_t bad_seq;           /* ... and its seq (0 when unknown) */
    char msg[512];              /* one line: the verdict */
} audit_verify_result;

/* Walks the chain from the start of r and stops at the first bad record.
 * key: NULL to skip HMAC checks; with a key every record must carry a
 * matching hmac. Returns res->status. */
audit_status audit_verify(audit_reader *r, const audit_key *key, audit_verify_result *res);
/* Same on a file; unreadable when it cannot be opened or read. */
audit_status audit_verify_file(const char *path, const audit_key *key, audit_verify_result *res);
/* Stable short name of a damage kind ("edited", "removed", ...). */
const char *audit_damage_name(audit_damage d);

/* Recomputes a record's hash (and hmac when key != NULL): SHA-256 over the
 * canonical form of rec without "hash" and "hmac", i.e. json_dumps(...,
 * JSON_COMPACT | JSON_SORT_KEYS). hmac_hex may be NULL. */
int audit_record_hash(json_t *rec, const audit_key *key, char hash_hex[AUDIT_HASH_HEX + 1],
                      char hmac_hex[AUDIT_HASH_HEX + 1], ec_err *err);

/* ---- Showing ----------------------------------------------------------- */

typedef enum audit_format {
    AUDIT_FMT_TEXT,             /* a few escaped lines per record */
    AUDIT_FMT_JSON,             /* one JSON array of the records */
    AUDIT_FMT_JSONL             /* the records as JSON lines */
} audit_format;

typedef struct audit_show_opts {
    audit_format format;
    uint64_t from_seq, to_seq;  /* inclusive; 0: unbounded */
} audit_show_opts;

/* Writes the selected records to out. Lines that are not records are noted
 * in text form (when no range is given) and left out of JSON forms. Returns
 * the number of records shown, or -1 (out of memory, read or write error). */
long audit_show(audit_reader *r, const audit_show_opts *o, FILE *out, ec_err *err);
/* Appends the text rendering of one record (escaped, ends with '\n'). */
int audit_show_record(ec_buf *out, const json_t *rec);
/* The one-line, escaped, value-free summary sent to syslog. Caller frees. */
char *audit_summary_line(const json_t *rec);

/* ---- Restoring --------------------------------------------------------- */

typedef struct audit_preimage {
    uint8_t *key;               /* owned by the plan; NUL-terminated copy */
    size_t key_len;
    uint8_t *value;             /* owned by the plan; NUL-terminated copy */
    size_t value_len;
    int64_t create_revision, mod_revision, version, lease;
} audit_preimage;

typedef struct audit_restore_plan {
    uint64_t intent_seq;
    uint64_t result_seq;        /* 0: no result record (killed mid-operation?) */
    char *action;               /* escaped, printable; owned */
    char *target;               /* escaped, printable; owned; "" when none */
    int64_t plan_revision;
    int64_t result_revision;    /* -1 without a result */
    int64_t result_deleted;     /* -1 without a result */
    int result_error;           /* the result record reports an error */
    int log_damaged;            /* the log is damaged after the records used */
    size_t skipped;             /* pre-images left out: the result says not deleted */
    audit_preimage *items;      /* what to put back, in plan order; owned */
    size_t n;
} audit_restore_plan;

/* The pre-images to put back for the operation whose intent or result has
 * this seq: those of the intent minus the keys its result lists as skipped,
 * or all of them when there is no result. The caller puts each back guarded
 * by create_revision == 0, so nothing newer is overwritten.
 * The log is verified first (key as for audit_verify); records after the
 * first damage are not trusted and not used unless allow_damaged.
 * Free with audit_restore_plan_free. */
int audit_restore_plan_build(audit_reader *r, uint64_t seq, const audit_key *key,
                             int allow_damaged, audit_restore_plan *plan, ec_err *err);
void audit_restore_plan_free(audit_restore_plan *plan);

/* ---- base64 (RFC 4648, with padding) ----------------------------------- */

/* Caller frees; NULL when out of memory. */
char *audit_b64_encode(const void *data, size_t len);
/* Strict: only the standard alphabet, length a multiple of 4, '=' only at
 * the end, unused bits zero (so each byte string has one encoding). *out is
 * malloc'd (caller frees) and NUL-terminated; returns 0, or -1 when s is
 * not valid base64 or memory ran out. */
int audit_b64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen);

#endif
