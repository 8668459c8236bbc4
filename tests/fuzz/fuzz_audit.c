/* Arbitrary bytes as an audit log, through everything that reads one:
 * the reader, verify (with and without a key), show in every format, the
 * restore plan, and the base64 decoder. Nothing may crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input with every JSON-object line re-chained and re-hashed, so the
 * fuzzer also reaches what lies behind the hash check (seq order, results,
 * restore) instead of stopping at "edited". Caller frees. */
static char *rechain(const uint8_t *data, size_t size, size_t *outlen)
{
    audit_reader *r;
    ec_err err;
    ec_buf out;
    ec_buf_init(&out, 1 << 24);
    if (audit_reader_open_mem(&r, data, size, &err) != 0)
        return NULL;
    char prev[AUDIT_HASH_HEX + 1];
    memset(prev, '0', AUDIT_HASH_HEX);
    prev[AUDIT_HASH_HEX] = '\0';
    const audit_entry *e;
    while (audit_reader_next(r, &e, &err) == 1) {
        if (!e->rec) {
            if (e->line)
                ec_buf_append(&out, e->line, e->len);
        } else {
            json_t *c = json_deep_copy(e->rec);
            char h[AUDIT_HASH_HEX + 1];
            if (c && json_object_set_new(c, "prev_hash", json_string(prev)) == 0 &&
                audit_record_hash(c, NULL, h, NULL, &err) == 0 &&
                json_object_set_new(c, "hash", json_string(h)) == 0) {
                char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
                if (s)
                    ec_buf_puts(&out, s);
                free(s);
                memcpy(prev, h, sizeof prev);
            }
            json_decref(c);
        }
        if (e->complete)
            ec_buf_putc(&out, '\n');
    }
    audit_reader_close(r);
    *outlen = out.len;
    return ec_buf_steal(&out);
}

static void run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    size_t n;
    char *again = rechain(data, size, &n);
    if (again)
        run((const uint8_t *)again, n);
    free(again);
    return 0;
}

static void run(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    audit_reader *r;
    ec_err err;
    if (audit_reader_open_mem(&r, data, size, &err) != 0)
        return;
    const audit_entry *e;
    while (audit_reader_next(r, &e, &err) == 1) {
        if (e->line && e->len != 0 && e->line[e->len] != '\0')
            abort();
    }

    audit_verify_result res;
    audit_verify(r, NULL, &res);
    if (res.status == AUDIT_DAMAGED && (res.bad_line == 0 || res.damage == AUDIT_DMG_NONE))
        abort();
    if (memchr(res.msg, '\n', strnlen(res.msg, sizeof res.msg)))
        abort();
    audit_key key;
    if (audit_key_set(&key, "fuzz-key-0123456789abcdef", 25, &err) == 0) {
        audit_verify(r, &key, &res);
        audit_key_free(&key);
    }

    static const audit_format fmts[] = { AUDIT_FMT_TEXT, AUDIT_FMT_JSON, AUDIT_FMT_JSONL };
    for (size_t i = 0; i < 3; i++) {
        audit_show_opts o = { .format = fmts[i], .from_seq = i == 2 ? 2 : 0, .to_seq = i == 2 ? 3 : 0 };
        if (devnull)
            audit_show(r, &o, devnull, &err);
    }
    /* The text form must never carry a control byte other than '\n'. */
    char *out = NULL;
    size_t outlen = 0;
    FILE *mf = open_memstream(&out, &outlen);
    if (mf) {
        audit_show_opts o = { .format = AUDIT_FMT_TEXT };
        audit_show(r, &o, mf, &err);
        fclose(mf);
        for (size_t i = 0; i < outlen; i++)
            if (((unsigned char)out[i] < 0x20 && out[i] != '\n') || out[i] == 0x7f)
                abort();
        free(out);
    }
    while (audit_reader_next(r, &e, &err) == 1)
        ;
    if (audit_reader_rewind(r, &err) == 0 && audit_reader_next(r, &e, &err) == 1 && e->rec) {
        char *s = audit_summary_line(e->rec);
        free(s);
    }

    for (uint64_t seq = 1; seq <= 3; seq++) {
        audit_restore_plan plan;
        if (audit_restore_plan_build(r, seq, NULL, (int)(seq & 1), &plan, &err) == 0)
            audit_restore_plan_free(&plan);
    }
    audit_reader_close(r);

    uint8_t *dec;
    size_t declen;
    if (audit_b64_decode((const char *)data, size, &dec, &declen) == 0) {
        char *again = audit_b64_encode(dec, declen);
        /* Strict decoding: one encoding per byte string. */
        if (!again || strlen(again) != size || memcmp(again, data, size) != 0)
            abort();
        free(again);
        free(dec);
    }
}
