#!/usr/bin/env bash
# Installs every Debian package that building, testing, fuzzing and the demo
# need. Idempotent and non-interactive: does nothing when all are present.
set -euo pipefail

PACKAGES=(
  build-essential pkg-config make
  libgrpc-dev protobuf-c-compiler libprotobuf-c-dev
  libncurses-dev libjansson-dev libssl-dev libyaml-dev libcmocka-dev
  etcd-server etcd-client golang-etcd-server-dev
  openssl tmux valgrind procps iproute2 bc coreutils
  clang libclang-rt-14-dev
  dpkg-dev lintian groff-base
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The etcd-server package starts a system etcd on 2379; our tests and demo use
# their own ports, but a stray system member only wastes memory: stop it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
  $SUDO systemctl stop etcd || true
fi
echo "install-deps: done"
