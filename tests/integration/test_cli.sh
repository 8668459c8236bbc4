#!/usr/bin/env bash
# The breakglass CLI against a real TLS etcd, compared with etcdctl on the
# same server, plus every connection failure class with its exact message.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=cli
D="$BG_TMP/cli-etcd"
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
EP=$(etcd_endpoints "$D")
PKI="$D/pki"
BG=("$BG_BIN" --endpoints "$EP" --cacert "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$PKI/client.key")

# A small Kubernetes-like keyspace, one key with an escape sequence in it.
for r in pods configmaps secrets; do
  for i in $(seq 1 20); do ectl "$D" put "/registry/$r/ns$((i % 3))/obj$i" "value-$r-$i" >/dev/null; done
done
ectl "$D" put $'/registry/evil/\e]0;pwned\a\e[2J' "x" >/dev/null
printf 'bin\x00\xffary\n' | ectl "$D" put /registry/binary/one >/dev/null

# ls equals etcdctl's keys-only listing (ours escapes control bytes).
expect_exit "ls exits 0" 0 "${BG[@]}" ls /registry/
ours=$(echo "$OUT" | grep -v evil)
theirs=$(ectl "$D" get --prefix --keys-only /registry/ | grep -v '^$' | grep -v evil)
expect_eq "ls /registry/ lists what etcdctl lists" "$theirs" "$ours"
expect_eq "ls counts 62 keys" "62" "$(echo "$OUT" | wc -l)"
expect_contains "escape sequence in a key is shown escaped" "$OUT" '/registry/evil/\e]0;pwned\x07\e[2J'
if printf '%s' "$OUT" | grep -q $'\e'; then fail "raw ESC byte reached the output"; else pass "no raw ESC byte in ls output"; fi

expect_exit "ls of the whole keyspace" 0 "${BG[@]}" ls
expect_eq "whole keyspace has 62 keys" "62" "$(echo "$OUT" | wc -l)"
expect_exit "ls --limit" 0 "${BG[@]}" ls --limit 5 /registry/
expect_eq "ls --limit 5 gives 5 keys" "5" "$(echo "$OUT" | wc -l)"
expect_exit "ls --json" 0 "${BG[@]}" ls --json /registry/pods/
expect_eq "ls --json gives one object per key" "20" "$(echo "$OUT" | grep -c '"key":"/registry/pods/')"

# count equals etcdctl's count for the same prefix.
expect_exit "count" 0 "${BG[@]}" count /registry/configmaps/
ec=$(ectl "$D" get --prefix --count-only /registry/configmaps/ -w json 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
[ -n "$ec" ] || ec=$(ectl "$D" get --prefix --keys-only /registry/configmaps/ | grep -vc '^$')
expect_eq "count equals etcdctl's" "$ec" "$OUT"

# get --json: same revisions and value bytes as etcdctl -w json (base64).
expect_exit "get --json" 0 "${BG[@]}" get --json /registry/binary/one
ours_b64=$(echo "$OUT" | sed -n 's/.*"value_b64": "\(.*\)".*/\1/p')
theirs_json=$(ectl "$D" get /registry/binary/one -w json)
theirs_b64=$(echo "$theirs_json" | sed -n 's/.*"value":"\([^"]*\)".*/\1/p')
expect_eq "binary value bytes equal etcdctl's" "$theirs_b64" "$ours_b64"
theirs_mod=$(echo "$theirs_json" | sed -n 's/.*"mod_revision":\([0-9]*\).*/\1/p')
expect_contains "mod_revision equals etcdctl's" "$OUT" "\"mod_revision\": $theirs_mod,"
expect_exit "get of a missing key fails" 1 "${BG[@]}" get /nope
expect_contains "missing key names the key" "$OUT" "key '/nope' not found"
expect_exit "get without a key is a usage error" 2 "${BG[@]}" get

# status / members / alarms agree with etcdctl.
expect_exit "status" 0 "${BG[@]}" status
id=$(ectl "$D" endpoint status -w json | sed -n 's/.*"member_id":\([0-9]*\).*/\1/p')
idhex=$(printf '%x' "$id")
expect_contains "status shows the member id etcdctl reports" "$OUT" "$idhex"
expect_contains "status marks the leader" "$OUT" "3.4.23"
expect_contains "status shows no alarms" "$OUT" "alarms: none"
expect_exit "status --json" 0 "${BG[@]}" status --json
expect_contains "status --json has is_leader" "$OUT" '"is_leader": true'
expect_exit "members" 0 "${BG[@]}" members
expect_contains "members lists the member" "$OUT" "$idhex"
expect_exit "alarms" 0 "${BG[@]}" alarms
expect_eq "no alarms" "no active alarms" "$OUT"

# ETCDCTL_* variables work, and a flag wins over a variable.
expect_exit "ETCDCTL_* environment" 0 env ETCDCTL_ENDPOINTS="$EP" ETCDCTL_CACERT="$PKI/ca.crt" \
  ETCDCTL_CERT="$PKI/client.crt" ETCDCTL_KEY="$PKI/client.key" "$BG_BIN" count /registry/pods/
expect_eq "count via environment" "20" "$OUT"
expect_exit "flag wins over ETCDCTL_ENDPOINTS" 0 env ETCDCTL_ENDPOINTS=https://127.0.0.1:1 \
  "${BG[@]}" count /registry/pods/

# Connection failures: each class with its own message, exit status 1.
expect_exit "wrong CA" 1 "$BG_BIN" --endpoints "$EP" --cacert "$PKI/other-ca.crt" --cert "$PKI/client.crt" --key "$PKI/client.key" ls
expect_contains "wrong CA is named" "$OUT" "is not signed by CA '$PKI/other-ca.crt'"
# gRPC's own logging never reaches the terminal: exactly the message and the hint.
expect_eq "a failure prints exactly two lines" "2" "$(printf '%s\n' "$OUT" | wc -l)"
expect_exit "untrusted client certificate" 1 "$BG_BIN" --endpoints "$EP" --cacert "$PKI/ca.crt" --cert "$PKI/untrusted.crt" --key "$PKI/untrusted.key" ls
expect_contains "rejected client cert is named" "$OUT" "rejected client certificate '$PKI/untrusted.crt'"
expect_exit "no client certificate" 1 "$BG_BIN" --endpoints "$EP" --cacert "$PKI/ca.crt" ls
expect_contains "missing client cert is named" "$OUT" "requires a client certificate and none was given"
expect_exit "expired client certificate" 1 "$BG_BIN" --endpoints "$EP" --cacert "$PKI/ca.crt" --cert "$PKI/expired.crt" --key "$PKI/expired.key" ls
expect_contains "expiry is named" "$OUT" "expired on 2020-01-02"
expect_exit "key does not match cert" 1 "$BG_BIN" --endpoints "$EP" --cacert "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$PKI/untrusted.key" ls
expect_contains "mismatch is named" "$OUT" "does not match certificate"
expect_exit "missing key file" 1 "$BG_BIN" --endpoints "$EP" --cacert "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$PKI/nope.key" ls
expect_contains "missing key file is named" "$OUT" "cannot read client key '$PKI/nope.key'"
dead=$(_free_port)
expect_exit "endpoint down" 1 "${BG[@]}" --endpoints "https://127.0.0.1:$dead" ls
expect_contains "refused connection is named" "$OUT" "refused: nothing listens there"
expect_exit "plaintext endpoint without --insecure-transport" 1 "${BG[@]}" --endpoints "http://127.0.0.1:$dead" ls
expect_contains "http is refused by default" "$OUT" "TLS is the default"
expect_exit "bad duration" 2 "${BG[@]}" --command-timeout soon ls
expect_exit "unknown command" 2 "${BG[@]}" frobnicate

# Warnings: a key file others can read, a certificate about to expire.
cp "$PKI/client.key" "$BG_TMP/loose.key"; chmod 644 "$BG_TMP/loose.key"
expect_exit "readable key still works" 0 "$BG_BIN" --endpoints "$EP" --cacert "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$BG_TMP/loose.key" count /registry/pods/
expect_contains "readable key warns" "$OUT" "is readable by everyone (mode 0644): chmod 600 it"
expect_exit "expiring cert still works" 0 "$BG_BIN" --endpoints "$EP" --cacert "$PKI/ca.crt" --cert "$PKI/expiring.crt" --key "$PKI/expiring.key" count /registry/pods/
expect_contains "expiring cert warns" "$OUT" "expires in"

# A paused member: the call ends at the deadline with the deadline class.
etcd_pause "$D" 0
start=$(date +%s)
expect_exit "paused etcd" 1 "${BG[@]}" --dial-timeout 1s --command-timeout 2s ls
took=$(( $(date +%s) - start ))
etcd_resume "$D" 0
expect_contains "paused etcd is named as not answering" "$OUT" "did not"
expect_eq "a deadline prints exactly two lines" "2" "$(printf '%s\n' "$OUT" | wc -l)"
expect_contains "paused etcd gives the deadline hint" "$OUT" "hint: etcd is slow, overloaded or stopped"
if [ "$took" -le 10 ]; then pass "paused etcd fails within the deadlines (${took}s)"; else fail "paused etcd took ${took}s"; fi

# Authentication: a user with a password, a role limited to /allowed/.
ectl "$D" user add root:rootpw >/dev/null; ectl "$D" user grant-role root root >/dev/null
ectl "$D" role add reader >/dev/null
ectl "$D" role grant-permission reader read /allowed/ --prefix=true >/dev/null
ectl "$D" user add alice:alicepw >/dev/null
ectl "$D" user grant-role alice reader >/dev/null
ectl "$D" put /allowed/x 1 >/dev/null
ectl "$D" auth enable >/dev/null
expect_exit "user with password reads what its role allows" 0 "${BG[@]}" --user alice:alicepw count /allowed/
expect_eq "authenticated count" "1" "$OUT"
expect_exit "permission denied outside the role" 1 "${BG[@]}" --user alice:alicepw count /registry/
expect_contains "permission denied is named" "$OUT" "permission denied"
expect_exit "wrong password" 1 "${BG[@]}" --user alice:wrong count /allowed/
expect_contains "wrong password is named" "$OUT" "invalid user name or password"
ectl "$D" --user root:rootpw auth disable >/dev/null

finish
