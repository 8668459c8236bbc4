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

/* Lenient accessors for untrusted records: NULL / fallback on a type mismatch. */
const char *audit_rec_str(const json_t *obj, const char *key);
int audit_rec_int(const json_t *obj, const char *key, int64_t *out);
int audit_is_hex64(const char *s);

/* Appends the escaped target of a record (from target_b64 when present),
 * at most max raw bytes of it. */
int audit_put_target(ec_buf *b, const json_t *rec, size_t max);

/* flock(fd, op) (LOCK_EX or LOCK_SH), polling until timeout_ms has passed. */
int audit_lock_fd(int fd, int op, unsigned timeout_ms, const char *path, ec_err *err);

#endif
