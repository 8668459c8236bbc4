/* bg_load: fills a test etcd with a Kubernetes-like keyspace.
 *
 *   bg_load --endpoints URLS --cacert F --cert F --key F --count N
 *           [--value-size BYTES] [--threads T] [--demo]
 *
 * Keys: /registry/<resource>/<namespace>/<name> (cluster-scoped without the
 * namespace), values in the Kubernetes protobuf envelope padded to about
 * --value-size bytes. Written in Txn batches of 128 puts from T threads.
 * --demo adds the objects the demo and the write-rate tests rely on: a
 * DaemonSet kube-system/node-agent owning 200 pods, deployments owning
 * replicasets owning pods, JSON custom resources, large ConfigMaps, and one
 * key with an escape sequence in its name. Test data only. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>

#include "tests/tools/fake_k8s.h"
#include "tests/tools/tool_common.h"

#define BATCH 128
#define N_NAMESPACES 50

typedef struct load_job {
    ec_client *c;
    int64_t from, to;       /* key indices */
    size_t value_size;
    atomic_llong *done;
    int failed;
} load_job;

/* Key i: resource chosen by cumulative share, namespace and name by i. */
static void key_for(int64_t i, char *key, size_t klen, const tool_resource **res, char *name, size_t nlen,
                    char *ns, size_t nslen)
{
    int slot = (int)(i % 1000), acc = 0;
    const tool_resource *r = &TOOL_RESOURCES[0];
    for (size_t k = 0; k < TOOL_N_RESOURCES; k++) {
        acc += TOOL_RESOURCES[k].permille;
        if (slot < acc) {
            r = &TOOL_RESOURCES[k];
            break;
        }
    }
    *res = r;
    snprintf(ns, nslen, "ns-%02d", (int)((i / 1000) % N_NAMESPACES));
    snprintf(name, nlen, "%s-%08" PRIx64 "-%" PRId64, r->kind, (uint64_t)(i * 2654435761u) & 0xffffffff, i);
    for (char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (r->namespaced)
        snprintf(key, klen, "/registry/%s/%s/%s", r->resource, ns, name);
    else
        snprintf(key, klen, "/registry/%s/%s", r->resource, name);
}

static int put_batch(ec_client *c, ec_op *ops, size_t n)
{
    ec_err err;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (ec_txn(c, NULL, 0, ops, n, NULL, 0, NULL, &err) == 0)
            return 0;
        fprintf(stderr, "bg_load: batch failed (%s), retrying\n", err.msg);
    }
    return -1;
}

static void *load_thread(void *arg)
{
    load_job *j = arg;
    ec_op ops[BATCH];
    char keys[BATCH][256];
    ec_buf vals[BATCH];
    for (int k = 0; k < BATCH; k++)
        ec_buf_init(&vals[k], 0);
    size_t n = 0;
    for (int64_t i = j->from; i < j->to; i++) {
        const tool_resource *r;
        char name[128], ns[32], uid[37];
        key_for(i, keys[n], sizeof keys[n], &r, name, sizeof name, ns, sizeof ns);
        fake_uid(uid, keys[n]);
        fake_obj o = {r->api_version, r->kind, name, r->namespaced ? ns : "", uid, "load", NULL,
                      "kube-controller-manager", 1700000000 + i, j->value_size > 200 ? j->value_size - 200 : 0, 1};
        fake_k8s_encode(&vals[n], &o);
        ops[n] = (ec_op){.type = EC_OP_PUT, .key = (const uint8_t *)keys[n], .key_len = strlen(keys[n]),
                         .value = (const uint8_t *)vals[n].data, .value_len = vals[n].len};
        if (++n == BATCH || i + 1 == j->to) {
            if (put_batch(j->c, ops, n) != 0) {
                j->failed = 1;
                break;
            }
            atomic_fetch_add(j->done, (long long)n);
            n = 0;
        }
    }
    for (int k = 0; k < BATCH; k++)
        ec_buf_free(&vals[k]);
    return NULL;
}

static int put_one(ec_client *c, const char *key, const void *v, size_t n)
{
    ec_err err;
    if (ec_put(c, (const uint8_t *)key, strlen(key), v, n, 0, NULL, &err) != 0) {
        fprintf(stderr, "bg_load: put '%s' failed: %s\n", key, err.msg);
        return -1;
    }
    return 0;
}

static int put_obj(ec_client *c, ec_buf *b, const char *resource, const fake_obj *o)
{
    char key[256];
    if (o->namespace_ && *o->namespace_)
        snprintf(key, sizeof key, "/registry/%s/%s/%s", resource, o->namespace_, o->name);
    else
        snprintf(key, sizeof key, "/registry/%s/%s", resource, o->name);
    fake_k8s_encode(b, o);
    return put_one(c, key, b->data, b->len);
}

/* The objects the demo and the write-rate tests expect by name. */
static int load_demo(ec_client *c)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    char uid[37], name[128], owner_uid[37];
    int rc = 0;
    fake_uid(owner_uid, "daemonset/kube-system/node-agent");
    fake_obj ds = {"apps/v1", "DaemonSet", "node-agent", "kube-system", owner_uid, "node-agent", NULL,
                   "kube-controller-manager", 1700000000, 600, 3};
    rc |= put_obj(c, &b, "daemonsets", &ds);
    fake_owner dso = {"apps/v1", "DaemonSet", "node-agent", owner_uid};
    for (int i = 0; i < 200 && !rc; i++) {
        snprintf(name, sizeof name, "node-agent-%05d", i);
        fake_uid(uid, name);
        fake_obj p = {"v1", "Pod", name, "kube-system", uid, "node-agent", &dso, "kubelet", 1700000100, 1200, 1};
        rc |= put_obj(c, &b, "pods", &p);
    }
    static const char *apps[] = {"web", "api", "worker", "cache"};
    for (size_t a = 0; a < 4 && !rc; a++) {
        char dname[64], rsname[64], duid[37], rsuid[37];
        snprintf(dname, sizeof dname, "%s", apps[a]);
        fake_uid(duid, dname);
        fake_obj d = {"apps/v1", "Deployment", dname, "shop", duid, apps[a], NULL, "kubectl-client-side-apply",
                      1700000000, 900, 2};
        rc |= put_obj(c, &b, "deployments", &d);
        snprintf(rsname, sizeof rsname, "%s-7d9f8c6b5", apps[a]);
        fake_uid(rsuid, rsname);
        fake_owner dow = {"apps/v1", "Deployment", dname, duid};
        fake_obj rs = {"apps/v1", "ReplicaSet", rsname, "shop", rsuid, apps[a], &dow, "kube-controller-manager",
                       1700000001, 800, 1};
        rc |= put_obj(c, &b, "replicasets", &rs);
        fake_owner rso = {"apps/v1", "ReplicaSet", rsname, rsuid};
        for (int i = 0; i < 5 && !rc; i++) {
            snprintf(name, sizeof name, "%s-%c%c%c%c%c", rsname, 'a' + i, 'b' + (int)a, 'x', 'q', 'z');
            fake_uid(uid, name);
            fake_obj p = {"v1", "Pod", name, "shop", uid, apps[a], &rso, "kubelet", 1700000002, 1100, 1};
            rc |= put_obj(c, &b, "pods", &p);
        }
    }
    /* Custom resources are stored as JSON. */
    for (int i = 0; i < 5 && !rc; i++) {
        char key[128], json[512];
        snprintf(key, sizeof key, "/registry/example.com/widgets/shop/widget-%d", i);
        snprintf(json, sizeof json,
                 "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"widget-%d\","
                 "\"namespace\":\"shop\",\"uid\":\"6f1c2d3e-0000-4000-8000-00000000000%d\",\"labels\":{\"tier\":"
                 "\"gold\"}},\"spec\":{\"size\":%d,\"color\":\"blue\"}}",
                 i, i, i * 10);
        rc |= put_one(c, key, json, strlen(json));
    }
    /* Oversized configuration objects, the second incident of the runbook. */
    for (int i = 0; i < 3 && !rc; i++) {
        snprintf(name, sizeof name, "bundle-%d", i);
        fake_uid(uid, name);
        fake_obj cm = {"v1", "ConfigMap", name, "shop", uid, "bundle", NULL, "helm", 1700000003,
                       (size_t)(400 + 200 * i) * 1024, 1};
        rc |= put_obj(c, &b, "configmaps", &cm);
    }
    /* A key that would rewrite the operator's terminal title if printed raw. */
    rc |= put_one(c, "/registry/configmaps/shop/\x1b]0;pwned\x07", "x", 1);
    ec_buf_free(&b);
    return rc;
}

int main(int argc, char **argv)
{
    tool_conn tc = {0};
    int64_t count = 0;
    size_t value_size = 300;
    int threads = 4, demo = 0;
    for (int i = 1; i < argc; i++) {
        if (tool_conn_flag(&tc, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atoll(argv[++i]);
        else if (strcmp(argv[i], "--value-size") == 0 && i + 1 < argc)
            value_size = (size_t)atoll(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--demo") == 0)
            demo = 1;
        else {
            fprintf(stderr, "usage: bg_load --endpoints URLS --cacert F --cert F --key F --count N "
                            "[--value-size B] [--threads T] [--demo]\n");
            return 2;
        }
    }
    if (threads < 1 || threads > 16 || tc.n == 0) {
        fprintf(stderr, "bg_load: need --endpoints and 1..16 threads\n");
        return 2;
    }
    ec_client *c = tool_connect(&tc);
    if (!c)
        return 1;
    double t0 = tool_now();
    atomic_llong done = 0;
    pthread_t th[16];
    load_job jobs[16];
    for (int t = 0; t < threads; t++) {
        jobs[t] = (load_job){c, count * t / threads, count * (t + 1) / threads, value_size, &done, 0};
        pthread_create(&th[t], NULL, load_thread, &jobs[t]);
    }
    int failed = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        failed |= jobs[t].failed;
    }
    if (demo && !failed)
        failed = load_demo(c) != 0;
    double dt = tool_now() - t0;
    fprintf(stderr, "bg_load: %lld keys in %.1f s (%.0f keys/s)%s\n", (long long)atomic_load(&done), dt,
            dt > 0 ? (double)atomic_load(&done) / dt : 0.0, demo ? " + demo objects" : "");
    ec_client_free(c);
    return failed ? 1 : 0;
}
