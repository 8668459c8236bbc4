/* Shared between the audit files only; not part of the API. */
#ifndef BG_AUDIT_INTERNAL_H
#define BG_AUDIT_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "tui/audit/audit.h"

/* System calls that can fail in ways worth testing go through these, so the
 * hooks in audit_test.h can make them fail (SQLite's SimulateIOError). */
int audit_io_open(const char *path, int flags, mode_t mode);
int audit_io_mkdir(const char *path, mode_t mode);
ssize_t audit_io_write(int fd, const void *p, size_t n);
int audit_io_fsync(int fd);
int audit_io_ftruncate(int fd, off_t len);
/* Test overrides of the default location and of "am I root" (-1: real). */
const char *audit_io_default_path(void);
int audit_io_is_root(void);

/* The record cap: AUDIT_RECORD_MAX unless a test lowered it; and as text
 * ("256 MiB") for messages. */
size_t audit_record_max(void);
const char *audit_record_max_text(char *buf, size_t sz);

/* Escapes s (a C string from outside) into out[0..outsz), truncating; returns out. */
char *audit_esc(const char *s, char *out, size_t outsz);

/* mkdir -p of the directory part of path; created directories get 0700 and
 * their parent directory is synced. */
int audit_path_prepare_dir(const char *path, ec_err *err);
/* The directory of path (malloc'd), "." when it has none. */
char *audit_path_dir(const char *path);
/* Mount point of the file system holding dir, into out (best effort). */
void audit_path_mount_point(const char *dir, char *out, size_t outsz);
/* fsync a directory. */
int audit_path_sync_dir(const char *dir, ec_err *err);

/* The identity object of the current process (new reference, or NULL). */
json_t *audit_identity(void);

/* Canonical bytes of rec without "hash"/"hmac" (malloc'd, NUL-terminated). */
char *audit_canonical(json_t *rec, size_t *len);

/* SHA-256 (and HMAC when key != NULL) of canonical bytes s[0..len). */
int audit_canonical_hash(const char *s, size_t len, const audit_key *key, char hash_hex[AUDIT_HASH_HEX + 1],
                         char hmac_hex[AUDIT_HASH_HEX + 1], ec_err *err);

/* The same, fed in pieces. audit_hasher_new returns NULL with err set;
 * free with audit_hasher_free. */
typedef struct audit_hasher audit_hasher;
audit_hasher *audit_hasher_new(const audit_key *key, ec_err *err);
int audit_hasher_update(audit_hasher *h, const void *p, size_t n);
int audit_hasher_final(audit_hasher *h, char hash_hex[AUDIT_HASH_HEX + 1], char hmac_hex[AUDIT_HASH_HEX + 1],
                       ec_err *err);
void audit_hasher_free(audit_hasher *h);

/* Where the bytes of a generated member go: hashed and counted on a first
 * pass, written to the file on the second. */
typedef struct audit_sink audit_sink;
/* Returns 0, or -1 once hashing or writing has failed (the record is then
 * refused, or cut off again). */
int audit_sink_put(audit_sink *s, const void *p, size_t n);
/* Emits a value in canonical form; must emit the same bytes every call. */
typedef int (*audit_member_gen)(const void *ud, audit_sink *s);

/* One top-level member of a record whose value is already in canonical
 * form, i.e. exactly what json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
 * JSON_ENCODE_ANY) writes, so verifiers that parse the line and dump it
 * again get the same bytes and the same hash. Names are [a-z0-9_]. The
 * value is json[0..len), or, when gen is set, what gen(ud) emits: large
 * values are then never held twice in memory. */
typedef struct audit_member {
    const char *name;
    const char *json;
    size_t len;
    audit_member_gen gen;
    const void *ud;
    json_t *summary;    /* NULL, or a small stand-in for the syslog summary of a
                           large value (borrowed); large or generated values
                           without one are left out of it */
} audit_member;

/* audit_append for records too big to be worth a JSON tree (pre-images of
 * thousands of keys): the caller part comes as members (borrowed). Same
 * locking, chaining, fsync and roll-back as audit_append; written in blocks
 * of AUDIT_WRITE_BLOCK under the lock. */
int audit_append_members(audit_log *log, audit_kind kind, uint64_t intent_seq, const audit_member *m,
                         size_t n, audit_appended *out, ec_err *err);

/* A members record ready to be written: hashed and measured, not held. */
#define AUDIT_WRITE_BLOCK ((size_t)256 << 10)
typedef struct audit_members_rec {
    audit_member *all;          /* caller's and reserved members, sorted; owned */
    size_t total, before;       /* how many; how many sort before "hash" */
    char ins[2 * (AUDIT_HASH_HEX + 16)];   /* the hash (and hmac) members as written */
    size_t ins_len;
    size_t len;                 /* bytes of the line, '\n' included */
    char hash[AUDIT_HASH_HEX + 1];
    char *owned[8];             /* texts the members point to, freed with the rec */
} audit_members_rec;

/* Sorts the caller's members with the writer's reserved ones (v, seq,
 * time, ...; not hash and hmac, which this adds), and computes the hash
 * and length of the line. Free with audit_members_rec_free. */
int audit_members_prepare(audit_members_rec *r, const audit_member *caller, size_t n,
                          const audit_member *reserved, size_t nr, const audit_key *key, ec_err *err);
/* Writes the line to fd in blocks of AUDIT_WRITE_BLOCK through
 * audit_io_write. Returns the bytes written (r->len, or fewer after a
 * short write), or -1 with errno set. */
ssize_t audit_members_write(const audit_members_rec *r, int fd);
void audit_members_rec_free(audit_members_rec *r);

/* base64 of data[0..len) into out, which has room for (len + 2) / 3 * 4
 * bytes; no NUL is added. Returns the length written. */
size_t audit_b64_encode_to(char *out, const void *data, size_t len);


/* Lenient accessors for untrusted records: NULL / fallback on a type mismatch. */
const char *audit_rec_str(const json_t *obj, const char *key);
int audit_rec_int(const json_t *obj, const char *key, int64_t *out);
int audit_is_hex64(const char *s);

/* Appends the escaped target of a record (from target_b64 when present),
 * at most max raw bytes of it. */
int audit_put_target(ec_buf *b, const json_t *rec, size_t max);

/* flock(fd, op) (LOCK_EX or LOCK_SH), polling until timeout_ms has passed. */
int audit_lock_fd(int fd, int op, unsigned timeout_ms, const char *path, ec_err *err);

/* pread of exactly n bytes (EINTR retried; a file shorter than off+n is
 * EIO). 0, or -1 with errno. */
int audit_pread_full(int fd, void *buf, size_t n, off_t off);
/* Where the line that ends at `end` starts: just after the last '\n'
 * before end (0 when none). Returns 0; -1 with errno on a read error; 1
 * when the line is longer than any record (more than the record cap + 1). */
int audit_line_start(int fd, off_t end, off_t *start);

/* The bytes after the last newline of a log, when a writer died mid-record:
 * copied to t->saved_to ("<log>.torn-<offset>", 0600, synced), then cut off
 * the log (synced). Call with the lock held. Returns 0 when the log ends in
 * a newline (nothing done), 1 when bytes were set aside (t filled, the log
 * now ends at t->offset), -1 with err (the log is unchanged). */
typedef struct audit_torn {
    off_t offset;                       /* where the cut line started */
    uint64_t len;
    char sha256[AUDIT_HASH_HEX + 1];
    char saved_to[4096];
} audit_torn;
int audit_torn_set_aside(int fd, const char *path, const char *dir, off_t size, audit_torn *t, ec_err *err);

#endif
