/* Lease service: grant (tests and tools), revoke, list, time-to-live. */
#include "etcdclient/client/internal.h"

#include <stdlib.h>
#include <string.h>

int ec_lease_grant(ec_client *c, int64_t ttl, int64_t *id, ec_err *err)
{
    Etcdserverpb__LeaseGrantRequest req = ETCDSERVERPB__LEASE_GRANT_REQUEST__INIT;
    req.ttl = ttl;
    ec_rpc rpc = {"/etcdserverpb.Lease/LeaseGrant", "LeaseGrant", &req.base,
                  &etcdserverpb__lease_grant_response__descriptor, false};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, NULL, &rpc, &m, err) != 0)
        return -1;
    Etcdserverpb__LeaseGrantResponse *r = (Etcdserverpb__LeaseGrantResponse *)m;
    int rc = 0;
    if (r->error && r->error[0])
        rc = ec_fail(err, EC_E_INVALID, "lease grant refused: %s", r->error);
    else
        *id = r->id;
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}

int ec_lease_revoke(ec_client *c, int64_t id, ec_err *err)
{
    Etcdserverpb__LeaseRevokeRequest req = ETCDSERVERPB__LEASE_REVOKE_REQUEST__INIT;
    req.id = id;
    ec_rpc rpc = {"/etcdserverpb.Lease/LeaseRevoke", "LeaseRevoke", &req.base,
                  &etcdserverpb__lease_revoke_response__descriptor, false};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, NULL, &rpc, &m, err) != 0) {
        if (err->code == EC_E_NOT_FOUND)
            ec_fail(err, EC_E_NOT_FOUND, "lease %llx not found (expired or already revoked)", (unsigned long long)id);
        return -1;
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

int ec_lease_list(ec_client *c, int64_t **ids, size_t *n, ec_err *err)
{
    *ids = NULL;
    *n = 0;
    Etcdserverpb__LeaseLeasesRequest req = ETCDSERVERPB__LEASE_LEASES_REQUEST__INIT;
    ec_rpc rpc = {"/etcdserverpb.Lease/LeaseLeases", "LeaseLeases", &req.base,
                  &etcdserverpb__lease_leases_response__descriptor, true};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, NULL, &rpc, &m, err) != 0)
        return -1;
    Etcdserverpb__LeaseLeasesResponse *r = (Etcdserverpb__LeaseLeasesResponse *)m;
    *ids = calloc(r->n_leases + 1, sizeof **ids);
    if (!*ids) {
        protobuf_c_message_free_unpacked(m, NULL);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->n_leases; i++)
        (*ids)[i] = r->leases[i]->id;
    *n = r->n_leases;
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

int ec_lease_ttl(ec_client *c, int64_t id, bool keys, ec_lease_info **out, ec_err *err)
{
    *out = NULL;
    Etcdserverpb__LeaseTimeToLiveRequest req = ETCDSERVERPB__LEASE_TIME_TO_LIVE_REQUEST__INIT;
    req.id = id;
    req.keys = keys;
    ec_rpc rpc = {"/etcdserverpb.Lease/LeaseTimeToLive", "LeaseTimeToLive", &req.base,
                  &etcdserverpb__lease_time_to_live_response__descriptor, true};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, NULL, &rpc, &m, err) != 0)
        return -1;
    Etcdserverpb__LeaseTimeToLiveResponse *r = (Etcdserverpb__LeaseTimeToLiveResponse *)m;
    ec_lease_info *l = calloc(1, sizeof *l);
    bool oom = !l;
    if (l && r->n_keys) {
        l->keys = calloc(r->n_keys, sizeof *l->keys);
        l->key_lens = calloc(r->n_keys, sizeof *l->key_lens);
        oom = !l->keys || !l->key_lens;
        for (size_t i = 0; !oom && i < r->n_keys; i++) {
            l->keys[i] = malloc(r->keys[i].len ? r->keys[i].len : 1);
            if (!l->keys[i]) {
                oom = true;
                break;
            }
            memcpy(l->keys[i], r->keys[i].data, r->keys[i].len);
            l->key_lens[i] = r->keys[i].len;
            l->n_keys++;
        }
    }
    if (l) {
        l->id = r->id;
        l->ttl = r->ttl;
        l->granted_ttl = r->grantedttl;
    }
    protobuf_c_message_free_unpacked(m, NULL);
    if (oom) {
        ec_lease_info_free(l);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    *out = l;
    return 0;
}

void ec_lease_info_free(ec_lease_info *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_keys; i++)
        free(l->keys[i]);
    free(l->keys);
    free(l->key_lens);
    free(l);
}
