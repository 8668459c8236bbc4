#!/usr/bin/env bash
# etcdclient's C integration tests against one real TLS etcd member, then
# again under valgrind (the library must not leak).
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=client
D="$BG_TMP/client-etcd"
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
export BG_ENDPOINTS=$(etcd_endpoints "$D") BG_PKI="$D/pki"
"$BG_ROOT/$BUILD/tests/integration/itest_client"
rc=$?
if [ "${BG_VALGRIND:-1}" = 1 ] && [ "${BUILD##*/}" != build-asan ] && command -v valgrind >/dev/null; then
  # A fresh member so the same puts run again from a clean keyspace.
  etcd_start "$D" 1 || { fail "etcd did not restart"; finish; exit 1; }
  export BG_ENDPOINTS=$(etcd_endpoints "$D")
  if valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
       "$BG_ROOT/$BUILD/tests/integration/itest_client" > "$BG_TMP/client-valgrind.log" 2>&1; then
    pass "valgrind: no definite leaks, no memory errors in the client library tests"
  else
    fail "valgrind reported problems"; tail -40 "$BG_TMP/client-valgrind.log"
  fi
fi
finish; frc=$?
[ $rc -eq 0 ] && [ $frc -eq 0 ]
