#include "tui/cli/guard.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli/output.h"

int bg_guard_writable(bg_ctx *ctx, const char *cmd)
{
    if (!ctx->opts->read_only)
        return 0;
    fprintf(stderr, "breakglass: '%s' changes etcd, and --read-only is set: nothing was changed\n", cmd);
    return BG_EXIT_USAGE;
}

int bg_change_begin(bg_ctx *ctx, const char *cmd, ec_client **c)
{
    *c = NULL;
    int rc = bg_guard_writable(ctx, cmd);
    if (rc)
        return rc;
    *c = bg_client(ctx);
    return *c ? 0 : BG_EXIT_FAIL;
}

audit_log *bg_guard_audit(bg_ctx *ctx)
{
    audit_options ao = {ctx->opts->audit_log, ctx->opts->audit_key, 1, 0};
    audit_log *log = NULL;
    char *notice = NULL;
    ec_err err;
    if (audit_open(&log, &ao, &notice, &err) != 0) {
        bg_report(&err);
        fprintf(stderr, "breakglass: nothing was sent to etcd: every change is recorded in the audit log first\n");
        free(notice);
        return NULL;
    }
    if (notice) {
        for (char *line = strtok(notice, "\n"); line; line = strtok(NULL, "\n"))
            fprintf(stderr, "breakglass: note: %s\n", line);
        free(notice);
    }
    return log;
}

int bg_guard_confirm(const char *cmd, const bg_confirm *cf, const char *what, const char *expect_name,
                     uint64_t expect_count)
{
    fflush(stdout); /* the plan first, then any refusal */
    if (cf->dry_run) {
        printf("Would %s. Nothing was changed (--dry-run).\n", what);
        return BG_EXIT_OK;
    }
    char how[400];
    if (expect_name)
        snprintf(how, sizeof how, "--yes --confirm '%s'", expect_name);
    else
        snprintf(how, sizeof how, "--yes --confirm-count %" PRIu64, expect_count);
    if (!cf->yes) {
        fprintf(stderr, "breakglass: not done: '%s' changes etcd only with %s (or --dry-run to only show the plan)\n",
                cmd, how);
        return BG_EXIT_USAGE;
    }
    if (expect_name) {
        if (!cf->name || strcmp(cf->name, expect_name) != 0) {
            fprintf(stderr, "breakglass: not done: --confirm must name the object, '%s'%s%s%s\n", expect_name,
                    cf->name ? " (got '" : "", cf->name ? cf->name : "", cf->name ? "')" : "");
            return BG_EXIT_USAGE;
        }
    } else if (cf->count < 0 || (uint64_t)cf->count != expect_count) {
        if (cf->count < 0)
            fprintf(stderr, "breakglass: not done: pass --confirm-count %" PRIu64 " to confirm the count shown\n",
                    expect_count);
        else
            fprintf(stderr,
                    "breakglass: not done: --confirm-count %" PRId64 " does not match the %" PRIu64
                    " shown (the data changed, or the wrong prefix?)\n",
                    cf->count, expect_count);
        return BG_EXIT_USAGE;
    }
    return 0;
}
