/* Kubernetes timestamps: metav1.Time {seconds 1, nanos 2} in protobuf,
 * RFC 3339 text in JSON ("2008-01-01T01:01:01Z"). */
#ifndef EC_K8S_RFC3339_H
#define EC_K8S_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define EC_K8S_TIME_TEXT_MAX 40

/* Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds: what
 * Kubernetes writes to protobuf for an unset metav1.Time, and what its JSON
 * shows as null. Treated as "no time". */
#define EC_K8S_GO_ZERO_TIME (-62135596800LL)

/* Writes "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC; fraction without trailing
 * zeros, as Go's RFC3339Nano) into buf and returns its length, or 0 when the
 * time is outside years 0000..9999 or nanos is outside 0..999999999. */
size_t ec_k8s_time_format(int64_t seconds, int32_t nanos, char buf[EC_K8S_TIME_TEXT_MAX]);

/* Parses RFC 3339 text ("2008-01-01T01:01:01Z", "...01.5+02:00").
 * Returns 0 and fills seconds/nanos (UTC), or -1. */
int ec_k8s_time_parse(const uint8_t *s, size_t len, int64_t *seconds, int32_t *nanos);

#endif
