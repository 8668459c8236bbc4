#!/usr/bin/env bash
# Fault drill for the console on three members (issue #6): the member the
# console uses is frozen with SIGSTOP. The console keeps answering keys
# (browser, value viewer), moves to a healthy member, and says which one in
# its status bar; the frozen member is resumed at the end whatever happens.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=console_drill
D="$BG_TMP/console-drill-etcd"
SAN="$BG_TMP/console-drill-sanitizer"
STATUS="$BG_TMP/console-drill-status"
SOCK="bgdrill-$$"
source "$BG_ROOT/tests/integration/tmux_lib.sh"
rm -f "$SAN".*
cleanup() {
  local pid i
  pid=$(bg_pid 2>/dev/null)
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  tmux_stop
  for i in 0 1 2; do etcd_resume "$D" $i 2>/dev/null; done
  etcd_stop "$D"
}
trap cleanup EXIT

command -v tmux >/dev/null || { fail "tmux is not installed"; finish; exit 1; }
etcd_start "$D" 3 || { fail "cluster did not start"; finish; exit 1; }
EP=$(etcd_endpoints "$D")
E0=$(etcd_endpoint "$D" 0)
P=(--endpoints "$EP" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
"$BG_ROOT/$BUILD/tests/tools/bg_load" "${P[@]}" --count 300 --demo > "$BG_TMP/console-drill-load.log" 2>&1 ||
  { fail "bg_load failed"; cat "$BG_TMP/console-drill-load.log"; finish; exit 1; }

tmux_start 100 30
run_in_pane "${P[@]}" --dial-timeout 1s --command-timeout 2s
wait_for "browser is live" "[live @" 30
wait_for "connected to the first member" "connected  $E0 " 15

# Freeze the member in use.
etcd_pause "$D" 0
# The status bar names another member, connected (or says it is moving);
# the frozen one is never shown as connected again while it is frozen.
moved() {
  local first
  first=$(screen | head -1)
  [[ "$first" == connected* && "$first" != *"$E0 "* ]] && echo moved || echo "$first"
}
wait_cmd "moves to a healthy member" "moved" 40 moved
status_line=$(screen | head -1)
ok=0
for i in 1 2; do [[ "$status_line" == *"$(etcd_endpoint "$D" $i) "* ]] && ok=1; done
expect_eq "the status bar names member 1 or 2" "1" "$ok"

# Keys keep answering: browse into the DaemonSet's pods and open one.
keys Enter
wait_for "descend into /registry/" "--- /registry/ ---" 10
keys '/'
text pods
keys Enter
wait_for "pods/ found" " pods/" 5
keys Enter
wait_for "in /registry/pods/" "--- /registry/pods/ ---" 5
keys Escape
keys '/'
text kube-system
keys Enter
keys Enter
wait_for "in kube-system" "--- /registry/pods/kube-system/ ---" 5
keys Escape
wait_for "pods listed" "node-agent-00000" 5
keys g
keys v
wait_for "the value viewer answers through a healthy member" "kind: Pod" 15
keys q

# The frozen member comes back; the console stays usable.
etcd_resume "$D" 0
etcd_wait_healthy "$D" 30 || fail "cluster did not heal"
wait_for "still connected after the member is back" "connected  https://" 20
keys q
keys q
wait_dead 15 && pass "q quits" || fail "the console did not quit"
expect_eq "exit status 0" "0" "$(exit_status)"

reports=$(ls "$SAN".* 2>/dev/null)
if [ -z "$reports" ]; then pass "no sanitizer report"; else fail "sanitizer reports: $reports"; cat $reports | head -60; fi
finish
