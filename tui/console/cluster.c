/* The cluster view: every member as a small card (name, id, endpoint,
 * version, leader mark, db size and in use, raft term/index, alarms, and
 * the error of a member that does not answer), refreshed by the cluster
 * worker every CON_CLUSTER_EVERY_MS while the view is open. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

typedef struct line {
    ec_buf text;
    cd_role role;
    int indent;
} line;

typedef struct lines {
    line *l;
    size_t n, cap;
} lines;

static ec_buf *add(lines *ls, cd_role role, int indent)
{
    if (ls->n == ls->cap) {
        size_t nc = ls->cap ? ls->cap * 2 : 32;
        line *p = realloc(ls->l, nc * sizeof *p);
        if (!p)
            return NULL;
        ls->l = p;
        ls->cap = nc;
    }
    line *x = &ls->l[ls->n++];
    ec_buf_init(&x->text, 0);
    ec_buf_append(&x->text, "", 0);
    x->role = role;
    x->indent = indent;
    return &x->text;
}

static void free_lines(lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        ec_buf_free(&ls->l[i].text);
    free(ls->l);
}

static void esc_str(ec_buf *b, const char *s, bool utf8)
{
    ct_escape(b, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0, utf8);
}

static void member_lines(con *c, lines *ls, const ev_cluster *e, const ec_member_status *m)
{
    bool leader = m->ok && m->status.leader == m->member.id;
    ec_buf *b = add(ls, leader ? CR_OK : m->ok ? CR_NORMAL : CR_BAD, 0);
    if (!b)
        return;
    ec_buf_puts(b, leader ? "* " : "  ");
    esc_str(b, m->member.name && m->member.name[0] ? m->member.name : "(unnamed)", c->utf8);
    ec_buf_printf(b, "  id %" PRIx64 "  ", m->member.id);
    esc_str(b, m->endpoint, c->utf8);
    if (m->ok)
        ec_buf_printf(b, "  v%s", m->status.version);
    if (leader)
        ec_buf_puts(b, "  leader");
    if (m->member.is_learner)
        ec_buf_puts(b, "  (learner)");
    if (!m->ok) {
        b = add(ls, CR_BAD, 4);
        if (b) {
            ec_buf_printf(b, "not answering (%s): ", ec_code_name(m->err.code));
            ct_sanitize(b, m->err.msg, strlen(m->err.msg), c->utf8);
        }
        return;
    }
    const ec_status *s = &m->status;
    char b1[24], b2[24], b3[24];
    b = add(ls, CR_NORMAL, 4);
    if (b) {
        ec_buf_printf(b, "db %s  in use %s", ct_bytes((uint64_t)s->db_size, b1, sizeof b1),
                      ct_bytes((uint64_t)s->db_size_in_use, b2, sizeof b2));
        if (c->quota_bytes > 0)
            ec_buf_printf(b, " of quota %s (%d%%)", ct_bytes((uint64_t)c->quota_bytes, b3, sizeof b3),
                          (int)(100.0 * (double)s->db_size / (double)c->quota_bytes));
        ec_buf_printf(b, "  raft term %" PRIu64 "  index %" PRIu64 "  applied %" PRIu64 "  rev %lld  rtt %s",
                      s->raft_term, s->raft_index, s->raft_applied_index, (long long)s->header.revision,
                      ct_usec(m->rtt_us, b3, sizeof b3));
    }
    bool alarmed = false;
    ec_buf al;
    ec_buf_init(&al, 0);
    ec_buf_append(&al, "", 0);
    for (size_t i = 0; e->alarms_ok && i < e->n_alarms; i++)
        if (e->alarms[i].member_id == m->member.id) {
            ec_buf_printf(&al, "%s%s", alarmed ? " " : "", ec_alarm_name(e->alarms[i].type));
            alarmed = true;
        }
    b = add(ls, alarmed || s->errors[0] ? CR_BAD : CR_NORMAL, 4);
    if (b) {
        ec_buf_printf(b, "alarms: %s", !e->alarms_ok ? "?" : alarmed ? al.data : "none");
        ec_buf_puts(b, "  errors: ");
        if (s->errors[0])
            ct_sanitize(b, s->errors, strlen(s->errors), c->utf8);
        else
            ec_buf_puts(b, "none");
    }
    ec_buf_free(&al);
}

static void build(con *c, lines *ls)
{
    cluster_state *cl = &c->cluster;
    const ev_cluster *e = cl->last;
    if (!e) {
        ec_buf *b = add(ls, CR_WARN, 0);
        if (b)
            ec_buf_puts(b, "loading...");
        return;
    }
    if (!e->ok) {
        ec_buf *b = add(ls, CR_BAD, 0);
        if (b) {
            ec_buf_printf(b, "cannot get the member list (%s): ", ec_code_name(e->err.code));
            ct_sanitize(b, e->err.msg, strlen(e->err.msg), c->utf8);
        }
        return;
    }
    size_t down = 0;
    for (size_t i = 0; i < e->cs->n_members; i++)
        down += !e->cs->members[i].ok;
    ec_buf *b = add(ls, down ? CR_WARN : CR_NORMAL, 0);
    if (b) {
        ec_buf_printf(b, "cluster %" PRIx64 ": %zu members", e->cs->list_->header.cluster_id, e->cs->n_members);
        if (down)
            ec_buf_printf(b, ", %zu not answering", down);
        ec_buf_printf(b, "; refreshed every %d s, took %.1f s", CON_CLUSTER_EVERY_MS / 1000, (double)e->rtt_us / 1e6);
    }
    for (size_t i = 0; i < e->cs->n_members; i++) {
        add(ls, CR_NORMAL, 0);
        member_lines(c, ls, e, &e->cs->members[i]);
    }
}

void cluster_open(con *c)
{
    cluster_state *cl = &c->cluster;
    cl->gen = con_next_gen(c);
    memset(&cl->view, 0, sizeof cl->view);
    job_cluster_set(c, cl->gen);
    con_push(c, SCR_CLUSTER);
}

void cluster_close(con *c)
{
    cluster_state *cl = &c->cluster;
    cl->gen = 0;
    job_cluster_set(c, 0);
    if (cl->last)
        ev_cluster_free(cl->last);
    cl->last = NULL;
}

void cluster_draw(con *c, int y0, int y1)
{
    cluster_state *cl = &c->cluster;
    lines ls = {0};
    build(c, &ls);
    int height = y1 - y0;
    cl->view.total = ls.n;
    cl->view.height = height > 0 ? (size_t)height : 1;
    rl_scroll(&cl->view, 0);
    for (int i = 0; i < height && cl->view.top + (size_t)i < ls.n; i++) {
        const line *l = &ls.l[cl->view.top + (size_t)i];
        cd_text(y0 + i, l->indent, COLS - l->indent, l->text.data, l->text.len, l->role, c->utf8);
    }
    free_lines(&ls);
}

void cluster_info(con *c, ec_buf *out, int *role)
{
    cluster_state *cl = &c->cluster;
    *role = CR_NORMAL;
    if (!cl->last) {
        ec_buf_puts(out, "asking every member...");
        *role = CR_WARN;
        return;
    }
    int64_t ago = (cw_now_ms() - cl->last_ms) / 1000;
    ec_buf_printf(out, "updated %llds ago", (long long)ago);
    if (ago * 1000 > 3 * CON_CLUSTER_EVERY_MS + (int64_t)c->ctx->opts->command_timeout_ms) {
        ec_buf_puts(out, " (no answer since: etcd slow or away)");
        *role = CR_WARN;
    }
}

void cluster_action(con *c, ck_action a)
{
    cluster_state *cl = &c->cluster;
    long h = (long)(cl->view.height ? cl->view.height : 1);
    switch (a) {
    case A_UP: rl_scroll(&cl->view, -1); break;
    case A_DOWN: rl_scroll(&cl->view, 1); break;
    case A_PGUP: rl_scroll(&cl->view, -h); break;
    case A_PGDN: rl_scroll(&cl->view, h); break;
    case A_HOME: cl->view.top = 0; break;
    case A_END: rl_scroll(&cl->view, (long)cl->view.total); break;
    default: break;
    }
}
