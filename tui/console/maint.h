/* Internal to the console: the audit review screen (A), the maintenance
 * dialogs (M) and their worker (job_maint.c). Included by con.h. The UI
 * thread owns the screen states; the worker owns its plan and the audit log
 * it opened; requests travel under the worker's mutex, answers as events
 * (EV_AUDIT, EV_MAINT) tagged with the generation they answer. */
#ifndef CON_MAINT_H
#define CON_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/util/buf.h"
#include "tui/console/rowlist.h"
#include "tui/console/vtext.h"
#include "tui/console/worker.h"

/* A delete plan with this many keys or more offers a snapshot first. */
#define CON_SNAPSHOT_OFFER_KEYS 1000
/* Audit rows kept for the screen (the newest ones; the file is streamed). */
#define CON_AUDIT_ROWS_MAX 10000
/* Longest detail text of one record shown (the rest is cut, and said so). */
#define CON_AUDIT_DETAIL_MAX ((size_t)8 << 20)
/* Value bytes shown per pre-image in a record's detail. */
#define CON_AUDIT_VALUE_SHOW 512
/* Pause between two members' defragmentations. */
#define CON_DEFRAG_PAUSE_MS 1000

/* The operations of the maintenance screen. */
typedef enum mop {
    MOP_NONE = 0,
    MOP_COMPACT,
    MOP_DEFRAG,
    MOP_ALARMS,
    MOP_NOSPACE,
    MOP_SNAPSHOT,
    MOP_LEASE,
    MOP_RESTORE,
} mop;

/* Phases of EV_MAINT and of the screen. MP_INPUT: the footer asks for a
 * revision, path or lease ID. */
enum { MP_IDLE = 0, MP_INPUT, MP_PLANNING, MP_PLANNED, MP_RUNNING, MP_DONE, MP_FAILED, MP_CANCELLED };

typedef struct ev_maint {
    int phase;
    ec_buf text;                /* escaped lines: plan, progress, outcome */
    ec_buf confirm;             /* printable ASCII to type; empty: none needed */
    ec_buf what;                /* what the confirmation does ("compact to revision 9") */
} ev_maint;
void ev_maint_free(void *p);

/* One row of the audit list (escaped text, built by the worker). */
typedef struct audit_row {
    uint64_t seq;
    uint64_t lineno;
    uint64_t offset;            /* of the record's line in the file */
    uint64_t len;               /* its length */
    bool restorable;            /* a delete or lease revoke: u offers the restore */
    bool bad;                   /* at or after the first damage */
    char *text;                 /* the row as shown */
} audit_row;

enum { AUD_LIST = 1, AUD_RECORD };

typedef struct ev_audit {
    int kind;                   /* AUD_LIST or AUD_RECORD */
    bool ok;
    ec_buf msg;                 /* error (escaped) when !ok */
    /* AUD_LIST */
    ec_buf path;                /* escaped */
    bool intact;
    ec_buf verify;              /* the verdict line, escaped */
    audit_row *rows;            /* newest first */
    size_t n_rows;
    uint64_t records;           /* lines read */
    bool cut;                   /* older rows left out */
    /* AUD_RECORD */
    ec_buf detail;              /* escaped */
} ev_audit;
void ev_audit_free(void *p);

/* Requests to the worker. */
enum {
    MREQ_NONE = 0,
    MREQ_AUDIT_LOAD,            /* list + verify */
    MREQ_AUDIT_RECORD,          /* one record whole: offset a, length b */
    MREQ_PLAN,                  /* op: plan (a: revision / lease id / seq; str: path) */
    MREQ_EXEC,                  /* run the plan of gen */
    MREQ_DROP,                  /* forget the plan */
    MREQ_SNAPSHOT_DEFAULT,      /* a snapshot to the default place (before a delete) */
};

typedef struct job_maint {
    cw_thread t;
    /* Two slots, so reading the log never replaces a confirmed operation
     * not yet taken: operations (PLAN, EXEC, DROP, SNAPSHOT_DEFAULT) ... */
    int req;
    uint64_t gen;
    mop op;
    int64_t a;
    ec_buf str;
    /* ... and the audit screen's reads (AUDIT_LOAD, AUDIT_RECORD). */
    int areq;
    uint64_t agen;
    int64_t aa, ab;
    /* The worker's own (mpriv, see job_maint.h). */
    void *priv;
} job_maint;

typedef struct audit_scr {
    uint64_t gen;               /* of the list being shown or loaded */
    ev_audit *list;             /* NULL while loading */
    rl_view view;
    uint64_t sel_seq;           /* selection by identity: the record's seq */
    /* The one record open (SCR_AUDREC). */
    uint64_t rec_gen;
    uint64_t rec_seq;
    bool rec_loading;
    vt_text rec;
    int rec_width;
    rl_view rec_view;
} audit_scr;

typedef struct maint_scr {
    uint64_t gen;
    mop op;
    int phase;
    ev_maint *plan;             /* as shown, with what to type */
    ev_maint *last;             /* newest progress or outcome */
    char input_prompt[64];      /* MP_INPUT */
    rl_view view;
} maint_scr;

#endif
