#include "etcdclient/k8s/rfc3339.h"

#include <time.h>

/* Seconds of 0000-01-01 and 10000-01-01 UTC relative to the epoch. */
#define YEAR0_SECONDS (-62167219200LL)
#define YEAR10000_SECONDS 253402300800LL

/* Year, month, day of a count of days since 1970-01-01 (proleptic
 * Gregorian, in 400-year eras of 146097 days starting on March 1, so the
 * leap day ends the year). Done by hand: gmtime_r takes glibc's time zone
 * lock and snprintf is slow, and a delete plan formats these for every
 * object it describes. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468; /* days from 0000-03-01 to 1970-01-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static char *put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

size_t ec_k8s_time_format(int64_t seconds, int32_t nanos, char buf[EC_K8S_TIME_TEXT_MAX])
{
    if (seconds < YEAR0_SECONDS || seconds >= YEAR10000_SECONDS || nanos < 0 || nanos > 999999999)
        return 0;
    int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    int64_t sod = seconds - days * 86400; /* [0, 86399] */
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = buf;
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, sod / 3600, 2);
    *p++ = ':';
    p = put_digits(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, sod % 60, 2);
    if (nanos) {
        /* The fraction without trailing zeros, as Go's RFC3339Nano. */
        int width = 9;
        int32_t f = nanos;
        while (f % 10 == 0) {
            f /= 10;
            width--;
        }
        *p++ = '.';
        p = put_digits(p, f, width);
    }
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - buf);
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
