# summary: shared helpers of the end-to-end tests (sourced by tests/e2e/test_*.sh)
#
# Environment (ctest sets all three; the defaults let a script run by hand from the repo):
#   VIGIL   the vigil binary           (default: <repo>/build/vigil)
#   DATA    <repo>/tests/data          (the captures copied into the project)
#   SHARED  <repo>/../shared/data      (the shared captures; optional)
#
# Every check ends in pass or fail; fail names the file and the difference. finish prints the
# closing line "N passed, N failed" and exits non-zero if anything failed. A script that dies
# before finish (an unset variable, a missing tool) still prints that line and counts the
# unfinished run as a failure, so nothing can pass by not running.

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
: "${VIGIL:=$REPO/build/vigil}"
: "${DATA:=$REPO/tests/data}"
: "${SHARED:=$REPO/../shared/data}"
# shellcheck disable=SC2034 # used by the scripts that source this file
PCAPS=$DATA/pcap
E2E_NAME=$(basename "$0" .sh)
E2E_PASSED=0
E2E_FAILED=0
E2E_FINISHED=0
E2E_BG_PIDS=()
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-$E2E_NAME.XXXXXX")
# Longest any single vigil or tshark run may take before it counts as hung.
E2E_RUN_TIMEOUT=${E2E_RUN_TIMEOUT:-60}

# Frames tshark counts in a TCP/UDP conversation that vigil, by design, does not, and why:
#  - an IP fragment of a datagram tshark could not reassemble: vigil, like Zeek, builds
#    connections only from whole datagrams (a lone first fragment's transport header is
#    not used), so such frames belong to no connection;
#  - an ICMP/ICMPv6 message (errors quote the offending TCP/UDP header): vigil counts the
#    packet in the ICMP flow; tshark 4.x already keeps quoted headers out of its
#    conversation tables, the term makes the rule explicit for every tshark version.
# Everything else tshark puts in a TCP/UDP conversation vigil must report.
CONV_EXCLUDE='((ip.flags.mf==1 || ip.frag_offset>0) && !ip.reassembled.length) || ((ipv6.fraghdr.more==1 || ipv6.fraghdr.offset>0) && !ipv6.reassembled.length) || icmp || icmpv6'

pass() {
	E2E_PASSED=$((E2E_PASSED + 1))
	printf 'ok   %s\n' "$*"
}

fail() {
	E2E_FAILED=$((E2E_FAILED + 1))
	printf 'FAIL %s\n' "$*"
}

note() {
	printf '#    %s\n' "$*"
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" == "$3" ]; then
		pass "$1: $3"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# need TOOL...: a missing tool is a failure (not a skip), then the script ends.
need() {
	local t missing=0
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			fail "required tool '$t' is not installed (scripts/deps.sh installs it)"
			missing=1
		fi
	done
	if [ ! -x "$VIGIL" ]; then
		fail "vigil binary '$VIGIL' is missing or not executable"
		missing=1
	fi
	[ "$missing" -eq 0 ] || finish
}

# bg_track PID: a background process to kill (by its id) when the script exits.
bg_track() {
	E2E_BG_PIDS+=("$1")
}

e2e_cleanup() {
	local rc=$? p
	for p in "${E2E_BG_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$E2E_TMP"
	if [ "$E2E_FINISHED" -eq 0 ]; then
		E2E_FAILED=$((E2E_FAILED + 1))
		printf 'FAIL %s ended (status %s) before all its checks ran\n' "$E2E_NAME" "$rc"
		printf '%d passed, %d failed\n' "$E2E_PASSED" "$E2E_FAILED"
		exit 1
	fi
}
trap e2e_cleanup EXIT

finish() {
	E2E_FINISHED=1
	printf '%d passed, %d failed\n' "$E2E_PASSED" "$E2E_FAILED"
	if [ "$E2E_FAILED" -ne 0 ] || [ "$E2E_PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# run_vigil NAME ARGS...: runs vigil with a time limit; stdout in $E2E_TMP/NAME.out, stderr in
# NAME.err, exit status in RC. A hang (status 124) or a crash (128+signal) fails at once.
run_vigil() {
	local name=$1
	shift
	timeout -k 5 "$E2E_RUN_TIMEOUT" "$VIGIL" "$@" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" </dev/null
	RC=$?
	if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
		fail "vigil $* did not finish within ${E2E_RUN_TIMEOUT}s"
	elif [ "$RC" -ge 128 ]; then
		fail "vigil $* crashed with signal $((RC - 128)): $(head -c 300 "$E2E_TMP/$name.err")"
	fi
}

# error_lines FILE: the lines of vigil's stderr that are error messages (-v counters are not).
error_lines() {
	grep -E '^vigil: ' "$1"
}

# check_one_error DESCRIPTION STDERR PATH: stderr is exactly one line, "vigil: PATH: ...".
check_one_error() {
	local what=$1 err=$2 path=$3 n line
	n=$(wc -l <"$err")
	line=$(head -n 1 "$err")
	if [ "$n" -ne 1 ]; then
		fail "$what: expected exactly one stderr line, got $n: $(head -c 400 "$err" | tr '\n' '|')"
	elif [[ $line != "vigil: $path: "?* ]]; then
		fail "$what: stderr line does not start 'vigil: $path: ': $line"
	else
		pass "$what: $line"
	fi
}

# tshark_conv FILE OUT [FEATURE]: one tshark pass over FILE writing to OUT what conv.py reads:
# per-frame address/port/VLAN/IP-length fields (frames CONV_EXCLUDE matches left out), an
# io,stat table counting the frames CONV_EXCLUDE (and FEATURE, a display filter) match, and the
# TCP and UDP conversation tables without the excluded frames. Returns tshark's status.
tshark_conv() {
	local io="io,stat,0,$CONV_EXCLUDE"
	[ $# -ge 3 ] && io="$io,$3"
	timeout -k 5 "$E2E_RUN_TIMEOUT" tshark -n -r "$1" -Y "!($CONV_EXCLUDE)" \
		-T fields -E separator=/t -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
		-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e vlan.id \
		-e ip.len -e ipv6.plen -e ip.hdr_len -e ip.reassembled.length -e ipv6.reassembled.length \
		-z "$io" -z "conv,tcp,!($CONV_EXCLUDE)" -z "conv,udp,!($CONV_EXCLUDE)" >"$2" 2>"$2.err"
}

# conv_compare LABEL EVENTS TSHARK_OUT...: runs conv.py on vigil's events and tshark's output;
# one pass/fail per verdict line it prints, each prefixed with LABEL; anything else it prints
# (a traceback) is one failure. Sets CONV_STAT to its STAT line ("" if none).
conv_compare() {
	local label=$1 events=$2 args=() t line status fails=0 other=
	shift 2
	for t in "$@"; do args+=(--tshark "$t"); done
	CONV_STAT=
	python3 "$E2E_DIR/conv.py" --events "$events" "${args[@]}" >"$E2E_TMP/conv.res" 2>&1
	status=$?
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "$label: ${line#PASS }" ;;
		FAIL\ *) fail "$label: ${line#FAIL }"; fails=$((fails + 1)) ;;
		STAT\ *) CONV_STAT=${line#STAT } ;;
		*) other="$other${other:+ | }$line" ;;
		esac
	done <"$E2E_TMP/conv.res"
	if [ -n "$other" ] || { [ "$status" -ne 0 ] && [ "$fails" -eq 0 ]; }; then
		fail "$label: conv.py exited $status: $(printf '%s' "$other" | tail -c 400)"
	elif [ -z "$CONV_STAT" ] && [ "$fails" -eq 0 ]; then
		fail "$label: conv.py printed no totals"
	fi
}

# stat_value KEY: a value from CONV_STAT ("" if absent).
stat_value() {
	local kv
	for kv in $CONV_STAT; do
		[ "${kv%%=*}" == "$1" ] && { echo "${kv#*=}"; return; }
	done
}

# stat_of NAME FILE: the value of one "name value" counter vigil -v printed on stderr.
stat_of() {
	awk -v k="$1" '$1 == k && NF == 2 { print $2; found = 1 } END { if (!found) print "missing" }' "$2"
}

# frames_in FILE: the number of frames in a capture, per capinfos.
frames_in() {
	capinfos -T -r -c "$1" 2>/dev/null | awk -F'\t' 'NF == 2 { print $2 }'
}
