/* A short list of one-line messages (warnings found while reading manifests
 * and config files) that the caller prints later. Each line is escaped when
 * added: it may quote bytes from untrusted files. */
#ifndef BG_NOTES_H
#define BG_NOTES_H

#include <stddef.h>

#define BG_NOTES_MAX 16

typedef struct bg_notes {
    char *line[BG_NOTES_MAX];  /* owned; freed by bg_notes_free */
    size_t n;
    size_t dropped;            /* lines not kept because the list was full */
} bg_notes;

void bg_notes_add(bg_notes *nt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Moves every line of from to the end of to (from is left empty). */
void bg_notes_move(bg_notes *to, bg_notes *from);
void bg_notes_free(bg_notes *nt);

#endif
