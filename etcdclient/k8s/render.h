/* Showing a value to a person (the console's value viewer, `get KEY`) and
 * to a script (`get KEY --json`).
 *
 * The text form is line-oriented so the console can scroll and search it:
 *   k8s-protobuf: a header (encoding, apiVersion, kind, every ObjectMeta
 *     field) and then the object as a protobuf field tree ("2: message, 20
 *     bytes", nested fields indented), with length-delimited fields shown as
 *     nested messages, quoted strings or short hex by heuristic;
 *   json: pretty-printed with jansson (two-space indent);
 *   encrypted: a notice with provider, key name and sizes;
 *   text: the lines of the value; binary: a hex dump (offset, 16 bytes,
 *     ASCII column); a damaged protobuf value: the error, then a hex dump.
 * Every byte taken from the value passes through ec_escape_append (or, for
 * JSON, is \u-escaped where the terminal could be hijacked), so the output
 * is safe to print. */
#ifndef EC_K8S_RENDER_H
#define EC_K8S_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "etcdclient/error.h"
#include "etcdclient/k8s/decode.h"
#include "etcdclient/util/buf.h"

#define EC_K8S_RENDER_MAX_LINES 100000
#define EC_K8S_RENDER_MAX_BYTES ((size_t)8 << 20)
#define EC_K8S_RENDER_MAX_LINE ((size_t)64 << 10)

typedef struct ec_k8s_render_opts {
    size_t max_lines;       /* 0: EC_K8S_RENDER_MAX_LINES */
    size_t max_bytes;       /* 0: EC_K8S_RENDER_MAX_BYTES (output, not value, bytes) */
    size_t max_line;        /* 0: EC_K8S_RENDER_MAX_LINE; longer lines are shortened */
} ec_k8s_render_opts;

/* Appends the text form of v[0..len) to out, each line ending in '\n'.
 * When a limit is reached the output stops and a last line says so:
 * "[output cut: ...]". opts may be NULL. Returns 0, or -1 with EC_E_NOMEM
 * when memory ran out. */
int ec_k8s_render_text(const uint8_t *v, size_t len, const ec_k8s_render_opts *opts,
                       ec_buf *out, ec_err *err);

/* The hex dump alone, as used above:
 * "00000000  6b 38 73 00 0a 0f 0a 02  76 31 12 09 43 6f 6e 66  |k8s.....v1..Conf|" */
int ec_k8s_render_hexdump(const uint8_t *v, size_t len, const ec_k8s_render_opts *opts,
                          ec_buf *out, ec_err *err);

/* The JSON form for `get KEY --json`:
 *   {"encoding", "size", "apiVersion", "kind",
 *    "metadata": {name, namespace, uid, resourceVersion, generation,
 *      creationTimestamp, deletionTimestamp, labels{}, annotations{},
 *      ownerReferences[], finalizers[]},
 *    "managers": [{manager, operation, apiVersion, time, subresource}],
 *    "writer"}
 * encrypted: {"encoding":"encrypted", "size", "provider", "keyName",
 *   "ciphertextSize"[, "kmsKeyID"]}; text, binary, empty: {"encoding",
 *   "size"[, "note"]}; a damaged value: {"encoding", "size", "error"}.
 * Strings that are not valid UTF-8 are given escaped (ec_escape_dup).
 * Returns a new reference (caller json_decref's it), NULL only when memory
 * ran out. Print it with ec_k8s_json_dump_safe, or with JSON_ENSURE_ASCII,
 * when the output may reach a terminal. */
json_t *ec_k8s_render_json(const uint8_t *v, size_t len);
json_t *ec_k8s_object_json(const ec_k8s_object *obj);

/* Dumps j with jansson (JSON_INDENT(indent), 0 for compact) and appends it
 * to out, \u-escaping every character that ec_escape would escape (C1
 * controls, bidi overrides, DEL ...), so the result is still valid JSON but
 * cannot drive a terminal. Returns 0, or -1 (memory, or out's cap). */
int ec_k8s_json_dump_safe(const json_t *j, size_t indent, ec_buf *out);

#endif
