/* Unary gRPC calls to etcd: one struct owns everything a call touches, one
 * cleanup on every path; deadlines on every call; failover to the next
 * endpoint when the current one cannot be reached. */
#include "etcdclient/client/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

gpr_timespec ec_deadline_ms(int ms)
{
    return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

grpc_byte_buffer *ec_pack(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    grpc_slice s = grpc_slice_malloc(n);
    protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

ProtobufCMessage *ec_unpack(const ProtobufCMessageDescriptor *d, grpc_byte_buffer *bb)
{
    grpc_byte_buffer_reader r;
    if (!grpc_byte_buffer_reader_init(&r, bb))
        return NULL;
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, GRPC_SLICE_LENGTH(s), GRPC_SLICE_START_PTR(s));
    grpc_slice_unref(s);
    return m;
}

void ec_header_from_pb(ec_header *h, const Etcdserverpb__ResponseHeader *pb)
{
    memset(h, 0, sizeof *h);
    if (!pb)
        return;
    h->cluster_id = pb->cluster_id;
    h->member_id = pb->member_id;
    h->revision = pb->revision;
    h->raft_term = pb->raft_term;
}

void ec_kv_from_pb(ec_kv *kv, const Mvccpb__KeyValue *pb)
{
    memset(kv, 0, sizeof *kv);
    if (!pb)
        return;
    kv->key = pb->key.data;
    kv->key_len = pb->key.len;
    kv->value = pb->value.data;
    kv->value_len = pb->value.len;
    kv->create_revision = pb->create_revision;
    kv->mod_revision = pb->mod_revision;
    kv->version = pb->version;
    kv->lease = pb->lease;
}

static bool contains(const char *s, const char *needle) { return s && strstr(s, needle) != NULL; }

int ec_status_to_err(grpc_status_code st, const char *details, const char *rpc_name, const char *endpoint,
                     int timeout_ms, ec_err *err)
{
    const char *d = details && *details ? details : "no detail";
    int rc;
    switch (st) {
    case GRPC_STATUS_OK:
        return 0;
    case GRPC_STATUS_DEADLINE_EXCEEDED:
        rc = ec_fail(err, EC_E_DEADLINE, "%s on '%s' did not answer within %d ms (deadline exceeded)", rpc_name,
                     endpoint, timeout_ms);
        break;
    case GRPC_STATUS_OUT_OF_RANGE:
        if (contains(d, "compacted"))
            rc = ec_fail(err, EC_E_COMPACTED, "%s on '%s': required revision has been compacted", rpc_name,
                         endpoint);
        else if (contains(d, "future"))
            rc = ec_fail(err, EC_E_FUTURE_REV, "%s on '%s': required revision is a future revision",
                         rpc_name, endpoint);
        else
            rc = ec_fail(err, EC_E_INVALID, "%s on '%s': %s", rpc_name, endpoint, d);
        break;
    case GRPC_STATUS_RESOURCE_EXHAUSTED:
        if (contains(d, "space exceeded"))
            rc = ec_fail(err, EC_E_NOSPACE, "%s on '%s': etcd database space exceeded (NOSPACE alarm)",
                         rpc_name, endpoint);
        else if (contains(d, "too many requests"))
            rc = ec_fail(err, EC_E_TOO_MANY_REQUESTS, "%s on '%s': etcd has too many requests", rpc_name,
                         endpoint);
        else
            rc = ec_fail(err, EC_E_NOMEM, "%s on '%s': %s", rpc_name, endpoint, d);
        break;
    case GRPC_STATUS_PERMISSION_DENIED:
        rc = ec_fail(err, EC_E_PERMISSION, "%s on '%s': permission denied by etcd", rpc_name, endpoint);
        break;
    case GRPC_STATUS_UNAUTHENTICATED:
        rc = ec_fail(err, EC_E_AUTH, "%s on '%s': %s", rpc_name, endpoint, d);
        break;
    case GRPC_STATUS_INVALID_ARGUMENT:
        if (contains(d, "authentication failed"))
            rc = ec_fail(err, EC_E_AUTH, "authentication on '%s' failed: invalid user name or password",
                         endpoint);
        else
            rc = ec_fail(err, EC_E_INVALID, "%s on '%s' rejected: %s", rpc_name, endpoint, d);
        break;
    case GRPC_STATUS_FAILED_PRECONDITION:
        if (contains(d, "user name is empty") || contains(d, "auth"))
            rc = ec_fail(err, EC_E_AUTH, "%s on '%s': etcd requires authentication (%s)", rpc_name,
                         endpoint, d);
        else
            rc = ec_fail(err, EC_E_INVALID, "%s on '%s': %s", rpc_name, endpoint, d);
        break;
    case GRPC_STATUS_NOT_FOUND:
        rc = ec_fail(err, EC_E_NOT_FOUND, "%s on '%s': %s", rpc_name, endpoint, d);
        break;
    case GRPC_STATUS_CANCELLED:
        rc = ec_fail(err, EC_E_CANCELLED, "%s on '%s' was cancelled", rpc_name, endpoint);
        break;
    case GRPC_STATUS_DATA_LOSS:
        rc = ec_fail(err, EC_E_CORRUPT, "%s on '%s': etcd reports data corruption: %s", rpc_name, endpoint, d);
        break;
    case GRPC_STATUS_UNAVAILABLE:
        if (contains(d, "etcdserver:") && contains(d, "leader")) /* "leader changed", "no leader" */
            rc = ec_fail(err, EC_E_NO_LEADER, "%s on '%s': %s", rpc_name, endpoint, d);
        else if (contains(d, "etcdserver:"))
            rc = ec_fail(err, EC_E_UNAVAILABLE, "%s on '%s': %s", rpc_name, endpoint, d);
        else
            rc = ec_fail(err, EC_E_UNREACHABLE, "cannot reach '%s' (%s)", endpoint, d);
        break;
    default:
        rc = ec_fail(err, EC_E_INTERNAL, "%s on '%s' failed (gRPC status %d): %s", rpc_name, endpoint, (int)st,
                     d);
        break;
    }
    err->grpc_status = (int)st;
    return rc;
}

size_t ec_auth_metadata(ec_client *c, grpc_metadata *md, char **token_copy)
{
    *token_copy = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->token)
        *token_copy = strdup(c->token);
    pthread_mutex_unlock(&c->lock);
    if (!*token_copy)
        return 0;
    memset(md, 0, sizeof *md);
    md->key = grpc_slice_from_static_string("token");
    md->value = grpc_slice_from_static_string(*token_copy);
    return 1;
}

bool ec_channel_wait_ready(ec_client *c, size_t i, int timeout_ms)
{
    grpc_channel *ch = ec_channel_get(c, i);
    grpc_connectivity_state st = grpc_channel_check_connectivity_state(ch, 1);
    if (st == GRPC_CHANNEL_READY)
        return true;
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    gpr_timespec deadline = ec_deadline_ms(timeout_ms);
    bool ready = false;
    while (!ready) {
        grpc_channel_watch_connectivity_state(ch, st, deadline, cq, (void *)1);
        grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        if (ev.type != GRPC_OP_COMPLETE || !ev.success)
            break; /* deadline passed without a change */
        st = grpc_channel_check_connectivity_state(ch, 1);
        ready = st == GRPC_CHANNEL_READY;
    }
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type != GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    return ready;
}

/* Everything one call attempt owns; cleaned up in one place. */
typedef struct call_state {
    grpc_completion_queue *cq;
    grpc_call *call;
    grpc_byte_buffer *send_bb;
    grpc_byte_buffer *recv_bb;
    grpc_metadata_array initial_md;
    grpc_metadata_array trailing_md;
    grpc_status_code status;
    grpc_slice details;
    const char *error_string;
    char *token;
} call_state;

static void call_state_cleanup(call_state *cs)
{
    if (cs->call)
        grpc_call_unref(cs->call);
    if (cs->cq) {
        grpc_completion_queue_shutdown(cs->cq);
        while (grpc_completion_queue_next(cs->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
               GRPC_QUEUE_SHUTDOWN)
            ;
        grpc_completion_queue_destroy(cs->cq);
    }
    if (cs->send_bb)
        grpc_byte_buffer_destroy(cs->send_bb);
    if (cs->recv_bb)
        grpc_byte_buffer_destroy(cs->recv_bb);
    grpc_metadata_array_destroy(&cs->initial_md);
    grpc_metadata_array_destroy(&cs->trailing_md);
    grpc_slice_unref(cs->details);
    if (cs->error_string)
        gpr_free((void *)cs->error_string);
    free(cs->token);
}

/* One attempt on endpoint i. Returns 0 with *resp, or -1 with err. Adds
 * the time on the wire to *took_us (when given). */
static int call_once(ec_client *c, size_t i, const ec_rpc *rpc, int timeout_ms, ProtobufCMessage **resp,
                     int64_t *took_us, ec_err *err)
{
    /* Tokens first, so waiting for them never eats into the call's deadline. */
    if (ec_limit_acquire(c, rpc->name, c->eps[i].url, protobuf_c_message_get_packed_size(rpc->req), timeout_ms,
                         err) != 0)
        return -1;
    call_state cs;
    memset(&cs, 0, sizeof cs);
    cs.details = grpc_empty_slice();
    grpc_metadata_array_init(&cs.initial_md);
    grpc_metadata_array_init(&cs.trailing_md);
    grpc_metadata md[1];
    size_t n_md = ec_auth_metadata(c, md, &cs.token);
    const char *url = c->eps[i].url;
    int rc = -1;

    cs.cq = grpc_completion_queue_create_for_next(NULL);
    gpr_timespec deadline = ec_deadline_ms(timeout_ms);
    cs.call = grpc_channel_create_call(ec_channel_get(c, i), NULL, GRPC_PROPAGATE_DEFAULTS, cs.cq,
                                       grpc_slice_from_static_string(rpc->method), NULL, deadline, NULL);
    cs.send_bb = ec_pack(rpc->req);

    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = n_md;
    ops[0].data.send_initial_metadata.metadata = n_md ? md : NULL;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = cs.send_bb;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &cs.initial_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &cs.recv_bb;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &cs.trailing_md;
    ops[5].data.recv_status_on_client.status = &cs.status;
    ops[5].data.recv_status_on_client.status_details = &cs.details;
    ops[5].data.recv_status_on_client.error_string = &cs.error_string;

    int64_t t0 = ec_now_us();
    grpc_call_error ce = grpc_call_start_batch(cs.call, ops, 6, (void *)1, NULL);
    if (ce != GRPC_CALL_OK) {
        ec_fail(err, EC_E_INTERNAL, "%s on '%s': cannot start gRPC call (error %d)", rpc->name, url, (int)ce);
        goto out;
    }
    /* The call's own deadline ends it; the queue wait only needs a backstop. */
    grpc_event ev = grpc_completion_queue_next(cs.cq, ec_deadline_ms(timeout_ms + 5000), NULL);
    if (took_us)
        *took_us += ec_now_us() - t0;
    if (cs.recv_bb)
        ec_limit_received(c, grpc_byte_buffer_length(cs.recv_bb));
    if (ev.type != GRPC_OP_COMPLETE) {
        grpc_call_cancel(cs.call, NULL);
        grpc_completion_queue_next(cs.cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        ec_fail(err, EC_E_DEADLINE, "%s on '%s' did not complete within %d ms", rpc->name, url, timeout_ms);
        goto out;
    }
    if (cs.status != GRPC_STATUS_OK) {
        char *det = grpc_slice_to_c_string(cs.details);
        ec_status_to_err(cs.status, det, rpc->name, url, timeout_ms, err);
        gpr_free(det);
        goto out;
    }
    if (!cs.recv_bb) {
        ec_fail(err, EC_E_CORRUPT, "%s on '%s': no reply message", rpc->name, url);
        goto out;
    }
    *resp = ec_unpack(rpc->resp_desc, cs.recv_bb);
    if (!*resp) {
        ec_fail(err, EC_E_CORRUPT, "%s on '%s': reply does not parse as %s", rpc->name, url,
                rpc->resp_desc->name);
        goto out;
    }
    atomic_store(&c->last_rtt_us, ec_now_us() - t0);
    rc = 0;
out:
    call_state_cleanup(&cs);
    return rc;
}

/* Gets a token with Auth.Authenticate on endpoint i (no token sent). */
static int authenticate(ec_client *c, size_t i, ec_err *err)
{
    Etcdserverpb__AuthenticateRequest req = ETCDSERVERPB__AUTHENTICATE_REQUEST__INIT;
    req.name = c->user;
    req.password = c->password;
    ec_rpc rpc = {"/etcdserverpb.Auth/Authenticate", "Authenticate", &req.base,
                  &etcdserverpb__authenticate_response__descriptor, false};
    ProtobufCMessage *m = NULL;
    pthread_mutex_lock(&c->lock);
    char *old = c->token;
    c->token = NULL;
    pthread_mutex_unlock(&c->lock);
    free(old);
    if (call_once(c, i, &rpc, c->command_timeout_ms, &m, NULL, err) != 0)
        return -1;
    Etcdserverpb__AuthenticateResponse *r = (Etcdserverpb__AuthenticateResponse *)m;
    pthread_mutex_lock(&c->lock);
    c->token = strdup(r->token ? r->token : "");
    pthread_mutex_unlock(&c->lock);
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

static bool is_connection_failure(const ec_err *e)
{
    return e->code == EC_E_UNREACHABLE || e->code == EC_E_TLS_SERVER_UNTRUSTED ||
           e->code == EC_E_TLS_CLIENT_REJECTED || e->code == EC_E_TLS_CLIENT_REQUIRED ||
           e->code == EC_E_TLS_HANDSHAKE || e->code == EC_E_UNAVAILABLE || e->code == EC_E_NO_LEADER;
}

/* Makes endpoint i usable: connected (or the reason why not), authenticated. */
static int prepare_endpoint(ec_client *c, size_t i, ec_err *err)
{
    if (!ec_channel_wait_ready(c, i, c->dial_timeout_ms)) {
        if (ec_tls_probe(&c->eps[i], &c->creds, c->dial_timeout_ms, err) != 0)
            return -1;
        /* The probe got through: gRPC is only slow to (re)connect. */
        if (!ec_channel_wait_ready(c, i, c->dial_timeout_ms))
            return ec_fail(err, EC_E_UNREACHABLE, "cannot connect to '%s' within %d ms", c->eps[i].url,
                           c->dial_timeout_ms);
    }
    if (c->user) {
        pthread_mutex_lock(&c->lock);
        bool have = c->token != NULL;
        pthread_mutex_unlock(&c->lock);
        if (!have && authenticate(c, i, err) != 0)
            return -1;
    }
    return 0;
}

int ec_pick_endpoint(ec_client *c, const ec_callopt *opt, size_t *idx, ec_err *err)
{
    if (opt && opt->endpoint) {
        if (ec_endpoint_index(c, opt->endpoint, idx, err) != 0)
            return -1;
        return prepare_endpoint(c, *idx, err);
    }
    ec_err first;
    ec_err_clear(&first);
    for (size_t attempt = 0; attempt < c->n_configured; attempt++) {
        size_t i = atomic_load(&c->current);
        if (prepare_endpoint(c, i, err) == 0) {
            *idx = i;
            return 0;
        }
        /* Getting ready is connect + handshake (+ auth): a deadline there
         * means this member cannot be used now, so the next one is tried. */
        if (!is_connection_failure(err) && err->code != EC_E_DEADLINE)
            return -1;
        if (attempt == 0)
            first = *err;
        ec_failover(c, i);
    }
    if (c->n_configured > 1) {
        *err = first;
        ec_wrap(err, "no endpoint of %zu answered; first", c->n_configured);
        err->code = first.code;
    }
    return -1;
}

int ec_unary(ec_client *c, const ec_callopt *opt, const ec_rpc *rpc, ProtobufCMessage **resp, ec_err *err)
{
    return ec_unary_timed(c, opt, rpc, resp, NULL, err);
}

/* An election in progress: etcd says "leader changed" or "no leader" until
 * a new leader is up, about one election timeout (1 s by default). A call
 * that is safe to repeat waits 150, 300, then 600 ms and asks again rather
 * than fail the operator's command on a blip; a member that stays without a
 * leader still fails within about a second. */
static bool wait_out_election(const ec_rpc *rpc, const ec_err *err, int *waits)
{
    if (!rpc->idempotent || err->code != EC_E_NO_LEADER || *waits >= 3)
        return false;
    long ms = 150L << *waits;
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
    (*waits)++;
    return true;
}

int ec_unary_timed(ec_client *c, const ec_callopt *opt, const ec_rpc *rpc, ProtobufCMessage **resp,
                   int64_t *took_us, ec_err *err)
{
    if (took_us)
        *took_us = 0;
    int timeout = opt && opt->timeout_ms > 0 ? opt->timeout_ms : c->command_timeout_ms;
    size_t attempts = opt && opt->endpoint ? 1 : c->n_configured;
    bool reauthed = false;
    int election_waits = 0;
    ec_err first;
    ec_err_clear(&first);
    *resp = NULL;
    for (size_t attempt = 0; attempt < attempts; attempt++) {
        size_t i;
        if (ec_pick_endpoint(c, opt, &i, err) != 0)
            return -1; /* every endpoint already tried by the picker */
        if (call_once(c, i, rpc, timeout, resp, took_us, err) == 0)
            return 0;
        /* An expired auth token: get a new one and retry once. */
        if (c->user && !reauthed && err->code == EC_E_AUTH && strstr(err->msg, "invalid auth token")) {
            reauthed = true;
            if (authenticate(c, i, err) != 0)
                return -1;
            attempt--;
            continue;
        }
        if (wait_out_election(rpc, err, &election_waits)) {
            if (!(opt && opt->endpoint))
                ec_failover(c, i); /* a member cut off from the others stays leaderless */
            attempt--;
            continue;
        }
        bool retry = is_connection_failure(err) || (rpc->idempotent && err->code == EC_E_DEADLINE);
        if (!retry || (opt && opt->endpoint))
            return -1;
        if (err->code == EC_E_UNREACHABLE) {
            /* The channel broke mid-call: say why, as precisely as we can. */
            ec_err probe;
            if (ec_tls_probe(&c->eps[i], &c->creds, c->dial_timeout_ms, &probe) != 0)
                *err = probe;
        }
        if (attempt == 0)
            first = *err;
        ec_failover(c, i);
    }
    if (attempts > 1 && first.code != EC_OK) {
        ec_code code = first.code;
        *err = first;
        ec_wrap(err, "no endpoint of %zu answered; first", attempts);
        err->code = code;
    }
    return -1;
}
