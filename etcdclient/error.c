#include "etcdclient/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ec_fail(ec_err *err, ec_code code, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->code = code;
    err->grpc_status = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* One line: a stray newline from a server message must not split it. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return -1;
}

int ec_wrap(ec_err *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char prefix[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncation is acceptable here: the message stays one bounded line. */
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3)
        n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof err->msg - n - 3;
    size_t m = strnlen(old, room);
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
    return -1;
}

void ec_err_clear(ec_err *err)
{
    if (!err)
        return;
    err->code = EC_OK;
    err->grpc_status = 0;
    err->msg[0] = '\0';
}

static const struct {
    ec_code code;
    const char *name;
    const char *hint;
} code_table[] = {
    {EC_OK, "ok", NULL},
    {EC_E_UNREACHABLE, "unreachable",
     "check that etcd runs and listens there (--endpoints), and that no firewall is in the way"},
    {EC_E_TLS_SERVER_UNTRUSTED, "tls-server-untrusted",
     "pass the CA that signed etcd's serving certificate with --cacert (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)"},
    {EC_E_TLS_CLIENT_REJECTED, "tls-client-rejected",
     "use a client certificate signed by etcd's --trusted-ca-file (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.crt)"},
    {EC_E_TLS_CLIENT_REQUIRED, "tls-client-required",
     "etcd requires a client certificate: pass --cert and --key"},
    {EC_E_TLS_HANDSHAKE, "tls-handshake",
     "check that the endpoint speaks TLS (https://) and that its certificate names this address"},
    {EC_E_CREDENTIALS, "credentials",
     "check the --cacert, --cert and --key paths, their permissions and validity dates"},
    {EC_E_DEADLINE, "deadline",
     "etcd is slow, overloaded or stopped: retry, raise --command-timeout, or use another endpoint"},
    {EC_E_AUTH, "auth", "check --user (name:password) or use a client certificate with a known common name"},
    {EC_E_PERMISSION, "permission", "the etcd user lacks a role for this key range; use a root client certificate"},
    {EC_E_COMPACTED, "compacted", "that revision is compacted: retry at the current revision"},
    {EC_E_FUTURE_REV, "future-revision", "that revision does not exist yet: use the current revision or lower"},
    {EC_E_NOSPACE, "nospace",
     "etcd is out of space: remove data, compact, defragment each member, then disarm the NOSPACE alarm"},
    {EC_E_TOO_MANY_REQUESTS, "too-many-requests", "etcd is shedding load: wait and retry, more slowly"},
    {EC_E_INVALID, "invalid", NULL},
    {EC_E_NOT_FOUND, "not-found", NULL},
    {EC_E_UNAVAILABLE, "unavailable", "the member cannot serve now: try another endpoint"},
    {EC_E_NO_LEADER, "no-leader",
     "etcd is electing a leader: retry in a few seconds; if it persists, the member has lost its peers"},
    {EC_E_CORRUPT, "corrupt", NULL},
    {EC_E_IO, "io", NULL},
    {EC_E_NOMEM, "nomem", NULL},
    {EC_E_CANCELLED, "cancelled", NULL},
    {EC_E_CONFLICT, "conflict", "the data changed since it was shown: look again and retry"},
    {EC_E_RATE_LIMITED, "rate-limited",
     "breakglass held the request back to spare etcd: raise --max-requests or --max-bytes (0 = no limit), "
     "or --command-timeout"},
    {EC_E_INTERNAL, "internal", NULL},
};

const char *ec_code_name(ec_code code)
{
    for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++)
        if (code_table[i].code == code)
            return code_table[i].name;
    return "unknown";
}

const char *ec_err_hint(ec_code code)
{
    for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++)
        if (code_table[i].code == code)
            return code_table[i].hint;
    return NULL;
}
