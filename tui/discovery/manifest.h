/* Flags of one container in a Kubernetes static pod manifest, as kubeadm
 * writes them: "- --etcd-servers=https://127.0.0.1:2379" items under the
 * container's command (or args). */
#ifndef BG_MANIFEST_H
#define BG_MANIFEST_H

#include <stddef.h>

/* Parses the manifest data[0..len), picks the container named `container`
 * (else the one whose command starts with a program of that name, else the
 * only container), and for each names[i] (without dashes, "etcd-servers")
 * stores in values[i] the value of the last "--name=V" or "--name V" in its
 * command and args, or NULL when absent (caller frees each value).
 * Returns 0, or -1 with a one-line reason in msg (malformed YAML, not a pod,
 * no such container); values are then all NULL. */
int bg_pod_flags(const char *data, size_t len, const char *container, const char *const *names, char **values,
                 size_t n, char *msg, size_t msglen);

#endif
