#!/usr/bin/env bash
# Three members on 127.0.0.1: the member in use is killed mid-scan (C test);
# then the CLI with a dead first endpoint, and with a paused one.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=failover
D="$BG_TMP/failover-etcd"
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 3 || { fail "cluster did not start"; finish; exit 1; }
export BG_ENDPOINTS=$(etcd_endpoints "$D") BG_PKI="$D/pki"
export BG_MEMBER_PIDS="$(etcd_pid "$D" 0),$(etcd_pid "$D" 1),$(etcd_pid "$D" 2)"
"$BG_ROOT/$BUILD/tests/integration/itest_failover"
rc=$?

# Whichever member the C test killed, restart it, then kill member 0 and
# use the CLI with member 0 listed first.
for i in 0 1 2; do
  p=$(etcd_pid "$D" $i)
  if ! kill -0 "$p" 2>/dev/null; then etcd_restart "$D" $i; fi
done
etcd_wait_healthy "$D" 30 || fail "cluster did not heal"
BG=("$BG_BIN" --endpoints "$BG_ENDPOINTS" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
etcd_kill "$D" 0
expect_exit "ls succeeds with the first endpoint dead" 0 "${BG[@]}" count /fo/
expect_eq "all keys counted through another member" "50001" "$OUT"
expect_exit "status reports the dead member and fails" 1 "${BG[@]}" status
expect_contains "dead member is named as refusing" "$OUT" "refused: nothing listens there"
etcd_restart "$D" 0
etcd_wait_healthy "$D" 30 || fail "cluster did not heal after restart"

# A paused first member: reads move on to the next member after the deadline.
etcd_pause "$D" 0
start=$(date +%s)
expect_exit "read succeeds with the first endpoint paused" 0 "${BG[@]}" --dial-timeout 1s --command-timeout 2s count /fo/
took=$(( $(date +%s) - start ))
etcd_resume "$D" 0
expect_eq "count through a healthy member" "50001" "$OUT"
if [ "$took" -le 8 ]; then pass "moved past the paused member in ${took}s"; else fail "took ${took}s to move past a paused member"; fi

finish; frc=$?
[ $rc -eq 0 ] && [ $frc -eq 0 ]
