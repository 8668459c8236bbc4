/* Arbitrary bytes as an etcd db file: open, list every key with its newest
 * value, group, one key's history, and the full statistics walk. Each must
 * end in a result or a classified error, never a crash or a hang. Then the
 * same bytes as a file (a memfd) through the commands, output discarded:
 * the map, the lock probe, pread, escaping and JSON. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "etcdclient/offline/offline.h"
#include "tui/offline/offline_cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_one(void *ctx, const ec_offline_kv *kv, ec_err *err)
{
    (void)err;
    size_t *n = ctx;
    /* Touch what the callback is given, so a bad pointer shows up here. */
    if (kv->key_len)
        *n += kv->key[0] + kv->key[kv->key_len - 1];
    if (kv->value_len)
        *n += kv->value[kv->value_len - 1];
    return 0;
}

static void read_all(const uint8_t *data, size_t size, unsigned flags)
{
    ec_offline *db = ec_offline_new();
    if (!db)
        return;
    ec_err err;
    if (ec_offline_open_mem(db, data, size, "fuzz.db", flags, &err) != 0) {
        if (ec_offline_last_fault(db) == EC_OFFLINE_F_NONE || err.msg[0] == '\0')
            abort();    /* every failure is classified and explained */
        ec_offline_free(db);
        return;
    }
    ec_offline_index *idx;
    if (ec_offline_index_build(db, NULL, 0, 0, &idx, &err) == 0) {
        size_t sum = 0;
        for (size_t i = 0; i < ec_offline_index_len(idx); i++) {
            ec_offline_keyinfo ki;
            ec_offline_kv kv;
            ec_offline_index_info(idx, i, &ki);
            if (ec_offline_index_kv(db, idx, i, &kv, &err) == 0)
                count_one(&sum, &kv, &err);
        }
        ec_offline_group *g;
        size_t ng;
        if (ec_offline_index_groups(idx, 2, &g, &ng, &err) == 0)
            free(g);
        if (ec_offline_index_len(idx) > 0) {
            ec_offline_keyinfo ki;
            ec_offline_index_info(idx, 0, &ki);
            ec_offline_history(db, ki.key, ki.key_len, count_one, &sum, &err);
        }
        ec_offline_index_free(idx);
    }
    ec_offline_stats st;
    if (ec_offline_stats_get(db, &st, &err) == 0)
        ec_offline_stats_free(&st);
    ec_offline_free(db);
}

static void run_cli(const char *path, const char *a0, const char *a1, const char *a2)
{
    char *argv[] = {(char *)a0, (char *)a1, (char *)a2, NULL};
    int argc = a2 ? 3 : a1 ? 2 : 1;
    int rc = offline_cli_main(path, argc, argv);
    if (rc != 0 && rc != 1)
        abort();    /* 2 is for usage errors only */
}

static void through_cli(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-db", MFD_CLOEXEC);
    if (fd < 0)
        return;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) {
            close(fd);
            return;
        }
        off += (size_t)n;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (out >= 0 && err >= 0 && null >= 0) {
        dup2(null, 1);
        dup2(null, 2);
        run_cli(path, "ls", "--no-verify", NULL);
        run_cli(path, "ls", "--json", "--no-verify");
        run_cli(path, "dump", "--no-verify", NULL);
        run_cli(path, "top", "--json", "--no-verify");
        run_cli(path, "count", "--depth=1", "--no-verify");
        run_cli(path, "stats", NULL, NULL);
        run_cli(path, "get", "/a", "--history");
        fflush(stdout);
        fflush(stderr);
        dup2(out, 1);
        dup2(err, 2);
    }
    if (out >= 0)
        close(out);
    if (err >= 0)
        close(err);
    if (null >= 0)
        close(null);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Past the snapshot hash, so mutations reach the pages. */
    read_all(data, size, EC_OFFLINE_NO_VERIFY);
    /* And the checked path on small inputs, where hashing is cheap. */
    if (size < 65536)
        read_all(data, size, 0);
    through_cli(data, size);
    return 0;
}
