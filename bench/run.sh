#!/usr/bin/env bash
# summary: throughput benchmark: vigil events vs tcpdump (floor) and tshark on one large capture built from the real captures
#
# usage: bench/run.sh VIGIL_BINARY        (normally: make bench)
#
# 1. Builds, once, bench/out/capture-<key>.pcap (about 1 GB) from the real captures
#    in ../shared/data/pcap: BENCH_COPIES copies of every Ethernet capture of benign/,
#    malware/ and protocol/, each copy with its own addresses, spread over
#    BENCH_WINDOW seconds, merged in time order (bench/mkcapture.py). <key> is a hash of
#    the inputs and the recipe, so the file is rebuilt only when it is missing.
# 2. Times, BENCH_RUNS rounds (best of), wall clock and peak RSS:
#      tcpdump -r FILE -w /dev/null            (libpcap reading alone: the floor)
#      vigil events FILE > /dev/null
#      tshark -n -r FILE -q -z conv,tcp > /dev/null
#      vigil analyze --state NEW.db --alerts FILE FILE   (models and state store; issue 5)
#    then vigil events -v (flow counters) and vigil events -v --max-flows BENCH_SMALL_CAP.
# 3. Prints a table, writes bench/out/results.txt and bench/out/results.json.
#
# A missed target is reported as MISSED and does not fail the run; the script fails only
# when a tool fails (or is missing). BENCH_VIGIL_REV, if set, describes the binary in the report
# instead of the repository's git commit (e.g. when timing a build of another tree).
set -euo pipefail
export LC_ALL=C # also makes $EPOCHREALTIME use a decimal point

die() {
    echo "bench: $*" >&2
    exit 1
}

[ $# -eq 1 ] || die "usage: bench/run.sh VIGIL_BINARY"
VIGIL=$1
[ -x "$VIGIL" ] || die "$VIGIL: not an executable (build first: make build)"
VIGIL=$(cd "$(dirname "$VIGIL")" && pwd)/$(basename "$VIGIL")
VIGIL_SRC=$VIGIL

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
PCAPS=${BENCH_PCAP_DIR:-$REPO/../shared/data/pcap}
OUT=$HERE/out
COPIES=${BENCH_COPIES:-64}
WINDOW=${BENCH_WINDOW:-900}
RUNS=${BENCH_RUNS:-3}
SMALL_CAP=${BENCH_SMALL_CAP:-10000}
SEED=vigil-bench-1

for t in tcpdump:tcpdump tshark:tshark editcap:wireshark-common python3:python3 sha256sum:coreutils; do
    command -v "${t%%:*}" >/dev/null || die "${t%%:*} not found (apt-get install ${t#*:}; make deps)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time; make deps)"
[ -d "$PCAPS" ] || die "$PCAPS: no such directory (the shared real captures; set BENCH_PCAP_DIR)"
[ -n "${EPOCHREALTIME:-}" ] || die "bash 5 or later needed (\$EPOCHREALTIME)"
mkdir -p "$OUT"

# ---- 1. the capture -------------------------------------------------------------------

mapfile -t SOURCES < <(cd "$PCAPS" && find benign malware protocol -maxdepth 1 -type f \
    \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
[ ${#SOURCES[@]} -gt 0 ] || die "no captures under $PCAPS/{benign,malware,protocol}"

KEY=$( {
    echo "copies=$COPIES window=$WINDOW seed=$SEED"
    sha256sum "$HERE/mkcapture.py" | cut -d' ' -f1
    (cd "$PCAPS" && sha256sum "${SOURCES[@]}")
} | sha256sum | cut -c1-12)
CAP=$OUT/capture-$KEY.pcap
MANIFEST=$OUT/capture-$KEY.json

if [ -s "$CAP" ] && [ -s "$MANIFEST" ]; then
    echo "bench: capture $CAP (cached)"
else
    echo "bench: building $CAP from ${#SOURCES[@]} files in $PCAPS ($COPIES copies; once)"
    t0=$EPOCHREALTIME
    STAGE=$OUT/stage-$KEY
    rm -rf "$STAGE"
    mkdir -p "$STAGE"
    args=()
    n=0
    for f in "${SOURCES[@]}"; do
        n=$((n + 1))
        # editcap -F pcap: pcapng (some *.pcap here are pcapng inside) -> classic pcap
        s=$STAGE/$(printf '%03d' $n).pcap
        if editcap -F pcap "$PCAPS/$f" "$s" 2>"$STAGE/editcap.err"; then
            args+=("$f=$s")
        else
            echo "bench: skipping $f: editcap cannot convert it: $(head -1 "$STAGE/editcap.err")" >&2
        fi
    done
    rm -f "$OUT"/capture-*.pcap "$OUT"/capture-*.json # older recipes: free the disk
    python3 "$HERE/mkcapture.py" --copies "$COPIES" --window "$WINDOW" --seed "$SEED" \
        --out "$CAP.part" --manifest "$MANIFEST.part" "${args[@]}"
    mv "$MANIFEST.part" "$MANIFEST"
    mv "$CAP.part" "$CAP"
    rm -rf "$STAGE"
    echo "bench: built in $(python3 -c "print(f'{$EPOCHREALTIME - $t0:.1f}')") s"
fi

# ---- 2. the timings -------------------------------------------------------------------

# Time a private copy: a rebuild of build/vigil during the runs must not change what is measured.
cp "$VIGIL_SRC" "$OUT/vigil.under-test"
VIGIL=$OUT/vigil.under-test

RAW=$OUT/raw.tsv
LOGS=$OUT/logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
printf 'label\trun\twall_s\trss_kb\tuser_s\tsys_s\tload1\tstderr\n' >"$RAW"

# measure LABEL RUN COMMAND...: stdout to /dev/null, stderr kept in logs/LABEL-RUN.err
measure() {
    local label=$1 run=$2
    shift 2
    local err=$LOGS/$label-$run.err tf=$LOGS/$label-$run.time
    local t0 t1 rc=0 load
    read -r load _ </proc/loadavg || load=0 # how busy the machine was just before
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >/dev/null 2>"$err" || rc=$?
    t1=$EPOCHREALTIME
    if [ $rc -ne 0 ]; then
        echo "bench: FAILED (exit $rc): $*" >&2
        tail -5 "$err" >&2
        exit 1
    fi
    local m u s
    read -r _ m u s < <(tail -1 "$tf") # %e (2 decimals) is replaced by our own wall clock
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$run" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')" "$m" "$u" "$s" "$load" \
        "$err" >>"$RAW"
    printf '  %-9s run %s: %s s wall, %s s CPU, %s MB peak RSS (load before: %s)\n' "$label" "$run" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
        "$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')" \
        "$(awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }')" "$load"
}

echo "bench: warming the page cache"
cat "$CAP" >/dev/null

echo "bench: $RUNS rounds of tcpdump, vigil events, tshark, vigil analyze (best of $RUNS)"
for r in $(seq 1 "$RUNS"); do
    measure tcpdump "$r" tcpdump -r "$CAP" -w /dev/null
    measure vigil "$r" "$VIGIL" events "$CAP"
    measure tshark "$r" tshark -n -r "$CAP" -q -z conv,tcp
    # the whole flow: events judged by the models, the state created and saved (issue 5)
    rm -f "$OUT/analyze.db" "$OUT/analyze.alerts"
    measure analyze "$r" "$VIGIL" analyze --state "$OUT/analyze.db" --alerts "$OUT/analyze.alerts" "$CAP"
done
echo "bench: vigil analyze raised $(wc -l <"$OUT/analyze.alerts") breaches; state $(du -h "$OUT/analyze.db" | cut -f1)"
echo "bench: flow table"
measure vigil-v 1 "$VIGIL" events -v "$CAP"
measure vigil-cap 1 "$VIGIL" events -v --max-flows "$SMALL_CAP" "$CAP"

# ---- 3. the report --------------------------------------------------------------------

python3 "$HERE/report.py" --raw "$RAW" --manifest "$MANIFEST" --capture "$CAP" \
    --vigil "$VIGIL" --vigil-src "$VIGIL_SRC" --repo "$REPO" --small-cap "$SMALL_CAP" --runs "$RUNS" \
    --txt "$OUT/results.txt" --json "$OUT/results.json"
