/* breakglass: entry point. Parses global flags, then dispatches to a
 * subcommand from the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/etcd.h"
#include "etcdclient/util/escape.h"
#include "tui/cli/commands.h"
#include "tui/cli/output.h"
#include "tui/console/console.h"
#include "tui/offline/offline_cli.h"
#include "tui/version.h"

/* --offline FILE SUBCOMMAND ...: no etcd, a snapshot or member db file. The
 * global parser took --json; the offline commands get it back. */
static int run_offline(const bg_opts *o, int n, char **args)
{
    if (n == 0)
        return bg_usage(NULL, "--offline FILE needs a command: ls, get, count, top, stats or dump");
    char **av = calloc((size_t)n + 3, sizeof *av);
    if (!av)
        return BG_EXIT_FAIL;
    int k = 0;
    for (int i = 0; i < n; i++)
        av[k++] = args[i];
    if (o->json)
        av[k++] = (char *)"--json";
    if (o->help)
        av[k++] = (char *)"--help";
    av[k] = NULL;
    int rc = offline_cli_main(o->offline, k, av);
    free(av);
    return rc;
}

/* The config file's and kubeadm discovery's warnings, before anything else
 * and whatever the command. The "using ..." line waits for bg_client(): a
 * command that never reaches etcd has no use for it. */
static void print_resolve_notes(const bg_opts *o)
{
    for (size_t i = 0; i < o->warnings.n; i++)
        fprintf(stderr, "breakglass: warning: %s\n", o->warnings.line[i]);
    if (o->warnings.dropped)
        fprintf(stderr, "breakglass: warning: %zu more warnings not shown\n", o->warnings.dropped);
}

int main(int argc, char **argv)
{
    bg_opts opts;
    char msg[1024];
    int n = argc - 1;
    char **args = argv + 1;
    if (bg_opts_parse(&opts, &n, args, msg, sizeof msg) != 0) {
        print_resolve_notes(&opts);
        /* The message may quote a config file or a manifest. */
        char *safe = ec_escape_dup((const uint8_t *)msg, strlen(msg));
        if (opts.hint)
            fprintf(stderr, "breakglass: %s\nhint: %s\n", safe ? safe : msg, opts.hint);
        else
            bg_usage(NULL, "%s", safe ? safe : msg);
        free(safe);
        bg_opts_free(&opts);
        return BG_EXIT_USAGE;
    }
    print_resolve_notes(&opts);
    int rc = BG_EXIT_OK;
    bg_ctx ctx = {&opts, NULL, false};
    if (opts.version) {
        printf("breakglass version %s\n", BG_VERSION);
        goto out;
    }
    if (opts.offline && n == 0 && !opts.help) {
        /* --offline FILE alone: the console on the file. */
        rc = console_offline_main(&ctx, opts.offline);
        goto out;
    }
    if (opts.offline) {
        rc = run_offline(&opts, n, args);
        goto out;
    }
    if (n == 0 && !opts.help) {
        /* No subcommand: the interactive console. */
        rc = console_main(&ctx);
        goto out;
    }
    if (n == 0) {
        bg_print_main_help();
        rc = opts.help ? BG_EXIT_OK : BG_EXIT_USAGE;
        goto out;
    }
    const bg_cmd *cmd = bg_find_cmd(args[0]);
    if (!cmd) {
        rc = bg_usage(NULL, "'%s' is not a breakglass command", args[0]);
        goto out;
    }
    if (opts.help) {
        bg_print_cmd_help(cmd);
        goto out;
    }
    rc = cmd->run(&ctx, n, args);
out:
    fflush(stdout);
    ec_client_free(ctx.client);
    bg_opts_free(&opts);
    return rc;
}
