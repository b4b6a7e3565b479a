# summary: the JSON API and every page answer with the content of a real state (curl)
. "$(dirname "$0")/lib.sh"
make_state "$WORK/s.db"
start_server "$WORK/s.db"
DEV=10.3.15.101 # the IcedID-infected host

j() { get "$BASE$1" | jq -e "$2" >/dev/null; }
# threat decays to the last event learned (a benign capture a month later), so rank by breaches too
check "infected host has the most breaches" j /api/devices "max_by(.breaches).device == \"$DEV\""
check "devices sorted by threat" j /api/devices '[.[].threat] == ([.[].threat] | sort | reverse)'
check "overview has recent breaches" j /api/overview '.recent_breaches | length > 0'
check "device has usual endpoints and breaches" j "/api/devices/$DEV" '(.usual | length > 0) and (.breaches | length >= 10)'
check "breaches filtered by device" j "/api/breaches?device=$DEV&limit=3" "length == 3 and all(.[]; .device == \"$DEV\")"
ID=$(get "$BASE/api/breaches?device=$DEV&limit=1" | jq -r '.[0].id')
INC=$(get "$BASE/api/breaches/$ID" | jq -r '.incident')
check "breach by id has metrics" j "/api/breaches/$ID" '.metrics | type == "object"'
check "incident has its breaches" j "/api/incidents/$INC" "(.breaches | length > 0) and .device == \"$DEV\""
check "incidents list" j /api/incidents 'length > 0'
check "endpoint: rare IcedID server contacted by one device" j /api/endpoints/188.127.254.114 '.rarity > 50 and (.breaches | length > 0)'
check "email: none judged yet answers judged=false or a list" j /api/email '.messages | type == "array"'
check "unknown device is 404" test "$(code "$BASE/api/devices/10.9.9.9")" = 404
check "unknown breach is 404" test "$(code "$BASE/api/breaches/999999")" = 404
check "bad limit is 400" test "$(code "$BASE/api/breaches?limit=x")" = 400
check "API refuses POST" test "$(code "$BASE/api/devices" -X POST -d x=1)" = 405
check "DELETE refused" test "$(code "$BASE/" -X DELETE)" = 405

for p in / "/devices/$DEV" "/breaches/$ID" /endpoints/188.127.254.114 /incidents "/incidents/$INC" /email /static/vigil.css; do
  check "page $p is 200" test "$(code "$BASE$p")" = 200
done
check "overview ranks the device" sh -c "curl -s '$BASE/' | grep -q 'href=\"/devices/$DEV\"'"
check "overview draws an SVG chart" sh -c "curl -s '$BASE/' | grep -q '<svg class=\"chart\"'"
check "device page marks breaches on its timeline" sh -c "curl -s '$BASE/devices/$DEV' | grep -q 'class=\"mark '"
check "device page lists usual endpoints" sh -c "curl -s '$BASE/devices/$DEV' | grep -q 'Usual endpoints'"
check "breach page shows the baseline" sh -c "curl -s '$BASE/breaches/$ID' | grep -q 'baseline it was judged against'"
check "incident page is a timeline" sh -c "curl -s '$BASE/incidents/$INC' | grep -q 'ol class=\"timeline\"'"
check "CSP forbids foreign scripts" sh -c "curl -sI '$BASE/' | grep -qi \"content-security-policy: default-src 'none'\""
check "report JSON and API agree on the ranking" test "$("$VIGIL" report --state "$WORK/s.db" --json | jq -c '[.devices[].device]')" = "$(get "$BASE/api/devices" | jq -c '[.[].device]')"
finish
