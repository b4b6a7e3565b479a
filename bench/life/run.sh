#!/usr/bin/env bash
# summary: pattern-of-life benchmark: events/s into the store, save time, peak RSS for 100,000 devices
#
# usage: bench/life/run.sh [BUILD_DIR]     (default: build; libvigilcore.a must be built)
#
# Builds bench/life/out/lifebench from bench/life/lifebench.c against the
# build's libvigilcore.a, then runs, one process each (so each peak RSS is
# its own):
#   1. synthetic: LIFE_BENCH_N (10,000,000) conn events from 1,000 devices
#      over 3 days (10 % internal, popular and rare external endpoints),
#      default table caps:
#        fields  captured fields handed to life_observe_fields(): the store;
#        sensor  sensor-shaped events through life_observe(), which formats
#                and captures each event's fields first (vigil analyze
#                without models);
#        save    life_save() at the end (SQLite, WAL);
#   2. 100,000 devices: LIFE_BENCH_N_DEV (2,000,000) events from 100,000
#      devices (max_devices 100,000): peak RSS;
#   3. capture: the events vigil's sensor makes of a large capture
#      (LIFE_BENCH_PCAP, else the newest bench/out/capture-*.pcap that
#      bench/run.sh builds, else skipped), replayed from memory into life.
# Rates are events per CPU second of one core (the store is single-threaded);
# "gen" is the cost of building the fields alone, included in "fields".
# Target: >= 1,000,000 events/s per core into the store (fields - gen). A
# missed target is printed as MISSED; the script fails only if a step fails.
# Writes bench/life/out/results.txt.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
OUT=$ROOT/bench/life/out
N=${LIFE_BENCH_N:-10000000}
N_DEV=${LIFE_BENCH_N_DEV:-2000000}
mkdir -p "$OUT"

[ -f "$BUILD/libvigilcore.a" ] || { echo "bench/life: no $BUILD/libvigilcore.a (build first)" >&2; exit 1; }
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -I "$ROOT/src" -I "$ROOT/tests/life" \
    "$ROOT/bench/life/lifebench.c" "$BUILD/libvigilcore.a" \
    $(pkg-config --libs libpcap libcrypto zlib sqlite3 libpsl jansson) -lm -o "$OUT/lifebench"

get() { awk -v k="$1" '$1 == k {print $2}' "$2"; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}'; }
store_rate() { awk -v n="$1" -v f="$2" -v g="$3" 'BEGIN {printf "%.0f", (f - g > 0 ? n / (f - g) : 0)}'; }

{
    echo "vigil pattern-of-life benchmark  $(date -u +%FT%TZ)  ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs)"
    echo "vigil $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet -- src 2>/dev/null || echo ', src modified')"
    echo
} >"$OUT/results.txt"

echo "bench/life: synthetic, $N events, 1,000 devices" >&2
"$OUT/lifebench" synthetic "$N" 1000 "$OUT/syn.db" >"$OUT/syn.txt"
echo "bench/life: $N_DEV events, 100,000 devices" >&2
"$OUT/lifebench" synthetic "$N_DEV" 100000 "$OUT/dev100k.db" >"$OUT/dev100k.txt"

PCAP=${LIFE_BENCH_PCAP:-$(ls -t "$ROOT"/bench/out/capture-*.pcap 2>/dev/null | head -1 || true)}
if [ -n "$PCAP" ] && [ -f "$PCAP" ]; then
    echo "bench/life: capture $PCAP" >&2
    "$OUT/lifebench" capture "$PCAP" 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,147.32.0.0/16 \
        "$OUT/cap.db" >"$OUT/cap.txt"
else
    rm -f "$OUT/cap.txt"
fi

row() { # NAME FILE PHASE
    local n s
    n=$(get "$3_events" "$2")
    s=$(get "$3_cpu_s" "$2")
    printf "%-44s %12s %9s %14s\n" "$1" "$n" "$s" "$(rate "$n" "$s")"
}

{
    printf "%-44s %12s %9s %14s\n" "one core, CPU time" "events" "seconds" "events/s"
    row "synthetic: build fields only (gen)" "$OUT/syn.txt" gen
    row "synthetic: fields -> life_observe_fields" "$OUT/syn.txt" fields
    row "synthetic: sensor events -> life_observe" "$OUT/syn.txt" sensor
    row "synthetic: life_save at the end" "$OUT/syn.txt" save
    row "100k devices: fields -> life_observe_fields" "$OUT/dev100k.txt" fields
    row "100k devices: life_save at the end" "$OUT/dev100k.txt" save
    if [ -f "$OUT/cap.txt" ]; then
        row "capture: sensor (collect, not life)" "$OUT/cap.txt" sensor_collect
        row "capture: build fields only (gen)" "$OUT/cap.txt" gen
        row "capture: fields -> life_observe_fields" "$OUT/cap.txt" fields
        row "capture: life_save at the end" "$OUT/cap.txt" save
    fi
    echo
    for f in syn dev100k cap; do
        [ -f "$OUT/$f.txt" ] || continue
        printf "%-8s peak RSS %8s MiB  state %8s MiB  tables %s/%s/%s/%s  evicted %s/%s/%s/%s\n" "$f" \
            "$(mib "$(get peak_rss_bytes "$OUT/$f.txt")")" "$(mib "$(get state_bytes "$OUT/$f.txt")")" \
            "$(get devices "$OUT/$f.txt")" "$(get entities "$OUT/$f.txt")" "$(get pairs "$OUT/$f.txt")" \
            "$(get series "$OUT/$f.txt")" "$(get evicted_devices "$OUT/$f.txt")" \
            "$(get evicted_entities "$OUT/$f.txt")" "$(get evicted_pairs "$OUT/$f.txt")" \
            "$(get evicted_series "$OUT/$f.txt")"
    done
    [ -f "$OUT/cap.txt" ] && echo "capture: $PCAP: $(get conn_events "$OUT/cap.txt") conn events, $(get app_events "$OUT/cap.txt") other events"
    echo
    for f in syn cap; do
        [ -f "$OUT/$f.txt" ] || continue
        r=$(store_rate "$(get fields_events "$OUT/$f.txt")" "$(get fields_cpu_s "$OUT/$f.txt")" "$(get gen_cpu_s "$OUT/$f.txt")")
        verdict=MISSED
        [ "$r" -ge 1000000 ] && verdict=met
        printf "store alone (%s, fields - gen): %s events/s per core, target >= 1000000  %s\n" "$f" "$r" "$verdict"
    done
} | tee -a "$OUT/results.txt"
rm -f "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm
