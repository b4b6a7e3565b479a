#!/usr/bin/env bash
# summary: `make demo`: run vigil on a bundled real capture and show what it extracted
set -euo pipefail
VIGIL=${1:-build/vigil}
cd "$(dirname "$0")/.."
CAP=tests/data/pcap/ndpi-emotet-epoch4-extract.pcap
OUT=build/demo-events.jsonl
mkdir -p build

echo "== vigil events $CAP"
echo "   (real Emotet epoch-4 traffic from nDPI's test suite; see tests/data/README.md)"
"$VIGIL" events -v "$CAP" > "$OUT" 2> build/demo-counters.txt
echo
echo "-- events by type"
jq -r '.type' "$OUT" | sort | uniq -c | sort -rn
echo
echo "-- connections by state (Zeek conn_state)"
jq -r 'select(.type=="conn") | .conn_state' "$OUT" | sort | uniq -c | sort -rn
echo
echo "-- services recognised by content (and whether on their usual port)"
jq -r 'select(.type=="conn" and .service) | "\(.service) usual_port=\(.service_port_usual)"' "$OUT" \
  | sort | uniq -c | sort -rn
echo
echo "-- TLS: server name, JA3, leaf certificate (self-signed?)"
jq -r 'select(.type=="tls") | "\(.["id.orig_h"]) -> \(.["id.resp_h"]):\(.["id.resp_p"])  sni=\(.server_name // "-")  ja3=\(.ja3 // "-")  self_signed=\(.self_signed // "-")  subject=\(.subject // "-")"' "$OUT" | head -20
echo
echo "-- HTTP: requests with the file name the URI points at and the body's true type"
jq -r 'select(.type=="http") | "\(.["id.orig_h"]) \(.method // "-") \(.host // "-")\(.uri // "")  ua=\(.user_agent // "")  type=\(.resp_mime_types // "-")"' "$OUT" | head -20
echo
echo "-- SMTP"
jq -r 'select(.type=="smtp") | "\(.["id.orig_h"]) -> \(.["id.resp_h"]):\(.["id.resp_p"]) helo=\(.helo // "-") from=\(.mailfrom // "-") subject=\(.subject // "-")"' "$OUT" | head -10
echo
echo "-- decoder and flow counters (vigil events -v)"
cat build/demo-counters.txt
echo
echo "all events: $OUT"
