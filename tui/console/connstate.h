/* The connection state shown in the status bar, driven by the status poll:
 * connecting (no answer yet), connected (the last poll answered),
 * reconnecting (a poll failed after a success, for less than
 * CS_RECONNECT_GRACE_MS or CS_RECONNECT_FAILS polls), disconnected (failing
 * for longer, or never connected). The client library reconnects on its
 * own; the poll keeps asking, and the first answer makes it connected. Pure. */
#ifndef CON_CONNSTATE_H
#define CON_CONNSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "etcdclient/error.h"

#define CS_RECONNECT_FAILS 3
#define CS_RECONNECT_GRACE_MS 5000

typedef enum cs_kind { CS_CONNECTING = 0, CS_CONNECTED, CS_RECONNECTING, CS_DISCONNECTED } cs_kind;

typedef struct cs_state {
    cs_kind kind;
    bool ever_ok;
    int fails;              /* consecutive failed polls */
    int64_t last_ok_ms;     /* time of the last answer */
    int64_t since_ms;       /* when kind last changed */
    ec_code last_code;      /* class of the last failure */
    char last_msg[512];     /* its message (raw; escape before showing) */
} cs_state;

void cs_init(cs_state *s, int64_t now_ms);
void cs_ok(cs_state *s, int64_t now_ms);
void cs_fail(cs_state *s, const ec_err *e, int64_t now_ms);
/* "connecting", "connected", "reconnecting", "disconnected". */
const char *cs_name(cs_kind k);

#endif
