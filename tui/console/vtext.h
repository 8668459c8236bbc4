/* The value viewer's text: safe lines, wrapped to the screen width, with a
 * forward/backward substring search. Pure. */
#ifndef CON_VTEXT_H
#define CON_VTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "etcdclient/util/buf.h"

typedef struct vt_row {
    size_t line;            /* logical line */
    size_t off, len;        /* bytes of the line on this screen row */
} vt_row;

typedef struct vt_text {
    ec_buf text;            /* every line, sanitized, each ending in '\n' */
    size_t *line_off;       /* start of each line in text */
    size_t *line_len;       /* its length without the '\n' */
    size_t nlines;
    vt_row *rows;           /* after vt_wrap */
    size_t nrows;
    int width;
    bool utf8;
} vt_text;

void vt_init(vt_text *t);
void vt_free(vt_text *t);
/* Replaces the text with s[0..n) split on '\n' (a last line without '\n'
 * counts too), each line passed through ct_sanitize. Returns 0 or -1. */
int vt_set(vt_text *t, const char *s, size_t n, bool utf8);
/* Splits lines into screen rows of at most width columns. Returns 0 or -1. */
int vt_wrap(vt_text *t, int width);
/* Finds needle after (dir > 0) or before (dir < 0) the position *line, *off,
 * wrapping around the end; a match at the position itself does not count
 * unless *line is SIZE_MAX (start from the beginning / end). Returns 1 with
 * the match in *line, *off (and *wrapped when it went round), or 0. */
int vt_find(const vt_text *t, const char *needle, size_t nlen, int dir, size_t *line, size_t *off, bool *wrapped);
/* The screen row showing byte off of line (after vt_wrap). */
size_t vt_row_of(const vt_text *t, size_t line, size_t off);

#endif
