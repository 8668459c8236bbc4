#!/usr/bin/env bash
# make bench: every benchmark in tests/bench/bench_*.sh, against real etcd,
# each printing breakglass beside etcdctl (or the operator's alternative) on
# the same data in the same run. Not part of CI.
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export BUILD BG_ROOT="$ROOT" BG_BIN="$ROOT/$BUILD/breakglass"
OWN_TMP=0
if [ -z "${BG_TMP:-}" ]; then BG_TMP=$(mktemp -d /tmp/breakglass-bench.XXXXXX); OWN_TMP=1; fi
export BG_TMP
rc=0
for b in "$ROOT"/tests/bench/bench_*.sh; do
  [ -f "$b" ] || continue
  if [ -n "${BENCH:-}" ] && [[ "$(basename "$b")" != *"$BENCH"* ]]; then continue; fi
  echo "=== $(basename "$b" .sh)"
  bash "$b" || rc=1
done
# Benchmark data is hundreds of megabytes a run: never leave it behind.
[ "$OWN_TMP" -eq 1 ] && rm -rf "$BG_TMP"
exit $rc
