#include "tui/ops/restore.h"

#include <string.h>

#include "tui/ops/delete.h"

/* etcd refuses a request above --max-request-bytes (1.5 MiB by default):
 * a batch stops before its keys and values pass this, and holds at least
 * one key (which etcd once accepted on its own). */
#define RESTORE_TXN_BYTES ((size_t)1 << 20)

static size_t batch_size(const audit_preimage *items, size_t pos, size_t n)
{
    size_t m = 0, bytes = 0;
    while (pos + m < n && m < BG_TXN_MAX_OPS) {
        size_t b = 2 * items[pos + m].key_len + items[pos + m].value_len; /* compare + put */
        if (m > 0 && bytes + b > RESTORE_TXN_BYTES)
            break;
        bytes += b;
        m++;
    }
    return m;
}

int bg_restore_execute(ec_client *c, const audit_preimage *items, size_t n, bg_restore_outcome *out, ec_err *err)
{
    memset(out, 0, sizeof *out);
    size_t idx[BG_TXN_MAX_OPS];
    ec_compare cmp[BG_TXN_MAX_OPS];
    ec_op put[BG_TXN_MAX_OPS], get[BG_TXN_MAX_OPS];
    for (size_t pos = 0; pos < n;) {
        size_t m = batch_size(items, pos, n), batch = m;
        for (size_t i = 0; i < m; i++)
            idx[i] = pos + i;
        while (m > 0) {
            for (size_t i = 0; i < m; i++) {
                const audit_preimage *p = &items[idx[i]];
                cmp[i] = (ec_compare){.target = EC_CMP_CREATE, .result = EC_CMP_EQUAL, .key = p->key, .key_len = p->key_len};
                put[i] = (ec_op){.type = EC_OP_PUT, .key = p->key, .key_len = p->key_len, .value = p->value,
                                 .value_len = p->value_len};
                get[i] = (ec_op){.type = EC_OP_GET, .key = p->key, .key_len = p->key_len};
            }
            ec_txn_result *t;
            if (ec_txn(c, cmp, m, put, m, get, m, &t, err) != 0)
                return -1;
            out->revision = t->header.revision;
            if (t->succeeded) {
                out->restored += m;
                ec_txn_result_free(t);
                break;
            }
            /* Some keys exist again: leave them, put back the rest. */
            size_t keep = 0;
            for (size_t i = 0; i < m && i < t->n_results; i++) {
                if (t->results[i].n_kvs > 0)
                    out->present++;
                else
                    idx[keep++] = idx[i];
            }
            ec_txn_result_free(t);
            if (keep == m)
                return ec_fail(err, EC_E_INTERNAL, "Txn compare failed but every key is absent");
            m = keep;
        }
        pos += batch;
    }
    return 0;
}
