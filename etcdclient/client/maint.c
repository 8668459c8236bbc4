/* Maintenance and Cluster services: Status, MemberList, Alarm, Defragment,
 * HashKV. Calls meant for one member pin its endpoint (no failover). */
#include "etcdclient/client/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ec_member_list_get(ec_client *c, ec_member_list **out, ec_err *err)
{
    *out = NULL;
    Etcdserverpb__MemberListRequest req = ETCDSERVERPB__MEMBER_LIST_REQUEST__INIT;
    ec_rpc rpc = {"/etcdserverpb.Cluster/MemberList", "MemberList", &req.base,
                  &etcdserverpb__member_list_response__descriptor, true};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, NULL, &rpc, &m, err) != 0)
        return -1;
    Etcdserverpb__MemberListResponse *r = (Etcdserverpb__MemberListResponse *)m;
    ec_member_list *l = calloc(1, sizeof *l);
    bool oom = !l || (r->n_members && !(l->members = calloc(r->n_members, sizeof *l->members)));
    if (!oom) {
        ec_header_from_pb(&l->header, r->header);
        for (size_t i = 0; i < r->n_members && !oom; i++) {
            Etcdserverpb__Member *pm = r->members[i];
            ec_member *em = &l->members[i];
            l->n_members++;
            em->id = pm->id;
            em->is_learner = pm->islearner;
            em->name = strdup(pm->name ? pm->name : "");
            em->peer_urls = calloc(pm->n_peerurls + 1, sizeof *em->peer_urls);
            em->client_urls = calloc(pm->n_clienturls + 1, sizeof *em->client_urls);
            oom = !em->name || !em->peer_urls || !em->client_urls;
            for (size_t k = 0; !oom && k < pm->n_peerurls; k++, em->n_peer_urls++)
                oom = !(em->peer_urls[k] = strdup(pm->peerurls[k]));
            for (size_t k = 0; !oom && k < pm->n_clienturls; k++, em->n_client_urls++)
                oom = !(em->client_urls[k] = strdup(pm->clienturls[k]));
        }
    }
    protobuf_c_message_free_unpacked(m, NULL);
    if (oom) {
        ec_member_list_free(l);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    *out = l;
    return 0;
}

void ec_member_list_free(ec_member_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_members; i++) {
        ec_member *m = &l->members[i];
        free(m->name);
        for (size_t k = 0; k < m->n_peer_urls; k++)
            free(m->peer_urls[k]);
        for (size_t k = 0; k < m->n_client_urls; k++)
            free(m->client_urls[k]);
        free(m->peer_urls);
        free(m->client_urls);
    }
    free(l->members);
    free(l);
}

int ec_status_get(ec_client *c, const ec_callopt *opt, ec_status *out, ec_err *err)
{
    memset(out, 0, sizeof *out);
    Etcdserverpb__StatusRequest req = ETCDSERVERPB__STATUS_REQUEST__INIT;
    ec_rpc rpc = {"/etcdserverpb.Maintenance/Status", "Status", &req.base,
                  &etcdserverpb__status_response__descriptor, true};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, opt, &rpc, &m, err) != 0)
        return -1;
    Etcdserverpb__StatusResponse *r = (Etcdserverpb__StatusResponse *)m;
    ec_header_from_pb(&out->header, r->header);
    snprintf(out->version, sizeof out->version, "%s", r->version ? r->version : "");
    out->db_size = r->dbsize;
    out->db_size_in_use = r->dbsizeinuse;
    out->leader = r->leader;
    out->raft_index = r->raftindex;
    out->raft_term = r->raftterm;
    out->raft_applied_index = r->raftappliedindex;
    out->is_learner = r->islearner;
    size_t off = 0;
    for (size_t i = 0; i < r->n_errors && off < sizeof out->errors; i++) {
        int n = snprintf(out->errors + off, sizeof out->errors - off, "%s%s", i ? "; " : "", r->errors[i]);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int ec_cluster_status_get(ec_client *c, ec_cluster_status **out, ec_err *err)
{
    *out = NULL;
    ec_member_list *l;
    if (ec_member_list_get(c, &l, err) != 0)
        return -1;
    ec_cluster_status *s = calloc(1, sizeof *s);
    if (!s || (l->n_members && !(s->members = calloc(l->n_members, sizeof *s->members)))) {
        free(s);
        ec_member_list_free(l);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    s->list_ = l;
    s->n_members = l->n_members;
    for (size_t i = 0; i < l->n_members; i++) {
        ec_member_status *ms = &s->members[i];
        ms->member = l->members[i];
        if (l->members[i].n_client_urls == 0) {
            /* A member added but not started yet has no client URL. */
            ms->endpoint = "";
            ec_fail(&ms->err, EC_E_UNAVAILABLE, "member '%s' has not started (no client URL)",
                    l->members[i].name[0] ? l->members[i].name : "(unnamed)");
            continue;
        }
        ms->endpoint = l->members[i].client_urls[0];
        ec_callopt opt = {ms->endpoint, 0};
        int64_t t0 = mono_us();
        ms->ok = ec_status_get(c, &opt, &ms->status, &ms->err) == 0;
        ms->rtt_us = mono_us() - t0;
    }
    *out = s;
    return 0;
}

void ec_cluster_status_free(ec_cluster_status *s)
{
    if (!s)
        return;
    ec_member_list_free(s->list_);
    free(s->members);
    free(s);
}

const char *ec_alarm_name(ec_alarm_type t)
{
    switch (t) {
    case EC_ALARM_NONE: return "NONE";
    case EC_ALARM_NOSPACE: return "NOSPACE";
    case EC_ALARM_CORRUPT: return "CORRUPT";
    }
    return "UNKNOWN";
}

static int alarm_call(ec_client *c, Etcdserverpb__AlarmRequest *req, ec_alarm **out, size_t *n, ec_err *err)
{
    ec_rpc rpc = {"/etcdserverpb.Maintenance/Alarm", "Alarm", &req->base, &etcdserverpb__alarm_response__descriptor,
                  req->action == ETCDSERVERPB__ALARM_REQUEST__ALARM_ACTION__GET};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, NULL, &rpc, &m, err) != 0)
        return -1;
    Etcdserverpb__AlarmResponse *r = (Etcdserverpb__AlarmResponse *)m;
    if (out) {
        *out = calloc(r->n_alarms + 1, sizeof **out);
        if (!*out) {
            protobuf_c_message_free_unpacked(m, NULL);
            return ec_fail(err, EC_E_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < r->n_alarms; i++) {
            (*out)[i].member_id = r->alarms[i]->memberid;
            (*out)[i].type = (ec_alarm_type)r->alarms[i]->alarm;
        }
        *n = r->n_alarms;
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

int ec_alarm_list(ec_client *c, ec_alarm **out, size_t *n, ec_err *err)
{
    Etcdserverpb__AlarmRequest req = ETCDSERVERPB__ALARM_REQUEST__INIT;
    req.action = ETCDSERVERPB__ALARM_REQUEST__ALARM_ACTION__GET;
    req.alarm = ETCDSERVERPB__ALARM_TYPE__NONE;
    return alarm_call(c, &req, out, n, err);
}

int ec_alarm_disarm(ec_client *c, const ec_alarm *a, ec_err *err)
{
    Etcdserverpb__AlarmRequest req = ETCDSERVERPB__ALARM_REQUEST__INIT;
    req.action = ETCDSERVERPB__ALARM_REQUEST__ALARM_ACTION__DEACTIVATE;
    req.memberid = a->member_id;
    req.alarm = (Etcdserverpb__AlarmType)a->type;
    return alarm_call(c, &req, NULL, NULL, err);
}

int ec_defragment(ec_client *c, const ec_callopt *opt, ec_err *err)
{
    /* Defragmenting a large database takes minutes: never the short
     * command deadline. */
    ec_callopt o = {opt ? opt->endpoint : NULL, opt && opt->timeout_ms > 0 ? opt->timeout_ms : 10 * 60 * 1000};
    Etcdserverpb__DefragmentRequest req = ETCDSERVERPB__DEFRAGMENT_REQUEST__INIT;
    ec_rpc rpc = {"/etcdserverpb.Maintenance/Defragment", "Defragment", &req.base,
                  &etcdserverpb__defragment_response__descriptor, false};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, &o, &rpc, &m, err) != 0)
        return -1;
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

int ec_hashkv(ec_client *c, const ec_callopt *opt, int64_t revision, uint32_t *hash, int64_t *compact_revision,
              ec_header *hdr, ec_err *err)
{
    Etcdserverpb__HashKVRequest req = ETCDSERVERPB__HASH_KVREQUEST__INIT;
    req.revision = revision;
    ec_rpc rpc = {"/etcdserverpb.Maintenance/HashKV", "HashKV", &req.base,
                  &etcdserverpb__hash_kvresponse__descriptor, true};
    ProtobufCMessage *m = NULL;
    if (ec_unary(c, opt, &rpc, &m, err) != 0)
        return -1;
    Etcdserverpb__HashKVResponse *r = (Etcdserverpb__HashKVResponse *)m;
    if (hash)
        *hash = r->hash;
    if (compact_revision)
        *compact_revision = r->compact_revision;
    if (hdr)
        ec_header_from_pb(hdr, r->header);
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}
