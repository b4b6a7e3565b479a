#!/usr/bin/env bash
# summary: bad input files give exit 1 and one "vigil: FILE: ..." line, and never lose good data
#
# docs/design.md: exit status 0 success, 1 runtime failure, 2 usage; errors go to stderr as one
# line "vigil: FILE: what is wrong"; a bad input never crashes the program. Checked here:
#   - a text file, a 0-byte file, a directory, a missing file, a capture cut inside its file
#     header: exit 1, exactly one stderr line starting "vigil: PATH: ", nothing on stdout;
#   - real captures (pcap and pcapng) cut mid-record with head -c: tshark must agree the file
#     ends inside a record; vigil exits 1 with one error line, and still prints the conn events
#     of every packet it could read: their conversations and per-direction packet counts equal
#     tshark's on the cut file, and its -v packet counter equals the frames tshark read;
#   - Zeek's deliberately truncated traces and the header-only empty pcap: no crash, and the
#     exit status tshark implies (0 when tshark reads the file without error: a pcap whose
#     packets are truncated, or that holds no packet, is a valid capture), no error line then;
#   - several files where one is bad or cut: the others are still read (their conversations
#     equal the sum of tshark's), exit 1, one error line naming only the bad file;
#   - standard input ("-"), and an output file that cannot be created or written.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need tshark capinfos python3 jq

T=$E2E_TMP
A=$PCAPS/zeek-web.pcap
B=$PCAPS/ndpi-http_ipv6.pcap
for f in "$A" "$B"; do
	[ -f "$f" ] || fail "capture $f missing"
done

# expect_bad LABEL PATH ARGS...: vigil events ARGS exits 1, prints nothing on stdout and
# exactly one stderr line "vigil: PATH: ...".
expect_bad() {
	local label=$1 path=$2
	shift 2
	run_vigil bad events "$@"
	check_eq "$label: exit status" 1 "$RC"
	check_one_error "$label: stderr" "$T/bad.err" "$path"
	check_eq "$label: lines on stdout" 0 "$(wc -l <"$T/bad.out")"
}

printf 'From: a@example.org\nSubject: not a capture\n\nhello\n' >"$T/notes.txt"
expect_bad "text file" "$T/notes.txt" "$T/notes.txt"
: >"$T/empty.pcap"
expect_bad "0-byte file" "$T/empty.pcap" "$T/empty.pcap"
mkdir "$T/adir"
expect_bad "directory" "$T/adir" "$T/adir"
expect_bad "missing file" "$T/no-such.pcap" "$T/no-such.pcap"
head -c 10 "$A" >"$T/header-cut.pcap"
expect_bad "pcap cut inside its 24-byte file header" "$T/header-cut.pcap" "$T/header-cut.pcap"
head -c 16 "$PCAPS/ndpi-tls_malicious_sha1.pcapng" >"$T/shb-cut.pcapng"
expect_bad "pcapng cut inside its section header block" "$T/shb-cut.pcapng" "$T/shb-cut.pcapng"

# Real captures cut mid-record: source | bytes kept.
cuts=(
	"zeek-web.pcap|5000"
	"ndpi-tls_certificate_too_long.pcap|60000"
	"ndpi-tls_malicious_sha1.pcapng|4000"
)
for entry in "${cuts[@]}"; do
	IFS='|' read -r file bytes <<<"$entry"
	src=$PCAPS/$file
	cut=$T/cut-$bytes-$file
	label="$file cut after $bytes bytes"
	head -c "$bytes" "$src" >"$cut"
	tshark_conv "$cut" "$T/ts" frame
	if grep -q 'cut short in the middle of a packet' "$T/ts.err"; then
		pass "$label: tshark agrees the file ends inside a record"
	else
		fail "$label: tshark does not report the file as cut mid-record: $(head -c 300 "$T/ts.err")"
	fi
	run_vigil cut events "$cut"
	check_eq "$label: exit status" 1 "$RC"
	check_one_error "$label: stderr" "$T/cut.err" "$cut"
	nconn=$(jq -c 'select(.type == "conn")' <"$T/cut.out" | wc -l)
	if [ "$nconn" -gt 0 ]; then
		pass "$label: $nconn conn events printed before the error"
	else
		fail "$label: no conn event printed for the packets before the cut"
	fi
	conv_compare "$label" "$T/cut.out" "$T/ts"
	run_vigil cutv events -v "$cut"
	check_eq "$label: packets read (tshark vs vigil -v)" "$(stat_value matched)" \
		"$(stat_of packets "$T/cutv.err")"
done

# Zeek's truncated traces and the empty pcap: the status tshark implies, no crash.
for f in "$PCAPS"/zeek-trunc_*.pcap "$PCAPS"/zeek-empty.pcap; do
	label=$(basename "$f")
	if timeout "$E2E_RUN_TIMEOUT" tshark -n -r "$f" >/dev/null 2>&1; then want=0; else want=1; fi
	run_vigil tr events "$f"
	check_eq "$label: exit status (tshark's verdict on the file)" "$want" "$RC"
	if [ "$want" -eq 0 ]; then
		check_eq "$label: stderr" "" "$(cat "$T/tr.err")"
	else
		check_one_error "$label: stderr" "$T/tr.err" "$f"
	fi
	# the packet count is not tshark's business here but a 0-packet file must print no event
	if [ "$label" == zeek-empty.pcap ]; then
		check_eq "$label: frames in the file (capinfos)" 0 "$(frames_in "$f")"
		check_eq "$label: events printed" 0 "$(wc -l <"$T/tr.out")"
	fi
done

# Several files, one of them bad: the good ones are still read.
tshark_conv "$A" "$T/ts-a" || fail "tshark cannot read $A"
tshark_conv "$B" "$T/ts-b" || fail "tshark cannot read $B"
head -c 5000 "$A" >"$T/cut-a.pcap"
tshark_conv "$T/cut-a.pcap" "$T/ts-cut"
multi() {
	local label=$1 badpath=$2
	shift 2
	run_vigil multi events "$@"
	check_eq "$label: exit status" 1 "$RC"
	check_one_error "$label: stderr" "$T/multi.err" "$badpath"
}
multi "A, text file, B" "$T/notes.txt" "$A" "$T/notes.txt" "$B"
conv_compare "A, text file, B" "$T/multi.out" "$T/ts-a" "$T/ts-b"
multi "0-byte file, A, B" "$T/empty.pcap" "$T/empty.pcap" "$A" "$B"
conv_compare "0-byte file, A, B" "$T/multi.out" "$T/ts-a" "$T/ts-b"
multi "B, A cut mid-record" "$T/cut-a.pcap" "$B" "$T/cut-a.pcap"
conv_compare "B, A cut mid-record" "$T/multi.out" "$T/ts-b" "$T/ts-cut"
multi "A cut mid-record, B" "$T/cut-a.pcap" "$T/cut-a.pcap" "$B"
conv_compare "A cut mid-record, B" "$T/multi.out" "$T/ts-cut" "$T/ts-b"
run_vigil multi events "$T/notes.txt" "$A" "$T/adir"
check_eq "text file, A, directory: exit status" 1 "$RC"
check_eq "text file, A, directory: error lines" \
	"vigil: $T/notes.txt: |vigil: $T/adir: " \
	"$(sed -E 's/^(vigil: [^:]*: ).*/\1/' "$T/multi.err" | tr '\n' '|' | sed 's/|$//')"
conv_compare "text file, A, directory" "$T/multi.out" "$T/ts-a"

# Standard input.
timeout -k 5 "$E2E_RUN_TIMEOUT" "$VIGIL" events - <"$A" >"$T/stdin.out" 2>"$T/stdin.err"
check_eq "capture on standard input: exit status" 0 "$?"
conv_compare "capture on standard input" "$T/stdin.out" "$T/ts-a"
timeout -k 5 "$E2E_RUN_TIMEOUT" "$VIGIL" events - <"$T/notes.txt" >"$T/stdin.out" 2>"$T/stdin.err"
check_eq "text on standard input: exit status" 1 "$?"
check_one_error "text on standard input: stderr" "$T/stdin.err" "-"

# Output that cannot be written.
run_vigil out events -o "$T/no-such-dir/events.json" "$A"
check_eq "-o into a missing directory: exit status" 1 "$RC"
check_one_error "-o into a missing directory: stderr" "$T/out.err" "$T/no-such-dir/events.json"
if [ -c /dev/full ]; then
	run_vigil out events -o /dev/full "$A"
	check_eq "-o /dev/full: exit status" 1 "$RC"
	check_one_error "-o /dev/full: stderr" "$T/out.err" /dev/full
else
	note "/dev/full does not exist here: the write-failure check did not run"
fi
finish
