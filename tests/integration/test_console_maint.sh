#!/usr/bin/env bash
# Maintenance from the console (real binary in tmux, a real three-member etcd):
# compact (a wrong revision typed cancels; the right one compacts, and etcdctl
# then refuses the old revision), defragment (every member, the leader last),
# alarms, a snapshot offered before a 1000+ key delete (saved, and valid for
# etcdctl), lease revoke from the value viewer, and --read-only refusing.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=console_maint
D="$BG_TMP/conmnt-etcd"
SOCK="bgmnt-$$"
source "$BG_ROOT/tests/integration/tmux_lib.sh"
LOG="$BG_TMP/conmnt-audit.log"
STATE="$BG_TMP/conmnt-state"
rm -rf "$LOG" "$STATE"
DQ="$BG_TMP/conmnt-quota"
cleanup() { tmux_stop; etcd_stop "$D"; etcd_stop "$DQ"; }
trap cleanup EXIT
command -v tmux >/dev/null || { fail "tmux is not installed"; finish; exit 1; }
etcd_start "$D" 3 || { fail "etcd did not start"; finish; exit 1; }
EP=$(etcd_endpoints "$D")
TLS=(--cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
BG=("$BG_BIN" --endpoints "$EP" "${TLS[@]}" --audit-log "$LOG")

# 1200 keys under /big/ (Txns of 120 puts), some history, a lease with two keys.
for b in 0 1 2 3 4 5 6 7 8 9; do
  { echo; for i in $(seq 0 119); do echo "put /big/k$((b * 120 + i)) v$i"; done; echo; echo; } | ectl "$D" txn > /dev/null
done
expect_eq "1200 keys under /big/" "1200" "$(ectl "$D" get --prefix --keys-only /big/ | grep -c .)"
rev_old=$(ectl "$D" put /hist/k v1 -w json | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
for v in 2 3 4 5; do ectl "$D" put /hist/k "v$v" > /dev/null; done
lid=$(ectl "$D" lease grant 600 | sed -n 's/lease \([0-9a-f]*\) granted.*/\1/p')
ectl "$D" put --lease="$lid" /lease/holder holder-a > /dev/null
ectl "$D" put --lease="$lid" /lease/other holder-b > /dev/null

start_console() {
  "${T[@]}" kill-server 2>/dev/null
  "${T[@]}" new-session -d -s bg -x 160 -y 40 "env XDG_STATE_HOME=$STATE $BG_BIN --endpoints $EP ${TLS[*]} --audit-log $LOG $*"
  wait_for "console opens" "hist/" 15
}

start_console
# Compact: the revision is typed on the footer (Enter: the current one).
keys M
wait_for "maintenance menu" "c  compact" 10
keys c
wait_for "asks for the revision" "compact to revision:" 5
keys Enter
wait_for "compact plan" "plan: compact to revision" 10
wait_for "says what is dropped" "watchers and readers of older revisions must relist" 5
rev=$(screen | sed -n "s/.*type '\([0-9]*\)' and Enter to compact.*/\1/p" | head -1)
[ -n "$rev" ] && [ "$rev" -gt "$rev_old" ] && pass "asks to type the revision ($rev)" || fail "asks to type the revision"
text "1"; keys Enter
wait_for "a wrong revision cancels" "nothing was changed" 5
expect_exit "old revision still readable after the cancel" 0 ectl "$D" get /hist/k --rev "$rev_old"
keys c
wait_for "asks for the revision again" "compact to revision:" 5
keys Enter
wait_for "compact plan again" "type '" 10
rev=$(screen | sed -n "s/.*type '\([0-9]*\)' and Enter to compact.*/\1/p" | head -1)
text "$rev"; keys Enter
wait_for "compacted" "compacted to revision $rev (audit #" 15
expect_exit "etcdctl: the old revision is compacted" 1 ectl "$D" get /hist/k --rev "$rev_old"
expect_contains "etcdctl says compacted" "$OUT" "compacted"

# Defragment the three members: health, sizes, leader last.
keys d
wait_for "defrag plan" "plan: defragment 3 members one at a time, leader last" 10
wait_for "expected reclaim shown" "expected to reclaim about" 5
wait_for "asks for defrag" "type 'defrag' and Enter" 5
text "defrag"; keys Enter
wait_for "defragmented all, leader last" "(leader last)" 40
capture maint-defrag
s=$(screen)
expect_eq "three members defragmented" "3" "$(echo "$s" | grep -c '^[123]\. defragmented ')"
leader=$("${BG[@]}" status | awk '$6 == "*" {print $1}')
last=$(echo "$s" | grep '^3\. defragmented ')
expect_contains "the leader comes last" "$last" "(leader)"
expect_contains "the last one is the leader's endpoint" "$last" "$leader"

# Alarms: none on a healthy cluster.
keys a
wait_for "no alarms" "no active alarms: nothing to disarm" 10
keys q
wait_for "back in the browser" "big/" 5

# A 1000+ key delete offers a snapshot first; s saves it, then the count is typed.
keys /; text "big"; keys Enter
keys D
wait_for "delete plan" "plan: delete-prefix '/big/'" 15
wait_for "snapshot offered" "1200 keys (1000 or more): s saves a snapshot first" 5
keys s
wait_for "snapshot saved" "saved snapshot '" 30
wait_for "then the typed confirmation" "type the count 1200" 5
snap=$(ls "$STATE"/breakglass/snapshots/etcd-*.db 2>/dev/null | head -1)
[ -n "$snap" ] && pass "snapshot under the state directory" || fail "snapshot under the state directory"
expect_exit "etcdctl reads the snapshot" 0 env ETCDCTL_API=3 etcdctl snapshot status "$snap" -w json
expect_contains "the snapshot holds the keys" "$OUT" '"totalKey"'
text "1200"; keys Enter
wait_for "deleted the 1200 keys" "deleted 1200 of 1200" 30
expect_eq "nothing left under /big/" "0" "$(ectl "$D" get --prefix --keys-only /big/ | grep -c .)"
keys q
keys Escape

# Lease revoke from the value viewer: the keys that vanish, then the ID typed.
keys /; text "lease"; keys Enter; keys Enter
wait_for "inside /lease/" "holder" 10
keys Enter
wait_for "value shown" "holder-a" 10
keys L
wait_for "lease plan" "plan: revoke lease $lid" 10
wait_for "the keys that vanish" "2 keys vanish with it" 5
wait_for "both keys listed" "/lease/other" 5
text "$lid"; keys Enter
wait_for "revoked" "revoked lease $lid; 2 keys removed" 15
expect_eq "the lease's keys are gone" "0" "$(ectl "$D" get --prefix --keys-only /lease/ | grep -c .)"
keys q q q q
sleep 0.5
expect_exit "audit log intact" 0 "$BG_BIN" --audit-log "$LOG" audit verify

# Guided NOSPACE recovery on a member with a tiny quota: each step confirmed.
etcd_start "$DQ" 1 --quota-backend-bytes=$((24 * 1024 * 1024)) || fail "quota etcd did not start"
EPQ=$(etcd_endpoints "$DQ")
TLSQ=(--cacert "$DQ/pki/ca.crt" --cert "$DQ/pki/client.crt" --key "$DQ/pki/client.key")
"$BG_ROOT/$BUILD/tests/tools/bg_load" --endpoints "$EPQ" "${TLSQ[@]}" --count 4000 --value-size 10000 --threads 1 > /dev/null 2>&1
expect_exit "writes fail while NOSPACE" 1 ectl "$DQ" put /probe x
n=$("$BG_BIN" --endpoints "$EPQ" "${TLSQ[@]}" count /registry/)
expect_exit "delete the runaway data" 0 "$BG_BIN" --endpoints "$EPQ" "${TLSQ[@]}" --audit-log "$LOG" rm --prefix /registry/ --yes --confirm-count "$n"
"${T[@]}" kill-server 2>/dev/null
"${T[@]}" new-session -d -s bg -x 160 -y 40 "$BG_BIN --endpoints $EPQ ${TLSQ[*]} --audit-log $LOG"
wait_for "console on the full member" "ALARM NOSPACE" 15
keys M
wait_for "menu" "n  NOSPACE recovery" 5
keys n
wait_for "recovery plan" "NOSPACE recovery (1 NOSPACE alarm active), four steps, each confirmed" 10
wait_for "step 1 asks for the revision" "and Enter to compact to revision" 5
rq=$(screen | sed -n "s/.*type '\([0-9]*\)' and Enter to compact.*/\1/p" | head -1)
text "$rq"; keys Enter
wait_for "step 1 done, step 2 planned" "type 'defrag' and Enter" 20
wait_for "step 1 result kept" "step 1: compacted to revision $rq, physically" 5
text "defrag"; keys Enter
wait_for "step 3 planned" "type 'disarm' and Enter" 30
text "disarm"; keys Enter
wait_for "step 4 planned" "type 'probe' and Enter" 15
text "probe"; keys Enter
wait_for "recovery done" "NOSPACE recovery done" 15
wait_for "writes verified" "writes work again" 5
expect_exit "etcdctl can write again" 0 ectl "$DQ" put /probe x
keys q q
sleep 0.3
etcd_stop "$DQ"

# --read-only: maintenance refuses changes; a snapshot is still allowed.
# With a low byte limit the snapshot is paced, and its progress line says so
# and how to lift the limit while the operator waits.
start_console --read-only --max-bytes 32KiB
keys M
wait_for "menu under --read-only" "only the snapshot is available" 10
keys c
wait_for "compact refused" "--read-only is set: nothing can be changed" 5
keys s
wait_for "asks for the snapshot file" "snapshot file: " 5
keys Enter
wait_for "progress: paced, and how to lift it" \
  "paced at 32.0 KiB/s to spare etcd (start with --max-bytes 0 to lift the limit)" 15
wait_for "progress: bytes received and to go" " to go" 5
wait_for "the paced snapshot is saved" "saved snapshot '" 60
keys q q
finish
