/* Connection set-up: endpoints, credentials checked with OpenSSL before gRPC
 * sees them (grpc_ssl_credentials_create accepts almost anything and a bad CA
 * would surface later as a vague UNAVAILABLE), channels, auth token. */
#include "etcdclient/client/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <grpc/grpc_security.h>
#include <grpc/support/log.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* Certificates expiring within this many days earn a warning. */
#define EXPIRY_WARN_DAYS 14

/* gRPC core logs to stderr by default; a library must not write to the
 * operator's terminal (a full-screen UI would be garbled). */
static void quiet_log(gpr_log_func_args *args) { (void)args; }

static pthread_once_t grpc_once = PTHREAD_ONCE_INIT;
static void grpc_quiet_init(void)
{
    gpr_set_log_function(quiet_log);
    gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

static void add_warning(ec_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(ec_client *c, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **w = realloc(c->warnings, (c->n_warnings + 2) * sizeof *w);
    if (!w)
        return;
    c->warnings = w;
    w[c->n_warnings] = strdup(line);
    if (w[c->n_warnings])
        c->n_warnings++;
    w[c->n_warnings] = NULL;
}

int ec_endpoint_parse(const char *url, bool insecure, ec_endpoint *ep, ec_err *err)
{
    memset(ep, 0, sizeof *ep);
    const char *p = url;
    if (strncmp(p, "https://", 8) == 0) {
        p += 8;
    } else if (strncmp(p, "http://", 7) == 0) {
        if (!insecure)
            return ec_fail(err, EC_E_INVALID,
                           "endpoint '%s' is plaintext http but TLS is the default: use https:// "
                           "or pass --insecure-transport",
                           url);
        p += 7;
    } else if (strstr(p, "://")) {
        return ec_fail(err, EC_E_INVALID, "endpoint '%s' has an unsupported scheme", url);
    }
    char host[256];
    const char *port_s;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (!e || (size_t)(e - p - 1) >= sizeof host || e[1] != ':')
            return ec_fail(err, EC_E_INVALID, "endpoint '%s' is not [ipv6]:port", url);
        memcpy(host, p + 1, (size_t)(e - p - 1));
        host[e - p - 1] = '\0';
        port_s = e + 2;
    } else {
        const char *colon = strrchr(p, ':');
        if (!colon || (size_t)(colon - p) >= sizeof host || colon == p)
            return ec_fail(err, EC_E_INVALID, "endpoint '%s' has no host:port", url);
        memcpy(host, p, (size_t)(colon - p));
        host[colon - p] = '\0';
        port_s = colon + 1;
    }
    char *end;
    long port = strtol(port_s, &end, 10);
    if (end == port_s || (*end && strcmp(end, "/") != 0) || port <= 0 || port > 65535)
        return ec_fail(err, EC_E_INVALID, "endpoint '%s' has no valid port", url);
    char target[300];
    if (strchr(host, ':'))
        snprintf(target, sizeof target, "ipv6:[%s]:%ld", host, port);
    else
        snprintf(target, sizeof target, "%s:%ld", host, port);
    ep->url = strdup(url);
    ep->host = strdup(host);
    ep->target = strdup(target);
    ep->port = (int)port;
    if (!ep->url || !ep->host || !ep->target) {
        ec_endpoint_clear(ep);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    return 0;
}

void ec_endpoint_clear(ec_endpoint *ep)
{
    if (ep->channel)
        grpc_channel_destroy(ep->channel);
    free(ep->url);
    free(ep->target);
    free(ep->host);
    memset(ep, 0, sizeof *ep);
}

/* Reads a whole (small) credentials file; what names it for messages. */
static int read_pem_file(const char *what, const char *path, char **out, ec_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ec_fail(err, errno == EACCES ? EC_E_PERMISSION : EC_E_CREDENTIALS,
                       "cannot read %s '%s': %s", what, path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            if (cap > (1u << 22)) {
                fclose(f);
                free(buf);
                return ec_fail(err, EC_E_CREDENTIALS, "%s '%s' is larger than 4 MiB: not a PEM file", what,
                               path);
            }
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                fclose(f);
                free(buf);
                return ec_fail(err, EC_E_NOMEM, "out of memory reading '%s'", path);
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr || !buf) {
        free(buf);
        return ec_fail(err, EC_E_CREDENTIALS, "cannot read %s '%s': %s", what, path,
                       rerr ? "read error" : "file is empty");
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

static void format_asn1_time(const ASN1_TIME *t, char *out, size_t n)
{
    struct tm tm;
    if (ASN1_TIME_to_tm(t, &tm) == 1)
        strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
    else
        snprintf(out, n, "(unreadable date)");
}

/* Days from now until t (negative when past). */
static int days_until(const ASN1_TIME *t)
{
    int days = 0, secs = 0;
    if (!ASN1_TIME_diff(&days, &secs, NULL, t))
        return 0;
    return days;
}

static int check_cert_dates(ec_client *c, const char *what, const char *path, X509 *x, ec_err *err)
{
    char when[64];
    if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
        format_asn1_time(X509_get0_notAfter(x), when, sizeof when);
        return ec_fail(err, EC_E_CREDENTIALS, "%s '%s' expired on %s", what, path, when);
    }
    if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
        format_asn1_time(X509_get0_notBefore(x), when, sizeof when);
        return ec_fail(err, EC_E_CREDENTIALS, "%s '%s' is not valid before %s (check the clock)", what,
                       path, when);
    }
    int d = days_until(X509_get0_notAfter(x));
    if (d < EXPIRY_WARN_DAYS) {
        format_asn1_time(X509_get0_notAfter(x), when, sizeof when);
        add_warning(c, "%s '%s' expires in %d day%s (%s)", what, path, d, d == 1 ? "" : "s", when);
    }
    return 0;
}

static int check_ca(ec_client *c, ec_err *err)
{
    BIO *bio = BIO_new_mem_buf(c->creds.ca_pem, -1);
    if (!bio)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    int n = 0, rc = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (n == 0 && X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
            char when[64];
            format_asn1_time(X509_get0_notAfter(x), when, sizeof when);
            rc = ec_fail(err, EC_E_CREDENTIALS, "CA certificate '%s' expired on %s", c->ca_path, when);
        }
        X509_free(x);
        n++;
    }
    ERR_clear_error();
    BIO_free(bio);
    if (rc)
        return rc;
    if (n == 0)
        return ec_fail(err, EC_E_CREDENTIALS, "CA file '%s' holds no PEM certificate", c->ca_path);
    return 0;
}

static int check_cert_and_key(ec_client *c, ec_err *err)
{
    int rc = -1;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    BIO *cb = BIO_new_mem_buf(c->creds.cert_pem, -1);
    BIO *kb = BIO_new_mem_buf(c->creds.key_pem, -1);
    if (!cb || !kb) {
        ec_fail(err, EC_E_NOMEM, "out of memory");
        goto out;
    }
    x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    if (!x) {
        ec_fail(err, EC_E_CREDENTIALS, "client certificate '%s' is not a PEM certificate", c->cert_path);
        goto out;
    }
    k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    if (!k) {
        ec_fail(err, EC_E_CREDENTIALS,
                "client key '%s' is not an unencrypted PEM private key", c->key_path);
        goto out;
    }
    if (X509_check_private_key(x, k) != 1) {
        ec_fail(err, EC_E_CREDENTIALS, "client key '%s' does not match certificate '%s'", c->key_path,
                c->cert_path);
        goto out;
    }
    if (check_cert_dates(c, "client certificate", c->cert_path, x, err) != 0)
        goto out;
    rc = 0;
out:
    ERR_clear_error();
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(cb);
    BIO_free(kb);
    return rc;
}

static int load_credentials(ec_client *c, const ec_config *cfg, ec_err *err)
{
    c->creds.tls = !cfg->insecure_transport;
    if (!c->creds.tls)
        return 0;
    if ((cfg->cert && !cfg->key) || (!cfg->cert && cfg->key))
        return ec_fail(err, EC_E_INVALID, "%s", cfg->cert ? "--cert given without --key" : "--key given without --cert");
    if (cfg->cacert) {
        if (read_pem_file("CA file", cfg->cacert, &c->creds.ca_pem, err) != 0)
            return -1;
        if (check_ca(c, err) != 0)
            return -1;
    }
    if (cfg->cert) {
        if (read_pem_file("client certificate", cfg->cert, &c->creds.cert_pem, err) != 0)
            return -1;
        struct stat st;
        if (stat(cfg->key, &st) == 0 && (st.st_mode & 077))
            add_warning(c, "client key '%s' is readable by %s (mode %04o): chmod 600 it", cfg->key,
                        (st.st_mode & 004) ? "everyone" : "its group", (unsigned)(st.st_mode & 07777));
        if (read_pem_file("client key", cfg->key, &c->creds.key_pem, err) != 0)
            return -1;
        if (check_cert_and_key(c, err) != 0)
            return -1;
    }
    grpc_ssl_pem_key_cert_pair pair = {c->creds.key_pem, c->creds.cert_pem};
    c->chan_creds = grpc_ssl_credentials_create(c->creds.ca_pem, cfg->cert ? &pair : NULL, NULL, NULL);
    if (!c->chan_creds)
        return ec_fail(err, EC_E_CREDENTIALS, "gRPC refused the TLS credentials");
    return 0;
}

ec_client *ec_client_new(const ec_config *cfg, ec_err *err)
{
    pthread_once(&grpc_once, grpc_quiet_init);
    if (!cfg || cfg->n_endpoints == 0) {
        ec_fail(err, EC_E_INVALID, "no endpoint given: pass --endpoints");
        return NULL;
    }
    ec_client *c = calloc(1, sizeof *c);
    if (!c) {
        ec_fail(err, EC_E_NOMEM, "out of memory");
        return NULL;
    }
    grpc_init();
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->limit_lock, NULL);
    c->dial_timeout_ms = cfg->dial_timeout_ms > 0 ? cfg->dial_timeout_ms : 2000;
    c->command_timeout_ms = cfg->command_timeout_ms > 0 ? cfg->command_timeout_ms : 5000;
    if (cfg->max_requests_per_s < 0 || cfg->max_bytes_per_s < 0) {
        ec_fail(err, EC_E_INVALID, "rate limit is negative: use 0 for unlimited");
        goto fail;
    }
    if (cfg->consistency != EC_CONSISTENCY_SERIALIZABLE && cfg->consistency != EC_CONSISTENCY_LINEARIZABLE) {
        ec_fail(err, EC_E_INVALID, "unknown read consistency %d", (int)cfg->consistency);
        goto fail;
    }
    c->consistency = cfg->consistency;
    /* Capacity of one second's worth: a short burst (the console opening a
     * screen) goes out at once, a long scan settles at the rate. */
    int64_t now = ec_now_us();
    double rq = (double)cfg->max_requests_per_s;
    ec_bucket_init(&c->req_bucket, rq, rq < 1 ? 1 : rq, now);
    ec_bucket_init(&c->byte_bucket, (double)cfg->max_bytes_per_s, (double)cfg->max_bytes_per_s, now);
    c->stats.request_burst = c->req_bucket.rate > 0 ? c->req_bucket.burst : 0;
    c->stats.byte_burst = c->byte_bucket.burst;
    c->ca_path = xstrdup(cfg->cacert);
    c->cert_path = xstrdup(cfg->cert);
    c->key_path = xstrdup(cfg->key);
    c->creds.ca_path = c->ca_path;
    c->creds.cert_path = c->cert_path;
    c->creds.key_path = c->key_path;
    /* Fixed capacity: member URLs learnt later are added in place, so other
     * threads never see the array move. */
    c->cap_eps = cfg->n_endpoints + EC_EXTRA_ENDPOINTS;
    c->eps = calloc(c->cap_eps, sizeof *c->eps);
    if (!c->eps) {
        ec_fail(err, EC_E_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->n_endpoints; i++) {
        if (ec_endpoint_parse(cfg->endpoints[i], cfg->insecure_transport, &c->eps[i], err) != 0)
            goto fail;
        c->n_eps++;
    }
    c->n_configured = c->n_eps;
    if (load_credentials(c, cfg, err) != 0)
        goto fail;
    if (cfg->user) {
        const char *colon = strchr(cfg->user, ':');
        if (colon && !cfg->password) {
            c->user = strndup(cfg->user, (size_t)(colon - cfg->user));
            c->password = strdup(colon + 1);
        } else {
            c->user = strdup(cfg->user);
            c->password = xstrdup(cfg->password ? cfg->password : "");
        }
    }
    return c;
fail:
    ec_client_free(c);
    return NULL;
}

void ec_client_free(ec_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_eps; i++)
        ec_endpoint_clear(&c->eps[i]);
    free(c->eps);
    if (c->chan_creds)
        grpc_channel_credentials_release(c->chan_creds);
    free(c->creds.ca_pem);
    free(c->creds.cert_pem);
    if (c->creds.key_pem) {
        /* Private key material: wipe before giving the memory back. */
        memset(c->creds.key_pem, 0, strlen(c->creds.key_pem));
        free(c->creds.key_pem);
    }
    free(c->ca_path);
    free(c->cert_path);
    free(c->key_path);
    free(c->user);
    if (c->password) {
        memset(c->password, 0, strlen(c->password));
        free(c->password);
    }
    free(c->token);
    for (size_t i = 0; i < c->n_warnings; i++)
        free(c->warnings[i]);
    free(c->warnings);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->limit_lock);
    free(c);
    grpc_shutdown();
}

const char *const *ec_client_warnings(const ec_client *c)
{
    static const char *const none[] = {NULL};
    return c->warnings ? (const char *const *)c->warnings : none;
}

const char *ec_client_endpoint(const ec_client *c)
{
    return c->eps[atomic_load(&((ec_client *)c)->current)].url;
}

int64_t ec_client_last_rtt_us(const ec_client *c) { return atomic_load(&((ec_client *)c)->last_rtt_us); }
int ec_client_command_timeout(const ec_client *c) { return c->command_timeout_ms; }
ec_consistency ec_client_consistency(const ec_client *c) { return c->consistency; }

void ec_client_stats_get(const ec_client *c, ec_client_stats *out)
{
    ec_client *mc = (ec_client *)c; /* the lock, not the stats, changes */
    pthread_mutex_lock(&mc->limit_lock);
    *out = c->stats;
    pthread_mutex_unlock(&mc->limit_lock);
}

grpc_channel *ec_channel_get(ec_client *c, size_t i)
{
    pthread_mutex_lock(&c->lock);
    ec_endpoint *ep = &c->eps[i];
    if (!ep->channel) {
        grpc_arg args[] = {
            /* etcd may answer with far more than gRPC's 4 MiB default. */
            {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, .value.integer = -1},
            {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, .value.integer = -1},
            /* Keep reconnects prompt so failover and recovery are quick. */
            {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, .value.integer = 200},
            {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, .value.integer = 200},
            {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, .value.integer = 2000},
            /* Detect a frozen member on an idle connection; etcd permits pings
             * every 5 s (--grpc-keepalive-min-time). */
            {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_KEEPALIVE_TIME_MS, .value.integer = 10000},
            {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_KEEPALIVE_TIMEOUT_MS, .value.integer = 5000},
            /* Separate channels per endpoint must not share a subchannel. */
            {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, .value.integer = 1},
        };
        grpc_channel_args chargs = {sizeof args / sizeof args[0], args};
        grpc_channel_credentials *cr = c->chan_creds;
        grpc_channel_credentials *insecure = NULL;
        if (!cr)
            cr = insecure = grpc_insecure_credentials_create();
        ep->channel = grpc_channel_create(ep->target, cr, &chargs);
        if (insecure)
            grpc_channel_credentials_release(insecure);
    }
    grpc_channel *ch = ep->channel;
    pthread_mutex_unlock(&c->lock);
    return ch;
}

int ec_endpoint_index(ec_client *c, const char *url, size_t *idx, ec_err *err)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_eps; i++) {
        if (strcmp(c->eps[i].url, url) == 0) {
            *idx = i;
            pthread_mutex_unlock(&c->lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&c->lock);
    ec_endpoint ep;
    if (ec_endpoint_parse(url, !c->creds.tls, &ep, err) != 0)
        return -1;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_eps; i++) { /* added meanwhile by another thread */
        if (strcmp(c->eps[i].url, url) == 0) {
            *idx = i;
            pthread_mutex_unlock(&c->lock);
            ec_endpoint_clear(&ep);
            return 0;
        }
    }
    if (c->n_eps == c->cap_eps) {
        pthread_mutex_unlock(&c->lock);
        ec_endpoint_clear(&ep);
        return ec_fail(err, EC_E_INVALID, "too many distinct endpoints (more than %zu)", c->cap_eps);
    }
    c->eps[c->n_eps] = ep;
    *idx = c->n_eps++;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

void ec_failover(ec_client *c, size_t failed)
{
    size_t next = (failed + 1) % c->n_configured;
    size_t expect = failed;
    atomic_compare_exchange_strong(&c->current, &expect, next);
}
