#!/usr/bin/env bash
# `breakglass top` against a real TLS etcd with bounded writers:
#  (a) a runaway DaemonSet rewriting its pods beside normal background
#      traffic, top started while it runs: ranked first by owner, prefix and
#      writer, within 5 s of wall time;
#  (b) the writer stopped before top starts (API server down): the history
#      replay alone ranks it first, with times marked as estimated;
#  (c) history compacted: top says so, and the keys-only ranking by version
#      still puts the DaemonSet's pods first.
# Plus usage errors, an unreachable etcd and escaping of hostile keys.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=top
D="$BG_TMP/top-etcd"
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
trap 'stop_writer; etcd_stop "$D"' EXIT
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
P=(--endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
BG=("$BG_BIN" "${P[@]}")
TOOLS="$BG_ROOT/$BUILD/tests/tools"
"$TOOLS/bg_load" "${P[@]}" --count 500 --demo 2>/dev/null || { fail "bg_load failed"; finish; exit 1; }

# First ranked group of a human ranking (the row after the first RANK header);
# of the keys-only section with "versions".
first_group() { awk '/^RANK/{getline; print $NF; exit}'; }
first_version_group() { awk '/^KEYS-ONLY/{v=1} v && /^RANK/{getline; print $NF; exit}'; }
ms_now() { date +%s%3N; }
rev_now() { ectl "$D" endpoint status -w json | sed -n 's/.*"revision":\([0-9]*\).*/\1/p'; }

# ---- (a) the runaway is writing while top runs --------------------------
"$TOOLS/bg_writer" "${P[@]}" --seconds 40 --rate 250 --background 2>"$BG_TMP/top-writer-a.log" &
W_PID=$!
sleep 4
t0=$(ms_now)
expect_exit "(a) top --group owner exits 0" 0 "${BG[@]}" top --group owner
t1=$(ms_now)
wall=$((t1 - t0))
if [ "$wall" -lt 5000 ]; then pass "(a) top --group owner took ${wall} ms (< 5000)"; else fail "(a) top took ${wall} ms"; fi
expect_eq "(a) owner: the DaemonSet ranks first" "DaemonSet/kube-system/node-agent" "$(echo "$OUT" | first_group)"
expect_contains "(a) owner: live writes are seen" "$OUT" "live     "
expect_not_contains "(a) owner: live is not empty" "$OUT" "live     no writes"
expect_contains "(a) owner: history replayed and estimated" "$OUT" "times estimated (~) from"
expect_contains "(a) owner: the DaemonSet's rate is marked estimated" \
  "$(echo "$OUT" | awk '/^RANK/{getline; print; exit}')" "~"
echo "$OUT" | sed 's/^/   | /'

t0=$(ms_now)
expect_exit "(a) top --group prefix --depth 3 exits 0" 0 "${BG[@]}" top --group prefix --depth 3
t1=$(ms_now)
wall=$((t1 - t0))
if [ "$wall" -lt 5000 ]; then pass "(a) top --group prefix took ${wall} ms (< 5000)"; else fail "(a) top prefix took ${wall} ms"; fi
expect_eq "(a) prefix: the DaemonSet's pods rank first" "/registry/pods/kube-system/" "$(echo "$OUT" | first_group)"
# the background traffic is there too, below
expect_contains "(a) prefix: node leases are ranked too" "$OUT" "/registry/leases/kube-node-lease/"
expect_contains "(a) prefix: shop events are ranked too" "$OUT" "/registry/events/shop/"

expect_exit "(a) top --group writer exits 0" 0 "${BG[@]}" top --group writer --duration 2s
expect_eq "(a) writer: kubelet ranks first" "kubelet" "$(echo "$OUT" | first_group)"
expect_contains "(a) writer: the event writer is ranked too" "$OUT" "kube-scheduler"

expect_exit "(a) top --group namespace" 0 "${BG[@]}" top --group namespace --duration 2s
expect_eq "(a) namespace: kube-system first" "kube-system" "$(echo "$OUT" | first_group)"
expect_exit "(a) top --group resource" 0 "${BG[@]}" top --group resource --duration 2s
expect_eq "(a) resource: pods first" "pods" "$(echo "$OUT" | first_group)"

# --prefix narrows the watch; live only (--history 0): the shop events now.
expect_exit "(a) top --prefix /registry/events/" 0 "${BG[@]}" top --group prefix --prefix /registry/events/ --history 0 --duration 2s
expect_eq "(a) --prefix: only events" "/registry/events/shop/" "$(echo "$OUT" | first_group)"
expect_not_contains "(a) --prefix: no pods" "$OUT" "/registry/pods/"

# JSON: the same ranking, the numbers behind it, the sparkline.
expect_exit "(a) top --json" 0 "${BG[@]}" top --group owner --json --duration 2s
J=$OUT
expect_contains "(a) json: group_by" "$J" '"group_by": "owner"'
expect_contains "(a) json: window" "$J" '"window": "60s"'
expect_eq "(a) json: first row is the DaemonSet" '"group": "DaemonSet/kube-system/node-agent",' \
  "$(echo "$J" | grep -m1 '"group": ' | sed 's/^ *//')"
expect_contains "(a) json: history is estimated" "$J" '"estimated": true'
expect_eq "(a) json: 60 sparkline values in the first row" "60" \
  "$(echo "$J" | awk '/"spark": \[/{s=1; next} s && /\]/{print n; exit} s{n++}')"

# --watch keeps printing (JSON lines every interval) and keeps up.
expect_exit "(a) top --watch --duration" 0 "${BG[@]}" top --watch --json --interval 1s --duration 3500ms --group owner
lines=$(echo "$OUT" | grep -c '^{')
if [ "$lines" -ge 3 ]; then pass "(a) --watch printed $lines times in 3.5 s"; else fail "(a) --watch printed $lines times"; fi
last_seen=$(echo "$OUT" | tail -1 | sed -n 's/.*"last_revision":\([0-9]*\),"etcd_revision":\([0-9]*\).*/\1 \2/p')
seen=${last_seen% *}; etcd_rev=${last_seen#* }
if [ -n "$seen" ] && [ "$((etcd_rev - seen))" -lt 500 ]; then pass "(a) --watch keeps up (seen $seen, etcd at $etcd_rev)"
else fail "(a) --watch lags: '$last_seen'"; fi
# Ctrl-C ends --watch cleanly.
"${BG[@]}" top --watch --interval 500ms > "$BG_TMP/top-watch.out" 2>&1 &
TP=$!
sleep 2
kill -INT "$TP"
for ((i = 0; i < 50; i++)); do kill -0 "$TP" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$TP" 2>/dev/null; then kill -KILL "$TP"; fail "(a) --watch did not end on SIGINT"; fi
wait "$TP"; rc=$?
expect_eq "(a) --watch exits 0 on Ctrl-C" "0" "$rc"
expect_contains "(a) --watch printed a ranking" "$(cat "$BG_TMP/top-watch.out")" "RANK"
stop_writer

# ---- (b) the writer stopped before top starts ---------------------------
"$TOOLS/bg_writer" "${P[@]}" --seconds 4 --rate 250 2>/dev/null
sleep 1
expect_exit "(b) top after the writer stopped" 0 "${BG[@]}" top --group owner
expect_eq "(b) history alone ranks the DaemonSet first" "DaemonSet/kube-system/node-agent" "$(echo "$OUT" | first_group)"
expect_contains "(b) no live writes" "$OUT" "live     no writes"
expect_contains "(b) times are labelled as assumed estimates" "$OUT" "times ASSUMED (~)"
expect_contains "(b) the rate is marked estimated" "$(echo "$OUT" | awk '/^RANK/{getline; print; exit}')" "~"
expect_not_contains "(b) no keys-only fallback when history is there" "$OUT" "KEYS-ONLY"
expect_exit "(b) top --json after the writer stopped" 0 "${BG[@]}" top --group owner --json
expect_contains "(b) json: estimated" "$OUT" '"estimated": true'
expect_contains "(b) json: estimation assumed" "$OUT" '"estimation": "assumed"'
expect_eq "(b) json: first row is the DaemonSet" '"group": "DaemonSet/kube-system/node-agent",' \
  "$(echo "$OUT" | grep -m1 '"group": ' | sed 's/^ *//')"
expect_exit "(b) top --group writer" 0 "${BG[@]}" top --group writer
expect_eq "(b) writer: kubelet first from history" "kubelet" "$(echo "$OUT" | first_group)"

# ---- (c) history compacted ------------------------------------------------
rev=$(rev_now)
ectl "$D" compact "$rev" >/dev/null
expect_exit "(c) top after compaction" 0 "${BG[@]}" top
echo "$OUT" | sed 's/^/   | /'
expect_contains "(c) says the history is compacted" "$OUT" "history  COMPACTED: revisions before $rev are gone"
expect_contains "(c) keys-only ranking shown" "$OUT" "KEYS-ONLY RANKING BY VERSION (history compacted, live writes quiet)"
expect_eq "(c) by version, the DaemonSet's pods' prefix first" "/registry/pods/kube-system/" \
  "$(echo "$OUT" | first_version_group)"
expect_exit "(c) top --group key after compaction" 0 "${BG[@]}" top --group key
g=$(echo "$OUT" | first_version_group)
expect_contains "(c) by version, a DaemonSet pod is the top key" "$g" "/registry/pods/kube-system/node-agent-"
expect_exit "(c) top --json after compaction" 0 "${BG[@]}" top --json
expect_contains "(c) json: compacted" "$OUT" '"compacted": true'
expect_contains "(c) json: versions section" "$OUT" '"source": "versions"'
expect_exit "(c) top --group owner after compaction" 0 "${BG[@]}" top --group owner
expect_contains "(c) owner: values of the top keys are read" "$OUT" "values   owner read from the values of the"
expect_eq "(c) owner: by version, the DaemonSet first" "DaemonSet/kube-system/node-agent" \
  "$(echo "$OUT" | first_version_group)"
expect_exit "(c) --source versions --group writer" 0 "${BG[@]}" top --source versions --group writer --limit 3
expect_eq "(c) --source versions: kubelet first" "kubelet" "$(echo "$OUT" | first_version_group)"
expect_exit "(c) --source versions --group key" 0 "${BG[@]}" top --source versions --group key --limit 3
expect_contains "(c) --source versions: a DaemonSet pod first" "$(echo "$OUT" | first_version_group)" \
  "/registry/pods/kube-system/node-agent-"

# ---- (d) leases and deletes, live only ---------------------------------------
"${BG[@]}" top --group lease --history 0 --duration 5s --json > "$BG_TMP/top-lease.json" 2>&1 &
TP=$!
sleep 1.5
lease=$(ectl "$D" lease grant 600 | sed -n 's/^lease \([0-9a-f]*\) granted.*/\1/p')
for i in $(seq 1 12); do ectl "$D" put --lease="$lease" "/app/leased/k$i" "v$i" >/dev/null; done
for i in $(seq 1 4); do ectl "$D" del "/app/leased/k$i" >/dev/null; done
wait "$TP"
L=$(cat "$BG_TMP/top-lease.json")
expect_eq "(d) lease: the leased keys' lease first" "\"group\": \"$lease\"," "$(echo "$L" | grep -m1 '"group": ' | sed 's/^ *//')"
expect_contains "(d) lease: 12 puts and 4 deletes counted for it" "$(echo "$L" | grep -m1 -A1 '"group": ')" '"writes": 16,'
expect_contains "(d) deletes seen with their previous value" "$L" '"deletes": 4,'
expect_contains "(d) no delete without its previous value" "$L" '"deletes_unattributed": 0,'
"${BG[@]}" top --group owner --history 0 --duration 4s > "$BG_TMP/top-del.out" 2>&1 &
TP=$!
sleep 1.5
for i in $(seq 0 9); do ectl "$D" del "/registry/pods/kube-system/node-agent-0000$i" >/dev/null; done
wait "$TP"
OUT=$(cat "$BG_TMP/top-del.out")
expect_eq "(d) deletes count for the owner of the deleted pods" "DaemonSet/kube-system/node-agent" \
  "$(echo "$OUT" | first_group)"
expect_contains "(d) 10 deletes in revisions" "$OUT" "live     10 writes in revisions"

# ---- (e) etcd restarted under a running top: the watch resumes, nothing lost or twice
"$TOOLS/bg_writer" "${P[@]}" --seconds 8 --rate 100 2>/dev/null &
W_PID=$!
"${BG[@]}" top --watch --json --interval 1s --duration 12s --history 0 > "$BG_TMP/top-restart.jsonl" 2>&1 &
TP=$!
sleep 2.5
etcd_kill "$D" 0
sleep 1.5
etcd_restart "$D" 0
etcd_wait_healthy "$D" 20 || fail "(e) etcd did not come back"
wait "$W_PID"; W_PID=""
wait "$TP"; rc=$?
expect_eq "(e) top --watch exits 0 after the restart" "0" "$rc"
R=$(cat "$BG_TMP/top-restart.jsonl")
expect_contains "(e) the watch failure was seen" "$R" '"state":"retrying"'
last=$(echo "$R" | tail -1)
expect_contains "(e) running again at the end" "$last" '"state":"running"'
from=$(echo "$last" | sed -n 's/.*"history":{[^}]*"to_revision":\([0-9]*\).*/\1/p')
live=$(echo "$last" | sed -n 's/.*"live":{"writes":\([0-9]*\).*/\1/p')
seen=$(echo "$last" | sed -n 's/.*"last_revision":\([0-9]*\).*/\1/p')
expect_eq "(e) top saw up to etcd's revision" "$(rev_now)" "$seen"
expect_eq "(e) every revision after the start counted once" "$((seen - from))" "$live"

# ---- escaping, usage, failures ---------------------------------------------
expect_exit "escaping: versions by key" 0 "${BG[@]}" top --source versions --group key --prefix /registry/configmaps/shop/ --limit 50
expect_contains "escape sequence in a key is shown escaped" "$OUT" '/registry/configmaps/shop/\e]0;pwned\x07'
if printf '%s' "$OUT" | grep -q $'\e'; then fail "raw ESC reached the output"; else pass "no raw ESC in top output"; fi
expect_exit "usage: bad grouping" 2 "${BG[@]}" top --group pods
expect_contains "usage: says which groupings exist" "$OUT" "--group wants key, prefix, resource"
expect_exit "usage: bad window" 2 "${BG[@]}" top --window 7s
expect_exit "usage: depth too large" 2 "${BG[@]}" top --depth 65
expect_exit "usage: bad duration" 2 "${BG[@]}" top --duration soon
expect_exit "usage: bad source" 2 "${BG[@]}" top --source history
expect_exit "usage: stray argument" 2 "${BG[@]}" top /registry/
expect_exit "unreachable etcd fails with exit 1" 1 "$BG_BIN" --endpoints https://127.0.0.1:1 --cacert "$D/pki/ca.crt" \
  --cert "$D/pki/client.crt" --key "$D/pki/client.key" --dial-timeout 500ms top
expect_contains "unreachable etcd: names the endpoint" "$OUT" "127.0.0.1:1"
finish
