/* A YAML document as a small tree, built from libyaml's event API so that
 * depth and node count are capped (a manifest or config file is untrusted
 * input). Only the first document of a stream is read. Aliases are not
 * followed: an alias reads as an empty scalar, so no input can make the tree
 * larger than the file. */
#ifndef BG_YTREE_H
#define BG_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#define BG_Y_MAX_DEPTH 64
#define BG_Y_MAX_NODES 200000
#define BG_Y_MAX_FILE ((size_t)1 << 20)   /* manifests and configs are a few KiB */

typedef enum bg_ykind { BG_Y_SCALAR, BG_Y_SEQ, BG_Y_MAP } bg_ykind;

typedef struct bg_ynode {
    bg_ykind kind;
    unsigned line;             /* 1-based line where the node starts */
    char *str;                 /* SCALAR: the bytes, NUL-terminated copy; may hold NULs */
    size_t len;                /* SCALAR: length of str */
    struct bg_ynode **kids;    /* SEQ: items; MAP: key0, value0, key1, value1 ... */
    size_t n;                  /* number of entries in kids */
} bg_ynode;

/* Parses data[0..len). Returns 0 and *root (NULL for an empty document),
 * or -1 with "line N: <problem>" in msg. Caller frees *root with bg_yfree. */
int bg_yparse(const char *data, size_t len, bg_ynode **root, char *msg, size_t msglen);
void bg_yfree(bg_ynode *n);

/* The value of key in a mapping (last one wins, as in Kubernetes), or NULL
 * when n is not a mapping or has no such key. */
const bg_ynode *bg_ymap_get(const bg_ynode *n, const char *key);
/* The scalar as a C string, or NULL when n is not a scalar or holds a NUL. */
const char *bg_ystr(const bg_ynode *n);

/* Reads a whole regular file of at most cap bytes. Returns 0 with *data
 * (NUL-terminated, caller frees) and *len; -1 with a one-line message
 * naming the file (a directory, a FIFO or a file over cap is refused).
 * *enoent is set when the file simply does not exist. */
int bg_read_small_file(const char *path, size_t cap, char **data, size_t *len, bool *enoent, char *msg,
                       size_t msglen);

#endif
