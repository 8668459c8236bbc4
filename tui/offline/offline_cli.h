/* `breakglass --offline FILE <subcommand> ...`: read an etcd snapshot or a
 * stopped member's db file with no etcd running. */
#ifndef BG_OFFLINE_CLI_H
#define BG_OFFLINE_CLI_H

/* argv[0] is the subcommand: ls [PREFIX] | get KEY [--history] |
 * count [PREFIX] | top [--depth N] [--limit N] | stats |
 * dump [PREFIX] [--output FILE]; each takes --json (dump always writes JSON
 * lines). Prints results on stdout, errors as "breakglass: ..." plus a
 * "hint: ..." line on stderr. Returns the exit code: 0 ok, 1 failure,
 * 2 usage error. */
int offline_cli_main(const char *dbfile, int argc, char **argv);

#endif
