#!/usr/bin/env bash
# Runs the whole test suite against the build in $1 (default: build):
#   1. cmocka unit tests (pure logic)
#   2. fuzz corpora replayed through each fuzz target
#   3. integration scripts, each starting its own real etcd on 127.0.0.1
# Prints one closing line "N passed, N failed" over every check.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export BUILD BG_BIN="$ROOT/$BUILD/breakglass" BG_ROOT="$ROOT"
OWN_TMP=0
if [ -z "${BG_TMP:-}" ]; then BG_TMP=$(mktemp -d /tmp/breakglass-test.XXXXXX); OWN_TMP=1; fi
export BG_TMP
ONLY=${TESTS:-}   # optional substring filter on test names

passed=0 failed=0
failures=()

add_counts() { # name logfile rc: cmocka/assert.sh counts, or 1 check from rc
  local name=$1 log=$2 rc=$3 p f
  p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
  f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
  local sp sf
  sp=$(grep -Eo '^[a-z_0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | awk '{s+=$2} END {print s+0}')
  sf=$(grep -Eo '^[a-z_0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | awk '{s+=$4} END {print s+0}')
  p=$((p + sp)); f=$((f + sf))
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
    if [ "$rc" -eq 0 ]; then p=1; else f=1; fi
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1   # crashed or failed after its checks: never a pass
  fi
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=("$name")
  printf '%-48s %4d passed %3d failed\n' "$name" "$p" "$f"
}

# After each test: stop any etcd member it left running (a test killed by the
# timeout never reached its own clean-up; the member runs in its own session,
# so the timeout's signal did not reach it) by the PID it recorded, then drop
# every member's data and snapshot. Data of one run is gigabytes; kept run after run it
# filled the disk and etcd died mid-suite. The logs stay.
reap_members() {
  local f p
  while IFS= read -r f; do
    p=$(cat "$f" 2>/dev/null) || continue
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null
      echo "    (stopped etcd PID $p left by the test: $f)"
    fi
    rm -f "$f"
  done < <(find "$BG_TMP" -name 'm*.pid' -type f 2>/dev/null)
  find "$BG_TMP" -name 'm*.data' -type d -prune -exec rm -rf {} + 2>/dev/null
  find "$BG_TMP" -name '*.db' -type f -delete 2>/dev/null
}

run_one() { # name cmd...
  local name=$1; shift
  if [ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]]; then return; fi
  local log="$BG_TMP/$(echo "$name" | tr '/ ' '__').log"
  timeout --kill-after=10 "${TEST_TIMEOUT:-600}" "$@" > "$log" 2>&1
  local rc=$?
  reap_members
  add_counts "$name" "$log" "$rc"
  if [ "$rc" -ne 0 ] || grep -q '^not ok\|\[  FAILED  \]' "$log"; then
    sed 's/^/    | /' "$log" | tail -40
  fi
}

echo "== unit tests"
for t in "$BUILD"/tests/unit/test_*; do
  [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done

echo "== fuzz corpus replay"
for t in "$BUILD"/tests/fuzz/replay_*; do
  [ -x "$t" ] || continue
  n=${t##*/replay_}
  [ -d "tests/fuzz/corpus/$n" ] && run_one "fuzz-replay/$n" "$t" "tests/fuzz/corpus/$n"
done

echo "== integration tests (real etcd)"
for t in tests/integration/test_*.sh; do
  [ -f "$t" ] && run_one "integration/$(basename "$t" .sh)" bash "$t"
done

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "failed: ${failures[*]}"
  echo "logs in $BG_TMP"
fi
echo "$passed passed, $failed failed"
ok=0; [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && ok=1
# A clean run leaves nothing behind; a failed one keeps its logs to read.
[ "$ok" -eq 1 ] && [ "$OWN_TMP" -eq 1 ] && rm -rf "$BG_TMP"
[ "$ok" -eq 1 ]
