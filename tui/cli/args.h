/* Declared flags for subcommands (git's parse-options idea, much smaller). */
#ifndef BG_ARGS_H
#define BG_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { BG_FLAG_BOOL, BG_FLAG_STR, BG_FLAG_I64 } bg_flag_kind;

typedef struct bg_flag {
    const char *name;     /* long name without dashes */
    char shortc;          /* 0 if none */
    bg_flag_kind kind;
    void *dst;            /* bool*, const char**, int64_t* */
} bg_flag;

/* Parses argv[1..argc) (argv[0] is the command): flags into their dst,
 * positional arguments into pos (at most maxpos). On error prints a usage
 * message and returns -1. */
int bg_parse_flags(const char *cmd, int argc, char **argv, const bg_flag *flags, size_t n_flags, char **pos,
                   size_t maxpos, size_t *n_pos);

#endif
