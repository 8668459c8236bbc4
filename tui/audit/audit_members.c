/* Records assembled from members already in canonical form, without a JSON
 * tree: a delete intent carries megabytes of pre-images, and building,
 * copying and dumping a jansson tree of them twice cost more than all the
 * I/O. The bytes are the ones json_dumps(JSON_COMPACT | JSON_SORT_KEYS)
 * would write, so readers and verifiers see no difference. */
#include "tui/audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int valid_name(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* The caller's members: plain names (so they need no escaping and sort as
 * jansson sorts them), none reserved, none twice. */
static int check_members(const audit_member *m, size_t n, ec_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!valid_name(m[i].name) || (!m[i].gen && (!m[i].json || m[i].len == 0)))
            return ec_fail(err, EC_E_INVALID, "audit record member %zu has no valid name or value", i);
        for (const char *const *k = audit_reserved_keys; *k; k++)
            if (strcmp(m[i].name, *k) == 0)
                return ec_fail(err, EC_E_INVALID, "audit record fields hold the reserved key '%s'", *k);
        /* Between the two, a name would sit inside the pair inserted last. */
        if (strcmp(m[i].name, "hash") > 0 && strcmp(m[i].name, "hmac") < 0)
            return ec_fail(err, EC_E_INVALID, "audit record member '%s' sorts between hash and hmac", m[i].name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m[i].name, m[j].name) == 0)
                return ec_fail(err, EC_E_INVALID, "audit record member '%s' is given twice", m[i].name);
    }
    return 0;
}

/* The first pass's block: small enough to stay in cache while hashed. */
#define HASH_BLOCK ((size_t)64 << 10)

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const audit_member *)a)->name, ((const audit_member *)b)->name);
}

struct audit_sink {
    audit_hasher *h;        /* first pass: hash and measure ... */
    int fd;                 /* second pass: write to fd (>= 0) ... */
    char *blk;              /* ... through this block, either way */
    size_t blk_len, blk_cap;
    size_t len;             /* bytes emitted so far */
    size_t wrote;           /* bytes that reached the file */
    size_t kicked;          /* bytes handed to writeback early */
    int write_errno;        /* 0, or the errno of the write that failed */
    int bad;
};

/* Early writeback every this many bytes: the disk works while the rest of
 * the record is generated, and the fsync after it waits for less. */
#define WRITEBACK_STEP ((size_t)1 << 20)

/* Hands the block to the hasher (first pass) or to write() (second); a
 * failure or a short write ends the pass. Hashing whole blocks rather
 * than each small piece halves the cost of a record of pre-images. */
static int flush(audit_sink *s)
{
    if (s->blk_len == 0 || s->bad)
        return s->bad ? -1 : 0;
    if (s->h) {
        if (audit_hasher_update(s->h, s->blk, s->blk_len) != 0)
            s->bad = 1;
        s->blk_len = 0;
        return s->bad ? -1 : 0;
    }
    ssize_t n = audit_io_write(s->fd, s->blk, s->blk_len);
    if (n < 0) {
        s->write_errno = errno ? errno : EIO;
        s->bad = 1;
        return -1;
    }
    s->wrote += (size_t)n;
    if ((size_t)n != s->blk_len) {
        s->bad = 1;
        return -1;
    }
    s->blk_len = 0;
    if (s->wrote - s->kicked >= WRITEBACK_STEP) {
        /* Only a hint: the fsync that follows the record is what counts. */
        off_t end = lseek(s->fd, 0, SEEK_CUR);
        if (end >= (off_t)(s->wrote - s->kicked))
            (void)sync_file_range(s->fd, end - (off_t)(s->wrote - s->kicked), (off_t)(s->wrote - s->kicked),
                                  SYNC_FILE_RANGE_WRITE);
        s->kicked = s->wrote;
    }
    return 0;
}

int audit_sink_put(audit_sink *s, const void *p, size_t n)
{
    if (s->bad)
        return -1;
    const char *c = p;
    s->len += n;
    while (n > 0 && !s->bad) {
        size_t take = s->blk_cap - s->blk_len < n ? s->blk_cap - s->blk_len : n;
        memcpy(s->blk + s->blk_len, c, take);
        s->blk_len += take;
        c += take;
        n -= take;
        if (s->blk_len == s->blk_cap)
            flush(s);
    }
    return s->bad ? -1 : 0;
}

/* The members a[0..n) as they appear between the braces, with their
 * commas. */
static void emit(const audit_member *a, size_t n, int leading_comma, audit_sink *s)
{
    for (size_t i = 0; i < n; i++) {
        audit_sink_put(s, (i || leading_comma) ? ",\"" : "\"", (i || leading_comma) ? 2 : 1);
        audit_sink_put(s, a[i].name, strlen(a[i].name));
        audit_sink_put(s, "\":", 2);
        size_t before = s->len;
        if (a[i].gen ? a[i].gen(a[i].ud, s) != 0 : audit_sink_put(s, a[i].json, a[i].len) != 0)
            s->bad = 1;
        if (s->len == before)
            s->bad = 1;     /* an empty value is not JSON */
    }
}

void audit_members_rec_free(audit_members_rec *r)
{
    free(r->all);
    for (size_t i = 0; i < sizeof r->owned / sizeof r->owned[0]; i++)
        free(r->owned[i]);
    memset(r, 0, sizeof *r);
}

int audit_members_prepare(audit_members_rec *r, const audit_member *caller, size_t n,
                          const audit_member *reserved, size_t nr, const audit_key *key, ec_err *err)
{
    memset(r, 0, sizeof *r);
    if (check_members(caller, n, err) != 0)
        return -1;
    r->all = calloc(n + nr + 1, sizeof *r->all);
    if (!r->all)
        return ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
    memcpy(r->all, caller, n * sizeof *r->all);
    memcpy(r->all + n, reserved, nr * sizeof *r->all);
    r->total = n + nr;
    qsort(r->all, r->total, sizeof *r->all, cmp_member);
    /* The members before and after the place of "hash" and "hmac", which
     * the canonical form (what the hash covers) leaves out. Nothing sorts
     * between the two (check_members). */
    while (r->before < r->total && strcmp(r->all[r->before].name, "hash") < 0)
        r->before++;

    /* The canonical form, hashed and measured, kept nowhere. */
    audit_sink s = {.h = audit_hasher_new(key, err), .fd = -1, .blk = malloc(HASH_BLOCK), .blk_cap = HASH_BLOCK};
    if (!s.h || !s.blk) {
        if (s.h && !s.blk)
            ec_fail(err, EC_E_NOMEM, "cannot build audit record: out of memory");
        audit_hasher_free(s.h);
        free(s.blk);
        audit_members_rec_free(r);
        return -1;
    }
    audit_sink_put(&s, "{", 1);
    emit(r->all, r->before, 0, &s);
    emit(r->all + r->before, r->total - r->before, r->before > 0, &s);
    audit_sink_put(&s, "}", 1);
    flush(&s);
    free(s.blk);
    char hmac[AUDIT_HASH_HEX + 1];
    int bad = s.bad;
    if (bad)
        ec_fail(err, EC_E_INTERNAL, "cannot compute SHA-256 of audit record");
    else
        bad = audit_hasher_final(s.h, r->hash, key ? hmac : NULL, err) != 0;
    audit_hasher_free(s.h);
    if (bad) {
        audit_members_rec_free(r);
        return -1;
    }
    /* ,"hash":"<64>",,"hmac":"<64>", joined to its neighbours by commas. */
    int k = snprintf(r->ins, sizeof r->ins, "%s\"hash\":\"%s\"", r->before ? "," : "", r->hash);
    if (key)
        k += snprintf(r->ins + k, sizeof r->ins - (size_t)k, ",\"hmac\":\"%s\"", hmac);
    if (!r->before && r->total > 0)
        r->ins[k++] = ',';
    r->ins_len = (size_t)k;
    r->len = s.len + r->ins_len + 1;
    if (r->len - 1 > audit_record_max()) {
        char cap[32];
        size_t l = r->len - 1;
        audit_members_rec_free(r);
        return ec_fail(err, EC_E_NOMEM, "audit record of %zu bytes passes the %s cap: act on fewer keys at once",
                       l, audit_record_max_text(cap, sizeof cap));
    }
    return 0;
}

ssize_t audit_members_write(const audit_members_rec *r, int fd)
{
    /* Generated again, straight to the file in blocks: a record of
     * megabytes is never held whole in memory (fresh pages are what cost
     * most on a virtual machine: issue #5). The caller holds the lock, so
     * no other writer comes between the blocks. */
    size_t cap = r->len < AUDIT_WRITE_BLOCK ? r->len : AUDIT_WRITE_BLOCK;
    audit_sink s = {.fd = fd, .blk = malloc(cap), .blk_cap = cap};
    if (!s.blk) {
        errno = ENOMEM;
        return -1;
    }
    audit_sink_put(&s, "{", 1);
    emit(r->all, r->before, 0, &s);
    audit_sink_put(&s, r->ins, r->ins_len);
    emit(r->all + r->before, r->total - r->before, r->before > 0, &s);
    audit_sink_put(&s, "}\n", 2);
    flush(&s);
    free(s.blk);
    if (s.write_errno) {
        errno = s.write_errno;
        return -1;
    }
    if (s.wrote == s.len && (s.bad || s.len != r->len)) {
        /* Not a short write: the generator gave other bytes than on the
         * first pass, and the record would not match its hash. */
        errno = EIO;
        return -1;
    }
    return (ssize_t)s.wrote;
}
