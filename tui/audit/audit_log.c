/* The writer: opens the log where it may, then appends one record at a time
 * under an exclusive lock, chained to the last record, written with one
 * write() and made durable before the caller acts. */
#include "tui/audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

struct audit_log {
    pthread_mutex_t mu;         /* appends from several threads: guards the cache */
    char *path;
    char *dir;
    audit_key key;              /* key.bytes NULL: no hmac */
    int syslog;
    unsigned lock_timeout_ms;
    /* The tail as this log last wrote it: saves re-reading (and re-parsing a
     * large intent) for the result that follows, when no one wrote since. */
    int cache_valid;
    dev_t cache_dev;
    ino_t cache_ino;
    off_t cache_size;
    uint64_t cache_seq;
    char cache_hash[AUDIT_HASH_HEX + 1];
};

const char *const audit_reserved_keys[] = {
    "v", "seq", "time", "identity", "kind", "intent_seq", "prev_hash", "hash", "hmac", NULL
};

static const char zero_hash[AUDIT_HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* ---- messages ---------------------------------------------------------- */

/* One line naming the cause and the fix for an errno met while writing. */
static int fail_errno(ec_err *err, const audit_log *log, const char *what, int e)
{
    char ep[256], mp[256], ed[256];
    audit_esc(log->path, ep, sizeof ep);
    switch (e) {
    case ENOSPC:
    case EDQUOT: {
        char mount[1024];
        audit_path_mount_point(log->dir, mount, sizeof mount);
        return ec_fail(err, EC_E_IO, "cannot %s audit log '%s': %s; the file system mounted at '%s' "
                       "is full: free space there or choose an audit log on another disk (--audit-log)",
                       what, ep, strerror(e), audit_esc(mount, mp, sizeof mp));
    }
    case EIO: {
        char mount[1024];
        audit_path_mount_point(log->dir, mount, sizeof mount);
        return ec_fail(err, EC_E_IO, "cannot %s audit log '%s': %s; the disk mounted at '%s' reports "
                       "errors: check 'dmesg' and choose an audit log on another disk (--audit-log)",
                       what, ep, strerror(e), audit_esc(mount, mp, sizeof mp));
    }
    case EACCES:
    case EPERM:
        return ec_fail(err, EC_E_PERMISSION, "cannot %s audit log '%s': %s; run as root or choose "
                       "an audit log you can write (--audit-log)", what, ep, strerror(e));
    case EROFS:
        return ec_fail(err, EC_E_PERMISSION, "cannot %s audit log '%s': %s; choose an audit log on "
                       "a writable file system (--audit-log)", what, ep, strerror(e));
    case EISDIR:
        return ec_fail(err, EC_E_INVALID, "cannot %s audit log '%s': %s; the audit log must be a file",
                       what, ep, strerror(e));
    case ENOTDIR:
        return ec_fail(err, EC_E_INVALID, "cannot %s audit log '%s': %s; a part of '%s' is not a "
                       "directory", what, ep, strerror(e), audit_esc(log->dir, ed, sizeof ed));
    default:
        return ec_fail(err, EC_E_IO, "cannot %s audit log '%s': %s", what, ep, strerror(e));
    }
}

/* ---- file -------------------------------------------------------------- */

/* Opens (creating 0600 when missing) for appending and reading the tail
 * through the same descriptor, so lock, tail and append are one inode. */
static int open_log_file(const audit_log *log, int *created, ec_err *err)
{
    *created = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        int fd = audit_io_open(log->path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
                               0600);
        if (fd >= 0) {
            *created = 1;
            /* The umask may have taken bits off; 0600 exactly. */
            if (fchmod(fd, 0600) != 0) {
                int e = errno;
                close(fd);
                return fail_errno(err, log, "set mode 0600 on", e);
            }
            return fd;
        }
        if (errno != EEXIST)
            return fail_errno(err, log, "create", errno);
        fd = audit_io_open(log->path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY, 0);
        if (fd >= 0) {
            struct stat st;
            if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                char ep[256];
                return ec_fail(err, EC_E_INVALID, "cannot open audit log '%s': not a regular file",
                               audit_esc(log->path, ep, sizeof ep));
            }
            return fd;
        }
        if (errno != ENOENT)    /* ENOENT: removed meanwhile, create it again */
            return fail_errno(err, log, "open", errno);
    }
    return fail_errno(err, log, "open", ENOENT);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* flock with a bound: polls (a blocking flock cannot time out without a
 * signal, and signals belong to the program, not to this file). */
int audit_lock_fd(int fd, int op, unsigned timeout_ms, const char *path, ec_err *err)
{
    uint64_t deadline = now_ms() + timeout_ms;
    unsigned pause = 1;
    char ep[256];
    for (;;) {
        if (flock(fd, op | LOCK_NB) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            int e = errno;
            return ec_fail(err, EC_E_IO, "cannot lock audit log '%s': %s",
                           audit_esc(path, ep, sizeof ep), strerror(e));
        }
        uint64_t now = now_ms();
        if (now >= deadline)
            return ec_fail(err, EC_E_IO, "cannot lock audit log '%s': another process has held it "
                           "for over %u ms; find it with 'fuser -v %s', then retry",
                           audit_esc(path, ep, sizeof ep), timeout_ms, ep);
        unsigned left = (unsigned)(deadline - now);
        sleep_ms(pause < left ? pause : left);
        if (pause < 25)
            pause *= 2;
    }
}

static int tail_damaged(const audit_log *log, const char *why, ec_err *err)
{
    char ep[256];
    audit_esc(log->path, ep, sizeof ep);
    return ec_fail(err, EC_E_CORRUPT, "cannot append to audit log '%s': its last record %s; "
                   "run 'breakglass audit verify', move the file aside, then retry", ep, why);
}

/* Seq and hash of the last record of a file of `size` bytes (seq 0 and
 * "0"*64 when empty). Only the last line is read. */
static int read_tail(const audit_log *log, int fd, off_t size, uint64_t *seq, char hash[AUDIT_HASH_HEX + 1],
                     ec_err *err)
{
    if (size == 0) {
        *seq = 0;
        memcpy(hash, zero_hash, sizeof zero_hash);
        return 0;
    }
    char last;
    if (audit_pread_full(fd, &last, 1, size - 1) != 0)
        return fail_errno(err, log, "read", errno);
    if (last != '\n')
        return tail_damaged(log, "is incomplete (no newline at the end)", err);
    off_t start, end = size - 1;
    int r = audit_line_start(fd, end, &start);
    if (r < 0)
        return fail_errno(err, log, "read", errno);
    if (r > 0)
        return tail_damaged(log, "is longer than the record cap", err);
    size_t len = (size_t)(end - start);
    if (len > audit_record_max())
        return tail_damaged(log, "is longer than the record cap", err);
    char *line = malloc(len + 1);
    if (!line)
        return ec_fail(err, EC_E_NOMEM, "cannot read audit log tail: out of memory");
    if (audit_pread_full(fd, line, len, start) != 0) {
        int e = errno;
        free(line);
        return fail_errno(err, log, "read", e);
    }
    json_error_t jerr;
    json_t *rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    free(line);
    int64_t s = 0;
    const char *h = audit_rec_str(rec, "hash");
    if (!json_is_object(rec) || audit_rec_int(rec, "seq", &s) != 0 || s < 1 || !audit_is_hex64(h)) {
        json_decref(rec);
        return tail_damaged(log, "is not a valid record", err);
    }
    *seq = (uint64_t)s;
    memcpy(hash, h, AUDIT_HASH_HEX + 1);
    json_decref(rec);
    return 0;
}

/* ---- record ------------------------------------------------------------ */

static const char *check_value(json_t *v, int depth)
{
    if (depth > 64)
        return "is nested deeper than 64 levels";
    switch (json_typeof(v)) {
    case JSON_REAL:
        return "holds a real number (only integers keep the hashed form exact)";
    case JSON_STRING:
        return strlen(json_string_value(v)) != json_string_length(v) ? "holds a string with a NUL byte"
                                                                      : NULL;
    case JSON_ARRAY:
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *why = check_value(json_array_get(v, i), depth + 1);
            if (why)
                return why;
        }
        return NULL;
    case JSON_OBJECT: {
        const char *k;
        size_t klen;
        json_t *val;
        json_object_keylen_foreach(v, k, klen, val) {
            if (strlen(k) != klen)
                return "has a key with a NUL byte";
            const char *why = check_value(val, depth + 1);
            if (why)
                return why;
        }
        return NULL;
    }
    default:
        return NULL;
    }
}

static int check_fields(json_t *fields, ec_err *err)
{
    if (!json_is_object(fields))
        return ec_fail(err, EC_E_INVALID, "audit record fields must be a JSON object");
    for (const char *const *k = audit_reserved_keys; *k; k++)
        if (json_object_get(fields, *k))
            return ec_fail(err, EC_E_INVALID, "audit record fields hold the reserved key '%s'", *k);
    const char *why = check_value(fields, 0);
    if (why)
        return ec_fail(err, EC_E_INVALID, "audit record fields %s", why);
    return 0;
}

static json_t *time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
    return json_string(buf);
}

static const char *kind_name(audit_kind k)
{
    switch (k) {
    case AUDIT_KIND_INTENT: return "intent";
    case AUDIT_KIND_RESULT: return "result";
    case AUDIT_KIND_ACTION: return "action";
    }
    return NULL;
}

/* The whole line to write, '\n' included (malloc'd), and the record's hash. */
static char *build_line(const audit_log *log, audit_kind kind, uint64_t intent_seq, json_t *fields,
                        uint64_t seq, const char *prev_hash, size_t *len, char hash[AUDIT_HASH_HEX + 1],
                        json_t **rec_out, ec_err *err)
{
    json_t *rec = json_copy(fields);
    if (!rec) {
        ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
        return NULL;
    }
    int bad = 0;
    bad |= json_object_set_new(rec, "v", json_integer(AUDIT_FORMAT_VERSION));
    bad |= json_object_set_new(rec, "seq", json_integer((json_int_t)seq));
    bad |= json_object_set_new(rec, "time", time_now());
    bad |= json_object_set_new(rec, "identity", audit_identity());
    bad |= json_object_set_new(rec, "kind", json_string(kind_name(kind)));
    if (kind == AUDIT_KIND_RESULT)
        bad |= json_object_set_new(rec, "intent_seq", json_integer((json_int_t)intent_seq));
    bad |= json_object_set_new(rec, "prev_hash", json_string(prev_hash));
    if (bad) {
        json_decref(rec);
        ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
        return NULL;
    }
    char hmac[AUDIT_HASH_HEX + 1];
    const audit_key *key = log->key.bytes ? &log->key : NULL;
    if (audit_record_hash(rec, key, hash, hmac, err) != 0) {
        json_decref(rec);
        return NULL;
    }
    bad |= json_object_set_new(rec, "hash", json_string(hash));
    if (key)
        bad |= json_object_set_new(rec, "hmac", json_string(hmac));
    char *s = bad ? NULL : json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s) {
        json_decref(rec);
        ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
        return NULL;
    }
    size_t n = strlen(s);
    if (n > audit_record_max()) {
        char cap[32];
        free(s);
        json_decref(rec);
        ec_fail(err, EC_E_NOMEM, "audit record of %zu bytes passes the %s cap: act on fewer keys at once",
                n, audit_record_max_text(cap, sizeof cap));
        return NULL;
    }
    char *line = realloc(s, n + 2);
    if (!line) {
        free(s);
        json_decref(rec);
        ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    *len = n + 1;
    *rec_out = rec;
    return line;
}

/* The record as syslog_record needs it, without parsing megabytes: the
 * reserved values, the small members, stand-ins for the large ones. */
static json_t *summary_record(const audit_member *m, size_t n, const char *const *names, json_t *const *vals,
                              size_t nr)
{
    json_t *rec = json_object();
    if (!rec)
        return NULL;
    for (size_t i = 0; i < nr; i++)
        json_object_set(rec, names[i], vals[i]);
    for (size_t i = 0; i < n; i++) {
        if (m[i].summary)
            json_object_set(rec, m[i].name, m[i].summary);
        else if (!m[i].gen && m[i].len <= 4096)
            json_object_set_new(rec, m[i].name, json_loadb(m[i].json, m[i].len, JSON_DECODE_ANY, NULL));
    }
    return rec;
}

/* A record from members: the reserved ones are made here, each as the
 * canonical JSON of its value, and the whole is hashed and measured. */
static int prepare_members(const audit_log *log, audit_kind kind, uint64_t intent_seq, const audit_member *m,
                           size_t n, uint64_t seq, const char *prev_hash, audit_members_rec *mr,
                           json_t **rec_out, ec_err *err)
{
    json_t *vals[7] = {
        json_integer(AUDIT_FORMAT_VERSION), json_integer((json_int_t)seq), time_now(), audit_identity(),
        json_string(kind_name(kind)), json_string(prev_hash),
        kind == AUDIT_KIND_RESULT ? json_integer((json_int_t)intent_seq) : NULL,
    };
    static const char *const names[7] = {"v", "seq", "time", "identity", "kind", "prev_hash", "intent_seq"};
    size_t nr = kind == AUDIT_KIND_RESULT ? 7 : 6;
    audit_member res[7];
    char *dumped[7] = {0};
    int bad = 0;
    for (size_t i = 0; i < nr; i++) {
        dumped[i] = vals[i] ? json_dumps(vals[i], JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
        bad |= !dumped[i];
        res[i] = (audit_member){.name = names[i], .json = dumped[i], .len = dumped[i] ? strlen(dumped[i]) : 0};
    }
    int rc = -1;
    if (bad)
        ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
    else
        rc = audit_members_prepare(mr, m, n, res, nr, log->key.bytes ? &log->key : NULL, err);
    if (rc == 0 && log->syslog)
        *rec_out = summary_record(m, n, names, vals, nr);
    /* The reserved members point into dumped[]: it lives as long as mr. */
    for (size_t i = 0; i < 7; i++)
        json_decref(vals[i]);
    if (rc == 0) {
        memcpy(mr->owned, dumped, sizeof dumped);
    } else {
        for (size_t i = 0; i < 7; i++)
            free(dumped[i]);
    }
    return rc;
}

static void open_syslog(void)
{
    openlog("breakglass", LOG_PID, LOG_AUTHPRIV);
}

static void syslog_record(const json_t *rec)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    char *line = audit_summary_line(rec);
    if (!line)
        return;
    pthread_once(&once, open_syslog);
    syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", line);
    free(line);
}

/* Cuts a failed append off again; says so in the message if it cannot. */
static void roll_back(int fd, off_t size, ec_err *err)
{
    if (audit_io_ftruncate(fd, size) == 0) {
        (void)audit_io_fsync(fd);
        return;
    }
    int e = errno;
    if (err) {
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used,
                 "; and the partial record could not be cut off (%s): move the log aside", strerror(e));
    }
}

/* What a record is made of: a JSON object, or members in canonical form. */
typedef struct record_src {
    json_t *fields;
    const audit_member *m;
    size_t n;
} record_src;

static int append_locked(audit_log *log, audit_kind kind, uint64_t intent_seq, const record_src *src,
                         audit_appended *out, ec_err *err);

int audit_append(audit_log *log, audit_kind kind, uint64_t intent_seq, json_t *fields,
                 audit_appended *out, ec_err *err)
{
    if (!log)
        return ec_fail(err, EC_E_INVALID, "audit_append: no log");
    record_src src = {fields, NULL, 0};
    pthread_mutex_lock(&log->mu);
    int rc = append_locked(log, kind, intent_seq, &src, out, err);
    pthread_mutex_unlock(&log->mu);
    return rc;
}

int audit_append_members(audit_log *log, audit_kind kind, uint64_t intent_seq, const audit_member *m,
                         size_t n, audit_appended *out, ec_err *err)
{
    if (!log)
        return ec_fail(err, EC_E_INVALID, "audit_append: no log");
    record_src src = {NULL, m, n};
    pthread_mutex_lock(&log->mu);
    int rc = append_locked(log, kind, intent_seq, &src, out, err);
    pthread_mutex_unlock(&log->mu);
    return rc;
}

/* The record of a cut line set aside: where it was, its size and SHA-256,
 * and the file that now holds it. Appended and synced on its own. */
static int record_torn(audit_log *log, int fd, const audit_torn *t, off_t *size, uint64_t *last_seq,
                       char prev_hash[AUDIT_HASH_HEX + 1], ec_err *err)
{
    json_t *f = json_pack("{s:s,s:{s:I,s:I,s:s,s:s}}", "action", "set-aside-cut-record", "cut", "offset",
                          (json_int_t)t->offset, "bytes", (json_int_t)t->len, "sha256", t->sha256, "saved_to",
                          t->saved_to);
    if (!f)
        return ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
    size_t len;
    char hash[AUDIT_HASH_HEX + 1];
    json_t *rec = NULL;
    char *line = build_line(log, AUDIT_KIND_ACTION, 0, f, *last_seq + 1, prev_hash, &len, hash, &rec, err);
    json_decref(f);
    if (!line)
        return -1;
    int rc = 0;
    ssize_t n = audit_io_write(fd, line, len);
    if (n != (ssize_t)len || audit_io_fsync(fd) != 0) {
        rc = fail_errno(err, log, n != (ssize_t)len ? "write" : "flush", n < 0 || n == (ssize_t)len ? errno : EIO);
        roll_back(fd, *size, err);
    } else {
        *size += (off_t)len;
        *last_seq += 1;
        memcpy(prev_hash, hash, AUDIT_HASH_HEX + 1);
        if (log->syslog)
            syslog_record(rec);
    }
    free(line);
    json_decref(rec);
    return rc;
}

static int append_locked(audit_log *log, audit_kind kind, uint64_t intent_seq, const record_src *src,
                         audit_appended *out, ec_err *err)
{
    if (!kind_name(kind))
        return ec_fail(err, EC_E_INVALID, "audit_append: unknown record kind");
    if ((kind == AUDIT_KIND_RESULT) != (intent_seq != 0))
        return ec_fail(err, EC_E_INVALID, "audit_append: a result record needs its intent seq, "
                       "other records none");
    if (src->fields && check_fields(src->fields, err) != 0)
        return -1;
    int created;
    int fd = open_log_file(log, &created, err);
    if (fd < 0)
        return -1;
    int rc = -1;
    char *line = NULL;
    json_t *rec = NULL;
    audit_members_rec mr = {0};
    if (audit_lock_fd(fd, LOCK_EX, log->lock_timeout_ms, log->path, err) != 0)
        goto done;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fail_errno(err, log, "stat", errno);
        goto done;
    }
    uint64_t last_seq = 0;
    char prev_hash[AUDIT_HASH_HEX + 1];
    if (log->cache_valid && st.st_dev == log->cache_dev && st.st_ino == log->cache_ino &&
        st.st_size == log->cache_size) {
        last_seq = log->cache_seq;
        memcpy(prev_hash, log->cache_hash, sizeof prev_hash);
    } else {
        /* A line cut by a writer that died is set aside, and said so in the
         * chain, before anything else is appended (audit_torn.c). */
        audit_torn torn;
        int tr = audit_torn_set_aside(fd, log->path, log->dir, st.st_size, &torn, err);
        if (tr < 0)
            goto done;
        if (tr > 0)
            st.st_size = torn.offset;
        if (read_tail(log, fd, st.st_size, &last_seq, prev_hash, err) != 0)
            goto done;
        if (tr > 0 && record_torn(log, fd, &torn, &st.st_size, &last_seq, prev_hash, err) != 0)
            goto done;
    }
    if (kind == AUDIT_KIND_RESULT && intent_seq > last_seq) {
        ec_fail(err, EC_E_INVALID, "audit_append: intent seq %llu is not in the log (last seq %llu)",
                (unsigned long long)intent_seq, (unsigned long long)last_seq);
        goto done;
    }
    size_t len = 0;
    char hash[AUDIT_HASH_HEX + 1];
    ssize_t n;
    if (src->fields) {
        line = build_line(log, kind, intent_seq, src->fields, last_seq + 1, prev_hash, &len, hash, &rec, err);
        if (!line)
            goto done;
        /* One write(): a record is never split by another writer, and a
         * failure leaves at most one partial line, which is cut off again. */
        n = audit_io_write(fd, line, len);
    } else {
        if (prepare_members(log, kind, intent_seq, src->m, src->n, last_seq + 1, prev_hash, &mr, &rec, err) != 0)
            goto done;
        len = mr.len;
        memcpy(hash, mr.hash, sizeof hash);
        n = audit_members_write(&mr, fd);
    }
    if (n != (ssize_t)len) {
        if (n < 0) {
            fail_errno(err, log, "write", errno);
        } else {
            char ep[256], mp[256], mount[1024];
            audit_path_mount_point(log->dir, mount, sizeof mount);
            ec_fail(err, EC_E_IO, "cannot write audit log '%s': wrote only %zd of %zu bytes, the file "
                    "system mounted at '%s' may be full: free space there or choose an audit log on "
                    "another disk (--audit-log)", audit_esc(log->path, ep, sizeof ep), n, len,
                    audit_esc(mount, mp, sizeof mp));
        }
        roll_back(fd, st.st_size, err);
        goto done;
    }
    if (audit_io_fsync(fd) != 0) {
        fail_errno(err, log, "flush", errno);
        /* After a failed fsync nothing is known of the record: it must not
         * stay as a claim of an intent the caller will now not act on. */
        roll_back(fd, st.st_size, err);
        goto done;
    }
    if (created && audit_path_sync_dir(log->dir, err) != 0) {
        roll_back(fd, st.st_size, err);
        goto done;
    }
    log->cache_valid = 1;
    log->cache_dev = st.st_dev;
    log->cache_ino = st.st_ino;
    log->cache_size = st.st_size + (off_t)len;
    log->cache_seq = last_seq + 1;
    memcpy(log->cache_hash, hash, sizeof hash);
    if (out) {
        out->seq = last_seq + 1;
        memcpy(out->hash, hash, sizeof hash);
    }
    if (log->syslog && rec)
        syslog_record(rec);
    rc = 0;
done:
    if (rc != 0)
        log->cache_valid = 0;
    free(line);
    audit_members_rec_free(&mr);
    json_decref(rec);
    close(fd);          /* releases the lock */
    return rc;
}

/* ---- open -------------------------------------------------------------- */

static int add_notice(char **notice, const char *text)
{
    if (!notice)
        return 0;
    size_t old = *notice ? strlen(*notice) : 0, n = strlen(text);
    char *p = realloc(*notice, old + n + 2);
    if (!p)
        return -1;
    if (old)
        p[old++] = '\n';
    memcpy(p + old, text, n + 1);
    *notice = p;
    return 0;
}

/* Makes sure the log at log->path can be created and written now, so a
 * problem shows when the console starts, not in the middle of an incident. */
static int prepare(audit_log *log, char **notice, ec_err *err)
{
    free(log->dir);
    log->dir = audit_path_dir(log->path);
    if (!log->dir)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    if (audit_path_prepare_dir(log->path, err) != 0)
        return -1;
    int created;
    int fd = open_log_file(log, &created, err);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && !created && (st.st_mode & 077)) {
        char ep[256], text[700];
        audit_esc(log->path, ep, sizeof ep);
        snprintf(text, sizeof text, "audit log '%s' is readable or writable by group or others "
                 "(mode %04o): it holds deleted values; run 'chmod 600 %s'", ep,
                 (unsigned)(st.st_mode & 07777), ep);
        add_notice(notice, text);
    }
    char last;
    if (!created && st.st_size > 0 && audit_pread_full(fd, &last, 1, st.st_size - 1) == 0 && last != '\n') {
        /* Said before the change, so the operator knows why the log grows
         * a record and a file (see audit_torn.c). */
        char ep[256], text[700];
        audit_esc(log->path, ep, sizeof ep);
        snprintf(text, sizeof text, "audit log '%s' ends in a line cut mid-record (a writer was killed): the "
                 "next change moves it to '%s.torn-...' and records that in the log", ep, ep);
        add_notice(notice, text);
    }
    close(fd);
    if (created && audit_path_sync_dir(log->dir, err) != 0)
        return -1;
    return 0;
}

static char *fallback_path(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    char *p = NULL;
    /* The XDG spec says relative values are to be ignored. */
    if (xdg && xdg[0] == '/') {
        if (asprintf(&p, "%s/breakglass/audit.log", xdg) < 0)
            return NULL;
        return p;
    }
    const char *home = getenv("HOME");
    struct passwd pw, *res = NULL;
    char buf[4096];
    if ((!home || home[0] != '/') && getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res)
        home = res->pw_dir;
    if (!home || home[0] != '/')
        return NULL;
    if (asprintf(&p, "%s/.local/state/breakglass/audit.log", home) < 0)
        return NULL;
    return p;
}

int audit_open(audit_log **out, const audit_options *opt, char **notice, ec_err *err)
{
    static const audit_options defaults = { 0 };
    ec_err local;
    if (!err)
        err = &local;
    *out = NULL;
    if (notice)
        *notice = NULL;
    if (!opt)
        opt = &defaults;
    audit_log *log = calloc(1, sizeof *log);
    if (!log)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    pthread_mutex_init(&log->mu, NULL);
    log->syslog = opt->syslog;
    log->lock_timeout_ms = opt->lock_timeout_ms ? opt->lock_timeout_ms : AUDIT_LOCK_TIMEOUT_MS;
    if (opt->hmac_key_path && audit_key_load(&log->key, opt->hmac_key_path, err) != 0)
        goto fail;
    log->path = strdup(opt->path ? opt->path : audit_io_default_path());
    if (!log->path) {
        ec_fail(err, EC_E_NOMEM, "out of memory");
        goto fail;
    }
    if (prepare(log, notice, err) == 0) {
        *out = log;
        return 0;
    }
    if (opt->path || audit_io_is_root())
        goto fail;
    /* Not root and the system location is closed: keep a record anyway, in
     * the user's own state directory, and say so. */
    ec_err first = *err;
    char *alt = fallback_path();
    if (!alt) {
        ec_wrap(err, "and no home directory to fall back to");
        goto fail;
    }
    free(log->path);
    log->path = alt;
    if (prepare(log, notice, err) != 0)
        goto fail;
    char ea[256], text[1100];
    snprintf(text, sizeof text, "audit log not at the default place (%s): recording to '%s' instead",
             first.msg, audit_esc(alt, ea, sizeof ea));
    add_notice(notice, text);
    *out = log;
    return 0;
fail:
    if (notice) {
        free(*notice);
        *notice = NULL;
    }
    audit_close(log);
    return -1;
}

const char *audit_log_path(const audit_log *log)
{
    return log ? log->path : NULL;
}

void audit_close(audit_log *log)
{
    if (!log)
        return;
    audit_key_free(&log->key);
    pthread_mutex_destroy(&log->mu);
    free(log->path);
    free(log->dir);
    free(log);
}
