/* Fault injection for tests only (SQLite's SimulateIOError idea). Compiled
 * into the library always, but declared only here: the program never
 * includes this header, so only tests can arm the hooks. Not thread-safe:
 * arm them before starting work, from one thread. */
#ifndef BG_AUDIT_TEST_H
#define BG_AUDIT_TEST_H

#include <stddef.h>

typedef enum audit_io_op {
    AUDIT_IO_OPEN,
    AUDIT_IO_MKDIR,
    AUDIT_IO_WRITE,
    AUDIT_IO_FSYNC,
    AUDIT_IO_FTRUNCATE,
    AUDIT_IO_NOPS
} audit_io_op;

/* The nth call of op from now on (1 = the next one) fails with errnum
 * without doing anything; nth 0 disarms. One-shot. */
void audit_test_fail_io(audit_io_op op, unsigned nth, int errnum);
/* The nth write from now on writes only its first `keep` bytes and returns
 * keep (a short write, as when the disk fills up mid-record). One-shot. */
void audit_test_short_write(unsigned nth, size_t keep);
/* Calls of op seen since the last reset. */
unsigned audit_test_io_calls(audit_io_op op);
/* Pretend the default location is default_path (NULL: the real one) and
 * that the process is (1) or is not (0) root; -1: the truth. */
void audit_test_set_default(const char *default_path, int is_root);
/* Lowers the record cap (AUDIT_RECORD_MAX) to max bytes, so the paths for
 * too long records can be tested without 256 MiB files; 0: the real cap. */
void audit_test_set_record_max(size_t max);
/* Disarms everything and zeroes the counters. */
void audit_test_io_reset(void);

#endif
