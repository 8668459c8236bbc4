/* Group names from etcd (owner names come from values) through the Top
 * screen's model: what Enter and D make of them, and the owner-to-key
 * mapping. Input: one byte choosing the grouping, one byte of flags (bit 0:
 * the name was cut; bit 1: keys under --etcd-prefix "/custom/" instead of
 * the default), then the name's bytes. Checks: a jump or delete target
 * is never longer than it can be, and a refused one says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/topmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ec_ks *tree(void)
{
    static const char *const keys[] = {
        "/registry/daemonsets/kube-system/node-agent", "/registry/pods/kube-system/node-agent-00001",
        "/registry/minions/n1", "/registry/namespaces/shop", "/registry/replicasets/shop/web-1", "/x",
    };
    ec_ks *ks = ec_ks_new();
    for (size_t i = 0; ks && i < sizeof keys / sizeof keys[0]; i++) {
        ec_ks_kv kv = {1, 1, 1, 0, EC_KS_SIZE_UNKNOWN};
        ec_ks_put(ks, (const uint8_t *)keys[i], strlen(keys[i]), &kv, NULL);
    }
    return ks;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    bg_top_grouping g = (bg_top_grouping)(data[0] % (BG_TOP_NGROUPINGS + 1));
    bool cut = data[1] & 1;
    const char *prefix = data[1] & 2 ? "/custom/" : NULL;
    const char *want = prefix ? "/custom/" : "/registry/"; /* what every owner key starts with */
    const uint8_t *name = data + 2;
    size_t len = size - 2;
    ec_ks *ks = tree();
    if (!ks)
        return 0;
    ec_buf path, target;
    ec_buf_init(&path, 1 << 20);
    ec_buf_init(&target, 1 << 20);
    const char *why;
    tm_jump_kind k = tm_jump(prefix, g, name, len, cut, ks, &path, &why);
    if (k == TM_JUMP_NONE && (!why || path.len != 0))
        abort();
    if (k != TM_JUMP_NONE && path.len > len + 64)
        abort();
    tm_del_kind dk;
    if (tm_delete_target(g, name, len, cut, &target, &dk, &why) == 0) {
        if (target.len != len || memcmp(target.data, name, len) != 0)
            abort();
    } else if (!why) {
        abort();
    }
    if (tm_owner_key(prefix, name, len, &path) == 0 &&
        (path.len <= strlen(want) || memcmp(path.data, want, strlen(want)) != 0))
        abort();
    ec_buf_free(&path);
    ec_buf_free(&target);
    ec_ks_free(ks);
    return 0;
}
