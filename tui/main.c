/* breakglass: entry point. Parses global flags, then dispatches to a
 * subcommand from the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/etcd.h"
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

int main(int argc, char **argv)
{
    bg_opts opts;
    char msg[256];
    int n = argc - 1;
    char **args = argv + 1;
    if (bg_opts_parse(&opts, &n, args, msg, sizeof msg) != 0) {
        bg_opts_free(&opts);
        bg_usage(NULL, "%s", msg);
        return BG_EXIT_USAGE;
    }
    int rc = BG_EXIT_OK;
    bg_ctx ctx = {&opts, NULL};
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
