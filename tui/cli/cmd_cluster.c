/* status, members, alarms: the cluster at a glance. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli/args.h"
#include "tui/cli/commands.h"
#include "tui/cli/output.h"

static char *hex_id(uint64_t id, char *buf, size_t n)
{
    snprintf(buf, n, "%" PRIx64, id);
    return buf;
}

static json_t *member_status_json(const ec_member_status *m)
{
    char id[32];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(hex_id(m->member.id, id, sizeof id)));
    json_object_set_new(o, "name", json_string(m->member.name));
    json_object_set_new(o, "endpoint", json_string(m->endpoint));
    json_object_set_new(o, "ok", json_boolean(m->ok));
    if (!m->ok) {
        json_object_set_new(o, "error", json_string(m->err.msg));
        json_object_set_new(o, "error_class", json_string(ec_code_name(m->err.code)));
        return o;
    }
    const ec_status *s = &m->status;
    json_object_set_new(o, "version", json_string(s->version));
    json_object_set_new(o, "db_size", json_integer(s->db_size));
    json_object_set_new(o, "db_size_in_use", json_integer(s->db_size_in_use));
    json_object_set_new(o, "leader", json_string(hex_id(s->leader, id, sizeof id)));
    json_object_set_new(o, "is_leader", json_boolean(s->leader == m->member.id));
    json_object_set_new(o, "is_learner", json_boolean(s->is_learner));
    json_object_set_new(o, "raft_term", json_integer((json_int_t)s->raft_term));
    json_object_set_new(o, "raft_index", json_integer((json_int_t)s->raft_index));
    json_object_set_new(o, "raft_applied_index", json_integer((json_int_t)s->raft_applied_index));
    json_object_set_new(o, "revision", json_integer(s->header.revision));
    json_object_set_new(o, "errors", json_string(s->errors));
    json_object_set_new(o, "rtt_us", json_integer(m->rtt_us));
    return o;
}

int cmd_status(bg_ctx *ctx, int argc, char **argv)
{
    size_t np;
    if (bg_parse_flags("status", argc, argv, NULL, 0, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_err err;
    ec_cluster_status *cs;
    if (ec_cluster_status_get(c, &cs, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    ec_alarm *alarms = NULL;
    size_t n_alarms = 0;
    ec_err aerr;
    bool alarms_ok = ec_alarm_list(c, &alarms, &n_alarms, &aerr) == 0;
    size_t failed = 0;
    for (size_t i = 0; i < cs->n_members; i++)
        failed += !cs->members[i].ok;
    char id[32];
    if (ctx->opts->json) {
        json_t *root = json_object();
        json_object_set_new(root, "cluster_id", json_string(hex_id(cs->list_->header.cluster_id, id, sizeof id)));
        json_object_set_new(root, "endpoint", json_string(ec_client_endpoint(c)));
        json_t *arr = json_array();
        for (size_t i = 0; i < cs->n_members; i++)
            json_array_append_new(arr, member_status_json(&cs->members[i]));
        json_object_set_new(root, "members", arr);
        json_t *al = json_array();
        for (size_t i = 0; alarms_ok && i < n_alarms; i++) {
            json_t *a = json_object();
            json_object_set_new(a, "member_id", json_string(hex_id(alarms[i].member_id, id, sizeof id)));
            json_object_set_new(a, "alarm", json_string(ec_alarm_name(alarms[i].type)));
            json_array_append_new(al, a);
        }
        json_object_set_new(root, "alarms", alarms_ok ? al : (json_decref(al), json_null()));
        bg_print_json(root);
    } else {
        printf("cluster %s via %s\n\n", hex_id(cs->list_->header.cluster_id, id, sizeof id), ec_client_endpoint(c));
        printf("%-26s %-16s %-8s %10s %10s %-6s %9s %10s %10s %s\n", "ENDPOINT", "ID", "VERSION", "DB SIZE",
               "IN USE", "LEADER", "RAFT TERM", "RAFT INDEX", "REVISION", "ERRORS");
        for (size_t i = 0; i < cs->n_members; i++) {
            const ec_member_status *m = &cs->members[i];
            if (!m->ok) {
                printf("%-26s %-16s %s\n", m->endpoint, hex_id(m->member.id, id, sizeof id), m->err.msg);
                continue;
            }
            char b1[24], b2[24];
            printf("%-26s %-16s %-8s %10s %10s %-6s %9" PRIu64 " %10" PRIu64 " %10lld %s\n", m->endpoint,
                   hex_id(m->member.id, id, sizeof id), m->status.version,
                   bg_human_bytes(m->status.db_size, b1, sizeof b1),
                   bg_human_bytes(m->status.db_size_in_use, b2, sizeof b2),
                   m->status.leader == m->member.id ? "*" : "", m->status.raft_term, m->status.raft_index,
                   (long long)m->status.header.revision, m->status.errors);
        }
        if (!alarms_ok)
            printf("\nalarms: unknown (%s)\n", aerr.msg);
        else if (n_alarms == 0)
            printf("\nalarms: none\n");
        else
            for (size_t i = 0; i < n_alarms; i++)
                printf("\nALARM %s on member %s\n", ec_alarm_name(alarms[i].type),
                       hex_id(alarms[i].member_id, id, sizeof id));
    }
    if (failed)
        fprintf(stderr, "breakglass: %zu of %zu members did not answer\n", failed, cs->n_members);
    free(alarms);
    ec_cluster_status_free(cs);
    return failed ? BG_EXIT_FAIL : BG_EXIT_OK;
}

int cmd_members(bg_ctx *ctx, int argc, char **argv)
{
    size_t np;
    if (bg_parse_flags("members", argc, argv, NULL, 0, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_err err;
    ec_member_list *l;
    if (ec_member_list_get(c, &l, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    char id[32];
    if (ctx->opts->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < l->n_members; i++) {
            ec_member *m = &l->members[i];
            json_t *o = json_object();
            json_object_set_new(o, "id", json_string(hex_id(m->id, id, sizeof id)));
            json_object_set_new(o, "name", json_string(m->name));
            json_t *pu = json_array(), *cu = json_array();
            for (size_t k = 0; k < m->n_peer_urls; k++)
                json_array_append_new(pu, json_string(m->peer_urls[k]));
            for (size_t k = 0; k < m->n_client_urls; k++)
                json_array_append_new(cu, json_string(m->client_urls[k]));
            json_object_set_new(o, "peer_urls", pu);
            json_object_set_new(o, "client_urls", cu);
            json_object_set_new(o, "is_learner", json_boolean(m->is_learner));
            json_array_append_new(arr, o);
        }
        bg_print_json(arr);
    } else {
        printf("%-16s %-12s %-8s %-30s %s\n", "ID", "NAME", "LEARNER", "PEER URLS", "CLIENT URLS");
        for (size_t i = 0; i < l->n_members; i++) {
            ec_member *m = &l->members[i];
            printf("%-16s %-12s %-8s %-30s %s\n", hex_id(m->id, id, sizeof id), m->name[0] ? m->name : "(unstarted)",
                   m->is_learner ? "yes" : "no", m->n_peer_urls ? m->peer_urls[0] : "",
                   m->n_client_urls ? m->client_urls[0] : "");
        }
    }
    ec_member_list_free(l);
    return BG_EXIT_OK;
}

int cmd_alarms(bg_ctx *ctx, int argc, char **argv)
{
    size_t np;
    if (bg_parse_flags("alarms", argc, argv, NULL, 0, NULL, 0, &np) != 0)
        return BG_EXIT_USAGE;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    ec_err err;
    ec_alarm *a;
    size_t n;
    if (ec_alarm_list(c, &a, &n, &err) != 0) {
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    char id[32];
    if (ctx->opts->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "member_id", json_string(hex_id(a[i].member_id, id, sizeof id)));
            json_object_set_new(o, "alarm", json_string(ec_alarm_name(a[i].type)));
            json_array_append_new(arr, o);
        }
        bg_print_json(arr);
    } else if (n == 0) {
        printf("no active alarms\n");
    } else {
        for (size_t i = 0; i < n; i++)
            printf("memberID:%s alarm:%s\n", hex_id(a[i].member_id, id, sizeof id), ec_alarm_name(a[i].type));
    }
    free(a);
    return BG_EXIT_OK;
}
