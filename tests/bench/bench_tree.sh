#!/usr/bin/env bash
# The console's browser tree built from a keys-only scan of 1M keys, beside
# the same scan without the tree (same etcd, same run). Targets: at most 200
# MiB peak RSS, and the tree ready no later than 1.2x the scan itself.
source "$BG_ROOT/tests/lib/etcd.sh"
N=${BENCH_TREE_KEYS:-1000000}
TOOL="$BG_ROOT/$BUILD/tests/tools/bench_tree"
D="$BG_TMP/bench-tree"
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 1 --quota-backend-bytes=8589934592 || exit 1
P=(--endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
"$BG_ROOT/$BUILD/tests/tools/bg_load" "${P[@]}" --count "$N" --value-size 300 2>&1 | tail -1
for run in 1 2; do
  s=$("$TOOL" "${P[@]}" --no-tree)
  t=$("$TOOL" "${P[@]}")
  echo "scan only:      $s"
  echo "scan + tree:    $t"
  sw=$(echo "$s" | sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p'); tw=$(echo "$t" | sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p')
  tm=$(echo "$t" | sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p')
  printf 'run %d: tree ready at %.2fx the scan time, peak RSS %.1f MiB (targets: <= 1.2x, <= 200 MiB)\n' "$run" \
    "$(echo "$tw / $sw" | bc -l)" "$(echo "$tm / 1024" | bc -l)"
done
