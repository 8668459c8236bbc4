/* The one guard every change passes (htop's Action_writeableProcess idea):
 * read-only mode, the audit log opened, and the confirmation rules. */
#ifndef BG_GUARD_H
#define BG_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "tui/audit/audit.h"
#include "tui/cli/args.h"
#include "tui/cli/commands.h"

typedef struct bg_confirm {
    bool yes;                 /* --yes */
    bool dry_run;             /* --dry-run */
    const char *name;         /* --confirm NAME */
    int64_t count;            /* --confirm-count N (-1: not given) */
} bg_confirm;

/* The four confirmation flags of a change command, as bg_flag entries
 * filling cf (a bg_confirm, set to {false, false, NULL, -1} first). */
#define BG_CONFIRM_FLAGS(cf)                                                                                 \
    {"yes", 0, BG_FLAG_BOOL, &(cf).yes}, {"dry-run", 0, BG_FLAG_BOOL, &(cf).dry_run},                       \
        {"confirm", 0, BG_FLAG_STR, &(cf).name}, {"confirm-count", 0, BG_FLAG_I64, &(cf).count}
#define BG_N_CONFIRM_FLAGS 4

/* Refuses in --read-only mode (prints why). Returns 0 when changes are allowed. */
int bg_guard_writable(bg_ctx *ctx, const char *cmd);
/* What every change command does once its arguments are parsed: refuses
 * in --read-only mode, then connects. Returns 0 with *c set (owned by ctx),
 * else the exit code, the reason printed. */
int bg_change_begin(bg_ctx *ctx, const char *cmd, ec_client **c);
/* Opens the audit log (--audit-log, --audit-hmac-key, syslog on); prints
 * its notices; NULL (error printed) when it cannot be written. */
audit_log *bg_guard_audit(bg_ctx *ctx);
/* Decides whether a shown plan may run: 0 = go on; otherwise the exit code
 * (dry run: BG_EXIT_OK after "Would ..."; missing or wrong confirmation:
 * BG_EXIT_USAGE with what to pass). expect_name NULL: confirm by count. */
int bg_guard_confirm(const char *cmd, const bg_confirm *cf, const char *what, const char *expect_name,
                     uint64_t expect_count);

#endif
