#!/usr/bin/env bash
# make fuzz: links every tests/fuzz/fuzz_*.c with libFuzzer (clang) against
# the libraries built in $1 (with -fsanitize=fuzzer-no-link,address,undefined)
# and runs each for $2 seconds on a copy of its corpus. New inputs stay in
# $1/corpus/<name>; a crash leaves its input in $1/crashes and fails the run.
# Copy a crash input into tests/fuzz/corpus/<name>/ once fixed, so the
# ordinary test run replays it.
set -u
B=${1:-build-fuzz}
SECS=${2:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$B/fuzzers" "$B/crashes"
rc=0
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c); name=${name#fuzz_}
  bin="$B/fuzzers/fuzz_$name"
  clang -std=c11 -D_GNU_SOURCE -I. -I"$B/gen" -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all "$src" "$B/libbgtui.a" "$B/libetcdclient.a" \
    $(pkg-config --libs grpc libprotobuf-c ncursesw jansson openssl yaml-0.1) -lpthread -lm -o "$bin" || { rc=1; continue; }
  mkdir -p "$B/corpus/$name"
  [ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/"$name"/* "$B/corpus/$name/" 2>/dev/null
  echo "fuzz: $name for ${SECS}s"
  if ! "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$B/crashes/$name-" \
       "$B/corpus/$name" > "$B/fuzz-$name.log" 2>&1; then
    echo "fuzz: $name FAILED (log $B/fuzz-$name.log, inputs in $B/crashes)"; rc=1
  else
    tail -1 "$B/fuzz-$name.log"
  fi
done
exit $rc
