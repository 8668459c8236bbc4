/* bench_tree: a keys-only scan of PREFIX exactly as the console's scan
 * worker does it (paged Range pinned at one revision), with or without
 * building the browser tree from the pages (--no-tree), so `make bench` can
 * print the tree's cost beside the scan's: wall time, keys, peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcdclient/keyspace/keyspace.h"
#include "tests/tools/tool_common.h"

static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

int main(int argc, char **argv)
{
    tool_conn tc = {0};
    const char *prefix = "/";
    int with_tree = 1;
    for (int i = 1; i < argc; i++) {
        if (tool_conn_flag(&tc, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--no-tree") == 0)
            with_tree = 0;
        else if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc)
            prefix = argv[++i];
        else {
            fprintf(stderr, "usage: bench_tree --endpoints URLS --cacert F --cert F --key F [--prefix P] [--no-tree]\n");
            return 2;
        }
    }
    ec_client *c = tool_connect(&tc);
    if (!c)
        return 1;
    ec_ks *ks = with_tree ? ec_ks_new() : NULL;
    ec_range_opts ro = {.key = (const uint8_t *)prefix, .key_len = strlen(prefix), .prefix = true,
                        .keys_only = true, .serializable = true};
    ec_err err;
    double t0 = tool_now();
    ec_range_iter *it = ec_range_begin(c, &ro, &err);
    const ec_kv *kvs;
    size_t n, total = 0;
    int r;
    ec_ks_entry *page = NULL;
    size_t page_cap = 0;
    while (it && (r = ec_range_next(it, &kvs, &n, &err)) > 0) {
        if (ks) {
            if (n > page_cap) {
                page_cap = n;
                page = realloc(page, page_cap * sizeof *page);
            }
            for (size_t i = 0; i < n; i++)
                page[i] = (ec_ks_entry){kvs[i].key, kvs[i].key_len,
                                        {kvs[i].create_revision, kvs[i].mod_revision, kvs[i].version, kvs[i].lease,
                                         EC_KS_SIZE_UNKNOWN}};
            if (ec_ks_add_page(ks, page, n, &err) != 0)
                break;
        }
        total += n;
    }
    double dt = tool_now() - t0;
    if (!it || r < 0) {
        fprintf(stderr, "bench_tree: %s\n", err.msg);
        return 1;
    }
    ec_ks_info root;
    if (ks)
        ec_ks_stat(ks, EC_KS_ROOT, &root);
    printf("keys=%zu wall_s=%.3f peak_rss_kib=%ld tree=%s tree_keys=%llu\n", total, dt, peak_rss_kib(),
           ks ? "yes" : "no", ks ? (unsigned long long)root.keys : 0ULL);
    ec_range_end(it);
    free(page);
    ec_ks_free(ks);
    ec_client_free(c);
    return 0;
}
