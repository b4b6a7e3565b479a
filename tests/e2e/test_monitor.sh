#!/usr/bin/env bash
# summary: vigil monitor on the loopback interface: BPF filter, real TCP connection, clean stop
#
# Two HTTP servers listen on 127.0.0.1 (ports P and Q, chosen by the kernel). vigil monitor
# captures "tcp port P" on lo while tcpdump records the same filter as the reference; curl
# fetches a page from both servers. Then the servers are stopped, vigil gets SIGINT, and
# tcpdump is stopped last. Checked:
#   - the conn event of the closed connection is printed while vigil runs, within 12 s, with no
#     further traffic (live capture lets flow timeouts run on with the clock);
#   - vigil exits by itself within 5 s of SIGINT, with status 0;
#   - it printed a conn event for the fetch: tcp, 127.0.0.1 -> 127.0.0.1:P, conn_state SF
#     (S1 or RSTO if the client reset the connection), orig_bytes and resp_bytes > 0;
#   - nothing about port Q (traffic the filter excludes) was printed, and its -v packet counter
#     equals the frames in tcpdump's capture of the same filter;
#   - its conversations and per-direction packet counts equal tshark's on tcpdump's capture.
# Every wait is bounded; a vigil that ignores SIGINT is woken by one more packet on port P (and
# the failure recorded) so that its output can still be checked, and killed if that fails too.
# Needs root or CAP_NET_RAW (CI runs as root): without them the test fails, it does not skip.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need tshark capinfos python3 curl tcpdump jq

T=$E2E_TMP
mkdir "$T/www"
printf '<html><body>%s</body></html>\n' "$(head -c 3000 /dev/zero | tr '\0' x)" >"$T/www/index.html"

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds or time runs out.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# start_server NAME: an HTTP server on 127.0.0.1, port chosen by the kernel; sets PORT and
# SERVER_PID.
start_server() {
	python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$T/www" >"$T/$1.log" 2>&1 &
	SERVER_PID=$!
	bg_track $SERVER_PID
	PORT=
	if wait_for 10 grep -qs 'port [0-9]' "$T/$1.log"; then
		PORT=$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$T/$1.log" | head -n 1)
	fi
}

start_server srvp
P=$PORT
SRVP_PID=$SERVER_PID
start_server srvq
Q=$PORT
SRVQ_PID=$SERVER_PID
if [ -z "$P" ] || [ -z "$Q" ]; then
	fail "could not start the two HTTP servers: $(cat "$T/srvp.log" "$T/srvq.log" | head -c 300)"
	finish
fi
pass "HTTP servers listening on 127.0.0.1:$P (filtered) and 127.0.0.1:$Q (not)"

tcpdump -i lo -n -U --immediate-mode -w "$T/ref.pcap" "tcp port $P" 2>"$T/tcpdump.err" &
TCPDUMP_PID=$!
bg_track $TCPDUMP_PID
if ! wait_for 10 grep -qs 'listening on' "$T/tcpdump.err"; then
	fail "tcpdump did not start on lo: $(head -c 300 "$T/tcpdump.err")"
	finish
fi

"$VIGIL" monitor -i lo -f "tcp port $P" -v >"$T/mon.out" 2>"$T/mon.err" </dev/null &
VPID=$!
bg_track $VPID
sleep 1.5
if ! kill -0 "$VPID" 2>/dev/null; then
	wait "$VPID"
	fail "vigil monitor -i lo exited at once (status $?; root or CAP_NET_RAW needed): $(head -c 300 "$T/mon.err")"
	finish
fi
pass "vigil monitor -i lo -f 'tcp port $P' is running"

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$P/")
check_eq "curl http://127.0.0.1:$P/ (filtered port)" 200 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$Q/")
check_eq "curl http://127.0.0.1:$Q/ (port outside the filter)" 200 "$code"

# A closed connection ends after the close delay (5 s, src/flow/flow.h; Zeek's tcp_close_delay)
# on packet time, which a live capture lets run on with the clock: its conn event must appear
# while vigil is still running, without any further packet.
# shellcheck disable=SC2317 # called through wait_for
has_conn() {
	jq -c --argjson p "$P" 'select(.type == "conn" and ."id.resp_p" == $p)' <"$T/mon.out" 2>/dev/null | grep -q .
}
if wait_for 12 has_conn; then
	pass "conn event printed while running, with no further traffic (close delay)"
else
	fail "no conn event for the closed connection 12 s after it closed, with no further traffic on port $P (flows do not time out on a quiet capture)"
fi

kill -TERM "$SRVP_PID" "$SRVQ_PID" 2>/dev/null
wait "$SRVP_PID" "$SRVQ_PID" 2>/dev/null

kill -INT "$VPID"
if wait_for 5 bash -c "! kill -0 $VPID 2>/dev/null"; then
	pass "vigil monitor exited within 5 s of SIGINT"
else
	fail "vigil monitor still running 5 s after SIGINT (with no more packets matching its filter)"
	# one more packet on port P (nothing listens now: SYN, RST) lets a blocked capture loop return
	(exec 3<>"/dev/tcp/127.0.0.1/$P") 2>/dev/null
	if wait_for 5 bash -c "! kill -0 $VPID 2>/dev/null"; then
		note "vigil monitor exited after one more packet matched its filter"
	else
		fail "vigil monitor still running 5 s after SIGINT and one more packet: killed"
		kill -KILL "$VPID" 2>/dev/null
	fi
fi
wait "$VPID"
check_eq "vigil monitor exit status after SIGINT" 0 "$?"
sleep 0.5
kill -TERM "$TCPDUMP_PID" 2>/dev/null
wait_for 5 bash -c "! kill -0 $TCPDUMP_PID 2>/dev/null" || kill -KILL "$TCPDUMP_PID" 2>/dev/null
wait "$TCPDUMP_PID" 2>/dev/null
errs=$(error_lines "$T/mon.err")
[ -z "$errs" ] || fail "vigil monitor printed errors: $errs"

good=$(jq -c --argjson p "$P" 'select(.type == "conn" and .proto == "tcp" and ."id.resp_p" == $p
	and ."id.orig_h" == "127.0.0.1" and ."id.resp_h" == "127.0.0.1"
	and (.conn_state == "SF" or .conn_state == "S1" or .conn_state == "RSTO")
	and .orig_bytes > 0 and .resp_bytes > 0)' <"$T/mon.out" 2>&1 | wc -l)
if [ "$good" -eq 1 ]; then
	pass "one conn event for the fetch from 127.0.0.1:$P: $(jq -c --argjson p "$P" 'select(.type == "conn" and ."id.resp_p" == $p) | {conn_state, history, orig_pkts, resp_pkts, orig_bytes, resp_bytes}' <"$T/mon.out" | head -n 1)"
else
	fail "expected one conn event tcp 127.0.0.1 -> 127.0.0.1:$P with conn_state SF/S1/RSTO and bytes both ways, found $good; events: $(head -c 600 "$T/mon.out")"
fi
leak=$(jq -c --argjson q "$Q" 'select(."id.orig_p" == $q or ."id.resp_p" == $q)' <"$T/mon.out" | wc -l)
check_eq "events about port $Q, which the filter excludes" 0 "$leak"
stray=$(jq -c --argjson p "$P" 'select(has("id.resp_p") and ."id.orig_p" != $p and ."id.resp_p" != $p)' <"$T/mon.out" | wc -l)
check_eq "events of a connection without port $P" 0 "$stray"

# tcpdump ran until vigil had stopped, so it saw every packet vigil saw (a wake-up included).
want=$(frames_in "$T/ref.pcap")
if [ -z "$want" ] || [ "$want" -eq 0 ]; then
	fail "tcpdump captured no frame on lo (reference missing): $(head -c 300 "$T/tcpdump.err")"
else
	check_eq "frames matching the filter (tcpdump vs vigil -v packets)" "$want" "$(stat_of packets "$T/mon.err")"
	if tshark_conv "$T/ref.pcap" "$T/ts"; then
		conv_compare "lo capture (tcpdump reference)" "$T/mon.out" "$T/ts"
	else
		fail "tshark cannot read tcpdump's capture: $(head -c 300 "$T/ts.err")"
	fi
fi
finish
