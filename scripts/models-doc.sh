#!/usr/bin/env bash
# summary: regenerates docs/models.md from models/*.model with a real example breach of each model
#
# usage: scripts/models-doc.sh [VIGIL]          (VIGIL: the binary, default build/vigil)
#
# Collects the example breaches itself, each input analysed cold (a fresh in-memory state) with
# the models of models/:
#   1. every shared capture in ../shared/data/pcap/malware and ../shared/data/pcap/benign
#      (MANIFEST.md there says what each holds);
#   2. two office weeks composed by ../shared/tools/make-office-week with fixed seeds, the same
#      scenarios as tests/detect/test_office_week.sh (IcedID: seed 7, 12 devices, 5 days;
#      the Emotet-style C2 on port 7080: seed 11, 20 devices, 4 days);
#   3. the events of every tests/models/*.test, with that test's models, arguments and mail (what
#      tests/models/run.py replays).
# Each breach is tagged with where it came from ("doc_source") into a temporary BREACHES.jsonl;
# scripts/models-doc.py then picks one example per model (a malware capture before an office
# week, before a benign capture, before a model test; then the highest score) and writes the
# page. Deterministic: make-office-week output is byte-identical for the same arguments, event
# time is the only clock vigil reads, and every tie is broken explicitly, so two runs give the
# same file. About a minute on 2 cores, most of it composing the office weeks (2 jobs at once; nothing
# else runs beside them).
#
# After changing a model, run this and commit docs/models.md; tests/detect/test_models_doc.sh
# fails until the page matches the models again.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VIGIL=${1:-$REPO/build/vigil}
case $VIGIL in /*) ;; *) VIGIL=$PWD/$VIGIL ;; esac # a relative path is taken from where we were run
cd "$REPO"
SHARED=${SHARED:-$REPO/../shared/data}
PCAP=$SHARED/pcap
TOOL=$SHARED/../tools/make-office-week
MODELS=$REPO/models
OUT=docs/models.md

die() {
	echo "models-doc.sh: $*" >&2
	exit 1
}
[ -x "$VIGIL" ] || die "vigil binary '$VIGIL' not found (make build, or give its path)"
{ [ -d "$PCAP/malware" ] && [ -d "$PCAP/benign" ]; } || die "shared captures not found under $PCAP"
[ -x "$TOOL" ] || die "make-office-week not found at $TOOL"
for t in jq python3 tshark editcap mergecap reordercap tcprewrite capinfos; do
	command -v "$t" >/dev/null || die "needs '$t' (scripts/deps.sh installs it)"
done

start=$SECONDS
TMP=$(mktemp -d "${TMPDIR:-/tmp}/models-doc.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/b"

# analyze OUT KIND NAME CMD MODELS [ARGS...] INPUT: breaches of one cold run into OUT, each
# tagged {"doc_source": {kind, name[, cmd]}}
analyze() {
	local out=$1 kind=$2 name=$3 cmd=$4 models=$5
	shift 5
	"$VIGIL" analyze --models "$models" --alerts "$out.raw" "$@" </dev/null 2>"$out.err" ||
		die "vigil analyze $* failed: $(tail -n 3 "$out.err")"
	# the tag goes in front of each line as text: jq would rewrite the engine's numbers (100.000 as 100)
	S=$(jq -nc --arg k "$kind" --arg n "$name" --arg c "$cmd" \
		'{kind: $k, name: $n} + (if $c == "" then {} else {cmd: $c} end)') \
		awk '/^\{/ { print "{\"doc_source\":" ENVIRON["S"] "," substr($0, 2) }' "$out.raw" >"$out"
}

# week NAME SEED DEVICES DAYS INFECTION INFECTED_HOST: compose an office week and analyze it
week() {
	local name=$1 seed=$2 devices=$3 days=$4 inf=$5 host=$6 dir=$TMP/week-$1
	"$TOOL" --devices "$devices" --days "$days" --seed "$seed" --out "$dir" \
		--infection "$PCAP/$inf" --infected-host "$host" >"$dir.log" 2>&1 ||
		die "make-office-week $name failed: $(tail -n 3 "$dir.log")"
	analyze "$TMP/b/2-week-$name.jsonl" office-week "$name" \
		"make-office-week --devices $devices --days $days --seed $seed --infection $inf --infected-host $host" \
		"$MODELS" "$dir/week.pcap"
	rm -f "$dir/week.pcap"
}

# 1. the shared captures, each cold
for kind in malware benign; do
	for f in "$PCAP/$kind"/*.pcap; do
		analyze "$TMP/b/1-$kind-$(basename "$f").jsonl" "$kind" "$kind/$(basename "$f")" "" "$MODELS" "$f"
	done
done

# 3. the events of every model test, with its own models and arguments
for t in tests/models/*.test; do
	n=$(basename "$t" .test)
	m=$(sed -n 's/^models:[[:space:]]*//p' "$t" | tail -n 1)
	read -ra args <<<"$(sed -n 's/^args:[[:space:]]*//p' "$t" | tail -n 1)"
	[ -n "$m" ] || die "$t: no models: line"
	[ "$m" = all ] && m=$MODELS || m=$MODELS/$m
	grep '^[[:space:]]*{' "$t" >"$TMP/$n.events.jsonl" || die "$t: no events"
	# mail: FILE [ARGS...] is first judged by vigil email into the state the events are analysed with
	read -ra mail <<<"$(sed -n 's/^mail:[[:space:]]*//p' "$t" | tail -n 1)"
	state=()
	if [ "${#mail[@]}" -gt 0 ]; then
		state=(--state "$TMP/$n.db")
		"$VIGIL" email "${state[@]}" "${mail[@]:1}" "tests/models/${mail[0]}" >/dev/null 2>"$TMP/$n.email.err" </dev/null ||
			die "$t: vigil email failed: $(tail -n 3 "$TMP/$n.email.err")"
	fi
	analyze "$TMP/b/3-test-$n.jsonl" test "$t" "" "$m" "${state[@]}" "${args[@]}" "$TMP/$n.events.jsonl"
done

# 2. the office weeks (the slow part: composing them), the two at once
week icedid 7 12 5 malware/2021-03-15-IcedID-infection-traffic.pcap 10.3.15.101 &
pid_icedid=$!
week trickbot 11 20 4 malware/ndpi-trickbot-named-emotet-style-c2.pcap 10.12.29.101 &
pid_trickbot=$!
wait "$pid_icedid" || die "office week icedid failed"
wait "$pid_trickbot" || die "office week trickbot failed"

# one BREACHES.jsonl, in a fixed order (C collation; models-doc.py does not depend on the order)
cat "$TMP"/b/*.jsonl >"$TMP/BREACHES.jsonl"
python3 scripts/models-doc.py --out "$TMP/models.md" "$TMP/BREACHES.jsonl" 2>"$TMP/doc.err" ||
	die "models-doc.py failed: $(cat "$TMP/doc.err")"
cat "$TMP/doc.err" >&2
cp "$TMP/models.md" "$OUT"

total=$(grep -h '^model ' "$MODELS"/*.model | wc -l)
with=$(grep -c '^Example breach' "$OUT" || true)
echo "models-doc.sh: wrote $OUT: $with of $total models with an example breach" \
	"($(wc -l <"$TMP/BREACHES.jsonl") breaches collected) in $((SECONDS - start)) s"
