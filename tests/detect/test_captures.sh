#!/usr/bin/env bash
# summary: detection on the real captures of ../shared/data/pcap, cold (no earlier state)
#
# Ground truth comes from ../shared/data/pcap/MANIFEST.md (the infected host of each malware
# capture and what its traffic contains). For each malware capture: the infected host is the
# top device of `vigil report`, and it breaches the models its traffic supports. For each
# benign capture: no breach scores above 60. Nothing here feeds the detection: the models
# never see these addresses.
source "$(dirname "$0")/../e2e/lib.sh"
need jq
M=$SHARED/pcap/malware
B=$SHARED/pcap/benign
[ -d "$M" ] && [ -d "$B" ] || { fail "shared captures not found under $SHARED/pcap"; finish; }

# analyze NAME CAPTURE...: a fresh state, breaches in $E2E_TMP/NAME.out, report in NAME.report
analyze() {
	local name=$1
	shift
	rm -f "$E2E_TMP/$name.db"*
	run_vigil "$name" analyze --state "$E2E_TMP/$name.db" --alerts - "$@"
	check_eq "$name: analyze exit status" 0 "$RC"
	timeout 60 "$VIGIL" report --state "$E2E_TMP/$name.db" --json >"$E2E_TMP/$name.report" 2>/dev/null
}

# expect_top NAME DEVICE: the report ranks DEVICE first.
expect_top() {
	local top
	top=$(jq -r '.devices[0].device' "$E2E_TMP/$1.report")
	check_eq "$1: top device" "$2" "$top"
}

# expect_model NAME DEVICE MODEL MIN_SCORE: DEVICE breached MODEL with at least MIN_SCORE.
expect_model() {
	local best
	best=$(jq -s --arg d "$2" --arg m "$3" \
		'[.[] | select(.device == $d and .model == $m) | .score] | max // 0' "$E2E_TMP/$1.out")
	if [ "$best" -ge "$4" ]; then
		pass "$1: $2 breached \"$3\" (score $best >= $4)"
	else
		fail "$1: $2 did not breach \"$3\" with score >= $4 (best $best)"
	fi
}

# expect_quiet NAME: no breach above 60 (benign traffic).
expect_quiet() {
	local worst
	worst=$(jq -s '[.[].score] | max // 0' "$E2E_TMP/$1.out")
	if [ "$worst" -le 60 ]; then
		pass "$1: benign, highest breach score $worst <= 60"
	else
		fail "$1: benign capture has a breach above 60: $(jq -c -s 'max_by(.score) | {model, score, device, endpoint}' "$E2E_TMP/$1.out")"
	fi
}

# IcedID: installer DLL over HTTP from raw IPs, gzip loader, self-signed C2 (MANIFEST).
analyze icedid "$M/2021-03-15-IcedID-infection-traffic.pcap"
expect_top icedid 10.3.15.101
expect_model icedid 10.3.15.101 "Anomalous File / EXE from Rare External Location" 70
expect_model icedid 10.3.15.101 "Anomalous File / Zip or Gzip from Rare External Location" 60
expect_model icedid 10.3.15.101 "Anomalous Connection / Rare External SSL Self-Signed" 70
expect_model icedid 10.3.15.101 "Device / Initial Breach Chain Compromise" 70

# Emotet epoch 4: C2 TLS without SNI with a self-signed certificate, DLLs with random names.
analyze emotet "$M/ndpi-emotet-epoch4-extract.pcap"
expect_top emotet 10.4.25.101
expect_model emotet 10.4.25.101 "Anomalous Connection / Rare External SSL Self-Signed" 80
expect_model emotet 10.4.25.101 "Anomalous Connection / Anomalous SSL without SNI to New External" 60
expect_model emotet 10.4.25.101 "Compromise / Suspicious SSL Activity" 70
expect_model emotet 10.4.25.101 "Anomalous File / EXE from Rare External Location" 70
expect_model emotet 10.4.20.102 "Anomalous File / EXE from Rare External Location" 70
# its spam module: 10.2.25.102 sends a macro-enabled workbook in a "Re:" to nothing, HELO an address not its own
expect_model emotet 10.2.25.102 "Compromise / Suspicious Spam Activity" 70

# Emotet-style C2: HTTP POST on port 7080.
analyze trickbot "$M/ndpi-trickbot-named-emotet-style-c2.pcap"
expect_top trickbot 10.12.29.101
expect_model trickbot 10.12.29.101 "Anomalous Connection / Application Protocol on Uncommon Port" 60

# Periodic traffic (a curl loop every 2 s; and every 2-3.6 s) on a public address: the
# originator is the device although no --internal is given.
analyze beacon2s "$M/slips-beacon-periodic-2s.pcap"
expect_top beacon2s 147.32.80.37
expect_model beacon2s 147.32.80.37 "Compromise / Beaconing Activity To External Rare" 70
expect_model beacon2s 147.32.80.37 "Compromise / SSL Beaconing to Rare Destination" 70
period=$(jq -s '[.[] | select(.model == "Compromise / Beaconing Activity To External Rare") | .metrics["beacon.period"]] | first // 0' "$E2E_TMP/beacon2s.out")
check "beacon2s: period $period s within 1.8-2.6 s (2 s sleep plus the request)" \
	awk -v p="$period" 'BEGIN { exit !(p >= 1.8 && p <= 2.6) }'
analyze beacon23s "$M/slips-beacon-semiperiodic-2-3s.pcap"
expect_top beacon23s 147.32.80.37
expect_model beacon23s 147.32.80.37 "Compromise / Beaconing Activity To External Rare" 70

# A SYN scan of one host: repeated failed connections.
analyze synscan "$M/ndpi-synscan.pcap"
expect_top synscan 172.16.0.8
expect_model synscan 172.16.0.8 "Anomalous Connection / Multiple Failed Connections to Rare Endpoint" 60

# Benign captures, each analysed cold: nothing above 60.
for f in "$B"/*.pcap; do
	n=benign-$(basename "$f" .pcap)
	analyze "$n" "$f"
	expect_quiet "$n"
done

finish
