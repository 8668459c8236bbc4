#!/usr/bin/env bash
# The console (`breakglass` with no subcommand) driven in tmux against a real
# TLS etcd: the real binary on a private tmux socket, keys sent with
# send-keys, the screen read with capture-pane, every wait bounded.
# BG_CAPTURES=DIR also writes the screen captures there (docs/captures).
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=console
D="$BG_TMP/console-etcd"
CAPDIR="$BG_TMP/console-captures"
SAN="$BG_TMP/console-sanitizer"
STATUS="$BG_TMP/console-status"
SOCK="bgtest-$$"
source "$BG_ROOT/tests/integration/tmux_lib.sh"
mkdir -p "$CAPDIR"
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
"$LOAD" --endpoints "$EP" "${TLS[@]}" --count 2000 --demo > "$BG_TMP/console-load.log" 2>&1 ||
  { fail "bg_load failed"; cat "$BG_TMP/console-load.log"; finish; exit 1; }

count_prefix() { # etcd's own count of keys under a prefix (no "count" when there are none)
  local n
  n=$(ectl "$D" get --prefix --keys-only "$1" -w json 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
  echo "${n:-0}"
}
screen_all() { "${T[@]}" capture-pane -p -S - -t bg 2>/dev/null; } # with what scrolled off
# The key count the browser shows on the row named NAME.
row_keys() { screen | awk -v n="$1" '$NF == n { print $1; exit }'; }
human() { awk -v n="$1" 'BEGIN { if (n < 1024) { printf "%d B", n; exit }
  split("KiB MiB GiB", u, " "); v = n / 1024; i = 1; while (v >= 1023.95 && i < 3) { v /= 1024; i++ }
  printf "%.1f %s", v, u[i] }'; }

# ---- without a terminal: refused with one line, exit status 2
expect_exit "no terminal: refused" 2 "$BG_BIN" --endpoints "$EP" "${TLS[@]}"
expect_eq "no terminal: one-line reason" \
  "breakglass: the console needs a terminal; use a subcommand, see breakglass --help" "$OUT"

tmux_start 100 30
run_in_pane --endpoints "$EP" "${TLS[@]}"

# ---- the browser opens at "/" and shows registry/
wait_for "browser opens on /" "--- / ---" 20
wait_for "browser shows registry/" "registry/" 20
wait_for "tree is live after the scan" "[live @" 30
wait_for "status bar: connected" "connected  https://127.0.0.1" 15
s=$(screen)
expect_contains "status bar: cluster id" "$s" "cluster "
expect_contains "status bar: quota unknown is said" "$s" "quota ?"
expect_contains "status bar: alarms none" "$s" "alarms: none"
expect_contains "footer lists the keys" "$s" "Enter:open Bksp:up /:filter nCswmr:sort t:top S:sizes R:rescan c:cluster D:delete ?:help q:quit"
total=$(count_prefix /)
expect_eq "registry/ row counts every key" "$total" "$(row_keys registry/)"
expect_eq "alternate screen while running" "1" "$(pane '#{alternate_on}')"
capture browser-top

# ---- into /registry/: pods/ with etcd's own count
keys Enter
wait_for "descend into /registry/" "--- /registry/ ---"
wait_for "pods/ listed" " pods/"
expect_eq "pods/ count equals etcdctl's" "$(count_prefix /registry/pods/)" "$(row_keys pods/)"
expect_eq "configmaps/ count equals etcdctl's" "$(count_prefix /registry/configmaps/)" "$(row_keys configmaps/)"
rows_before=$(screen | grep -c '/$')

# ---- filter narrows the rows; Enter descends into the only one
keys /
text pods
wait_for "filter shown in the header" "filter 'pods': 1 shown"
keys Enter
expect_eq "filter leaves one row" "1" "$(screen | sed -n '5,$p' | grep -c '/$')"
[ "$rows_before" -gt 5 ] && pass "unfiltered listing had $rows_before rows" || fail "unfiltered listing had only $rows_before rows"
keys Escape
wait_gone "Esc clears the filter" "filter 'pods'"
keys /
text pods
keys Enter
keys Enter
wait_for "descend into /registry/pods/" "--- /registry/pods/ ---"
wait_for "kube-system/ listed" "kube-system/"
expect_eq "kube-system/ count equals etcdctl's" "$(count_prefix /registry/pods/kube-system/)" "$(row_keys kube-system/)"
keys /
text kube
keys Enter Enter
wait_for "descend into kube-system" "--- /registry/pods/kube-system/ ---"
wait_for "pods of the DaemonSet listed" "node-agent-00000"
capture browser-pods-kube-system

# ---- Backspace goes up with the directory we came from selected
keys BSpace
wait_for "back in /registry/pods/" "--- /registry/pods/ ---"
sel=$(selected)
expect_contains "selection restored by identity" "$sel" "kube-system/"

# ---- the value viewer: decoded fields, search, hex, back
keys Enter
wait_for "in kube-system again" "--- /registry/pods/kube-system/ ---"
keys Home Enter
wait_for "value: decoded kind" "kind: Pod" 15
s=$(screen)
expect_contains "value: key line" "$s" "key /registry/pods/kube-system/node-agent-00000"
expect_contains "value: apiVersion" "$s" "apiVersion: v1"
expect_contains "value: name" "$s" "name: node-agent-00000"
expect_contains "value: namespace" "$s" "namespace: kube-system"
expect_contains "value: revisions and size" "$s" "create @"
size=$(ectl "$D" get /registry/pods/kube-system/node-agent-00000 --print-value-only | head -c -1 | wc -c)
expect_contains "value: size equals etcd's" "$s" "($size B)"
capture value
keys /
text uid:
keys Enter
wait_for "search finds the text" "match 'uid:'"
keys x
wait_for "x shows the hex dump" "00000000  6b 38 73 00" 5
keys x
wait_for "x again: decoded" "kind: Pod" 5
keys q
wait_for "q leaves the viewer" "--- /registry/pods/kube-system/ ---"

# ---- a key holding an escape sequence: shown escaped, title untouched
keys BSpace BSpace
wait_for "up to /registry/" "--- /registry/ ---"
keys /
text configmaps
keys Enter Enter
wait_for "in configmaps" "--- /registry/configmaps/ ---"
keys /
text shop
keys Enter Enter
wait_for "ESC in a key is shown escaped" '\e]0;pwned\x07' 10
expect_eq "the pane title was not changed" "0" "$(pane '#{pane_title}' | grep -c pwned)"
keys Home Enter
wait_for "the escaped key opens in the viewer" 'key /registry/configmaps/shop/\e]0;pwned\x07'
expect_eq "still no title change" "0" "$(pane '#{pane_title}' | grep -c pwned)"
keys q
wait_for "back in shop" "--- /registry/configmaps/shop/ ---"

# ---- live: puts and deletes made elsewhere change the counts
before=$(count_prefix /registry/configmaps/shop/)
wait_for "shop shows its keys" "$before keys"
for i in 1 2 3; do ectl "$D" put "/registry/configmaps/shop/live-$i" "v$i" > /dev/null; done
wait_for "three puts appear" "$((before + 3)) keys" 10
wait_for "a new key row appears" "live-2"
ectl "$D" del /registry/configmaps/shop/live-2 > /dev/null
wait_for "a delete appears" "$((before + 2)) keys" 10
wait_gone "the deleted row goes" "live-2" 10

# ---- S scans value sizes below the directory
expect_eq "bytes unknown before S" "?" "$(screen | awk '$NF == "bundle-0" { print $2 }')"
b0=$(ectl "$D" get /registry/configmaps/shop/bundle-0 --print-value-only | head -c -1 | wc -c)
want=$(human "$b0")
keys S
# The progress line starts like the final note; the note alone has ", in ".
wait_for "size scan finishes" "sizes of /registry/configmaps/shop/: $(count_prefix /registry/configmaps/shop/) keys, " 20
got=$(screen | awk '$NF == "bundle-0" { print $2, $3 }')
expect_eq "bundle-0 size equals etcd's value size" "$want" "$got"

# ---- resize: smaller, too small, back; the screen equals a fresh redraw
# (first let the one-off note and the live w/s of the keys written above
# run out, so nothing changes on its own between the two captures)
wait_gone "size scan note gone" "sizes of /registry/configmaps/shop/" 10
wait_gone "live w/s of live-1 back to -" " 0.1 live-1" 15
wait_gone "live w/s of live-3 back to -" " 0.1 live-3" 15
"${T[@]}" resize-window -t bg -x 80 -y 24
wait_for "redrawn at 80x24" "--- /registry/configmaps/shop/ ---"
sleep 0.3
expect_eq "80x24: 24 lines" "24" "$(screen | wc -l)"
expect_eq "80x24: no line wider than 80" "0" "$(screen | awk 'length($0) > 80' | wc -l)"
expect_eq "80x24: footer on the last line" \
  "Enter:open Bksp:up /:filter nCswmr:sort t:top S:sizes R:rescan ?:help q:quit" "$(screen | tail -1)"
after_resize=$(screen | sed -n '3,$p')
keys C-l
sleep 0.5
expect_eq "80x24: same as a full redraw (no garbage)" "$(screen | sed -n '3,$p')" "$after_resize"
"${T[@]}" resize-window -t bg -x 50 -y 8
wait_for "too small: a clear notice" "terminal too small (50x8)"
"${T[@]}" resize-window -t bg -x 100 -y 30
wait_for "back at 100x30" "--- /registry/configmaps/shop/ ---"
wait_gone "too-small notice gone" "terminal too small"
sleep 0.3
after_resize=$(screen | sed -n '3,$p')
keys C-l
sleep 0.5
expect_eq "100x30: same as a full redraw (no garbage)" "$(screen | sed -n '3,$p')" "$after_resize"

# ---- cluster view and help
keys c
wait_for "cluster view: member card" "* m0  id " 10
wait_for "cluster view: raft and db" "raft term" 10
s=$(screen)
expect_contains "cluster view: leader marked" "$s" "leader"
expect_contains "cluster view: alarms" "$s" "alarms: none"
capture cluster
keys q
wait_for "q leaves the cluster view" "--- /registry/configmaps/shop/ ---"
keys '?'
wait_for "help opens" "keys of the key browser"
wait_for "help lists S" "scan value sizes below this directory"
capture help
keys '?'
wait_for "? closes help" "--- /registry/configmaps/shop/ ---"

# ---- etcd paused: disconnected, keys still answered; resumed: connected
etcd_pause "$D" 0
wait_for "paused etcd: disconnected" "disconnected: " 40
capture disconnected
keys '?'
wait_for "help still opens while disconnected" "keys of the key browser" 5
keys q
wait_for "and closes" "--- /registry/configmaps/shop/ ---" 5
etcd_resume "$D" 0
wait_for "resumed etcd: connected again" "connected  https://" 40
expect_eq "status line starts with connected" "connected" "$(screen | head -1 | awk '{print $1}')"

# ---- etcd killed; while the console cannot reach it, etcd runs on another
# port, is written to and compacted; then it is back on its own port. The
# console's watch cannot resume from its last revision (compacted), so it
# must scan again: a key deleted meanwhile disappears, new ones appear.
etcd_kill "$D" 0
wait_for "killed etcd: disconnected" "disconnected: " 40
wait_for "killed etcd: live updates paused" "[updates paused @" 20
port=${EP##*:}
alt=$(_free_port)
sed "s#127.0.0.1:$port #127.0.0.1:$alt #g" "$D/m0.cmd" > "$D/m0.alt.cmd"
# (a subshell: the shell must not report this job's death later)
(setsid bash -c "exec $(cat "$D/m0.alt.cmd")" > "$D/m0.alt.out" 2>&1 < /dev/null & echo $! > "$D/m0.pid")
actl() { ETCDCTL_API=3 etcdctl --endpoints "https://127.0.0.1:$alt" --cacert "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$PKI/client.key" "$@"; }
for i in $(seq 1 100); do actl --command-timeout=2s endpoint health > /dev/null 2>&1 && break; sleep 0.2; done
for i in 4 5 6; do actl put "/registry/configmaps/shop/live-$i" "v$i" > /dev/null; done
actl del /registry/configmaps/shop/live-1 > /dev/null
cur=$(actl get / --prefix --keys-only --limit 1 -w json | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
actl compact "$cur" > /dev/null
expect_contains "the console did not see the changes yet" "$(screen)" "live-1"
etcd_kill "$D" 0
etcd_restart "$D" 0
etcd_wait_healthy "$D" 30 || fail "etcd did not come back on its port"
wait_for "restarted etcd: connected again" "connected  https://" 40
want=$(count_prefix /registry/configmaps/shop/)
wait_for "rescanned: counts equal etcd's" "--- /registry/configmaps/shop/ ---  $want keys" 40
wait_for "live again after the rescan" "[live @$cur]" 40
wait_for "a key written while away is listed" "live-6" 10
wait_gone "a key deleted while away is gone" "live-1" 10

# ---- R rescans: same counts, still live
keys R
wait_for "R: live again after the rescan" "[live @" 30
wait_for "R: counts unchanged" "--- /registry/configmaps/shop/ ---  $want keys" 10
keys BSpace BSpace BSpace
wait_for "R: back up at /" "--- / ---"
expect_eq "R: registry/ count equals etcd's" "$(count_prefix /registry/)" "$(row_keys registry/)"
expect_contains "up to /: the row we came from is selected" "$(selected)" "registry/"

# ---- q quits: pane dead, exit status 0, screen restored
keys q
if wait_dead 20; then pass "q quits"; else fail "q did not quit within 20s"; fi
expect_eq "exit status 0 after q" "0" "$(exit_status)"
expect_eq "normal screen restored (endwin)" "0" "$(pane '#{alternate_on}')"
expect_eq "nothing printed at exit" "" "$(screen | grep -v '^$' | grep -v '^Pane is dead')"

# ---- SIGTERM: leaves cleanly too (endwin, 128+15)
run_in_pane --endpoints "$EP" "${TLS[@]}"
wait_for "second run opens" "registry/" 20
pid=$(bg_pid)
[ -n "$pid" ] && kill -TERM "$pid"
if wait_dead 20; then pass "SIGTERM ends the console"; else fail "SIGTERM did not end the console within 20s"; fi
expect_eq "exit status 143 after SIGTERM" "143" "$(exit_status)"
expect_eq "SIGTERM: normal screen restored" "0" "$(pane '#{alternate_on}')"

# ---- etcd unreachable from the start: the UI still works (and NO_COLOR
# gives a monochrome screen where what matters is bold and reverse)
PANE_ENV=(NO_COLOR=1)
run_in_pane --endpoints https://127.0.0.1:1 --dial-timeout 500ms "${TLS[@]}"
PANE_ENV=(NO_COLOR=)
wait_for "nothing listening: disconnected with the class" "disconnected: unreachable" 20
wait_for "and the reason" "refused" 5
raw=$("${T[@]}" capture-pane -p -e -t bg)
expect_eq "NO_COLOR: no colour sequences" "0" "$(printf '%s' "$raw" | grep -cE $'\e\\[[0-9;]*(3[0-7]|9[0-7]|38;)')"
expect_eq "NO_COLOR: the bad state in bold reverse video" "1" \
  "$(printf '%s' "$raw" | head -1 | grep -cE $'^\e\\[(1;7|1m\e\\[7)mdisconnected: unreachable')"
sleep 0.3
keys '?'
wait_for "help opens without etcd" "keys of the key browser" 5
keys q q
if wait_dead 20; then pass "q quits without etcd"; else fail "q did not quit without etcd"; fi
expect_eq "exit status 0" "0" "$(exit_status)"

# ---- bad credentials: refused before the screen is taken, exit status 1
run_in_pane --endpoints "$EP" --cacert "$BG_TMP/no-such-ca.crt" --cert "$PKI/client.crt" --key "$PKI/client.key"
if wait_dead 20; then pass "bad CA: exits"; else fail "bad CA: still running"; fi
expect_eq "bad CA: exit status 1" "1" "$(exit_status)"
expect_contains "bad CA: message names the file" "$(screen_all)" "cannot read CA file '$BG_TMP/no-such-ca.crt'"
expect_contains "bad CA: and says how to fix it" "$(screen_all)" "hint: check the --cacert"

# ---- no sanitizer report from any run (ASan/UBSan builds)
reports=$(ls "$SAN".* 2>/dev/null)
expect_eq "no sanitizer reports" "" "$reports"
[ -n "$reports" ] && head -50 $reports

finish
