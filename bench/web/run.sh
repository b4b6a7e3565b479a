#!/usr/bin/env bash
# summary: requests/s of vigil serve (overview, a device page, the device API) with wrk
# usage: bench/web/run.sh [BUILD_DIR]   (needs wrk, scripts/deps.sh)
set -euo pipefail
BUILD=${1:-build}
VIGIL=$BUILD/vigil
SHARED=$(dirname "$0")/../../../shared/data
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$VIGIL" analyze --state "$WORK/s.db" "$SHARED"/pcap/malware/2021-03-15-IcedID-infection-traffic.pcap \
  "$SHARED"/pcap/benign/*.pcap >/dev/null 2>&1
"$VIGIL" serve --state "$WORK/s.db" --listen 127.0.0.1:0 2>"$WORK/err" & PID=$!
for _ in $(seq 50); do grep -q listening "$WORK/err" && break; sleep 0.1; done
BASE=$(sed -n 's/^vigil: listening on \(http:[^ ]*\)\/$/\1/p' "$WORK/err")
for p in / /devices/10.3.15.101 /api/devices; do
  printf '%-24s ' "$p"
  wrk -t2 -c16 -d10s "$BASE$p" | awk '/Requests\/sec/ {r=$2} /Latency/ {l=$2} END {print r " req/s, mean latency " l}'
done
