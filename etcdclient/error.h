/* Errors are values: every failing call fills an ec_err and returns -1.
 * The message is one line naming the subject, in git's grammar ("cannot open
 * 'x': reason", no capital, no full stop). The program (tui/) adds the fix
 * line, using ec_err_hint() or its own advice. */
#ifndef EC_ERROR_H
#define EC_ERROR_H

#include <stddef.h>

typedef enum ec_code {
    EC_OK = 0,
    EC_E_UNREACHABLE,          /* nothing listening / connection refused / no route */
    EC_E_TLS_SERVER_UNTRUSTED, /* server certificate not signed by the CA given */
    EC_E_TLS_CLIENT_REJECTED,  /* server refused our client certificate */
    EC_E_TLS_CLIENT_REQUIRED,  /* server wants a client certificate, none given */
    EC_E_TLS_HANDSHAKE,        /* other TLS failure (protocol, hostname, ...) */
    EC_E_CREDENTIALS,          /* CA/cert/key file missing, unreadable, malformed, expired */
    EC_E_DEADLINE,             /* deadline exceeded (server slow, paused, overloaded) */
    EC_E_AUTH,                 /* authentication failed or required */
    EC_E_PERMISSION,           /* permission denied by etcd RBAC or by the OS */
    EC_E_COMPACTED,            /* requested revision has been compacted */
    EC_E_FUTURE_REV,           /* requested revision is newer than the store */
    EC_E_NOSPACE,              /* etcd space quota exceeded (NOSPACE alarm) */
    EC_E_TOO_MANY_REQUESTS,    /* etcd is shedding load */
    EC_E_INVALID,              /* request rejected as invalid / bad usage */
    EC_E_NOT_FOUND,            /* key, member, lease or file not found */
    EC_E_UNAVAILABLE,          /* server up but unable to serve (stopping, ...) */
    EC_E_NO_LEADER,            /* an election is in progress: "leader changed", "no leader" */
    EC_E_CORRUPT,              /* malformed or damaged input (value, file, stream) */
    EC_E_IO,                   /* local I/O error */
    EC_E_NOMEM,                /* out of memory or over a size cap */
    EC_E_CANCELLED,            /* cancelled by the caller */
    EC_E_CONFLICT,             /* compare failed: the data changed since it was read */
    EC_E_RATE_LIMITED,         /* not sent: this client's own rate limit would pass the deadline */
    EC_E_INTERNAL              /* anything else; the message carries the detail */
} ec_code;

typedef struct ec_err {
    ec_code code;
    int grpc_status;    /* gRPC status code when the error came off the wire, else 0 */
    char msg[512];
} ec_err;

/* Fills err (when non-NULL) and returns -1, so callers can `return ec_fail(...)`. */
int ec_fail(ec_err *err, ec_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, keeping the existing message and prepending context: "ctx: old". */
int ec_wrap(ec_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ec_err_clear(ec_err *err);
/* Short stable name of a code ("unreachable", "deadline", ...) for JSON output and tests. */
const char *ec_code_name(ec_code code);
/* One line of advice on how to fix an error of this class, or NULL. */
const char *ec_err_hint(ec_code code);

#endif
