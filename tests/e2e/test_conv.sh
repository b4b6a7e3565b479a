#!/usr/bin/env bash
# summary: on every test capture, vigil's TCP/UDP conversations and packet counts equal tshark's
#
# For each capture in tests/data/pcap and, when $SHARED exists, every benign and malware capture
# in $SHARED/pcap:
#   - `vigil events -v FILE` exits 0 with no error message;
#   - its "packets" counter equals the number of frames in the file (capinfos -c);
#   - the set of unordered {addrA:portA, addrB:portB} pairs of its TCP conn events equals the
#     rows of `tshark -n -r FILE -q -z conv,tcp`, and the same for UDP (conv,udp);
#   - per pair and direction, the packets vigil reports (orig_pkts/resp_pkts summed over every
#     conn event of the pair: vigil splits a 4-tuple into several connections on port reuse,
#     timeouts and VLANs) equal tshark's frame counts, and the IP bytes (orig_ip_bytes /
#     resp_ip_bytes) equal the sum of the frames' IP total lengths;
#   - each pair's vlan / inner_vlan are the first / second 802.1Q ids tshark shows.
# (conv.py, which lib.sh's conv_compare runs, documents each check.)
# Frames vigil leaves out by design are left out of tshark's tables by one rule,
# CONV_EXCLUDE in lib.sh (IP fragments tshark could not reassemble; ICMP messages, which
# may quote a TCP/UDP header) - never by a file's numbers. The script notes every capture
# where the rule matched frames.
# Last, a few captures are read again with a 2-flow table and 1-second timeouts, so that
# vigil evicts and splits flows all the time: the per-pair sums must not change.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need tshark capinfos python3

captures=()
for f in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
	[ -f "$f" ] && captures+=("$f")
done
own=${#captures[@]}
if [ "$own" -lt 15 ]; then
	fail "expected the project's captures in $PCAPS (at least 15), found $own"
fi
if [ -d "$SHARED/pcap" ]; then
	for f in "$SHARED"/pcap/benign/*.pcap* "$SHARED"/pcap/malware/*.pcap*; do
		# a capture also copied into tests/data is compared once
		[ -f "$f" ] && ! [ -f "$PCAPS/$(basename "$f")" ] && captures+=("$f")
	done
	if [ "${#captures[@]}" -eq "$own" ]; then
		fail "$SHARED/pcap exists but holds no benign/ or malware/ captures"
	fi
else
	note "$SHARED/pcap not found: only the project's own $own captures are compared"
fi

label_of() {
	case $1 in
	"$PCAPS"/*) echo "data/pcap/${1#"$PCAPS"/}" ;;
	"$SHARED"/*) echo "shared/${1#"$SHARED"/}" ;;
	*) echo "$1" ;;
	esac
}

tcp_pairs=0 tcp_frames=0 udp_pairs=0 udp_frames=0 files=0

# compare_one FILE LABEL VIGIL-OPTIONS...: the checks above for one capture.
compare_one() {
	local f=$1 label=$2 errs want got
	shift 2
	run_vigil ev events -v "$@" "$f"
	check_eq "$label: vigil exit status" 0 "$RC"
	errs=$(error_lines "$E2E_TMP/ev.err")
	if [ -n "$errs" ]; then
		fail "$label: vigil reported an error on a complete capture: $errs"
	fi
	want=$(frames_in "$f")
	got=$(stat_of packets "$E2E_TMP/ev.err")
	check_eq "$label: frames read (capinfos vs vigil -v packets)" "$want" "$got"
	if ! tshark_conv "$f" "$E2E_TMP/ts"; then
		fail "$label: tshark could not read the capture: $(head -c 300 "$E2E_TMP/ts.err")"
		return
	fi
	conv_compare "$label" "$E2E_TMP/ev.out" "$E2E_TMP/ts"
}

for f in "${captures[@]}"; do
	label=$(label_of "$f")
	compare_one "$f" "$label"
	files=$((files + 1))
	for kv in $CONV_STAT; do
		case $kv in
		tcp_pairs=*) tcp_pairs=$((tcp_pairs + ${kv#*=})) ;;
		tcp_frames=*) tcp_frames=$((tcp_frames + ${kv#*=})) ;;
		udp_pairs=*) udp_pairs=$((udp_pairs + ${kv#*=})) ;;
		udp_frames=*) udp_frames=$((udp_frames + ${kv#*=})) ;;
		excluded=[1-9]*) note "$label: ${kv#*=} frames matched the CONV_EXCLUDE rule" ;;
		esac
	done
done

# The same sums with flows split and evicted all the time.
stress=("$PCAPS/ndpi-tls_certificate_too_long.pcap" "$PCAPS/ndpi-http_ipv6.pcap")
if [ -d "$SHARED/pcap" ]; then
	stress+=("$SHARED/pcap/malware/ndpi-synscan.pcap" "$SHARED/pcap/benign/zeek-wikipedia.pcap")
fi
for f in "${stress[@]}"; do
	label="$(label_of "$f") (2 flows, 1 s timeouts)"
	if [ ! -f "$f" ]; then
		fail "$label: capture missing"
		continue
	fi
	compare_one "$f" "$label" --max-flows 2 --tcp-timeout 1 --udp-timeout 1 \
		--other-timeout 1 --active-timeout 1
	evicted=$(stat_of flows_evicted "$E2E_TMP/ev.err")
	if [ "$evicted" != missing ] && [ "$evicted" -gt 0 ]; then
		pass "$label: the run evicted $evicted flows (the split path was exercised)"
	else
		fail "$label: expected flows_evicted > 0 from vigil -v with a 2-flow table, got '$evicted'"
	fi
done

note "compared $files captures with tshark: $tcp_pairs TCP conversations ($tcp_frames frames)," \
	"$udp_pairs UDP conversations ($udp_frames frames)"
# A floor, so that captures silently missing cannot pass: the project's own captures hold 52
# TCP and 24 UDP conversations, the shared benign and malware ones about 2,450 and 420 more.
min_tcp=50 min_udp=20
if [ -d "$SHARED/pcap" ]; then min_tcp=1000 min_udp=200; fi
if [ "$tcp_pairs" -lt "$min_tcp" ] || [ "$udp_pairs" -lt "$min_udp" ]; then
	fail "too few conversations compared ($tcp_pairs TCP, $udp_pairs UDP; expected at least $min_tcp and $min_udp): are the captures there?"
else
	pass "at least $min_tcp TCP and $min_udp UDP conversations compared"
fi
finish
