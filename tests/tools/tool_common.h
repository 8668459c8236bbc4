/* Shared by the test tools (bg_load, bg_writer): connection flags and a
 * Kubernetes-like key layout. Header-only so each tool stays one file. */
#ifndef BG_TOOL_COMMON_H
#define BG_TOOL_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcdclient/etcd.h"

typedef struct tool_conn {
    const char *endpoints[8];
    size_t n;
    const char *cacert, *cert, *key;
    char eps_buf[1024];
} tool_conn;

/* Consumes --endpoints/--cacert/--cert/--key at argv[*i]; 1 if it did. */
static inline int tool_conn_flag(tool_conn *tc, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (*i + 1 >= argc)
        return 0;
    if (strcmp(a, "--endpoints") == 0) {
        snprintf(tc->eps_buf, sizeof tc->eps_buf, "%s", argv[++*i]);
        tc->n = 0;
        for (char *s = NULL, *t = strtok_r(tc->eps_buf, ",", &s); t && tc->n < 8; t = strtok_r(NULL, ",", &s))
            tc->endpoints[tc->n++] = t;
        return 1;
    }
    if (strcmp(a, "--cacert") == 0) { tc->cacert = argv[++*i]; return 1; }
    if (strcmp(a, "--cert") == 0) { tc->cert = argv[++*i]; return 1; }
    if (strcmp(a, "--key") == 0) { tc->key = argv[++*i]; return 1; }
    return 0;
}

static inline ec_client *tool_connect(tool_conn *tc)
{
    ec_config cfg = {.endpoints = tc->endpoints, .n_endpoints = tc->n, .cacert = tc->cacert, .cert = tc->cert,
                     .key = tc->key, .command_timeout_ms = 30000};
    ec_err err;
    ec_client *c = ec_client_new(&cfg, &err);
    if (!c)
        fprintf(stderr, "cannot connect: %s\n", err.msg);
    return c;
}

static inline double tool_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resource types with their share of keys (per mille), singular kind,
 * apiVersion and whether namespaced: roughly the mix of a busy cluster. */
typedef struct tool_resource {
    const char *resource, *kind, *api_version;
    int permille;
    int namespaced;
} tool_resource;

static const tool_resource TOOL_RESOURCES[] = {
    {"pods", "Pod", "v1", 300, 1},
    {"events", "Event", "v1", 200, 1},
    {"configmaps", "ConfigMap", "v1", 80, 1},
    {"secrets", "Secret", "v1", 80, 1},
    {"replicasets", "ReplicaSet", "apps/v1", 60, 1},
    {"services/specs", "Service", "v1", 40, 1},
    {"services/endpoints", "Endpoints", "v1", 40, 1},
    {"endpointslices", "EndpointSlice", "discovery.k8s.io/v1", 40, 1},
    {"deployments", "Deployment", "apps/v1", 30, 1},
    {"serviceaccounts", "ServiceAccount", "v1", 30, 1},
    {"leases", "Lease", "coordination.k8s.io/v1", 30, 1},
    {"rolebindings", "RoleBinding", "rbac.authorization.k8s.io/v1", 20, 1},
    {"controllerrevisions", "ControllerRevision", "apps/v1", 20, 1},
    {"minions", "Node", "v1", 10, 0},
    {"clusterroles", "ClusterRole", "rbac.authorization.k8s.io/v1", 10, 0},
    {"namespaces", "Namespace", "v1", 10, 0},
};
#define TOOL_N_RESOURCES (sizeof TOOL_RESOURCES / sizeof TOOL_RESOURCES[0])

#endif
