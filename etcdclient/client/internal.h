/* Shared by the files of etcdclient/client only: the client's insides and the
 * gRPC call machinery. Not part of the public API. */
#ifndef EC_CLIENT_INTERNAL_H
#define EC_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <grpc/grpc.h>
#include <protobuf-c/protobuf-c.h>

#include "etcdclient/etcd.h"
#include "etcdclient/client/limit.h"
#include "etcdserverpb/rpc.pb-c.h"

#define EC_EXTRA_ENDPOINTS 32

typedef struct ec_endpoint {
    char *url;          /* as given, for messages */
    char *target;       /* "host:port" for gRPC */
    char *host;         /* for the TLS name check and the probe */
    int port;
    grpc_channel *channel; /* created lazily under the client lock */
} ec_endpoint;

typedef struct ec_creds {
    bool tls;
    char *ca_pem;       /* contents, NUL-terminated */
    char *cert_pem;
    char *key_pem;
    const char *ca_path;   /* for messages (point into cfg copies) */
    const char *cert_path;
    const char *key_path;
} ec_creds;

struct ec_client {
    pthread_mutex_t lock;     /* endpoints[].channel, extra endpoints, token */
    ec_endpoint *eps;
    size_t n_eps;             /* configured endpoints come first */
    size_t n_configured;
    size_t cap_eps;           /* eps never moves: room for members found later */
    atomic_size_t current;    /* index into eps of the endpoint in use */
    ec_creds creds;
    char *ca_path, *cert_path, *key_path;
    grpc_channel_credentials *chan_creds;
    char *user, *password;
    char *token;              /* auth token (NULL if no auth) */
    int dial_timeout_ms;
    int command_timeout_ms;
    atomic_llong last_rtt_us;
    char **warnings;
    size_t n_warnings;
    ec_consistency consistency;
    atomic_llong max_revision; /* highest revision seen in a Range reply */
    pthread_mutex_t limit_lock; /* the buckets and stats */
    ec_bucket req_bucket;
    ec_bucket byte_bucket;
    ec_client_stats stats;
};

/* Before sending a request of req_bytes: waits for the rate limits' tokens,
 * at most timeout_ms, and counts the request. Fails (nothing sent) when the
 * wait would be longer. what/url name the call for the message. */
int ec_limit_acquire(ec_client *c, const char *what, const char *url, size_t req_bytes, int timeout_ms,
                     ec_err *err);
/* After a reply (or a stream chunk) of n bytes: counted, and owed to the
 * byte bucket so the next request waits it off. */
void ec_limit_received(ec_client *c, size_t n);
/* Between chunks of a stream whose bytes are counted: waits (at most
 * timeout_ms) until the byte bucket is out of debt. */
void ec_limit_pace(ec_client *c, int timeout_ms);
int64_t ec_now_us(void);

/* Parses "https://h:p", "h:p", "[v6]:p"; fills ep (strings malloc'd). */
int ec_endpoint_parse(const char *url, bool insecure, ec_endpoint *ep, ec_err *err);
void ec_endpoint_clear(ec_endpoint *ep);

/* Channel of endpoint i, created on first use. */
grpc_channel *ec_channel_get(ec_client *c, size_t i);
/* Index of the endpoint with this URL, added (not configured) if unknown. */
int ec_endpoint_index(ec_client *c, const char *url, size_t *idx, ec_err *err);

/* Classifies why an endpoint cannot be used, with a one-shot TCP + TLS
 * handshake made by OpenSSL (gRPC's own status says too little). Fills err
 * and returns -1 when a cause is found; 0 if the handshake is fine. */
int ec_tls_probe(const ec_endpoint *ep, const ec_creds *cr, int timeout_ms, ec_err *err);

/* One unary call: packs req, sends it on method, unpacks the reply with
 * resp_desc into *resp (free with protobuf_c_message_free_unpacked).
 * Handles failover between endpoints, the auth token and deadlines. */
typedef struct ec_rpc {
    const char *method;                 /* "/etcdserverpb.KV/Range" */
    const char *name;                   /* "Range", for messages */
    const ProtobufCMessage *req;
    const ProtobufCMessageDescriptor *resp_desc;
    bool idempotent;                    /* safe to retry elsewhere after a deadline */
} ec_rpc;
int ec_unary(ec_client *c, const ec_callopt *opt, const ec_rpc *rpc, ProtobufCMessage **resp,
             ec_err *err);
/* Same, also giving the time spent on the wire over all attempts (waits
 * for rate-limit tokens excluded), for page sizing. */
int ec_unary_timed(ec_client *c, const ec_callopt *opt, const ec_rpc *rpc, ProtobufCMessage **resp,
                   int64_t *took_us, ec_err *err);

/* Pieces shared by unary and streaming calls. */
grpc_byte_buffer *ec_pack(const ProtobufCMessage *m);
ProtobufCMessage *ec_unpack(const ProtobufCMessageDescriptor *d, grpc_byte_buffer *bb);
/* Maps a finished call's status to err; subject is the endpoint URL. */
int ec_status_to_err(grpc_status_code st, const char *details, const char *rpc_name,
                     const char *endpoint, int timeout_ms, ec_err *err);
/* Metadata to send (the auth token), valid while the client lives.
 * Returns the number of entries written to md (0 or 1). */
size_t ec_auth_metadata(ec_client *c, grpc_metadata *md, char **token_copy);
gpr_timespec ec_deadline_ms(int ms);
/* Waits until endpoint i's channel is READY or dial timeout passes. */
bool ec_channel_wait_ready(ec_client *c, size_t i, int timeout_ms);
/* Endpoint selection shared with streams: the index to use for opt, or the
 * current one; after a connection failure on it, ec_failover moves on. */
void ec_failover(ec_client *c, size_t failed);
/* Obtains a usable endpoint index for a stream (dial + probe + failover). */
int ec_pick_endpoint(ec_client *c, const ec_callopt *opt, size_t *idx, ec_err *err);

void ec_header_from_pb(ec_header *h, const Etcdserverpb__ResponseHeader *pb);
void ec_kv_from_pb(ec_kv *kv, const Mvccpb__KeyValue *pb);

#endif
