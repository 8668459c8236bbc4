#!/usr/bin/env bash
# Reading every key of a snapshot with no etcd running: `breakglass --offline
# snap.db ls --keys-only` beside what an operator would otherwise do, on the
# same snapshot in the same run: `etcdctl snapshot restore` into a new data
# dir, start etcd on it, wait until healthy, `etcdctl get --prefix
# --keys-only ""`. Prints wall time and peak RSS of both, and the ratio.
# Target: at least 10x faster, memory bounded by the keys listed.
#
#   BENCH_KEYS   keys to load (default 1000000)
# Uses $BUILD/tests/tools/bg_load to load when built, else etcdctl txn batches
# of 100 puts (slow: fine for small BENCH_KEYS); $BUILD/tests/tools/bg_measure,
# else /usr/bin/time, to measure.
source "$BG_ROOT/tests/lib/etcd.sh"
N=${BENCH_KEYS:-1000000}
LOAD="$BG_ROOT/$BUILD/tests/tools/bg_load"
MEASURE="$BG_ROOT/$BUILD/tests/tools/bg_measure"
D="$BG_TMP/bench-offline"
R="$BG_TMP/bench-offline-restore"
RPID=""
stop_restored() {
  [ -n "$RPID" ] || return 0
  kill -TERM "$RPID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$RPID" 2>/dev/null
  wait "$RPID" 2>/dev/null
  RPID=""
}
trap 'stop_restored; etcd_stop "$D"' EXIT
rm -rf "$D" "$R"

now() { date +%s.%N; }
# measure CMD...: prints "wall_s=S maxrss_kib=K cpu_s=C ...", the command's stdout discarded.
measure() {
  if [ -x "$MEASURE" ]; then
    "$MEASURE" "$@" 2>&1 >/dev/null | tail -1
  elif [ -x /usr/bin/time ]; then
    local t0 t1 rss
    t0=$(now)
    rss=$( { /usr/bin/time -f 'maxrss_kib=%M cpu_s=%U+%S' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1)
    rss="${rss%cpu_s=*}cpu_s=$(echo "${rss#*cpu_s=}" | bc -l)"
    t1=$(now)
    echo "wall_s=$(echo "$t1 - $t0" | bc -l) $rss"
  else
    echo "bench_offline: neither bg_measure nor /usr/bin/time" >&2; return 1
  fi
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
vmhwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
# CPU seconds a live process used so far (user + system).
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null; }

etcd_start "$D" 1 --quota-backend-bytes=8589934592 || exit 1
P=(--endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
t0=$(now)
if [ -x "$LOAD" ]; then
  "$LOAD" "${P[@]}" --count "$N" --value-size 300 2>&1 | tail -1
else
  echo "loading $N keys with etcdctl txn batches (no $LOAD)"
  val=$(printf 'v%.0s' $(seq 1 300))
  res=(pods configmaps secrets services endpoints events leases deployments)
  i=0
  while [ "$i" -lt "$N" ]; do
    {
      echo
      for ((j = 0; j < 100 && i < N; j++, i++)); do
        echo "put /registry/${res[i % 8]}/ns$((i % 50))/obj-$i $val"
      done
      echo
      echo
    } | ETCDCTL_API=3 etcdctl "${P[@]}" txn >/dev/null || { echo "txn failed at $i" >&2; exit 1; }
  done
fi
echo "loaded $N keys in $(printf '%.1f' "$(echo "$(now) - $t0" | bc -l)") s"
SNAP="$BG_TMP/bench-offline.snap.db"
rm -f "$SNAP"
ETCDCTL_API=3 etcdctl "${P[@]}" --command-timeout=600s snapshot save "$SNAP" >/dev/null 2>&1 || exit 1
etcd_stop "$D"
echo "snapshot: $(stat -c %s "$SNAP") bytes"

# (a) breakglass, twice (the second with the file in the page cache, as (b)
# gets it too); both lines printed.
ours_n=$("$BG_BIN" --offline "$SNAP" ls --keys-only | wc -l)
for run in 1 2; do
  o=$(measure "$BG_BIN" --offline "$SNAP" ls --keys-only)
  echo "breakglass run $run: $o"
done
ow=$(echo "$o" | field wall_s); om=$(echo "$o" | field maxrss_kib); oc=$(echo "$o" | field cpu_s)

# (b) restore + start + wait healthy + get, timed as one; memory: the etcd
# server's peak (VmHWM) plus etcdctl get's, since they run together.
cport=$(_free_port); pport=$(_free_port)
t0=$(now)
rs=$(measure env ETCDCTL_API=3 etcdctl snapshot restore "$SNAP" --data-dir "$R" --name r0 \
      --initial-cluster "r0=http://127.0.0.1:$pport" \
      --initial-advertise-peer-urls "http://127.0.0.1:$pport")
setsid etcd --name r0 --data-dir "$R" --quota-backend-bytes=8589934592 \
  --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
  --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
  --initial-cluster "r0=http://127.0.0.1:$pport" --logger zap --log-outputs "$BG_TMP/bench-offline-restore.log" \
  > /dev/null 2>&1 < /dev/null &
RPID=$!
healthy=0
for _ in $(seq 1 1200); do
  if ETCDCTL_API=3 etcdctl --endpoints "http://127.0.0.1:$cport" --command-timeout=2s endpoint health >/dev/null 2>&1; then
    healthy=1; break
  fi
  sleep 0.1
done
[ "$healthy" = 1 ] || { echo "restored etcd not healthy in 120 s; log $BG_TMP/bench-offline-restore.log" >&2; exit 1; }
t_healthy=$(now)
g=$(measure env ETCDCTL_API=3 etcdctl --endpoints "http://127.0.0.1:$cport" --command-timeout=300s get --prefix --keys-only "")
t1=$(now)
server_kib=$(vmhwm_kib "$RPID")
server_cpu=$(cpu_of "$RPID")
theirs_n=$(ETCDCTL_API=3 etcdctl --endpoints "http://127.0.0.1:$cport" --command-timeout=300s get --prefix --keys-only "" | grep -vc '^$')
stop_restored
ew=$(echo "$t1 - $t0" | bc -l)
restore_s=$(echo "$rs" | field wall_s); restore_kib=$(echo "$rs" | field maxrss_kib)
get_s=$(echo "$g" | field wall_s); get_kib=$(echo "$g" | field maxrss_kib)
restore_cpu=$(echo "$rs" | field cpu_s); get_cpu=$(echo "$g" | field cpu_s)
ec=$(echo "${restore_cpu:-0} + ${server_cpu:-0} + ${get_cpu:-0}" | bc -l)
em=$(( ${server_kib:-0} + ${get_kib:-0} ))
[ "${restore_kib:-0}" -gt "$em" ] && em=$restore_kib

echo
printf 'keys in snapshot: breakglass lists %s, restored etcd lists %s\n' "$ours_n" "$theirs_n"
printf '%-44s %10s %10s %14s\n' "" wall_s cpu_s peak_rss_MiB
row() { printf '%-44s %10.2f %10.2f %14.1f\n' "$1" "$2" "$3" "$(echo "$4 / 1024" | bc -l)"; }
row "breakglass --offline ls --keys-only" "$ow" "${oc:-0}" "$om"
row "restore + start etcd + get --keys-only" "$ew" "$ec" "$em"
row "  of which snapshot restore" "$restore_s" "${restore_cpu:-0}" "${restore_kib:-0}"
row "  of which etcd start to healthy (server life)" "$(echo "$t_healthy - $t0 - $restore_s" | bc -l)" "${server_cpu:-0}" "${server_kib:-0}"
row "  of which etcdctl get --keys-only" "$get_s" "${get_cpu:-0}" "${get_kib:-0}"
printf 'breakglass: %.1fx faster (wall), %.1fx less CPU, %.2fx the peak memory; load average %s\n' \
  "$(echo "$ew / $ow" | bc -l)" "$(echo "$ec / ${oc:-1}" | bc -l)" "$(echo "$om / $em" | bc -l)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$R" "$SNAP"
[ "$ours_n" = "$theirs_n" ]
