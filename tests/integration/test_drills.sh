#!/usr/bin/env bash
# Fault drills on three members on 127.0.0.1 (docs/drills.md): compaction
# under a scan, rate limits, slow and frozen members (C test, then again
# under valgrind), and the CLI with a paused member listed first. The member
# killed mid-scan is test_failover.sh; NOSPACE is test_actions.sh.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=drills
D="$BG_TMP/drills-etcd"
# Never leave a member frozen, whatever happens.
trap 'for i in 0 1 2; do etcd_resume "$D" $i 2>/dev/null; done; etcd_stop "$D"' EXIT
etcd_start "$D" 3 || { fail "cluster did not start"; finish; exit 1; }
export BG_ENDPOINTS=$(etcd_endpoints "$D") BG_PKI="$D/pki"
export BG_MEMBER_PIDS="$(etcd_pid "$D" 0),$(etcd_pid "$D" 1),$(etcd_pid "$D" 2)"
"$BG_ROOT/$BUILD/tests/integration/itest_drills"
rc=$?
etcd_wait_healthy "$D" 30 || fail "cluster did not heal after the C drills"

if [ "${BG_VALGRIND:-1}" = 1 ] && [[ "${BUILD##*/}" != *asan* ]] && command -v valgrind >/dev/null; then
  # Keys are per process, so the same drills run again on this cluster.
  if valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
       "$BG_ROOT/$BUILD/tests/integration/itest_drills" > "$BG_TMP/drills-valgrind.log" 2>&1; then
    pass "valgrind: the drills pass with no definite leaks and no memory errors"
  else
    fail "valgrind drills reported problems"; tail -40 "$BG_TMP/drills-valgrind.log"
  fi
  etcd_wait_healthy "$D" 30 || fail "cluster did not heal after the valgrind drills"
fi

# The CLI with member 0 paused and listed first.
for i in 1 2 3; do ectl "$D" put "/drill/k$i" "v$i" >/dev/null; done
E0=$(etcd_endpoint "$D" 0)
BG=("$BG_BIN" --endpoints "$BG_ENDPOINTS" --cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt"
    --key "$D/pki/client.key" --dial-timeout 1s --command-timeout 2s)
etcd_pause "$D" 0
expect_exit "ls moves past the paused first member" 0 "${BG[@]}" ls /drill/
expect_eq "ls lists every key through a healthy member" $'/drill/k1\n/drill/k2\n/drill/k3' "$OUT"
expect_exit "get moves past the paused first member" 0 "${BG[@]}" get /drill/k2
expect_contains "get shows the value" "$OUT" "v2"
expect_exit "status fails when a member does not answer" 1 "${BG[@]}" status
expect_contains "status names the paused member" "$OUT" "'$E0'"
# A fresh process has no connection yet: the handshake is what stalls.
expect_contains "status says why" "$OUT" \
  "'$E0' accepted the connection but did not complete the TLS handshake within 1000 ms (etcd stopped, paused or overloaded?)"
expect_contains "status counts the silent member" "$OUT" "1 of 3 members did not answer"
etcd_resume "$D" 0
etcd_wait_healthy "$D" 30 || fail "cluster did not heal after the pause"
expect_exit "status is clean again once resumed" 0 "${BG[@]}" status

finish; frc=$?
[ $rc -eq 0 ] && [ $frc -eq 0 ]
