/* Why can an endpoint not be used? gRPC reports "UNAVAILABLE" or a deadline
 * for a wrong CA, a rejected client certificate, a missing certificate and a
 * closed port alike (etcdctl says "context deadline exceeded" for all four).
 * One TCP connect and TLS handshake made with OpenSSL tell them apart. */
#include "etcdclient/client/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, left);
        if (n < 0 && errno == EINTR)
            continue;
        return n;
    }
}

static int tcp_connect(const ec_endpoint *ep, int64_t deadline, int *fd_out, ec_err *err)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    char port[16];
    snprintf(port, sizeof port, "%d", ep->port);
    int gai = getaddrinfo(ep->host, port, &hints, &res);
    if (gai != 0)
        return ec_fail(err, EC_E_UNREACHABLE, "cannot resolve host of '%s': %s", ep->url, gai_strerror(gai));
    int rc = -1, last_errno = 0;
    for (struct addrinfo *ai = res; ai && rc != 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            last_errno = errno;
            close(fd);
            continue;
        }
        if (wait_fd(fd, POLLOUT, deadline) <= 0) {
            last_errno = ETIMEDOUT;
            close(fd);
            continue;
        }
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr != 0) {
            last_errno = soerr;
            close(fd);
            continue;
        }
        *fd_out = fd;
        rc = 0;
    }
    freeaddrinfo(res);
    if (rc == 0)
        return 0;
    if (last_errno == ECONNREFUSED)
        return ec_fail(err, EC_E_UNREACHABLE, "connection to '%s' refused: nothing listens there", ep->url);
    if (last_errno == ETIMEDOUT)
        return ec_fail(err, EC_E_UNREACHABLE, "no answer from '%s' within the dial timeout", ep->url);
    return ec_fail(err, EC_E_UNREACHABLE, "cannot connect to '%s': %s", ep->url, strerror(last_errno));
}

/* Maps the reason of a failed handshake (alert received from etcd, or our
 * own verification) to an error class and message. */
static int classify_ssl_failure(SSL *ssl, const ec_endpoint *ep, const ec_creds *cr, ec_err *err)
{
    long vr = SSL_get_verify_result(ssl);
    unsigned long e = ERR_peek_error();
    int reason = ERR_GET_REASON(e);
    char ebuf[256];
    ERR_error_string_n(e, ebuf, sizeof ebuf);
    if (vr != X509_V_OK) {
        if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
            return ec_fail(err, EC_E_TLS_HANDSHAKE, "server certificate of '%s' is not valid for '%s'", ep->url,
                           ep->host);
        if (vr == X509_V_ERR_CERT_HAS_EXPIRED)
            return ec_fail(err, EC_E_TLS_SERVER_UNTRUSTED, "server certificate of '%s' has expired", ep->url);
        return ec_fail(err, EC_E_TLS_SERVER_UNTRUSTED, "server certificate of '%s' is not signed by CA '%s' (%s)",
                       ep->url, cr->ca_path ? cr->ca_path : "(system default)",
                       X509_verify_cert_error_string(vr));
    }
    switch (reason) {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        return ec_fail(err, EC_E_TLS_CLIENT_REQUIRED,
                       "'%s' requires a client certificate and none was given", ep->url);
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
        if (!cr->cert_path)
            return ec_fail(err, EC_E_TLS_CLIENT_REQUIRED,
                           "'%s' requires a client certificate and none was given", ep->url);
        return ec_fail(err, EC_E_TLS_CLIENT_REJECTED,
                       "'%s' rejected client certificate '%s': not signed by a CA etcd trusts", ep->url,
                       cr->cert_path);
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
        return ec_fail(err, EC_E_TLS_CLIENT_REJECTED, "'%s' rejected client certificate '%s' as expired", ep->url,
                       cr->cert_path ? cr->cert_path : "");
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
        return ec_fail(err, EC_E_TLS_HANDSHAKE, "'%s' does not speak TLS (plaintext etcd? use http:// with "
                       "--insecure-transport)", ep->url);
    default:
        return ec_fail(err, EC_E_TLS_HANDSHAKE, "TLS handshake with '%s' failed: %s", ep->url, ebuf);
    }
}

static SSL_CTX *make_ctx(const ec_creds *cr, ec_err *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        ec_fail(err, EC_E_NOMEM, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    if (cr->ca_pem) {
        BIO *b = BIO_new_mem_buf(cr->ca_pem, -1);
        X509 *x;
        while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
            X509_STORE_add_cert(store, x);
            X509_free(x);
        }
        BIO_free(b);
    } else {
        SSL_CTX_set_default_verify_paths(ctx);
    }
    if (cr->cert_pem && cr->key_pem) {
        BIO *cb = BIO_new_mem_buf(cr->cert_pem, -1);
        BIO *kb = BIO_new_mem_buf(cr->key_pem, -1);
        X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
        EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
        if (x && k) {
            SSL_CTX_use_certificate(ctx, x);
            SSL_CTX_use_PrivateKey(ctx, k);
        }
        X509_free(x);
        EVP_PKEY_free(k);
        BIO_free(cb);
        BIO_free(kb);
    }
    static const unsigned char alpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
    ERR_clear_error();
    return ctx;
}

int ec_tls_probe(const ec_endpoint *ep, const ec_creds *cr, int timeout_ms, ec_err *err)
{
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 2000);
    int fd = -1;
    if (tcp_connect(ep, deadline, &fd, err) != 0)
        return -1;
    if (!cr->tls) {
        close(fd);
        return 0;
    }
    int rc = -1;
    SSL_CTX *ctx = make_ctx(cr, err);
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    if (!ssl) {
        if (ctx)
            ec_fail(err, EC_E_NOMEM, "cannot create a TLS session");
        goto out;
    }
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, ep->host);
    SSL_set1_host(ssl, ep->host);
    ERR_clear_error();
    for (;;) {
        int r = SSL_connect(ssl);
        if (r == 1)
            break;
        int se = SSL_get_error(ssl, r);
        if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
            if (wait_fd(fd, se == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) <= 0) {
                ec_fail(err, EC_E_DEADLINE,
                        "'%s' accepted the connection but did not complete the TLS handshake within %d ms "
                        "(etcd stopped, paused or overloaded?)",
                        ep->url, timeout_ms);
                goto out;
            }
            continue;
        }
        if (se == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
            ec_fail(err, EC_E_TLS_HANDSHAKE, "'%s' closed the connection during the TLS handshake", ep->url);
            goto out;
        }
        classify_ssl_failure(ssl, ep, cr, err);
        goto out;
    }
    /* With TLS 1.3 the server checks our certificate after the handshake and
     * answers a bad one with an alert on the next read. Send the HTTP/2
     * preface and an empty SETTINGS frame: a healthy etcd answers with its
     * own SETTINGS, a rejecting one with the alert. */
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    size_t off = 0, plen = sizeof preface - 1;
    while (off < plen) {
        int w = SSL_write(ssl, preface + off, (int)(plen - off));
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        int se = SSL_get_error(ssl, w);
        if ((se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) &&
            wait_fd(fd, se == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) > 0)
            continue;
        break;
    }
    for (;;) {
        char buf[256];
        ERR_clear_error();
        int r = SSL_read(ssl, buf, sizeof buf);
        if (r > 0) {
            rc = 0; /* etcd spoke HTTP/2 to us: TLS is fine */
            break;
        }
        int se = SSL_get_error(ssl, r);
        if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
            if (wait_fd(fd, se == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) <= 0) {
                ec_fail(err, EC_E_DEADLINE,
                        "'%s' completed the TLS handshake but did not answer within %d ms (etcd paused or "
                        "overloaded?)",
                        ep->url, timeout_ms);
                break;
            }
            continue;
        }
        if (se == SSL_ERROR_SSL) {
            classify_ssl_failure(ssl, ep, cr, err);
            break;
        }
        ec_fail(err, EC_E_TLS_HANDSHAKE, "'%s' closed the connection right after the TLS handshake", ep->url);
        break;
    }
out:
    ERR_clear_error();
    if (ssl)
        SSL_free(ssl);
    if (ctx)
        SSL_CTX_free(ctx);
    if (fd >= 0)
        close(fd);
    return rc;
}
