# summary: shared helpers of the web tests: a state from the shared captures, a server on a
# random loopback port with bounded waits, killed at exit
set -euo pipefail
: "${VIGIL:?VIGIL must name the vigil binary}"
: "${SHARED:?SHARED must name ../shared/data}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-web.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fails=0
pass=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fails=$((fails + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# make_state DB: the IcedID infection beside the benign captures (real data only)
make_state() {
  local pcap=$SHARED/pcap/malware/2021-03-15-IcedID-infection-traffic.pcap
  [ -r "$pcap" ] || { echo "skip: $pcap missing"; exit 77; }
  "$VIGIL" analyze --state "$1" "$pcap" "$SHARED"/pcap/benign/*.pcap >/dev/null 2>"$WORK/analyze.err"
}

# start_server DB [ARGS...]: sets BASE to http://127.0.0.1:PORT
start_server() {
  local db=$1; shift
  "$VIGIL" serve --state "$db" --listen 127.0.0.1:0 "$@" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  local i port=
  for i in $(seq 1 100); do
    port=$(sed -n 's/^vigil: listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/$/\1/p' "$WORK/serve.err")
    [ -n "$port" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$WORK/serve.err"; echo "FAIL server did not start"; exit 1; }
  BASE=http://127.0.0.1:$port
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# code URL [CURL ARGS...]: the HTTP status
code() { local u=$1; shift; curl -s -m 10 -o /dev/null -w '%{http_code}' "$@" "$u"; }
get() { curl -s -m 10 --fail "$@"; }

finish() {
  echo "$pass passed, $fails failed"
  [ "$fails" -eq 0 ]
}
