#!/usr/bin/env bash
# The CLI's self-protection flags against real etcd: --max-requests,
# --max-bytes and --consistency are checked and take effect; `ls` paced by
# --max-requests survives a compaction of its revision mid-listing,
# restarting at a newer one without printing any key twice.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=cli_limits
D="$BG_TMP/limits-etcd"
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
BG=("$BG_BIN" --endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt"
    --key "$D/pki/client.key")

# ---- the flags are checked ----------------------------------------------------
expect_exit "--max-requests wants a number" 2 "${BG[@]}" --max-requests lots ls /
expect_contains "--max-requests: the message names the flag" "$OUT" "--max-requests 'lots' is not a number"
expect_exit "--max-bytes wants a size" 2 "${BG[@]}" --max-bytes 20furlongs ls /
expect_contains "--max-bytes: the message gives an example" "$OUT" "like 20MiB"
expect_exit "--consistency wants l or s" 2 "${BG[@]}" --consistency strong ls /
expect_contains "--consistency: the message names both" "$OUT" "l: linearizable, s: serializable"

# ---- a keyspace to list ---------------------------------------------------------
N=1500
"$BG_ROOT/$BUILD/tests/tools/bg_load" --endpoints "$(etcd_endpoints "$D")" --cacert "$D/pki/ca.crt" \
  --cert "$D/pki/client.crt" --key "$D/pki/client.key" --count "$N" --value-size 50 > /dev/null 2>&1
N=$(ectl "$D" get --prefix /registry/ --keys-only | grep -c '^/registry/')
expect_eq "at least 1500 keys loaded" yes "$([ "${N:-0}" -ge 1500 ] && echo yes || echo no)"

expect_exit "ls --consistency l lists everything" 0 "${BG[@]}" --consistency l ls /registry/
expect_eq "linearizable listing: every key" "$N" "$(printf '%s\n' "$OUT" | grep -c '^/registry/')"
expect_exit "--max-requests 0 (unlimited) and --max-bytes 0 work" 0 "${BG[@]}" --max-requests 0 --max-bytes 0 ls /registry/
expect_eq "unlimited listing: every key" "$N" "$(printf '%s\n' "$OUT" | grep -c '^/registry/')"

# ---- a request the limit would hold past its deadline: refused here, said so
# (a Range request is about 20 bytes; at 1 byte/s it would wait ~20 s > 1 s)
expect_exit "held back by --max-bytes 1" 1 "${BG[@]}" --max-bytes 1 --command-timeout 1s get /registry/x
expect_contains "the message names the client's own limit" "$OUT" "not sent: the client's limit of 1 bytes/s"
expect_contains "the hint names the flags to change" "$OUT" "raise --max-requests or --max-bytes (0 = no limit)"
expect_eq "two lines: the cause and the fix" "2" "$(printf '%s\n' "$OUT" | wc -l)"
expect_eq "not blamed on etcd, no failover" "0" "$(printf '%s\n' "$OUT" | grep -c 'no endpoint of\|etcd is slow')"

# ---- compaction under a paced listing ---------------------------------------------
# 15 pages at 2 requests/s take about 7 s; the revision is compacted after 2 s.
"${BG[@]}" --max-requests 2 ls --page-size 100 /registry/ > "$BG_TMP/lim.out" 2> "$BG_TMP/lim.err" &
LS=$!
sleep 2
ectl "$D" put /other/bump 1 > /dev/null
rev=$(ectl "$D" get /other/bump -w json | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
ectl "$D" compact "$rev" > /dev/null
wait "$LS"
rc=$?
expect_eq "paced ls survives the compaction" 0 "$rc"
expect_contains "stderr says the scan restarted" "$(cat "$BG_TMP/lim.err")" "was compacted mid-scan; restarted at revision"
expect_eq "every key listed" "$N" "$(grep -c '^/registry/' "$BG_TMP/lim.out")"
expect_eq "no key listed twice" "0" "$(sort "$BG_TMP/lim.out" | uniq -d | wc -l)"
expect_eq "listed in order" "$(sort "$BG_TMP/lim.out")" "$(cat "$BG_TMP/lim.out")"
finish
