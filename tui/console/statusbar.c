/* The two status lines at the top of every screen: connection state,
 * endpoint, round trip, revision, cluster id; then leader, db size against
 * the quota, alarms (or, while disconnected, why). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

typedef struct seg_line {
    int y, x, width;
    bool utf8;
    bool first;
} seg_line;

/* Draws a segment after the previous ones, two spaces apart; the first is
 * cut to fit, later ones are left out when they do not fit whole. */
static void seg(seg_line *l, const char *s, size_t n, cd_role r)
{
    int sep = l->first ? 0 : 2;
    int w = ct_width(s, n, l->utf8);
    if (!l->first && l->x + sep + w > l->width)
        return;
    l->x += sep;
    l->x += cd_text(l->y, l->x, l->width - l->x, s, n, r, l->utf8);
    l->first = false;
}

static void segf(seg_line *l, cd_role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void segf(seg_line *l, cd_role r, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    seg(l, buf, strlen(buf), r);
}

static void seg_raw(seg_line *l, const char *prefix, const char *raw, cd_role r)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    ec_buf_puts(&b, prefix);
    ct_escape(&b, (const uint8_t *)raw, strlen(raw), l->utf8);
    seg(l, b.data, b.len, r);
    ec_buf_free(&b);
}

/* Offline: the file instead of a connection; nothing changes, no polls. */
static void offline_draw(con *c, int width)
{
    seg_line l0 = {0, 0, width, c->utf8, true};
    ec_buf b;
    ec_buf_init(&b, 0);
    ec_buf_puts(&b, "offline: ");
    const char *name = ec_offline_name(c->off); /* already escaped */
    ct_sanitize(&b, name, strlen(name), c->utf8);
    ec_buf_printf(&b, " (%s), revision ", c->off_snapshot ? "snapshot" : "member db");
    if (c->off_rev > 0)
        ec_buf_printf(&b, "%lld", (long long)c->off_rev);
    else
        ec_buf_puts(&b, "?");
    if (c->off_compacted >= 0)
        ec_buf_printf(&b, ", compacted %lld", (long long)c->off_compacted);
    else
        ec_buf_puts(&b, ", compacted ?");
    seg(&l0, b.data, b.len, CR_WARN);
    ec_buf_free(&b);
    seg_line l1 = {1, 0, width, c->utf8, true};
    segf(&l1, CR_DIM, "read-only, no etcd: no live updates, no cluster view, no size scan");
}

void statusbar_draw(con *c, int width)
{
    if (c->off) {
        offline_draw(c, width);
        return;
    }
    const cs_state *cs = &c->cs;
    const ev_status *s = c->status;
    seg_line l0 = {0, 0, width, c->utf8, true};
    char t[64];
    switch (cs->kind) {
    case CS_CONNECTING: segf(&l0, CR_WARN, "connecting..."); break;
    case CS_CONNECTED: segf(&l0, CR_OK, "connected"); break;
    case CS_RECONNECTING: segf(&l0, CR_WARN, "reconnecting: %s", ec_code_name(cs->last_code)); break;
    case CS_DISCONNECTED: segf(&l0, CR_BAD, "disconnected: %s", ec_code_name(cs->last_code)); break;
    }
    if (c->endpoint[0])
        seg_raw(&l0, "", c->endpoint, CR_NORMAL);
    if (cs->kind == CS_CONNECTED)
        segf(&l0, CR_NORMAL, "rtt %s", ct_usec(c->last_rtt_us, t, sizeof t));
    else if (cs->ever_ok)
        segf(&l0, CR_WARN, "last answer %llds ago", (long long)((cw_now_ms() - cs->last_ok_ms) / 1000));
    if (s) {
        segf(&l0, CR_NORMAL, "rev %lld", (long long)s->st.header.revision);
        segf(&l0, CR_NORMAL, "cluster %" PRIx64, s->st.header.cluster_id);
    }

    seg_line l1 = {1, 0, width, c->utf8, true};
    if (cs->kind == CS_DISCONNECTED || (cs->kind == CS_CONNECTING && cs->fails)) {
        seg_raw(&l1, "", cs->last_msg, CR_BAD);
        return;
    }
    if (!s) {
        segf(&l1, CR_DIM, "waiting for the first answer from etcd...");
        return;
    }
    if (s->st.leader == 0)
        segf(&l1, CR_BAD, "no leader");
    else if (s->leader_named && s->leader_name[0])
        seg_raw(&l1, "leader ", s->leader_name, CR_NORMAL);
    else
        segf(&l1, CR_NORMAL, "leader %" PRIx64, s->st.leader);
    char b1[24], b2[24];
    if (c->quota_bytes > 0) {
        int pct = (int)(100.0 * (double)s->st.db_size / (double)c->quota_bytes);
        segf(&l1, pct >= 90 ? CR_BAD : pct >= 75 ? CR_WARN : CR_NORMAL, "db %s of %s quota (%d%%)",
             ct_bytes((uint64_t)s->st.db_size, b1, sizeof b1), ct_bytes((uint64_t)c->quota_bytes, b2, sizeof b2), pct);
        segf(&l1, CR_NORMAL, "in use %s", ct_bytes((uint64_t)s->st.db_size_in_use, b1, sizeof b1));
    } else {
        segf(&l1, CR_NORMAL, "db %s", ct_bytes((uint64_t)s->st.db_size, b1, sizeof b1));
        segf(&l1, CR_NORMAL, "in use %s", ct_bytes((uint64_t)s->st.db_size_in_use, b1, sizeof b1));
        segf(&l1, CR_DIM, "quota ?");
    }
    if (!s->alarms_ok) {
        segf(&l1, CR_WARN, "alarms: ?");
    } else if (s->n_alarms == 0) {
        segf(&l1, CR_NORMAL, "alarms: none");
    } else {
        char al[128] = "ALARM";
        size_t k = strlen(al);
        for (size_t i = 0; i < s->n_alarms && k < sizeof al - 16; i++) {
            /* One name per type, however many members raised it. */
            const char *name = ec_alarm_name(s->alarms[i].type);
            if (strstr(al, name))
                continue;
            k += (size_t)snprintf(al + k, sizeof al - k, " %s", name);
        }
        seg(&l1, al, strlen(al), CR_BAD);
    }
}
