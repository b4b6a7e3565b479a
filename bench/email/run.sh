#!/usr/bin/env bash
# summary: email throughput benchmark: vigil email vs a private local rspamd (no network lookups) on the same 5,387 real messages
#
# usage: bench/email/run.sh [VIGIL_BINARY]      (default: build/vigil)
#
# 1. Unpacks a fixed set of messages from ../shared/data/email into a temporary directory:
#    all of the SpamAssassin set 1 (2,500 easy_ham, 250 hard_ham, 500 spam), every 4th
#    phishing_pot message (sample-N.eml with N % 4 == 1: 1,027) and every 20th Enron inbox
#    message (the 1st, 21st, ... member in C-sorted order: 1,110): 5,387 messages.
# 2. Starts two private rspamd instances (rspamd -f with its own LOCAL_CONFDIR, RUNDIR,
#    DBDIR, LOGDIR under the temporary directory, on free 127.0.0.1 ports; not the system
#    service): the Debian package's default configuration (/etc/rspamd/rspamd.conf) plus
#    bench/email/rspamd/{local.d,override.d}, which turn off every network lookup (see
#    README.md), and 1 resp. 2 normal workers. rspamd's resolver points at a closed local
#    UDP port, so a lookup that slipped through would fail and be counted ("dns req" in
#    rspamd's log), not answered.
# 3. BENCH_RUNS rounds (best of), after a warm-up pass (page cache, LuaJIT, hyperscan):
#      vigil email DIR > verdicts                        (one process, single-threaded)
#      rspamc -n BENCH_RSPAMC_PARALLEL -h 127.0.0.1:PORT DIR   (1 worker, then 2 workers)
#    wall clock; CPU seconds of vigil, of rspamc and of every rspamd process (/proc/PID/stat
#    of the main process and its children, before and after).
# 4. Checks that every message was judged: vigil printed one verdict per file, rspamc one
#    result with an Action per file, rspamd's own counter (controller /stat) grew by the
#    number of files, and rspamd made no DNS request. A failed check fails the run.
# 5. Prints a table, writes bench/out/email.txt. Target: vigil >= 10x rspamd's messages/s
#    (wall clock, rspamd with 1 worker); a miss is printed as MISSED, not an error.
#
# Knobs: BENCH_RUNS (3), BENCH_RSPAMC_PARALLEL (8), BENCH_EMAIL_DIR (../shared/data/email),
# BENCH_VIGIL_REV (describes the binary instead of this repository's git commit).
# The compiled hyperscan databases are kept in bench/out/email-rspamd-hs/ (a cache: rspamd
# compiles its 172 regexps once, about 30 s).
set -euo pipefail
export LC_ALL=C # also makes $EPOCHREALTIME use a decimal point

die() {
    echo "bench/email: $*" >&2
    exit 1
}

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VIGIL_SRC=${1:-$REPO/build/vigil}
[ $# -le 1 ] || die "usage: bench/email/run.sh [VIGIL_BINARY]"
[ -x "$VIGIL_SRC" ] || die "$VIGIL_SRC: not an executable (build first: make build)"
VIGIL_SRC=$(cd "$(dirname "$VIGIL_SRC")" && pwd)/$(basename "$VIGIL_SRC")
EMAIL=${BENCH_EMAIL_DIR:-$REPO/../shared/data/email}
RUNS=${BENCH_RUNS:-3}
PAR=${BENCH_RSPAMC_PARALLEL:-8}
OUT=$REPO/bench/out
HS_CACHE=$OUT/email-rspamd-hs

for t in rspamd:rspamd rspamc:rspamd curl:curl python3:python3 tar:tar xz:xz-utils; do
    command -v "${t%%:*}" >/dev/null || die "${t%%:*} not found (apt-get install ${t#*:}; scripts/deps.sh --bench)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
[ -r /etc/rspamd/rspamd.conf ] || die "/etc/rspamd/rspamd.conf: missing (apt-get install rspamd)"
[ -n "${EPOCHREALTIME:-}" ] || die "bash 5 or later needed (\$EPOCHREALTIME)"
SA=$EMAIL/spamassassin-publiccorpus-set1-easy_ham-hard_ham-spam.tar.xz
POT=$EMAIL/phishing_pot-2022-2024.tar.xz
ENRON=$EMAIL/enron-inbox-2001-04_to_2001-10.tar.xz
for f in "$SA" "$POT" "$ENRON"; do [ -r "$f" ] || die "$f: missing (set BENCH_EMAIL_DIR)"; done
mkdir -p "$OUT" "$HS_CACHE"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-email.XXXXXX")
RSPAMD_PIDS=()
cleanup() {
    local p
    for p in "${RSPAMD_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true # the main process stops its workers
    done
    for p in "${RSPAMD_PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. the messages ------------------------------------------------------------------

MSGS=$TMP/msgs
mkdir -p "$MSGS"
echo "bench/email: unpacking the messages into $MSGS"
tar -C "$MSGS" -xJf "$SA"
tar -tJf "$POT" | grep -E '^phishing_pot/sample-[0-9]+\.eml$' |
    awk -F'[-.]' '($2 % 4) == 1' | sort >"$TMP/pot.list"
tar -C "$MSGS" -xJf "$POT" -T "$TMP/pot.list"
tar -tJf "$ENRON" | grep -v '/$' | sort | awk 'NR % 20 == 1' >"$TMP/enron.list"
tar -C "$MSGS" -xJf "$ENRON" -T "$TMP/enron.list"
NMSG=$(find "$MSGS" -type f | wc -l)
# an identity of the set: paths and sizes, so two reports can be seen to use the same messages
SET_ID=$(cd "$MSGS" && find . -type f -printf '%p %s\n' | sort | sha256sum | cut -c1-12)
count() { find "$MSGS/$1" -type f | wc -l; }
MIX="spamassassin easy_ham $(count spamassassin/easy_ham), hard_ham $(count spamassassin/hard_ham), spam $(count spamassassin/spam); phishing_pot $(count phishing_pot); enron $(count enron)"
echo "bench/email: $NMSG messages ($MIX), set $SET_ID"
[ "$NMSG" -gt 1000 ] || die "only $NMSG messages unpacked"

# Time a private copy: a rebuild of build/vigil during the runs must not change what is measured.
cp "$VIGIL_SRC" "$TMP/vigil"
VIGIL=$TMP/vigil
if [ -n "${BENCH_VIGIL_REV:-}" ]; then
    VREV=$BENCH_VIGIL_REV
else
    VREV=$(git -C "$REPO" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
    if [ -n "$(git -C "$REPO" status --porcelain -- src 2>/dev/null)" ]; then
        VREV="$VREV (src/ has uncommitted changes)"
    else
        VREV="$VREV clean"
    fi
fi

# ---- 2. two private rspamd instances --------------------------------------------------

free_ports() { # N: N distinct free ports (TCP for the workers, UDP for the closed resolver)
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for i in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if i else socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}
read -r DNS_PORT P1 C1 P2 C2 < <(free_ports 5)

# start_rspamd NAME PORT CONTROLLER_PORT WORKERS
start_rspamd() {
    local name=$1 port=$2 cport=$3 workers=$4 d=$TMP/$1
    mkdir -p "$d/run" "$d/db" "$d/log"
    cp -r "$HERE/rspamd" "$d/conf"
    cat >"$d/conf/local.d/options.inc" <<EOF
# every DNS query goes to a closed local port: none is expected (checked from "dns req" in the log)
dns { nameserver = ["127.0.0.1:$DNS_PORT"]; }
hs_cache_dir = "$HS_CACHE";
EOF
    cat >"$d/conf/override.d/worker-normal.inc" <<EOF
bind_socket = "127.0.0.1:$port";
count = $workers;
EOF
    cat >"$d/conf/override.d/worker-controller.inc" <<EOF
bind_socket = "127.0.0.1:$cport";
EOF
    # -i: allow the workers to run as root when the bench is run as root (no user switch)
    rspamd -f -i -c /etc/rspamd/rspamd.conf \
        --var="LOCAL_CONFDIR=$d/conf" --var="RUNDIR=$d/run" --var="DBDIR=$d/db" \
        --var="LOGDIR=$d/log" >"$d/log/stdout" 2>&1 &
    RSPAMD_PIDS+=($!)
    echo $! >"$d/main.pid"
}

# wait_rspamd NAME PORT WORKERS: the workers answer and the hyperscan databases are loaded
wait_rspamd() {
    local name=$1 port=$2 workers=$3 d=$TMP/$1 i
    for i in $(seq 1 600); do
        local pong
        pong=$(curl -s --max-time 2 "http://127.0.0.1:$port/ping" 2>/dev/null || true)
        kill -0 "$(cat "$d/main.pid")" 2>/dev/null || {
            tail -20 "$d/log/rspamd.log" "$d/log/stdout" >&2 || true
            die "rspamd ($name) exited during start-up"
        }
        if [ "${pong%%[[:space:]]*}" = pong ] && # the reply is "pong\r\n"
            grep -q 'rspamd_rs_compile_cb: compiled' "$d/log/rspamd.log" 2>/dev/null &&
            [ "$(pgrep -P "$(cat "$d/main.pid")" -f 'normal process' | wc -l)" -eq "$workers" ]; then
            sleep 3 # the hs_helper tells the workers to load the databases about 1 s later
            return 0
        fi
        sleep 0.5
    done
    tail -5 "$d/log/rspamd.log" >&2 || true
    die "rspamd ($name) not ready after 300 s: ping '$(curl -s --max-time 2 "http://127.0.0.1:$port/ping" 2>&1)', $(grep -c 'rspamd_rs_compile_cb: compiled' "$d/log/rspamd.log") hyperscan notices, $(pgrep -P "$(cat "$d/main.pid")" -f 'normal process' | wc -l) normal workers"
}

echo "bench/email: starting rspamd $(rspamd --version 2>/dev/null | sed -n 's/.*version //p') (1 worker on :$P1, 2 workers on :$P2; first start compiles hyperscan)"
start_rspamd rs1 "$P1" "$C1" 1
start_rspamd rs2 "$P2" "$C2" 2
wait_rspamd rs1 "$P1" 1
wait_rspamd rs2 "$P2" 2

# CPU seconds (user + system) of an rspamd instance: main process and all its children
rspamd_cpu() {
    local main p tot=0 tck
    main=$(cat "$TMP/$1/main.pid")
    tck=$(getconf CLK_TCK)
    for p in "$main" $(pgrep -P "$main"); do
        # fields 14, 15 after the ")" of the command name: utime, stime in clock ticks
        tot=$((tot + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
    done
    awk -v t="$tot" -v h="$tck" 'BEGIN { printf "%.3f", t / h }'
}
rspamd_scanned() { # rspamd's own count of scanned messages (controller /stat)
    curl -s --max-time 10 "http://127.0.0.1:$1/stat" | python3 -c 'import json,sys; print(json.load(sys.stdin)["scanned"])'
}

# ---- 3. the timings -------------------------------------------------------------------

RAW=$TMP/raw.tsv
printf 'label\trun\twall_s\tcpu_s\tclient_cpu_s\tserver_cpu_s\tjudged\tscanned\trss_kb\tload1\n' >"$RAW"

fail() {
    echo "bench/email: FAILED: $*" >&2
    exit 1
}

# measure_vigil RUN
measure_vigil() {
    local r=$1 out=$TMP/vigil-$1.jsonl err=$TMP/vigil-$1.err tf=$TMP/vigil-$1.time
    local t0 t1 load rc=0 u s m judged
    read -r load _ </proc/loadavg
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%U %S %M' -o "$tf" "$VIGIL" email -v "$MSGS" >"$out" 2>"$err" || rc=$?
    t1=$EPOCHREALTIME
    [ $rc -eq 0 ] || { tail -5 "$err" >&2; fail "vigil email exited with $rc"; }
    read -r u s m < <(tail -1 "$tf")
    judged=$(grep -c '^{"path":.*"score":[0-9]' "$out" || true)
    [ "$judged" -eq "$NMSG" ] || fail "vigil judged $judged of $NMSG messages (run $r)"
    row vigil "$r" "$t0" "$t1" "$u" "$s" 0 "$judged" "$judged" "$m" "$load"
}

# measure_rspamd NAME PORT CONTROLLER_PORT RUN
measure_rspamd() {
    local name=$1 port=$2 cport=$3 r=$4 out=$TMP/$1-$4.out tf=$TMP/$1-$4.time
    local t0 t1 load rc=0 u s c0 c1 n0 n1 results actions
    read -r load _ </proc/loadavg
    n0=$(rspamd_scanned "$cport")
    c0=$(rspamd_cpu "$name")
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%U %S' -o "$tf" rspamc -n "$PAR" -t 60 -h "127.0.0.1:$port" "$MSGS" >"$out" 2>&1 || rc=$?
    t1=$EPOCHREALTIME
    c1=$(rspamd_cpu "$name")
    n1=$(rspamd_scanned "$cport")
    [ $rc -eq 0 ] || { tail -5 "$out" >&2; fail "rspamc ($name) exited with $rc"; }
    read -r u s < <(tail -1 "$tf")
    results=$(grep -c '^Results for file: ' "$out" || true)
    actions=$(grep -c '^Action: ' "$out" || true)
    [ "$results" -eq "$NMSG" ] && [ "$actions" -eq "$NMSG" ] ||
        fail "rspamc ($name) gave $results results, $actions actions for $NMSG messages (run $r)"
    [ $((n1 - n0)) -eq "$NMSG" ] || fail "rspamd ($name) counted $((n1 - n0)) scans for $NMSG messages (run $r)"
    row "$name" "$r" "$t0" "$t1" "$u" "$s" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')" \
        "$actions" "$((n1 - n0))" "" "$load"
}

# row LABEL RUN T0 T1 CLIENT_USER CLIENT_SYS SERVER_CPU JUDGED SCANNED RSS LOAD
row() {
    local wall ccpu cpu
    wall=$(awk -v a="$3" -v b="$4" 'BEGIN { printf "%.4f", b - a }')
    ccpu=$(awk -v u="$5" -v s="$6" 'BEGIN { printf "%.2f", u + s }')
    cpu=$(awk -v c="$ccpu" -v d="$7" 'BEGIN { printf "%.2f", c + d }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$wall" "$cpu" "$ccpu" "$7" "$8" "$9" \
        "${10}" "${11}" >>"$RAW"
    local split=""
    [ "$1" = vigil ] || split=" (rspamc $ccpu + rspamd $7)"
    printf '  %-6s run %s: %7.3f s wall, %6.2f s CPU%s, %s msg/s (load before: %s)\n' \
        "$1" "$2" "$wall" "$cpu" "$split" "$(awk -v n="$NMSG" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')" "${11}"
}

echo "bench/email: warm-up (page cache, then one pass of each tool)"
find "$MSGS" -type f -exec cat {} + >/dev/null
"$VIGIL" email "$MSGS" >/dev/null 2>&1 || fail "vigil email failed on the warm-up pass"
rspamc -n "$PAR" -t 60 -h "127.0.0.1:$P1" "$MSGS" >/dev/null 2>&1 || fail "rspamc (rs1) warm-up failed"
rspamc -n "$PAR" -t 60 -h "127.0.0.1:$P2" "$MSGS" >/dev/null 2>&1 || fail "rspamc (rs2) warm-up failed"

echo "bench/email: $RUNS rounds of vigil, rspamd 1 worker (rs1), rspamd 2 workers (rs2); best of $RUNS"
for r in $(seq 1 "$RUNS"); do
    measure_vigil "$r"
    measure_rspamd rs1 "$P1" "$C1" "$r"
    measure_rspamd rs2 "$P2" "$C2" "$r"
done

# No network lookup may have been attempted: rspamd logs "dns req: N" for every message.
DNS_REQ=0
DNS_FAIL=0
for n in rs1 rs2; do
    q=$(grep -o 'dns req: [0-9]*' "$TMP/$n/log/rspamd.log" | awk '{ s += $3 } END { print s + 0 }')
    f=$(grep -cE 'timed out|cannot resolve|error looking up' "$TMP/$n/log/rspamd.log" || true)
    DNS_REQ=$((DNS_REQ + q))
    DNS_FAIL=$((DNS_FAIL + f))
done
[ "$DNS_REQ" -eq 0 ] && [ "$DNS_FAIL" -eq 0 ] ||
    fail "rspamd made $DNS_REQ DNS requests ($DNS_FAIL failures logged): a network lookup is still on"

# ---- 4. the report --------------------------------------------------------------------

python3 "$HERE/report.py" --raw "$RAW" --messages "$NMSG" --mix "$MIX" --set-id "$SET_ID" \
    --vigil-rev "$VREV" --rspamd "$(rspamd --version 2>/dev/null | sed -n 's/.*version //p')" \
    --parallel "$PAR" --runs "$RUNS" --dns-req "$DNS_REQ" --txt "$OUT/email.txt"
