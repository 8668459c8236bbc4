#!/usr/bin/env bash
# A cluster whose API server stores under another --etcd-prefix: given with
# --etcd-prefix (or found in the apiserver manifest, see test_discovery.sh),
# `rm --owner` finds the owner and what it owns there, and nothing else.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=prefix
D="$BG_TMP/prefix-etcd"
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
BG=("$BG_BIN" --endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt"
    --key "$D/pki/client.key" --audit-log "$BG_TMP/prefix-audit.log")
"$BG_ROOT/$BUILD/tests/tools/bg_load" --endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" \
  --cert "$D/pki/client.crt" --key "$D/pki/client.key" --count 0 --demo > /dev/null 2>&1

# The DaemonSet and three of its pods, byte for byte, under /custom.
copy() { # KEY NEWKEY: the value exactly (etcdctl adds a newline when printing)
  ectl "$D" get "$1" --print-value-only | head -c -1 > "$BG_TMP/prefix-val"
  ectl "$D" put "$2" < "$BG_TMP/prefix-val" > /dev/null
}
copy /registry/daemonsets/kube-system/node-agent /custom/daemonsets/kube-system/node-agent
pods=$(ectl "$D" get --prefix /registry/pods/kube-system/node-agent --keys-only | grep node-agent | head -3)
for k in $pods; do copy "$k" "/custom/${k#/registry/}"; done
expect_eq "the copies are exact" "$(ectl "$D" get /registry/daemonsets/kube-system/node-agent --print-value-only | sha256sum)" \
  "$(ectl "$D" get /custom/daemonsets/kube-system/node-agent --print-value-only | sha256sum)"

expect_exit "rm --owner under --etcd-prefix /custom" 0 "${BG[@]}" --etcd-prefix /custom \
  rm --owner DaemonSet/kube-system/node-agent --dry-run
expect_contains "the plan holds the owner and its three pods" "$OUT" "Would delete 4 keys"
expect_contains "the owner's key is under /custom" "$OUT" "/custom/daemonsets/kube-system/node-agent"
expect_eq "nothing under /registry is in the plan" "0" "$(printf '%s\n' "$OUT" | grep -c '/registry/')"
expect_exit "a trailing slash means the same" 0 "${BG[@]}" --etcd-prefix /custom/ \
  rm --owner DaemonSet/kube-system/node-agent --dry-run
expect_contains "same plan" "$OUT" "Would delete 4 keys"
expect_exit "without it, the owner under /registry with its 200 pods" 0 "${BG[@]}" \
  rm --owner DaemonSet/kube-system/node-agent --dry-run
expect_contains "default prefix plan" "$OUT" "Would delete 201 keys"
expect_exit "rm --owner under /custom, confirmed" 0 "${BG[@]}" --etcd-prefix /custom \
  rm --owner DaemonSet/kube-system/node-agent --yes --confirm node-agent
expect_eq "nothing left under /custom" "" "$(ectl "$D" get --prefix /custom/ --keys-only)"
expect_eq "the /registry copies are untouched" "201" \
  "$( (ectl "$D" get /registry/daemonsets/kube-system/node-agent --keys-only; \
       ectl "$D" get --prefix /registry/pods/kube-system/node-agent --keys-only) | grep -c node-agent)"

# An API server with --etcd-prefix "" (or "/") stores right under the root,
# as path.Join("/", prefix) makes it: /daemonsets/..., /pods/...
copy /registry/daemonsets/kube-system/node-agent /daemonsets/kube-system/node-agent
for k in $(printf '%s\n' $pods | head -2); do copy "$k" "/${k#/registry/}"; done
expect_exit 'rm --owner under --etcd-prefix ""' 0 "${BG[@]}" --etcd-prefix "" \
  rm --owner DaemonSet/kube-system/node-agent --dry-run
expect_contains "the root plan holds the owner and its two pods" "$OUT" "Would delete 3 keys"
expect_contains "the owner's key is at the root" "$OUT" " /daemonsets/kube-system/node-agent"
expect_eq "nothing under /registry is in the root plan" "0" "$(printf '%s\n' "$OUT" | grep -c '/registry/')"
expect_exit '--etcd-prefix / means the same' 0 "${BG[@]}" --etcd-prefix / \
  rm --owner DaemonSet/kube-system/node-agent --dry-run
expect_contains "same root plan" "$OUT" "Would delete 3 keys"
expect_exit "--etcd-prefix registry means /registry, as for the API server" 0 "${BG[@]}" --etcd-prefix registry \
  rm --owner DaemonSet/kube-system/node-agent --dry-run
expect_contains "the /registry plan" "$OUT" "Would delete 201 keys"
finish
