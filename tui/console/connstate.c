#include "tui/console/connstate.h"

#include <stdio.h>
#include <string.h>

void cs_init(cs_state *s, int64_t now_ms)
{
    memset(s, 0, sizeof *s);
    s->kind = CS_CONNECTING;
    s->since_ms = now_ms;
}

static void set_kind(cs_state *s, cs_kind k, int64_t now_ms)
{
    if (s->kind != k) {
        s->kind = k;
        s->since_ms = now_ms;
    }
}

void cs_ok(cs_state *s, int64_t now_ms)
{
    s->ever_ok = true;
    s->fails = 0;
    s->last_ok_ms = now_ms;
    set_kind(s, CS_CONNECTED, now_ms);
}

void cs_fail(cs_state *s, const ec_err *e, int64_t now_ms)
{
    s->fails++;
    s->last_code = e->code;
    snprintf(s->last_msg, sizeof s->last_msg, "%s", e->msg[0] ? e->msg : ec_code_name(e->code));
    if (s->ever_ok && s->fails < CS_RECONNECT_FAILS && now_ms - s->last_ok_ms < CS_RECONNECT_GRACE_MS)
        set_kind(s, CS_RECONNECTING, now_ms);
    else
        set_kind(s, CS_DISCONNECTED, now_ms);
}

const char *cs_name(cs_kind k)
{
    switch (k) {
    case CS_CONNECTING: return "connecting";
    case CS_CONNECTED: return "connected";
    case CS_RECONNECTING: return "reconnecting";
    case CS_DISCONNECTED: return "disconnected";
    }
    return "?";
}
