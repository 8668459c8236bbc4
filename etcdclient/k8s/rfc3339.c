#include "etcdclient/k8s/rfc3339.h"

#include <stdio.h>
#include <time.h>

/* Seconds of 0000-01-01 and 10000-01-01 UTC relative to the epoch. */
#define YEAR0_SECONDS (-62167219200LL)
#define YEAR10000_SECONDS 253402300800LL

size_t ec_k8s_time_format(int64_t seconds, int32_t nanos, char buf[EC_K8S_TIME_TEXT_MAX])
{
    if (seconds < YEAR0_SECONDS || seconds >= YEAR10000_SECONDS || nanos < 0 || nanos > 999999999)
        return 0;
    time_t t = (time_t)seconds;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return 0;
    int n = snprintf(buf, EC_K8S_TIME_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0 || n >= EC_K8S_TIME_TEXT_MAX - 12)
        return 0;
    if (nanos) {
        char frac[11];
        snprintf(frac, sizeof frac, ".%09d", (int)nanos);
        int fl = 10;
        while (frac[fl - 1] == '0')
            fl--;
        for (int i = 0; i < fl; i++)
            buf[n++] = frac[i];
    }
    buf[n++] = 'Z';
    buf[n] = '\0';
    return (size_t)n;
}

static int digits(const uint8_t *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int ec_k8s_time_parse(const uint8_t *s, size_t len, int64_t *seconds, int32_t *nanos)
{
    int Y, M, D, h, m, sec;
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    if (digits(s, 4, &Y) || digits(s + 5, 2, &M) || digits(s + 8, 2, &D) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &m) || digits(s + 17, 2, &sec))
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 60)
        return -1;
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M == 2 && D == 29 && !leap)
        return -1;
    size_t i = 19;
    int32_t ns = 0;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (i - start < 9)
                ns = ns * 10 + (s[i] - '0');
            i++;
        }
        if (i == start)
            return -1;
        for (size_t k = i - start; k < 9; k++)
            ns *= 10;
    }
    int offset = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh, om;
        if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return -1;
    }
    if (i != len)
        return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *seconds = (int64_t)t - offset;
    *nanos = ns;
    return 0;
}
