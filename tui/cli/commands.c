#include "tui/cli/commands.h"

#include <stdio.h>
#include <string.h>

#include "tui/cli/output.h"

#define CONFIRM_HELP                                                                                         \
    "  --dry-run         show the plan, change nothing\n"                                                    \
    "  --yes             do it; needs --confirm NAME or --confirm-count N as shown by the plan\n"

static const bg_cmd table[] = {
    {"status", "", "health and status of every member: version, db size, leader, raft index",
     "  --json            machine-readable output\n", cmd_status},
    {"members", "", "list the cluster's members", "  --json            machine-readable output\n", cmd_members},
    {"alarms", "", "list active alarms (NOSPACE, CORRUPT)", "  --json            machine-readable output\n",
     cmd_alarms},
    {"ls", "[PREFIX]", "list every key under PREFIX (all keys if none), paged at one revision",
     "  -l, --long        also show create/mod revision, version and lease\n"
     "  --limit N         stop after N keys\n"
     "  --consistent      linearizable reads (default: serializable, no leader round trip)\n"
     "  --json            machine-readable output (JSON lines, one key per line)\n",
     cmd_ls},
    {"get", "KEY", "show one key: revisions, version, lease, size and its value",
     "  --rev N           read at revision N\n"
     "  --json            machine-readable output\n",
     cmd_get},
    {"count", "[PREFIX]", "count keys under PREFIX without transferring them",
     "  --json            machine-readable output\n", cmd_count},
    {"rm", "KEY | --prefix PREFIX | --owner KIND/NAMESPACE/NAME",
     "guarded removal: plan at one revision, confirm, audit, delete only what did not change",
     CONFIRM_HELP
     "  --rate N          at most N keys deleted per second (default 20000)\n"
     "  KEY: confirm with the object's name (last segment); --prefix: with the count;\n"
     "  --owner: with NAME; the owner and everything it owns (ownerReferences) go\n",
     cmd_rm},
    {"compact", "[REV]", "compact history up to REV (default: the current revision)",
     CONFIRM_HELP "  --physical        wait until the space is reclaimable\n  confirm with the revision\n",
     cmd_compact},
    {"defrag", "", "defragment members one at a time, leader last, after a health check",
     CONFIRM_HELP "  --member ID|NAME  only this member\n  --pause-ms N      pause between members (default 2000)\n"
     "  confirm with the number of members\n", cmd_defrag},
    {"alarm", "list | disarm", "list or disarm alarms", CONFIRM_HELP "  disarm: confirm with the number of alarms\n",
     cmd_alarm},
    {"recover-nospace", "", "guided NOSPACE recovery: compact, defrag each member, disarm, verify writes",
     CONFIRM_HELP "  confirm with 'recover-nospace'\n", cmd_recover_nospace},
    {"snapshot", "save FILE", "save a snapshot (SHA-256 checked) before surgery", "", cmd_snapshot},
    {"lease", "list | revoke ID", "list leases, or revoke one (its keys vanish; their values are recorded first)",
     CONFIRM_HELP "  revoke: confirm with the lease ID\n", cmd_lease},
    {"audit", "show | verify | restore SEQ", "review, verify and undo recorded actions",
     "  show [--from N] [--to N] [--json]\n  verify [--audit-hmac-key FILE]\n"
     "  restore SEQ [--dry-run] [--yes --confirm-count N] [--allow-damaged]\n"
     "    puts back the pre-images of SEQ where the key is absent now (create_revision == 0)\n",
     cmd_audit},
    {"top", "", "find the runaway: which keys, prefixes, owners or writers are written most",
     "  --group G         key, prefix (default), resource, namespace, owner, writer, lease\n"
     "  --depth N         prefix groups: the key up to its N-th '/' (default 3)\n"
     "  --window W        10s, 60s (default) or 5m\n"
     "  --by writes|bytes rank by writes (default) or bytes\n"
     "  --history N       replay the last N revisions first (default 10000; 0 = live only)\n"
     "  --prefix P        only keys under P\n"
     "  --limit N         rows (default 20)\n"
     "  --duration D      collect for D, print once (default 3s); with --watch, stop after D\n"
     "  --watch           print every 2s (--interval D) until Ctrl-C\n"
     "  --source S        auto (default: watch, plus a keys-only ranking by version when history\n"
     "                    and live writes are both missing), watch, versions\n"
     "  --capacity K      counters per grouping (default 4096): memory bound, error bound N/K\n"
     "  --json            machine-readable output (one line per print with --watch)\n"
     "  figures marked ~ are estimated: replayed history has no timestamps\n",
     cmd_top},
};

const bg_cmd *bg_commands(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const bg_cmd *bg_find_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

void bg_print_cmd_help(const bg_cmd *c)
{
    printf("usage: breakglass [global flags] %s %s\n\n%s\n\n", c->name, c->args, c->summary);
    if (c->help && *c->help)
        printf("flags:\n%s\n", c->help);
    printf("global flags: see 'breakglass --help'\n");
}

void bg_print_main_help(void)
{
    puts("usage: breakglass [global flags] <command> [args]\n"
         "\n"
         "Break-glass console for etcd: talks to etcd's v3 API directly with client certificates.\n"
         "\n"
         "commands:");
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        printf("  %-10s %s\n", table[i].name, table[i].summary);
    puts("\n"
         "offline (no etcd needed):\n"
         "  --offline FILE <ls|get|count|top|stats|dump> ...   read a snapshot or member db file\n"
         "\n"
         "global flags (etcdctl-compatible). Each setting comes from the first of: the flag, its\n"
         "ETCDCTL_* variable, the config file's cluster, kubeadm's files on this node, the default\n"
         "(see docs/configuration.md):\n"
         "  --endpoints URLS        comma-separated, default https://127.0.0.1:2379\n"
         "  --cacert FILE           CA that signed etcd's serving certificate\n"
         "  --cert FILE, --key FILE client certificate and key\n"
         "  --user NAME[:PASSWORD]  etcd user (with --password, or after the colon)\n"
         "  --insecure-transport    plaintext http (TLS is the default)\n"
         "  --dial-timeout D        connect timeout per endpoint (default 2s)\n"
         "  --command-timeout D     timeout per request (default 5s)\n"
         "  --json, -w json         machine-readable output\n"
         "  --audit-log PATH        audit log (default /var/log/breakglass/audit.log)\n"
         "  --audit-hmac-key FILE   HMAC key for the audit log records\n"
         "  --read-only             refuse every change\n"
         "  --config FILE           config file with named clusters (default\n"
         "                          ~/.config/breakglass/config.yaml, then /etc/breakglass/config.yaml)\n"
         "  --cluster NAME          a cluster of the config file, or 'events' from kubeadm's manifest\n"
         "  --node-root DIR         read kubeadm's manifests and certificates under DIR, not /\n"
         "  --no-discovery          do not read kubeadm's files\n"
         "  --etcd-prefix P         Kubernetes key prefix (default: kubeadm's manifest, else /registry)\n"
         "  --quiet                 no 'using ...' line saying what came from kubeadm's files,\n"
         "                          no pace note before a snapshot\n"
         "  --max-requests N        at most N requests per second to etcd (default 50; 0 = unlimited)\n"
         "  --max-bytes SIZE        at most SIZE per second to and from etcd (default 20MiB; 0 = unlimited);\n"
         "                          paces snapshot save too\n"
         "  --consistency l|s       browsing reads: s serializable (default, no leader round trip),\n"
         "                          l linearizable\n"
         "  --version, --help\n"
         "\n"
         "exit status: 0 success, 1 the operation failed (message and hint on stderr), 2 usage error.");
}

int64_t bg_max_bytes(const bg_opts *o)
{
    return o->max_bytes >= 0 ? o->max_bytes : EC_DEFAULT_MAX_BYTES_PER_S;
}

ec_client *bg_client(bg_ctx *ctx)
{
    if (ctx->client)
        return ctx->client;
    bg_opts *o = ctx->opts;
    /* Before connecting, so that a certificate error follows the line
     * saying where the certificates came from. */
    if (o->using_line && !o->quiet && !ctx->using_said)
        fprintf(stderr, "breakglass: %s\n", o->using_line);
    ctx->using_said = true;
    ec_config cfg = {
        .endpoints = o->endpoints,
        .n_endpoints = o->n_endpoints,
        .cacert = o->cacert,
        .cert = o->cert,
        .key = o->key,
        .insecure_transport = o->insecure_transport,
        .user = o->user,
        .password = o->password,
        .dial_timeout_ms = o->dial_timeout_ms,
        .command_timeout_ms = o->command_timeout_ms,
        /* Never make a sick etcd sicker: limits on unless the operator says. */
        .max_requests_per_s = o->max_requests >= 0 ? o->max_requests : EC_DEFAULT_MAX_REQUESTS_PER_S,
        .max_bytes_per_s = bg_max_bytes(o),
        .consistency = o->linearizable ? EC_CONSISTENCY_LINEARIZABLE : EC_CONSISTENCY_SERIALIZABLE,
    };
    ec_err err;
    ctx->client = ec_client_new(&cfg, &err);
    if (!ctx->client) {
        bg_report(&err);
        return NULL;
    }
    for (const char *const *w = ec_client_warnings(ctx->client); *w; w++)
        fprintf(stderr, "breakglass: warning: %s\n", *w);
    return ctx->client;
}
