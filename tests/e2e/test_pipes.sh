#!/usr/bin/env bash
# summary: inputs read from pipes: vigil events and vigil analyze give the same output from a
# file, from standard input ("-") and from a pipe path (<(...)), for pcap, pcapng and JSON lines
#
# A pipe can be read once: vigil must decide whether an input is a capture or JSON lines of
# events without losing the bytes it looked at (a bug found when a test fed events through
# <(grep ...): the start of the stream was silently dropped). An empty pipe is an error line.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2119 # no tool beyond vigil itself
need

T=$E2E_TMP

# same_three LABEL COMMAND...: the command's stdout with the input given as a file, as "-" on
# standard input and as a pipe path; INPUT is replaced by the input each time.
same_three() {
	local label=$1 input=$2
	shift 2
	local args=("$@") a=() b=() c=() x
	for x in "${args[@]}"; do
		if [ "$x" = INPUT ]; then a+=("$input"); b+=(-); c+=("/dev/stdin"); else a+=("$x"); b+=("$x"); c+=("$x"); fi
	done
	timeout 60 "$VIGIL" "${a[@]}" >"$T/file.out" 2>"$T/file.err" || fail "$label from the file: exit $?: $(head -c 300 "$T/file.err")"
	timeout 60 "$VIGIL" "${b[@]}" <"$input" >"$T/stdin.out" 2>"$T/stdin.err" || fail "$label from stdin: exit $?: $(head -c 300 "$T/stdin.err")"
	cat "$input" | timeout 60 "$VIGIL" "${c[@]}" >"$T/pipe.out" 2>"$T/pipe.err" || fail "$label from a pipe: exit $?: $(head -c 300 "$T/pipe.err")"
	if [ ! -s "$T/file.out" ]; then
		fail "$label: no output from the file, nothing to compare"
		return
	fi
	if cmp -s "$T/file.out" "$T/stdin.out" && cmp -s "$T/file.out" "$T/pipe.out"; then
		pass "$label: file, stdin and pipe give the same $(wc -l <"$T/file.out") lines"
	else
		fail "$label: outputs differ (file $(wc -l <"$T/file.out"), stdin $(wc -l <"$T/stdin.out"), pipe $(wc -l <"$T/pipe.out") lines)"
	fi
}

PCAP=$PCAPS/ndpi-emotet-epoch4-extract.pcap
PCAPNG=$PCAPS/ndpi-tls_malicious_sha1.pcapng
same_three "events of a pcap" "$PCAP" events INPUT
same_three "events of a pcapng" "$PCAPNG" events INPUT
same_three "analyze of a pcap" "$PCAP" analyze --alerts - INPUT

"$VIGIL" events "$PCAP" >"$T/events.jsonl"
same_three "analyze of JSON lines" "$T/events.jsonl" analyze --alerts - INPUT
# the alerts of the events equal those of the capture they came from
"$VIGIL" analyze --alerts - "$PCAP" >"$T/cap.alerts" 2>/dev/null
"$VIGIL" analyze --alerts - "$T/events.jsonl" >"$T/ev.alerts" 2>/dev/null
check_eq "alerts of the events equal those of the capture" "$(md5sum <"$T/cap.alerts")" "$(md5sum <"$T/ev.alerts")"

: | timeout 10 "$VIGIL" analyze - >"$T/empty.out" 2>"$T/empty.err"
check_eq "empty pipe: exit status" 1 "$?"
check_eq "empty pipe: the error line" "vigil: -: empty input, neither a capture nor JSON lines of events" "$(cat "$T/empty.err")"
finish
