/* Dispatch for `breakglass --offline FILE <subcommand>`: commands and their
 * options are tables, so usage text and parsing cannot drift apart. */
#include "tui/offline/offline_cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/util/escape.h"
#include "tui/offline/offline_cmd.h"

enum {
    OPT_JSON = 1 << 0,
    OPT_HISTORY = 1 << 1,
    OPT_KEYS_ONLY = 1 << 2,
    OPT_DEPTH = 1 << 3,
    OPT_LIMIT = 1 << 4,
    OPT_OUTPUT = 1 << 5,
    OPT_NO_VERIFY = 1 << 6,
};

typedef struct option_def {
    const char *name;
    unsigned bit;
    int takes_value;
} option_def;

static const option_def options[] = {
    {"--json", OPT_JSON, 0},
    {"--history", OPT_HISTORY, 0},
    {"--keys-only", OPT_KEYS_ONLY, 0},
    {"--depth", OPT_DEPTH, 1},
    {"--limit", OPT_LIMIT, 1},
    {"--output", OPT_OUTPUT, 1},
    {"--no-verify", OPT_NO_VERIFY, 0},
};

typedef struct command_def {
    const char *name;
    const char *args;
    const char *summary;
    int min_pos, max_pos;
    unsigned opts;
    int (*run)(offline_ctx *c, ec_err *err);
} command_def;

static const command_def commands[] = {
    {"ls", "[PREFIX] [--keys-only] [--json]",
     "newest value of every live key (under PREFIX), in key order", 0, 1,
     OPT_JSON | OPT_KEYS_ONLY, offline_cmd_ls},
    {"get", "KEY [--history] [--json]", "one key; --history: every revision still in the file",
     1, 1, OPT_JSON | OPT_HISTORY, offline_cmd_get},
    {"count", "[PREFIX] [--depth N] [--json]",
     "live keys, deleted keys and revisions in the file; per prefix with --depth", 0, 1,
     OPT_JSON | OPT_DEPTH, offline_cmd_count},
    {"top", "[PREFIX] [--depth N] [--limit N] [--json]",
     "keys and prefixes with the most revisions in the file (write hot spots)", 0, 1,
     OPT_JSON | OPT_DEPTH | OPT_LIMIT, offline_cmd_top},
    {"stats", "[--json]", "pages, buckets, revisions, compaction, consistent index", 0, 0,
     OPT_JSON, offline_cmd_stats},
    {"dump", "[PREFIX] [--output FILE]",
     "JSON lines of every live key, for `breakglass load` (see docs/offline.md)", 0, 1,
     OPT_JSON | OPT_OUTPUT, offline_cmd_dump},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: breakglass --offline FILE <command> [args]\n"
               "Reads an etcd snapshot or a stopped member's member/snap/db, read-only.\n\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-6s %-44s %s\n", commands[i].name, commands[i].args, commands[i].summary);
    fprintf(f, "\nEvery command takes --no-verify: read a snapshot whose SHA-256 does not match.\n"
               "Exit status: 0 ok, 1 failure, 2 usage error.\n");
}

static int usage_error(const command_def *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(const command_def *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Arguments come from the operator's shell; still, nothing raw reaches the terminal. */
    char *safe = ec_escape_dup((const uint8_t *)msg, strlen(msg));
    fprintf(stderr, "breakglass: %s\n", safe ? safe : "usage error");
    free(safe);
    if (cmd)
        fprintf(stderr, "hint: usage: breakglass --offline FILE %s %s\n", cmd->name, cmd->args);
    else
        fprintf(stderr, "hint: commands: ls, get, count, top, stats, dump "
                        "(breakglass --offline FILE help)\n");
    return 2;
}

static int parse_count(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 1000000000)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(const command_def *cmd, int argc, char **argv, offline_opts *o)
{
    memset(o, 0, sizeof *o);
    o->depth = o->limit = -1;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (o->npos >= cmd->max_pos)
                return usage_error(cmd, "too many arguments at '%s'", a);
            o->pos[o->npos++] = a;
            continue;
        }
        const option_def *def = NULL;
        const char *value = NULL;
        for (size_t j = 0; j < sizeof options / sizeof options[0]; j++) {
            size_t n = strlen(options[j].name);
            if (strncmp(a, options[j].name, n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                def = &options[j];
                if (a[n] == '=')
                    value = a + n + 1;
                break;
            }
        }
        if (!def || !((cmd->opts | OPT_NO_VERIFY) & def->bit))
            return usage_error(cmd, "unknown option '%s'", a);
        if (def->takes_value && !value) {
            if (i + 1 >= argc)
                return usage_error(cmd, "option '%s' needs a value", def->name);
            value = argv[++i];
        } else if (!def->takes_value && value) {
            return usage_error(cmd, "option '%s' takes no value", def->name);
        }
        switch (def->bit) {
        case OPT_JSON: o->json = 1; break;
        case OPT_HISTORY: o->history = 1; break;
        case OPT_KEYS_ONLY: o->keys_only = 1; break;
        case OPT_NO_VERIFY: o->no_verify = 1; break;
        case OPT_OUTPUT: o->output = value; break;
        case OPT_DEPTH:
            if (parse_count(value, &o->depth) != 0 || o->depth > 64)
                return usage_error(cmd, "--depth wants a number from 0 to 64, not '%s'", value);
            break;
        case OPT_LIMIT:
            if (parse_count(value, &o->limit) != 0 || o->limit == 0)
                return usage_error(cmd, "--limit wants a positive number, not '%s'", value);
            break;
        default: break;
        }
    }
    if (o->npos < cmd->min_pos)
        return usage_error(cmd, "'%s' needs an argument", cmd->name);
    return 0;
}

/* The fix line for each class of failure. */
static const char *fault_hint(ec_offline_fault f, ec_code code)
{
    switch (f) {
    case EC_OFFLINE_F_FILE:
        if (code == EC_E_NOT_FOUND)
            return "check the path (a member's db is <data-dir>/member/snap/db)";
        return "check the path and its permissions (run as the owner of the etcd data dir)";
    case EC_OFFLINE_F_IN_USE:
        return "stop that member first, or read a copy or an `etcdctl snapshot save` file instead";
    case EC_OFFLINE_F_NOT_BBOLT:
        return "pass an `etcdctl snapshot save` file or a member's member/snap/db";
    case EC_OFFLINE_F_META:
    case EC_OFFLINE_F_BAD_PAGE:
        return "the file is damaged: use another snapshot or another member's member/snap/db";
    case EC_OFFLINE_F_TRUNCATED:
        return "the copy is incomplete: copy the file again (check free disk space) "
               "or use another snapshot";
    case EC_OFFLINE_F_HASH:
        return "the snapshot is damaged or incomplete: use another one, "
               "or add --no-verify to read it anyway";
    case EC_OFFLINE_F_NOT_ETCD:
        return "this bbolt file is not etcd v3's: pass <data-dir>/member/snap/db or a snapshot";
    case EC_OFFLINE_F_BAD_RECORD:
        return "the file is damaged at that record: use another snapshot or another member's db";
    case EC_OFFLINE_F_LIMIT:
        return "list a narrower PREFIX, or run where more memory is free";
    case EC_OFFLINE_F_NONE:
        break;
    }
    return ec_err_hint(code);
}

static int report(const ec_err *err, const char *hint)
{
    fprintf(stderr, "breakglass: %s\n", err->msg[0] ? err->msg : "unknown error");
    if (hint)
        fprintf(stderr, "hint: %s\n", hint);
    return 1;
}

int offline_cli_main(const char *dbfile, int argc, char **argv)
{
    if (argc < 1 || !argv[0])
        return usage_error(NULL, "--offline FILE needs a command");
    if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0
        || strcmp(argv[0], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    const command_def *cmd = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[0], commands[i].name) == 0)
            cmd = &commands[i];
    if (!cmd)
        return usage_error(NULL, "unknown offline command '%s'", argv[0]);
    /* `--offline FILE ls --help` as with every other command: the usage, exit 0. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: breakglass --offline FILE %s %s\n\n", cmd->name, cmd->args);
            usage(stdout);
            return 0;
        }
    offline_ctx c;
    memset(&c, 0, sizeof c);
    int rc = parse_args(cmd, argc, argv, &c.o);
    if (rc != 0)
        return rc;
    if (!dbfile || !*dbfile)
        return usage_error(cmd, "--offline needs a FILE");
    c.dbfile = dbfile;
    c.out = stdout;
    ec_err err;
    ec_err_clear(&err);
    c.db = ec_offline_new();
    if (!c.db) {
        ec_fail(&err, EC_E_NOMEM, "out of memory");
        return report(&err, NULL);
    }
    if (ec_offline_open(c.db, dbfile, c.o.no_verify ? EC_OFFLINE_NO_VERIFY : 0, &err) != 0) {
        rc = report(&err, fault_hint(ec_offline_last_fault(c.db), err.code));
        ec_offline_free(c.db);
        return rc;
    }
    rc = 0;
    if (cmd->run(&c, &err) != 0) {
        const char *hint = c.hint;
        if (!hint && ec_offline_last_fault(c.db) != EC_OFFLINE_F_NONE)
            hint = fault_hint(ec_offline_last_fault(c.db), err.code);
        rc = report(&err, hint ? hint : ec_err_hint(err.code));
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (rc == 0) {
            ec_fail(&err, EC_E_IO, "cannot write output: %s", strerror(errno));
            rc = report(&err, NULL);
        }
    }
    ec_offline_free(c.db);
    return rc;
}
