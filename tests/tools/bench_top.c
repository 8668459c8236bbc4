/* bench_top: events per second the `breakglass top` pipeline ingests on one
 * core, from watch events already in memory: for each write, the value is
 * peeked (Kubernetes protobuf envelope, ObjectMeta, ownerReferences,
 * managedFields), the groups are formed and each fed engine is updated.
 * That is bg_top_feed_events(), exactly what the collector calls per watch
 * response; the network is not part of it.
 *
 *   bench_top [-n EVENTS] [-k KEYS] [-v VALUES] [-g owner|key|...|all] [-c K] [-cold]
 *
 * Keys: KEYS distinct pod keys (default 1,000,000) over 200 namespaces;
 * values: a pool of VALUES distinct pods (default 65,536, about 1.2 KiB
 * each) owned by 1000 ReplicaSets, one in twenty unowned (its own group);
 * 3% of the writes are a runaway DaemonSet rewriting its 200 pods. Events go
 * in batches of 1000, as a watch response holds them. Each batch's keys and
 * values are first copied into one buffer, outside the timing, as protobuf-c has
 * just unpacked them from the network when the collector gets them; with
 * -cold they are read in place from the 80 MB pool instead (a cache miss or
 * two per value: the worst case, not the collector's). The rate is per
 * second of this thread's CPU time, counting only bg_top_feed_events(). Test tool: build it with the rest, run
 * it by hand or from tests/bench/bench_top.sh. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/tools/fake_k8s.h"
#include "tui/top/feed.h"

#define BATCH 1000
#define N_RS 1000
#define N_DS_PODS 200

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(int argc, char **argv)
{
    long long n_events = 10000000, n_keys = 1000000, n_vals = 65536;
    long cap = 0;
    int cold = 0;
    const char *gname = "owner";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n_events = atoll(argv[++i]);
        else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc)
            n_keys = atoll(argv[++i]);
        else if (strcmp(argv[i], "-v") == 0 && i + 1 < argc)
            n_vals = atoll(argv[++i]);
        else if (strcmp(argv[i], "-g") == 0 && i + 1 < argc)
            gname = argv[++i];
        else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            cap = atol(argv[++i]);
        else if (strcmp(argv[i], "-cold") == 0)
            cold = 1;
        else {
            fprintf(stderr, "usage: bench_top [-n EVENTS] [-k KEYS] [-v VALUES] [-g GROUPING|all] [-c K] [-cold]\n");
            return 2;
        }
    }
    if (n_events < BATCH || n_keys < N_DS_PODS + 1 || n_vals < 2) {
        fprintf(stderr, "bench_top: need -n >= %d, -k > %d, -v >= 2\n", BATCH, N_DS_PODS);
        return 2;
    }
    unsigned mask;
    bg_top_grouping one = BG_TOP_BY_OWNER;
    if (strcmp(gname, "all") == 0) {
        mask = BG_TOP_ALL_GROUPINGS;
    } else if (bg_top_grouping_parse(gname, &one) == 0) {
        mask = BG_TOP_GROUPING_BIT(one);
    } else {
        fprintf(stderr, "bench_top: unknown grouping '%s'\n", gname);
        return 2;
    }

    /* Keys: one arena, 1M distinct, the DaemonSet's 200 pods first. */
    char *keys = malloc((size_t)n_keys * 64);
    uint8_t *klen = malloc((size_t)n_keys);
    ec_buf *vals = calloc((size_t)n_vals + N_DS_PODS, sizeof *vals);
    if (!keys || !klen || !vals)
        return 1;
    for (long long i = 0; i < n_keys; i++) {
        int n = i < N_DS_PODS
                    ? snprintf(keys + i * 64, 64, "/registry/pods/kube-system/node-agent-%05lld", i)
                    : snprintf(keys + i * 64, 64, "/registry/pods/ns-%03lld/app-%07lld-x9z2q", i % 200, i);
        klen[i] = (uint8_t)n;
    }
    char name[64], owner[64], uid[37], ns[32];
    fake_owner ds = {"apps/v1", "DaemonSet", "node-agent", "6d0c0e3e-5f4e-4d2e-9a3c-2b1a0f9e8d7c"};
    size_t val_bytes = 0;
    for (long long i = 0; i < n_vals + N_DS_PODS; i++) {
        bool is_ds = i >= n_vals;
        snprintf(ns, sizeof ns, is_ds ? "kube-system" : "ns-%03lld", i % 200);
        snprintf(name, sizeof name, is_ds ? "node-agent-%05lld" : "app-%07lld-x9z2q", is_ds ? i - n_vals : i);
        snprintf(owner, sizeof owner, "app-%04lld-7d9f8c6b5", i % N_RS);
        fake_uid(uid, name);
        fake_owner rs = {"apps/v1", "ReplicaSet", owner, "0e9f8a7b-1c2d-4e3f-8a9b-0c1d2e3f4a5b"};
        const fake_owner *o = is_ds ? &ds : i % 20 == 0 ? NULL : &rs;
        fake_obj p = {"v1", "Pod", name, ns, uid, "app", o, "kubelet", 1700000000, 1000, 1};
        ec_buf_init(&vals[i], 0);
        fake_k8s_encode(&vals[i], &p);
        val_bytes += vals[i].len;
    }

    bg_top_feed_config cfg = {.groupings = mask, .group = {.depth = 3}, .capacity = (uint32_t)cap, .seed = 11};
    bg_top_feed *f;
    ec_err err;
    if (bg_top_feed_new(&cfg, &f, &err) != 0) {
        fprintf(stderr, "bench_top: %s\n", err.msg);
        return 1;
    }
    const int64_t t0 = 1700000000000LL;
    bg_top_feed_sample(f, 1, t0, NULL);
    bg_top_feed_history(f, 0, 2, 2, 1, 0);   /* every event live */
    ec_event *ev = calloc(BATCH, sizeof *ev);
    uint8_t *arena = malloc((size_t)BATCH * 4096);
    if (!ev || !arena)
        return 1;
    /* The stream is drawn before timing, into batch descriptors only
     * (indices), so the timed loop is the pipeline, not the generator. */
    uint32_t *pick = malloc((size_t)n_events * sizeof *pick);
    if (!pick)
        return 1;
    for (long long i = 0; i < n_events; i++) {
        uint64_t r = rnd();
        pick[i] = r % 100 < 3 ? (uint32_t)(r / 100 % N_DS_PODS)
                              : (uint32_t)(N_DS_PODS + r / 100 % (uint64_t)(n_keys - N_DS_PODS));
    }
    double dt = 0;
    long long counted = 0;
    for (long long i = 0; i < n_events; i += BATCH) {
        size_t off = 0;
        for (int j = 0; j < BATCH; j++) {
            uint32_t k = pick[i + j];
            const ec_buf *v = k < N_DS_PODS ? &vals[n_vals + k] : &vals[k % n_vals];
            ec_event *e = &ev[j];
            e->type = EC_EVENT_PUT;
            e->kv.key = (const uint8_t *)keys + (size_t)k * 64;
            e->kv.key_len = klen[k];
            e->kv.value = (const uint8_t *)v->data;
            e->kv.value_len = v->len;
            e->kv.mod_revision = 2 + i + j;
            if (!cold && off + v->len + 64 <= (size_t)BATCH * 4096) {
                memcpy(arena + off, e->kv.key, e->kv.key_len);
                e->kv.key = arena + off;
                off += e->kv.key_len;
                memcpy(arena + off, v->data, v->len);
                e->kv.value = arena + off;
                off += v->len;
            }
        }
        /* A thousand writes per 100 ms: 10,000 writes/s of stream time. */
        double c0 = cpu_s();
        counted += (long long)bg_top_feed_events(f, ev, BATCH, 2 + i + BATCH, t0 + i / 10);
        dt += cpu_s() - c0;
    }
    int64_t now = t0 + n_events / 10;

    printf("pipeline (peek + group + engine), grouping %s, K %u: %lld events over %lld distinct keys, "
           "%lld values of %.0f B avg, %s\n",
           gname, cap ? (unsigned)cap : EC_RATES_DEFAULT_CAPACITY, counted, n_keys, n_vals + N_DS_PODS,
           (double)val_bytes / (double)(n_vals + N_DS_PODS), cold ? "values cold (-cold)" : "values fresh per batch");
    printf("  %.2f M events/s on one core, %.0f ns per event (%.2f s CPU)\n", (double)counted / dt / 1e6,
           dt * 1e9 / (double)counted, dt);
    size_t mem = 0;
    for (unsigned g = 0; g < BG_TOP_NGROUPINGS; g++) {
        const ec_rates *r = bg_top_feed_engine(f, (bg_top_grouping)g);
        if (!r)
            continue;
        ec_rates_top *t;
        if (ec_rates_top_get(r, EC_RATES_60S, EC_RATES_WRITES, now, 1, &t, &err) != 0)
            return 1;
        mem += t->totals.mem_bytes;
        printf("  %-9s first: ", bg_top_grouping_name((bg_top_grouping)g));
        if (t->n)
            fwrite(t->rows[0].key, 1, t->rows[0].key_len, stdout);
        printf("  (%.1f%% of the last 60 s, error %" PRIu64 "; %" PRIu64 " distinct groups%s)\n",
               t->n ? t->rows[0].share_writes * 100 : 0.0, t->n ? t->rows[0].error : 0, t->totals.distinct,
               t->totals.distinct_exact ? "" : " est.");
        ec_rates_top_free(t);
    }
    printf("  engine memory %.1f MiB\n", (double)mem / 1048576.0);
    bg_top_feed_free(f);
    for (long long i = 0; i < n_vals + N_DS_PODS; i++)
        ec_buf_free(&vals[i]);
    free(vals);
    free(keys);
    free(klen);
    free(ev);
    free(arena);
    free(pick);
    return 0;
}
