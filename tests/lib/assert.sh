#!/usr/bin/env bash
# Tiny assertion library for shell tests. Each check prints "ok - name" or
# "not ok - name" plus detail; `finish` prints "N passed, N failed" and sets
# the exit status. Expected failures check the exact exit code, so a crash
# (exit >= 128) never counts as the expected failure.
_T_PASS=0
_T_FAIL=0

pass() { _T_PASS=$((_T_PASS + 1)); echo "ok - $*"; }
fail() { _T_FAIL=$((_T_FAIL + 1)); echo "not ok - $*"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1"; printf '   expected: %q\n   actual:   %q\n' "$2" "$3"; fi
}
# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
  if [[ "$2" == *"$3"* ]]; then pass "$1"; else fail "$1"; printf '   missing:  %s\n   in:       %s\n' "$3" "${2:0:2000}"; fi
}
expect_not_contains() {
  if [[ "$2" != *"$3"* ]]; then pass "$1"; else fail "$1"; printf '   unexpected: %s\n' "$3"; fi
}
# expect_exit NAME CODE cmd... : runs cmd, output in $OUT, exit status must be CODE
expect_exit() {
  local name=$1 code=$2; shift 2
  OUT=$("$@" 2>&1); local rc=$?
  if [ "$rc" -eq "$code" ]; then pass "$name"; else fail "$name (exit $rc, wanted $code)"; echo "$OUT" | head -20 | sed 's/^/   /'; fi
}

finish() {
  echo "${_T_NAME:-test}: $_T_PASS passed, $_T_FAIL failed"
  [ "$_T_FAIL" -eq 0 ]
}
