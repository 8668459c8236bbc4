/* Shared set-up for C integration tests: they run against a real etcd started
 * by their shell wrapper, which passes BG_ENDPOINTS and BG_PKI. */
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

#include "etcdclient/etcd.h"

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

#endif
