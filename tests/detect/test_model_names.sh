#!/usr/bin/env bash
# summary: every model named in ../shared/docs/mission.md exists, spelled exactly, once, and
# nothing else is shipped (breach records may only carry those names)
source "$(dirname "$0")/../e2e/lib.sh"
MISSION=$SHARED/../docs/mission.md
[ -f "$MISSION" ] || { fail "mission.md not found at $MISSION"; finish; }
# the names are the "·"-separated list after the heading "The models named"
sed -n '/^## The models named/,/^Email tags/p' "$MISSION" | grep -v '^##' | grep -v '^Email tags' |
	tr '\n' ' ' | sed 's/ · /\n/g; s/·/\n/g' | sed 's/^ *//; s/ *$//' | grep . | sort >"$E2E_TMP/want"
grep -h '^model "' "$REPO"/models/*.model | sed 's/^model "//; s/"$//' | sort >"$E2E_TMP/have"
check_eq "mission names found" 32 "$(wc -l <"$E2E_TMP/want")"
missing=$(comm -23 "$E2E_TMP/want" "$E2E_TMP/have" | paste -sd '|')
extra=$(comm -13 "$E2E_TMP/want" "$E2E_TMP/have" | paste -sd '|')
dups=$(uniq -d "$E2E_TMP/have" | paste -sd '|')
check_eq "models missing from models/" "" "$missing"
check_eq "models in models/ that mission.md does not name" "" "$extra"
check_eq "models defined twice" "" "$dups"
# and vigil loads them all
run_vigil load analyze --models "$REPO/models" -v "$SHARED/pcap/benign/zeek-wikipedia.pcap"
check_eq "vigil loads every model" 32 "$(awk '$1 == "models" {print $2}' "$E2E_TMP/load.err")"
finish
