/* For the audit unit tests: a scratch directory per test (under $TMPDIR)
 * holding the log, removed whole afterwards, and a file read whole.
 * Included once per test program, after <cmocka.h>. */
#ifndef BG_AUDIT_TMPDIR_H
#define BG_AUDIT_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmp[512];           /* the scratch directory */
static char logpath[600];       /* tmp/audit.log */

static inline int tmpdir_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(p);
}

/* Makes tmp ("bg-audit-TAG-XXXXXX") and names logpath in it; 0 or -1. */
static inline int tmpdir_make(const char *tag)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmp, sizeof tmp, "%s/bg-audit-%s-XXXXXX", base, tag);
    if (!mkdtemp(tmp))
        return -1;
    snprintf(logpath, sizeof logpath, "%s/audit.log", tmp);
    return 0;
}

static inline void tmpdir_remove(void)
{
    nftw(tmp, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The whole file, NUL-terminated (malloc'd); fails the test if unreadable. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            data = realloc(data, cap + 1);
            assert_non_null(data);
        }
        size_t got = fread(data + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
}

#endif
