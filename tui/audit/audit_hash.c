/* The canonical form of a record, its SHA-256 hash and HMAC, and the HMAC
 * key file. */
#include "tui/audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "etcdclient/util/escape.h"

char *audit_esc(const char *s, char *out, size_t outsz)
{
    if (outsz == 0)
        return out;
    out[0] = '\0';
    if (!s)
        return out;
    char *e = ec_escape_dup((const uint8_t *)s, strlen(s));
    if (!e)
        return out;
    size_t n = strlen(e);
    if (n >= outsz) {
        /* Cut on a byte boundary of the escaped text: it is ASCII or whole
         * UTF-8 characters; back up over continuation bytes. */
        n = outsz - 1;
        while (n > 0 && ((unsigned char)e[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, e, n);
    out[n] = '\0';
    free(e);
    return out;
}

const char *audit_rec_str(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int audit_rec_int(const json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!json_is_integer(v))
        return -1;
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int audit_is_hex64(const char *s)
{
    if (!s)
        return 0;
    for (int i = 0; i < AUDIT_HASH_HEX; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[AUDIT_HASH_HEX] == '\0';
}

char *audit_canonical(json_t *rec, size_t *len)
{
    /* A shallow copy shares the values; only the top level loses the two
     * fields that cannot be part of what they protect. */
    json_t *c = json_copy(rec);
    if (!c)
        return NULL;
    json_object_del(c, "hash");
    json_object_del(c, "hmac");
    char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(c);
    if (s && len)
        *len = strlen(s);
    return s;
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = '\0';
}

int audit_record_hash(json_t *rec, const audit_key *key, char hash_hex[AUDIT_HASH_HEX + 1],
                      char hmac_hex[AUDIT_HASH_HEX + 1], ec_err *err)
{
    if (!json_is_object(rec))
        return ec_fail(err, EC_E_INVALID, "cannot hash audit record: not a JSON object");
    size_t len;
    char *s = audit_canonical(rec, &len);
    if (!s)
        return ec_fail(err, EC_E_NOMEM, "cannot serialize audit record: out of memory");
    int rc = audit_canonical_hash(s, len, key, hash_hex, hmac_hex, err);
    free(s);
    return rc;
}

int audit_canonical_hash(const char *s, size_t len, const audit_key *key, char hash_hex[AUDIT_HASH_HEX + 1],
                         char hmac_hex[AUDIT_HASH_HEX + 1], ec_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return ec_fail(err, EC_E_INTERNAL, "cannot compute SHA-256 of audit record");
    to_hex(md, 32, hash_hex);
    if (key && hmac_hex) {
        unsigned int maclen = 0;
        if (!HMAC(EVP_sha256(), key->bytes, (int)key->len, (const unsigned char *)s, len, md, &maclen) ||
            maclen != 32)
            return ec_fail(err, EC_E_INTERNAL, "cannot compute HMAC-SHA256 of audit record");
        to_hex(md, 32, hmac_hex);
    } else if (hmac_hex) {
        hmac_hex[0] = '\0';
    }
    return 0;
}

struct audit_hasher {
    EVP_MD_CTX *md;
    EVP_MAC *mac;
    EVP_MAC_CTX *mctx;      /* NULL without a key */
};

void audit_hasher_free(audit_hasher *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->md);
    EVP_MAC_CTX_free(h->mctx);
    EVP_MAC_free(h->mac);
    free(h);
}

audit_hasher *audit_hasher_new(const audit_key *key, ec_err *err)
{
    audit_hasher *h = calloc(1, sizeof *h);
    if (!h) {
        ec_fail(err, EC_E_NOMEM, "cannot hash audit record: out of memory");
        return NULL;
    }
    h->md = EVP_MD_CTX_new();
    int ok = h->md && EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) == 1;
    if (ok && key) {
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
        h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        h->mctx = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
        ok = h->mctx && EVP_MAC_init(h->mctx, key->bytes, key->len, params) == 1;
    }
    if (!ok) {
        audit_hasher_free(h);
        ec_fail(err, EC_E_INTERNAL, "cannot set up SHA-256%s for the audit record", key ? "/HMAC" : "");
        return NULL;
    }
    return h;
}

int audit_hasher_update(audit_hasher *h, const void *p, size_t n)
{
    if (EVP_DigestUpdate(h->md, p, n) != 1)
        return -1;
    return h->mctx && EVP_MAC_update(h->mctx, p, n) != 1 ? -1 : 0;
}

int audit_hasher_final(audit_hasher *h, char hash_hex[AUDIT_HASH_HEX + 1], char hmac_hex[AUDIT_HASH_HEX + 1],
                       ec_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_DigestFinal_ex(h->md, md, &mdlen) != 1 || mdlen != 32)
        return ec_fail(err, EC_E_INTERNAL, "cannot compute SHA-256 of audit record");
    to_hex(md, 32, hash_hex);
    if (h->mctx && hmac_hex) {
        size_t maclen = 0;
        if (EVP_MAC_final(h->mctx, md, &maclen, sizeof md) != 1 || maclen != 32)
            return ec_fail(err, EC_E_INTERNAL, "cannot compute HMAC-SHA256 of audit record");
        to_hex(md, 32, hmac_hex);
    } else if (hmac_hex) {
        hmac_hex[0] = '\0';
    }
    return 0;
}

int audit_key_set(audit_key *key, const void *bytes, size_t len, ec_err *err)
{
    key->bytes = NULL;
    key->len = 0;
    if (len < AUDIT_KEY_MIN || len > AUDIT_KEY_MAX)
        return ec_fail(err, EC_E_INVALID, "audit hmac key has %zu bytes, expected %d to %d", len,
                       AUDIT_KEY_MIN, AUDIT_KEY_MAX);
    key->bytes = malloc(len);
    if (!key->bytes)
        return ec_fail(err, EC_E_NOMEM, "cannot load audit hmac key: out of memory");
    memcpy(key->bytes, bytes, len);
    key->len = len;
    return 0;
}

void audit_key_free(audit_key *key)
{
    if (!key)
        return;
    if (key->bytes)
        OPENSSL_cleanse(key->bytes, key->len);
    free(key->bytes);
    key->bytes = NULL;
    key->len = 0;
}

int audit_key_load(audit_key *key, const char *path, ec_err *err)
{
    char ep[256];
    key->bytes = NULL;
    key->len = 0;
    audit_esc(path, ep, sizeof ep);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        return ec_fail(err, e == ENOENT ? EC_E_NOT_FOUND : e == EACCES ? EC_E_PERMISSION : EC_E_IO,
                       "cannot open audit hmac key file '%s': %s", ep, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ec_fail(err, EC_E_INVALID, "audit hmac key file '%s' is not a regular file", ep);
    }
    if (st.st_mode & 077) {
        close(fd);
        return ec_fail(err, EC_E_PERMISSION,
                       "audit hmac key file '%s' is open to group or others (mode %04o); "
                       "run 'chmod 600 %s'", ep, (unsigned)(st.st_mode & 07777), ep);
    }
    /* Read one byte more than allowed (plus a newline) to see a too long file. */
    uint8_t buf[AUDIT_KEY_MAX + 3];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            OPENSSL_cleanse(buf, sizeof buf);
            return ec_fail(err, EC_E_IO, "cannot read audit hmac key file '%s': %s", ep, strerror(e));
        }
        if (r == 0 || (n += (size_t)r) == sizeof buf)
            break;
    }
    close(fd);
    if (n > 0 && buf[n - 1] == '\n') {
        n--;
        if (n > 0 && buf[n - 1] == '\r')
            n--;
    }
    int rc = 0;
    if (n < AUDIT_KEY_MIN || n > AUDIT_KEY_MAX)
        rc = ec_fail(err, EC_E_INVALID, "audit hmac key file '%s' must hold %d to %d bytes; "
                     "make one with 'openssl rand -hex 32 > %s'", ep, AUDIT_KEY_MIN, AUDIT_KEY_MAX, ep);
    else
        rc = audit_key_set(key, buf, n, err);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}
