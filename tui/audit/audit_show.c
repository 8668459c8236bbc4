/* Human and JSON renderings of records. Every string of a record is
 * untrusted: it reaches the terminal or syslog only through ec_escape. */
#include "tui/audit/audit_internal.h"

#include <stdlib.h>
#include <string.h>

#include "etcdclient/util/escape.h"

/* Escaped s, at most max raw bytes of it ("..." marks a cut); "-" for NULL. */
static int put_esc(ec_buf *b, const char *s, size_t max)
{
    if (!s)
        return ec_buf_putc(b, '-');
    size_t n = strlen(s);
    int cut = n > max;
    if (ec_escape_append(b, (const uint8_t *)s, cut ? max : n) != 0)
        return -1;
    return cut ? ec_buf_puts(b, "...") : 0;
}

int audit_put_target(ec_buf *b, const json_t *rec, size_t max)
{
    /* target_b64 holds the exact bytes; target may already be an escaped
     * rendering of them, which must not be escaped twice. */
    const char *tb = audit_rec_str(rec, "target_b64");
    uint8_t *raw;
    size_t n;
    if (tb && audit_b64_decode(tb, strlen(tb), &raw, &n) == 0) {
        int cut = n > max;
        int rc = ec_escape_append(b, raw, cut ? max : n);
        free(raw);
        if (rc == 0 && cut)
            rc = ec_buf_puts(b, "...");
        return rc;
    }
    return put_esc(b, audit_rec_str(rec, "target"), max);
}

static const char *str_at(const json_t *obj, const char *key)
{
    return audit_rec_str(obj, key);
}

/* Number of pre-images or keys an intent announces. */
static int64_t intent_count(const json_t *rec)
{
    int64_t n;
    json_t *plan = json_object_get(rec, "plan");
    if (audit_rec_int(plan, "count", &n) == 0)
        return n;
    json_t *pre = json_object_get(rec, "preimages");
    if (json_is_array(pre))
        return (int64_t)json_array_size(pre);
    return -1;
}

/* The client address and port of SSH_CONNECTION ("ip port ip port"). */
static int put_ssh_from(ec_buf *b, const char *ssh)
{
    const char *sp = strchr(ssh, ' ');
    if (!sp)
        return put_esc(b, ssh, 64);
    const char *sp2 = strchr(sp + 1, ' ');
    size_t iplen = (size_t)(sp - ssh);
    size_t portlen = sp2 ? (size_t)(sp2 - sp - 1) : strlen(sp + 1);
    if (iplen > 64)
        iplen = 64;
    if (portlen > 8)
        portlen = 8;
    if (ec_escape_append(b, (const uint8_t *)ssh, iplen) != 0 || ec_buf_puts(b, " port ") != 0)
        return -1;
    return ec_escape_append(b, (const uint8_t *)sp + 1, portlen);
}

static int put_int(ec_buf *b, const char *label, const json_t *obj, const char *key)
{
    int64_t v;
    if (audit_rec_int(obj, key, &v) == 0)
        return ec_buf_printf(b, "%s%lld", label, (long long)v);
    return ec_buf_printf(b, "%s-", label);
}

int audit_show_record(ec_buf *b, const json_t *rec)
{
    int64_t seq = 0, iseq;
    const char *kind = str_at(rec, "kind");
    json_t *id = json_object_get(rec, "identity");
    int rc = 0;
    audit_rec_int(rec, "seq", &seq);
    rc |= ec_buf_printf(b, "#%lld  ", (long long)seq);
    rc |= put_esc(b, str_at(rec, "time"), 40);
    rc |= ec_buf_puts(b, "  ");
    rc |= put_esc(b, kind, 16);
    rc |= ec_buf_puts(b, "  ");
    rc |= put_esc(b, str_at(rec, "action"), 64);
    if (kind && !strcmp(kind, "result") && audit_rec_int(rec, "intent_seq", &iseq) == 0)
        rc |= ec_buf_printf(b, "  (result of #%lld)", (long long)iseq);
    rc |= ec_buf_puts(b, "\n    by ");
    rc |= put_esc(b, str_at(id, "user"), 64);
    rc |= ec_buf_putc(b, '@');
    rc |= put_esc(b, str_at(id, "hostname"), 128);
    if (str_at(id, "sudo_user")) {
        rc |= ec_buf_puts(b, " (sudo from ");
        rc |= put_esc(b, str_at(id, "sudo_user"), 64);
        rc |= ec_buf_putc(b, ')');
    }
    if (str_at(id, "ssh_connection")) {
        rc |= ec_buf_puts(b, " via ssh from ");
        rc |= put_ssh_from(b, str_at(id, "ssh_connection"));
    } else {
        rc |= ec_buf_puts(b, " locally");
    }
    if (str_at(id, "tty")) {
        rc |= ec_buf_puts(b, ", tty ");
        rc |= put_esc(b, str_at(id, "tty"), 64);
    }
    rc |= put_int(b, ", pid ", id, "pid");
    if (str_at(rec, "cluster_id") || str_at(rec, "member") || str_at(rec, "endpoint")) {
        rc |= ec_buf_puts(b, "\n    cluster ");
        rc |= put_esc(b, str_at(rec, "cluster_id"), 64);
        rc |= ec_buf_puts(b, "  member ");
        rc |= put_esc(b, str_at(rec, "member"), 64);
        rc |= ec_buf_puts(b, "  endpoint ");
        rc |= put_esc(b, str_at(rec, "endpoint"), 128);
    }
    json_t *cut = json_object_get(rec, "cut");
    if (json_is_object(cut)) {
        /* A line cut by a writer that died, moved out of the log. */
        rc |= put_int(b, "\n    a cut last line of ", cut, "bytes");
        rc |= put_int(b, " bytes at offset ", cut, "offset");
        rc |= ec_buf_puts(b, " (a writer stopped mid-record, before acting on it)\n    set aside in '");
        rc |= put_esc(b, str_at(cut, "saved_to"), 300);
        rc |= ec_buf_puts(b, "', sha256 ");
        rc |= put_esc(b, str_at(cut, "sha256"), 64);
    } else {
        rc |= ec_buf_puts(b, "\n    target '");
        rc |= audit_put_target(b, rec, 200);
        rc |= ec_buf_putc(b, '\'');
    }
    json_t *plan = json_object_get(rec, "plan");
    if (json_is_object(plan)) {
        rc |= put_int(b, "  plan at revision ", plan, "revision");
        rc |= ec_buf_printf(b, ": %lld keys", (long long)intent_count(rec));
        rc |= put_int(b, ", ", plan, "bytes");
        rc |= ec_buf_puts(b, " bytes");
    }
    json_t *res = json_object_get(rec, "result");
    if (json_is_object(res)) {
        json_t *skipped = json_object_get(res, "skipped");
        rc |= put_int(b, "\n    result: revision ", res, "revision");
        rc |= put_int(b, ", deleted ", res, "deleted");
        rc |= ec_buf_printf(b, ", skipped %zu", json_array_size(skipped));
        const char *error = str_at(res, "error");
        if (error) {
            rc |= ec_buf_puts(b, ", error: ");
            rc |= put_esc(b, error, 300);
        } else {
            rc |= ec_buf_puts(b, ", no error");
        }
    }
    rc |= ec_buf_putc(b, '\n');
    return rc ? -1 : 0;
}

char *audit_summary_line(const json_t *rec)
{
    ec_buf b;
    ec_buf_init(&b, 4096);
    int64_t seq = 0, iseq;
    json_t *id = json_object_get(rec, "identity");
    const char *kind = str_at(rec, "kind");
    int rc = 0;
    audit_rec_int(rec, "seq", &seq);
    rc |= ec_buf_printf(&b, "audit seq=%lld kind=", (long long)seq);
    rc |= put_esc(&b, kind, 16);
    if (audit_rec_int(rec, "intent_seq", &iseq) == 0)
        rc |= ec_buf_printf(&b, " intent_seq=%lld", (long long)iseq);
    rc |= ec_buf_puts(&b, " action=");
    rc |= put_esc(&b, str_at(rec, "action"), 64);
    rc |= ec_buf_puts(&b, " target='");
    rc |= audit_put_target(&b, rec, 160);
    rc |= ec_buf_putc(&b, '\'');
    if (json_is_object(json_object_get(rec, "plan")) || json_is_array(json_object_get(rec, "preimages")))
        rc |= ec_buf_printf(&b, " keys=%lld", (long long)intent_count(rec));
    json_t *res = json_object_get(rec, "result");
    if (json_is_object(res)) {
        rc |= put_int(&b, " deleted=", res, "deleted");
        rc |= ec_buf_printf(&b, " skipped=%zu", json_array_size(json_object_get(res, "skipped")));
        if (str_at(res, "error")) {
            rc |= ec_buf_puts(&b, " error='");
            rc |= put_esc(&b, str_at(res, "error"), 160);
            rc |= ec_buf_putc(&b, '\'');
        }
    }
    rc |= ec_buf_puts(&b, " user=");
    rc |= put_esc(&b, str_at(id, "user"), 64);
    if (str_at(id, "sudo_user")) {
        rc |= ec_buf_puts(&b, " sudo_user=");
        rc |= put_esc(&b, str_at(id, "sudo_user"), 64);
    }
    if (str_at(id, "ssh_connection")) {
        const char *ssh = str_at(id, "ssh_connection");
        const char *sp = strchr(ssh, ' ');
        size_t n = sp ? (size_t)(sp - ssh) : strlen(ssh);
        rc |= ec_buf_puts(&b, " from=");
        rc |= ec_escape_append(&b, (const uint8_t *)ssh, n > 64 ? 64 : n);
    }
    /* A prefix of the hash lets a remote syslog anchor the chain. */
    const char *hash = str_at(rec, "hash");
    if (audit_is_hex64(hash))
        rc |= ec_buf_printf(&b, " hash=%.16s", hash);
    if (rc) {
        ec_buf_free(&b);
        return NULL;
    }
    return ec_buf_steal(&b);
}

long audit_show(audit_reader *r, const audit_show_opts *o, FILE *out, ec_err *err)
{
    static const audit_show_opts defaults = { 0 };
    if (!o)
        o = &defaults;
    if (audit_reader_rewind(r, err) != 0)
        return -1;
    int ranged = o->from_seq || o->to_seq;
    long shown = 0;
    const audit_entry *e;
    int rc;
    ec_buf b;
    ec_buf_init(&b, 0);
    if (o->format == AUDIT_FMT_JSON)
        fputs("[", out);
    while ((rc = audit_reader_next(r, &e, err)) == 1) {
        ec_buf_reset(&b);
        int64_t seq;
        if (!e->rec || audit_rec_int(e->rec, "seq", &seq) != 0) {
            if (o->format == AUDIT_FMT_TEXT && !ranged) {
                if (ec_buf_printf(&b, "line %llu: not a record: ", (unsigned long long)e->lineno) != 0 ||
                    ec_escape_append(&b, (const uint8_t *)(e->rec ? "no seq" : e->error),
                                     strlen(e->rec ? "no seq" : e->error)) != 0 ||
                    ec_buf_putc(&b, '\n') != 0)
                    goto nomem;
                fwrite(b.data, 1, b.len, out);
            }
            continue;
        }
        if ((o->from_seq && (seq < 0 || (uint64_t)seq < o->from_seq)) ||
            (o->to_seq && (seq < 0 || (uint64_t)seq > o->to_seq)))
            continue;
        if (o->format == AUDIT_FMT_TEXT) {
            if (audit_show_record(&b, e->rec) != 0)
                goto nomem;
            fwrite(b.data, 1, b.len, out);
        } else {
            /* ENSURE_ASCII: no raw C1 control or bidi character reaches a
             * terminal even in the JSON form (DEL is the one byte left). */
            char *s = json_dumps(e->rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
            if (!s)
                goto nomem;
            if (o->format == AUDIT_FMT_JSON)
                fputs(shown ? ",\n" : "\n", out);
            fputs(s, out);
            if (o->format == AUDIT_FMT_JSONL)
                fputc('\n', out);
            free(s);
        }
        shown++;
    }
    ec_buf_free(&b);
    if (rc < 0)
        return -1;
    if (o->format == AUDIT_FMT_JSON)
        fputs(shown ? "\n]\n" : "]\n", out);
    if (ferror(out))
        return ec_fail(err, EC_E_IO, "cannot write the audit records: output error");
    return shown;
nomem:
    ec_buf_free(&b);
    return ec_fail(err, EC_E_NOMEM, "cannot show the audit log: out of memory");
}
