#!/usr/bin/env bash
# make demo: a local etcd with TLS (certificates made on the spot), a
# Kubernetes-like keyspace, a bounded runaway writer rewriting the pods of
# DaemonSet kube-system/node-agent, a few CLI commands, then the console.
# Everything started here is stopped by PID when the demo ends.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/lib/etcd.sh"
D=${DEMO_DIR:-/tmp/breakglass-demo}
BG="$ROOT/$BUILD/breakglass"
WRITER_PID=""
cleanup() {
  [ -n "$WRITER_PID" ] && kill "$WRITER_PID" 2>/dev/null && wait "$WRITER_PID" 2>/dev/null
  etcd_stop "$D"
  echo "demo: stopped the writer and etcd"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: starting etcd with TLS and client-certificate auth in $D"
etcd_start "$D" 1 || exit 1
export ETCDCTL_ENDPOINTS=$(etcd_endpoints "$D") ETCDCTL_CACERT="$D/pki/ca.crt" \
       ETCDCTL_CERT="$D/pki/client.crt" ETCDCTL_KEY="$D/pki/client.key"
P=(--endpoints "$ETCDCTL_ENDPOINTS" --cacert "$ETCDCTL_CACERT" --cert "$ETCDCTL_CERT" --key "$ETCDCTL_KEY")
echo "demo: loading a Kubernetes-like keyspace"
"$ROOT/$BUILD/tests/tools/bg_load" "${P[@]}" --count "${DEMO_KEYS:-20000}" --demo || exit 1
"$ROOT/$BUILD/tests/tools/bg_writer" "${P[@]}" --seconds "${DEMO_SECONDS:-900}" --rate 100 --background \
  2>"$D/writer.log" &
WRITER_PID=$!
echo "demo: runaway writer started (PID $WRITER_PID): rewriting pods of DaemonSet kube-system/node-agent"
echo
echo "\$ breakglass status"
"$BG" status
echo
echo "\$ breakglass count /registry/"
"$BG" count /registry/
echo
echo "\$ breakglass ls /registry/daemonsets/"
"$BG" ls /registry/daemonsets/
echo
echo "\$ breakglass ls -l /registry/pods/kube-system/ | head -5"
"$BG" ls -l /registry/pods/kube-system/ | head -5
echo
echo "\$ breakglass ls /registry/configmaps/shop/   (one key name holds an escape sequence)"
"$BG" ls /registry/configmaps/shop/
if [ -t 0 ] && [ -t 1 ]; then
  echo
  echo "Opening the console on the demo cluster (q quits; the writer and etcd stop with it)."
  echo "Try: Enter on registry/ then pods/ then kube-system/, Enter on a pod to see it decoded,"
  echo "     C/s/w/m to sort, / to filter, c for the cluster view, ? for help."
  sleep 2
  "$BG" --audit-log "$D/audit.log"
else
  echo
  echo "(not a terminal: the console is skipped; run 'make demo' in a terminal to open it)"
fi
