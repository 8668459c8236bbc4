#!/usr/bin/env bash
# `breakglass top`:
#  (1) the pipeline alone (peek + grouping + engine, bg_top_feed_events) on
#      one core, 10M events over 1M distinct keys, from values in memory:
#      tests/tools/bench_top. Target: >= 1M events/s with owner grouping.
#  (2) against real etcd, writers at full speed (bg_writer --rate 0) for
#      BENCH_TOP_SECONDS (20): does `breakglass top --watch` keep up (the last
#      revision it saw vs etcd's at the end, the lag in each print), and its
#      CPU share from /proc/PID/stat beside `etcdctl watch --prefix /` on the
#      same stream. Target: keeps up, under a quarter of one core.
source "$BG_ROOT/tests/lib/etcd.sh"
TOOLS="$BG_ROOT/$BUILD/tests/tools"
SECS=${BENCH_TOP_SECONDS:-20}
WRITERS=${BENCH_TOP_WRITERS:-32}
D="$BG_TMP/bench-top"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  etcd_stop "$D"
}
trap cleanup EXIT

echo "--- (1) pipeline on one core (values fresh per batch, as unpacked from a watch response)"
for g in owner key prefix all; do "$TOOLS/bench_top" -g "$g" | sed -n 1,2p; done
echo "--- (1) worst case: values read cold from an 80 MB pool"
"$TOOLS/bench_top" -g owner -cold | sed -n 2p

echo "--- (2) real etcd, $WRITERS writers at full speed for ${SECS}s"
etcd_start "$D" 1 --quota-backend-bytes=4294967296 || exit 1
P=(--endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
"$TOOLS/bg_load" "${P[@]}" --count 2000 --demo 2>&1 | tail -1
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rev_now() { ectl "$D" endpoint status -w json | sed -n 's/.*"revision":\([0-9]*\).*/\1/p'; }

run_round() { # grouping
  local g=$1 out="$BG_TMP/bench-top-$1.jsonl" i
  PIDS=()
  "$BG_BIN" "${P[@]}" top --watch --json --interval 2s --history 0 --group "$g" --duration $((SECS + 6))s > "$out" &
  local top_pid=$!
  ETCDCTL_API=3 etcdctl "${P[@]}" watch --prefix / > "$BG_TMP/bench-top-etcdctl.out" 2>&1 &
  local ectl_pid=$!
  PIDS=("$top_pid" "$ectl_pid")
  sleep 1
  local r0 etcd_pid t0 a0 b0 e0
  r0=$(rev_now); etcd_pid=$(etcd_pid "$D" 0)
  t0=$(date +%s.%N); a0=$(ticks "$top_pid"); b0=$(ticks "$ectl_pid"); e0=$(ticks "$etcd_pid")
  for ((i = 0; i < WRITERS; i++)); do
    "$TOOLS/bg_writer" "${P[@]}" --seconds "$SECS" --rate 0 2>/dev/null &
    PIDS+=("$!")
  done
  for ((i = 2; i < ${#PIDS[@]}; i++)); do wait "${PIDS[$i]}"; done
  local t1 a1 b1 e1 r1
  t1=$(date +%s.%N); a1=$(ticks "$top_pid"); b1=$(ticks "$ectl_pid"); e1=$(ticks "$etcd_pid")
  r1=$(rev_now)
  wait "$top_pid"
  kill -TERM "$ectl_pid" 2>/dev/null; wait "$ectl_pid" 2>/dev/null
  PIDS=()
  local dt seen
  dt=$(echo "$t1 - $t0" | bc -l)
  seen=$(tail -1 "$out" | sed -n 's/.*"last_revision":\([0-9]*\).*/\1/p')
  printf 'group %-7s etcd took %d writes in %.1f s = %.0f writes/s (revision %s at the end)\n' "$g" \
    "$((r1 - r0))" "$dt" "$(echo "($r1 - $r0) / $dt" | bc -l)" "$r1"
  printf '  breakglass top --watch: last revision seen %s (%s behind etcd at the end); CPU %.1f%% of one core\n' \
    "$seen" "$((r1 - seen))" "$(echo "($a1 - $a0) * 100 / $HZ / $dt" | bc -l)"
  printf '  etcdctl watch --prefix /: CPU %.1f%% of one core;  etcd itself: %.1f%%\n' \
    "$(echo "($b1 - $b0) * 100 / $HZ / $dt" | bc -l)" "$(echo "($e1 - $e0) * 100 / $HZ / $dt" | bc -l)"
  # In each print: the last revision counted minus etcd's revision from
  # top's newest Status sample (taken at most 1 s before the print). >= 0:
  # every write up to that sample was already counted (less than 1 s behind).
  printf '  per print, revisions counted beyond the last Status sample:'
  sed -n 's/.*"last_revision":\([0-9]*\),"etcd_revision":\([0-9]*\).*/\1 \2/p' "$out" |
    awk '{printf " %d", $1 - $2} END {print ""}'
}
run_round prefix
run_round owner
