#include "tui/discovery/ytree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

void bg_yfree(bg_ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        bg_yfree(n->kids[i]);
    free(n->kids);
    free(n->str);
    free(n);
}

static int add_kid(bg_ynode *parent, bg_ynode *kid)
{
    size_t n = parent->n;
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) { /* capacity 4, 8, 16 ...: grow when full */
        size_t cap = parent->n ? parent->n * 2 : 4;
        bg_ynode **k = realloc(parent->kids, cap * sizeof *k);
        if (!k)
            return -1;
        parent->kids = k;
    }
    parent->kids[parent->n++] = kid;
    return 0;
}

typedef struct builder {
    bg_ynode *root;
    bg_ynode *stack[BG_Y_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    bool done;     /* the first document is complete */
} builder;

static int fail_at(char *msg, size_t msglen, size_t line, const char *what)
{
    snprintf(msg, msglen, "line %zu: %s", line + 1, what);
    return -1;
}

/* Adds a node for ev to the tree; a container is also pushed. */
static int on_node(builder *b, const yaml_event_t *ev, char *msg, size_t msglen)
{
    size_t line = ev->start_mark.line;
    if (++b->nodes > BG_Y_MAX_NODES)
        return fail_at(msg, msglen, line, "too many nodes");
    bg_ynode *n = calloc(1, sizeof *n);
    if (!n)
        return fail_at(msg, msglen, line, "out of memory");
    n->line = line + 1 > 0xffffffffu ? 0xffffffffu : (unsigned)(line + 1);
    if (ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT) {
        n->kind = BG_Y_SCALAR;
        size_t len = ev->type == YAML_SCALAR_EVENT ? ev->data.scalar.length : 0;
        n->str = malloc(len + 1);
        if (!n->str) {
            free(n);
            return fail_at(msg, msglen, line, "out of memory");
        }
        if (len)
            memcpy(n->str, ev->data.scalar.value, len);
        n->str[len] = '\0';
        n->len = len;
    } else {
        n->kind = ev->type == YAML_SEQUENCE_START_EVENT ? BG_Y_SEQ : BG_Y_MAP;
    }
    if (b->depth == 0) {
        if (b->root) { /* cannot happen with a well-formed event stream */
            bg_yfree(n);
            return fail_at(msg, msglen, line, "more than one root node");
        }
        b->root = n;
    } else if (add_kid(b->stack[b->depth - 1], n) != 0) {
        bg_yfree(n);
        return fail_at(msg, msglen, line, "out of memory");
    }
    if (n->kind != BG_Y_SCALAR) {
        if (b->depth == BG_Y_MAX_DEPTH)
            return fail_at(msg, msglen, line, "nested too deeply");
        b->stack[b->depth++] = n;
    }
    return 0;
}

int bg_yparse(const char *data, size_t len, bg_ynode **root, char *msg, size_t msglen)
{
    *root = NULL;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
    builder b = {0};
    int rc = 0;
    while (!b.done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            snprintf(msg, msglen, "line %zu: %s", p.problem_mark.line + 1,
                     p.problem ? p.problem : "malformed YAML");
            rc = -1;
            break;
        }
        switch (ev.type) {
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            rc = on_node(&b, &ev, msg, msglen);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (b.depth > 0)
                b.depth--;
            break;
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_END_EVENT:
            b.done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc != 0)
            break;
    }
    yaml_parser_delete(&p);
    if (rc != 0) {
        bg_yfree(b.root);
        return -1;
    }
    *root = b.root;
    return 0;
}

const bg_ynode *bg_ymap_get(const bg_ynode *n, const char *key)
{
    if (!n || n->kind != BG_Y_MAP)
        return NULL;
    size_t klen = strlen(key);
    const bg_ynode *found = NULL;
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const bg_ynode *k = n->kids[i];
        if (k->kind == BG_Y_SCALAR && k->len == klen && memcmp(k->str, key, klen) == 0)
            found = n->kids[i + 1];
    }
    return found;
}

const char *bg_ystr(const bg_ynode *n)
{
    if (!n || n->kind != BG_Y_SCALAR || strlen(n->str) != n->len)
        return NULL;
    return n->str;
}

int bg_read_small_file(const char *path, size_t cap, char **data, size_t *len, bool *enoent, char *msg,
                       size_t msglen)
{
    *data = NULL;
    *len = 0;
    if (enoent)
        *enoent = false;
    /* O_NONBLOCK: opening a FIFO planted where a file should be must not hang. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (enoent)
            *enoent = e == ENOENT || e == ENOTDIR;
        snprintf(msg, msglen, "cannot open '%s': %s", path, strerror(e));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(msg, msglen, "cannot read '%s': %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(msg, msglen, "cannot read '%s': %s", path,
                 S_ISDIR(st.st_mode) ? "Is a directory" : "not a regular file");
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > cap) {
        snprintf(msg, msglen, "cannot read '%s': larger than %zu KiB", path, cap / 1024);
        close(fd);
        return -1;
    }
    /* Sized by fstat; one byte more is asked for to see a file that grew. */
    size_t want = (size_t)st.st_size;
    char *buf = malloc(want + 2);
    if (!buf) {
        snprintf(msg, msglen, "cannot read '%s': out of memory", path);
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got <= want) {
        ssize_t r = read(fd, buf + got, want + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(msg, msglen, "cannot read '%s': %s", path, strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got > want) {
        snprintf(msg, msglen, "cannot read '%s': it changed while being read", path);
        free(buf);
        return -1;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}
