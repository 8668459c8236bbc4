/* Subcommands are data: one table feeds dispatch, --help and completion. */
#ifndef BG_COMMANDS_H
#define BG_COMMANDS_H

#include <stdbool.h>

#include "etcdclient/etcd.h"
#include "tui/cli/options.h"

typedef struct bg_ctx {
    bg_opts *opts;
    ec_client *client;      /* connected on first use by bg_client() */
    bool using_said;        /* opts->using_line printed (once, by bg_client()) */
} bg_ctx;

typedef struct bg_cmd {
    const char *name;
    const char *args;       /* synopsis of the arguments */
    const char *summary;    /* one line */
    const char *help;       /* the rest of --help: flags and notes */
    int (*run)(bg_ctx *ctx, int argc, char **argv); /* argv[0] is the name */
} bg_cmd;

/* The client for ctx, created (credentials checked) on first call; prints
 * the error and returns NULL on failure. Warnings go to stderr once. Before
 * creating it, says once where discovery found the cluster (the "using ..."
 * line, unless --quiet): only commands that reach etcd print it. */
ec_client *bg_client(bg_ctx *ctx);

/* The byte limit bg_client() gives the client, per second: --max-bytes, or
 * the default; 0 = unlimited. */
int64_t bg_max_bytes(const bg_opts *o);

const bg_cmd *bg_find_cmd(const char *name);
const bg_cmd *bg_commands(size_t *n);
void bg_print_cmd_help(const bg_cmd *c);
void bg_print_main_help(void);

/* Subcommand entry points (one file per group). */
int cmd_status(bg_ctx *ctx, int argc, char **argv);
int cmd_members(bg_ctx *ctx, int argc, char **argv);
int cmd_alarms(bg_ctx *ctx, int argc, char **argv);
int cmd_ls(bg_ctx *ctx, int argc, char **argv);
int cmd_get(bg_ctx *ctx, int argc, char **argv);
int cmd_count(bg_ctx *ctx, int argc, char **argv);
int cmd_rm(bg_ctx *ctx, int argc, char **argv);
int cmd_compact(bg_ctx *ctx, int argc, char **argv);
int cmd_defrag(bg_ctx *ctx, int argc, char **argv);
int cmd_alarm(bg_ctx *ctx, int argc, char **argv);
int cmd_recover_nospace(bg_ctx *ctx, int argc, char **argv);
int cmd_snapshot(bg_ctx *ctx, int argc, char **argv);
int cmd_lease(bg_ctx *ctx, int argc, char **argv);
int cmd_audit(bg_ctx *ctx, int argc, char **argv);
int cmd_top(bg_ctx *ctx, int argc, char **argv);

#endif
