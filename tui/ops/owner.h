/* Kubernetes-aware parts of removal plans: an owner with everything it owns
 * (DaemonSet -> Pods, Deployment -> ReplicaSets -> Pods), and what a plan's
 * objects mean (kinds, finalizers that removal from etcd skips, controllers
 * that will recreate them). */
#ifndef BG_OWNER_H
#define BG_OWNER_H

#include <stdio.h>

#include "tui/ops/plan.h"

/* The etcd key of the object kind/ns/name as the API server stores it under
 * k8s_prefix (the --etcd-prefix; NULL or "" = "/registry", a trailing '/' is
 * dropped): ("Deployment", "shop", "web") -> "/registry/deployments/shop/web".
 * ns NULL or "" for a cluster-scoped object: ("Node", NULL, "n1") ->
 * "/registry/minions/n1". kind is matched without case, as a kind or as its
 * storage name ("Service" and "services/specs" alike); a kind not in the
 * table takes the regular plural ("Widget" -> "widgets"). Writes the key,
 * NUL-terminated, to out[0..outn) and returns its length; -1 (out empty)
 * when kind or name is empty, kind is 64 bytes or longer, or the key does
 * not fit in outn. */
int bg_owner_key(const char *k8s_prefix, const char *kind, const char *ns, const char *name, char *out,
                 size_t outn);

/* Plans the removal of the object named by spec "Kind/namespace/name" (or
 * "Kind/name" for cluster-scoped kinds) and of every object in its namespace
 * whose ownerReferences point to it, transitively, all read at one revision.
 * Dependents are searched among the built-in namespaced resources that can
 * be owned (see docs/actions.md). */
/* k8s_prefix: the API server's --etcd-prefix (NULL = "/registry"). */
int bg_owner_plan(ec_client *c, const char *spec, const char *k8s_prefix, bg_plan *p, uint64_t max_bytes,
                  ec_err *err);

/* Prints what the plan's values say: kinds, objects with finalizers, and
 * owners outside the plan (whose controllers may recreate what is removed). */
void bg_owner_describe(FILE *f, const bg_plan *p);

#endif
