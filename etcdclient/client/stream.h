/* A gRPC stream owned by one thread: at most one send and one receive in
 * flight, every queued tag drained before the call is released. */
#ifndef EC_STREAM_H
#define EC_STREAM_H

#include "etcdclient/client/internal.h"

typedef struct ec_stream {
    ec_client *c;
    size_t ep;                     /* endpoint index */
    const char *name;              /* RPC name for messages */
    grpc_completion_queue *cq;
    grpc_call *call;
    grpc_metadata_array initial_md;
    grpc_metadata_array trailing_md;
    grpc_status_code status;
    grpc_slice details;
    const char *error_string;
    char *token;
    grpc_byte_buffer *send_bb;     /* in flight */
    grpc_byte_buffer *recv_bb;     /* filled by a completed receive */
    bool send_pending, recv_pending, status_pending, status_done;
    bool started, closed_send;
    int timeout_ms;                /* deadline for the whole stream; 0 = none */
    bool count_bytes;              /* charge received messages to the byte limit (snapshot) */
} ec_stream;

/* Opens the call on an endpoint chosen like a unary call's. */
int ec_stream_open(ec_stream *s, ec_client *c, const ec_callopt *opt, const char *method, const char *name,
                   int timeout_ms, ec_err *err);
/* Sends one message (waits for the send to complete, bounded). With
 * close_send, also half-closes (server-streaming calls). */
int ec_stream_send(ec_stream *s, const ProtobufCMessage *m, bool close_send, int timeout_ms, ec_err *err);
/* Receives one message: 1 with *m, 0 on timeout (receive stays queued),
 * -1 when the stream ended (err says why; EC_OK code for a clean end). */
int ec_stream_recv(ec_stream *s, const ProtobufCMessageDescriptor *d, int timeout_ms, ProtobufCMessage **m,
                   ec_err *err);
/* Cancels if still open, drains and frees everything. */
void ec_stream_close(ec_stream *s);

#endif
