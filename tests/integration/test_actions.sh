#!/usr/bin/env bash
# Guarded actions through the CLI against real etcd, every one recorded in
# the audit log first: prefix delete and byte-exact restore, SIGKILL in the
# middle of deletes, an audit log that cannot be written, tampering, compact,
# lease revoke, snapshot, NOSPACE recovery, defragmentation of three members.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=actions
D="$BG_TMP/actions-etcd"
D3="$BG_TMP/actions-etcd3"
DQ="$BG_TMP/actions-quota"
trap 'etcd_stop "$D"; etcd_stop "$D3"; etcd_stop "$DQ"' EXIT
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
export BG_ENDPOINTS=$(etcd_endpoints "$D") BG_PKI="$D/pki"
conn() { echo --endpoints "$(etcd_endpoints "$1")" --cacert "$1/pki/ca.crt" --cert "$1/pki/client.crt" --key "$1/pki/client.key"; }
LOG="$BG_TMP/actions-audit.log"
rm -f "$LOG"
BG=("$BG_BIN" $(conn "$D") --audit-log "$LOG")
LOAD="$BG_ROOT/$BUILD/tests/tools/bg_load"

# The engine (C): keys changed between plan and execution; disk full.
"$BG_ROOT/$BUILD/tests/integration/itest_actions"
crc=$?

dump() { ectl "$1" get --prefix /registry/ -w fields | grep -E '^"(Key|Value)"'; }
last_seq() { "${BG[@]}" audit verify --json | sed -n 's/.*"last_seq": \([0-9]*\).*/\1/p'; }

"$LOAD" $(conn "$D") --count 3000 --value-size 400 2>/dev/null
before=$(dump "$D")
expect_eq "3000 keys loaded" "3000" "$("${BG[@]}" count /registry/)"

# Refusals: no --yes, wrong count, read-only, empty prefix.
expect_exit "rm without --yes is refused" 2 "${BG[@]}" rm --prefix /registry/
expect_contains "refusal says what to pass" "$OUT" "--yes --confirm-count 3000"
expect_exit "wrong --confirm-count is refused" 2 "${BG[@]}" rm --prefix /registry/ --yes --confirm-count 2999
expect_exit "--read-only refuses" 2 "${BG[@]}" --read-only rm --prefix /registry/ --yes --confirm-count 3000
expect_exit "empty prefix is refused" 2 "${BG[@]}" rm --prefix "" --yes --confirm-count 3000
expect_exit "--dry-run changes nothing" 0 "${BG[@]}" rm --prefix /registry/ --dry-run
expect_contains "--dry-run says Would" "$OUT" "Would delete 3000 keys"
expect_eq "still 3000 keys" "3000" "$("${BG[@]}" count /registry/)"

# A prefix without a trailing '/' matches more than one directory: said.
ectl "$D" put /warn/a/x 1 > /dev/null; ectl "$D" put /warn/ab 2 > /dev/null
expect_exit "rm --prefix /warn/a --dry-run" 0 "${BG[@]}" rm --prefix /warn/a --dry-run
expect_contains "warns that it also matches /warn/ab" "$OUT" \
  "warning: prefix '/warn/a' does not end in '/': it also matches keys like '/warn/ab'"
expect_exit "rm --prefix /warn/a/ --dry-run" 0 "${BG[@]}" rm --prefix /warn/a/ --dry-run
expect_eq "no warning with the trailing '/'" "0" "$(printf '%s\n' "$OUT" | grep -c 'does not end in')"
ectl "$D" del --prefix /warn/ > /dev/null

# Delete a prefix of thousands of keys, then restore byte for byte.
expect_exit "rm --prefix deletes" 0 "${BG[@]}" rm --prefix /registry/ --yes --confirm-count 3000
expect_contains "all deleted" "$OUT" "deleted 3000 of 3000 keys"
expect_eq "none left" "0" "$("${BG[@]}" count /registry/)"
seq=$(echo "$OUT" | sed -n 's/.*intent #\([0-9]*\).*/\1/p')
expect_exit "audit restore" 0 "${BG[@]}" audit restore "$seq" --yes --confirm-count 3000
expect_contains "restored all" "$OUT" "restored 3000 keys"
expect_eq "every key and value back, byte for byte" "$before" "$(dump "$D")"

# Large values: eight 700 KiB values cannot go back in one Txn (etcd refuses
# a request over 1.5 MiB); restore batches by bytes and brings each back.
for i in 1 2 3 4 5 6 7 8; do
  head -c 716800 /dev/urandom | base64 -w0 | head -c 716800 > "$BG_TMP/big-$i"
  ectl "$D" put "/big/v$i" < "$BG_TMP/big-$i" > /dev/null
done
big_before=$(for i in 1 2 3 4 5 6 7 8; do ectl "$D" get "/big/v$i" --print-value-only | sha256sum; done)
expect_exit "rm of eight 700 KiB values" 0 "${BG[@]}" rm --prefix /big/ --yes --confirm-count 8
bseq=$(echo "$OUT" | sed -n 's/.*intent #\([0-9]*\).*/\1/p')
expect_exit "restore of eight 700 KiB values" 0 "${BG[@]}" audit restore "$bseq" --yes --confirm-count 8
expect_contains "restored all eight" "$OUT" "restored 8 keys"
expect_eq "every large value back, byte for byte" "$big_before" \
  "$(for i in 1 2 3 4 5 6 7 8; do ectl "$D" get "/big/v$i" --print-value-only | sha256sum; done)"

# SIGKILL at random points of a large delete, many times: every key that is
# gone has its pre-image in the log, and restore brings all of them back.
for i in 1 2 3 4 5; do
  s0=$(last_seq)
  "${BG[@]}" rm --prefix /registry/ --yes --confirm-count 3000 --rate 2000 > /dev/null 2>&1 &
  pid=$!
  sleep "0.$(( (RANDOM % 13) + 2 ))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  left=$("${BG[@]}" count /registry/)
  s1=$(last_seq)
  # The intent is the first intent after s0 (a cut line left by the kill
  # before is set aside first, as a record of its own).
  iseq=
  [ "$s1" -gt "$s0" ] && iseq=$("${BG[@]}" audit show --from $((s0 + 1)) --json 2>/dev/null |
    grep '"kind":"intent"' | head -1 | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
  if [ -n "$iseq" ]; then
    "${BG[@]}" audit restore "$iseq" --dry-run > "$BG_TMP/kill-plan.txt" 2>&1
    n=$(sed -n 's/.*: \([0-9]*\) keys\? to put back.*/\1/p' "$BG_TMP/kill-plan.txt")
    expect_exit "kill $i: restore after SIGKILL (${left} keys were left)" 0 "${BG[@]}" audit restore "$iseq" --yes --confirm-count "$n"
  else
    expect_eq "kill $i: killed before the intent was recorded: nothing deleted" "3000" "$left"
  fi
  expect_eq "kill $i: every key back" "$before" "$(dump "$D")"
done
# A kill while the intent was being written leaves its line cut: verify
# names that, and the next append sets the cut bytes aside (that intent
# never reached its fsync, so nothing was acted on). Then the log verifies.
if ! "${BG[@]}" audit verify > /dev/null 2>&1; then
  expect_contains "a cut last record is named" "$("${BG[@]}" audit verify 2>&1)" "the last record is incomplete"
  ectl "$D" put /probe/after-kill x > /dev/null
  expect_exit "an append after the cut" 0 "${BG[@]}" rm /probe/after-kill --yes --confirm after-kill
fi
expect_exit "the log verifies after the kills" 0 "${BG[@]}" audit verify

# The same, every time: a log cut in the middle of a record, as a crash
# leaves it. The next change sets the cut bytes aside in a file of their
# own, says so in the chain, and goes on; the log verifies.
cut='{"seq":9999,"v":1,"kind":"intent","preimages":[{"key_b64":"L3I'
printf '%s' "$cut" >> "$LOG"
at=$(( $(stat -c %s "$LOG") - ${#cut} ))
expect_exit "verify names the cut record" 1 "${BG[@]}" audit verify
ectl "$D" put /probe/after-cut x > /dev/null
expect_exit "a change after the cut goes on" 0 "${BG[@]}" rm /probe/after-cut --yes --confirm after-cut
expect_contains "the operator is told first" "$OUT" "breakglass: note: audit log '$LOG' ends in a line cut mid-record (a writer was killed): the next change moves it to '$LOG.torn-...' and records that in the log"
expect_exit "the log verifies after the cut is set aside" 0 "${BG[@]}" audit verify
expect_eq "the cut bytes, set aside" "$cut" "$(cat "$LOG.torn-$at")"
expect_eq "set aside 0600" "600" "$(stat -c %a "$LOG.torn-$at")"
expect_exit "audit show" 0 "${BG[@]}" audit show --json
expect_contains "the chain records the set-aside" "$OUT" "\"saved_to\":\"$LOG.torn-$at\""
expect_exit "audit show (text)" 0 "${BG[@]}" audit show
expect_contains "show says what was set aside, and where" "$OUT" "a cut last line of ${#cut} bytes at offset $at (a writer stopped mid-record, before acting on it)
    set aside in '$LOG.torn-$at'"

# The audit log cannot be written: nothing is deleted.
expect_exit "audit log on a full disk" 1 "${BG[@]}" --audit-log /dev/full rm --prefix /registry/pods/ --yes --confirm-count 900
expect_contains "full disk is named" "$OUT" "nothing was"
: > "$BG_TMP/notadir"
expect_exit "audit log path under a regular file" 1 "${BG[@]}" --audit-log "$BG_TMP/notadir/audit.log" rm --prefix /registry/pods/ --yes --confirm-count 900
expect_eq "nothing deleted when the log cannot be written" "3000" "$("${BG[@]}" count /registry/)"

# Tampering is caught and named.
cp "$LOG" "$BG_TMP/tampered.log"
sed -i '2s/"deleted":3000/"deleted":2999/' "$BG_TMP/tampered.log"
expect_exit "verify catches an edited record" 1 "$BG_BIN" --audit-log "$BG_TMP/tampered.log" audit verify
expect_contains "verify names the record" "$OUT" "line 2"
cp "$LOG" "$BG_TMP/cut.log"; sed -i '3d' "$BG_TMP/cut.log"
expect_exit "verify catches a removed record" 1 "$BG_BIN" --audit-log "$BG_TMP/cut.log" audit verify
expect_exit "audit show --json" 0 "${BG[@]}" audit show --json
expect_contains "show lists the delete" "$OUT" '"delete-prefix"'

# Compact: confirmed by revision; older revisions are gone afterwards.
rev=$(ectl "$D" get /x -w json | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
expect_exit "compact without confirmation is refused" 2 "${BG[@]}" compact "$rev"
expect_exit "compact" 0 "${BG[@]}" compact "$rev" --yes --confirm "$rev"
expect_contains "compact reports" "$OUT" "compacted to revision $rev"
expect_exit "etcdctl sees the compaction" 1 ectl "$D" get /registry/ --prefix --rev 2
expect_contains "compacted" "$OUT" "compacted"

# Lease revoke: the keys vanish; their values were recorded and come back.
lid=$(ectl "$D" lease grant 600 | sed -n 's/lease \([0-9a-f]*\) granted.*/\1/p')
ectl "$D" put --lease="$lid" /locks/leader holder-a > /dev/null
ectl "$D" put --lease="$lid" /locks/other holder-b > /dev/null
expect_exit "lease revoke shows the keys" 2 "${BG[@]}" lease revoke "$lid"
expect_contains "keys listed" "$OUT" "/locks/leader"
expect_exit "lease revoke" 0 "${BG[@]}" lease revoke "$lid" --yes --confirm "$lid"
expect_eq "keys gone with the lease" "0" "$("${BG[@]}" count /locks/)"
lseq=$(echo "$OUT" | sed -n 's/.*audit #\([0-9]*\).*/\1/p')
expect_exit "restore the lease's keys" 0 "${BG[@]}" audit restore "$lseq" --yes --confirm-count 2
expect_eq "lease keys back" "holder-a" "$(ectl "$D" get /locks/leader --print-value-only)"

# Snapshot: saved, checked, and etcdctl agrees it is a valid snapshot.
expect_exit "snapshot save" 0 "${BG[@]}" snapshot save "$BG_TMP/snap.db"
expect_contains "snapshot checked" "$OUT" "SHA-256 checked"
expect_contains "snapshot: the default pace is said, and how to lift it" "$OUT" \
  "breakglass: note: the snapshot is paced at 20 MiB/s to spare etcd (--max-bytes 0 lifts the limit)"
expect_exit "snapshot save --max-bytes 3MiB" 0 "${BG[@]}" --max-bytes 3MiB snapshot save "$BG_TMP/snap-3m.db"
expect_contains "snapshot: the pace given is said" "$OUT" "the snapshot is paced at 3 MiB/s"
expect_exit "snapshot save --max-bytes 0" 0 "${BG[@]}" --max-bytes 0 snapshot save "$BG_TMP/snap-0.db"
expect_not_contains "snapshot: no pace note without a limit" "$OUT" "paced at"
expect_exit "snapshot save --quiet" 0 "${BG[@]}" --quiet snapshot save "$BG_TMP/snap-q.db"
expect_not_contains "snapshot: no pace note with --quiet" "$OUT" "paced at"
expect_exit "etcdctl reads our snapshot" 0 env ETCDCTL_API=3 etcdctl snapshot status "$BG_TMP/snap.db"

# NOSPACE: a member with a tiny quota fills up; guided recovery brings writes back.
etcd_start "$DQ" 1 --quota-backend-bytes=$((24 * 1024 * 1024)) || fail "quota etcd did not start"
BQ=("$BG_BIN" $(conn "$DQ") --audit-log "$LOG")
"$LOAD" $(conn "$DQ") --count 4000 --value-size 10000 --threads 1 > /dev/null 2>&1
expect_exit "alarms shows NOSPACE" 0 "${BQ[@]}" alarms
expect_contains "NOSPACE alarm" "$OUT" "NOSPACE"
expect_exit "writes fail while NOSPACE" 1 ectl "$DQ" put /probe x
n=$("${BQ[@]}" count /registry/)
expect_exit "delete the runaway data under NOSPACE" 0 "${BQ[@]}" rm --prefix /registry/ --yes --confirm-count "$n"
expect_exit "recover-nospace" 0 "${BQ[@]}" recover-nospace --yes --confirm recover-nospace --pause-ms 100
expect_contains "writes verified" "$OUT" "writes work again"
expect_exit "etcdctl can write again" 0 ectl "$DQ" put /probe x
expect_exit "no alarms left" 0 "${BQ[@]}" alarms
expect_eq "no alarms" "no active alarms" "$OUT"

# Defragment three members: one at a time, the leader last.
etcd_start "$D3" 3 || fail "three members did not start"
B3=("$BG_BIN" $(conn "$D3") --audit-log "$LOG")
"$LOAD" $(conn "$D3") --count 2000 > /dev/null 2>&1
leader=$("${B3[@]}" status | awk '$6 == "*" {print $1}')
expect_exit "defrag all members" 0 "${B3[@]}" defrag --yes --confirm-count 3 --pause-ms 200
order=$(echo "$OUT" | grep '^defragmented' | wc -l)
expect_eq "three members defragmented" "3" "$order"
last=$(echo "$OUT" | grep -n '(leader)' | head -1 | cut -d: -f1)
expect_contains "the leader is planned last" "$(echo "$OUT" | sed -n "${last}p")" "3. "
expect_contains "the leader's endpoint is the leader" "$(echo "$OUT" | sed -n "${last}p")" "$leader"
expect_exit "log still intact" 0 "${BG[@]}" audit verify

finish; frc=$?
[ $crc -eq 0 ] && [ $frc -eq 0 ]
