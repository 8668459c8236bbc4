#!/usr/bin/env bash
# The guarded delete engine (tui/ops) against one real TLS etcd member:
# changes inside a run of planned keys between plan and execution, plans
# that may or may not be deleted by ranges, a cancel while paced.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=ops
D="$BG_TMP/ops-etcd"
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
export BG_ENDPOINTS=$(etcd_endpoints "$D") BG_PKI="$D/pki"
"$BG_ROOT/$BUILD/tests/integration/itest_ops"
rc=$?
finish; frc=$?
[ $rc -eq 0 ] && [ $frc -eq 0 ]
