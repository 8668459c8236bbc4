/* breakglass: entry point. Parses global flags, then dispatches to a
 * subcommand from the command table. */
#include <stdio.h>
#include <string.h>

#include "etcdclient/etcd.h"
#include "tui/cli/commands.h"
#include "tui/cli/output.h"
#include "tui/version.h"

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
