#include "tui/cli/args.h"

#include <string.h>

#include "tui/cli/output.h"

static const bg_flag *lookup(const bg_flag *f, size_t n, const char *name, size_t len, char shortc)
{
    for (size_t i = 0; i < n; i++) {
        if (shortc && f[i].shortc == shortc)
            return &f[i];
        if (!shortc && strlen(f[i].name) == len && strncmp(f[i].name, name, len) == 0)
            return &f[i];
    }
    return NULL;
}

int bg_parse_flags(const char *cmd, int argc, char **argv, const bg_flag *flags, size_t n_flags, char **pos,
                   size_t maxpos, size_t *n_pos)
{
    *n_pos = 0;
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        const bg_flag *f = NULL;
        const char *val = NULL;
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-' && a[2]) {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            f = lookup(flags, n_flags, a + 2, len, 0);
            if (!f)
                return bg_usage(cmd, "unknown flag '%s' for '%s'", a, cmd), -1;
            val = eq ? eq + 1 : NULL;
        } else if (!only_pos && a[0] == '-' && a[1] && !a[2]) {
            f = lookup(flags, n_flags, NULL, 0, a[1]);
            if (!f)
                return bg_usage(cmd, "unknown flag '%s' for '%s'", a, cmd), -1;
        } else {
            if (*n_pos == maxpos)
                return bg_usage(cmd, "too many arguments for '%s' (at '%s')", cmd, a), -1;
            pos[(*n_pos)++] = a;
            continue;
        }
        if (f->kind == BG_FLAG_BOOL) {
            *(bool *)f->dst = !val || strcmp(val, "false") != 0;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc)
                return bg_usage(cmd, "flag '--%s' needs a value", f->name), -1;
            val = argv[++i];
        }
        if (f->kind == BG_FLAG_STR) {
            *(const char **)f->dst = val;
        } else if (bg_parse_i64(val, (int64_t *)f->dst) != 0) {
            return bg_usage(cmd, "flag '--%s' wants a non-negative number, not '%s'", f->name, val), -1;
        }
    }
    return 0;
}
