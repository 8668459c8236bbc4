/* Helpers for the discovery tests: a throwaway node tree ("--node-root")
 * built under $BG_TMP (or /tmp) and removed afterwards. */
#ifndef TEST_DISCOVERY_TREE_H
#define TEST_DISCOVERY_TREE_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tree_new(void)
{
    const char *tmp = getenv("BG_TMP");
    char *p = NULL;
    if (asprintf(&p, "%s/disc.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 || !mkdtemp(p)) {
        fprintf(stderr, "cannot make a directory like '%s' (is $BG_TMP there?)\n", p ? p : "?");
        abort();
    }
    return p;
}

/* Creates root/rel (and its directories) holding content. */
static void tree_put(const char *root, const char *rel, const char *content, size_t len)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", root, rel) < 0)
        abort();
    for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(content, 1, len, f) != len || fclose(f) != 0)
        abort();
    free(path);
}

static void tree_puts(const char *root, const char *rel, const char *content)
{
    tree_put(root, rel, content, strlen(content));
}

/* Copies tests/data/discovery/<name> to root/rel. */
static void tree_copy(const char *root, const char *rel, const char *name)
{
    const char *base = getenv("BG_ROOT");
    char *src = NULL;
    if (asprintf(&src, "%s/tests/data/discovery/%s", base && *base ? base : ".", name) < 0)
        abort();
    FILE *f = fopen(src, "rb");
    if (!f) {
        fprintf(stderr, "cannot open test data '%s' (run from the repo root or set BG_ROOT)\n", src);
        abort();
    }
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    tree_put(root, rel, buf, n);
    free(src);
}

static char *tree_path(const char *root, const char *rel)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", root, rel) < 0)
        abort();
    return p;
}

static int tree_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(p);
    return 0;
}

static void tree_free(char *root)
{
    nftw(root, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(root);
}

#endif
