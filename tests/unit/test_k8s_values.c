/* Decode and peek of hand-built values: encrypted values of each provider,
 * JSON custom resources, text, binary, empty; the owner and writer rules;
 * exact error messages for damaged protobuf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "etcdclient/k8s/decode.h"
#include "etcdclient/k8s/peek.h"
#include "etcdclient/k8s/rfc3339.h"
#include "etcdclient/util/buf.h"

/* ---- a tiny protobuf writer for building test values -------------------- */

static void put_varint(ec_buf *b, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        if (v)
            c |= 0x80;
        assert_int_equal(ec_buf_append(b, &c, 1), 0);
    } while (v);
}

static void pb_bytes(ec_buf *b, uint32_t field, const void *p, size_t n)
{
    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, n);
    assert_int_equal(ec_buf_append(b, p, n), 0);
}

static void pb_str(ec_buf *b, uint32_t field, const char *s)
{
    pb_bytes(b, field, s, strlen(s));
}

static void pb_msg(ec_buf *b, uint32_t field, ec_buf *inner)
{
    pb_bytes(b, field, inner->data ? inner->data : "", inner->len);
    ec_buf_free(inner);
}

static void pb_uint(ec_buf *b, uint32_t field, uint64_t v)
{
    put_varint(b, (uint64_t)field << 3);
    put_varint(b, v);
}

static void owner(ec_buf *meta, const char *kind, const char *name, int controller)
{
    ec_buf o;
    ec_buf_init(&o, 0);
    pb_str(&o, 1, kind);
    pb_str(&o, 3, name);
    pb_str(&o, 4, "uid-of-" );
    pb_str(&o, 5, "apps/v1");
    if (controller >= 0)
        pb_uint(&o, 6, (uint64_t)controller);
    pb_msg(meta, 13, &o);
}

static void managed(ec_buf *meta, const char *manager, int64_t seconds, int32_t nanos)
{
    ec_buf m, t;
    ec_buf_init(&m, 0);
    pb_str(&m, 1, manager);
    pb_str(&m, 2, "Update");
    if (seconds >= 0 || seconds == INT64_MIN) {
        ec_buf_init(&t, 0);
        pb_uint(&t, 1, (uint64_t)(seconds == INT64_MIN ? EC_K8S_GO_ZERO_TIME : seconds));
        if (nanos)
            pb_uint(&t, 2, (uint64_t)nanos);
        pb_msg(&m, 4, &t);
    }
    pb_msg(meta, 17, &m);
}

/* "k8s\0" + Unknown{TypeMeta{apiVersion, kind}, raw = {1: meta, 2: spec}} */
static uint8_t *wrap(const char *apiv, const char *kind, ec_buf *meta, size_t *len)
{
    ec_buf tm, obj, out;
    ec_buf_init(&tm, 0);
    ec_buf_init(&obj, 0);
    ec_buf_init(&out, 0);
    pb_str(&tm, 1, apiv);
    pb_str(&tm, 2, kind);
    pb_msg(&obj, 1, meta);
    pb_str(&obj, 2, "spec-bytes");
    assert_int_equal(ec_buf_append(&out, "k8s\0", 4), 0);
    pb_msg(&out, 1, &tm);
    pb_msg(&out, 2, &obj);
    /* An exact-size copy so sanitizers catch over-reads. */
    uint8_t *v = malloc(out.len);
    assert_non_null(v);
    memcpy(v, out.data, out.len);
    *len = out.len;
    ec_buf_free(&out);
    return v;
}

static void assert_view(ec_k8s_view v, const char *want)
{
    if (!ec_k8s_view_eq(v, want))
        fail_msg("view is '%.*s', want '%s'", (int)v.len, v.p ? (const char *)v.p : "", want);
}

/* ---- owner and writer selection ----------------------------------------- */

static void test_owner_and_writer_rules(void **state)
{
    (void)state;
    ec_buf meta;
    ec_buf_init(&meta, 0);
    pb_str(&meta, 1, "web-5d8-x");
    pb_str(&meta, 3, "prod");
    owner(&meta, "Node", "n1", -1);
    owner(&meta, "ReplicaSet", "web-5d8", 1);
    owner(&meta, "Other", "o", 1);          /* a second controller: the first one wins */
    managed(&meta, "kubelet", 1700000000, 5);
    managed(&meta, "kube-scheduler", 1700000100, 0);
    managed(&meta, "no-time", -1, 0);       /* no time: older than any timed entry */
    managed(&meta, "kube-controller-manager", 1700000100, 0);   /* tie: the later entry wins */
    managed(&meta, "kubectl", 1600000000, 0);
    managed(&meta, "zero-time", INT64_MIN, 0);   /* Go's zero time: unset, like a missing time */
    size_t len;
    uint8_t *v = wrap("v1", "Pod", &meta, &len);

    ec_k8s_peek pk;
    ec_err err;
    ec_err_clear(&err);
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, &err), 0);
    assert_int_equal(pk.encoding, EC_K8S_ENC_PROTOBUF);
    assert_view(pk.kind, "Pod");
    assert_view(pk.api_version, "v1");
    assert_view(pk.name, "web-5d8-x");
    assert_view(pk.ns, "prod");
    assert_int_equal(pk.owner_count, 3);
    assert_view(pk.owner_kind, "ReplicaSet");
    assert_view(pk.owner_name, "web-5d8");
    assert_view(pk.owner_api_version, "apps/v1");
    assert_true(pk.owner_is_controller);
    assert_int_equal(pk.managed_count, 6);
    assert_view(pk.manager, "kube-controller-manager");
    assert_int_equal(pk.manager_seconds, 1700000100);

    ec_k8s_object *o;
    assert_int_equal(ec_k8s_decode(v, len, &o, &err), 0);
    assert_int_equal(ec_k8s_object_owner(o), 1);
    assert_int_equal(ec_k8s_object_writer(o), 3);
    assert_int_equal(o->meta.owners[0].controller, -1);
    assert_int_equal(o->meta.owners[1].controller, 1);
    assert_int_equal(o->meta.managed[0].time.nanos, 5);
    assert_string_equal(o->meta.managed[0].time.text.s, "2023-11-14T22:13:20.000000005Z");
    assert_false(o->meta.managed[2].time.present);
    assert_false(o->meta.managed[5].time.present);
    assert_string_equal(o->meta.managed[5].manager.s, "zero-time");
    ec_k8s_object_free(o);
    free(v);

    /* No controller: the first reference. No timed entry: the last one. */
    ec_buf_init(&meta, 0);
    owner(&meta, "Deployment", "d1", 0);
    owner(&meta, "Deployment", "d2", -1);
    managed(&meta, "a", -1, 0);
    managed(&meta, "b", -1, 0);
    v = wrap("apps/v1", "ReplicaSet", &meta, &len);
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, &err), 0);
    assert_view(pk.owner_name, "d1");
    assert_false(pk.owner_is_controller);
    assert_view(pk.manager, "b");
    assert_false(pk.manager_has_time);
    assert_int_equal(ec_k8s_decode(v, len, &o, &err), 0);
    assert_int_equal(ec_k8s_object_owner(o), 0);
    assert_int_equal(ec_k8s_object_writer(o), 1);
    ec_k8s_object_free(o);
    free(v);
}

/* ---- error messages ----------------------------------------------------- */

static uint8_t *configmap(size_t *len)
{
    char path[4096];
    const char *root = getenv("BG_ROOT");
    snprintf(path, sizeof path, "%s/../shared/fixtures/k8s/core.v1.ConfigMap.pb", root && *root ? root : ".");
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture '%s' (set BG_ROOT to the repo root)", path);
    uint8_t *b = malloc(4096);
    assert_non_null(b);
    *len = fread(b, 1, 4096, f);
    fclose(f);
    assert_int_equal(*len, 427);
    return b;
}

static void expect_error(const uint8_t *v, size_t len, const char *want)
{
    ec_k8s_object *o = (ec_k8s_object *)1;
    ec_err err;
    ec_err_clear(&err);
    assert_int_equal(ec_k8s_decode(v, len, &o, &err), -1);
    assert_null(o);
    assert_int_equal(err.code, EC_E_CORRUPT);
    assert_string_equal(err.msg, want);
    /* The peek reads these fields too, so it reports the same damage. */
    ec_k8s_peek pk;
    ec_err perr;
    ec_err_clear(&perr);
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, &perr), -1);
    assert_int_equal(perr.code, EC_E_CORRUPT);
    assert_string_equal(perr.msg, want);
}

static void test_error_messages(void **state)
{
    (void)state;
    size_t len;
    uint8_t *cm = configmap(&len);
    uint8_t *v = malloc(len);
    assert_non_null(v);

    /* Cut inside runtime.Unknown.raw (tag at offset 21). */
    memcpy(v, cm, 100);
    expect_error(v, 100,
                 "malformed Kubernetes protobuf value: field 2 of runtime.Unknown runs past the end (offset 21 of 100)");

    /* managedFields (field 17, tag at 278) claims one byte more than ObjectMeta has. */
    memcpy(v, cm, len);
    assert_int_equal(v[278], 0x8a);
    assert_int_equal(v[280], 0x62);
    v[280] = 0x63;
    expect_error(v, len,
                 "malformed Kubernetes protobuf value: field 17 of ObjectMeta runs past the end (offset 278 of 427)");

    /* TypeMeta sent as a varint. */
    memcpy(v, cm, len);
    v[4] = 0x08;
    expect_error(v, len,
                 "malformed Kubernetes protobuf value: field 1 of runtime.Unknown has wire type varint, expected length-delimited (offset 4 of 427)");

    /* A group. */
    v[4] = 0x0b;
    expect_error(v, len,
                 "malformed Kubernetes protobuf value: field 1 of runtime.Unknown has wire type 3 (start-group), which Kubernetes never writes (offset 4 of 427)");

    /* Field number 0. */
    v[4] = 0x02;
    expect_error(v, len, "malformed Kubernetes protobuf value: field number 0 in runtime.Unknown (offset 4 of 427)");

    /* ObjectMeta.name's tag (offset 27) turned into wire type 0: reported
     * before the name bytes that follow are misread as tags. */
    memcpy(v, cm, len);
    assert_int_equal(v[27], 0x0a);
    v[27] = 0x08;
    v[28] = 0x01;
    expect_error(v, len,
                 "malformed Kubernetes protobuf value: field 1 of ObjectMeta has wire type varint, expected length-delimited (offset 27 of 427)");

    /* deletionGracePeriodSeconds (field 10, varint, offset 142) renumbered
     * as field 3, namespace: intact framing, wrong wire type. */
    memcpy(v, cm, len);
    assert_int_equal(v[142], 0x50);
    v[142] = 0x18;
    expect_error(v, len,
                 "malformed Kubernetes protobuf value: field 3 of ObjectMeta has wire type varint, expected length-delimited (offset 142 of 427)");

    /* The same as field 14 (finalizers): the full decode and the peek
     * (which counts finalizers) refuse it alike; the peek keeps the name
     * read before the damage. */
    v[142] = 0x70;
    ec_k8s_object *o;
    ec_err err;
    assert_int_equal(ec_k8s_decode(v, len, &o, &err), -1);
    assert_string_equal(err.msg,
                        "malformed Kubernetes protobuf value: field 14 of ObjectMeta has wire type varint, expected length-delimited (offset 142 of 427)");
    ec_k8s_peek pk;
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, &err), -1);
    assert_string_equal(err.msg,
                        "malformed Kubernetes protobuf value: field 14 of ObjectMeta has wire type varint, expected length-delimited (offset 142 of 427)");
    assert_view(pk.name, "nameValue");

    /* A tag varint that never ends. */
    uint8_t endless[16] = {'k', '8', 's', 0};
    memset(endless + 4, 0xff, 12);
    expect_error(endless, sizeof endless,
                 "malformed Kubernetes protobuf value: unreadable field tag in runtime.Unknown (offset 4 of 16)");

    /* Just the magic: an empty runtime.Unknown, not an error. */
    assert_int_equal(ec_k8s_decode(cm, 4, &o, &err), 0);
    assert_int_equal(o->encoding, EC_K8S_ENC_PROTOBUF);
    assert_int_equal(o->kind.len, 0);
    assert_false(o->has_meta);
    ec_k8s_object_free(o);

    free(v);
    free(cm);
}

/* ---- encrypted values --------------------------------------------------- */

static uint8_t *make_value(const void *head, size_t hl, const void *tail, size_t tl, size_t *len)
{
    uint8_t *v = malloc(hl + tl);
    assert_non_null(v);
    memcpy(v, head, hl);
    if (tl)
        memcpy(v + hl, tail, tl);
    *len = hl + tl;
    return v;
}

static void check_encrypted(const char *header, const uint8_t *payload, size_t pl,
                            const char *provider, const char *keyname, size_t ct, size_t dek, const char *keyid)
{
    size_t len;
    uint8_t *v = make_value(header, strlen(header), payload, pl, &len);
    ec_k8s_object *o;
    ec_err err;
    ec_err_clear(&err);
    if (ec_k8s_decode(v, len, &o, &err) != 0)
        fail_msg("'%s': %s", header, err.msg);
    assert_int_equal(o->encoding, EC_K8S_ENC_ENCRYPTED);
    assert_view(o->enc.provider, provider);
    assert_view(o->enc.key_name, keyname);
    assert_int_equal(o->enc.header_len, strlen(header));
    assert_int_equal(o->enc.payload_len, pl);
    assert_int_equal(o->enc.ciphertext_len, ct);
    assert_int_equal(o->enc.dek_len, dek);
    assert_view(o->enc.kms_key_id, keyid);
    assert_true(o->enc.known_provider);
    assert_ptr_equal(o->raw, v + strlen(header));
    assert_int_equal(o->raw_len, pl);
    ec_k8s_object_free(o);

    ec_k8s_peek pk;
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, &err), 0);
    assert_int_equal(pk.encoding, EC_K8S_ENC_ENCRYPTED);
    assert_view(pk.provider, provider);
    assert_view(pk.key_name, keyname);
    free(v);
}

static void test_encrypted_providers(void **state)
{
    (void)state;
    uint8_t ct[48];
    for (size_t i = 0; i < sizeof ct; i++)
        ct[i] = (uint8_t)(i * 37 + 11);   /* includes ':' and NUL bytes */
    check_encrypted("k8s:enc:aescbc:v1:key1:", ct, sizeof ct, "aescbc", "key1", 48, 0, "");
    check_encrypted("k8s:enc:aesgcm:v1:key-2024:", ct, 40, "aesgcm", "key-2024", 40, 0, "");
    check_encrypted("k8s:enc:secretbox:v1:sb:", ct, 33, "secretbox", "sb", 33, 0, "");

    /* kms v1: 2-byte DEK length, DEK, ciphertext. */
    uint8_t kms1[2 + 5 + 20];
    kms1[0] = 0;
    kms1[1] = 5;
    memset(kms1 + 2, 0xab, sizeof kms1 - 2);
    check_encrypted("k8s:enc:kms:v1:vault-plugin:", kms1, sizeof kms1, "kms", "vault-plugin", 20, 5, "");

    /* kms v2: EncryptedObject protobuf. */
    ec_buf eo;
    ec_buf_init(&eo, 0);
    pb_bytes(&eo, 1, ct, 30);
    pb_str(&eo, 2, "key-id-7");
    pb_bytes(&eo, 3, ct, 12);
    check_encrypted("k8s:enc:kms:v2:aws-kms:", (const uint8_t *)eo.data, eo.len, "kms", "aws-kms", 30, 12,
                    "key-id-7");
    ec_buf_free(&eo);

    /* An unknown provider with a well-formed header is still reported. */
    size_t len;
    uint8_t *v = make_value("k8s:enc:future9:v3:k:", 21, ct, 4, &len);
    ec_k8s_object *o;
    assert_int_equal(ec_k8s_decode(v, len, &o, NULL), 0);
    assert_view(o->enc.provider, "future9");
    assert_view(o->enc.version, "v3");
    assert_false(o->enc.known_provider);
    ec_k8s_object_free(o);
    free(v);
}

static void expect_enc_error(const void *val, size_t len, const char *want)
{
    uint8_t *v = malloc(len);
    assert_non_null(v);
    memcpy(v, val, len);
    ec_k8s_object *o;
    ec_err err;
    ec_err_clear(&err);
    assert_int_equal(ec_k8s_decode(v, len, &o, &err), -1);
    assert_int_equal(err.code, EC_E_CORRUPT);
    assert_string_equal(err.msg, want);
    ec_k8s_peek pk;
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, NULL), -1);
    assert_int_equal(pk.encoding, EC_K8S_ENC_ENCRYPTED);
    free(v);
}

static void test_encrypted_malformed(void **state)
{
    (void)state;
    expect_enc_error("k8s:enc:", 8, "malformed encrypted value: no provider name after 'k8s:enc:'");
    expect_enc_error("k8s:enc:AES:v1:k:x", 18, "malformed encrypted value: no provider name after 'k8s:enc:'");
    expect_enc_error("k8s:enc:aescbc:1:k:x", 20,
                     "malformed encrypted value: no version after the provider name (offset 15)");
    expect_enc_error("k8s:enc:aescbc:v1:key1", 22,
                     "malformed encrypted value: no key name ending in ':' at offset 18");
    expect_enc_error("k8s:enc:aescbc:v1::x", 20,
                     "malformed encrypted value: no key name ending in ':' at offset 18");
    expect_enc_error("k8s:enc:aescbc:v1:k\x1b[2J:x", 25,
                     "malformed encrypted value: key name at offset 18 holds unprintable bytes");
    expect_enc_error("k8s:enc:kms:v1:p:\x01", 18,
                     "malformed encrypted value: kms v1 payload of 1 bytes has no DEK length");
    expect_enc_error("k8s:enc:kms:v1:p:\x01\x00xyz", 22,
                     "malformed encrypted value: kms v1 DEK of 256 bytes runs past the end (3 bytes left)");
    expect_enc_error("k8s:enc:kms:v2:p:\x0a\x05xy", 21,
                     "malformed encrypted value: the kms v2 EncryptedObject is damaged at offset 17 of 21");
    expect_enc_error("k8s:enc:kms:v2:p:\x12\x01k", 20,
                     "malformed encrypted value: the kms v2 EncryptedObject holds no encrypted data");
}

/* ---- JSON values -------------------------------------------------------- */

static const char crd_json[] =
    "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\n"
    " \"metadata\":{\"name\":\"w1\",\"namespace\":\"team-a\",\"uid\":\"0b6c\",\"resourceVersion\":\"42\",\n"
    "  \"generation\":3,\"creationTimestamp\":\"2024-05-01T10:00:00Z\",\n"
    "  \"labels\":{\"app\":\"w\",\"tier\":\"back\"},\"annotations\":{\"note\":\"x\"},\n"
    "  \"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"d\",\"uid\":\"u1\"},\n"
    "                     {\"apiVersion\":\"example.com/v1\",\"kind\":\"Gadget\",\"name\":\"g\",\"uid\":\"u2\",\"controller\":true,\"blockOwnerDeletion\":false}],\n"
    "  \"finalizers\":[\"example.com/cleanup\"],\n"
    "  \"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Update\",\"time\":\"2024-05-01T10:00:00Z\"},\n"
    "                   {\"manager\":\"widget-controller\",\"operation\":\"Update\",\"time\":\"2024-05-01T12:00:00+02:00\",\"subresource\":\"status\"},\n"
    "                   {\"manager\":\"late\",\"operation\":\"Apply\",\"time\":\"2024-05-01T10:00:00.5Z\"}]},\n"
    " \"spec\":{\"size\":[1,2,{\"deep\":\"}]\\\"\"}]}}\n";

static void test_json_custom_resource(void **state)
{
    (void)state;
    size_t len;
    uint8_t *v = make_value(crd_json, sizeof crd_json - 1, NULL, 0, &len);
    ec_k8s_object *o;
    ec_err err;
    ec_err_clear(&err);
    assert_int_equal(ec_k8s_decode(v, len, &o, &err), 0);
    assert_int_equal(o->encoding, EC_K8S_ENC_JSON);
    assert_string_equal(o->kind.s, "Widget");
    assert_string_equal(o->api_version.s, "example.com/v1");
    assert_string_equal(o->meta.name.s, "w1");
    assert_string_equal(o->meta.ns.s, "team-a");
    assert_string_equal(o->meta.resource_version.s, "42");
    assert_int_equal(o->meta.generation, 3);
    assert_int_equal(o->meta.creation.seconds, 1714557600);
    assert_int_equal(o->meta.n_labels, 2);
    assert_string_equal(o->meta.labels[1].key.s, "tier");
    assert_string_equal(o->meta.labels[1].value.s, "back");
    assert_int_equal(o->meta.n_owners, 2);
    assert_int_equal(o->meta.owners[0].controller, -1);
    assert_int_equal(o->meta.owners[1].controller, 1);
    assert_int_equal(o->meta.owners[1].block_owner_deletion, 0);
    assert_int_equal(o->meta.n_finalizers, 1);
    assert_string_equal(o->meta.finalizers[0].s, "example.com/cleanup");
    /* 12:00+02:00 is 10:00Z, the same second as "kubectl"; "late" is half a second later. */
    assert_int_equal(o->meta.managed[1].time.seconds, 1714557600);
    assert_int_equal(ec_k8s_object_writer(o), 2);
    assert_int_equal(ec_k8s_object_owner(o), 1);

    ec_k8s_peek pk;
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, &err), 0);
    assert_int_equal(pk.encoding, EC_K8S_ENC_JSON);
    assert_view(pk.kind, "Widget");
    assert_view(pk.name, "w1");
    assert_view(pk.ns, "team-a");
    assert_view(pk.uid, "0b6c");
    assert_int_equal(pk.owner_count, 2);
    assert_view(pk.owner_kind, "Gadget");
    assert_view(pk.owner_uid, "u2");
    assert_true(pk.owner_is_controller);
    assert_int_equal(pk.managed_count, 3);
    assert_view(pk.manager, "late");
    assert_int_equal(pk.manager_nanos, 500000000);
    assert_false(pk.has_escapes);
    ec_k8s_object_free(o);
    free(v);
}

static void test_json_escapes(void **state)
{
    (void)state;
    static const char j[] =
        "{\"kind\":\"B\",\"metadata\":{\"n\\u0061me\":\"a\\\"b\",\"namespace\":null,"
        "\"ownerReferences\":[1,{\"name\":\"o\"},null]}}";
    size_t len;
    uint8_t *v = make_value(j, sizeof j - 1, NULL, 0, &len);
    ec_k8s_object *o;
    assert_int_equal(ec_k8s_decode(v, len, &o, NULL), 0);
    assert_int_equal(o->encoding, EC_K8S_ENC_JSON);
    assert_string_equal(o->kind.s, "B");
    assert_string_equal(o->meta.name.s, "a\"b");
    assert_int_equal(o->meta.ns.len, 0);
    assert_int_equal(o->meta.n_owners, 1);
    ec_k8s_peek pk;
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, NULL), 0);
    assert_int_equal(pk.encoding, EC_K8S_ENC_JSON);
    assert_view(pk.kind, "B");
    assert_view(pk.name, "a\\\"b");   /* raw, still escaped */
    assert_true(pk.has_escapes);
    assert_int_equal(pk.ns.len, 0);
    assert_int_equal(pk.owner_count, 1);
    assert_view(pk.owner_name, "o");
    ec_k8s_object_free(o);
    free(v);
}

/* Kubernetes never writes duplicate keys: the decode refuses them (the
 * value shows as text, with the reason), while the peek, which stops once
 * apiVersion, kind and metadata are read, reports the first ones. */
static void test_json_duplicate_keys(void **state)
{
    (void)state;
    static const char j[] = "{\"apiVersion\":\"v1\",\"kind\":\"A\",\"metadata\":{\"name\":\"first\"},"
                            "\"kind\":\"B\",\"metadata\":{\"name\":\"second\"}}";
    size_t len;
    uint8_t *v = make_value(j, sizeof j - 1, NULL, 0, &len);
    ec_k8s_object *o;
    assert_int_equal(ec_k8s_decode(v, len, &o, NULL), 0);
    assert_int_equal(o->encoding, EC_K8S_ENC_TEXT);
    assert_non_null(strstr(o->note.s, "duplicate object key"));
    assert_false(o->has_meta);
    ec_k8s_object_free(o);
    ec_k8s_peek pk;
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, NULL), 0);
    assert_int_equal(pk.encoding, EC_K8S_ENC_JSON);
    assert_view(pk.kind, "A");
    assert_view(pk.name, "first");
    free(v);
}

static void expect_class(const char *val, size_t len, ec_k8s_encoding want, const char *note_prefix)
{
    uint8_t *v = make_value(val, len, NULL, 0, &len);
    ec_k8s_object *o;
    ec_err err;
    ec_err_clear(&err);
    assert_int_equal(ec_k8s_decode(v, len, &o, &err), 0);
    if (o->encoding != want)
        fail_msg("'%.*s' classified %s, want %s", (int)len, val, ec_k8s_encoding_name(o->encoding),
                 ec_k8s_encoding_name(want));
    if (note_prefix)
        assert_memory_equal(o->note.s, note_prefix, strlen(note_prefix));
    else
        assert_int_equal(o->note.len, 0);
    assert_false(o->has_meta);
    assert_int_equal(o->raw_len, len);
    ec_k8s_object_free(o);
    ec_k8s_peek pk;
    assert_int_equal(ec_k8s_peek_value(v, len, &pk, &err), 0);
    assert_int_equal(pk.encoding, want);
    free(v);
}

#define EXPECT_CLASS(lit, enc, note) expect_class(lit, sizeof lit - 1, enc, note)

static void test_other_values(void **state)
{
    (void)state;
    EXPECT_CLASS("", EC_K8S_ENC_EMPTY, NULL);
    EXPECT_CLASS("hello\nworld\r\n\ttabbed", EC_K8S_ENC_TEXT, NULL);
    EXPECT_CLASS("gr\xc3\xbc\xc3\x9f dich", EC_K8S_ENC_TEXT, NULL);
    EXPECT_CLASS("\x00\x01\x02\xff", EC_K8S_ENC_BINARY, NULL);
    EXPECT_CLASS("\xc3\x28", EC_K8S_ENC_BINARY, NULL);
    EXPECT_CLASS("text with \x1b[31m escape", EC_K8S_ENC_BINARY, NULL);
    EXPECT_CLASS("12345", EC_K8S_ENC_TEXT, NULL);
    EXPECT_CLASS("k8s", EC_K8S_ENC_TEXT, NULL);
    EXPECT_CLASS("  [1, 2, {\"a\": null}]  ", EC_K8S_ENC_JSON, NULL);
    EXPECT_CLASS("{\"not\": \"closed\"", EC_K8S_ENC_TEXT, "looks like JSON but does not parse: ");
    EXPECT_CLASS("{\x01\x02}", EC_K8S_ENC_BINARY, "looks like JSON but does not parse: ");
}

/* ---- timestamps --------------------------------------------------------- */

static void test_rfc3339(void **state)
{
    (void)state;
    char buf[EC_K8S_TIME_TEXT_MAX];
    assert_int_equal(ec_k8s_time_format(0, 0, buf), 20);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    assert_int_equal(ec_k8s_time_format(1199149261, 0, buf), 20);
    assert_string_equal(buf, "2008-01-01T01:01:01Z");
    assert_int_equal(ec_k8s_time_format(1199149261, 3000, buf), 27);
    assert_string_equal(buf, "2008-01-01T01:01:01.000003Z");
    assert_int_equal(ec_k8s_time_format(-1, 0, buf), 20);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    assert_int_equal(ec_k8s_time_format(INT64_MAX, 0, buf), 0);
    assert_int_equal(ec_k8s_time_format(INT64_MIN, 0, buf), 0);
    assert_int_equal(ec_k8s_time_format(0, -1, buf), 0);
    assert_int_equal(ec_k8s_time_format(0, 1000000000, buf), 0);
    /* Against libc's calendar over the whole range (years 0 to 9999, leap
     * days, negative seconds), with fractions of every length. */
    const int64_t lo = -62167219200LL, hi = 253402300800LL;
    int64_t probes[] = {lo, lo + 1, hi - 1, 951782400 /* 2000-02-29 */, 951868800, -2203891200 /* 1900-03-01 */,
                        -2203977600, 4107456000 /* 2100-02-28 */, 4107542400, -86400, -86401};
    for (int64_t k = 0; k < 200000 + (int64_t)(sizeof probes / sizeof probes[0]); k++) {
        int64_t sec = k < 200000 ? lo + k * ((hi - lo) / 200000) + k % 86400
                                 : probes[k - 200000];
        int32_t ns = (int32_t)((k * 7919) % 1000000000);
        if (k % 3 == 0)
            ns = (int32_t)((k % 9) * 100000000);
        time_t t = (time_t)sec;
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        char want[64];
        int n = snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (ns) {
            char frac[16];
            snprintf(frac, sizeof frac, ".%09d", (int)ns);
            size_t fl = strlen(frac);
            while (frac[fl - 1] == '0')
                frac[--fl] = 0;
            n += snprintf(want + n, sizeof want - (size_t)n, "%s", frac);
        }
        snprintf(want + n, sizeof want - (size_t)n, "Z");
        size_t got = ec_k8s_time_format(sec, ns, buf);
        if (got != strlen(want) || strcmp(buf, want) != 0)
            fail_msg("seconds %lld nanos %d: got '%s', want '%s'", (long long)sec, (int)ns, buf, want);
    }

    int64_t s;
    int32_t n;
    static const char *good[] = {"2008-01-01T01:01:01Z", "2008-01-01t01:01:01z", "2008-01-01T03:01:01+02:00",
                                 "2007-12-31T20:31:01-04:30"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(ec_k8s_time_parse((const uint8_t *)good[i], strlen(good[i]), &s, &n), 0);
        assert_int_equal(s, 1199149261);
        assert_int_equal(n, 0);
    }
    static const char frac[] = "2003-01-01T01:01:01.000003Z";
    assert_int_equal(ec_k8s_time_parse((const uint8_t *)frac, sizeof frac - 1, &s, &n), 0);
    assert_int_equal(n, 3000);
    static const char *bad[] = {"", "2008-01-01", "2008-13-01T01:01:01Z", "2008-02-30T01:01:01Z",
                                "2007-02-29T00:00:00Z", "2008-01-01T24:00:00Z", "2008-01-01T01:01:01",
                                "2008-01-01T01:01:01.Z", "2008-01-01T01:01:01Zx", "2008-01-01T01:01:01+0200",
                                "20O8-01-01T01:01:01Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ec_k8s_time_parse((const uint8_t *)bad[i], strlen(bad[i]), &s, &n) != -1)
            fail_msg("'%s' parsed", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_and_writer_rules),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_encrypted_providers),
        cmocka_unit_test(test_encrypted_malformed),
        cmocka_unit_test(test_json_custom_resource),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_json_duplicate_keys),
        cmocka_unit_test(test_other_values),
        cmocka_unit_test(test_rfc3339),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
