#!/usr/bin/env bash
# Replays docs/runbook.md against real etcd, with exactly its commands:
#  (a) a runaway DaemonSet: top finds it, a snapshot, the guarded removal of
#      the owner and its 200 pods, compact, defrag, verify;
#  (b) an oversized ConfigMap rewritten until the quota fills (NOSPACE): top
#      by bytes finds it, get says whose, removal, recover-nospace;
#  (c) a bad removal undone from the audit log, byte for byte.
# Each command is looked up in the runbook first (a command the runbook does
# not hold fails the check), run through the CLI, and its outcome asserted.
# At the end every command of the runbook must have been replayed.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=runbook
RB="$BG_ROOT/docs/runbook.md"
TOOLS="$BG_ROOT/$BUILD/tests/tools"
D="$BG_TMP/runbook-a"
Q="$BG_TMP/runbook-b"
LOG="$BG_TMP/runbook-audit.log"
rm -f "$LOG"
W_PID=""
stop_writer() {
  [ -n "$W_PID" ] || return 0
  kill -TERM "$W_PID" 2>/dev/null
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$W_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$W_PID" 2>/dev/null
  wait "$W_PID" 2>/dev/null
  W_PID=""
}
trap 'stop_writer; etcd_stop "$D"; etcd_stop "$Q"' EXIT

conn() { echo --endpoints "$(etcd_endpoints "$1")" --cacert "$1/pki/ca.crt" --cert "$1/pki/client.crt" --key "$1/pki/client.key"; }
# The runbook's `breakglass`: the binary under test, the cluster of the
# incident (the runbook says to add etcdctl's flags where discovery does not
# apply) and a scratch audit log instead of the system one.
CONN=()
breakglass() { "$BG_BIN" --audit-log "$LOG" "${CONN[@]}" "$@"; }

# Commands of the runbook: the lines "$ breakglass ..." of its code blocks.
mapfile -t RB_CMDS < <(sed -n 's/^[[:space:]]*\$ \(breakglass .*\)$/\1/p' "$RB")
declare -A REPLAYED=()

# rb CODE 'command as in the runbook' [WORD=value ...]: the command must be a
# line of the runbook; words in capitals are replaced by the values given
# (what the operator read from the step before); it must exit with CODE.
# Output in $OUT (stdout and stderr: an informational line such as
# discovery's "using ..." may precede a one-line answer, so those are read
# with tail -1).
rb() {
  local code=$1 tmpl=$2 found=0 c w sub
  shift 2
  for c in "${RB_CMDS[@]}"; do [ "$c" = "$tmpl" ] && found=1; done
  if [ $found -eq 0 ]; then
    fail "not a command of the runbook: $tmpl"
    OUT=""
    return
  fi
  REPLAYED["$tmpl"]=1
  local words=() cmd=""
  read -ra words <<< "$tmpl"
  for w in "${words[@]}"; do
    for sub in "$@"; do [ "$w" = "${sub%%=*}" ] && w="${sub#*=}"; done
    cmd+="${cmd:+ }$w"
  done
  OUT=$(eval "$cmd" 2>&1)
  local rc=$?
  if [ "$rc" -eq "$code" ]; then pass "$cmd"; else fail "$cmd (exit $rc, wanted $code)"; echo "$OUT" | head -20 | sed 's/^/   /'; fi
}

first_group() { awk '/^RANK/{getline; print $NF; exit}'; }
dump() { ectl "$1" get --prefix "$2" -w fields 2>/dev/null | grep -E '^"(Key|Value)"'; }

# ---- (a) a runaway DaemonSet -------------------------------------------
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
read -ra CONN <<< "$(conn "$D")"
"$TOOLS/bg_load" "${CONN[@]}" --count 500 --demo 2>/dev/null || { fail "bg_load failed"; finish; exit 1; }
"$TOOLS/bg_writer" "${CONN[@]}" --seconds 60 --rate 250 --background 2>"$BG_TMP/runbook-writer.log" &
W_PID=$!
sleep 3
mkdir -p "$BG_TMP/runbook-work-a"
cd "$BG_TMP/runbook-work-a" || exit 1

rb 0 'breakglass status'
expect_contains "(a) status: no alarm yet" "$OUT" "alarms: none"
rb 0 'breakglass top --group owner'
expect_eq "(a) top: the DaemonSet is the first owner" "DaemonSet/kube-system/node-agent" "$(echo "$OUT" | first_group)"
rb 0 'breakglass top --group prefix'
expect_eq "(a) top: its pods are the first prefix" "/registry/pods/kube-system/" "$(echo "$OUT" | first_group)"

# Step 2: the API server is stopped, so nothing writes any more.
stop_writer
shop_before=$(dump "$D" /registry/pods/shop/)

rb 0 'breakglass snapshot save before-rm.db'
expect_contains "(a) snapshot checked" "$OUT" "SHA-256 checked"
expect_exit "(a) etcdctl reads the snapshot" 0 env ETCDCTL_API=3 etcdctl snapshot status before-rm.db

rb 0 'breakglass rm --owner DaemonSet/kube-system/node-agent --dry-run'
expect_contains "(a) plan: 201 keys" "$OUT" "  201 keys,"
expect_contains "(a) plan: kinds" "$OUT" "Kubernetes objects: 201 (1 DaemonSet, 200 Pod)"
expect_contains "(a) plan: would delete" "$OUT" "Would delete 201 keys. Nothing was changed (--dry-run)."
expect_eq "(a) dry run deleted nothing" "200" \
  "$(ectl "$D" get /registry/pods/kube-system/node-agent- --prefix --keys-only 2>/dev/null | grep -c node-agent)"

rb 0 'breakglass rm --owner DaemonSet/kube-system/node-agent --yes --confirm node-agent'
expect_contains "(a) removed owner and pods" "$OUT" "deleted 201 of 201 keys"
expect_contains "(a) says how to undo" "$OUT" "(undo: breakglass audit restore "

rb 0 'breakglass compact --dry-run'
rev=$(echo "$OUT" | sed -n 's/^Would compact to revision \([0-9]*\)\..*/\1/p')
expect_eq "(a) the plan names the revision" "1" "$([ -n "$rev" ] && echo 1 || echo 0)"
rb 0 'breakglass compact --yes --confirm REV' REV="$rev"
expect_contains "(a) compacted" "$OUT" "compacted to revision $rev"
expect_exit "(a) etcdctl: history before REV is gone" 1 ectl "$D" get /registry/pods/kube-system/node-agent-00000 --rev 2
rb 0 'breakglass defrag --dry-run'
expect_contains "(a) defrag plan" "$OUT" "Would defragment 1 member."
rb 0 'breakglass defrag --yes --confirm-count N' N=1
expect_contains "(a) defragmented" "$OUT" "defragmented m0"

rb 1 'breakglass get /registry/daemonsets/kube-system/node-agent'
expect_contains "(a) the owner is gone" "$OUT" "not found"
rb 0 'breakglass count /registry/pods/kube-system/node-agent-'
expect_eq "(a) none of its pods is left" "0" "$(echo "$OUT" | tail -1)"
expect_eq "(a) etcdctl agrees" "0" "$(ectl "$D" get /registry/pods/ --prefix --keys-only 2>/dev/null | grep -c node-agent)"
expect_eq "(a) other pods untouched, byte for byte" "$shop_before" "$(dump "$D" /registry/pods/shop/)"
rb 0 'breakglass audit verify'
expect_contains "(a) audit log intact" "$OUT" "is intact"
rb 0 'breakglass top --group owner --history 0'
expect_not_contains "(a) nothing of the owner writes or is left" "$OUT" "node-agent"

# ---- (c) a bad removal undone (same cluster) -----------------------------
# The mistake: a tired operator removes a whole namespace's pods.
n_shop=$(ectl "$D" get /registry/pods/shop/ --prefix --keys-only 2>/dev/null | grep -c .)
expect_eq "(c) 20 shop pods before the mistake" "20" "$n_shop"
expect_exit "(c) the bad removal" 0 breakglass rm --prefix /registry/pods/shop/ --yes --confirm-count 20
expect_eq "(c) the pods are gone" "0" "$(ectl "$D" get /registry/pods/shop/ --prefix --keys-only 2>/dev/null | grep -c .)"

rb 0 'breakglass audit show'
seq=$(echo "$OUT" | sed -n 's/^#\([0-9]*\) .* intent  delete-prefix.*/\1/p' | tail -1)
expect_contains "(c) show names the removal" "$OUT" "target '/registry/pods/shop/'"
expect_eq "(c) the removal's intent has a number" "1" "$([ -n "$seq" ] && echo 1 || echo 0)"
rb 0 'breakglass audit verify'
expect_contains "(c) log intact" "$OUT" "is intact"
rb 0 'breakglass audit restore SEQ --dry-run' SEQ="$seq"
n=$(echo "$OUT" | sed -n 's/.*: \([0-9]*\) keys\? to put back.*/\1/p')
expect_eq "(c) plan: 20 keys to put back" "20" "$n"
rb 0 'breakglass audit restore SEQ --yes --confirm-count N' SEQ="$seq" N="$n"
expect_contains "(c) restored" "$OUT" "restored 20 keys"
rb 0 'breakglass count /registry/pods/shop/'
expect_eq "(c) count is back" "20" "$(echo "$OUT" | tail -1)"
expect_eq "(c) every key and value back, byte for byte" "$shop_before" "$(dump "$D" /registry/pods/shop/)"
rb 0 'breakglass audit verify'
expect_contains "(c) log still intact after the restore" "$OUT" "is intact"

# ---- (b) an oversized ConfigMap fills the quota --------------------------
etcd_start "$Q" 1 --quota-backend-bytes=$((16 * 1024 * 1024)) || { fail "quota etcd did not start"; finish; exit 1; }
read -ra CONN <<< "$(conn "$Q")"
"$TOOLS/bg_load" "${CONN[@]}" --count 200 --demo 2>/dev/null || fail "bg_load failed"
# The release loop: the 800 KiB ConfigMap written again and again (each
# version kept until compaction) until etcd refuses; at most 60 writes.
ectl "$Q" get /registry/configmaps/shop/bundle-2 -w json 2>/dev/null |
  sed -n 's/.*"value":"\([^"]*\)".*/\1/p' | base64 -d > "$BG_TMP/runbook-cm.bin"
cm_size=$(stat -c %s "$BG_TMP/runbook-cm.bin")
for ((i = 0; i < 60; i++)); do
  ectl "$Q" put /registry/configmaps/shop/bundle-2 < "$BG_TMP/runbook-cm.bin" > /dev/null 2>&1 || break
done
expect_exit "(b) etcd refuses writes" 1 ectl "$Q" put /probe x
mkdir -p "$BG_TMP/runbook-work-b"
cd "$BG_TMP/runbook-work-b" || exit 1

rb 0 'breakglass status'
expect_contains "(b) status shows the alarm" "$OUT" "NOSPACE"
rb 0 'breakglass alarms'
expect_contains "(b) NOSPACE alarm" "$OUT" " alarm:NOSPACE"
rb 0 'breakglass top --group key --by bytes'
expect_eq "(b) the big ConfigMap writes the most bytes" "/registry/configmaps/shop/bundle-2" "$(echo "$OUT" | first_group)"
rb 0 'breakglass get /registry/configmaps/shop/bundle-2 | head -20'
expect_contains "(b) get: its size" "$OUT" "size:            $cm_size bytes"
expect_contains "(b) get: a ConfigMap" "$OUT" "kind: ConfigMap"
expect_contains "(b) get: written by helm" "$OUT" "manager: helm"
rb 0 'breakglass snapshot save before-rm.db'
expect_contains "(b) snapshot under NOSPACE" "$OUT" "SHA-256 checked"
rb 0 'breakglass rm /registry/configmaps/shop/bundle-2 --dry-run'
expect_contains "(b) plan" "$OUT" "Would delete 1 key."
rb 0 'breakglass rm /registry/configmaps/shop/bundle-2 --yes --confirm bundle-2'
expect_contains "(b) removed under NOSPACE" "$OUT" "deleted 1 of 1 keys"
rb 0 'breakglass recover-nospace --dry-run'
expect_contains "(b) recovery plan" "$OUT" "Would run the NOSPACE recovery."
rb 0 'breakglass recover-nospace --yes --confirm recover-nospace'
expect_contains "(b) writes work again" "$OUT" "writes work again"
rb 0 'breakglass alarms'
expect_eq "(b) no alarm left" "no active alarms" "$(echo "$OUT" | tail -1)"
rb 0 'breakglass status'
expect_contains "(b) status: no alarm" "$OUT" "alarms: none"
expect_exit "(b) etcdctl can write again" 0 ectl "$Q" put /probe x
expect_exit "(b) the log verifies" 0 breakglass audit verify

# Every command of the runbook was replayed.
for c in "${RB_CMDS[@]}"; do
  [ -n "${REPLAYED[$c]:-}" ] || fail "runbook command not replayed: $c"
done
expect_eq "the runbook has commands" "1" "$([ ${#RB_CMDS[@]} -ge 20 ] && echo 1 || echo 0)"

finish
