#!/usr/bin/env bash
# Deleting from the console (real binary in tmux, real etcd): D shows the plan,
# a wrong name cancels with nothing deleted, the right name deletes one key, a
# directory's typed count deletes all of it; every deletion is in the audit
# log first and `audit restore` brings everything back byte for byte.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=console_actions
D="$BG_TMP/conact-etcd"
SOCK="bgact-$$"
source "$BG_ROOT/tests/integration/tmux_lib.sh"
LOG="$BG_TMP/conact-audit.log"
rm -f "$LOG"
cleanup() { tmux_stop; etcd_stop "$D"; }
trap cleanup EXIT
command -v tmux >/dev/null || { fail "tmux is not installed"; finish; exit 1; }
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
EP=$(etcd_endpoints "$D")
TLS=(--cacert "$D/pki/ca.crt" --cert "$D/pki/client.crt" --key "$D/pki/client.key")
"$BG_ROOT/$BUILD/tests/tools/bg_load" --endpoints "$EP" "${TLS[@]}" --count 300 --demo > /dev/null 2>&1 ||
  { fail "bg_load failed"; finish; exit 1; }
dump() { ectl "$D" get --prefix /registry/pods/shop/ -w fields | grep -E '^"(Key|Value)"'; }
count() { ectl "$D" get --prefix --keys-only /registry/pods/shop/ | grep -c .; }
before=$(dump)
expect_eq "20 shop pods to start with" "20" "$(count)"

"${T[@]}" new-session -d -s bg -x 100 -y 30 "$BG_BIN --endpoints $EP ${TLS[*]} --audit-log $LOG"
wait_for "console opens" "registry/" 15
keys Enter
wait_for "inside /" "pods/" 10
keys /; text "pods"; keys Enter; keys Enter
wait_for "inside pods/" "shop/" 10
keys /; text "shop"; keys Enter; keys Enter
wait_for "inside /registry/pods/shop/" "--- /registry/pods/shop/ ---" 10
wait_for "first pod selected" "api-7d9f8c6b5-acxqz" 10

# D on a pod: the plan; a wrong name cancels and nothing is deleted.
keys D
wait_for "plan shown" "plan: delete-key '/registry/pods/shop/api-7d9f8c6b5-acxqz'" 10
wait_for "plan names the controller outside the plan" "controlled by objects not in this plan" 5
wait_for "asks for the name" "type the name 'api-7d9f8c6b5-acxqz'" 5
text "wrong"; keys Enter
wait_for "wrong name cancels" "nothing was deleted" 5
expect_eq "still 20 pods after a wrong name" "20" "$(count)"
keys q
wait_for "back in the browser" "--- /registry/pods/shop/ ---" 5
# Enter alone never confirms.
keys D
wait_for "plan shown again" "type the name 'api-7d9f8c6b5-acxqz'" 10
keys Enter
wait_for "a bare Enter cancels" "nothing was deleted" 5
expect_eq "still 20 pods after a bare Enter" "20" "$(count)"
keys q
wait_for "back in the browser again" "--- /registry/pods/shop/ ---" 5

# The right name deletes exactly that key, recorded in the audit log.
keys D
wait_for "plan for the real delete" "type the name 'api-7d9f8c6b5-acxqz'" 10
text "api-7d9f8c6b5-acxqz"; keys Enter
wait_for "deleted one key" "deleted 1 of 1" 15
wait_for "undo hint shown" "audit restore" 5
expect_eq "19 pods left" "19" "$(count)"
expect_exit "the deleted pod is gone" 0 ectl "$D" get /registry/pods/shop/api-7d9f8c6b5-acxqz
expect_eq "the deleted pod is gone (no output)" "" "$OUT"
keys q
wait_for "browser after the delete" "--- /registry/pods/shop/ ---" 5

# A directory: the count must be typed; it deletes all 19.
keys BSpace
wait_for "up in pods/" "--- /registry/pods/ ---" 10
wait_for "shop/ selected again" "shop/" 5
keys D
wait_for "prefix plan" "plan: delete-prefix '/registry/pods/shop/'" 10
wait_for "asks for the count" "19" 5
text "19"; keys Enter
wait_for "deleted the directory" "deleted 19 of 19" 20
expect_eq "no shop pods left" "0" "$(count)"
keys q q q
sleep 0.5

# Both deletions are in the log, which verifies; restore brings all back.
expect_exit "audit verify" 0 "$BG_BIN" --audit-log "$LOG" audit verify
expect_contains "four records" "$OUT" "4 records"
expect_exit "restore the single pod" 0 "$BG_BIN" --endpoints "$EP" "${TLS[@]}" --audit-log "$LOG" audit restore 1 --yes --confirm-count 1
expect_exit "restore the directory" 0 "$BG_BIN" --endpoints "$EP" "${TLS[@]}" --audit-log "$LOG" audit restore 3 --yes --confirm-count 19
expect_eq "every pod back, byte for byte" "$before" "$(dump)"
finish
