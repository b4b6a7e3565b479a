#!/usr/bin/env bash
# summary: `make demo`: vigil's main job on a bundled real capture: learn, judge, rank devices
set -euo pipefail
VIGIL=${1:-build/vigil}
cd "$(dirname "$0")/.."
CAP=tests/data/pcap/ndpi-emotet-epoch4-extract.pcap
OUT=build/demo
mkdir -p "$OUT"
rm -f "$OUT"/state.db* "$OUT"/alerts.jsonl

echo "== vigil analyze $CAP"
echo "   (real Emotet epoch-4 traffic from nDPI's test suite: see tests/data/README.md)"
"$VIGIL" analyze --state "$OUT/state.db" --alerts "$OUT/alerts.jsonl" "$CAP"
echo
echo "-- breaches ($(wc -l < "$OUT/alerts.jsonl")), as JSON lines in $OUT/alerts.jsonl:"
jq -r '"\(.score)  \(.device)  \(.model)\n     \(.reason)"' "$OUT/alerts.jsonl"
echo
echo "== vigil report --state $OUT/state.db"
"$VIGIL" report --state "$OUT/state.db"
echo
"$VIGIL" events "$CAP" > "$OUT/events.jsonl"
echo "-- the evidence: $(wc -l < "$OUT/events.jsonl") events by type (vigil events, in $OUT/events.jsonl)"
jq -r '.type' "$OUT/events.jsonl" | sort | uniq -c | sort -rn
