#include "tui/discovery/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/discovery/ytree.h"

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static bool is_container(const bg_ynode *c, const char *want, bool by_command)
{
    if (!by_command) {
        const char *name = bg_ystr(bg_ymap_get(c, "name"));
        return name && strcmp(name, want) == 0;
    }
    const bg_ynode *cmd = bg_ymap_get(c, "command");
    if (!cmd || cmd->kind != BG_Y_SEQ || cmd->n == 0)
        return false;
    const char *prog = bg_ystr(cmd->kids[0]);
    return prog && strcmp(base_name(prog), want) == 0;
}

static const bg_ynode *find_container(const bg_ynode *root, const char *want, char *msg, size_t msglen)
{
    const bg_ynode *cs = bg_ymap_get(bg_ymap_get(root, "spec"), "containers");
    if (!cs || cs->kind != BG_Y_SEQ || cs->n == 0) {
        snprintf(msg, msglen, "no spec.containers: not a pod manifest");
        return NULL;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cs->n; i++)
            if (is_container(cs->kids[i], want, pass == 1))
                return cs->kids[i];
    if (cs->n == 1 && cs->kids[0]->kind == BG_Y_MAP)
        return cs->kids[0];
    snprintf(msg, msglen, "no container '%s'", want);
    return NULL;
}

/* Looks for --name in one list; a later hit replaces an earlier one. */
static int scan_list(const bg_ynode *list, const char *name, char **value)
{
    if (!list || list->kind != BG_Y_SEQ)
        return 0;
    size_t nlen = strlen(name);
    for (size_t i = 0; i < list->n; i++) {
        const char *a = bg_ystr(list->kids[i]);
        if (!a || strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, nlen) != 0)
            continue;
        const char *v;
        if (a[2 + nlen] == '=') {
            v = a + 3 + nlen;
        } else if (a[2 + nlen] == '\0' && i + 1 < list->n && bg_ystr(list->kids[i + 1]) &&
                   strncmp(bg_ystr(list->kids[i + 1]), "--", 2) != 0) {
            v = bg_ystr(list->kids[++i]);
        } else {
            continue;
        }
        char *copy = strdup(v);
        if (!copy)
            return -1;
        free(*value);
        *value = copy;
    }
    return 0;
}

int bg_pod_flags(const char *data, size_t len, const char *container, const char *const *names, char **values,
                 size_t n, char *msg, size_t msglen)
{
    for (size_t i = 0; i < n; i++)
        values[i] = NULL;
    bg_ynode *root = NULL;
    if (bg_yparse(data, len, &root, msg, msglen) != 0)
        return -1;
    int rc = -1;
    const bg_ynode *c = find_container(root, container, msg, msglen);
    if (c) {
        rc = 0;
        /* The kubelet runs command then args: a flag in args comes later. */
        for (size_t i = 0; i < n && rc == 0; i++)
            if (scan_list(bg_ymap_get(c, "command"), names[i], &values[i]) != 0 ||
                scan_list(bg_ymap_get(c, "args"), names[i], &values[i]) != 0)
                rc = -1;
        if (rc != 0) {
            snprintf(msg, msglen, "out of memory");
            for (size_t i = 0; i < n; i++) {
                free(values[i]);
                values[i] = NULL;
            }
        }
    }
    bg_yfree(root);
    return rc;
}
