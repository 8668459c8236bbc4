#!/usr/bin/env bash
# Real etcd for tests: members on 127.0.0.1 with TLS and client-cert auth.
# Source this file. State lives in a directory; every process started is
# recorded by PID there and only those PIDs are ever signalled.
#
#   etcd_start DIR N [extra etcd flags...]   start N members (1 or 3), wait healthy
#   etcd_endpoints DIR                       comma-separated client URLs
#   etcd_endpoint DIR I                      client URL of member I (0-based)
#   etcd_pid DIR I                           PID of member I
#   etcd_kill DIR I / etcd_pause DIR I / etcd_resume DIR I
#   etcd_restart DIR I                       start member I again on its data
#   etcd_stop DIR                            stop every member started in DIR
#   ectl DIR args...                         etcdctl with the right certs
#
# Certificates come from tests/lib/certs.sh into DIR/pki.

_ETCD_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=certs.sh
source "$_ETCD_LIB_DIR/certs.sh"

# A port nobody listens on now (checked with ss), below the kernel's
# ephemeral range: a port from that range can be taken by any outgoing
# connection while a member is down, and its restart would then fail.
_free_port() {
  local p tries=0 lo=32768
  read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
  [ "$lo" -gt 12000 ] || lo=32768
  while [ $tries -lt 200 ]; do
    p=$(( 10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000) ))
    if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
      if ! grep -qx "$p" "${_ETCD_PORTS_TAKEN:-/dev/null}" 2>/dev/null; then
        echo "$p"; return 0
      fi
    fi
    tries=$((tries + 1))
  done
  echo "no free port found" >&2; return 1
}

etcd_start() {
  local dir=$1 n=${2:-1}; shift 2 || shift $#
  local extra=("$@")
  mkdir -p "$dir"
  [ -f "$dir/pki/ca.crt" ] || make_certs "$dir/pki"
  # A new cluster: never reuse data left by an earlier run in the same dir.
  etcd_stop "$dir"
  rm -rf "$dir"/m*.data
  export _ETCD_PORTS_TAKEN="$dir/ports"
  : > "$_ETCD_PORTS_TAKEN"
  local i cluster="" names=() cports=() pports=() token="bg-$$-$RANDOM"
  for ((i = 0; i < n; i++)); do
    cports[i]=$(_free_port); echo "${cports[i]}" >> "$_ETCD_PORTS_TAKEN"
    pports[i]=$(_free_port); echo "${pports[i]}" >> "$_ETCD_PORTS_TAKEN"
    names[i]="m$i"
    cluster+="${cluster:+,}m$i=https://127.0.0.1:${pports[i]}"
  done
  : > "$dir/endpoints"
  for ((i = 0; i < n; i++)); do
    echo "https://127.0.0.1:${cports[i]}" >> "$dir/endpoints"
    # Everything needed to restart member i later is kept in its cmd file.
    cat > "$dir/m$i.cmd" <<C
etcd --name m$i --data-dir $dir/m$i.data \
 --listen-client-urls https://127.0.0.1:${cports[i]} --advertise-client-urls https://127.0.0.1:${cports[i]} \
 --listen-peer-urls https://127.0.0.1:${pports[i]} --initial-advertise-peer-urls https://127.0.0.1:${pports[i]} \
 --initial-cluster $cluster --initial-cluster-state new --initial-cluster-token $token \
 --client-cert-auth --trusted-ca-file $dir/pki/ca.crt --cert-file $dir/pki/server.crt --key-file $dir/pki/server.key \
 --peer-client-cert-auth --peer-trusted-ca-file $dir/pki/ca.crt --peer-cert-file $dir/pki/server.crt --peer-key-file $dir/pki/server.key \
 --listen-metrics-urls http://127.0.0.1:$(_free_port) --logger zap --log-outputs $dir/m$i.log ${extra[*]}
C
    _etcd_launch "$dir" "$i"
  done
  etcd_wait_healthy "$dir" 30
}

_etcd_launch() {
  local dir=$1 i=$2
  # setsid: the member gets its own process group, so a terminal ^C aimed at
  # the test runner does not reach it and only our explicit kill does.
  setsid bash -c "exec $(cat "$dir/m$i.cmd")" > "$dir/m$i.out" 2>&1 < /dev/null &
  echo $! > "$dir/m$i.pid"
}

etcd_endpoints() { paste -sd, "$1/endpoints"; }
etcd_endpoint() { sed -n "$(( $2 + 1 ))p" "$1/endpoints"; }
etcd_pid() { cat "$1/m$2.pid"; }

ectl() {
  local dir=$1; shift
  ETCDCTL_API=3 etcdctl --endpoints "$(etcd_endpoints "$dir")" \
    --cacert "$dir/pki/ca.crt" --cert "$dir/pki/client.crt" --key "$dir/pki/client.key" "$@"
}

etcd_wait_healthy() {
  local dir=$1 secs=${2:-30} end
  end=$(( $(date +%s) + secs ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if ectl "$dir" --command-timeout=2s endpoint health --cluster >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "etcd in '$dir' not healthy after ${secs}s; logs in $dir/m*.log" >&2
  return 1
}

etcd_kill() { local p; p=$(etcd_pid "$1" "$2"); kill -9 "$p" 2>/dev/null; _etcd_reap "$p"; }
etcd_pause() { kill -STOP "$(etcd_pid "$1" "$2")"; }
etcd_resume() { kill -CONT "$(etcd_pid "$1" "$2")"; }
etcd_restart() { _etcd_launch "$1" "$2"; }

_etcd_gone() { # true when PID $1 no longer runs (a zombie counts as gone)
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
  [ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

_etcd_reap() { # wait (bounded) until PID $1 has gone, then collect it
  local i
  for ((i = 0; i < 100; i++)); do
    if _etcd_gone "$1"; then wait "$1" 2>/dev/null; return 0; fi
    sleep 0.1
  done
  return 1
}

etcd_stop() {
  local dir=$1 f p
  for f in "$dir"/m*.pid; do
    [ -f "$f" ] || continue
    p=$(cat "$f")
    kill -CONT "$p" 2>/dev/null || true
    kill -TERM "$p" 2>/dev/null || true
    _etcd_reap "$p" || { kill -KILL "$p" 2>/dev/null; _etcd_reap "$p"; }
    rm -f "$f"
  done
}
