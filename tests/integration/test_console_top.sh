#!/usr/bin/env bash
# The console's Top screen (t) against a real TLS etcd, in tmux:
#  (1) the runaway DaemonSet kube-system/node-agent rewriting its pods beside
#      background traffic while the console runs: within 5 s of t the prefix
#      and owner groupings rank it first; window/metric/grouping keys change
#      the header; Enter on the owner row lands on the owner's key in the
#      browser; D on the prefix row shows the plan with etcd's count, Esc
#      cancels and nothing is deleted;
#  (2) the writer stopped before the console starts: the history replay
#      alone still ranks it first, with estimated times said; --read-only
#      refuses D.
# BG_CAPTURES=DIR also writes docs/captures/top-owner.txt there.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=console_top
D="$BG_TMP/console-top-etcd"
SAN="$BG_TMP/console-top-sanitizer"
STATUS="$BG_TMP/console-top-status"
CAPDIR="$BG_TMP/console-top-captures"
SOCK="bgtop-$$"
source "$BG_ROOT/tests/integration/tmux_lib.sh"
mkdir -p "$CAPDIR"
rm -f "$SAN".*
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
cleanup() {
  stop_writer
  local pid
  pid=$(bg_pid 2>/dev/null)
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  tmux_stop
  etcd_stop "$D"
}
trap cleanup EXIT

command -v tmux >/dev/null || { fail "tmux is not installed"; finish; exit 1; }
TOOLS="$BG_ROOT/$BUILD/tests/tools"
for t in bg_load bg_writer; do
  [ -x "$TOOLS/$t" ] || { fail "$t is not built ($TOOLS/$t)"; finish; exit 1; }
done
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
EP=$(etcd_endpoints "$D")
P=(--endpoints "$EP" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
"$TOOLS/bg_load" "${P[@]}" --count 500 --demo > "$BG_TMP/console-top-load.log" 2>&1 ||
  { fail "bg_load failed"; cat "$BG_TMP/console-top-load.log"; finish; exit 1; }

count_prefix() { # etcd's own count of keys under a prefix
  local n
  n=$(ectl "$D" get --prefix --keys-only "$1" -w json 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
  echo "${n:-0}"
}
# The group of the first ranked row: the line after the column titles.
first_group() { screen | awk '/ GROUP *$/ { if (getline > 0) print $NF; exit }'; }
# The w/s cell of the browser row named NAME (the column before the name).
row_rate() { screen | awk -v n="$1" '$NF == n { print $(NF-1); exit }'; }
registry_busy() { row_rate registry/ | awk '$1 + 0 > 50 { print "yes" }'; }
first_is_pod() { first_group | grep -q '^/registry/pods/kube-system/node-agent-' && echo yes; }
owner_selected() { selected | grep -q ' node-agent *$' && echo yes; }

tmux_start 120 34

# ---- (1) the runaway writes while the console runs -------------------------
"$TOOLS/bg_writer" "${P[@]}" --seconds 90 --rate 250 --background 2>"$BG_TMP/console-top-writer.log" &
W_PID=$!
sleep 2
run_in_pane "${P[@]}"
wait_for "(1) browser is live" "[live @" 30
expect_contains "(1) browser footer offers t:top" "$(screen | tail -1)" "t:top"
wait_cmd "(1) browser: registry/ has a live w/s above 50" "yes" 15 registry_busy
t0=$(now_ms)
keys t
wait_for "(1) t opens the Top screen by prefix" "--- top: by prefix (depth 3), last 60s, ranked by writes" 5
wait_cmd "(1) prefix: the DaemonSet's pods rank first" "/registry/pods/kube-system/" 5 first_group
t1=$(now_ms)
[ $((t1 - t0)) -lt 5000 ] && pass "(1) prefix ranking within $((t1 - t0)) ms of t (< 5000)" ||
  fail "(1) prefix ranking took $((t1 - t0)) ms"
s=$(screen)
expect_contains "(1) header: history replayed" "$s" "history  revisions "
expect_contains "(1) header: estimated times said as the CLI says them" "$s" "times estimated (~) from the revision rate seen now"
expect_contains "(1) header: live writes" "$s" "live     "
expect_contains "(1) column titles" "$s" "WRITES/S   SHARE  LAST 60 S"
expect_contains "(1) background traffic ranked too" "$s" "/registry/leases/kube-node-lease/"
expect_contains "(1) Top footer" "$(screen | tail -1)" \
  "Enter:jump D:delete KprnoWl:group +-:depth 123:window b:bytes ?:help q:back"
keys o
wait_for "(1) o groups by owner" "--- top: by owner, last 60s" 2
wait_cmd "(1) owner: DaemonSet/kube-system/node-agent ranks first" "DaemonSet/kube-system/node-agent" 5 first_group
t2=$(now_ms)
[ $((t2 - t0)) -lt 5000 ] && pass "(1) owner ranking within $((t2 - t0)) ms of t (< 5000)" ||
  fail "(1) owner ranking took $((t2 - t0)) ms"
expect_contains "(1) owner row selected" "$(selected)" "DaemonSet/kube-system/node-agent"
capture top-owner

# ---- windows, metric, groupings change the header
keys 1
wait_for "(1) 1: window 10s" "by owner, last 10s, ranked by writes" 2
keys 3
wait_for "(1) 3: window 5m" "by owner, last 5m, ranked by writes" 2
keys b
wait_for "(1) b: ranked by bytes" "by owner, last 5m, ranked by bytes" 2
expect_contains "(1) b: the rate column is bytes/s" "$(screen)" "BYTES/S"
wait_cmd "(1) by bytes: the DaemonSet still first" "DaemonSet/kube-system/node-agent" 3 first_group
keys b 2
wait_for "(1) b again, 2: writes over 60s" "by owner, last 60s, ranked by writes" 2
keys W
wait_for "(1) W: by writer" "--- top: by writer" 2
wait_cmd "(1) writer: kubelet first" "kubelet" 5 first_group
keys Enter
wait_for "(1) Enter on a writer row explains" "writer groups span many keys; press o for owners" 2
keys D
wait_for "(1) D on a writer row is refused" "delete: a writer is not a set of keys" 2
keys n
wait_for "(1) n: by namespace" "--- top: by namespace" 2
wait_cmd "(1) namespace: kube-system first" "kube-system" 5 first_group
keys r
wait_for "(1) r: by resource" "--- top: by resource" 2
wait_cmd "(1) resource: pods first" "pods" 5 first_group
keys K
wait_for "(1) K: by key" "--- top: by key" 2
expect_contains "(1) key rows are the DaemonSet's pods" "$(first_group)" "/registry/pods/kube-system/node-agent-"
keys l
wait_for "(1) l: by lease" "--- top: by lease" 2
keys p +
wait_for "(1) +: prefix depth 4, replayed again" "by prefix (depth 4)" 2
wait_cmd "(1) depth 4: a pod of the DaemonSet first" "yes" 10 first_is_pod
keys -- -
wait_for "(1) -: prefix depth 3 again" "by prefix (depth 3)" 2
wait_cmd "(1) depth 3: the pods' prefix first again" "/registry/pods/kube-system/" 10 first_group

# ---- Enter on the owner row: the browser at the owner's key
keys o
wait_cmd "(1) owner first again" "DaemonSet/kube-system/node-agent" 5 first_group
keys Home Enter
wait_for "(1) Enter: the browser in the owner's directory" "--- /registry/daemonsets/kube-system/ ---" 3
wait_cmd "(1) Enter: the owner's key selected" "yes" 3 owner_selected
t3=$(now_ms)
keys t
wait_for "(1) t again: Top at once, grouping kept" "--- top: by owner" 2
wait_cmd "(1) t again: ranking already there" "DaemonSet/kube-system/node-agent" 1 first_group
t4=$(now_ms)
pass "(1) back on Top after $((t4 - t3)) ms"

# ---- D on the prefix row: the delete plan with etcd's count, Esc cancels
keys p
wait_cmd "(1) prefix first again" "/registry/pods/kube-system/" 5 first_group
before=$(count_prefix /registry/pods/kube-system/)
keys Home D
wait_for "(1) D: the plan of the prefix" "plan: delete-prefix '/registry/pods/kube-system/'" 15
wait_for "(1) D: the plan counts etcd's keys" "  $before keys, " 5
wait_for "(1) D: typed confirmation asks for the count" "type the count $before and Enter" 5
keys Escape
wait_for "(1) Esc cancels" "nothing was deleted" 3
expect_eq "(1) nothing deleted (etcdctl count)" "$before" "$(count_prefix /registry/pods/kube-system/)"
keys q
wait_for "(1) q from the plan: back on Top" "--- top: by prefix" 3

# ---- D on the owner row: the owner with everything it owns, by name
keys o
wait_cmd "(1) owner first for D" "DaemonSet/kube-system/node-agent" 5 first_group
pods=$(count_prefix /registry/pods/kube-system/node-agent-)
keys Home D
wait_for "(1) D on the owner: the owner plan" "plan: delete-owner 'DaemonSet/kube-system/node-agent'" 20
wait_for "(1) D on the owner: confirmed by its name" "type the name 'node-agent' and Enter to delete" 5
n=$(screen | sed -n "s/.*type the name 'node-agent' and Enter to delete \([0-9]*\) keys.*/\1/p")
[ -n "$n" ] && [ "$n" -ge $((pods + 1)) ] && pass "(1) owner plan holds the DaemonSet and its $pods pods ($n keys)" ||
  fail "(1) owner plan has '$n' keys, want at least $((pods + 1))"
keys Escape
wait_for "(1) Esc cancels the owner delete" "nothing was deleted" 3
expect_eq "(1) owner still there (etcdctl count)" "1" "$(count_prefix /registry/daemonsets/kube-system/node-agent)"
expect_eq "(1) its pods still there" "$pods" "$(count_prefix /registry/pods/kube-system/node-agent-)"
keys q
wait_for "(1) back on Top" "--- top: by owner" 3
keys p
keys q
wait_for "(1) q from Top: the browser" "[live @" 3
# ---- the writer stops: the live w/s column goes back to "-" (10 s window)
stop_writer
keys BSpace BSpace BSpace
wait_for "(1) back at /" "--- / ---" 3
wait_cmd "(1) writer stopped: registry/ w/s back to -" "-" 20 row_rate registry/
keys q
wait_dead 10 && pass "(1) q quits" || fail "(1) the console did not quit"
expect_eq "(1) exit status 0" "0" "$(exit_status)"

# ---- (2) the writer stopped before the console starts: history alone -------
stop_writer
sleep 1
run_in_pane "${P[@]}" --read-only
wait_for "(2) browser is live" "[live @" 30
keys t o
wait_for "(2) Top by owner" "--- top: by owner" 5
wait_cmd "(2) history replay alone ranks the DaemonSet first" "DaemonSet/kube-system/node-agent" 10 first_group
s=$(screen)
expect_contains "(2) header: history replayed" "$s" "history  revisions "
expect_contains "(2) header: times estimated or assumed, marked ~" "$s" "(~)"
expect_contains "(2) header: no live writes" "$s" "live     no writes"
expect_contains "(2) the row's rate is marked estimated" "$(selected)" "~"
keys D
wait_for "(2) --read-only refuses D" "delete: --read-only is set" 3
keys q q
wait_dead 10 && pass "(2) q q quits" || fail "(2) the console did not quit"
expect_eq "(2) exit status 0" "0" "$(exit_status)"

reports=$(ls "$SAN".* 2>/dev/null)
if [ -z "$reports" ]; then pass "no sanitizer report"; else fail "sanitizer reports: $reports"; cat $reports | head -60; fi
finish
