#include "etcdclient/client/stream.h"

#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/support/alloc.h>

enum { TAG_START = 1, TAG_SEND, TAG_RECV, TAG_STATUS };

int ec_stream_open(ec_stream *s, ec_client *c, const ec_callopt *opt, const char *method, const char *name,
                   int timeout_ms, ec_err *err)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->name = name;
    s->details = grpc_empty_slice();
    s->timeout_ms = timeout_ms;
    grpc_metadata_array_init(&s->initial_md);
    grpc_metadata_array_init(&s->trailing_md);
    if (ec_pick_endpoint(c, opt, &s->ep, err) != 0)
        return -1;
    /* A stream counts once, at its creation: a watch's events are what etcd
     * does anyway, not load we add. */
    if (ec_limit_acquire(c, name, c->eps[s->ep].url, 0, c->command_timeout_ms, err) != 0)
        return -1;
    s->cq = grpc_completion_queue_create_for_next(NULL);
    gpr_timespec deadline = timeout_ms > 0 ? ec_deadline_ms(timeout_ms) : gpr_inf_future(GPR_CLOCK_MONOTONIC);
    s->call = grpc_channel_create_call(ec_channel_get(c, s->ep), NULL, GRPC_PROPAGATE_DEFAULTS, s->cq,
                                       grpc_slice_from_static_string(method), NULL, deadline, NULL);
    grpc_metadata md[1];
    size_t n_md = ec_auth_metadata(c, md, &s->token);
    grpc_op ops[3];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = n_md;
    ops[0].data.send_initial_metadata.metadata = n_md ? md : NULL;
    /* gRPC core delivers no message before the initial metadata is asked for. */
    ops[2].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[2].data.recv_initial_metadata.recv_initial_metadata = &s->initial_md;
    /* The status op is queued at once: it completes when the stream ends,
     * whichever way, and its tag is drained in close. */
    ops[1].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[1].data.recv_status_on_client.trailing_metadata = &s->trailing_md;
    ops[1].data.recv_status_on_client.status = &s->status;
    ops[1].data.recv_status_on_client.status_details = &s->details;
    ops[1].data.recv_status_on_client.error_string = &s->error_string;
    if (grpc_call_start_batch(s->call, &ops[0], 1, (void *)TAG_START, NULL) != GRPC_CALL_OK ||
        grpc_call_start_batch(s->call, &ops[2], 1, (void *)TAG_START, NULL) != GRPC_CALL_OK ||
        grpc_call_start_batch(s->call, &ops[1], 1, (void *)TAG_STATUS, NULL) != GRPC_CALL_OK)
        return ec_fail(err, EC_E_INTERNAL, "%s on '%s': cannot start the gRPC stream", name, c->eps[s->ep].url);
    s->status_pending = true;
    s->started = true;
    /* Initial metadata send completes promptly; drained with the rest. */
    return 0;
}

/* Takes one event off the queue and records what completed. Returns the tag
 * (0 on timeout). */
static intptr_t pump(ec_stream *s, gpr_timespec deadline)
{
    grpc_event ev = grpc_completion_queue_next(s->cq, deadline, NULL);
    if (ev.type != GRPC_OP_COMPLETE)
        return 0;
    intptr_t tag = (intptr_t)ev.tag;
    switch (tag) {
    case TAG_SEND:
        s->send_pending = false;
        if (s->send_bb) {
            grpc_byte_buffer_destroy(s->send_bb);
            s->send_bb = NULL;
        }
        break;
    case TAG_RECV:
        s->recv_pending = false;
        break;
    case TAG_STATUS:
        s->status_pending = false;
        s->status_done = true;
        break;
    default:
        break;
    }
    return tag;
}

static int stream_end_err(ec_stream *s, ec_err *err)
{
    /* The receive found the end: wait (bounded) for the final status. */
    gpr_timespec backstop = ec_deadline_ms(10000);
    while (s->status_pending && pump(s, backstop) != 0)
        ;
    if (!s->status_done)
        return ec_fail(err, EC_E_INTERNAL, "%s on '%s': stream ended without a status", s->name,
                       s->c->eps[s->ep].url);
    if (s->status == GRPC_STATUS_OK) {
        ec_err_clear(err);
        return -1;
    }
    char *det = grpc_slice_to_c_string(s->details);
    ec_status_to_err(s->status, det, s->name, s->c->eps[s->ep].url, s->timeout_ms, err);
    gpr_free(det);
    return -1;
}

int ec_stream_send(ec_stream *s, const ProtobufCMessage *m, bool close_send, int timeout_ms, ec_err *err)
{
    gpr_timespec deadline = ec_deadline_ms(timeout_ms);
    while (s->send_pending)
        if (pump(s, deadline) == 0)
            return ec_fail(err, EC_E_DEADLINE, "%s on '%s': previous send still pending after %d ms", s->name,
                           s->c->eps[s->ep].url, timeout_ms);
    s->send_bb = ec_pack(m);
    grpc_op ops[2];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_MESSAGE;
    ops[0].data.send_message.send_message = s->send_bb;
    size_t n = 1;
    if (close_send) {
        ops[1].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
        n = 2;
        s->closed_send = true;
    }
    if (grpc_call_start_batch(s->call, ops, n, (void *)TAG_SEND, NULL) != GRPC_CALL_OK)
        return ec_fail(err, EC_E_INTERNAL, "%s on '%s': cannot send", s->name, s->c->eps[s->ep].url);
    s->send_pending = true;
    while (s->send_pending)
        if (pump(s, deadline) == 0)
            return ec_fail(err, EC_E_DEADLINE, "%s on '%s': send not accepted within %d ms", s->name,
                           s->c->eps[s->ep].url, timeout_ms);
    return 0;
}

int ec_stream_recv(ec_stream *s, const ProtobufCMessageDescriptor *d, int timeout_ms, ProtobufCMessage **m,
                   ec_err *err)
{
    *m = NULL;
    if (!s->recv_pending) {
        grpc_op op;
        memset(&op, 0, sizeof op);
        op.op = GRPC_OP_RECV_MESSAGE;
        op.data.recv_message.recv_message = &s->recv_bb;
        s->recv_bb = NULL;
        if (grpc_call_start_batch(s->call, &op, 1, (void *)TAG_RECV, NULL) != GRPC_CALL_OK)
            return ec_fail(err, EC_E_INTERNAL, "%s on '%s': cannot receive", s->name, s->c->eps[s->ep].url);
        s->recv_pending = true;
    }
    gpr_timespec deadline = ec_deadline_ms(timeout_ms);
    while (s->recv_pending)
        if (pump(s, deadline) == 0)
            return 0;
    if (!s->recv_bb)
        return stream_end_err(s, err);
    if (s->count_bytes)
        ec_limit_received(s->c, grpc_byte_buffer_length(s->recv_bb));
    *m = ec_unpack(d, s->recv_bb);
    grpc_byte_buffer_destroy(s->recv_bb);
    s->recv_bb = NULL;
    if (!*m)
        return ec_fail(err, EC_E_CORRUPT, "%s on '%s': message does not parse as %s", s->name,
                       s->c->eps[s->ep].url, d->name);
    return 1;
}

void ec_stream_close(ec_stream *s)
{
    if (s->call) {
        if (s->send_pending || s->recv_pending || s->status_pending)
            grpc_call_cancel(s->call, NULL);
        /* Every queued tag completes after a cancel; collect them all. */
        while (s->send_pending || s->recv_pending || s->status_pending)
            pump(s, gpr_inf_future(GPR_CLOCK_MONOTONIC));
        grpc_call_unref(s->call);
        s->call = NULL;
    }
    if (s->cq) {
        grpc_completion_queue_shutdown(s->cq);
        while (grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
               GRPC_QUEUE_SHUTDOWN)
            ;
        grpc_completion_queue_destroy(s->cq);
        s->cq = NULL;
    }
    if (s->send_bb)
        grpc_byte_buffer_destroy(s->send_bb);
    if (s->recv_bb)
        grpc_byte_buffer_destroy(s->recv_bb);
    s->send_bb = s->recv_bb = NULL;
    grpc_metadata_array_destroy(&s->initial_md);
    grpc_metadata_array_destroy(&s->trailing_md);
    grpc_slice_unref(s->details);
    s->details = grpc_empty_slice();
    if (s->error_string)
        gpr_free((void *)s->error_string);
    s->error_string = NULL;
    free(s->token);
    s->token = NULL;
}
