/* Shared by the files of tui/offline: parsed options and one function per
 * subcommand. Each returns 0, or -1 with err set (the caller prints it). */
#ifndef BG_OFFLINE_CMD_H
#define BG_OFFLINE_CMD_H

#include <stdint.h>
#include <stdio.h>
#include "etcdclient/error.h"
#include "etcdclient/offline/offline.h"

typedef struct offline_opts {
    int json, history, keys_only, no_verify;
    long depth, limit;          /* -1 when not given */
    const char *output;
    const char *pos[2];         /* positional arguments after the subcommand */
    int npos;
} offline_opts;

typedef struct offline_ctx {
    ec_offline *db;
    const char *dbfile;         /* as given */
    offline_opts o;
    FILE *out;                  /* stdout */
    const char *hint;           /* set by a failing command: its fix line */
} offline_ctx;

int offline_cmd_ls(offline_ctx *c, ec_err *err);
int offline_cmd_dump(offline_ctx *c, ec_err *err);
int offline_cmd_get(offline_ctx *c, ec_err *err);
int offline_cmd_count(offline_ctx *c, ec_err *err);
int offline_cmd_top(offline_ctx *c, ec_err *err);
int offline_cmd_stats(offline_ctx *c, ec_err *err);

/* The positional argument i as bytes ("" when absent). */
static inline const uint8_t *offline_arg(const offline_ctx *c, int i, size_t *len)
{
    const char *s = i < c->o.npos ? c->o.pos[i] : "";
    size_t n = 0;
    while (s[n])
        n++;
    *len = n;
    return (const uint8_t *)s;
}

#endif
