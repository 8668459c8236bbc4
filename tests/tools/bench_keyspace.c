/* Benchmark of the keyspace tree (etcdclient/keyspace).
 *
 *   bench_keyspace [N]            N keys (default 1000000) in the Kubernetes
 *                                 layout /registry/<resource>/<ns>/<name>,
 *                                 generated in etcd's byte order and fed in
 *                                 pages of 1000 as a scan delivers them
 *   bench_keyspace --stdin        keys from stdin, one per line (e.g. the
 *                                 output of `etcdctl get "" --prefix --keys-only`)
 *   bench_keyspace --no-tree ...  the same without the tree: the baseline
 *
 * Prints build time, keys/s, peak RSS (VmHWM), the baseline's peak RSS (the
 * generator alone, run as a child with --no-tree), the tree's bytes per key,
 * live update and size scan rates, and the time to list the largest
 * directory by each column (first: sorted; again: from the cache). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "etcdclient/keyspace/keyspace.h"
#include "etcdclient/util/escape.h"

#define PAGE 1000
#define NRES 40
#define NNS 50
#define MAXKEY 160

static const char *res_names[NRES] = {
    "apiservices", "certificatesigningrequests", "clusterrolebindings", "clusterroles",
    "configmaps", "controllerrevisions", "cronjobs", "csidrivers", "csinodes",
    "customresourcedefinitions", "daemonsets", "deployments", "endpointslices", "events",
    "flowschemas", "horizontalpodautoscalers", "ingress", "ingressclasses", "jobs", "leases",
    "limitranges", "masterleases", "minions", "mutatingwebhookconfigurations", "namespaces",
    "networkpolicies", "persistentvolumeclaims", "persistentvolumes", "poddisruptionbudgets",
    "pods", "priorityclasses", "replicasets", "resourcequotas", "rolebindings", "roles",
    "secrets", "serviceaccounts", "services", "statefulsets", "volumeattachments",
};
static char ns_names[NNS][24];
static int res_order[NRES], ns_order[NNS];
/* Keys per (resource, namespace): skewed like a real cluster, where events
 * and pods dominate and a few namespaces hold most objects. */
static size_t counts[NRES][NNS];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            v = strtol(line + fl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* A segment followed by '/' is what etcd's byte order compares, so "kube"
 * comes after "kube-system" ('-' < '/'). */
static const char **cmp_names;

static int seg_slash_cmp(const void *a, const void *b)
{
    const char *x = cmp_names[*(const int *)a], *y = cmp_names[*(const int *)b];
    size_t i = 0;
    for (;; i++) {
        int cx = x[i] ? (unsigned char)x[i] : '/', cy = y[i] ? (unsigned char)y[i] : '/';
        if (cx != cy)
            return cx - cy;
        if (!x[i] || !y[i])
            return 0;
    }
}

static void layout(size_t n)
{
    static const char *fixed[] = { "default", "kube", "kube-node-lease", "kube-public",
                                   "kube-system", "monitoring", "ingress-nginx", "cert-manager" };
    for (int i = 0; i < NNS; i++) {
        if (i < 8)
            snprintf(ns_names[i], sizeof ns_names[i], "%s", fixed[i]);
        else
            snprintf(ns_names[i], sizeof ns_names[i], "team-%02d-prod", i);
    }
    double w[NRES][NNS], wsum = 0;
    for (int r = 0; r < NRES; r++)
        for (int s = 0; s < NNS; s++) {
            double wr = (r == 13) ? 20 : (r == 29) ? 8 : (r == 35 || r == 4) ? 4 : 1;
            double ws = s < 5 ? 6 : 1 + (double)(mix((uint64_t)s) % 5);
            wsum += w[r][s] = wr * ws * (0.5 + (double)(mix((uint64_t)(r * 64 + s)) % 100) / 100.0);
        }
    size_t total = 0;
    for (int r = 0; r < NRES; r++)
        for (int s = 0; s < NNS; s++)
            total += counts[r][s] = (size_t)((double)n * w[r][s] / wsum);
    for (int i = 0; total < n; i++, total++)
        counts[13][i % NNS]++;
    for (int i = 0; i < NRES; i++)
        res_order[i] = i;
    for (int i = 0; i < NNS; i++)
        ns_order[i] = i;
    cmp_names = res_names;
    qsort(res_order, NRES, sizeof *res_order, seg_slash_cmp);
    const char *nsp[NNS];
    for (int i = 0; i < NNS; i++)
        nsp[i] = ns_names[i];
    cmp_names = nsp;
    qsort(ns_order, NNS, sizeof *ns_order, seg_slash_cmp);
}

/* Key j of (r, s): names like "pod-000123-7f9c4b8d6-xk2lp", 30 to 60 bytes. */
static size_t make_key(char *out, int r, int s, size_t j)
{
    uint64_t h = mix(((uint64_t)r << 40) ^ ((uint64_t)s << 32) ^ j);
    int tail = 14 + (int)(h % 28);
    int len = snprintf(out, MAXKEY, "/registry/%s/%s/%.3s-%06zu-", res_names[r], ns_names[s],
                       res_names[r], j);
    for (int t = 0; t < tail && len < MAXKEY - 1; t++)
        out[len++] = "abcdefghijklmnopqrstuvwxyz0123456789"[(mix(h + (uint64_t)t)) % 36];
    return (size_t)len;
}

static ec_ks_kv kv_for(size_t g)
{
    uint64_t h = mix(g + 1);
    ec_ks_kv kv = { (int64_t)(1 + g), (int64_t)(1 + g + h % 1000), (int64_t)(1 + h % 5), 0,
                    EC_KS_SIZE_UNKNOWN };
    return kv;
}

typedef struct gen {
    int ri, si;
    size_t j, g, n;
} gen;

/* The next key in byte order, or 0 at the end. */
static size_t gen_next(gen *st, char *out)
{
    while (st->g < st->n && st->ri < NRES) {
        int r = res_order[st->ri], s = ns_order[st->si];
        if (st->j < counts[r][s])
            return make_key(out, r, s, st->j++);
        st->j = 0;
        if (++st->si == NNS) {
            st->si = 0;
            st->ri++;
        }
    }
    return 0;
}

typedef struct page {
    char buf[PAGE][MAXKEY];
    ec_ks_entry e[PAGE];
    size_t n;
} page;

static int flush(ec_ks *ks, page *p)
{
    ec_err err;
    if (ks && ec_ks_add_page(ks, p->e, p->n, &err) != 0) {
        fprintf(stderr, "bench_keyspace: %s\n", err.msg);
        return -1;
    }
    p->n = 0;
    return 0;
}

/* Feeds the generated keys; returns the number fed or -1. */
static long feed_generated(ec_ks *ks, size_t n, uint64_t *sum)
{
    static page p;
    gen st = { 0, 0, 0, 0, n };
    size_t len;
    while ((len = gen_next(&st, p.buf[p.n])) > 0) {
        p.e[p.n].key = (const uint8_t *)p.buf[p.n];
        p.e[p.n].key_len = len;
        p.e[p.n].kv = kv_for(st.g);
        *sum += len;
        st.g++;
        if (++p.n == PAGE && flush(ks, &p) != 0)
            return -1;
    }
    if (p.n && flush(ks, &p) != 0)
        return -1;
    return (long)st.g;
}

static long feed_stdin(ec_ks *ks, uint64_t *sum)
{
    static page p;
    char *line = NULL;
    size_t cap = 0, g = 0;
    ssize_t len;
    /* Keys longer than a page slot are fed one by one from the line buffer. */
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len == 0)
            continue; /* etcdctl separates records with empty lines */
        *sum += (uint64_t)len;
        ec_ks_kv kv = kv_for(g++);
        if (len >= MAXKEY) {
            ec_err err;
            if (ks && ec_ks_put(ks, (const uint8_t *)line, (size_t)len, &kv, &err) < 0) {
                fprintf(stderr, "bench_keyspace: %s\n", err.msg);
                free(line);
                return -1;
            }
            continue;
        }
        memcpy(p.buf[p.n], line, (size_t)len);
        p.e[p.n].key = (const uint8_t *)p.buf[p.n];
        p.e[p.n].key_len = (size_t)len;
        p.e[p.n].kv = kv;
        if (++p.n == PAGE && flush(ks, &p) != 0) {
            free(line);
            return -1;
        }
    }
    free(line);
    if (p.n && flush(ks, &p) != 0)
        return -1;
    return (long)g;
}

/* The directory with the most children (breadth-first over directories). */
static ec_ks_id largest_dir(ec_ks *ks, uint32_t *nkids)
{
    size_t cap = 1024, head = 0, tail = 0;
    ec_ks_id *q = malloc(cap * sizeof *q), best = EC_KS_ROOT;
    *nkids = 0;
    q[tail++] = EC_KS_ROOT;
    ec_ks_order o = { EC_KS_BY_NAME, 0, NULL, 0 };
    while (head < tail) {
        ec_ks_id d = q[head++];
        ec_ks_info st;
        ec_ks_stat(ks, d, &st);
        if (st.children > *nkids) {
            *nkids = st.children;
            best = d;
        }
        const ec_ks_id *rows;
        size_t n;
        if (ec_ks_list(ks, d, &o, &rows, &n, NULL) != 0)
            break;
        for (size_t i = 0; i < n; i++) {
            ec_ks_info c;
            ec_ks_stat(ks, rows[i], &c);
            if (!c.children)
                continue;
            if (tail == cap) {
                cap *= 2;
                ec_ks_id *nq = realloc(q, cap * sizeof *nq);
                if (!nq)
                    break;
                q = nq;
            }
            q[tail++] = rows[i];
        }
    }
    free(q);
    return best;
}

static void time_listings(ec_ks *ks)
{
    static const char *names[EC_KS_NCOLS] = { "name", "keys", "bytes", "writes", "modrev", "rate" };
    uint32_t nk;
    ec_ks_id d = largest_dir(ks, &nk);
    ec_buf path;
    ec_buf_init(&path, 4096);
    ec_ks_path(ks, d, &path);
    char *shown = ec_escape_dup((const uint8_t *)path.data, path.len);
    printf("largest directory: '%s/' with %u entries\n", shown ? shown : "?", nk);
    free(shown);
    ec_buf_free(&path);
    printf("  %-8s %-5s %12s %12s\n", "column", "order", "sort ms", "cached ms");
    for (int c = 0; c < EC_KS_NCOLS; c++)
        for (int desc = 0; desc < 2; desc++) {
            ec_ks_order o = { (ec_ks_col)c, desc, NULL, 0 };
            const ec_ks_id *rows;
            size_t n;
            double t0 = now();
            ec_ks_list(ks, d, &o, &rows, &n, NULL);
            double t1 = now();
            ec_ks_list(ks, d, &o, &rows, &n, NULL);
            double t2 = now();
            printf("  %-8s %-5s %12.3f %12.4f\n", names[c], desc ? "desc" : "asc",
                   (t1 - t0) * 1e3, (t2 - t1) * 1e3);
        }
    ec_ks_order f = { EC_KS_BY_KEYS, 1, (const uint8_t *)"7", 1 };
    const ec_ks_id *rows;
    size_t n;
    double t0 = now();
    ec_ks_list(ks, d, &f, &rows, &n, NULL);
    printf("  filter '7', by keys desc: %zu rows in %.3f ms\n", n, (now() - t0) * 1e3);
}

/* Live updates in random order (watch events), then a size scan in order. */
static void time_updates(ec_ks *ks, size_t n)
{
    char key[MAXKEY];
    size_t upd = n < 200000 ? n : 200000;
    double t0 = now();
    for (size_t i = 0; i < upd; i++) {
        uint64_t h = mix(i * 31 + 7);
        int r = (int)(h % NRES), s = (int)((h >> 8) % NNS);
        if (!counts[r][s])
            continue;
        size_t j = (h >> 16) % counts[r][s];
        size_t len = make_key(key, r, s, j);
        ec_ks_kv kv = { 1, (int64_t)(n + 1 + i), 2, 0, (int64_t)(h % 5000) };
        ec_ks_put(ks, (const uint8_t *)key, len, &kv, NULL);
    }
    double t1 = now();
    printf("live updates (random order): %zu in %.3f s, %.0f/s\n", upd, t1 - t0, (double)upd / (t1 - t0));

    gen st = { 0, 0, 0, 0, n };
    size_t len, done = 0;
    t0 = now();
    while ((len = gen_next(&st, key)) > 0) {
        ec_ks_set_size(ks, (const uint8_t *)key, len, 0, (int64_t)(len * 37), NULL);
        st.g++;
        done++;
    }
    t1 = now();
    printf("size scan (in order): %zu in %.3f s, %.0f/s\n", done, t1 - t0, (double)done / (t1 - t0));

    size_t del = n / 10;
    t0 = now();
    for (size_t i = 0; i < del; i++) {
        uint64_t h = mix(i * 131 + 3);
        int r = (int)(h % NRES), s = (int)((h >> 8) % NNS);
        if (!counts[r][s])
            continue;
        size_t j = (h >> 16) % counts[r][s];
        size_t klen = make_key(key, r, s, j);
        ec_ks_delete(ks, (const uint8_t *)key, klen);
    }
    t1 = now();
    ec_ks_info root;
    ec_ks_stat(ks, EC_KS_ROOT, &root);
    printf("deletes (random order): %zu tried in %.3f s, %.0f/s; %llu keys left\n", del, t1 - t0,
           (double)del / (t1 - t0), (unsigned long long)root.keys);
}

/* Peak RSS (KiB) and time of this program run again with --no-tree. */
static long baseline_kib(const char *self, size_t n, double *secs)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char nbuf[32];
        snprintf(nbuf, sizeof nbuf, "%zu", n);
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execl(self, self, "--no-tree", "--quiet", nbuf, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char out[64] = "";
    ssize_t got = read(fd[0], out, sizeof out - 1);
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    out[got] = '\0';
    char *end;
    long kib = strtol(out, &end, 10);
    *secs = strtod(end, NULL);
    return kib;
}

int main(int argc, char **argv)
{
    int no_tree = 0, from_stdin = 0, quiet = 0;
    size_t n = 1000000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-tree") == 0)
            no_tree = 1;
        else if (strcmp(argv[i], "--stdin") == 0)
            from_stdin = 1;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1; /* only peak RSS (KiB) and seconds, for the parent */
        else if (argv[i][0] >= '0' && argv[i][0] <= '9')
            n = (size_t)strtoull(argv[i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_keyspace [--stdin] [--no-tree] [N]\n");
            return 2;
        }
    }
    if (!from_stdin)
        layout(n);

    ec_ks *ks = NULL;
    if (!no_tree && !(ks = ec_ks_new())) {
        fprintf(stderr, "bench_keyspace: out of memory\n");
        return 1;
    }
    uint64_t key_bytes = 0;
    double t0 = now();
    long fed = from_stdin ? feed_stdin(ks, &key_bytes) : feed_generated(ks, n, &key_bytes);
    double t1 = now();
    if (fed < 0)
        return 1;
    long hwm = status_kib("VmHWM");
    if (quiet) {
        printf("%ld %.6f\n", hwm, t1 - t0);
        return 0;
    }
    printf("keys: %ld (%s), %.1f bytes per key on average\n", fed,
           from_stdin ? "from stdin" : "generated, Kubernetes layout", fed ? (double)key_bytes / (double)fed : 0.0);
    if (no_tree) {
        printf("%s only: %.3f s, peak RSS (VmHWM) %.1f MiB\n", from_stdin ? "read" : "generate",
               t1 - t0, (double)hwm / 1024);
        return 0;
    }
    ec_ks_info root;
    ec_ks_stat(ks, EC_KS_ROOT, &root);
    ec_ks_mem mem;
    ec_ks_memory(ks, &mem);
    printf("build: %.3f s, %.0f keys/s (%s included), %llu distinct keys, %zu nodes, %zu directories\n",
           t1 - t0, (double)fed / (t1 - t0), from_stdin ? "reading" : "generation",
           (unsigned long long)root.keys, mem.nodes, mem.dirs);
    printf("peak RSS (VmHWM): %.1f MiB; tree allocations %.1f MiB (%.1f bytes per key), segment bytes %.1f MiB\n",
           (double)hwm / 1024, (double)mem.alloc_bytes / 1048576,
           root.keys ? (double)mem.alloc_bytes / (double)root.keys : 0.0, (double)mem.name_bytes / 1048576);
    if (!from_stdin) {
        double gen_s = 0;
        long base = baseline_kib("/proc/self/exe", n, &gen_s);
        if (base > 0) {
            printf("baseline (same program, --no-tree): peak RSS %.1f MiB, generation %.3f s\n",
                   (double)base / 1024, gen_s);
            printf("the tree alone: +%.1f MiB peak RSS (%.1f bytes per key), %.3f s build, %.0f keys/s\n",
                   (double)(hwm - base) / 1024, (double)(hwm - base) * 1024 / (double)root.keys,
                   t1 - t0 - gen_s, (double)fed / (t1 - t0 - gen_s));
        }
        else
            printf("baseline: could not run --no-tree\n");
    } else {
        printf("baseline: run again with --stdin --no-tree on the same input\n");
    }
    time_listings(ks);
    if (!from_stdin)
        time_updates(ks, n);
    t0 = now();
    ec_ks_free(ks);
    printf("free: %.3f s; final peak RSS (VmHWM) %.1f MiB\n", now() - t0, (double)status_kib("VmHWM") / 1024);
    return 0;
}
