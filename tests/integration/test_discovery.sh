#!/usr/bin/env bash
# Zero-flag discovery on a kubeadm-like node tree (--node-root) against a
# real TLS etcd, the precedence of flags, ETCDCTL_* variables and the config
# file over discovery, named clusters, and manifests that are broken.
source "$BG_ROOT/tests/lib/etcd.sh"
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=discovery
D="$BG_TMP/disc-etcd"
N="$BG_TMP/disc-node"          # the node's files, as under / on a control-plane node
trap 'etcd_stop "$D"' EXIT
etcd_start "$D" 1 || { fail "etcd did not start"; finish; exit 1; }
EP=$(etcd_endpoints "$D")
PORT=${EP##*:}
DEAD=$(_free_port)

# Nothing from the environment of whoever runs the test.
unset ETCDCTL_ENDPOINTS ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY ETCDCTL_USER ETCDCTL_PASSWORD
export XDG_CONFIG_HOME="$BG_TMP/disc-xdg"
rm -rf "$N" "$XDG_CONFIG_HOME"; mkdir -p "$XDG_CONFIG_HOME"

# kubeadm's layout: the manifest from tests/data, pointed at our etcd, and
# the test PKI copied where kubeadm keeps its files.
M="$N/etc/kubernetes/manifests"
mkdir -p "$M" "$N/etc/kubernetes/pki/etcd"
cp "$D/pki/ca.crt" "$N/etc/kubernetes/pki/etcd/ca.crt"
cp "$D/pki/client.crt" "$N/etc/kubernetes/pki/apiserver-etcd-client.crt"
cp "$D/pki/client.key" "$N/etc/kubernetes/pki/apiserver-etcd-client.key"
sed -e "s#--etcd-servers=.*#--etcd-servers=$EP#" \
    -e "s#--etcd-servers-overrides=.*#--etcd-servers-overrides=/events\#$EP#" \
    "$BG_ROOT/tests/data/discovery/kube-apiserver.yaml" > "$M/kube-apiserver.yaml"
USING="breakglass: using etcd $EP and certificates from /etc/kubernetes/manifests/kube-apiserver.yaml (--node-root $N)"

# run NAME CODE args...: stdout in $SO, stderr in $SE, exact exit code.
run() {
  local name=$1 code=$2; shift 2
  SO=$("$BG_BIN" "$@" 2> "$BG_TMP/disc.err"); local rc=$?
  SE=$(cat "$BG_TMP/disc.err")
  if [ "$rc" -eq "$code" ]; then pass "$name"; else fail "$name (exit $rc, wanted $code)"; echo "$SE" | head -5 | sed 's/^/   /'; fi
}

# 1. No flags at all: everything from the manifest.
run "status with --node-root only" 0 --node-root "$N" status
expect_eq "one 'using' line on stderr, naming the manifest" "$USING" "$SE"
expect_contains "status reached the etcd of the manifest" "$SO" "127.0.0.1:$PORT"
run "status --json" 0 --node-root "$N" status --json
expect_eq "--json: the 'using' line stays on stderr" "$USING" "$SE"
if printf '%s' "$SO" | jq -e . > /dev/null 2>&1; then pass "--json stdout is pure JSON"; else fail "--json stdout is not JSON"; fi
run "status --quiet" 0 --node-root "$N" --quiet status
expect_eq "--quiet: nothing on stderr" "" "$SE"
run "ls through discovery" 0 --node-root "$N" ls /nothing-here/
expect_eq "ls of an empty prefix prints nothing" "" "$SO"
# The 'using' line comes with the connection: commands that never reach etcd do not print it.
run "audit show with a discovered cluster" 0 --node-root "$N" --audit-log "$BG_TMP/disc-none.log" audit show
expect_eq "audit show: no 'using' line" "" "$SE"
run "--version with a discovered cluster" 0 --node-root "$N" --version
expect_eq "--version: no 'using' line" "" "$SE"
run "count / through discovery" 0 --node-root "$N" count /
expect_eq "count connects: the 'using' line" "$USING" "$SE"

# 2. A flag wins over the manifest's endpoint; the certificates still come from it.
run "--endpoints flag overrides the manifest" 1 --node-root "$N" --endpoints "https://127.0.0.1:$DEAD" --dial-timeout 1s status
expect_contains "the error names the flag's port" "$SE" "127.0.0.1:$DEAD"
expect_not_contains "the manifest's port is not used" "$SE" "127.0.0.1:$PORT"
expect_contains "the certificates are still discovered" "$SE" "breakglass: using certificates from /etc/kubernetes/manifests/kube-apiserver.yaml (--node-root $N)"

# 3. ETCDCTL_ENDPOINTS wins over the manifest too.
SO=$(ETCDCTL_ENDPOINTS="https://127.0.0.1:$DEAD" "$BG_BIN" --node-root "$N" --dial-timeout 1s status 2>&1); rc=$?
expect_eq "ETCDCTL_ENDPOINTS overrides: exit 1" "1" "$rc"
expect_contains "the error names the variable's port" "$SO" "127.0.0.1:$DEAD"
SO=$(ETCDCTL_ENDPOINTS="https://127.0.0.1:$DEAD" "$BG_BIN" --node-root "$N" --endpoints "$EP" status 2>&1); rc=$?
expect_eq "a flag beats ETCDCTL_ENDPOINTS" "0" "$rc"

# 4. A config file with two clusters; --cluster picks one.
CFG="$BG_TMP/disc-config.yaml"
cat > "$CFG" <<Y
default-cluster: down
clusters:
  down:
    endpoints: [https://127.0.0.1:$DEAD]
    dial-timeout: 1s
  good:
    endpoints: [$EP]
    cacert: $D/pki/ca.crt
    cert: $D/pki/client.crt
    key: $D/pki/client.key
    flavour: vanilla
Y
run "config default-cluster is used" 1 --config "$CFG" --no-discovery status
expect_contains "default-cluster's endpoint is the one tried" "$SE" "127.0.0.1:$DEAD"
expect_contains "unknown key warned with file:line" "$SE" "breakglass: warning: $CFG:11: unknown key 'flavour' in cluster good, ignored"
run "audit show still warns about the config" 0 --config "$CFG" --no-discovery --audit-log "$BG_TMP/disc-none.log" audit show
expect_eq "config warnings whatever the command" "breakglass: warning: $CFG:11: unknown key 'flavour' in cluster good, ignored" "$SE"
run "--cluster good" 0 --config "$CFG" --cluster good status
expect_contains "--cluster good reaches etcd" "$SO" "127.0.0.1:$PORT"
expect_not_contains "a complete cluster needs no discovery" "$SE" "using"
run "no config file, no discovery: no clusters" 2 --cluster good --no-discovery status
expect_contains "no clusters known is said" "$SE" "unknown cluster 'good' (no config file defines clusters, and kubeadm discovery found none)"
cp "$CFG" "$XDG_CONFIG_HOME/breakglass.tmp"; mkdir -p "$XDG_CONFIG_HOME/breakglass"
mv "$XDG_CONFIG_HOME/breakglass.tmp" "$XDG_CONFIG_HOME/breakglass/config.yaml"
run "the user's config file is found" 0 --cluster good status
run "discovery's events cluster by name" 0 --node-root "$N" --config "$CFG" --cluster events status
expect_contains "events cluster is named in the using line" "$SE" "using etcd $EP (cluster 'events') and certificates from /etc/kubernetes/manifests/kube-apiserver.yaml"
run "unknown cluster is a usage error" 2 --node-root "$N" --config "$CFG" --cluster nope status
expect_contains "unknown cluster lists the known ones" "$SE" "breakglass: unknown cluster 'nope' (known: down, good, events)"
expect_contains "unknown cluster says where names come from" "$SE" "hint: clusters are named in the config file"
rm -rf "$XDG_CONFIG_HOME/breakglass"
run "missing --config file is a usage error" 2 --config "$BG_TMP/none.yaml" status
expect_contains "missing --config names the file" "$SE" "cannot open '$BG_TMP/none.yaml': No such file or directory"

# 5. A malformed API server manifest: a warning, then etcd.yaml and the usual pki files.
cp "$M/kube-apiserver.yaml" "$BG_TMP/disc-ap.yaml"
printf 'apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n' > "$M/kube-apiserver.yaml"
sed -e "s#--advertise-client-urls=.*#--advertise-client-urls=$EP#" \
    "$BG_ROOT/tests/data/discovery/etcd.yaml" > "$M/etcd.yaml"
run "malformed manifest: falls back to etcd.yaml" 0 --node-root "$N" status
expect_contains "malformed manifest is a one-line warning" "$SE" "breakglass: warning: ignoring kubeadm manifest '$M/kube-apiserver.yaml': line 5:"
expect_contains "fallback is said" "$SE" "breakglass: using etcd $EP and CA certificate from /etc/kubernetes/manifests/etcd.yaml, client certificate from /etc/kubernetes/pki (--node-root $N)"
rm -f "$M/kube-apiserver.yaml"; mkdir "$M/kube-apiserver.yaml"
run "a directory for a manifest: falls back" 0 --node-root "$N" status
expect_contains "directory named in the warning" "$SE" "cannot read '$M/kube-apiserver.yaml': Is a directory"
rmdir "$M/kube-apiserver.yaml"; rm -f "$M/etcd.yaml"
run "no manifests: the usual pki files and the default endpoint" 1 --node-root "$N" --dial-timeout 1s status
expect_contains "default endpoint tried" "$SE" "127.0.0.1:2379"
expect_contains "pki files said" "$SE" "breakglass: using certificates from /etc/kubernetes/pki (--node-root $N)"
cp "$BG_TMP/disc-ap.yaml" "$M/kube-apiserver.yaml"
run "a mistyped --node-root is a usage error" 2 --node-root "$N-typo" status
expect_contains "the missing root is named" "$SE" "breakglass: cannot use --node-root '$N-typo': No such file or directory"

finish
