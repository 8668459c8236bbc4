/* bg_writer: a bounded runaway writer for the demo and the write-rate tests.
 *
 *   bg_writer --endpoints URLS --cacert F --cert F --key F --seconds S
 *             [--rate R] [--pods N] [--background] [--no-runaway]
 *
 * The runaway: the pods of DaemonSet kube-system/node-agent rewritten in
 * turn (status churn, manager "kubelet") at R writes/s (0 = as fast as etcd
 * takes them). --background adds normal traffic: node leases renewed, events
 * written, shop pods updated, a few writes per second each. Always stops
 * after S seconds (at most 3600) or on SIGTERM/SIGINT. Test data only. */
#include <signal.h>
#include <unistd.h>

#include "tests/tools/fake_k8s.h"
#include "tests/tools/tool_common.h"

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static int put_obj(ec_client *c, ec_buf *b, const char *key, const fake_obj *o, long long *writes)
{
    ec_err err;
    fake_k8s_encode(b, o);
    if (ec_put(c, (const uint8_t *)key, strlen(key), (const uint8_t *)b->data, b->len, 0, NULL, &err) != 0) {
        fprintf(stderr, "bg_writer: put '%s' failed: %s\n", key, err.msg);
        return -1;
    }
    (*writes)++;
    return 0;
}

static void background_tick(ec_client *c, ec_buf *b, long tick, long long *writes)
{
    char key[256], name[128], uid[37];
    for (int i = 0; i < 2; i++) { /* node heartbeats */
        snprintf(name, sizeof name, "node-%03ld", (tick * 2 + i) % 20);
        snprintf(key, sizeof key, "/registry/leases/kube-node-lease/%s", name);
        fake_uid(uid, key);
        fake_obj l = {"coordination.k8s.io/v1", "Lease", name, "kube-node-lease", uid, NULL, NULL, "kubelet",
                      1700000000 + tick, 100, 1};
        put_obj(c, b, key, &l, writes);
    }
    for (int i = 0; i < 3; i++) { /* events */
        snprintf(name, sizeof name, "web.%ld%d", tick, i);
        snprintf(key, sizeof key, "/registry/events/shop/%s", name);
        fake_uid(uid, key);
        fake_obj e = {"v1", "Event", name, "shop", uid, NULL, NULL, "kube-scheduler", 1700000000 + tick, 300, 1};
        put_obj(c, b, key, &e, writes);
    }
    /* one shop pod status update */
    char rsuid[37];
    fake_uid(rsuid, "web-7d9f8c6b5");
    fake_owner rso = {"apps/v1", "ReplicaSet", "web-7d9f8c6b5", rsuid};
    snprintf(name, sizeof name, "web-7d9f8c6b5-%cbxqz", 'a' + (int)(tick % 5));
    snprintf(key, sizeof key, "/registry/pods/shop/%s", name);
    fake_uid(uid, name);
    fake_obj p = {"v1", "Pod", name, "shop", uid, "web", &rso, "kubelet", 1700000002, 1100, (uint64_t)tick + 1};
    put_obj(c, b, key, &p, writes);
}

int main(int argc, char **argv)
{
    tool_conn tc = {0};
    double seconds = 0, rate = 200;
    int pods = 200, background = 0, runaway = 1;
    for (int i = 1; i < argc; i++) {
        if (tool_conn_flag(&tc, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc)
            pods = atoi(argv[++i]);
        else if (strcmp(argv[i], "--background") == 0)
            background = 1;
        else if (strcmp(argv[i], "--no-runaway") == 0)
            runaway = 0;
        else {
            fprintf(stderr, "usage: bg_writer --endpoints URLS --cacert F --cert F --key F --seconds S "
                            "[--rate R] [--pods N] [--background] [--no-runaway]\n");
            return 2;
        }
    }
    if (seconds <= 0 || seconds > 3600 || pods < 1 || tc.n == 0) {
        fprintf(stderr, "bg_writer: --seconds must be in (0, 3600], --pods >= 1, --endpoints given\n");
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    ec_client *c = tool_connect(&tc);
    if (!c)
        return 1;
    ec_buf b;
    ec_buf_init(&b, 0);
    char owner_uid[37], key[256], name[128], uid[37];
    fake_uid(owner_uid, "daemonset/kube-system/node-agent");
    fake_owner dso = {"apps/v1", "DaemonSet", "node-agent", owner_uid};
    long long writes = 0, runaway_writes = 0;
    double t0 = tool_now(), next_bg = t0;
    long tick = 0;
    uint64_t gen = 1;
    while (!stop_flag && tool_now() - t0 < seconds) {
        if (runaway) {
            int i = (int)(runaway_writes % pods);
            snprintf(name, sizeof name, "node-agent-%05d", i);
            snprintf(key, sizeof key, "/registry/pods/kube-system/%s", name);
            fake_uid(uid, name);
            if (i == 0)
                gen++;
            fake_obj p = {"v1", "Pod", name, "kube-system", uid, "node-agent", &dso, "kubelet", 1700000100, 1200, gen};
            if (put_obj(c, &b, key, &p, &writes) == 0)
                runaway_writes++;
            else
                usleep(100000); /* etcd unhappy: do not hammer it */
        }
        if (background && tool_now() >= next_bg) {
            background_tick(c, &b, tick++, &writes);
            next_bg += 1.0;
        }
        if (runaway && rate > 0) {
            double due = t0 + (double)runaway_writes / rate, now = tool_now();
            if (due > now)
                usleep((useconds_t)((due - now) * 1e6));
        } else if (!runaway) {
            usleep(20000);
        }
    }
    fprintf(stderr, "bg_writer: %lld writes (%lld runaway) in %.1f s\n", writes, runaway_writes, tool_now() - t0);
    ec_buf_free(&b);
    ec_client_free(c);
    return 0;
}
