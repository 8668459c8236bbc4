/* top: find the runaway. Which groups of keys are written most, from the
 * replayed history, live writes and (when both are silent) a keys-only
 * ranking by version. The logic lives in tui/top/; this file parses flags
 * and prints. */
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tui/cli/args.h"
#include "tui/cli/commands.h"
#include "tui/cli/output.h"
#include "tui/top/collector.h"
#include "tui/top/spark.h"
#include "tui/top/versions.h"

#define DEFAULT_LIMIT 20
#define MAX_LIMIT 10000
#define DEFAULT_DURATION_MS 3000
#define DEFAULT_INTERVAL_MS 2000
#define MAX_HISTORY 1000000000LL

static atomic_int interrupted;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&interrupted, 1);
}

typedef enum { SRC_AUTO, SRC_WATCH, SRC_VERSIONS } top_source;

typedef struct top_args {
    bg_top_grouping group;
    unsigned depth;
    ec_rates_window window;
    ec_rates_metric by;
    int64_t history;
    const char *prefix;
    const char *k8s_prefix; /* the Kubernetes key prefix (--etcd-prefix, discovery) */
    size_t limit;
    int duration_ms;        /* 0: until interrupted (--watch) */
    int interval_ms;
    bool watch;
    bool json;
    top_source source;
    uint32_t capacity;
} top_args;

static const char *window_name(ec_rates_window w)
{
    return w == EC_RATES_10S ? "10s" : w == EC_RATES_5M ? "5m" : "60s";
}

static int parse_args(top_args *a, bg_ctx *ctx, int argc, char **argv)
{
    const char *group = "prefix", *window = "60s", *by = "writes", *duration = NULL, *interval = NULL,
               *source = "auto";
    int64_t depth = BG_TOP_DEFAULT_DEPTH, history = BG_TOP_DEFAULT_HISTORY, limit = DEFAULT_LIMIT,
            capacity = EC_RATES_DEFAULT_CAPACITY;
    bool watch = false;
    const char *prefix = "";
    bg_flag flags[] = {
        {"group", 'g', BG_FLAG_STR, &group},       {"depth", 0, BG_FLAG_I64, &depth},
        {"window", 0, BG_FLAG_STR, &window},       {"by", 0, BG_FLAG_STR, &by},
        {"history", 0, BG_FLAG_I64, &history},     {"prefix", 0, BG_FLAG_STR, &prefix},
        {"limit", 'n', BG_FLAG_I64, &limit},       {"duration", 'd', BG_FLAG_STR, &duration},
        {"watch", 0, BG_FLAG_BOOL, &watch},        {"interval", 0, BG_FLAG_STR, &interval},
        {"source", 0, BG_FLAG_STR, &source},       {"capacity", 0, BG_FLAG_I64, &capacity},
    };
    char *pos[1];
    size_t np;
    if (bg_parse_flags("top", argc, argv, flags, sizeof flags / sizeof flags[0], pos, 0, &np) != 0)
        return -1;
    if (bg_top_grouping_parse(group, &a->group) != 0)
        return bg_usage("top", "--group wants key, prefix, resource, namespace, owner, writer or lease, not '%s'",
                        group), -1;
    if (depth > BG_TOP_MAX_DEPTH)
        return bg_usage("top", "--depth wants a number from 0 to %d, not %" PRId64, BG_TOP_MAX_DEPTH, depth), -1;
    a->depth = (unsigned)depth;
    if (strcmp(window, "10s") == 0)
        a->window = EC_RATES_10S;
    else if (strcmp(window, "60s") == 0 || strcmp(window, "1m") == 0)
        a->window = EC_RATES_60S;
    else if (strcmp(window, "5m") == 0 || strcmp(window, "300s") == 0)
        a->window = EC_RATES_5M;
    else
        return bg_usage("top", "--window wants 10s, 60s or 5m, not '%s'", window), -1;
    if (strcmp(by, "writes") == 0)
        a->by = EC_RATES_WRITES;
    else if (strcmp(by, "bytes") == 0)
        a->by = EC_RATES_BYTES;
    else
        return bg_usage("top", "--by wants writes or bytes, not '%s'", by), -1;
    if (history > MAX_HISTORY)
        return bg_usage("top", "--history wants at most %lld revisions", (long long)MAX_HISTORY), -1;
    a->history = history;
    a->prefix = prefix;
    if (limit < 1 || limit > MAX_LIMIT)
        return bg_usage("top", "--limit wants a number from 1 to %d", MAX_LIMIT), -1;
    a->limit = (size_t)limit;
    if (capacity < 16 || capacity > (int64_t)EC_RATES_MAX_CAPACITY)
        return bg_usage("top", "--capacity wants a number from 16 to %u", EC_RATES_MAX_CAPACITY), -1;
    a->capacity = (uint32_t)capacity;
    a->watch = watch;
    a->duration_ms = watch ? 0 : DEFAULT_DURATION_MS;
    if (duration && (a->duration_ms = bg_parse_duration_ms(duration)) <= 0)
        return bg_usage("top", "--duration wants a duration like 3s or 500ms, not '%s'", duration), -1;
    a->interval_ms = DEFAULT_INTERVAL_MS;
    if (interval && (a->interval_ms = bg_parse_duration_ms(interval)) < 100)
        return bg_usage("top", "--interval wants a duration of at least 100ms, not '%s'", interval), -1;
    if (strcmp(source, "auto") == 0)
        a->source = SRC_AUTO;
    else if (strcmp(source, "watch") == 0)
        a->source = SRC_WATCH;
    else if (strcmp(source, "versions") == 0)
        a->source = SRC_VERSIONS;
    else
        return bg_usage("top", "--source wants auto, watch or versions, not '%s'", source), -1;
    a->json = ctx->opts->json;
    a->k8s_prefix = ctx->opts->k8s_prefix;
    return 0;
}

/* ---- human output ------------------------------------------------------ */

static const char *writes_word(uint64_t n)
{
    return n == 1 ? "write" : "writes";
}

/* Small rates keep their digits: 0.017/s is a group that wrote once a minute. */
static void put_rate(char *buf, size_t len, double v, bool est)
{
    snprintf(buf, len, "%s%.*f", est ? "~" : "", v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3, v);
}

static void put_byte_rate(char *buf, size_t len, double v, bool est)
{
    char h[24];
    bg_human_bytes((int64_t)(v + 0.5), h, sizeof h);
    snprintf(buf, len, "%s%s/s", est ? "~" : "", h);
}

static void print_sources(const bg_top_snapshot *s, const top_args *a)
{
    const bg_top_info *in = &s->info;
    if (a->history > 0 && in->history_set) {
        if (in->compacted)
            printf("history  COMPACTED: revisions before %" PRId64 " are gone (wanted from %" PRId64
                   "); replayed what is left\n",
                   in->compact_revision, in->history_wanted_from);
        if (in->history_from > in->history_to)
            printf("history  nothing left to replay up to revision %" PRId64 "\n", in->history_to);
        else if (in->history_events == 0 && !in->history_done)
            printf("history  revisions %" PRId64 "..%" PRId64 ": no write seen (none in them%s, or the replay had "
                   "not reached one)\n",
                   in->history_from, in->history_to, a->prefix[0] ? " under the prefix" : "");
        else
            printf("history  revisions %" PRId64 "..%" PRId64 ": %" PRIu64 " %s%s\n", in->history_from,
                   in->history_to, in->history_events, writes_word(in->history_events),
                   in->history_done ? "" : " so far (replay not finished when collection ended)");
        if (in->history_events) {
            if (in->estimate == BG_TOP_EST_ASSUMED)
                printf("         times ASSUMED (~): no revision rate was seen, so the replayed writes are "
                       "spread evenly over the %" PRId64 " s before collection began\n",
                       in->assumed_span_ms / 1000);
            else if (in->revision_rate > 0)
                printf("         times estimated (~) from the revision rate seen now (%.1f revisions/s)\n",
                       in->revision_rate);
            else
                printf("         times estimated (~): the revision sampled when collection began\n");
        }
    } else if (a->history == 0) {
        printf("history  not replayed (--history 0)\n");
    }
    double secs = (double)(s->now_ms - s->started_ms) / 1000.0;
    if (in->live_events)
        printf("live     %" PRIu64 " %s in revisions %" PRId64 "..%" PRId64 " over %.1f s\n", in->live_events,
               writes_word(in->live_events), in->live_first, in->live_last, secs);
    else
        printf("live     no writes over %.1f s\n", secs);
    if (in->deletes_unattributed)
        printf("note     %" PRIu64 " deletes came without their previous value: counted as '%s'\n",
               in->deletes_unattributed, BG_TOP_G_UNKNOWN);
    if (in->gaps)
        printf("note     the watch was down while history was compacted: up to %" PRId64
               " revisions were not seen\n",
               in->gap_revisions);
    if (s->has_error && s->state == BG_TOP_RETRYING)
        printf("error    %s (retrying)\n", s->last_error.msg);
    else if (s->has_error)
        printf("note     %" PRIu64 " failed call%s to etcd along the way, the last: %s\n", s->retries,
               s->retries == 1 ? "" : "s", s->last_error.msg);
}

/* Sparkline characters that fit the terminal: 60 (one per second) down to
 * 10 (six seconds each) on a narrow one; 60 when not a terminal. */
static size_t spark_width(void)
{
    struct winsize ws;
    if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
        return EC_RATES_SPARK_LEN;
    static const size_t widths[] = {60, 30, 20, 15, 12, 10};
    /* The other columns take 42, a group name about 30 more. */
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        if (42 + widths[i] + 30 <= ws.ws_col)
            return widths[i];
    return 10;
}

static void print_ranking(const bg_top_snapshot *s, const top_args *a)
{
    const ec_rates_top *t = s->top;
    const ec_rates_totals *tt = &t->totals;
    unsigned secs = ec_rates_window_seconds(a->window);
    char wr[32], br[40], hb[32];
    bool est = tt->estimated[a->window];
    put_rate(wr, sizeof wr, (double)tt->writes[a->window] / secs, est);
    put_byte_rate(br, sizeof br, (double)tt->bytes[a->window] / secs, est);
    printf("by %s", bg_top_grouping_name(a->group));
    if (a->group == BG_TOP_BY_PREFIX)
        printf(" (depth %u)", a->depth);
    printf(", last %s: %" PRIu64 " %s (%s/s), %s (%s)", window_name(a->window), tt->writes[a->window],
           writes_word(tt->writes[a->window]), wr,
           bg_human_bytes((int64_t)tt->bytes[a->window], hb, sizeof hb), br);
    if (a->prefix[0]) {
        printf(", under '");
        bg_put_escaped(stdout, (const uint8_t *)a->prefix, strlen(a->prefix));
        printf("'");
    }
    printf("\n");
    print_sources(s, a);
    if (!tt->exact)
        printf("bounds   %u counters for %s%" PRIu64 " groups: a row may count up to its ERROR more writes than "
               "it made (never more than %" PRIu64 ")\n",
               tt->capacity, tt->distinct_exact ? "" : "~", tt->distinct, tt->min_count);
    if (t->n == 0) {
        printf("no writes in the last %s\n", window_name(a->window));
        return;
    }
    size_t sw = spark_width();
    printf("\n%4s  %10s  %12s  %6s  %-*s  %s%s\n", "RANK", "WRITES/S", "BYTES/S", "SHARE", (int)sw, "LAST 60 S",
           tt->exact ? "" : "ERROR  ", "GROUP");
    for (size_t i = 0; i < t->n; i++) {
        const ec_rates_row *r = &t->rows[i];
        char spark[BG_TOP_SPARK_BUF(EC_RATES_SPARK_LEN)];
        uint32_t folded[EC_RATES_SPARK_LEN];
        size_t nf = bg_top_spark_fold(r->spark_writes, EC_RATES_SPARK_LEN, sw, folded);
        bg_top_spark(folded, nf, 0, spark, sizeof spark);
        put_rate(wr, sizeof wr, r->writes_per_s, r->estimated);
        put_byte_rate(br, sizeof br, r->bytes_per_s, r->estimated);
        double share = a->by == EC_RATES_BYTES ? r->share_bytes : r->share_writes;
        printf("%4zu  %10s  %12s  %5.1f%%  %s  ", i + 1, wr, br, share * 100.0, spark);
        if (!tt->exact)
            printf("%5" PRIu64 "  ", r->error);
        bg_put_escaped(stdout, r->key, r->key_len);
        if (r->key_truncated)
            printf(" (cut)");
        putchar('\n');
    }
}

static void print_versions(const bg_top_versions *v, const top_args *a, const char *why)
{
    const ec_rates_top *t = v->top;
    printf("\nKEYS-ONLY RANKING BY VERSION%s%s%s: %" PRIu64 " keys at revision %" PRId64 ", by %s", why ? " (" : "",
           why ? why : "", why ? ")" : "", v->keys, v->revision, bg_top_grouping_name(v->grouping));
    if (v->grouping == BG_TOP_BY_PREFIX)
        printf(" (depth %u)", a->depth);
    if (v->grouping != a->group)
        printf(" (%s needs values; keys-only gives keys)", bg_top_grouping_name(a->group));
    printf("\n");
    if (!bg_top_grouping_keys_only(v->grouping))
        printf("values   %s read from the values of the %" PRIu64 " keys with the highest versions%s\n",
               bg_top_grouping_name(v->grouping), v->value_keys,
               v->value_missing ? " (some keys were gone)" : "");
    printf("version  = writes since each key was created, summed over the group; kept through compaction\n");
    if (!v->complete)
        printf("note     scan interrupted: partial ranking\n");
    if (!t->totals.exact)
        printf("bounds   %u counters: a row's VERSIONS may exceed the truth by up to its ERROR (at most %" PRIu64
               ")\n",
               t->totals.capacity, t->totals.min_count);
    if (t->n == 0) {
        printf("no keys\n");
        return;
    }
    printf("%4s  %10s  %8s  %12s  %10s  %s%s\n", "RANK", "VERSIONS", "KEYS", "NEWEST MOD", "REVS AGO",
           t->totals.exact ? "" : "ERROR  ", "GROUP");
    for (size_t i = 0; i < t->n; i++) {
        const ec_rates_row *r = &t->rows[i];
        printf("%4zu  %10" PRIu64 "  %8" PRIu64 "  %12" PRId64 "  %10" PRId64 "  ", i + 1, r->bytes, r->writes,
               r->last_revision, v->revision - r->last_revision);
        if (!t->totals.exact)
            printf("%5" PRIu64 "  ", r->error);
        bg_put_escaped(stdout, r->key, r->key_len);
        if (r->key_truncated)
            printf(" (cut)");
        putchar('\n');
    }
}

/* ---- JSON output ------------------------------------------------------- */

static json_t *json_sources(const bg_top_snapshot *s, const top_args *a)
{
    const bg_top_info *in = &s->info;
    json_t *src = json_object(), *h = json_object(), *l = json_object();
    json_object_set_new(h, "requested", json_integer(a->history));
    json_object_set_new(h, "wanted_from_revision", json_integer(in->history_wanted_from));
    json_object_set_new(h, "from_revision", json_integer(in->history_from));
    json_object_set_new(h, "to_revision", json_integer(in->history_to));
    json_object_set_new(h, "compacted", json_boolean(in->compacted));
    json_object_set_new(h, "compact_revision", json_integer(in->compact_revision));
    json_object_set_new(h, "writes", json_integer((json_int_t)in->history_events));
    json_object_set_new(h, "bytes", json_integer((json_int_t)in->history_bytes));
    json_object_set_new(h, "complete", json_boolean(in->history_done));
    if (in->history_done && in->history_done_ms)
        json_object_set_new(h, "replay_seconds", json_real((double)(in->history_done_ms - s->started_ms) / 1000.0));
    json_object_set_new(h, "estimated", json_boolean(in->history_events > 0));
    json_object_set_new(h, "estimation", json_string(in->estimate == BG_TOP_EST_ASSUMED   ? "assumed"
                                                     : in->estimate == BG_TOP_EST_OBSERVED ? "observed-rate"
                                                                                           : "none"));
    json_object_set_new(h, "revision_rate", json_real(in->revision_rate));
    if (in->estimate == BG_TOP_EST_ASSUMED)
        json_object_set_new(h, "assumed_span_seconds", json_integer(in->assumed_span_ms / 1000));
    json_object_set_new(src, "history", h);
    json_object_set_new(l, "writes", json_integer((json_int_t)in->live_events));
    json_object_set_new(l, "bytes", json_integer((json_int_t)in->live_bytes));
    json_object_set_new(l, "from_revision", json_integer(in->live_first));
    json_object_set_new(l, "to_revision", json_integer(in->live_last));
    json_object_set_new(l, "seconds", json_real((double)(s->now_ms - s->started_ms) / 1000.0));
    json_object_set_new(src, "live", l);
    json_object_set_new(src, "estimated", json_boolean(in->history_events > 0));
    json_object_set_new(src, "last_revision", json_integer(in->last_revision));
    json_object_set_new(src, "etcd_revision", json_integer(in->etcd_revision));
    json_object_set_new(src, "prev_kv", json_boolean(s->prev_kv));
    json_object_set_new(src, "deletes", json_integer((json_int_t)in->deletes));
    json_object_set_new(src, "deletes_unattributed", json_integer((json_int_t)in->deletes_unattributed));
    json_object_set_new(src, "gap_revisions", json_integer(in->gap_revisions));
    json_object_set_new(src, "state", json_string(bg_top_state_name(s->state)));
    json_object_set_new(src, "failed_calls", json_integer((json_int_t)s->retries));
    if (s->has_error)
        json_object_set_new(src, "last_error", json_string(s->last_error.msg));
    return src;
}

static json_t *json_ranking(const bg_top_snapshot *s, const top_args *a)
{
    const ec_rates_top *t = s->top;
    const ec_rates_totals *tt = &t->totals;
    unsigned secs = ec_rates_window_seconds(a->window);
    json_t *o = json_object();
    json_object_set_new(o, "group_by", json_string(bg_top_grouping_name(a->group)));
    if (a->group == BG_TOP_BY_PREFIX)
        json_object_set_new(o, "depth", json_integer(a->depth));
    json_object_set_new(o, "window", json_string(window_name(a->window)));
    json_object_set_new(o, "window_seconds", json_integer(secs));
    json_object_set_new(o, "ranked_by", json_string(a->by == EC_RATES_BYTES ? "bytes" : "writes"));
    bg_json_set_bytes(o, "prefix", (const uint8_t *)a->prefix, strlen(a->prefix));
    json_object_set_new(o, "time_ms", json_integer(s->now_ms));
    json_object_set_new(o, "source", json_sources(s, a));
    json_t *tot = json_object();
    json_object_set_new(tot, "writes", json_integer((json_int_t)tt->writes[a->window]));
    json_object_set_new(tot, "bytes", json_integer((json_int_t)tt->bytes[a->window]));
    json_object_set_new(tot, "writes_per_s", json_real((double)tt->writes[a->window] / secs));
    json_object_set_new(tot, "bytes_per_s", json_real((double)tt->bytes[a->window] / secs));
    json_object_set_new(tot, "estimated", json_boolean(tt->estimated[a->window]));
    json_object_set_new(tot, "writes_counted", json_integer((json_int_t)tt->events));
    json_object_set_new(tot, "late", json_integer((json_int_t)tt->late));
    json_object_set_new(tot, "distinct_groups", json_integer((json_int_t)tt->distinct));
    json_object_set_new(tot, "distinct_exact", json_boolean(tt->distinct_exact));
    json_object_set_new(tot, "exact", json_boolean(tt->exact));
    json_object_set_new(tot, "max_error", json_integer((json_int_t)(tt->exact ? 0 : tt->min_count)));
    json_object_set_new(tot, "capacity", json_integer(tt->capacity));
    json_object_set_new(o, "totals", tot);
    json_t *rows = json_array();
    for (size_t i = 0; i < t->n; i++) {
        const ec_rates_row *r = &t->rows[i];
        json_t *row = json_object();
        bg_json_set_bytes(row, "group", r->key, r->key_len);
        if (r->key_truncated)
            json_object_set_new(row, "group_truncated", json_true());
        json_object_set_new(row, "writes", json_integer((json_int_t)r->writes));
        json_object_set_new(row, "bytes", json_integer((json_int_t)r->bytes));
        json_object_set_new(row, "writes_per_s", json_real(r->writes_per_s));
        json_object_set_new(row, "bytes_per_s", json_real(r->bytes_per_s));
        json_object_set_new(row, "share", json_real(a->by == EC_RATES_BYTES ? r->share_bytes : r->share_writes));
        json_object_set_new(row, "error", json_integer((json_int_t)r->error));
        json_object_set_new(row, "estimated", json_boolean(r->estimated));
        json_object_set_new(row, "last_revision", json_integer(r->last_revision));
        json_t *sp = json_array();
        for (int k = 0; k < EC_RATES_SPARK_LEN; k++)
            json_array_append_new(sp, json_integer(r->spark_writes[k]));
        json_object_set_new(row, "spark", sp);
        json_array_append_new(rows, row);
    }
    json_object_set_new(o, "rows", rows);
    return o;
}

static json_t *json_versions(const bg_top_versions *v, const char *why)
{
    const ec_rates_top *t = v->top;
    json_t *o = json_object();
    json_object_set_new(o, "source", json_string("versions"));
    if (why)
        json_object_set_new(o, "reason", json_string(why));
    json_object_set_new(o, "group_by", json_string(bg_top_grouping_name(v->grouping)));
    json_object_set_new(o, "revision", json_integer(v->revision));
    json_object_set_new(o, "keys", json_integer((json_int_t)v->keys));
    json_object_set_new(o, "versions", json_integer((json_int_t)v->versions));
    json_object_set_new(o, "complete", json_boolean(v->complete));
    json_object_set_new(o, "exact", json_boolean(t->totals.exact));
    if (!bg_top_grouping_keys_only(v->grouping))
        json_object_set_new(o, "values_read", json_integer((json_int_t)v->value_keys));
    json_t *rows = json_array();
    for (size_t i = 0; i < t->n; i++) {
        const ec_rates_row *r = &t->rows[i];
        json_t *row = json_object();
        bg_json_set_bytes(row, "group", r->key, r->key_len);
        json_object_set_new(row, "versions", json_integer((json_int_t)r->bytes));
        json_object_set_new(row, "keys", json_integer((json_int_t)r->writes));
        json_object_set_new(row, "mod_revision", json_integer(r->last_revision));
        json_object_set_new(row, "error", json_integer((json_int_t)r->error));
        json_array_append_new(rows, row);
    }
    json_object_set_new(o, "rows", rows);
    return o;
}

/* ---- running ------------------------------------------------------------ */

static int scan_versions(ec_client *c, const top_args *a, bg_top_versions **out)
{
    bg_top_versions_config vc = {
        .grouping = a->group,
        .group = {.depth = a->depth, .k8s_prefix = a->k8s_prefix},
        .prefix = (const uint8_t *)a->prefix,
        .prefix_len = strlen(a->prefix),
        .capacity = a->capacity,
        .cancel = &interrupted,
    };
    ec_err err;
    if (bg_top_versions_scan(c, &vc, a->limit, out, &err) != 0) {
        bg_report(&err);
        return -1;
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int print_snapshot(bg_top_collector *tc, const top_args *a, bool clear, bg_top_snapshot **keep)
{
    bg_top_snapshot *s;
    ec_err err;
    if (bg_top_collector_snapshot(tc, a->group, a->window, a->by, a->limit, 0, &s, &err) != 0) {
        bg_report(&err);
        return -1;
    }
    if (a->json) {
        json_t *o = json_ranking(s, a);
        if (a->watch) {
            bg_print_json_line(o);
            json_decref(o);
        } else if (!keep) {
            bg_print_json(o);
        } else {
            json_decref(o); /* printed with the fallback section, if any */
        }
    } else {
        if (clear)
            fputs("\033[H\033[2J", stdout);
        else if (a->watch)
            putchar('\n');   /* one block per print */
        print_ranking(s, a);
    }
    fflush(stdout);
    if (keep)
        *keep = s;
    else
        bg_top_snapshot_free(s);
    return 0;
}

static int run_versions_only(ec_client *c, const top_args *a)
{
    bg_top_versions *v;
    if (scan_versions(c, a, &v) != 0)
        return BG_EXIT_FAIL;
    if (a->json)
        bg_print_json(json_versions(v, NULL));
    else
        print_versions(v, a, NULL);
    bg_top_versions_free(v);
    return BG_EXIT_OK;
}

static int collect(ec_client *c, const top_args *a)
{
    bg_top_collector_config cc = {
        .feed = {.groupings = BG_TOP_GROUPING_BIT(a->group),
                 .group = {.depth = a->depth, .k8s_prefix = a->k8s_prefix},
                 .capacity = a->capacity,
                 .assumed_span_ms = (int64_t)ec_rates_window_seconds(a->window) * 1000},
        .prefix = (const uint8_t *)a->prefix,
        .prefix_len = strlen(a->prefix),
        .history = a->history,
        .prev_kv = -1,
    };
    bg_top_collector *tc;
    ec_err err;
    if (bg_top_collector_new(c, &cc, &tc, &err) != 0 || bg_top_collector_start(tc, &err) != 0) {
        bg_report(&err);
        bg_top_collector_free(tc);
        return BG_EXIT_FAIL;
    }
    int start_ms = 3 * ec_client_command_timeout(c) + 1000;
    if (bg_top_collector_wait_started(tc, start_ms, &err) != 0) {
        bg_top_collector_free(tc);
        bg_report(&err);
        return BG_EXIT_FAIL;
    }
    int64_t t0 = bg_top_now_ms(), next_print = t0 + a->interval_ms;
    bool tty = isatty(STDOUT_FILENO) && !a->json;
    int rc = BG_EXIT_OK;
    while (!atomic_load(&interrupted)) {
        int64_t now = bg_top_now_ms();
        if (a->duration_ms && now - t0 >= a->duration_ms)
            break;
        if (a->watch && now >= next_print) {
            if (print_snapshot(tc, a, tty, NULL) != 0) {
                rc = BG_EXIT_FAIL;
                break;
            }
            next_print += a->interval_ms;
            if (next_print <= now)
                next_print = now + a->interval_ms;
        }
        sleep_ms(50);
    }
    bg_top_snapshot *s = NULL;
    bool final = rc == BG_EXIT_OK && (!a->watch || !atomic_load(&interrupted));
    if (final && print_snapshot(tc, a, tty, a->watch ? NULL : &s) != 0)
        rc = BG_EXIT_FAIL;
    bg_top_collector_stop(tc);
    if (s) {
        const bg_top_info *in = &s->info;
        double secs = (double)(s->now_ms - s->started_ms) / 1000.0;
        bool no_history = in->compacted || in->history_events == 0;
        bool quiet = (double)in->live_events < (secs > 1 ? secs : 1);
        bg_top_versions *v = NULL;
        const char *why = in->compacted ? "history compacted, live writes quiet" : "no history, live writes quiet";
        if (a->source == SRC_AUTO && no_history && quiet && !atomic_load(&interrupted) &&
            scan_versions(c, a, &v) != 0)
            rc = BG_EXIT_FAIL;
        if (a->json) {
            json_t *o = json_ranking(s, a);
            if (v)
                json_object_set_new(o, "versions", json_versions(v, why));
            bg_print_json(o);
        } else if (v) {
            print_versions(v, a, why);
        }
        if (s->state == BG_TOP_RETRYING) {
            bg_report(&s->last_error);
            rc = BG_EXIT_FAIL;
        }
        bg_top_versions_free(v);
        bg_top_snapshot_free(s);
    }
    bg_top_collector_free(tc);
    return rc;
}

int cmd_top(bg_ctx *ctx, int argc, char **argv)
{
    top_args a;
    memset(&a, 0, sizeof a);
    if (parse_args(&a, ctx, argc, argv) != 0)
        return BG_EXIT_USAGE;
    ec_client *c = bg_client(ctx);
    if (!c)
        return BG_EXIT_FAIL;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    atomic_store(&interrupted, 0);
    int rc = a.source == SRC_VERSIONS ? run_versions_only(c, &a) : collect(c, &a);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    fflush(stdout);
    return rc;
}
