#!/usr/bin/env bash
# The offline reader (`breakglass --offline FILE ...`) against files from a
# real etcd: an `etcdctl snapshot save` of a single TLS member after a known
# sequence, and the member/snap/db of a stopped member of a 3-member cluster.
# Every key must equal what etcdctl returned at that revision, byte for byte,
# and every key's record count what the sequence implies. Damaged copies must
# be refused with the right message, and nothing may write the files read.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=offline
D="$BG_TMP/offline-one"
C="$BG_TMP/offline-three"
W="$BG_TMP/offline-work"
trap 'etcd_stop "$D"; etcd_stop "$C"' EXIT
rm -rf "$W"
mkdir -p "$W"
OFF=("$BG_BIN" --offline)
export LC_ALL=C     # byte order for sort, bytes for grep

etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }

# ---- the sequence, with a model of what the file must keep ----
# A compaction at C keeps of each key its newest record <= C unless that is a
# tombstone, and every record after C. revs/dels count records per key.
rev=1
declare -A revs dels live
keys=()
track() { [ -n "${revs[$1]+x}" ] && return; keys+=("$1"); revs[$1]=0; dels[$1]=0; live[$1]=0; }
put() { track "$1"; ectl "$D" put -- "$1" "$2" >/dev/null || fail "put $1"
        rev=$((rev + 1)); revs[$1]=$((revs[$1] + 1)); live[$1]=1; }
put_file() { track "$1"; ectl "$D" put -- "$1" < "$2" >/dev/null || fail "put $1"
             rev=$((rev + 1)); revs[$1]=$((revs[$1] + 1)); live[$1]=1; }
del() { ectl "$D" del -- "$1" >/dev/null || fail "del $1"
        rev=$((rev + 1)); revs[$1]=$((revs[$1] + 1)); dels[$1]=$((dels[$1] + 1)); live[$1]=0; }
compact_here() {
  for k in "${keys[@]}"; do revs[$k]=${live[$k]}; dels[$k]=0; done
  ectl "$D" compact "$rev" --physical >/dev/null || fail "compact $rev"
  compacted=$rev
}

for i in $(seq 1 30); do put "/registry/pods/ns$((i % 3))/pod$i" "spec-of-pod-$i"; done
for i in 1 2 3 4 5; do put /registry/pods/ns0/pod3 "spec-of-pod-3-v$i"; done
printf 'k8s\0\x0a\x05\xff\xfe\x1b[2J binary\n' > "$W/bin1"
put_file /registry/secrets/ns1/blob "$W/bin1"
put $'/registry/odd/\xfe\xff-name' "key that is not UTF-8"
del /registry/pods/ns1/pod1              # deleted before the compaction: gone entirely
del /registry/pods/ns2/pod2
put /registry/pods/ns2/pod2 "recreated" # and back
compact_here
for i in $(seq 1 20); do put /registry/leases/kube-system/lock "holder-$((i % 2))-renew-$i"; done
del /registry/pods/ns0/pod6              # deleted after it: its tombstone stays
for i in 1 2 3; do put /registry/configmaps/ns0/cfg "cfg-$i"; done
put /registry/pods/ns0/pod3 "spec-of-pod-3-after"
printf '\0\377\0' > "$W/bin2"
put_file /registry/secrets/ns1/blob "$W/bin2"
put /registry/empty ""

ectl "$D" get "" --prefix -w json > "$W/theirs.json" || fail "etcdctl get"
ectl "$D" get "" --prefix --keys-only > "$W/theirs.keys"
got_rev=$(sed -n 's/.*"header":{[^}]*"revision":\([0-9]*\).*/\1/p' "$W/theirs.json")
expect_eq "the model follows etcd's revisions" "$rev" "$got_rev"
ectl "$D" snapshot save "$W/snap.db" >/dev/null 2>&1 || fail "snapshot save"
sum_before=$(sha256sum "$W/snap.db" | cut -d' ' -f1)

# ---- comparing with etcdctl ----
# One line per key, "key value create mod version lease", base64 as etcdctl
# writes it (no quotes inside base64, so splitting objects is safe).
norm_etcdctl() {
  sed 's/.*"kvs":\[{//; s/}\],"count".*//; s/},{/\n/g' "$1" | awk '
    function s(n) { if (match($0, "\"" n "\":\"[^\"]*\"")) return substr($0, RSTART + length(n) + 4, RLENGTH - length(n) - 5); return "" }
    function i(n) { if (match($0, "\"" n "\":-?[0-9]+")) return substr($0, RSTART + length(n) + 3, RLENGTH - length(n) - 3); return "0" }
    NF { print s("key"), s("value"), i("create_revision"), i("mod_revision"), i("version"), i("lease") }'
}
norm_dump() {
  tail -n +2 "$1" | awk '
    function s(n) { if (match($0, "\"" n "\":\"[^\"]*\"")) return substr($0, RSTART + length(n) + 4, RLENGTH - length(n) - 5); return "" }
    function i(n) { if (match($0, "\"" n "\":-?[0-9]+")) return substr($0, RSTART + length(n) + 3, RLENGTH - length(n) - 3); return "0" }
    { print s("key_b64"), s("value_b64"), i("create_revision"), i("mod_revision"), i("version"), i("lease") }'
}
# The model's counts, "key_b64 revisions deletes deleted".
model_counts() {
  for k in "${keys[@]}"; do
    [ "${revs[$k]}" -eq 0 ] && continue
    printf '%s %d %d %s\n' "$(printf '%s' "$k" | base64 -w0)" "${revs[$k]}" "${dels[$k]}" \
      "$([ "${live[$k]}" = 1 ] && echo false || echo true)"
  done | sort
}
# Ours from `top --json`: every key with its counts.
top_counts() {
  sed 's/.*"keys":\[{//; s/}\],"prefixes".*//; s/},{/\n/g' "$1" | while IFS= read -r o; do
    k=$(printf '%s' "$o" | sed -n 's/.*"key_b64":"\([^"]*\)".*/\1/p')
    [ -n "$k" ] || k=$(printf '%s' "$o" | sed -n 's/.*"key":"\([^"\\]*\)".*/\1/p' | tr -d '\n' | base64 -w0)
    r=$(printf '%s' "$o" | sed -n 's/.*"revisions":\([0-9]*\).*/\1/p')
    d=$(printf '%s' "$o" | sed -n 's/.*"deletes":\([0-9]*\).*/\1/p')
    x=$(printf '%s' "$o" | sed -n 's/.*"deleted":\([a-z]*\).*/\1/p')
    echo "$k $r $d $x"
  done | sort
}

expect_exit "--offline FILE ls --help: usage, exit 0" 0 "${OFF[@]}" "$W/snap.db" ls --help
expect_contains "ls --help names the command's usage" "$OUT" "usage: breakglass --offline FILE ls"
expect_exit "dump of the snapshot" 0 "${OFF[@]}" "$W/snap.db" dump --output "$W/snap.jsonl"
head -1 "$W/snap.jsonl" > "$W/head"
expect_contains "dump header names the format" "$(cat "$W/head")" '{"breakglass_dump":1,"source":'
expect_contains "dump header has the snapshot's revision" "$(cat "$W/head")" "\"revision\":$rev,"
norm_etcdctl "$W/theirs.json" | sort > "$W/theirs.norm"
norm_dump "$W/snap.jsonl" | sort > "$W/ours.norm"
expect_eq "etcdctl listed keys" "$(grep -c '"key":' <(sed 's/},{/\n/g' "$W/theirs.json"))" "$(wc -l < "$W/theirs.norm")"
expect_eq "every key, value and revision equals etcdctl's at revision $rev" \
  "$(cat "$W/theirs.norm")" "$(cat "$W/ours.norm")"
expect_contains "dump header counts the keys" "$(cat "$W/head")" "\"keys\":$(wc -l < "$W/theirs.norm")}"

expect_exit "top --json over every key" 0 "${OFF[@]}" "$W/snap.db" top --limit 100000 --json
printf '%s\n' "$OUT" > "$W/top.json"
expect_eq "per-key record counts equal the writes kept after the compaction at $compacted" \
  "$(model_counts)" "$(top_counts "$W/top.json")"
expect_contains "the hot lease key leads" "$OUT" '"keys":[{"key":"/registry/leases/kube-system/lock","revisions":20,'
expect_not_contains "a key deleted before the compaction is gone" "$OUT" '"/registry/pods/ns1/pod1"'

expect_exit "ls --keys-only" 0 "${OFF[@]}" "$W/snap.db" ls --keys-only
expect_eq "ls --keys-only lists what etcdctl lists (but the non-UTF-8 key)" \
  "$(grep -v '^$' "$W/theirs.keys" | grep -av $'\xfe')" "$(echo "$OUT" | grep -v '/registry/odd/')"
expect_contains "a non-UTF-8 key is shown escaped" "$OUT" '/registry/odd/\xfe\xff-name'

expect_exit "count" 0 "${OFF[@]}" "$W/snap.db" count --json
expect_contains "count of live keys equals etcdctl's" "$OUT" "\"keys\":$(wc -l < "$W/theirs.norm"),"
expect_exit "get of a binary value" 0 "${OFF[@]}" "$W/snap.db" get --json /registry/secrets/ns1/blob
expect_contains "binary value as base64" "$OUT" '"value_b64":"AP8A"'
expect_exit "get --history" 0 "${OFF[@]}" "$W/snap.db" get --history /registry/pods/ns0/pod3
expect_eq "history keeps the newest record <= $compacted and the later one" 3 "$(echo "$OUT" | wc -l)"
expect_exit "get of a key deleted after the compaction" 1 "${OFF[@]}" "$W/snap.db" get /registry/pods/ns0/pod6
expect_contains "says it is deleted" "$OUT" "key '/registry/pods/ns0/pod6' is deleted in"
expect_exit "stats" 0 "${OFF[@]}" "$W/snap.db" stats --json
expect_contains "stats: snapshot hash verified" "$OUT" '"snapshot_hash":"verified"'
expect_contains "stats: compacted revision" "$OUT" "\"compact_revision\":$compacted,"
expect_contains "stats: revision" "$OUT" "\"revision\":$rev,"

# ---- damaged copies ----
cp "$W/snap.db" "$W/flip.db"
printf '\x5a' | dd of="$W/flip.db" bs=1 seek=$((3 * 4096 + 100)) conv=notrunc 2>/dev/null
expect_exit "a flipped byte is refused" 1 "${OFF[@]}" "$W/flip.db" ls
expect_contains "as a hash mismatch" "$OUT" "breakglass: cannot read '$W/flip.db': snapshot hash mismatch"
expect_contains "with a fix line" "$OUT" "hint: "
"${OFF[@]}" "$W/flip.db" stats --no-verify >/dev/null 2>&1
rc=$?
if [ "$rc" -le 1 ]; then pass "--no-verify on a damaged copy ends cleanly (exit $rc)"; else fail "--no-verify crashed (exit $rc)"; fi
head -c $((6 * 4096)) "$W/snap.db" > "$W/trunc.db"
expect_exit "a truncated copy is refused" 1 "${OFF[@]}" "$W/trunc.db" ls
expect_contains "as truncated" "$OUT" "truncated file (page 6 is beyond the end of the file"
head -c 12345 /dev/urandom > "$W/noise.db"
expect_exit "noise is refused" 1 "${OFF[@]}" "$W/noise.db" ls
expect_contains "as not bbolt" "$OUT" "not a bbolt file"
: > "$W/empty.db"
expect_exit "an empty file is refused" 1 "${OFF[@]}" "$W/empty.db" ls
expect_contains "as empty" "$OUT" "not a bbolt file (it is empty)"
expect_exit "a missing file" 1 "${OFF[@]}" "$W/nope.db" ls
expect_contains "names it" "$OUT" "cannot open '$W/nope.db': No such file or directory"
expect_eq "reading never changed the snapshot" "$sum_before" "$(sha256sum "$W/snap.db" | cut -d' ' -f1)"
etcd_stop "$D"

# ---- a stopped member of a 3-member cluster ----
etcd_start "$C" 3 || { fail "3-member etcd did not start"; finish; exit 1; }
for i in $(seq 1 40); do
  ectl "$C" put "/registry/configmaps/ns$((i % 4))/cm$i" "data-$i" >/dev/null
done
for i in $(seq 1 10); do ectl "$C" put /registry/hot "h$i" >/dev/null; done
ectl "$C" del /registry/configmaps/ns1/cm1 >/dev/null
printf 'x\0y' | ectl "$C" put /registry/bin >/dev/null
M2="$C/m2.data/member/snap/db"
expect_exit "the db of a running member is refused" 1 "${OFF[@]}" "$M2" ls
expect_contains "as locked by a running etcd" "$OUT" "is locked by a running etcd"
# A linearizable read on member 2 returns once it applied everything.
ETCDCTL_API=3 etcdctl --endpoints "$(etcd_endpoint "$C" 2)" --cacert "$C/pki/ca.crt" \
  --cert "$C/pki/client.crt" --key "$C/pki/client.key" get "" --prefix -w json > "$W/m2.json"
p=$(etcd_pid "$C" 2)
kill -TERM "$p" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null); [ "$st" = Z ] && break; sleep 0.1; done
etcd_kill "$C" 2    # reaps it (and kills it if TERM was not enough)
m2_rev=$(sed -n 's/.*"header":{[^}]*"revision":\([0-9]*\).*/\1/p' "$W/m2.json")
m2_sum=$(sha256sum "$M2" | cut -d' ' -f1)
expect_exit "dump of the stopped member's db" 0 "${OFF[@]}" "$M2" dump
printf '%s\n' "$OUT" > "$W/m2.jsonl"
expect_contains "member db: revision $m2_rev" "$(head -1 "$W/m2.jsonl")" "\"revision\":$m2_rev,"
expect_eq "member db: every key equals etcdctl's on that member" \
  "$(norm_etcdctl "$W/m2.json" | sort)" "$(norm_dump "$W/m2.jsonl" | sort)"
expect_exit "member db stats" 0 "${OFF[@]}" "$M2" stats --json
expect_contains "member db has no snapshot trailer" "$OUT" '"snapshot_hash":"none"'
expect_exit "member db top" 0 "${OFF[@]}" "$M2" top --limit 1 --json
expect_contains "the hot key has 10 records" "$OUT" '"keys":[{"key":"/registry/hot","revisions":10,'
expect_eq "reading never changed the member's db" "$m2_sum" "$(sha256sum "$M2" | cut -d' ' -f1)"
etcd_stop "$C"
finish
