/* The console's main loop: one thread draws. It poll()s the terminal and the
 * worker queue's wake-up pipe, drains the queue, handles keys, and redraws
 * at once after a key and at most every CON_REDRAW_MS for worker events.
 * Signal handlers only set a flag. Everything that would be printed while
 * curses owns the screen (stderr included) is kept and printed after
 * endwin(). */
#include "tui/console/console.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "etcdclient/util/escape.h"
#include "tui/cli/output.h"
#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

#define STDERR_REPLAY_MAX ((size_t)64 << 10)

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

con_screen con_top(const con *c) { return c->depth ? c->stack[c->depth - 1] : SCR_BROWSE; }

void con_push(con *c, con_screen s)
{
    if (c->depth < (int)(sizeof c->stack / sizeof c->stack[0]))
        c->stack[c->depth++] = s;
}

void con_pop(con *c)
{
    if (c->depth > 1)
        c->depth--;
}

uint64_t con_next_gen(con *c) { return ++c->gen_counter; }

void con_note(con *c, bool bad, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->note, sizeof c->note, fmt, ap);
    va_end(ap);
    c->note_bad = bad;
    c->note_until_ms = cw_now_ms() + 4000;
    c->dirty = true;
}

/* "8G", "8GiB", "512M", "2147483648": bytes, binary units. -1 if malformed. */
static int64_t parse_quota(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0)
        return -1;
    double mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mult > 1 && *end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v * mult > 9.0e18)
        return -1;
    return (int64_t)(v * mult);
}

/* ---- events from the workers ---- */

static void on_event(con *c, cq_ev *e)
{
    int64_t now = cw_now_ms();
    switch (e->type) {
    case EV_STATUS: {
        ev_status *s = e->data;
        snprintf(c->endpoint, sizeof c->endpoint, "%s", s->endpoint);
        if (s->ok) {
            cs_ok(&c->cs, now);
            c->last_rtt_us = s->rtt_us;
            if (c->status)
                ev_status_free(c->status);
            c->status = s;
            e->data = NULL;
        } else {
            cs_fail(&c->cs, &s->err, now);
        }
        break;
    }
    case EV_TREE:
        c->tree.phase = (int)e->n[0];
        c->tree.done = e->n[1];
        c->tree.total = e->n[2];
        c->tree.rev = e->n[3];
        c->tree.events = e->n[4];
        if (c->off && e->n[3] > 0)
            c->off_rev = e->n[3];
        snprintf(c->tree.msg, sizeof c->tree.msg, "%s", e->data ? (const char *)e->data : "");
        break;
    case EV_SIZE:
        if (e->gen != c->size.gen)
            break; /* an older scan's last words */
        c->size.phase = (int)e->n[0];
        c->size.done = e->n[1];
        c->size.total = e->n[2];
        c->size.bytes = e->n[3];
        c->size.elapsed_ms = e->n[4];
        if (c->size.phase == SZ_DONE) {
            char by[24];
            con_note(c, false, "sizes of %s: %lld keys, %s, in %.1f s", c->size.where.data ? c->size.where.data : "",
                     (long long)c->size.done, ct_bytes((uint64_t)c->size.bytes, by, sizeof by),
                     (double)c->size.elapsed_ms / 1000.0);
        } else if (c->size.phase == SZ_FAILED && e->data) {
            ec_buf m;
            ec_buf_init(&m, 0);
            ct_sanitize(&m, e->data, strlen(e->data), c->utf8);
            con_note(c, true, "%s", m.data ? m.data : "");
            ec_buf_free(&m);
        }
        break;
    case EV_VALUE:
        if (c->value.gen && e->gen == c->value.gen) {
            value_on_event(c, e->data);
            e->data = NULL;
        }
        break;
    case EV_CLUSTER:
        if (c->cluster.gen && e->gen == c->cluster.gen) {
            if (c->cluster.last)
                ev_cluster_free(c->cluster.last);
            c->cluster.last = e->data;
            c->cluster.last_ms = now;
            e->data = NULL;
        }
        break;
    case EV_ACTION:
        if (c->act.gen && e->gen == c->act.gen) {
            action_on_event(c, e->data);
            e->data = NULL;
        }
        break;
    case EV_TOP:
        /* The collector counted something: only the Top screen shows it. */
        if (con_top(c) != SCR_TOP)
            return;
        break;
    case EV_AUDIT:
        aud_on_event(c, e->gen, e->data); /* takes the data */
        e->data = NULL;
        break;
    case EV_MAINT:
        mnt_on_event(c, e->gen, e->data); /* takes the data */
        e->data = NULL;
        break;
    default: break;
    }
    c->dirty = true;
}

/* ---- keys ---- */

static ck_screen key_screen(con_screen s)
{
    switch (s) {
    case SCR_VALUE: return CK_VALUE;
    case SCR_CLUSTER: return CK_CLUSTER;
    case SCR_HELP: return CK_HELP;
    case SCR_ACTION: return CK_ACTION;
    case SCR_TOP: return CK_TOP;
    case SCR_AUDIT: return CK_AUDIT;
    case SCR_AUDREC: return CK_AUDREC;
    case SCR_MAINT: return CK_MAINT;
    case SCR_BROWSE: break;
    }
    return CK_BROWSE;
}

static void leave_screen(con *c)
{
    switch (con_top(c)) {
    case SCR_VALUE: value_close(c); break;
    case SCR_CLUSTER: cluster_close(c); break;
    case SCR_ACTION: action_close(c); break;
    case SCR_AUDIT: aud_close(c); break;
    case SCR_AUDREC: audrec_close(c); break;
    case SCR_MAINT: mnt_close(c); break;
    default: break;
    }
    con_pop(c);
}

static void on_key(con *c, int key)
{
    c->dirty = true;
    if (c->dlg.kind != DLG_NONE) {
        dialog_key(c, key);
        return;
    }
    con_screen top = con_top(c);
    ck_action a = ck_lookup(key_screen(top), key);
    switch (a) {
    case A_NONE: return;
    case A_REDRAW: c->need_clear = true; return;
    case A_HELP:
        if (top == SCR_HELP)
            leave_screen(c);
        else
            help_open(c);
        return;
    case A_QUIT:
        if (top == SCR_BROWSE) {
            c->quit = 1;
            c->exit_code = BG_EXIT_OK;
        } else {
            leave_screen(c);
        }
        return;
    case A_BACK:
    case A_PARENT:
        if (top != SCR_BROWSE) {
            leave_screen(c);
            return;
        }
        break;
    default: break;
    }
    if (mnt_key(c, top, a))
        return;
    switch (top) {
    case SCR_BROWSE: browse_action(c, a); break;
    case SCR_VALUE: value_action(c, a); break;
    case SCR_CLUSTER: cluster_action(c, a); break;
    case SCR_HELP: help_action(c, a); break;
    case SCR_TOP: top_action(c, a); break;
    default: break;
    }
}

/* ---- drawing ---- */

static void draw_too_small(void)
{
    char msg[160];
    snprintf(msg, sizeof msg, "terminal too small (%dx%d): the console needs at least %dx%d. q quits.", COLS, LINES,
             CON_MIN_COLS, CON_MIN_LINES);
    /* Wrap by hand: the screen may be tiny. */
    size_t len = strlen(msg), off = 0;
    for (int y = 0; y < LINES && off < len; y++) {
        int used;
        size_t take = ct_fit(msg + off, len - off, COLS, &used, false);
        if (take == 0)
            break;
        cd_text(y, 0, COLS, msg + off, take, y == 0 ? CR_BAD : CR_NORMAL, false);
        off += take;
    }
}

static void draw(con *c)
{
    if (c->need_clear) {
        clearok(curscr, TRUE);
        c->need_clear = false;
    }
    erase();
    if (COLS < CON_MIN_COLS || LINES < CON_MIN_LINES) {
        draw_too_small();
    } else {
        statusbar_draw(c, COLS);
        int y0 = 2, y1 = LINES - 2;
        con_screen top = con_top(c);
        switch (top) {
        case SCR_BROWSE: browse_draw(c, y0, y1); break;
        case SCR_VALUE: value_draw(c, y0, y1); break;
        case SCR_CLUSTER: cluster_draw(c, y0, y1); break;
        case SCR_HELP: help_draw(c, y0, y1); break;
        case SCR_ACTION: action_draw(c, y0, y1); break;
        case SCR_TOP: top_draw(c, y0, y1); break;
        case SCR_AUDIT: aud_draw(c, y0, y1); break;
        case SCR_AUDREC: audrec_draw(c, y0, y1); break;
        case SCR_MAINT: mnt_draw(c, y0, y1); break;
        }
        ec_buf info;
        ec_buf_init(&info, 0);
        int role = CR_NORMAL;
        if (c->note[0] && cw_now_ms() < c->note_until_ms) {
            ec_buf_puts(&info, c->note);
            role = c->note_bad ? CR_BAD : CR_WARN;
        } else if (top == SCR_BROWSE) {
            browse_info(c, &info, &role);
        } else if (top == SCR_VALUE) {
            value_info(c, &info, &role);
        } else if (top == SCR_CLUSTER) {
            cluster_info(c, &info, &role);
        } else if (top == SCR_TOP) {
            top_info(c, &info, &role);
        } else if (top == SCR_AUDIT || top == SCR_AUDREC) {
            aud_info(c, &info, &role);
        } else if (top == SCR_MAINT) {
            mnt_info(c, &info, &role);
        }
        if (info.len)
            cd_text(LINES - 2, 0, COLS, info.data, info.len, (cd_role)role, c->utf8);
        ec_buf_free(&info);
        if (c->dlg.kind != DLG_NONE) {
            dialog_draw(c, LINES - 1, COLS);
        } else {
            ec_buf f;
            ec_buf_init(&f, 0);
            ck_footer(key_screen(top), COLS, &f);
            cd_fill(LINES - 1, 0, COLS, CR_BAR);
            cd_text(LINES - 1, 0, COLS, f.data ? f.data : "", f.len, CR_BAR, false);
            ec_buf_free(&f);
        }
    }
    refresh();
    c->last_draw_ms = cw_now_ms();
    c->dirty = false;
}

/* ---- the loop ---- */

static void lost_terminal(con *c, const char *why)
{
    ec_buf_printf(&c->after, "breakglass: the terminal went away (%s); console closed\n", why);
    c->exit_code = BG_EXIT_FAIL;
    c->quit = 1;
}

static void loop(con *c)
{
    int idle = 0;
    draw(c);
    while (!c->quit) {
        if (got_signal) {
            c->exit_code = 128 + got_signal;
            break;
        }
        int64_t since = cw_now_ms() - c->last_draw_ms;
        int64_t timeout = CON_TICK_MS - since;
        if (c->dirty && CON_REDRAW_MS - since < timeout)
            timeout = CON_REDRAW_MS - since;
        if (timeout < 0)
            timeout = 0;
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {cq_fd(c->q), POLLIN, 0}};
        int r = poll(p, 2, (int)timeout);
        if (r < 0 && errno != EINTR) {
            lost_terminal(c, strerror(errno));
            break;
        }
        if (r > 0 && (p[1].revents & POLLIN)) {
            cq_ev *list = cq_drain(c->q);
            while (list) {
                cq_ev *next = list->next;
                on_event(c, list);
                cq_ev_free(list);
                list = next;
            }
        }
        bool keyed = false, resized = false;
        /* Everything typed so far; a burst of KEY_RESIZE counts once. */
        for (int i = 0; i < 512 && !c->quit; i++) {
            wint_t ch;
            int rc = get_wch(&ch);
            if (rc == ERR)
                break;
            if (rc == KEY_CODE_YES && ch == KEY_RESIZE) {
                resized = true;
                continue;
            }
            on_key(c, rc == KEY_CODE_YES ? CK_FN(ch) : (int)ch);
            keyed = true;
        }
        if (r > 0 && (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))) {
            lost_terminal(c, "hang-up");
            break;
        }
        /* Readable but nothing read, again and again: end of input. */
        if (r > 0 && (p[0].revents & POLLIN) && !keyed && !resized) {
            if (++idle > 50) {
                lost_terminal(c, "end of input");
                break;
            }
        } else {
            idle = 0;
        }
        if (c->quit)
            break;
        if (resized) {
            c->need_clear = true;
            c->dirty = true;
        }
        int64_t now = cw_now_ms();
        if (keyed || resized || (c->dirty && now - c->last_draw_ms >= CON_REDRAW_MS) ||
            now - c->last_draw_ms >= CON_TICK_MS)
            draw(c);
    }
}

/* ---- setup and teardown ---- */

typedef struct err_capture {
    int saved;      /* the real stderr */
    int fd;         /* where stderr goes meanwhile */
} err_capture;

static void capture_stderr(err_capture *ec)
{
    ec->saved = ec->fd = -1;
    fflush(stderr);
    int fd = memfd_create("breakglass-stderr", MFD_CLOEXEC);
    if (fd < 0) {
        FILE *f = tmpfile();
        if (f) {
            fd = dup(fileno(f));
            fclose(f);
        }
    }
    if (fd < 0)
        return;
    ec->saved = dup(STDERR_FILENO);
    if (ec->saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
        close(fd);
        if (ec->saved >= 0)
            close(ec->saved);
        ec->saved = -1;
        return;
    }
    ec->fd = fd;
}

/* Puts stderr back and prints what was written to it meanwhile (escaped,
 * at most STDERR_REPLAY_MAX bytes), as htop does. */
static void release_stderr(err_capture *ec)
{
    if (ec->saved < 0)
        return;
    fflush(stderr);
    dup2(ec->saved, STDERR_FILENO);
    close(ec->saved);
    char *buf = malloc(STDERR_REPLAY_MAX);
    ssize_t n = buf ? pread(ec->fd, buf, STDERR_REPLAY_MAX, 0) : -1;
    if (n > 0) {
        const char *p = buf, *end = buf + n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
            bg_put_escaped(stderr, (const uint8_t *)p, len);
            fputc('\n', stderr);
            p += len + (nl ? 1 : 0);
        }
    }
    free(buf);
    close(ec->fd);
}

static void stop_jobs(con *c)
{
    cw_thread *ts[] = {&c->jm.t, &c->jtop.t, &c->ja.t, &c->jc.t, &c->jf.t, &c->jz.t, &c->jt.t, &c->js};
    size_t n = sizeof ts / sizeof ts[0];
    for (size_t i = 0; i < n; i++)
        if (ts[i]->started)
            cw_request_stop(ts[i]);
    bool said = false;
    for (size_t i = 0; i < n; i++) {
        if (!ts[i]->started)
            continue;
        if (cw_join_timed(ts[i], 1000) != 0) {
            if (!said)
                fprintf(stderr, "breakglass: waiting for the etcd calls in progress to reach their deadline (%s)...\n",
                        ts[i]->name);
            said = true;
            cw_join(ts[i]);
        }
    }
}

static void free_con(con *c)
{
    /* The collector first: it posts to the queue freed below. */
    top_shutdown(c);
    bm_free(&c->browse);
    if (c->value.v)
        ev_value_free(c->value.v);
    vt_free(&c->value.text);
    ec_buf_free(&c->value.key);
    ec_buf_free(&c->value.search);
    if (c->cluster.last)
        ev_cluster_free(c->cluster.last);
    vt_free(&c->help.text);
    if (c->act.plan)
        ev_action_free(c->act.plan);
    if (c->act.last)
        ev_action_free(c->act.last);
    mnt_free(c);
    aud_free(c);
    ec_buf_free(&c->jm.str);
    ec_buf_free(&c->ja.target);
    ec_buf_free(&c->dlg.text);
    ec_buf_free(&c->size.where);
    if (c->status)
        ev_status_free(c->status);
    ec_buf_free(&c->jz.prefix);
    ec_buf_free(&c->jz.dir_key);
    ec_buf_free(&c->jf.key);
    cw_thread *ts[] = {&c->jm.t, &c->jtop.t, &c->ja.t, &c->jc.t, &c->jf.t, &c->jz.t, &c->jt.t, &c->js};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        if (ts[i]->name)
            cw_destroy(ts[i]);
    ec_ks_free(c->ks);
    cq_free(c->q);
    pthread_mutex_destroy(&c->ks_mu);
    ec_offline_free(c->off);
    pthread_mutex_destroy(&c->off_mu);
    ec_buf_free(&c->after);
    free(c);
}

static void init_con(con *c, bg_ctx *ctx)
{
    c->ctx = ctx;
    c->quota_bytes = -1;
    pthread_mutex_init(&c->ks_mu, NULL);
    pthread_mutex_init(&c->off_mu, NULL);
    c->off_compacted = -1;
    cs_init(&c->cs, cw_now_ms());
    bm_init(&c->browse);
    vt_init(&c->value.text);
    ec_buf_init(&c->value.key, 0);
    ec_buf_init(&c->value.search, 0);
    c->value.wrapped_width = -1;
    vt_init(&c->help.text);
    ec_buf_init(&c->dlg.text, BM_FILTER_MAX + 8);
    ec_buf_init(&c->size.where, 0);
    ec_buf_init(&c->after, 1 << 20);
    ec_buf_init(&c->top.sel, 1 << 20);
    c->top.group = BG_TOP_BY_PREFIX;
    c->top.window = EC_RATES_60S;
    c->top.by = EC_RATES_WRITES;
}

/* Opens the file for the offline console; NULL after printing one line. */
static ec_offline *open_offline(const char *path, bool *snapshot, int64_t *compacted)
{
    ec_offline *db = ec_offline_new();
    if (!db) {
        fprintf(stderr, "breakglass: out of memory\n");
        return NULL;
    }
    ec_err err;
    if (ec_offline_open(db, path, 0, &err) != 0) {
        char *safe = ec_escape_dup((const uint8_t *)err.msg, strlen(err.msg));
        fprintf(stderr, "breakglass: %s\n", safe ? safe : "cannot open the file");
        free(safe);
        ec_offline_free(db);
        return NULL;
    }
    *snapshot = ec_offline_bolt(db)->trailer != EC_SNAP_NONE;
    *compacted = ec_offline_compact_revision(db);
    return db;
}

static int console_run(bg_ctx *ctx, const char *offline_path);

int console_main(bg_ctx *ctx) { return console_run(ctx, NULL); }

int console_offline_main(bg_ctx *ctx, const char *path) { return console_run(ctx, path); }

static int console_run(bg_ctx *ctx, const char *offline_path)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "breakglass: the console needs a terminal; use a subcommand, see breakglass --help\n");
        return BG_EXIT_USAGE;
    }
    /* Threads created from here on (gRPC's, ours) must not take the
     * signals meant for the UI thread. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGWINCH);
    sigaddset(&block, SIGTSTP);
    sigaddset(&block, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    ec_client *client = NULL;
    ec_offline *off = NULL;
    bool snapshot = false;
    int64_t compacted = -1;
    if (offline_path)
        off = open_offline(offline_path, &snapshot, &compacted);
    else
        client = bg_client(ctx);
    if (!client && !off) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return BG_EXIT_FAIL;
    }
    con *c = calloc(1, sizeof *c);
    if (!c) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        ec_offline_free(off);
        fprintf(stderr, "breakglass: out of memory\n");
        return BG_EXIT_FAIL;
    }
    init_con(c, ctx);
    c->client = client;
    c->off = off;
    c->off_snapshot = snapshot;
    c->off_compacted = compacted;
    const char *q = getenv("BREAKGLASS_QUOTA_BYTES");
    if (q && *q) {
        c->quota_bytes = parse_quota(q);
        if (c->quota_bytes < 0) {
            fprintf(stderr, "breakglass: BREAKGLASS_QUOTA_BYTES '%s' is not a size (like 8G or 2147483648)\n", q);
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            free_con(c);
            return BG_EXIT_USAGE;
        }
    }
    setlocale(LC_ALL, "");
    c->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    const char *nc = getenv("NO_COLOR");
    c->color = !(nc && *nc);
    c->q = cq_new(0);
    c->ks = ec_ks_new();
    if (!c->q || !c->ks) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "breakglass: cannot set up the console: %s\n", c->q ? "out of memory" : strerror(errno));
        free_con(c);
        return BG_EXIT_FAIL;
    }
    int rc;
    if (c->off) {
        /* Offline: no etcd, so no status poll, watch, size scan or cluster. */
        rc = job_offline_tree_start(c);
        if (rc == 0)
            rc = job_fetch_start(c);
        if (rc == 0)
            rc = job_maint_start(c); /* the audit review works offline too */
    } else {
        rc = job_status_start(c);
        if (rc == 0)
            rc = job_tree_start(c);
        if (rc == 0)
            rc = job_size_start(c);
        if (rc == 0)
            rc = job_fetch_start(c);
        if (rc == 0)
            rc = job_cluster_start(c);
        if (rc == 0)
            rc = job_action_start(c);
        if (rc == 0)
            rc = job_top_start(c);
        if (rc == 0)
            rc = job_maint_start(c);
    }
    if (rc != 0) {
        stop_jobs(c);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "breakglass: cannot start a worker thread: %s\n", strerror(rc));
        free_con(c);
        return BG_EXIT_FAIL;
    }

    /* Our handlers go in before curses, which then leaves them alone. No
     * SA_RESTART: poll() must return on a signal. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    err_capture cap;
    capture_stderr(&cap);
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        release_stderr(&cap);
        stop_jobs(c);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        const char *term = getenv("TERM");
        fprintf(stderr, "breakglass: cannot use the terminal (TERM='%s')\n", term ? term : "");
        free_con(c);
        return BG_EXIT_FAIL;
    }
    set_term(scr);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(50);
    curs_set(0);
    cd_init(c->color);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    con_push(c, SCR_BROWSE);
    loop(c);

    endwin();
    delscreen(scr);
    cd_done();
    /* From here a second ^C (while waiting for calls in flight) ends the
     * process at once. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    release_stderr(&cap);
    stop_jobs(c);
    fputs(c->after.data ? c->after.data : "", stderr);
    rc = c->exit_code;
    free_con(c);
    return rc;
}
