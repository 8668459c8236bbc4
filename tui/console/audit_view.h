/* How the console shows audit records: one row of the list, and one record
 * whole. Records are untrusted (the file may have been edited): every
 * string is escaped, every field is optional and type-checked. Pure: no
 * I/O, no curses (a fuzz target drives it). */
#ifndef CON_AUDIT_VIEW_H
#define CON_AUDIT_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "etcdclient/util/buf.h"

/* One row's cells, each already escaped to printable ASCII and cut. */
typedef struct av_row {
    uint64_t seq, lineno, offset, len;
    bool restorable;            /* a delete or lease revoke (intent or result) */
    bool bad;                   /* set by the caller: at or after the first damage */
    bool is_intent;
    char time[24];
    char user[24];
    char action[24];
    char target[40];
    char counts[32];
    char result[48];
} av_row;

/* Fills r from a record (rec may be NULL: error says why the line is not
 * one) found at lineno / offset, len bytes long. */
void av_row_fill(av_row *r, const json_t *rec, const char *error, uint64_t lineno, uint64_t offset, uint64_t len);
/* The intent row learns its result (row res, a result record). */
void av_row_mark_result(av_row *intent, const av_row *res);
/* The row as one line (no '\n'); malloc'd (caller frees), NULL when out of
 * memory. */
char *av_row_line(const av_row *r);
/* Appends the whole record: the summary of `audit show`, the plan's keys,
 * the pre-images (values cut at value_max bytes), the result and its skipped
 * keys. -1 when out lost text (its cap reached, or out of memory). */
int av_describe(ec_buf *out, const json_t *rec, bool utf8, size_t value_max);

#endif
