/* ls, get, count: reading keys. Scans are paged and pinned at one revision. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli/args.h"
#include "tui/cli/commands.h"
#include "tui/cli/output.h"
#include "tui/cli/value_view.h"

static void kv_json_fields(json_t *o, const ec_kv *kv)
{
    bg_json_set_bytes(o, "key", kv->key, kv->key_len);
    json_object_set_new(o, "create_revision", json_integer(kv->create_revision));
    json_object_set_new(o, "mod_revision", json_integer(kv->mod_revision));
    json_object_set_new(o, "version", json_integer(kv->version));
    json_object_set_new(o, "lease", json_integer(kv->lease));
}

/* A compaction mid-listing restarts the scan at a newer revision; the keys
 * already printed are not printed again (the new scan skips up to the last
 * one), and stderr says what happened. */
typedef struct ls_restart {
    uint8_t *last;        /* the last key printed (owned) */
    size_t last_len;
    bool skipping;        /* after a restart, until past `last` */
} ls_restart;

static void ls_on_restart(void *ud, int64_t old_rev, int64_t new_rev)
{
    ls_restart *lr = ud;
    lr->skipping = lr->last != NULL;
    fflush(stdout);
    fprintf(stderr,
            "breakglass: revision %" PRId64 " was compacted mid-scan; restarted at revision %" PRId64
            " (keys already listed are not repeated)\n",
            old_rev, new_rev);
}

static bool ls_skip(ls_restart *lr, const ec_kv *kv)
{
    if (!lr->skipping)
        return false;
    size_t m = kv->key_len < lr->last_len ? kv->key_len : lr->last_len;
    int cmp = m ? memcmp(kv->key, lr->last, m) : 0;
    if (cmp < 0 || (cmp == 0 && kv->key_len <= lr->last_len))
        return true;
    lr->skipping = false;
    return false;
}

static void ls_remember(ls_restart *lr, const ec_kv *kv)
{
    uint8_t *p = realloc(lr->last, kv->key_len ? kv->key_len : 1);
    if (!p)
        return; /* keep the older key: at worst a few keys print twice */
    memcpy(p, kv->key, kv->key_len);
    lr->last = p;
    lr->last_len = kv->key_len;
}

int cmd_ls(bg_ctx *ctx, int argc, char **argv)
{
    bool lng = false, consistent = false;
    int64_t limit = 0, page_size = 0;
    bg_flag flags[] = {
        {"long", 'l', BG_FLAG_BOOL, &lng},
        {"limit", 0, BG_FLAG_I64, &limit},
        {"consistent", 0, BG_FLAG_BOOL, &consistent},
        {"page-size", 0, BG_FLAG_I64, &page_size},
    };
    char *pos[1];
    size_t np;
    if (bg_parse_flags("ls", argc, argv, flags, 4, pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    const char *prefix = np ? pos[0] : "";
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_range_opts ro = {
        .key = (const uint8_t *)prefix,
        .key_len = strlen(prefix),
        .prefix = true,
        .keys_only = true,
        .serializable = !consistent,
        .limit = limit,
        .page_size = page_size,
    };
    ls_restart lr = {0};
    ro.on_restart = ls_on_restart;
    ro.restart_ud = &lr;
    ec_err err;
    ec_range_iter *it = ec_range_begin(c, &ro, &err);
    if (!it) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    /* A million keys go out through one large buffer, not a write per key. */
    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    const ec_kv *kvs;
    size_t n;
    int r;
    int64_t total = 0;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0) {
        size_t shown = 0;
        for (size_t i = 0; i < n && !(limit > 0 && total + (int64_t)shown >= limit); i++) {
            const ec_kv *kv = &kvs[i];
            if (ls_skip(&lr, kv))
                continue;
            shown++;
            if (i + 1 == n)
                ls_remember(&lr, kv);
            if (ctx->opts->json) {
                json_t *o = json_object();
                kv_json_fields(o, kv);
                bg_print_json_line(o);
                json_decref(o);
            } else if (lng) {
                printf("%10" PRId64 " %10" PRId64 " %8" PRId64 " %16" PRIx64 "  ", kv->create_revision,
                       kv->mod_revision, kv->version, (uint64_t)kv->lease);
                bg_put_escaped(stdout, kv->key, kv->key_len);
                putchar('\n');
            } else {
                bg_put_escaped(stdout, kv->key, kv->key_len);
                putchar('\n');
            }
        }
        total += (int64_t)shown;
        if (limit > 0 && total >= limit)
            break;
    }
    fflush(stdout);
    int64_t rev = ec_range_revision(it);
    ec_range_end(it);
    free(lr.last);
    if (r < 0) {
        bg_report(&err);
        if (total > 0)
            fprintf(stderr, "breakglass: listing stopped after %" PRId64 " keys at revision %" PRId64 "\n", total,
                    rev);
        return BG_EXIT_FAIL;
    }
    return BG_EXIT_OK;
}

int cmd_get(bg_ctx *ctx, int argc, char **argv)
{
    int64_t rev = 0;
    bg_flag flags[] = {{"rev", 0, BG_FLAG_I64, &rev}};
    char *pos[1];
    size_t np;
    if (bg_parse_flags("get", argc, argv, flags, 1, pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    if (np != 1)
        return bg_usage("get", "'get' needs exactly one KEY");
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_range_opts ro = {.key = (const uint8_t *)pos[0], .key_len = strlen(pos[0]), .revision = rev};
    ec_err err;
    ec_range_result *res;
    if (ec_range_once(c, &ro, &res, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    if (res->n_kvs == 0) {
        ec_fail(&err, EC_E_NOT_FOUND, "key '%s' not found at revision %" PRId64, pos[0], res->header.revision);
        ec_range_result_free(res);
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    const ec_kv *kv = &res->kvs[0];
    if (ctx->opts->json) {
        json_t *o = json_object();
        kv_json_fields(o, kv);
        json_object_set_new(o, "size", json_integer((json_int_t)kv->value_len));
        json_object_set_new(o, "revision", json_integer(res->header.revision));
        bg_value_json(o, kv->key, kv->key_len, kv->value, kv->value_len);
        bg_print_json(o);
    } else {
        fputs("key:             ", stdout);
        bg_put_escaped(stdout, kv->key, kv->key_len);
        printf("\ncreate_revision: %" PRId64 "\nmod_revision:    %" PRId64 "\nversion:         %" PRId64
               "\nlease:           %016" PRIx64 "%s\nsize:            %zu bytes\n\n",
               kv->create_revision, kv->mod_revision, kv->version, (uint64_t)kv->lease,
               kv->lease ? "" : " (none)", kv->value_len);
        bg_value_print(stdout, kv->key, kv->key_len, kv->value, kv->value_len);
    }
    ec_range_result_free(res);
    return BG_EXIT_OK;
}

int cmd_count(bg_ctx *ctx, int argc, char **argv)
{
    char *pos[1];
    size_t np;
    if (bg_parse_flags("count", argc, argv, NULL, 0, pos, 1, &np) != 0)
        return BG_EXIT_USAGE;
    const char *prefix = np ? pos[0] : "";
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_range_opts ro = {.key = (const uint8_t *)prefix, .key_len = strlen(prefix), .prefix = true, .serializable = true};
    int64_t count;
    ec_header hdr;
    ec_err err;
    if (ec_count(c, &ro, &count, &hdr, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    if (ctx->opts->json) {
        json_t *o = json_object();
        bg_json_set_bytes(o, "prefix", (const uint8_t *)prefix, strlen(prefix));
        json_object_set_new(o, "count", json_integer(count));
        json_object_set_new(o, "revision", json_integer(hdr.revision));
        bg_print_json(o);
    } else {
        printf("%" PRId64 "\n", count);
    }
    return BG_EXIT_OK;
}
