#!/usr/bin/env bash
# summary: vigil's command line: help and version, and usage errors (exit 2, a "vigil: " line)
#
# docs/design.md: exit status 0 success, 2 usage; errors on stderr as "vigil: ...". Checked:
#   - vigil --help, vigil --version, and "vigil COMMAND --help" for every command that
#     vigil --help lists (at least events and monitor): exit 0, usage on stdout, empty stderr;
#     --version prints "vigil VERSION" with the VIGIL_VERSION of src/version.h;
#   - no arguments: exit 2, usage on stderr, nothing on stdout;
#   - unknown command, unknown option (long and short), option without its argument, missing
#     capture argument, bad --internal, bad --max-flows (text, 0, negative, too large), bad
#     timeouts, live-only options given to events, monitor without -i: exit 2, nothing on
#     stdout, and a stderr line beginning "vigil: ". No capture is read in any of them.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2119 # no tool beyond vigil itself
need

T=$E2E_TMP
CAP=$PCAPS/zeek-web.pcap

run_vigil help --help
check_eq "vigil --help: exit status" 0 "$RC"
check_eq "vigil --help: stderr" "" "$(cat "$T/help.err")"
if grep -q '^usage: vigil ' "$T/help.out"; then
	pass "vigil --help: usage on stdout"
else
	fail "vigil --help: no 'usage: vigil ' line on stdout: $(head -c 200 "$T/help.out")"
fi

want_version=$(sed -n 's/^#define VIGIL_VERSION "\(.*\)"$/\1/p' "$REPO/src/version.h")
run_vigil version --version
check_eq "vigil --version: exit status" 0 "$RC"
check_eq "vigil --version: stdout" "vigil ${want_version:-<no VIGIL_VERSION in src/version.h>}" \
	"$(cat "$T/version.out")"
check_eq "vigil --version: stderr" "" "$(cat "$T/version.err")"

# Commands listed under "commands:" in vigil --help, as "  NAME  summary".
mapfile -t commands < <(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' "$T/help.out")
for c in events monitor; do
	if printf '%s\n' "${commands[@]}" | grep -qx "$c"; then
		pass "vigil --help lists the '$c' command"
	else
		fail "vigil --help does not list the '$c' command (found: ${commands[*]:-none})"
	fi
done
for c in "${commands[@]}"; do
	run_vigil chelp "$c" --help
	check_eq "vigil $c --help: exit status" 0 "$RC"
	check_eq "vigil $c --help: stderr" "" "$(cat "$T/chelp.err")"
	if grep -q "^usage: vigil $c\b" "$T/chelp.out"; then
		pass "vigil $c --help: usage on stdout"
	else
		fail "vigil $c --help: no 'usage: vigil $c' line on stdout: $(head -c 200 "$T/chelp.out")"
	fi
done

run_vigil noargs
check_eq "vigil (no arguments): exit status" 2 "$RC"
check_eq "vigil (no arguments): lines on stdout" 0 "$(wc -l <"$T/noargs.out")"
if grep -q '^usage: vigil ' "$T/noargs.err"; then
	pass "vigil (no arguments): usage on stderr"
else
	fail "vigil (no arguments): no usage on stderr: $(head -c 200 "$T/noargs.err")"
fi

# usage_error DESCRIPTION ARGS...: exit 2, empty stdout, a stderr line beginning "vigil: ".
usage_error() {
	local what=$1
	shift
	run_vigil ue "$@"
	check_eq "$what (vigil $*): exit status" 2 "$RC"
	check_eq "$what: lines on stdout" 0 "$(wc -l <"$T/ue.out")"
	if grep -q '^vigil: ' "$T/ue.err"; then
		pass "$what: $(grep -m1 '^vigil: ' "$T/ue.err")"
	else
		fail "$what: no stderr line begins 'vigil: '; stderr was: $(head -c 300 "$T/ue.err" | tr '\n' '|')"
	fi
}

usage_error "unknown command" frobnicate "$CAP"
usage_error "unknown command that looks like an option" --frobnicate
usage_error "unknown long option" events --frobnicate "$CAP"
usage_error "unknown short option" events -x "$CAP"
usage_error "option without its argument" events --max-flows
usage_error "missing capture argument" events
usage_error "missing capture argument after options" events -v --max-flows 10
usage_error "bad --internal (prefix too long)" events --internal 10.0.0.0/33 "$CAP"
usage_error "bad --internal (not an address)" events --internal intranet "$CAP"
usage_error "bad --internal (IPv6 prefix too long)" events --internal fd00::/129 "$CAP"
usage_error "bad --internal (empty)" events --internal "" "$CAP"
usage_error "bad --max-flows (text)" events --max-flows lots "$CAP"
usage_error "bad --max-flows (0)" events --max-flows 0 "$CAP"
usage_error "bad --max-flows (negative)" events --max-flows -5 "$CAP"
usage_error "bad --max-flows (beyond 64 bits)" events --max-flows 99999999999999999999999 "$CAP"
usage_error "bad --max-flows (trailing garbage)" events --max-flows 10x "$CAP"
usage_error "bad --tcp-timeout" events --tcp-timeout soon "$CAP"
usage_error "bad --udp-timeout" events --udp-timeout -1 "$CAP"
usage_error "live-only option given to events" events -i lo "$CAP"
usage_error "monitor without an interface" monitor
usage_error "monitor with a stray argument" monitor -i lo "$CAP"
usage_error "monitor with an unknown option" monitor -i lo --frobnicate
finish
