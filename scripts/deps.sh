#!/usr/bin/env bash
# summary: install every Debian package vigil needs to build, test and benchmark (idempotent)
set -euo pipefail

# Build and runtime libraries.
BUILD_PKGS=(build-essential cmake pkg-config clang libclang-rt-dev
  libpcap-dev libssl-dev zlib1g-dev libsqlite3-dev libpsl-dev libjansson-dev
  libgmime-3.0-dev libmagic-dev libarchive-dev libgsf-1-dev
  libmicrohttpd-dev libloc-dev libloc-database)
# Tools the tests and benchmarks compare against or use.
TEST_PKGS=(tshark tcpdump wireshark-common tcpreplay jq python3 time iproute2 curl
  chromium wrk)
# Only for `make bench` (scripts/deps.sh --bench): the mail filter vigil email is compared with.
BENCH_PKGS=(rspamd)
# Commands that may come from elsewhere than Debian (this machine kind ships Node.js 20 with its
# own npm): installed from Debian only when the command is missing. "command:package ..."
CMD_PKGS=("node:nodejs" "npm:npm")

pkgs=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
if [ "${1:-}" = "--bench" ]; then
  pkgs+=("${BENCH_PKGS[@]}")
fi
want=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    want+=("$p")
  fi
done
for cp in "${CMD_PKGS[@]}"; do
  if ! command -v "${cp%%:*}" >/dev/null 2>&1; then
    want+=("${cp#*:}")
  fi
done
if [ ${#want[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
echo "deps: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}"
