#include "tui/discovery/notes.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/util/escape.h"

static void add_line(bg_notes *nt, char *line)
{
    if (!line)
        return;
    if (nt->n == BG_NOTES_MAX) {
        nt->dropped++;
        free(line);
        return;
    }
    nt->line[nt->n++] = line;
}

void bg_notes_add(bg_notes *nt, const char *fmt, ...)
{
    char raw[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    add_line(nt, ec_escape_dup((const uint8_t *)raw, strlen(raw)));
}

void bg_notes_move(bg_notes *to, bg_notes *from)
{
    for (size_t i = 0; i < from->n; i++)
        add_line(to, from->line[i]);
    to->dropped += from->dropped;
    memset(from, 0, sizeof *from);
}

void bg_notes_free(bg_notes *nt)
{
    for (size_t i = 0; i < nt->n; i++)
        free(nt->line[i]);
    memset(nt, 0, sizeof *nt);
}
