#!/usr/bin/env bash
# summary: the pattern of life on real captures: beacons found, browsing quiet, A-then-B equals A+B, same input same bytes
#
#   1. slips-beacon-periodic-2s: a beacon to 141.193.213.21, score >= 0.8, period
#      1.8-2.6 s. The capture is a curl loop that sleeps 2 s between requests;
#      each request (TCP and TLS handshakes, the GET) takes ~0.2 s more, so the
#      connections start every ~2.2 s, not every 2.0 s.
#   2. slips-beacon-semiperiodic-2-3s: a beacon to 141.193.213.20, period 2-3.6 s
#      (a random 2-3 s sleep plus the same request time).
#   3. browsing (unit42 web-browsing x2, zeek-wikipedia, zeek-workshop_2011_browse,
#      each with --internal covering its client): no beacon in the report (>= 0.70).
#   4. restart: A then B in two runs equals A and B in one run: the same report
#      JSON and the same saved tables (every row, every column). A, B = the two
#      slips captures (same device, five days apart), and the days of a 6-device,
#      3-day office capture built by ../shared/tools/make-office-week (cached in
#      $LIFE_CACHE; skipped if its tools are missing).
#   5. determinism: the same captures twice give byte-identical report JSON.
#
# Environment: VIGIL (the binary), SHARED (../shared/data), LIFE_CACHE (optional).
# Exit: 0 all passed, 1 a check failed, 77 skipped (no binary or no captures).
set -u
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
VIGIL=${VIGIL:-$HERE/../../build/vigil}
SHARED=${SHARED:-$HERE/../../../shared/data}
P=$SHARED/pcap
TOOLS=$SHARED/../tools
CHECK="python3 $HERE/lifecheck.py"

[ -x "$VIGIL" ] || { echo "SKIP: no vigil binary at $VIGIL"; exit 77; }
[ -f "$P/malware/slips-beacon-periodic-2s.pcap" ] || { echo "SKIP: no captures in $P"; exit 77; }

T=$(mktemp -d /tmp/vigil-life-captures-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0

fail() {
    echo "FAIL $*"
    fails=$((fails + 1))
}

# analyze STATE INTERNAL CAPTURE...
analyze() {
    local state=$1 internal=$2
    shift 2
    if ! "$VIGIL" analyze --internal "$internal" --state "$state" --alerts /dev/null "$@" \
        >/dev/null 2>"$T/err"; then
        fail "vigil analyze $*: $(head -c 500 "$T/err")"
    fi
}

# report STATE OUT
report() {
    "$VIGIL" report --state "$1" --json >"$2" 2>"$T/err" || fail "vigil report $1: $(cat "$T/err")"
}

check() {
    $CHECK "$@" || fails=$((fails + 1))
}

# same WHAT FILE1 FILE2
same() {
    if cmp -s "$2" "$3"; then
        echo "PASS $1: identical ($(wc -c <"$2") bytes)"
    else
        fail "$1: $2 and $3 differ: $(diff "$2" "$3" | head -c 600)"
    fi
}

# same_state WHAT DB1 DB2: every table, every row, every column
same_state() {
    $CHECK dump "$2" >"$T/dump1" || fail "dump $2"
    $CHECK dump "$3" >"$T/dump2" || fail "dump $3"
    if [ "$(wc -l <"$T/dump1")" -lt 5 ]; then
        fail "$1: state $2 is nearly empty"
    elif cmp -s "$T/dump1" "$T/dump2"; then
        echo "PASS $1: identical state ($(wc -l <"$T/dump1") rows)"
    else
        fail "$1: states differ: $(diff "$T/dump1" "$T/dump2" | head -c 600)"
    fi
}

CTU=147.32.0.0/16,10.0.0.0/8,192.168.0.0/16,172.16.0.0/12
A=$P/malware/slips-beacon-periodic-2s.pcap
B=$P/malware/slips-beacon-semiperiodic-2-3s.pcap

# 1, 2: the slips beacons, each alone
analyze "$T/a.db" $CTU "$A"
report "$T/a.db" "$T/a.json"
check beacon "$T/a.json" --value 141.193.213.21 --min-score 0.8 --period 1.8 2.6
analyze "$T/b.db" $CTU "$B"
report "$T/b.db" "$T/b.json"
check beacon "$T/b.json" --value 141.193.213.20 --min-score 0.7 --period 2.0 3.6

# 3: browsing, each capture with its client inside --internal
browse() {
    local name=$1 internal=$2
    analyze "$T/w-$name.db" "$internal" "$P/benign/$name.pcap"
    report "$T/w-$name.db" "$T/w-$name.json"
    echo -n "$name: "
    check no-beacon "$T/w-$name.json"
}
browse unit42-workshop-part-02-web-browsing 10.0.0.0/8
browse unit42-workshop-part-02-02-web-browsing 2600:100c:b026:15fa::/64
browse zeek-wikipedia 141.142.0.0/16
browse zeek-workshop_2011_browse 10.0.0.0/8
# all four into one state, as one organisation
analyze "$T/w-all.db" 10.0.0.0/8,141.142.0.0/16,2600:100c:b026:15fa::/64 \
    "$P"/benign/*web-browsing*.pcap "$P/benign/zeek-wikipedia.pcap" \
    "$P/benign/zeek-workshop_2011_browse.pcap"
report "$T/w-all.db" "$T/w-all.json"
echo -n "all browsing: "
check no-beacon "$T/w-all.json" --min-devices 4

# 4: A then B (two runs) vs A and B (one run)
analyze "$T/ab1.db" $CTU "$A" "$B"
report "$T/ab1.db" "$T/ab1.json"
analyze "$T/ab2.db" $CTU "$A"
analyze "$T/ab2.db" $CTU "$B"
report "$T/ab2.db" "$T/ab2.json"
same "slips A then B: report" "$T/ab1.json" "$T/ab2.json"
same_state "slips A then B" "$T/ab1.db" "$T/ab2.db"
# the semi-periodic beacon is still found after the periodic capture five days before
check beacon "$T/ab2.json" --value 141.193.213.20 --min-score 0.7 --period 2.0 3.6

# 5: determinism
analyze "$T/ab3.db" $CTU "$A" "$B"
report "$T/ab3.db" "$T/ab3.json"
same "determinism: report" "$T/ab1.json" "$T/ab3.json"
same_state "determinism" "$T/ab1.db" "$T/ab3.db"

# 4b: the office capture, one run per day vs all days in one run
office() {
    local need
    for need in editcap mergecap reordercap capinfos tcprewrite tshark python3; do
        command -v $need >/dev/null || { echo "SKIP office week: no $need"; return; }
    done
    [ -x "$TOOLS/make-office-week" ] || { echo "SKIP office week: no $TOOLS/make-office-week"; return; }
    local ow=${LIFE_CACHE:-$T}/office-week-6x3-seed7
    if [ ! -s "$ow/week.pcap" ]; then
        rm -rf "$ow.tmp"
        mkdir -p "$(dirname "$ow")"
        "$TOOLS/make-office-week" --devices 6 --days 3 --sessions 2-3 --seed 7 --out "$ow.tmp" \
            >"$T/ow.log" 2>&1 || { fail "make-office-week: $(tail -3 "$T/ow.log")"; return; }
        rm -rf "$ow" && mv "$ow.tmp" "$ow"
    fi
    local total=0 n d
    for d in 04 05 06; do
        editcap -A "2024-03-$d 00:00:00" -B "2024-03-$(printf %02d $((10#$d + 1))) 00:00:00" \
            "$ow/week.pcap" "$T/day$d.pcap" || { fail "editcap day $d"; return; }
        n=$(capinfos -c -M "$T/day$d.pcap" | awk '/Number of packets/ {print $NF}')
        total=$((total + n))
    done
    n=$(capinfos -c -M "$ow/week.pcap" | awk '/Number of packets/ {print $NF}')
    [ "$total" = "$n" ] || { fail "office week: days hold $total packets, the week $n"; return; }
    local in=10.0.0.0/8,192.168.0.0/16,172.16.0.0/12
    analyze "$T/ow1.db" $in "$T/day04.pcap" "$T/day05.pcap" "$T/day06.pcap"
    report "$T/ow1.db" "$T/ow1.json"
    for d in 04 05 06; do
        analyze "$T/ow2.db" $in "$T/day$d.pcap"
    done
    report "$T/ow2.db" "$T/ow2.json"
    same "office week day by day: report" "$T/ow1.json" "$T/ow2.json"
    same_state "office week day by day" "$T/ow1.db" "$T/ow2.db"
    echo -n "office week (benign only): "
    check no-beacon "$T/ow1.json" --min-devices 6
}
office

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
