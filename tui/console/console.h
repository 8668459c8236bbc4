/* The interactive console: `breakglass` with no subcommand. */
#ifndef BG_CONSOLE_H
#define BG_CONSOLE_H

#include "tui/cli/commands.h"

/* Runs the console on the terminal until the operator quits. Refuses (exit
 * status 2, one line on stderr) when stdin or stdout is not a terminal.
 * Returns the exit status: 0 after q, 1 when the client cannot be set up or
 * the terminal is lost, 128+N after signal N (SIGINT, SIGTERM, SIGHUP). The
 * client in ctx is created here (bg_client) and left for the caller to free. */
int console_main(bg_ctx *ctx);
/* The same browser and viewer on an etcd snapshot or a stopped member's db
 * file (read-only, no network). A file that cannot be opened is reported
 * in one line on stderr before the screen is taken: exit status 1. */
int console_offline_main(bg_ctx *ctx, const char *path);

#endif
