#!/usr/bin/env bash
# summary: build the libFuzzer harnesses, make seed corpora, fuzz each for FUZZ_SECONDS
#
# usage: [FUZZ_SECONDS=20] [SHARED=../shared/data] bash tests/fuzz/run.sh
#
# Builds build-fuzz/ with clang (VIGIL_FUZZ=ON, ASan+UBSan), writes seeds
# from the regression captures (SHARED/pcap/protocol and tests/data) and
# hand-built frames (make_seeds.py), then runs each harness for
# FUZZ_SECONDS seconds (make_seeds.py seeds fuzz_decode and fuzz_pcap; other
# harnesses start from their tests/fuzz/seeds/<harness>/ if present). Inputs in tests/fuzz/regress/<harness>/ (past
# crashes, kept forever) are run first on every invocation. FUZZ_SECONDS=0
# only replays seeds and regressions. Exit status is non-zero if any
# harness crashed, leaked, hit a UBSan report, timed out or ran out of
# memory; the input is kept in build-fuzz/artifacts/<harness>/ and the log
# in build-fuzz/logs/<harness>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
SHARED=${SHARED:-$ROOT/../shared/data}
OUT=$ROOT/build-fuzz
# every tests/fuzz/fuzz_<target>.c is a harness (CMakeLists.txt builds them all)
HARNESSES=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//' | tr '\n' ' ')

if ! command -v clang >/dev/null 2>&1; then
    echo "run.sh: clang is needed for libFuzzer (make deps installs it)" >&2
    exit 1
fi

# -Werror stays with the normal builds: here a new warning must not stop the fuzzing
CC=clang cmake -S . -B "$OUT" -DVIGIL_FUZZ=ON -DVIGIL_SANITIZE=ON -DVIGIL_WERROR=OFF >/dev/null
mkdir -p "$OUT/logs"
if ! cmake --build "$OUT" -j "$(nproc 2>/dev/null || echo 2)" --target $HARNESSES \
    >"$OUT/logs/build.log" 2>&1; then
    tail -n 30 "$OUT/logs/build.log" >&2
    echo "run.sh: building the harnesses failed (log: build-fuzz/logs/build.log)" >&2
    exit 1
fi

seed_dirs=()
[ -d "$SHARED/pcap/protocol" ] && seed_dirs+=("$SHARED/pcap/protocol")
[ -d "$ROOT/tests/data" ] && seed_dirs+=("$ROOT/tests/data")
rm -rf "$OUT/seeds"
python3 tests/fuzz/make_seeds.py "$OUT/seeds" "${seed_dirs[@]}"

# "key = value" lines of a .options file as libFuzzer flags
options() {
    sed -n 's/^[[:space:]]*\([a-z_]*\)[[:space:]]*=[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/\1 \2/p' "$1" |
        while read -r k v; do
            [ "$k" = dict ] && v=$ROOT/tests/fuzz/$v
            printf -- '-%s=%s\n' "$k" "$v"
        done
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for h in $HARNESSES; do
    bin=$OUT/tests/fuzz/$h
    corpus=$OUT/corpus/$h
    regress=$ROOT/tests/fuzz/regress/$h
    mkdir -p "$corpus" "$OUT/artifacts/$h" "$regress"
    dirs=("$corpus")
    [ -d "$OUT/seeds/$h" ] && dirs+=("$OUT/seeds/$h")
    [ -d "$ROOT/tests/fuzz/seeds/$h" ] && dirs+=("$ROOT/tests/fuzz/seeds/$h")
    dirs+=("$regress")
    flags=()
    [ -f "tests/fuzz/$h.options" ] && mapfile -t flags < <(options "tests/fuzz/$h.options")
    if [ "$FUZZ_SECONDS" -gt 0 ]; then
        flags+=("-max_total_time=$FUZZ_SECONDS")
    else
        flags+=("-runs=0")
    fi
    # fuzz_pcap prints vigil's error line for every unreadable input: hide
    # them (-close_fd_mask=2 keeps sanitizer and libFuzzer reports)
    [ "$h" = fuzz_pcap ] && flags+=("-close_fd_mask=2")
    log=$OUT/logs/$h.log
    echo "run.sh: $h for ${FUZZ_SECONDS}s (log: ${log#$ROOT/})"
    rc=0
    "$bin" "${flags[@]}" -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$h/" \
        "${dirs[@]}" >"$log" 2>&1 || rc=$?
    if [ $rc -ne 0 ] || grep -qE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log"; then
        echo "run.sh: $h FAILED (exit $rc); last lines of the log:" >&2
        tail -n 40 "$log" >&2
        ls -l "$OUT/artifacts/$h/" >&2 || true
        status=1
    else
        grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^#[0-9]+.*DONE' "$log" |
            sed "s/^/run.sh: $h: /" || true
    fi
done
exit $status
