/* base64 (RFC 4648 section 4, padded), strict on decode so that every byte
 * string has exactly one encoding: pre-image keys can then be compared as
 * their base64 text. */
#include "tui/audit/audit_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Every 12 bits -> their two characters: half the lookups of the plain
 * loop, for the megabytes of pre-images in a delete intent. */
static char pairs[4096][2];
static pthread_once_t pairs_once = PTHREAD_ONCE_INIT;

static void pairs_init(void)
{
    for (int i = 0; i < 4096; i++) {
        pairs[i][0] = alphabet[i >> 6];
        pairs[i][1] = alphabet[i & 63];
    }
}

size_t audit_b64_encode_to(char *out, const void *data, size_t len)
{
    pthread_once(&pairs_once, pairs_init);
    const uint8_t *in = data;
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        memcpy(out + o, pairs[v >> 12], 2);
        memcpy(out + o + 2, pairs[v & 4095], 2);
        o += 4;
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    return o;
}

char *audit_b64_encode(const void *data, size_t len)
{
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    size_t olen = (len + 2) / 3 * 4;
    char *out = malloc(olen + 1);
    if (!out)
        return NULL;
    out[audit_b64_encode_to(out, data, len)] = '\0';
    return out;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int audit_b64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (slen % 4 != 0)
        return -1;
    size_t pad = 0;
    if (slen >= 4 && s[slen - 1] == '=')
        pad = s[slen - 2] == '=' ? 2 : 1;
    size_t n = slen / 4 * 3 - pad;
    uint8_t *buf = malloc(n + 1);
    if (!buf)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < slen; i += 4) {
        int last = i + 4 == slen;
        int v[4];
        for (int k = 0; k < 4; k++) {
            /* '=' only as the padding of the last quantum. */
            if (last && s[i + k] == '=' && k >= 4 - (int)pad) {
                v[k] = 0;
                continue;
            }
            v[k] = b64_value((unsigned char)s[i + k]);
            if (v[k] < 0)
                goto bad;
        }
        uint32_t q = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        buf[o++] = (uint8_t)(q >> 16);
        if (!(last && pad == 2))
            buf[o++] = (uint8_t)(q >> 8);
        else if (q & 0xFFFF)
            goto bad;          /* non-zero unused bits: not canonical */
        if (!(last && pad >= 1))
            buf[o++] = (uint8_t)q;
        else if (pad == 1 && (q & 0xFF))
            goto bad;
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return 0;
bad:
    free(buf);
    return -1;
}
