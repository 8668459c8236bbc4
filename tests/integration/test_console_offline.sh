#!/usr/bin/env bash
# The console on a file (`breakglass --offline FILE`, no subcommand): a
# snapshot of a real etcd, etcd stopped before the console starts, driven in
# tmux on a private socket; every wait bounded.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=console_offline
D="$BG_TMP/conoff-etcd"
SNAP="$BG_TMP/conoff.snap"
SAN="$BG_TMP/conoff-sanitizer"
STATUS="$BG_TMP/conoff-status"
SOCK="bgtestoff-$$"
source "$BG_ROOT/tests/integration/tmux_lib.sh"
rm -f "$SAN".*
cleanup() {
  tmux_stop
  etcd_stop "$D"
}
trap cleanup EXIT

command -v tmux >/dev/null || { fail "tmux is not installed"; finish; exit 1; }
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
EP=$(etcd_endpoints "$D")
PKI="$D/pki"
TLS=(--cacert "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$PKI/client.key")
LOAD="$BG_ROOT/$BUILD/tests/tools/bg_load"
[ -x "$LOAD" ] || { fail "bg_load is not built ($LOAD)"; finish; exit 1; }
"$LOAD" --endpoints "$EP" "${TLS[@]}" --count 500 --demo > "$BG_TMP/conoff-load.log" 2>&1 ||
  { fail "bg_load failed"; cat "$BG_TMP/conoff-load.log"; finish; exit 1; }

count_prefix() {
  local n
  n=$(ectl "$D" get --prefix --keys-only "$1" -w json 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
  echo "${n:-0}"
}
# What etcd said before it stopped.
N_ALL=$(count_prefix /)
N_PODS=$(count_prefix /registry/pods/)
N_KS=$(count_prefix /registry/pods/kube-system/)
SIZE0=$(ectl "$D" get /registry/pods/kube-system/node-agent-00000 --print-value-only | head -c -1 | wc -c)
REV=$(ectl "$D" get / --prefix --keys-only -w json --limit 1 | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
ectl "$D" snapshot save "$SNAP" > "$BG_TMP/conoff-snap.log" 2>&1 || { fail "snapshot save failed"; finish; exit 1; }
etcd_stop "$D"
[ "$N_KS" -gt 0 ] && pass "etcd had $N_KS pods in kube-system" || fail "no pods in kube-system before the snapshot"

screen_all() { "${T[@]}" capture-pane -p -J -S - -t bg 2>/dev/null; } # wrapped lines joined
row_keys() { screen | awk -v n="$1" '$NF == n { print $1; exit }'; }

# ---- without a terminal: refused like the online console
expect_exit "no terminal: refused" 2 "$BG_BIN" --offline "$SNAP"

tmux_start 100 30
run_in_pane --offline "$SNAP"

wait_for "browser opens on /" "--- / ---" 20
wait_for "registry/ listed" "registry/" 20
wait_for "the whole file is in the tree" "[offline @" 20
s=$(screen)
expect_contains "status bar: offline, the file, snapshot" "$s" "offline: $SNAP (snapshot), revision $REV, compacted"
expect_contains "status bar: no etcd" "$s" "read-only, no etcd"
expect_contains "header: the file's revision" "$s" "[offline @$REV]"
expect_contains "rate column is the file's revisions" "$s" "revs"
expect_eq "registry/ row counts every key" "$N_ALL" "$(row_keys registry/)"

keys /
text registry
keys Enter Enter
wait_for "descend into /registry/" "--- /registry/ ---"
wait_for "pods/ listed" " pods/"
expect_eq "pods/: etcd's count" "$N_PODS" "$(row_keys pods/)"
keys /
text pods
keys Enter Enter
wait_for "descend into /registry/pods/" "--- /registry/pods/ ---"
expect_eq "kube-system/: etcd's count" "$N_KS" "$(row_keys kube-system/)"
keys /
text kube-system
keys Enter Enter
wait_for "descend into kube-system" "--- /registry/pods/kube-system/ ---"
wait_for "the DaemonSet's pods listed" "node-agent-00000"
s=$(screen)
expect_contains "header counts kube-system's keys" "$s" "$N_KS keys"
expect_contains "bytes known at once (no ?)" "$(screen | grep node-agent-00000)" "KiB"

# ---- the value from the file
keys Home Enter
wait_for "value: decoded kind" "kind: Pod" 15
s=$(screen)
expect_contains "value: key line" "$s" "key /registry/pods/kube-system/node-agent-00000"
expect_contains "value: owner is the DaemonSet" "$s" "DaemonSet"
expect_contains "value: size equals etcd's" "$s" "($SIZE0 B)"
expect_contains "value: history in the file" "$s" "history 1 (0 del)"
keys x
wait_for "x shows the hex dump" "00000000  6b 38 73 00" 5
keys q
wait_for "q leaves the viewer" "--- /registry/pods/kube-system/ ---"

# ---- not available offline: said, not attempted
keys c
wait_for "cluster view: not available offline" "cluster view: not available offline"
keys S
wait_for "size scan: not available offline" "size scan: not available offline"
keys t
wait_for "top: not available offline, the CLI named" "top: not available offline; use --offline FILE top"

# ---- a key holding an escape sequence: shown escaped, title untouched
keys BSpace BSpace
wait_for "up to /registry/" "--- /registry/ ---"
keys /
text configmaps
keys Enter Enter
keys /
text shop
keys Enter Enter
wait_for "ESC in a key is shown escaped" '\e]0;pwned\x07' 10
expect_eq "the pane title was not changed" "0" "$(pane '#{pane_title}' | grep -c pwned)"

keys q
if wait_dead 10; then pass "q quits"; else fail "q did not quit"; fi
expect_eq "exit status 0" "0" "$(exit_status)"
expect_eq "normal screen back" "0" "$(pane '#{alternate_on}')"

# ---- a truncated file: one line, exit 1, no curses
head -c 20000 "$SNAP" > "$BG_TMP/conoff-trunc.db"
"${T[@]}" clear-history -t bg
run_in_pane --offline "$BG_TMP/conoff-trunc.db"
if wait_dead 10; then pass "truncated: exits"; else fail "truncated: still running"; fi
expect_eq "truncated: exit status 1" "1" "$(exit_status)"
out=$(screen_all | grep -v '^$' | grep -v '^Pane is dead')
expect_eq "truncated: one line" "1" "$(echo "$out" | grep -c .)"
echo "$out" | sed 's/^/   | /'
expect_contains "truncated: says why" "$out" "breakglass: "
expect_contains "truncated: names the file" "$out" "conoff-trunc.db"
expect_eq "truncated: no alternate screen" "0" "$(pane '#{alternate_on}')"
"${T[@]}" capture-pane -p -e -t bg > "$BG_TMP/conoff-trunc.screen"
expect_eq "truncated: no escape sequences on the screen" "0" "$(grep -c $'\e' "$BG_TMP/conoff-trunc.screen")"

reports=$(ls "$SAN".* 2>/dev/null)
expect_eq "no sanitizer reports" "" "$reports"
[ -n "$reports" ] && head -50 $reports

finish
