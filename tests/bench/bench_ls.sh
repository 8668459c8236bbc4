#!/usr/bin/env bash
# Full keys-only listing of 100k and 1M keys in a Kubernetes layout:
# `breakglass ls` beside `etcdctl get --prefix --keys-only`, same etcd, same
# run. Prints wall time, ratio and both peak RSS. Target on 1M keys:
# breakglass no slower than etcdctl and at most half its peak memory.
source "$BG_ROOT/tests/lib/etcd.sh"
SIZES=${BENCH_KEYS:-"100000 1000000"}
MEASURE="$BG_ROOT/$BUILD/tests/tools/bg_measure"
LOAD="$BG_ROOT/$BUILD/tests/tools/bg_load"
D="$BG_TMP/bench-ls"
trap 'etcd_stop "$D"' EXIT
# A quota large enough for 1M keys with their history.
etcd_start "$D" 1 --quota-backend-bytes=8589934592 || exit 1
P=(--endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
loaded=0
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
printf '%-9s %-10s %10s %12s %10s\n' keys tool wall_s peak_rss_MiB keys_out
for n in $SIZES; do
  if [ "$n" -gt "$loaded" ]; then
    # bg_load writes keys by index, so loading n keys adds indices loaded..n.
    "$LOAD" "${P[@]}" --count "$n" --value-size 300 2>&1 | tail -1
    loaded=$n
  fi
  ours_n=$("$BG_BIN" "${P[@]}" ls /registry/ | wc -l)
  theirs_n=$(ETCDCTL_API=3 etcdctl "${P[@]}" --command-timeout=300s get --prefix --keys-only /registry/ | grep -vc '^$')
  for run in 1 2; do
    o=$("$MEASURE" "$BG_BIN" "${P[@]}" --command-timeout 300s ls /registry/ 2>&1 >/dev/null | tail -1)
    e=$("$MEASURE" env ETCDCTL_API=3 etcdctl "${P[@]}" --command-timeout=300s get --prefix --keys-only /registry/ 2>&1 >/dev/null | tail -1)
  done
  ow=$(echo "$o" | field wall_s); om=$(echo "$o" | field maxrss_kib)
  ew=$(echo "$e" | field wall_s); em=$(echo "$e" | field maxrss_kib)
  printf '%-9s %-10s %10s %12.1f %10s\n' "$n" breakglass "$ow" "$(echo "$om / 1024" | bc -l)" "$ours_n"
  printf '%-9s %-10s %10s %12.1f %10s\n' "$n" etcdctl "$ew" "$(echo "$em / 1024" | bc -l)" "$theirs_n"
  printf '%-9s time ratio breakglass/etcdctl = %.2f, memory ratio = %.2f\n' "$n" \
    "$(echo "$ow / $ew" | bc -l)" "$(echo "$om / $em" | bc -l)"
done
