/* ls and dump: the newest value of every live key, in key order. Output is
 * streamed entry by entry; only the key index is held in memory. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etcdclient/util/escape.h"
#include "tui/offline/offline_cmd.h"
#include "tui/offline/offline_out.h"

#define KEY_COL_MAX 64
#define VALUE_PREVIEW 40

static int build(offline_ctx *c, ec_offline_index **idx, ec_err *err)
{
    size_t plen;
    const uint8_t *prefix = offline_arg(c, 0, &plen);
    return ec_offline_index_build(c->db, prefix, plen, EC_OFFLINE_LIVE_ONLY, idx, err);
}

static json_t *kv_json(const ec_offline_kv *kv, int keys_only)
{
    json_t *o = json_object();
    if (!o || offline_out_json_bytes(o, "key", kv->key, kv->key_len) != 0)
        goto fail;
    if (keys_only)
        return o;
    if (offline_out_json_bytes(o, "value", kv->value, kv->value_len) != 0
        || json_object_set_new(o, "create_revision", json_integer(kv->create_revision)) != 0
        || json_object_set_new(o, "mod_revision", json_integer(kv->mod_revision)) != 0
        || json_object_set_new(o, "version", json_integer(kv->version)) != 0
        || json_object_set_new(o, "lease", json_integer(kv->lease)) != 0)
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

/* A JSON string for the file name (base64-free: an invalid name is shown escaped). */
static char *source_json(offline_ctx *c)
{
    json_t *s = json_string(c->dbfile);
    if (!s)
        s = json_string(ec_offline_name(c->db));
    char *out = s ? json_dumps(s, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
    json_decref(s);
    return out;
}

static int nomem(ec_err *err)
{
    return ec_fail(err, EC_E_NOMEM, "out of memory while writing output");
}

static int ls_json(offline_ctx *c, ec_offline_index *idx, ec_err *err)
{
    size_t n = ec_offline_index_len(idx);
    char *src = source_json(c);
    if (!src)
        return nomem(err);
    fprintf(c->out, "{\"source\":%s,\"revision\":%lld,\"count\":%zu,\"kvs\":[", src,
            (long long)ec_offline_index_revision(idx), n);
    free(src);
    for (size_t i = 0; i < n; i++) {
        ec_offline_kv kv;
        if (ec_offline_index_kv(c->db, idx, i, &kv, err) != 0)
            return -1;
        json_t *o = kv_json(&kv, c->o.keys_only);
        if (!o)
            return nomem(err);
        fputs(i ? ",\n" : "\n", c->out);
        int rc = json_dumpf(o, c->out, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(o);
        if (rc != 0 || ferror(c->out))
            return ec_fail(err, EC_E_IO, "cannot write output: %s", strerror(errno));
    }
    fputs("\n]}\n", c->out);
    return 0;
}

static int ls_keys(offline_ctx *c, ec_offline_index *idx, ec_err *err)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    for (size_t i = 0; i < ec_offline_index_len(idx); i++) {
        ec_offline_keyinfo ki;
        ec_offline_index_info(idx, i, &ki);
        ec_buf_reset(&b);
        if (offline_out_escaped(&b, ki.key, ki.key_len, 0) != 0 || ec_buf_putc(&b, '\n') != 0) {
            ec_buf_free(&b);
            return nomem(err);
        }
        if (fwrite(b.data, 1, b.len, c->out) != b.len) {
            ec_buf_free(&b);
            return ec_fail(err, EC_E_IO, "cannot write output: %s", strerror(errno));
        }
    }
    ec_buf_free(&b);
    return 0;
}

static size_t digits(long long v)
{
    size_t n = 1;
    for (; v >= 10; v /= 10)
        n++;
    return n;
}

static int ls_table(offline_ctx *c, ec_offline_index *idx, ec_err *err)
{
    size_t n = ec_offline_index_len(idx);
    ec_buf b;
    ec_buf_init(&b, 0);
    /* Column widths from the index alone: no value is read twice. */
    size_t kw = 3;
    for (size_t i = 0; i < n && kw < KEY_COL_MAX; i++) {
        ec_offline_keyinfo ki;
        ec_offline_index_info(idx, i, &ki);
        ec_buf_reset(&b);
        if (offline_out_escaped(&b, ki.key, ki.key_len, 0) != 0)
            goto oom;
        size_t w = offline_out_width(b.data);
        if (w > kw)
            kw = w > KEY_COL_MAX ? KEY_COL_MAX : w;
    }
    size_t rw = digits(ec_offline_index_revision(idx));
    if (rw < 6)
        rw = 6;
    offline_out_pad(c->out, "KEY", kw, 0);
    fputs("  ", c->out);
    offline_out_pad(c->out, "MOD", rw, 1);
    fputs("  ", c->out);
    offline_out_pad(c->out, "CREATE", rw, 1);
    fputs("  ", c->out);
    offline_out_pad(c->out, "VERSION", 7, 1);
    fputs("  ", c->out);
    offline_out_pad(c->out, "LEASE", 16, 0);
    fputs("  VALUE\n", c->out);
    /* Each row is built in one buffer and written at once. */
    ec_buf cell;
    ec_buf_init(&cell, 0);
    for (size_t i = 0; i < n; i++) {
        ec_offline_kv kv;
        if (ec_offline_index_kv(c->db, idx, i, &kv, err) != 0) {
            ec_buf_free(&b);
            ec_buf_free(&cell);
            return -1;
        }
        char mod[24], create[24], ver[24], lease[24];
        snprintf(mod, sizeof mod, "%lld", (long long)kv.mod_revision);
        snprintf(create, sizeof create, "%lld", (long long)kv.create_revision);
        snprintf(ver, sizeof ver, "%lld", (long long)kv.version);
        if (kv.lease)
            snprintf(lease, sizeof lease, "%llx", (unsigned long long)kv.lease);
        else
            snprintf(lease, sizeof lease, "-");
        ec_buf_reset(&b);
        ec_buf_reset(&cell);
        int bad = offline_out_escaped(&cell, kv.key, kv.key_len, 0) != 0
               || offline_out_buf_pad(&b, cell.data, kw, 0) != 0 || ec_buf_puts(&b, "  ") != 0
               || offline_out_buf_pad(&b, mod, rw, 1) != 0 || ec_buf_puts(&b, "  ") != 0
               || offline_out_buf_pad(&b, create, rw, 1) != 0 || ec_buf_puts(&b, "  ") != 0
               || offline_out_buf_pad(&b, ver, 7, 1) != 0 || ec_buf_puts(&b, "  ") != 0
               || offline_out_buf_pad(&b, lease, 16, 0) != 0 || ec_buf_puts(&b, "  ") != 0
               || offline_out_escaped(&b, kv.value, kv.value_len, VALUE_PREVIEW) != 0
               || ec_buf_putc(&b, '\n') != 0;
        if (bad) {
            ec_buf_free(&cell);
            goto oom;
        }
        if (fwrite(b.data, 1, b.len, c->out) != b.len) {
            ec_buf_free(&b);
            ec_buf_free(&cell);
            return ec_fail(err, EC_E_IO, "cannot write output: %s", strerror(errno));
        }
    }
    ec_buf_free(&cell);
    ec_buf_free(&b);
    return 0;
oom:
    ec_buf_free(&b);
    return nomem(err);
}

int offline_cmd_ls(offline_ctx *c, ec_err *err)
{
    ec_offline_index *idx;
    if (build(c, &idx, err) != 0)
        return -1;
    int rc = c->o.json ? ls_json(c, idx, err) : c->o.keys_only ? ls_keys(c, idx, err)
                                                               : ls_table(c, idx, err);
    ec_offline_index_free(idx);
    return rc;
}

/* ---- dump ---- */

/* Written with stdio, not jansson: base64 and integers need no JSON
 * escaping, and a million objects built and freed cost seconds. */
static int dump_lines(offline_ctx *c, ec_offline_index *idx, FILE *f, ec_err *err)
{
    size_t n = ec_offline_index_len(idx);
    char *src = source_json(c);
    if (!src)
        return nomem(err);
    fprintf(f, "{\"breakglass_dump\":1,\"source\":%s,\"revision\":%lld,\"keys\":%zu}\n", src,
            (long long)ec_offline_index_revision(idx), n);
    free(src);
    for (size_t i = 0; i < n; i++) {
        ec_offline_kv kv;
        if (ec_offline_index_kv(c->db, idx, i, &kv, err) != 0)
            return -1;
        char *k = offline_out_base64(kv.key, kv.key_len), *v = offline_out_base64(kv.value, kv.value_len);
        if (!k || !v) {
            free(k);
            free(v);
            return nomem(err);
        }
        fprintf(f,
                "{\"key_b64\":\"%s\",\"value_b64\":\"%s\",\"create_revision\":%lld,"
                "\"mod_revision\":%lld,\"version\":%lld,\"lease\":%lld}\n",
                k, v, (long long)kv.create_revision, (long long)kv.mod_revision,
                (long long)kv.version, (long long)kv.lease);
        free(k);
        free(v);
        if (ferror(f))
            return ec_fail(err, EC_E_IO, "cannot write dump: %s", strerror(errno));
    }
    if (fflush(f) != 0)
        return ec_fail(err, EC_E_IO, "cannot write dump: %s", strerror(errno));
    return 0;
}

/* The new file and its directory entry reach the disk before we say done. */
static int sync_file(FILE *f, const char *path)
{
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        return -1;
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (dfd < 0)
        return -1;
    int rc = fsync(dfd);
    close(dfd);
    return rc;
}

static int dump_to(offline_ctx *c, FILE *f, const char *path, const char *shown, ec_err *err);

int offline_cmd_dump(offline_ctx *c, ec_err *err)
{
    FILE *f = c->out;
    const char *path = c->o.output;
    char *shown = path ? ec_escape_dup((const uint8_t *)path, strlen(path)) : NULL;
    if (path && !shown)
        return nomem(err);
    int rc = dump_to(c, f, path, shown, err);
    free(shown);
    return rc;
}

static int dump_to(offline_ctx *c, FILE *f, const char *path, const char *shown, ec_err *err)
{
    ec_offline_index *idx;
    if (path) {
        /* Never overwrite: not an older dump, and never the database itself.
         * 0600: the dump holds every secret in the cluster. */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            int e = errno;
            if (e == EEXIST)
                c->hint = "an existing file is never overwritten: give --output a new name";
            return ec_fail(err, e == EEXIST ? EC_E_INVALID : EC_E_IO,
                           "cannot create dump '%s': %s", shown,
                           e == EEXIST ? "file exists (remove it or choose another name)"
                                       : strerror(e));
        }
        f = fdopen(fd, "w");
        if (!f) {
            close(fd);
            unlink(path);
            return ec_fail(err, EC_E_NOMEM, "cannot write dump '%s': out of memory", shown);
        }
    }
    int rc = build(c, &idx, err);
    if (rc == 0) {
        rc = dump_lines(c, idx, f, err);
        if (rc == 0 && path && sync_file(f, path) != 0)
            rc = ec_fail(err, EC_E_IO, "cannot write dump '%s': %s", shown, strerror(errno));
        if (rc == 0 && path)
            fprintf(c->out, "dumped %zu keys at revision %lld to '%s'\n",
                    ec_offline_index_len(idx), (long long)ec_offline_index_revision(idx), shown);
        ec_offline_index_free(idx);
    }
    if (path) {
        if (fclose(f) != 0 && rc == 0)
            rc = ec_fail(err, EC_E_IO, "cannot write dump '%s': %s", shown, strerror(errno));
        /* A partial dump must not be loaded back by mistake. */
        if (rc != 0)
            unlink(path);
    }
    return rc;
}
