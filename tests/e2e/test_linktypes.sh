#!/usr/bin/env bash
# summary: every link layer vigil decodes gives tshark's conversations
#
# 1. Real captures with a given encapsulation (802.1Q with id 0, QinQ, three tags, VLAN+MPLS,
#    PPPoE in QinQ, DLT_NULL, pcapng with two interfaces, IPv6, IPv6 atomic fragments): tshark
#    must confirm the file really has that feature (a display filter matching at least one
#    frame, so the check tests what it says); vigil's TCP/UDP conversations and per-direction
#    packet counts must equal tshark's (as in test_conv.sh, same exclusion rule), and each
#    conversation's vlan / inner_vlan must be the first / second 802.1Q id tshark shows.
# 2. Real Ethernet captures rewritten at test time (relink.py) to Linux SLL, SLL2, raw IP,
#    DLT_IPV4/IPV6, BSD NULL and LOOP and PPP: capinfos must name the new link type, vigil must
#    read every frame, print exactly the conn records (less the opaque uid) it prints for the
#    Ethernet original, and agree with tshark on the converted file.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need tshark capinfos python3 jq

# file | what it exercises | display filter tshark must match at least once
native=(
	"zeek-http-vlan-0.pcap|802.1Q tag with VLAN id 0 (priority tag)|vlan.id==0 && tcp"
	"zeek-http-qinq-0.pcap|QinQ, both ids 0|count(vlan.id)==2 && tcp"
	"ndpi-ja3_lots_of_cipher_suites.pcap|QinQ (802.1Q in 802.1Q)|count(vlan.id)==2 && vlan.id==258 && tcp"
	"zeek-vlan-qinqinq.pcap|three stacked 802.1Q tags|count(vlan.id)==3 && tcp"
	"ndpi-smtp-starttls.pcap|tagged and untagged conversations in one file|vlan.id==125 && tcp"
	"zeek-mixed-vlan-mpls.pcap|MPLS label stack and 802.1Q|mpls && tcp"
	"ndpi-dns.pcap|PPPoE session in QinQ|pppoes && udp"
	"ndpi-selfsigned.pcap|BSD loopback (DLT_NULL)|null && tcp"
	"zeek-pcapng-multi-interface.pcapng|pcapng, two interfaces|frame.interface_id==1 && udp"
	"ndpi-tls_malicious_sha1.pcapng|pcapng, IPv6|ipv6 && tcp"
	"ndpi-http_ipv6.pcap|IPv6 TCP and UDP|ipv6 && udp"
	"zeek-ipv6-http-atomic-frag.pcap|IPv6 atomic fragments (RFC 6946)|ipv6.fraghdr.more==0 && ipv6.fraghdr.offset==0 && tcp"
)

for entry in "${native[@]}"; do
	IFS='|' read -r file what filter <<<"$entry"
	f=$PCAPS/$file
	label="$file ($what)"
	if [ ! -f "$f" ]; then
		fail "$label: capture missing from $PCAPS"
		continue
	fi
	run_vigil ev events -v "$f"
	check_eq "$label: vigil exit status" 0 "$RC"
	check_eq "$label: frames read (capinfos vs vigil -v packets)" "$(frames_in "$f")" \
		"$(stat_of packets "$E2E_TMP/ev.err")"
	if ! tshark_conv "$f" "$E2E_TMP/ts" "$filter"; then
		fail "$label: tshark could not read the capture: $(head -c 300 "$E2E_TMP/ts.err")"
		continue
	fi
	conv_compare "$label" "$E2E_TMP/ev.out" "$E2E_TMP/ts"
	n=$(stat_value matched)
	if [ -n "$n" ] && [ "$n" -gt 0 ]; then
		pass "$label: tshark finds $n frames matching '$filter'"
	else
		fail "$label: tshark finds no frame matching '$filter' (got '$n'): the capture does not test this"
	fi
done

# source capture | link kinds to produce from it: the mixed IPv4/IPv6 TCP/UDP capture in every
# kind that carries both, an IPv4-only and an IPv6-only one in the single-version raw kinds and
# the BSD loopback kinds (whose IPv6 family codes differ).
converted=(
	"ndpi-tls_certificate_too_long.pcap|sll sll2 raw null loop ppp"
	"ndpi-http_ipv6.pcap|ipv6 null loop"
	"zeek-web.pcap|ipv4"
)
declare -A encap=([sll]=linux-sll [sll2]=linux-sll2 [raw]=rawip [ipv4]=rawip4 [ipv6]=rawip6
	[null]=null [loop]=loop [ppp]=ppp)

for entry in "${converted[@]}"; do
	IFS='|' read -r file kinds <<<"$entry"
	src=$PCAPS/$file
	if [ ! -f "$src" ]; then
		fail "$file: capture missing from $PCAPS"
		continue
	fi
	run_vigil ev events "$src"
	jq -c 'select(.type == "conn") | del(.uid)' <"$E2E_TMP/ev.out" | LC_ALL=C sort >"$E2E_TMP/orig.conns"
	norig=$(wc -l <"$E2E_TMP/orig.conns")
	if [ "$RC" -ne 0 ] || [ "$norig" -eq 0 ]; then
		fail "$file: vigil gave status $RC and $norig conn records for the Ethernet original"
	fi
	prefix=$E2E_TMP/${file%.pcap}
	# shellcheck disable=SC2086
	if ! python3 "$E2E_DIR/relink.py" "$src" "$prefix" $kinds >"$E2E_TMP/relink.res" 2>&1; then
		fail "$file: relink.py failed: $(cat "$E2E_TMP/relink.res")"
		continue
	fi
	while read -r kind written; do
		out=$prefix.$kind.pcap
		label="$file as ${encap[$kind]}"
		if [ "${written:-0}" -le 0 ] 2>/dev/null; then
			fail "$label: relink.py wrote no frame"
			continue
		fi
		check_eq "$label: link type of the rewritten file (capinfos)" "${encap[$kind]}" \
			"$(capinfos -T -r -E "$out" 2>/dev/null | cut -f2)"
		run_vigil ev events -v "$out"
		jq -c 'select(.type == "conn") | del(.uid)' <"$E2E_TMP/ev.out" | LC_ALL=C sort >"$E2E_TMP/conv.conns"
		check_eq "$label: vigil exit status" 0 "$RC"
		check_eq "$label: frames read (relink.py wrote vs vigil -v packets)" "$written" \
			"$(stat_of packets "$E2E_TMP/ev.err")"
		if cmp -s "$E2E_TMP/orig.conns" "$E2E_TMP/conv.conns"; then
			pass "$label: the same $norig conn records as the Ethernet original"
		else
			fail "$label: conn records differ from the Ethernet original's" \
				"(< original, > $kind): $(diff "$E2E_TMP/orig.conns" "$E2E_TMP/conv.conns" | grep '^[<>]' | head -4 | cut -c1-300 | tr '\n' ' ')"
		fi
		if tshark_conv "$out" "$E2E_TMP/ts"; then
			conv_compare "$label" "$E2E_TMP/ev.out" "$E2E_TMP/ts"
		else
			fail "$label: tshark could not read the rewritten file: $(head -c 300 "$E2E_TMP/ts.err")"
		fi
	done <"$E2E_TMP/relink.res"
done
finish
