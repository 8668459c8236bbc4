/* Watch: one bidirectional stream carrying one watcher. Created from a start
 * revision (history replay) or from now; compaction and cancellation are
 * reported as errors with the revision to restart from. */
#include "etcdclient/client/stream.h"

#include <stdlib.h>
#include <string.h>

struct ec_watch {
    ec_stream s;
    int64_t watch_id;
    int64_t compact_revision;
    bool ended;
};

static int to_batch(Etcdserverpb__WatchResponse *r, ec_watch_batch **out, ec_err *err)
{
    ec_watch_batch *b = calloc(1, sizeof *b);
    if (!b || (r->n_events && !(b->events = calloc(r->n_events, sizeof *b->events)))) {
        free(b);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    ec_header_from_pb(&b->header, r->header);
    for (size_t i = 0; i < r->n_events; i++) {
        Mvccpb__Event *e = r->events[i];
        b->events[i].type = e->type == MVCCPB__EVENT__EVENT_TYPE__DELETE ? EC_EVENT_DELETE : EC_EVENT_PUT;
        ec_kv_from_pb(&b->events[i].kv, e->kv);
        if (e->prev_kv) {
            ec_kv_from_pb(&b->events[i].prev_kv, e->prev_kv);
            b->events[i].has_prev_kv = true;
        }
    }
    b->n_events = r->n_events;
    b->progress = r->n_events == 0;
    b->priv_ = r;
    *out = b;
    return 0;
}

int ec_watch_open(ec_client *c, const ec_watch_opts *o, ec_watch **out, int64_t *compact_revision, ec_err *err)
{
    *out = NULL;
    if (compact_revision)
        *compact_revision = 0;
    ec_watch *w = calloc(1, sizeof *w);
    if (!w)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    w->s.details = grpc_empty_slice();
    uint8_t *end = NULL;
    size_t end_len = 0;
    if (o->prefix) {
        end = malloc(o->key_len + 1);
        if (!end) {
            free(w);
            return ec_fail(err, EC_E_NOMEM, "out of memory");
        }
        end_len = ec_prefix_end(o->key, o->key_len, end);
    }
    Etcdserverpb__WatchCreateRequest cr = ETCDSERVERPB__WATCH_CREATE_REQUEST__INIT;
    static const uint8_t zero_key[1] = {0};
    bool whole = o->key_len == 0 && (o->prefix || o->range_end);
    cr.key.data = whole ? (uint8_t *)zero_key : (uint8_t *)o->key;
    cr.key.len = whole ? 1 : o->key_len;
    cr.range_end.data = end ? end : (uint8_t *)o->range_end;
    cr.range_end.len = end ? end_len : o->range_end_len;
    cr.start_revision = o->start_revision;
    cr.prev_kv = o->prev_kv;
    cr.progress_notify = o->progress_notify;
    Etcdserverpb__WatchRequest wr = ETCDSERVERPB__WATCH_REQUEST__INIT;
    wr.request_union_case = ETCDSERVERPB__WATCH_REQUEST__REQUEST_UNION_CREATE_REQUEST;
    wr.create_request = &cr;

    int rc = -1;
    if (ec_stream_open(&w->s, c, NULL, "/etcdserverpb.Watch/Watch", "Watch", 0, err) != 0)
        goto out;
    if (ec_stream_send(&w->s, &wr.base, false, c->command_timeout_ms, err) != 0)
        goto out;
    /* The first reply confirms the watcher, or cancels it at once when the
     * start revision is compacted. */
    ProtobufCMessage *m = NULL;
    int r = ec_stream_recv(&w->s, &etcdserverpb__watch_response__descriptor, c->command_timeout_ms, &m, err);
    if (r == 0) {
        ec_fail(err, EC_E_DEADLINE, "Watch on '%s' was not confirmed within %d ms", c->eps[w->s.ep].url,
                c->command_timeout_ms);
        goto out;
    }
    if (r < 0) {
        if (err->code == EC_OK)
            ec_fail(err, EC_E_UNAVAILABLE, "Watch on '%s' ended before it started", c->eps[w->s.ep].url);
        goto out;
    }
    Etcdserverpb__WatchResponse *resp = (Etcdserverpb__WatchResponse *)m;
    if (resp->canceled || resp->compact_revision > 0) {
        if (resp->compact_revision > 0) {
            if (compact_revision)
                *compact_revision = resp->compact_revision;
            ec_fail(err, EC_E_COMPACTED,
                    "watch from revision %lld: history before revision %lld has been compacted",
                    (long long)o->start_revision, (long long)resp->compact_revision);
        } else {
            ec_fail(err, EC_E_INVALID, "watch refused by '%s': %s", c->eps[w->s.ep].url,
                    resp->cancel_reason && resp->cancel_reason[0] ? resp->cancel_reason : "cancelled");
        }
        protobuf_c_message_free_unpacked(m, NULL);
        goto out;
    }
    w->watch_id = resp->watch_id;
    protobuf_c_message_free_unpacked(m, NULL);
    rc = 0;
out:
    free(end);
    if (rc != 0) {
        ec_stream_close(&w->s);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

int ec_watch_next(ec_watch *w, int timeout_ms, ec_watch_batch **out, ec_err *err)
{
    *out = NULL;
    if (w->ended)
        return ec_fail(err, EC_E_CANCELLED, "watch has ended");
    ProtobufCMessage *m = NULL;
    int r = ec_stream_recv(&w->s, &etcdserverpb__watch_response__descriptor, timeout_ms, &m, err);
    if (r == 0)
        return 0;
    if (r < 0) {
        w->ended = true;
        if (err->code == EC_OK)
            ec_fail(err, EC_E_UNAVAILABLE, "watch stream on '%s' closed by the server", w->s.c->eps[w->s.ep].url);
        return -1;
    }
    Etcdserverpb__WatchResponse *resp = (Etcdserverpb__WatchResponse *)m;
    if (resp->canceled) {
        w->ended = true;
        w->compact_revision = resp->compact_revision;
        if (resp->compact_revision > 0)
            ec_fail(err, EC_E_COMPACTED, "watch cancelled: history before revision %lld has been compacted",
                    (long long)resp->compact_revision);
        else
            ec_fail(err, EC_E_CANCELLED, "watch cancelled by etcd: %s",
                    resp->cancel_reason && resp->cancel_reason[0] ? resp->cancel_reason : "no reason given");
        protobuf_c_message_free_unpacked(m, NULL);
        return -1;
    }
    if (to_batch(resp, out, err) != 0) {
        protobuf_c_message_free_unpacked(m, NULL);
        return -1;
    }
    return 1;
}

int64_t ec_watch_compact_revision(const ec_watch *w) { return w->compact_revision; }

void ec_watch_batch_free(ec_watch_batch *b)
{
    if (!b)
        return;
    if (b->priv_)
        protobuf_c_message_free_unpacked(b->priv_, NULL);
    free(b->events);
    free(b);
}

int ec_watch_request_progress(ec_watch *w, ec_err *err)
{
    Etcdserverpb__WatchProgressRequest pr = ETCDSERVERPB__WATCH_PROGRESS_REQUEST__INIT;
    Etcdserverpb__WatchRequest wr = ETCDSERVERPB__WATCH_REQUEST__INIT;
    wr.request_union_case = ETCDSERVERPB__WATCH_REQUEST__REQUEST_UNION_PROGRESS_REQUEST;
    wr.progress_request = &pr;
    return ec_stream_send(&w->s, &wr.base, false, w->s.c->command_timeout_ms, err);
}

void ec_watch_close(ec_watch *w)
{
    if (!w)
        return;
    ec_stream_close(&w->s);
    free(w);
}
