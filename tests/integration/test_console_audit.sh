#!/usr/bin/env bash
# The console's audit review (real binary in tmux, real etcd): A lists a
# delete done with the CLI under a verify line that says the log is intact;
# Enter shows the record whole (pre-image keys escaped); u restores it after
# the seq is typed (a wrong seq cancels), recorded like the CLI's restore;
# after the file is tampered with, the screen names the first bad record.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=console_audit
D="$BG_TMP/conaud-etcd"
SOCK="bgaud-$$"
source "$BG_ROOT/tests/integration/tmux_lib.sh"
LOG="$BG_TMP/conaud-audit.log"
rm -f "$LOG"
cleanup() { tmux_stop; etcd_stop "$D"; }
trap cleanup EXIT
command -v tmux >/dev/null || { fail "tmux is not installed"; finish; exit 1; }
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
EP=$(etcd_endpoints "$D")
TLS=(--cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
BG=("$BG_BIN" --endpoints "$EP" "${TLS[@]}" --audit-log "$LOG")
"$BG_ROOT/$BUILD/tests/tools/bg_load" --endpoints "$EP" "${TLS[@]}" --count 300 --demo > /dev/null 2>&1 ||
  { fail "bg_load failed"; finish; exit 1; }
# A key that would retitle the terminal if printed raw.
ectl "$D" put "$(printf '/registry/pods/shop/\x1b]0;pwned\x07')" x > /dev/null
dump() { ectl "$D" get --prefix /registry/pods/shop/ -w fields | grep -E '^"(Key|Value)"' | md5sum; }
count() { ectl "$D" get --prefix --keys-only /registry/pods/shop/ | grep -c .; }
before=$(dump)
n=$(count)
[ "$n" -gt 0 ] || fail "no pods to delete"

# The delete, with the CLI: intent #1, result #2.
expect_exit "CLI delete" 0 "${BG[@]}" rm --prefix /registry/pods/shop/ --yes --confirm-count "$n"
expect_eq "pods gone" "0" "$(count)"

start_console() {
  "${T[@]}" kill-server 2>/dev/null
  "${T[@]}" new-session -d -s bg -x 170 -y 40 "$BG_BIN --endpoints $EP ${TLS[*]} --audit-log $LOG"
  wait_for "console opens" "registry/" 15
}

start_console
keys A
wait_for "verify line: intact" "is intact: 2 records" 10
wait_for "the intent is listed" "delete-prefix   /registry/pods/shop/ " 5
wait_for "the intent knows its result" "done (#2)" 5
wait_for "the result is listed with its counts" "deleted $n, skipped 0" 5
capture audit-review
# Newest first: the result (#2) is the first row, the intent (#1) below it.
rows=$(screen | grep -E '^[ >!] +[0-9]+  20' | awk '{print $1}' | tr '\n' ' ')
expect_eq "newest first" "2 1 " "$rows"

# The intent whole: its pre-images, the hostile key escaped.
keys Down Enter
wait_for "record shown whole" "pre-images: $n" 10
capture audit-record
wait_for "a hostile key is escaped" '/registry/pods/shop/\e]0;pwned\x07' 5
expect_not_contains "no raw escape on the screen" "$(screen)" $'\x1b]0;pwned'
keys q
wait_for "back to the list" "is intact: 2 records" 5

# u: restore, confirmed by typing the seq; a wrong one cancels.
keys u
wait_for "restore plan" "restore of #1 (delete-prefix '/registry/pods/shop/'" 10
wait_for "asks for the seq" "type '1' and Enter to put back up to $n keys" 5
text "2"; keys Enter
wait_for "a wrong seq cancels" "nothing was changed" 5
expect_eq "still nothing restored" "0" "$(count)"
keys q
keys u
wait_for "restore plan again" "type '1' and Enter" 10
text "1"; keys Enter
wait_for "restored" "restored $n keys, 0 already present" 15
expect_eq "every pod back, byte for byte" "$before" "$(dump)"
keys q
wait_for "the list is read again after the restore" "is intact: 4 records" 10
wait_for "recorded as a restore" "restore         audit #1" 5
keys q q
sleep 0.3
expect_exit "audit verify agrees" 0 "$BG_BIN" --audit-log "$LOG" audit verify
expect_contains "four records" "$OUT" "4 records"

# Tamper with record #2 (its count): the screen names the bad record.
sed -i '2s/"deleted":'"$n"'/"deleted":9999/' "$LOG"
expect_exit "audit verify sees the edit" 1 "$BG_BIN" --audit-log "$LOG" audit verify
start_console
keys A
wait_for "verify line names the bad record" "is damaged at line 2" 10
wait_for "bad rows marked" "!     2  20" 5
keys Down Down
keys u
wait_for "restore from a damaged record is refused" "not trusted" 5
keys q q
finish
