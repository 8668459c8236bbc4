/* Shared set-up for C integration tests: they run against a real etcd started
 * by their shell wrapper, which passes BG_ENDPOINTS and BG_PKI; BG_TMP (a
 * scratch directory) comes from tests/run.sh. */
#ifndef BG_ITEST_H
#define BG_ITEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "etcdclient/etcd.h"
#include "tui/audit/audit.h"
#include "tui/ops/plan.h"

static inline const char *itest_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s is not set: run this test through its tests/integration/*.sh wrapper\n", name);
        exit(2); /* never a silent skip */
    }
    return v;
}

/* A client on every endpoint in BG_ENDPOINTS with the run's client cert. */
static inline ec_client *itest_client(const char *cert_name, ec_err *err)
{
    static char eps_buf[1024];
    static const char *eps[8];
    static char ca[512], cert[512], key[512];
    snprintf(eps_buf, sizeof eps_buf, "%s", itest_env("BG_ENDPOINTS"));
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(eps_buf, ",", &save); t && n < 8; t = strtok_r(NULL, ",", &save))
        eps[n++] = t;
    const char *pki = itest_env("BG_PKI");
    snprintf(ca, sizeof ca, "%s/ca.crt", pki);
    snprintf(cert, sizeof cert, "%s/%s.crt", pki, cert_name);
    snprintf(key, sizeof key, "%s/%s.key", pki, cert_name);
    ec_config cfg = {.endpoints = eps, .n_endpoints = n, .cacert = ca, .cert = cert, .key = key,
                     .dial_timeout_ms = 2000, .command_timeout_ms = 5000};
    return ec_client_new(&cfg, err);
}

#define ASSERT_OK(call, errp)                                                                              \
    do {                                                                                                   \
        if ((call) != 0)                                                                                   \
            fail_msg("%s failed: %s", #call, (errp)->msg);                                                 \
    } while (0)

/* cmocka group fixtures: one client (the "client" cert) shared by every
 * test of the group, which gets it as *state; the teardown frees it. */
static inline int itest_group_setup(void **state)
{
    ec_err err;
    ec_client *c = itest_client("client", &err);
    if (!c) {
        fprintf(stderr, "cannot create client: %s\n", err.msg);
        return -1;
    }
    *state = c;
    return 0;
}

static inline int itest_group_teardown(void **state)
{
    ec_client_free(*state);
    return 0;
}

/* Puts the C strings k = v; fails the test on an error. */
static inline void itest_put(ec_client *c, const char *k, const char *v)
{
    ec_err err;
    ASSERT_OK(ec_put(c, (const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v), 0, NULL, &err), &err);
}

/* etcd's own count of the keys under prefix; fails the test on an error. */
static inline int64_t itest_count(ec_client *c, const char *prefix)
{
    ec_err err;
    int64_t n = -1;
    ec_range_opts ro = {.key = (const uint8_t *)prefix, .key_len = strlen(prefix), .prefix = true};
    ASSERT_OK(ec_count(c, &ro, &n, NULL, &err), &err);
    return n;
}

/* A new, empty audit log $BG_TMP/<name>-<pid>.log (the pid keeps runs
 * apart); fails the test on an error. Caller closes it with audit_close. */
static inline audit_log *itest_audit_open(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%d.log", itest_env("BG_TMP"), name, (int)getpid());
    unlink(path);
    audit_options ao = {path, NULL, 0, 0};
    audit_log *log;
    ec_err err;
    ASSERT_OK(audit_open(&log, &ao, NULL, &err), &err);
    return log;
}

/* A delete-prefix plan of every key under prefix, read as one whole range
 * of at most max_bytes; fails the test on an error. Caller frees it with
 * bg_plan_free. */
static inline void itest_plan_prefix(bg_plan *p, ec_client *c, const char *prefix, uint64_t max_bytes)
{
    ec_err err;
    bg_plan_init(p, "delete-prefix", (const uint8_t *)prefix, strlen(prefix));
    ec_range_opts ro = {.key = (const uint8_t *)prefix, .key_len = strlen(prefix), .prefix = true};
    ASSERT_OK(bg_plan_read_range(p, c, &ro, max_bytes, &err), &err);
}

#endif
