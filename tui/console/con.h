/* Internal to the console: the state shared by its files. The UI thread
 * owns everything here except the tree (ks, under ks_mu), the queue (its own
 * lock) and each job's request fields (under the job's cw_thread mutex).
 * Workers never touch UI state: they post events. */
#ifndef CON_CON_H
#define CON_CON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "etcdclient/etcd.h"
#include "etcdclient/keyspace/keyspace.h"
#include "etcdclient/offline/offline.h"
#include "etcdclient/util/buf.h"
#include "tui/cli/commands.h"
#include "tui/ops/plan.h"
#include "tui/audit/audit.h"
#include "tui/console/bmodel.h"
#include "tui/console/connstate.h"
#include "tui/console/keys.h"
#include "tui/console/liverate.h"
#include "tui/console/maint.h"
#include "tui/console/queue.h"
#include "tui/console/rowlist.h"
#include "tui/console/topmodel.h"
#include "tui/console/vtext.h"
#include "tui/console/worker.h"

/* Timings (milliseconds). */
#define CON_REDRAW_MS 100           /* at most this often for worker events */
#define CON_TICK_MS 1000            /* periodic redraw (ages, clocks) */
#define CON_STATUS_EVERY_MS 1000    /* status poll period */
#define CON_STATUS_TIMEOUT_MS 2000  /* deadline of one status poll */
#define CON_CLUSTER_EVERY_MS 2000   /* cluster view refresh */
#define CON_WATCH_WAIT_MS 250       /* watch wait slice (stop/rescan latency) */
#define CON_PAGE_PAUSE_MS 5         /* pause between scan pages (pacing) */
#define CON_TREE_CHUNK 1000         /* keys per tree lock hold */
#define CON_VALUE_RENDER_MAX ((size_t)8 << 20)
#define CON_MIN_COLS 60
#define CON_MIN_LINES 10

enum { EV_STATUS = 1, EV_TREE, EV_SIZE, EV_VALUE, EV_CLUSTER, EV_ACTION, EV_TOP, EV_AUDIT, EV_MAINT };

/* ---- events ---- */

typedef struct ev_status {
    bool ok;
    ec_status st;
    ec_err err;
    int64_t rtt_us;
    char endpoint[256];
    bool alarms_ok;
    ec_alarm *alarms;
    size_t n_alarms;
    char leader_name[128];      /* raw member name; escape before showing */
    bool leader_named;
} ev_status;
void ev_status_free(void *p);

/* Tree job phases (EV_TREE n[0]); n[1] keys done, n[2] total, n[3] revision,
 * n[4] watch events applied; data: a message (char *) or NULL. */
/* TP_OFFLINE: the tree holds the whole file (n[3]: its revision). */
enum { TP_IDLE = 0, TP_SCANNING, TP_LIVE, TP_RETRY, TP_WATCH_LOST, TP_FAILED, TP_OFFLINE };

/* Size scan phases (EV_SIZE n[0]); n[1] keys done, n[2] total, n[3] bytes,
 * n[4] elapsed ms; data: message or NULL. */
enum { SZ_IDLE = 0, SZ_RUNNING, SZ_DONE, SZ_CANCELLED, SZ_FAILED };

typedef struct ev_value {
    bool ok;                    /* the read answered */
    ec_err err;
    bool found;
    ec_kv meta;                 /* numbers only: key/value pointers cleared */
    int64_t revision;
    ec_buf raw;                 /* the value bytes */
    ec_buf text;                /* decoded, already escaped by the renderer */
    char encoding[32];
    bool render_failed;
    int64_t history;            /* offline: records of the key in the file; -1 unknown */
    int64_t history_deletes;    /* offline: tombstones among them */
} ev_value;
void ev_value_free(void *p);

typedef struct ev_cluster {
    bool ok;
    ec_err err;
    ec_cluster_status *cs;
    bool alarms_ok;
    ec_alarm *alarms;
    size_t n_alarms;
    int64_t rtt_us;
} ev_cluster;
void ev_cluster_free(void *p);

/* The guarded delete (D): phases of EV_ACTION. */
enum { ACT_IDLE = 0, ACT_PLANNING, ACT_PLANNED, ACT_RUNNING, ACT_DONE, ACT_FAILED, ACT_CANCELLED };
enum { ACT_REQ_NONE = 0, ACT_REQ_PLAN, ACT_REQ_EXEC, ACT_REQ_DROP };

typedef struct ev_action {
    int phase;
    ec_buf text;                /* escaped lines for the screen */
    ec_buf confirm;             /* raw: what to type (by_name), else empty */
    bool by_name;
    int64_t count;              /* keys planned, or deleted when done */
} ev_action;
void ev_action_free(void *p);

/* ---- jobs (request fields under t.mu) ---- */

typedef struct job_tree {
    cw_thread t;
    bool rescan;                /* R pressed */
    lr_state lr;                /* the worker's own: live w/s (under ks_mu) */
    ec_ks_entry chunk[CON_TREE_CHUNK];
} job_tree;

typedef struct job_size {
    cw_thread t;
    uint64_t gen;               /* the scan asked for; 0: none */
    uint64_t cancel_gen;        /* scans up to this gen are cancelled */
    ec_buf prefix;              /* range prefix ("" = everything) */
    ec_buf dir_key;             /* the directory itself when it is a key */
    bool has_dir_key;
} job_size;

typedef struct job_fetch {
    cw_thread t;
    uint64_t gen;               /* newest request; 0: none */
    uint64_t done_gen;
    ec_buf key;
    bool utf8;
} job_fetch;

typedef struct job_action {
    cw_thread t;
    int req;                    /* ACT_REQ_* */
    uint64_t req_gen;
    ec_buf target;
    tm_del_kind kind;           /* key, prefix, or owner ("Kind/ns/name") */
    /* The worker's own: */
    bg_plan plan;
    bool has_plan;
    uint64_t plan_gen;
    audit_log *log;             /* opened on the first delete, closed at exit */
} job_action;

/* The Top screen's collector (tui/top/collector.h), started when the screen
 * is first opened and kept until exit. The UI thread creates collectors
 * (that does not block) and takes snapshots; stopping one joins its thread,
 * which can wait for a call in flight, so a replaced collector is handed to
 * this worker to stop and free. */
typedef struct job_top {
    cw_thread t;
    struct bg_top_collector *retire[4]; /* under t.mu: to stop and free */
    size_t n_retire;
} job_top;

typedef struct job_cluster {
    cw_thread t;
    uint64_t gen;               /* nonzero while the cluster view is open */
} job_cluster;

/* ---- screens ---- */

typedef enum con_screen {
    SCR_BROWSE = 0, SCR_VALUE, SCR_CLUSTER, SCR_HELP, SCR_ACTION, SCR_TOP, SCR_AUDIT, SCR_AUDREC, SCR_MAINT
} con_screen;

typedef struct action_state {
    uint64_t gen;               /* 0: none */
    int phase;
    ev_action *plan;            /* the plan as shown (text, what to type) */
    ev_action *last;            /* the newest progress or outcome */
    /* A large plan offers a snapshot first (scr_maint.c). */
    bool offer;                 /* s / c asked, the confirmation not open yet */
    uint64_t snap_gen;          /* the snapshot being saved; 0: none */
    ev_maint *snap;             /* its newest progress or outcome */
} action_state;

typedef struct value_state {
    uint64_t gen;
    ec_buf key;                 /* raw key bytes */
    ev_value *v;                /* NULL while loading */
    bool hex;                   /* showing the hex dump */
    vt_text text;
    int wrapped_width;
    rl_view view;               /* top = first screen row shown */
    ec_buf search;
    bool has_match;
    size_t match_line, match_off;
} value_state;

typedef struct cluster_state {
    uint64_t gen;
    ev_cluster *last;           /* newest answer */
    int64_t last_ms;
    rl_view view;
} cluster_state;

typedef struct top_state {
    struct bg_top_collector *tc;   /* NULL until the screen is first opened */
    int64_t history;               /* revisions replayed (BREAKGLASS_TOP_HISTORY) */
    bg_top_grouping group;
    unsigned depth;                /* prefix depth of the running collector */
    ec_rates_window window;
    ec_rates_metric by;
    bg_top_snapshot *snap;         /* the ranking last drawn */
    bool has_sel;
    ec_buf sel;                    /* raw group name of the selected row */
    rl_view view;
} top_state;

typedef struct help_state {
    con_screen from;
    rl_view view;
    vt_text text;
    int wrapped_width;
} help_state;

typedef enum dlg_kind { DLG_NONE = 0, DLG_FILTER, DLG_SEARCH, DLG_CONFIRM, DLG_MINPUT, DLG_MCONFIRM } dlg_kind;

typedef struct dialog_state {
    dlg_kind kind;
    ec_buf text;                /* UTF-8 typed so far */
} dialog_state;

typedef struct con {
    bg_ctx *ctx;
    ec_client *client;          /* NULL offline */
    /* Offline (--offline FILE): the file, read-only; every call into it is
     * made under off_mu (its read buffers are shared). */
    ec_offline *off;
    pthread_mutex_t off_mu;
    bool off_snapshot;          /* a snapshot (trailer) rather than a member db */
    int64_t off_compacted;      /* finishedCompactRev, -1 unknown */
    int64_t off_rev;            /* the file's revision once indexed, 0 before */
    cq_queue *q;
    pthread_mutex_t ks_mu;
    ec_ks *ks;
    bool ks_complete;           /* under ks_mu: the tree holds a whole scan */
    int64_t quota_bytes;        /* -1: unknown ("quota ?") */
    bool utf8;
    bool color;

    /* Status bar. */
    cs_state cs;
    ev_status *status;          /* the last answer (may be stale when not connected) */
    int64_t last_rtt_us;
    char endpoint[256];

    /* The tree job as last reported. */
    struct {
        int phase;
        int64_t done, total, rev, events;
        char msg[512];
    } tree;

    /* The size scan as last reported. */
    struct {
        uint64_t gen;
        int phase;
        int64_t done, total, bytes, elapsed_ms;
        char msg[512];
        ec_buf where;           /* escaped directory it scans */
    } size;

    con_screen stack[8];
    int depth;
    bm_state browse;
    value_state value;
    cluster_state cluster;
    help_state help;
    action_state act;
    top_state top;
    dialog_state dlg;
    audit_scr aud;
    maint_scr mnt;

    char note[512];             /* a one-off message on the info line */
    int64_t note_until_ms;
    bool note_bad;

    bool dirty;
    bool need_clear;
    int64_t last_draw_ms;
    uint64_t gen_counter;
    int quit;
    int exit_code;
    ec_buf after;               /* printed after endwin */

    job_tree jt;
    job_size jz;
    job_fetch jf;
    job_cluster jc;
    job_action ja;
    job_top jtop;
    job_maint jm;
    cw_thread js;               /* status poll */
} con;

/* console.c */
con_screen con_top(const con *c);
void con_push(con *c, con_screen s);
void con_pop(con *c);
void con_note(con *c, bool bad, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t con_next_gen(con *c);

/* jobs: start with the console, stop and join at exit. */
int job_status_start(con *c);
int job_tree_start(con *c);
int job_size_start(con *c);
int job_fetch_start(con *c);
int job_cluster_start(con *c);
void job_tree_rescan(con *c);
/* Offline: fills the tree once from the file's index (job_offline.c). */
int job_offline_tree_start(con *c);
/* Starts a size scan of prefix (and the directory key itself when given);
 * returns its generation. */
uint64_t job_size_request(con *c, const uint8_t *prefix, size_t len, const uint8_t *dir_key, size_t dir_key_len,
                          bool has_dir_key);
void job_size_cancel(con *c, uint64_t gen);
void job_fetch_request(con *c, uint64_t gen, const uint8_t *key, size_t len);
void job_cluster_set(con *c, uint64_t gen);
int job_action_start(con *c);
/* req ACT_REQ_*; target (copied) and kind only for a plan. */
void job_action_request(con *c, int req, uint64_t gen, const uint8_t *target, size_t len, tm_del_kind kind);
/* job_top.c: the reaper of replaced collectors. */
int job_top_start(con *c);
/* Hands tc to the worker, which stops and frees it; frees it here (which
 * may wait) only when the worker is not running. */
void job_top_retire(con *c, struct bg_top_collector *tc);

/* Screens: draw into the body (rows y0..y1-1) and handle actions. */
void browse_draw(con *c, int y0, int y1);
void browse_action(con *c, ck_action a);
void browse_info(con *c, ec_buf *out, int *role);
void value_open(con *c, const uint8_t *key, size_t len);
void value_close(con *c);
void value_draw(con *c, int y0, int y1);
void value_action(con *c, ck_action a);
void value_info(con *c, ec_buf *out, int *role);
void value_on_event(con *c, ev_value *v);
void value_search_done(con *c, const char *text, size_t len);
void cluster_open(con *c);
void cluster_close(con *c);
void cluster_draw(con *c, int y0, int y1);
void cluster_action(con *c, ck_action a);
void cluster_info(con *c, ec_buf *out, int *role);
void help_open(con *c);
void help_draw(con *c, int y0, int y1);
void help_action(con *c, ck_action a);
void statusbar_draw(con *c, int width);
/* top.c: the Top screen (t in the browser). */
void top_open(con *c);
void top_draw(con *c, int y0, int y1);
void top_action(con *c, ck_action a);
void top_info(con *c, ec_buf *out, int *role);
/* Stops and frees the collector (at exit, after the screen is released). */
void top_shutdown(con *c);
/* action.c: the guarded delete's screen. */
void action_start(con *c);
/* The guarded delete of target (raw bytes): a key, a prefix, or an owner
 * "Kind/namespace/name" with everything it owns. Refuses (with a note)
 * offline, with --read-only and for the whole keyspace. */
void action_start_target(con *c, const uint8_t *target, size_t len, tm_del_kind kind);
void action_on_event(con *c, ev_action *a);
void action_confirm(con *c, const char *typed, size_t len);
void action_close(con *c);
void action_draw(con *c, int y0, int y1);

/* scr_audit.c: the audit review screen (A) and one record (Enter). */
void aud_open(con *c);
void aud_close(con *c);
/* Reads and verifies the log again (R, or after a restore). */
void aud_reload(con *c);
void aud_draw(con *c, int y0, int y1);
void aud_info(con *c, ec_buf *out, int *role);
void aud_on_event(con *c, uint64_t gen, ev_audit *e);
void audrec_close(con *c);
void audrec_draw(con *c, int y0, int y1);
/* Frees what the screen holds, at exit (workers already stopped). */
void aud_free(con *c);
/* The audit screens' keys (part of mnt_key). */
bool aud_key(con *c, con_screen top, ck_action a);
/* scr_maint.c: the maintenance screen (M) and its dialogs. */
void mnt_open(con *c, mop op);
void mnt_close(con *c);
void mnt_draw(con *c, int y0, int y1);
void mnt_info(con *c, ec_buf *out, int *role);
void mnt_on_event(con *c, uint64_t gen, ev_maint *m);
void mnt_input_done(con *c, const char *typed, size_t len);
void mnt_confirm(con *c, const char *typed, size_t len);
void mnt_free(con *c);
/* Handles the actions of the audit and maintenance screens, and the keys
 * that open them (A, M, L, the delete dialog's s and c); false when a is
 * not one of them. */
bool mnt_key(con *c, con_screen top, ck_action a);
/* job_maint.c */
int job_maint_start(con *c);
/* Frees the worker's own state once it has stopped. */
void job_maint_free(con *c);
/* str (copied) may be NULL. */
void job_maint_request(con *c, int req, uint64_t gen, mop op, int64_t a, int64_t b, const char *str);

/* dialog.c: a text entry on the footer line, a state of the main loop. */
void dialog_open(con *c, dlg_kind kind, const char *initial, size_t len);
/* Handles one key while a dialog is open. */
void dialog_key(con *c, int key);
void dialog_draw(con *c, int y, int width);

#endif
