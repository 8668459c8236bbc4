/* Every Kubernetes fixture (.pb as stored in etcd) decodes to the same
 * metadata as its YAML twin (parsed with libyaml); the peek agrees with the
 * full decode; the .json twins decode as JSON to the same fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <yaml.h>

#include "etcdclient/k8s/decode.h"
#include "etcdclient/k8s/peek.h"
#include "test_k8s_fixtures.h"

/* ---- YAML side ---------------------------------------------------------- */

static yaml_node_t *ymap(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == strlen(key) &&
            memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

static const char *yscalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int load_yaml(const char *path, yaml_document_t *doc)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int ok = yaml_parser_load(&parser, doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return ok && yaml_document_get_root_node(doc) ? 0 : -1;
}

/* ---- comparisons -------------------------------------------------------- */

static void expect_str(const char *what, const char *file, const ec_k8s_str *got, const char *want)
{
    if (!want)
        want = "";
    if (got->len != strlen(want) || memcmp(got->s, want, got->len) != 0)
        fail_msg("%s: %s is '%.*s', YAML says '%s'", file, what, (int)got->len, got->s, want);
}

static void expect_bool(const char *what, const char *file, int got, const char *want)
{
    int w = want ? strcmp(want, "true") == 0 : -1;
    if (got != w)
        fail_msg("%s: %s is %d, YAML says %s", file, what, got, want ? want : "(absent)");
}

static void compare_pairs(yaml_document_t *doc, yaml_node_t *map, const ec_k8s_pair *p, size_t n,
                          const char *what, const char *file)
{
    size_t want = map && map->type == YAML_MAPPING_NODE
                  ? (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start) : 0;
    if (n != want)
        fail_msg("%s: %zu %s, YAML has %zu", file, n, what, want);
    for (size_t i = 0; i < n; i++) {
        char k[256];
        snprintf(k, sizeof k, "%.*s", (int)p[i].key.len, p[i].key.s);
        yaml_node_t *v = ymap(doc, map, k);
        if (!v)
            fail_msg("%s: %s key '%s' not in YAML", file, what, k);
        expect_str(what, file, &p[i].value, yscalar(v));
    }
}

/* Checks decoded metadata against the YAML twin of the same object. */
static void compare_with_yaml(const ec_k8s_object *o, const char *yaml_path, const char *file)
{
    yaml_document_t doc;
    if (load_yaml(yaml_path, &doc) != 0)
        fail_msg("%s: cannot load YAML twin '%s'", file, yaml_path);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *meta = ymap(&doc, root, "metadata");
    assert_non_null(meta);
    assert_true(o->has_meta);

    expect_str("kind", file, &o->kind, yscalar(ymap(&doc, root, "kind")));
    expect_str("apiVersion", file, &o->api_version, yscalar(ymap(&doc, root, "apiVersion")));
    expect_str("name", file, &o->meta.name, yscalar(ymap(&doc, meta, "name")));
    expect_str("generateName", file, &o->meta.generate_name, yscalar(ymap(&doc, meta, "generateName")));
    expect_str("namespace", file, &o->meta.ns, yscalar(ymap(&doc, meta, "namespace")));
    expect_str("uid", file, &o->meta.uid, yscalar(ymap(&doc, meta, "uid")));
    expect_str("resourceVersion", file, &o->meta.resource_version,
               yscalar(ymap(&doc, meta, "resourceVersion")));
    expect_str("creationTimestamp", file, &o->meta.creation.text,
               yscalar(ymap(&doc, meta, "creationTimestamp")));
    expect_str("deletionTimestamp", file, &o->meta.deletion.text,
               yscalar(ymap(&doc, meta, "deletionTimestamp")));
    const char *gen = yscalar(ymap(&doc, meta, "generation"));
    assert_non_null(gen);
    assert_true(o->meta.has_generation);
    assert_int_equal(o->meta.generation, strtoll(gen, NULL, 10));
    const char *grace = yscalar(ymap(&doc, meta, "deletionGracePeriodSeconds"));
    assert_non_null(grace);
    assert_true(o->meta.has_grace_period);
    assert_int_equal(o->meta.deletion_grace_period_seconds, strtoll(grace, NULL, 10));

    compare_pairs(&doc, ymap(&doc, meta, "labels"), o->meta.labels, o->meta.n_labels, "labels", file);
    compare_pairs(&doc, ymap(&doc, meta, "annotations"), o->meta.annotations, o->meta.n_annotations,
                  "annotations", file);

    yaml_node_t *owners = ymap(&doc, meta, "ownerReferences");
    assert_non_null(owners);
    assert_int_equal(owners->type, YAML_SEQUENCE_NODE);
    size_t nown = (size_t)(owners->data.sequence.items.top - owners->data.sequence.items.start);
    assert_int_equal(o->meta.n_owners, nown);
    for (size_t i = 0; i < nown; i++) {
        yaml_node_t *r = yaml_document_get_node(&doc, owners->data.sequence.items.start[i]);
        const ec_k8s_owner_ref *g = &o->meta.owners[i];
        expect_str("ownerReferences.kind", file, &g->kind, yscalar(ymap(&doc, r, "kind")));
        expect_str("ownerReferences.name", file, &g->name, yscalar(ymap(&doc, r, "name")));
        expect_str("ownerReferences.uid", file, &g->uid, yscalar(ymap(&doc, r, "uid")));
        expect_str("ownerReferences.apiVersion", file, &g->api_version, yscalar(ymap(&doc, r, "apiVersion")));
        expect_bool("ownerReferences.controller", file, g->controller, yscalar(ymap(&doc, r, "controller")));
        expect_bool("ownerReferences.blockOwnerDeletion", file, g->block_owner_deletion,
                    yscalar(ymap(&doc, r, "blockOwnerDeletion")));
    }

    yaml_node_t *fins = ymap(&doc, meta, "finalizers");
    assert_non_null(fins);
    size_t nfin = (size_t)(fins->data.sequence.items.top - fins->data.sequence.items.start);
    assert_int_equal(o->meta.n_finalizers, nfin);
    for (size_t i = 0; i < nfin; i++)
        expect_str("finalizers", file, &o->meta.finalizers[i],
                   yscalar(yaml_document_get_node(&doc, fins->data.sequence.items.start[i])));

    yaml_node_t *mf = ymap(&doc, meta, "managedFields");
    assert_non_null(mf);
    size_t nmf = (size_t)(mf->data.sequence.items.top - mf->data.sequence.items.start);
    assert_int_equal(o->meta.n_managed, nmf);
    for (size_t i = 0; i < nmf; i++) {
        yaml_node_t *e = yaml_document_get_node(&doc, mf->data.sequence.items.start[i]);
        const ec_k8s_managed_fields *g = &o->meta.managed[i];
        expect_str("managedFields.manager", file, &g->manager, yscalar(ymap(&doc, e, "manager")));
        expect_str("managedFields.operation", file, &g->operation, yscalar(ymap(&doc, e, "operation")));
        expect_str("managedFields.apiVersion", file, &g->api_version, yscalar(ymap(&doc, e, "apiVersion")));
        expect_str("managedFields.time", file, &g->time.text, yscalar(ymap(&doc, e, "time")));
        expect_str("managedFields.subresource", file, &g->subresource, yscalar(ymap(&doc, e, "subresource")));
        expect_str("managedFields.fieldsType", file, &g->fields_type, yscalar(ymap(&doc, e, "fieldsType")));
    }
    yaml_document_delete(&doc);
}

static void expect_view(const char *what, const char *file, ec_k8s_view v, const ec_k8s_str *want)
{
    if (v.len != want->len || (v.len && memcmp(v.p, want->s, v.len) != 0))
        fail_msg("%s: peek %s is '%.*s', decode says '%s'", file, what, (int)v.len,
                 v.p ? (const char *)v.p : "", want->s);
}

/* The write-rate engine's peek must agree with the full decode. */
static void compare_peek(const uint8_t *v, size_t len, const ec_k8s_object *o, const char *file)
{
    ec_k8s_peek pk;
    ec_err err;
    ec_err_clear(&err);
    if (ec_k8s_peek_value(v, len, &pk, &err) != 0)
        fail_msg("%s: peek failed: %s", file, err.msg);
    assert_int_equal(pk.encoding, o->encoding);
    assert_false(pk.has_escapes);
    expect_view("apiVersion", file, pk.api_version, &o->api_version);
    expect_view("kind", file, pk.kind, &o->kind);
    expect_view("name", file, pk.name, &o->meta.name);
    expect_view("namespace", file, pk.ns, &o->meta.ns);
    expect_view("uid", file, pk.uid, &o->meta.uid);
    assert_int_equal(pk.owner_count, o->meta.n_owners);
    assert_int_equal(pk.has_meta, o->has_meta);
    assert_int_equal(pk.finalizer_count, o->meta.n_finalizers);
    long oi = ec_k8s_object_owner(o);
    assert_true(oi >= 0);
    const ec_k8s_owner_ref *r = &o->meta.owners[oi];
    expect_view("owner kind", file, pk.owner_kind, &r->kind);
    expect_view("owner name", file, pk.owner_name, &r->name);
    expect_view("owner uid", file, pk.owner_uid, &r->uid);
    expect_view("owner apiVersion", file, pk.owner_api_version, &r->api_version);
    assert_int_equal(pk.owner_is_controller, r->controller == 1);
    assert_int_equal(pk.managed_count, o->meta.n_managed);
    long wi = ec_k8s_object_writer(o);
    assert_true(wi >= 0);
    expect_view("writer", file, pk.manager, &o->meta.managed[wi].manager);
    assert_true(pk.manager_has_time);
    assert_int_equal(pk.manager_seconds, o->meta.managed[wi].time.seconds);
}

static char *twin_path(const char *path, const char *from, const char *to)
{
    size_t l = strlen(path), fl = strlen(from);
    char *p = malloc(l - fl + strlen(to) + 1);
    assert_non_null(p);
    memcpy(p, path, l - fl);
    strcpy(p + l - fl, to);
    return p;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void check_twins(const char *ext, ec_k8s_encoding want_enc, size_t *checked)
{
    char *files[K8S_MAX_FIXTURES];
    size_t n = k8s_list_fixtures(ext, files, K8S_MAX_FIXTURES);
    char dir[4096];
    if (n == 0)
        fail_msg("no %s fixtures found in '%s' (set BG_ROOT to the repo root)", ext,
                 k8s_fixture_dir(dir, sizeof dir));
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        uint8_t *v = k8s_read_file(files[i], &len);
        assert_non_null(v);
        ec_k8s_object *o = NULL;
        ec_err err;
        ec_err_clear(&err);
        if (ec_k8s_decode(v, len, &o, &err) != 0)
            fail_msg("%s: decode failed: %s", base(files[i]), err.msg);
        assert_int_equal(o->encoding, want_enc);
        char *yaml = twin_path(files[i], ext, ".yaml");
        compare_with_yaml(o, yaml, base(files[i]));
        compare_peek(v, len, o, base(files[i]));
        free(yaml);
        ec_k8s_object_free(o);
        free(v);
    }
    *checked = n;
    k8s_free_list(files, n);
}

static void test_protobuf_fixtures_match_yaml(void **state)
{
    (void)state;
    size_t n = 0;
    check_twins(".pb", EC_K8S_ENC_PROTOBUF, &n);
    print_message("checked %zu .pb fixtures\n", n);
    assert_true(n >= 1);
}

static void test_json_fixtures_match_yaml(void **state)
{
    (void)state;
    size_t n = 0;
    check_twins(".json", EC_K8S_ENC_JSON, &n);
    print_message("checked %zu .json fixtures\n", n);
    assert_true(n >= 1);
}

/* The raw object view points at runtime.Unknown.raw inside the value. */
static void test_protobuf_raw_view(void **state)
{
    (void)state;
    char path[4200], dir[4096];
    snprintf(path, sizeof path, "%s/core.v1.ConfigMap.pb", k8s_fixture_dir(dir, sizeof dir));
    size_t len = 0;
    uint8_t *v = k8s_read_file(path, &len);
    assert_non_null(v);
    ec_k8s_object *o;
    assert_int_equal(ec_k8s_decode(v, len, &o, NULL), 0);
    /* 4 magic + "0a 0f" + 15 bytes TypeMeta + "12 8f 03" = 24; raw is 0x18f = 399 bytes. */
    assert_ptr_equal(o->raw, v + 24);
    assert_int_equal(o->raw_len, 399);
    assert_int_equal(o->value_len, len);
    assert_int_equal(o->meta.creation.seconds, 1199149261);
    assert_int_equal(o->meta.creation.nanos, 0);
    ec_k8s_object_free(o);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protobuf_fixtures_match_yaml),
        cmocka_unit_test(test_json_fixtures_match_yaml),
        cmocka_unit_test(test_protobuf_raw_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
