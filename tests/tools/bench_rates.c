/* Ingest speed and memory of the write-rate engine (etcdclient/rates).
 *
 *   bench_rates [-n EVENTS] [-d DISTINCT] [-k CAPACITY] [-e 1|3] [-r PERMILLE] [-c]
 *
 * Builds N write events (default 10M) over D distinct keys (default 1M) of
 * Kubernetes shape (/registry/<resource>/<namespace>/<name>): half uniform
 * over the keys, so every key turns up and the summary evicts all the time,
 * the rest Zipf-like (s = 1), plus one runaway key taking PERMILLE/1000 of
 * the writes (default 30). Times advance 20 writes per ms.
 * With -e 3 every write is fed to three engines, as the caller of the top
 * screen would: exact key, namespace prefix (/registry/res/ns/), resource
 * (/registry/res/); the prefix scan is part of the timed loop.
 * Prints writes/s, ns per write, peak RSS (VmHWM), K and the top 5 of each
 * engine. Only the ingestion loop is timed; generating the events is not.
 * Rates are per second of this thread's CPU time (one core); wall time is
 * printed beside it.
 * Keys are fed from a small stream buffer, as a watch response would hold
 * them; -c reads each one cold from the big key arena instead (adds a cache
 * miss per write that is the benchmark's, not the engine's). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etcdclient/rates/rates.h"
#include "etcdclient/util/escape.h"

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static double rnd01(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            v = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return v;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this thread: on a shared machine, time spent preempted by
 * other processes is not the engine's. */
static double cpu_s(void)
{
    return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

/* Length of the key up to and including its depth-th '/', or the whole key. */
static size_t prefix_len(const uint8_t *k, size_t len, int depth)
{
    const uint8_t *p = k, *end = k + len;
    for (int i = 0; i < depth; i++) {
        const uint8_t *s = memchr(p, '/', (size_t)(end - p));
        if (!s)
            return len;
        p = s + 1;
    }
    return (size_t)(p - k);
}

static void print_top(const char *name, const ec_rates *r, int64_t now)
{
    ec_rates_top *t = NULL;
    ec_err err = {0};
    if (ec_rates_top_get(r, EC_RATES_60S, EC_RATES_WRITES, now, 5, &t, &err) < 0) {
        fprintf(stderr, "bench_rates: %s\n", err.msg);
        return;
    }
    printf("%s: tracked %u/%u, evictions %" PRIu64 ", distinct ~%" PRIu64 "%s, engine memory %.1f MiB\n",
           name, t->totals.tracked, t->totals.capacity, t->totals.evictions,
           t->totals.distinct, t->totals.distinct_exact ? " (exact)" : " (HyperLogLog)",
           t->totals.mem_bytes / 1048576.0);
    printf("  %-54s %10s %8s %6s %10s %10s\n", "top 5 (60 s)", "writes", "w/s", "share",
           "count", "error");
    for (size_t i = 0; i < t->n; i++) {
        const ec_rates_row *row = &t->rows[i];
        char *k = ec_escape_dup(row->key, row->key_len);
        printf("  %-54s %10" PRIu64 " %8.0f %5.1f%% %10" PRIu64 " %10" PRIu64 "\n",
               k ? k : "?", row->writes, row->writes_per_s, 100 * row->share_writes,
               row->count, row->error);
        free(k);
    }
    ec_rates_top_free(t);
}

static const char *const resources[] = {
    "pods", "events", "leases", "configmaps", "secrets", "endpointslices",
    "deployments", "replicasets", "serviceaccounts", "jobs",
};

int main(int argc, char **argv)
{
    unsigned long n = 10000000, d = 1000000, k = 0, engines = 1, permille = 30;
    int opt, cold = 0;
    while ((opt = getopt(argc, argv, "n:d:k:e:r:c")) != -1) {
        switch (opt) {
        case 'c': cold = 1; break;
        case 'n': n = strtoul(optarg, NULL, 10); break;
        case 'd': d = strtoul(optarg, NULL, 10); break;
        case 'k': k = strtoul(optarg, NULL, 10); break;
        case 'e': engines = strtoul(optarg, NULL, 10); break;
        case 'r': permille = strtoul(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: bench_rates [-n EVENTS] [-d DISTINCT] [-k CAPACITY] [-e 1|3] [-r PERMILLE] [-c]\n");
            return 2;
        }
    }
    if (!n || !d || d > 100000000 || (engines != 1 && engines != 3) || permille > 1000) {
        fprintf(stderr, "bench_rates: bad arguments\n");
        return 2;
    }

    /* Keys: one arena, offsets into it; key d is the runaway. */
    size_t cap = (d + 1) * 72;
    char *arena = malloc(cap);
    uint64_t *off = malloc((d + 2) * sizeof *off);
    uint32_t *ev = malloc(n * sizeof *ev);
    uint32_t *size = malloc(n * sizeof *size);
    if (!arena || !off || !ev || !size) {
        fprintf(stderr, "bench_rates: out of memory\n");
        return 1;
    }
    size_t pos = 0;
    unsigned long nsp = d / 200 + 1;
    for (unsigned long i = 0; i < d; i++) {
        off[i] = pos;
        pos += (size_t)snprintf(arena + pos, 72, "/registry/%s/ns-%05lu/app-%07lu-%05x",
                                resources[i % 10], (i * 7919) % nsp, i,
                                (unsigned)(rnd() & 0xfffff));
    }
    off[d] = pos;
    pos += (size_t)snprintf(arena + pos, 72, "/registry/configmaps/kube-system/runaway-leader-lock");
    off[d + 1] = pos;

    const double lnd = log((double)d);
    for (unsigned long i = 0; i < n; i++) {
        uint64_t x = rnd() % 1000;
        if (x < permille)
            ev[i] = (uint32_t)d;
        else if (rnd() & 1)
            ev[i] = (uint32_t)(rnd() % d);
        else {
            uint64_t z = (uint64_t)exp(lnd * rnd01()) - 1;
            ev[i] = (uint32_t)(z < d ? z : d - 1);
        }
        size[i] = (uint32_t)(64 + rnd() % 4096);
    }
    /* How many keys really turned up, to judge the distinct estimate. */
    unsigned long seen = 0;
    uint8_t *bit = calloc(d / 8 + 1, 1);
    if (!bit) {
        fprintf(stderr, "bench_rates: out of memory\n");
        return 1;
    }
    for (unsigned long i = 0; i < n; i++)
        if (ev[i] < d && !(bit[ev[i] / 8] & (1u << (ev[i] % 8)))) {
            bit[ev[i] / 8] |= (uint8_t)(1u << (ev[i] % 8));
            seen++;
        }
    free(bit);
    seen += permille > 0;
    long rss_data = status_kb("VmRSS");

    ec_rates *eng[3] = {0};
    ec_err err = {0};
    ec_rates_config cfg = { .capacity = (uint32_t)k };
    for (unsigned long e = 0; e < engines; e++)
        if (ec_rates_new(&cfg, &eng[e], &err) < 0) {
            fprintf(stderr, "bench_rates: %s\n", err.msg);
            return 1;
        }

    /* The caller has just decoded each key from a watch response, so its
     * bytes are in cache: copy a chunk of keys into a stream buffer first
     * (untimed), then time ingesting the chunk. -c times the keys read
     * cold from the 70 MB arena instead. */
    enum { CHUNK = 4096 };
    uint8_t *stream = malloc((size_t)CHUNK * 72);
    uint32_t *slen = malloc(CHUNK * sizeof *slen);
    if (!stream || !slen) {
        fprintf(stderr, "bench_rates: out of memory\n");
        return 1;
    }
    const int64_t t0 = 1700000000000ll;
    double secs = 0, cpu = 0;
    for (unsigned long base = 0; base < n; base += CHUNK) {
        unsigned long m = n - base < CHUNK ? n - base : CHUNK;
        size_t sp = 0;
        if (!cold)
            for (unsigned long j = 0; j < m; j++) {
                uint32_t id = ev[base + j];
                slen[j] = (uint32_t)(off[id + 1] - off[id]);
                memcpy(stream + sp, arena + off[id], slen[j]);
                sp += slen[j];
            }
        double start = now_s(), cstart = cpu_s();
        sp = 0;
        for (unsigned long j = 0; j < m; j++) {
            unsigned long i = base + j;
            const uint8_t *key;
            size_t len;
            if (cold) {
                key = (const uint8_t *)arena + off[ev[i]];
                len = off[ev[i] + 1] - off[ev[i]];
            } else {
                key = stream + sp;
                len = slen[j];
                sp += len;
            }
            ec_rates_event e = { .key = key, .key_len = len, .value_size = size[i],
                                 .time_ms = t0 + (int64_t)(i / 20), .revision = (int64_t)i + 1 };
            ec_rates_add(eng[0], &e, NULL);
            if (engines == 3) {
                e.key_len = prefix_len(key, len, 4);
                ec_rates_add(eng[1], &e, NULL);
                e.key_len = prefix_len(key, len, 3);
                ec_rates_add(eng[2], &e, NULL);
            }
        }
        secs += now_s() - start;
        cpu += cpu_s() - cstart;
    }
    free(stream);
    free(slen);

    printf("events %lu, keys %lu (%lu turned up), runaway %.1f%%, engines %lu, K %u, keys %s\n",
           n, d + (permille > 0), seen, permille / 10.0, engines,
           k ? (unsigned)k : EC_RATES_DEFAULT_CAPACITY, cold ? "cold (-c)" : "streamed");
    printf("ingest: %.3f s CPU (%.3f s wall), %.0f events/s, %.1f ns/event (%.1f ns per engine update)\n",
           cpu, secs, n / cpu, cpu * 1e9 / n, cpu * 1e9 / n / engines);
    size_t mem = 0;
    for (unsigned long e = 0; e < engines; e++) {
        ec_rates_totals tt;
        ec_rates_get_totals(eng[e], ec_rates_latest_ms(eng[e]), &tt);
        mem += tt.mem_bytes;
    }
    long hwm = status_kb("VmHWM");
    printf("memory: peak VmHWM %ld KiB = test data %ld KiB + %ld KiB; engines hold %.1f MiB\n",
           hwm, rss_data, hwm - rss_data, mem / 1048576.0);
    const char *names[] = { "exact key", "namespace prefix", "resource" };
    int64_t end = t0 + (int64_t)(n / 20);
    /* What one refresh of the top screen costs: rank all K for a window. */
    for (int w = 0; w < EC_RATES_NWIN; w++) {
        ec_rates_top *tp = NULL;
        double q0 = cpu_s();
        if (ec_rates_top_get(eng[0], (ec_rates_window)w, EC_RATES_WRITES, end, 50, &tp, &err) < 0) {
            fprintf(stderr, "bench_rates: %s\n", err.msg);
            return 1;
        }
        printf("top 50 over %3u s: %.2f ms CPU (%zu rows)\n", ec_rates_window_seconds((ec_rates_window)w),
               (cpu_s() - q0) * 1e3, tp->n);
        ec_rates_top_free(tp);
    }
    for (unsigned long e = 0; e < engines; e++)
        print_top(names[e], eng[e], end);
    for (unsigned long e = 0; e < engines; e++)
        ec_rates_free(eng[e]);
    free(arena);
    free(off);
    free(ev);
    free(size);
    return 0;
}
