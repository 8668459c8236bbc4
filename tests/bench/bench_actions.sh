#!/usr/bin/env bash
# Guarded deletion of a 10k-key prefix (plan at one revision, intent with
# every pre-image fsync'd to the audit log, mod_revision-guarded Txn batches,
# result record) beside `etcdctl del --prefix` of the same keys, same etcd,
# same run. Target: no more than 2x etcdctl's time. For scale, each run also
# times the plan alone (rm --dry-run: connect, read every value, show) beside
# etcdctl reading the same keys and values: the audited delete cannot be
# faster than reading its pre-images; and what an operator does by hand for
# the same record (etcdctl get to a file, sync, etcdctl del).
source "$BG_ROOT/tests/lib/etcd.sh"
N=${BENCH_DELETE_KEYS:-10000}
MEASURE="$BG_ROOT/$BUILD/tests/tools/bg_measure"
LOAD="$BG_ROOT/$BUILD/tests/tools/bg_load"
D="$BG_TMP/bench-actions"
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 1 --quota-backend-bytes=4294967296 || exit 1
P=(--endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
printf '%-10s %-34s %10s %12s\n' keys tool wall_s peak_rss_MiB
for run in 1 2 3; do
  "$LOAD" "${P[@]}" --count "$N" --value-size 400 > /dev/null 2>&1
  n=$("$BG_BIN" "${P[@]}" count /registry/)
  d=$("$MEASURE" "$BG_BIN" "${P[@]}" --audit-log "$BG_TMP/bench-audit.log" rm --prefix /registry/ --dry-run 2>&1 >/dev/null | tail -1)
  g=$("$MEASURE" env ETCDCTL_API=3 etcdctl "${P[@]}" get --prefix /registry/ 2>&1 >/dev/null | tail -1)
  rm -f "$BG_TMP/bench-audit.log"
  o=$("$MEASURE" "$BG_BIN" "${P[@]}" --audit-log "$BG_TMP/bench-audit.log" rm --prefix /registry/ --yes --confirm-count "$n" 2>&1 >/dev/null | tail -1)
  left=$("$BG_BIN" "${P[@]}" count /registry/)
  "$LOAD" "${P[@]}" --count "$N" --value-size 400 > /dev/null 2>&1
  e=$("$MEASURE" env ETCDCTL_API=3 etcdctl "${P[@]}" del --prefix /registry/ 2>&1 >/dev/null | tail -1)
  # What an operator does by hand for the same safety: dump the values to a
  # file, make it durable, then delete. Unguarded still (a key written
  # between the two is deleted unseen).
  "$LOAD" "${P[@]}" --count "$N" --value-size 400 > /dev/null 2>&1
  m=$("$MEASURE" bash -c 'ETCDCTL_API=3 etcdctl "$@" get --prefix /registry/ -w json > "$BG_TMP/bench-dump.json" &&
      sync "$BG_TMP/bench-dump.json" && ETCDCTL_API=3 etcdctl "$@" del --prefix /registry/ > /dev/null' _ "${P[@]}" \
      2>&1 >/dev/null | tail -1)
  rm -f "$BG_TMP/bench-dump.json"
  ow=$(echo "$o" | field wall_s); ew=$(echo "$e" | field wall_s)
  printf '%-10s %-34s %10s %12.1f\n' "$n" "breakglass rm --prefix (audited)" "$ow" "$(echo "$(echo "$o" | field maxrss_kib) / 1024" | bc -l)"
  printf '%-10s %-34s %10s %12.1f\n' "$n" "etcdctl del --prefix" "$ew" "$(echo "$(echo "$e" | field maxrss_kib) / 1024" | bc -l)"
  printf '%-10s %-34s %10s %12.1f\n' "$n" "by hand: etcdctl get > file, sync, del" "$(echo "$m" | field wall_s)" "$(echo "$(echo "$m" | field maxrss_kib) / 1024" | bc -l)"
  printf '%-10s %-34s %10s %12.1f\n' "$n" "breakglass rm --dry-run (plan only)" "$(echo "$d" | field wall_s)" "$(echo "$(echo "$d" | field maxrss_kib) / 1024" | bc -l)"
  printf '%-10s %-34s %10s %12.1f\n' "$n" "etcdctl get --prefix (values)" "$(echo "$g" | field wall_s)" "$(echo "$(echo "$g" | field maxrss_kib) / 1024" | bc -l)"
  printf 'run %d: ratio breakglass/etcdctl = %.2f (left after breakglass: %s keys; audit log %s bytes)\n' "$run" \
    "$(echo "$ow / $ew" | bc -l)" "$left" "$(stat -c %s "$BG_TMP/bench-audit.log")"
done
