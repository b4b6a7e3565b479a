# summary: the device page's activity graph from the per-device hourly history (life/history.h):
# a device with 5 days of history (a composed office week with an infection on the last day) and
# one with a single hour (the IcedID capture alone); API and page agree with the learned state
. "$(dirname "$0")/lib.sh"
TOOL=$SHARED/../tools/make-office-week
for t in jq tshark editcap mergecap tcprewrite capinfos; do
  command -v "$t" >/dev/null || { echo "skip: $t missing"; exit 77; }
done
[ -x "$TOOL" ] || { echo "skip: $TOOL missing"; exit 77; }
ICEDID=$SHARED/pcap/malware/2021-03-15-IcedID-infection-traffic.pcap
timeout 300 "$TOOL" --devices 3 --days 5 --seed 7 --out "$WORK/week" --infection "$ICEDID" \
  --infected-host 10.3.15.101 >"$WORK/week.log" 2>&1 || { tail -3 "$WORK/week.log"; echo "FAIL make-office-week"; exit 1; }
DEV=$(jq -r .infection.device "$WORK/week/truth.json")
"$VIGIL" analyze --state "$WORK/w.db" "$WORK/week/week.pcap" >/dev/null 2>"$WORK/analyze.err"
start_server "$WORK/w.db"
jqq() { jq -e "$@" >/dev/null; }

H=$(get "$BASE/api/devices/$DEV/history")
D=$(get "$BASE/api/devices/$DEV")
hours=$(jq '.hours | length' <<<"$H")
check "5 days: the history spans more than 4 days ($hours hours)" test "$hours" -gt 96
check "5 days: at most the 7 days kept" test "$hours" -le 168
check "5 days: hours are consecutive, one hour apart" jqq '[.hours[].ts] | . as $t | all(range(1; length); $t[.] - $t[. - 1] == 3600)' <<<"$H"
check "5 days: connections per hour sum to the device's connections" test "$(jq '[.hours[].connections] | add' <<<"$H")" = "$(jq .connections <<<"$D")"
check "5 days: bytes counted both ways" jqq '([.hours[].bytes_out] | add) > 0 and ([.hours[].bytes_in] | add) > 0' <<<"$H"
check "5 days: every breach of the device is marked" test "$(jq '.breaches | length' <<<"$H")" = "$(jq '.breaches | length' <<<"$D")"
inf=$(jq -r '.infection.start | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601' "$WORK/week/truth.json")
check "5 days: the burst of breaches falls in the infection's hour" jqq --argjson s "$inf" '[.hours[] | select(.ts <= $s and $s < .ts + 3600) | .connections] | .[0] > 0' <<<"$H"
check "5 days: the breaches are on the infection day" jqq --argjson s "$inf" 'all(.breaches[]; .ts >= $s - 1 and .ts < $s + 86400)' <<<"$H"
curl -s "$BASE/devices/$DEV" >"$WORK/dev.html"
bars=$(grep -o '<rect class="bar conn"' "$WORK/dev.html" | wc -l)
check "5 days: one connection bar per active hour ($bars)" test "$bars" = "$(jq '[.hours[] | select(.connections > 0)] | length' <<<"$H")"
check "5 days: each breach marked on the graph" test "$(grep -o '<circle class="mark ' "$WORK/dev.html" | wc -l)" = "$(jq '.breaches | length' <<<"$H")"
check "5 days: day boundaries labelled" test "$(grep -o '<text class="lbl day"' "$WORK/dev.html" | wc -l)" -ge 5
check "5 days: bytes drawn" grep -q '<rect class="in"' "$WORK/dev.html"
check "unknown device history is 404" test "$(code "$BASE/api/devices/10.9.9.9/history")" = 404
check "history of a non-address is 404" test "$(code "$BASE/api/devices/x/history")" = 404
check "other device subpaths are 404" test "$(code "$BASE/api/devices/$DEV/nothing")" = 404
stop_server

# one hour: the IcedID capture alone
"$VIGIL" analyze --state "$WORK/h.db" "$ICEDID" >/dev/null 2>>"$WORK/analyze.err"
start_server "$WORK/h.db"
DEV=10.3.15.101
H=$(get "$BASE/api/devices/$DEV/history")
check "1 hour: one hour of history" test "$(jq '.hours | length' <<<"$H")" = 1
check "1 hour: its connections" test "$(jq '.hours[0].connections' <<<"$H")" = "$(get "$BASE/api/devices/$DEV" | jq .connections)"
curl -s "$BASE/devices/$DEV" >"$WORK/dev1.html"
check "1 hour: drawn in a window of 12 hours with hour labels" test "$(grep -o '<text class="lbl" x="[0-9.]*" y="267" text-anchor="middle">[0-9][0-9]:00' "$WORK/dev1.html" | wc -l)" -ge 5
check "1 hour: breaches marked on the activity graph" grep -q '<svg class="chart activity".*class="mark ' "$WORK/dev1.html"
check "1 hour: and again on a finer time scale" grep -q 'Model breaches in detail' "$WORK/dev1.html"
finish
