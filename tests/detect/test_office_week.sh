#!/usr/bin/env bash
# summary: learning across days and devices: composed office weeks with an infection on the last day
#
# ../shared/tools/make-office-week composes a multi-day, multi-device capture from the real
# shared captures, with an infection on the last day and exact ground truth (truth.json). Per
# scenario: the infected device ranks first in `vigil report`; it breaches above 60 only inside
# the infection window; no other device, on any day, breaches above 60.
source "$(dirname "$0")/../e2e/lib.sh"
need jq python3 tshark editcap mergecap reordercap tcprewrite capinfos
TOOL=$SHARED/../tools/make-office-week
S=$SHARED/pcap
[ -x "$TOOL" ] || { fail "make-office-week not found at $TOOL"; finish; }
E2E_RUN_TIMEOUT=300

# scenario NAME SEED DEVICES DAYS INFECTION INFECTED_HOST
scenario() {
	local name=$1 seed=$2 devices=$3 days=$4 inf=$5 host=$6 out=$E2E_TMP/$1
	if ! timeout 600 "$TOOL" --devices "$devices" --days "$days" --seed "$seed" --out "$out" \
		--infection "$inf" --infected-host "$host" >"$out.log" 2>&1; then
		fail "$name: make-office-week failed: $(tail -n 3 "$out.log" | tr '\n' '|')"
		return
	fi
	local dev start end min_hits=${7:-3}
	dev=$(jq -r '.infection.device' "$out/truth.json")
	start=$(jq -r '.infection.start' "$out/truth.json")
	end=$(jq -r '.infection.end' "$out/truth.json")
	note "$name: $(jq -r '.total_packets' "$out/truth.json") packets, infection on $dev $start .. $end"
	run_vigil "$name" analyze --state "$out/state.db" --alerts - "$out/week.pcap"
	check_eq "$name: analyze exit status" 0 "$RC"
	timeout 60 "$VIGIL" report --state "$out/state.db" --json >"$out/report.json"
	check_eq "$name: top device is the infected one" "$dev" "$(jq -r '.devices[0].device' "$out/report.json")"
	# breaches above 60: only the infected device, only inside the infection window (a minute of slack
	# after its end for connections that close late)
	local stray
	stray=$(jq -c -s --arg d "$dev" --arg s "$start" --arg e "$end" '
		def epoch: sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601;
		[.[] | select(.score > 60)
		     | select(.device != $d or (.time | epoch) < ($s | epoch) - 1 or (.time | epoch) > ($e | epoch) + 60)
		     | {device, time, model, score, endpoint}]' "$E2E_TMP/$name.out")
	check_eq "$name: no breach above 60 outside the infected device's infection window" "[]" "$stray"
	local hits
	hits=$(jq -s --arg d "$dev" '[.[] | select(.device == $d and .score > 60)] | length' "$E2E_TMP/$name.out")
	if [ "$hits" -ge "$min_hits" ]; then
		pass "$name: the infected device has $hits breaches above 60"
	else
		fail "$name: the infected device has only $hits breaches above 60"
	fi
}

scenario icedid 7 12 5 "$S/malware/2021-03-15-IcedID-infection-traffic.pcap" 10.3.15.101
scenario trickbot 11 20 4 "$S/malware/ndpi-trickbot-named-emotet-style-c2.pcap" 10.12.29.101 1
finish
