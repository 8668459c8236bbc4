/* A slice of bytes that this module does not own: a pointer and a length
 * into a key or value the caller holds (or into a static string). Never
 * NUL-terminated; valid only as long as the bytes it points into. */
#ifndef EC_K8S_VIEW_H
#define EC_K8S_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ec_k8s_view {
    const uint8_t *p;   /* NULL when empty or absent */
    size_t len;
} ec_k8s_view;

static inline ec_k8s_view ec_k8s_view_make(const void *p, size_t len)
{
    ec_k8s_view v = {(const uint8_t *)p, len};
    return v;
}

/* True when v holds exactly the C string s. */
static inline int ec_k8s_view_eq(ec_k8s_view v, const char *s)
{
    size_t n = strlen(s);
    return v.len == n && (n == 0 || memcmp(v.p, s, n) == 0);
}

#endif
