#!/usr/bin/env bash
# summary: docs/models.md still matches models/*.model (each model's name, description, file, event
# type, stage, definition and reason as the page prints them, and the reference part)
#
# scripts/models-doc.py --check regenerates the page from the model files with the example breaches
# already in it and compares, so this is quick: no capture is analysed again. When it fails, run
# scripts/models-doc.sh (which also collects fresh example breaches) and commit docs/models.md.
source "$(dirname "$0")/../e2e/lib.sh"
DOC=$REPO/docs/models.md
command -v python3 >/dev/null 2>&1 || { fail "python3 is not installed (scripts/deps.sh installs it)"; finish; }
[ -f "$DOC" ] || { fail "docs/models.md is missing: run scripts/models-doc.sh"; finish; }

python3 "$REPO/scripts/models-doc.py" --check "$DOC" >"$E2E_TMP/check.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
	pass "docs/models.md matches models/*.model"
else
	sed 's/^/#    /' "$E2E_TMP/check.out"
	fail "docs/models.md does not match models/*.model (status $rc): run scripts/models-doc.sh and commit docs/models.md"
fi

# every model has its section (the comparison above covers this; said separately for a clear line)
want=$(grep -h '^model "' "$REPO"/models/*.model | sed 's/^model "//; s/"$//' | sort)
have=$(grep '^### ' "$DOC" | sed 's/^### //' | grep -vx -e Names -e Functions | sort)
missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$have") | paste -sd '|')
extra=$(comm -13 <(printf '%s\n' "$want") <(printf '%s\n' "$have") | paste -sd '|')
check_eq "models without a section in docs/models.md (run scripts/models-doc.sh)" "" "$missing"
check_eq "sections in docs/models.md for models that no longer exist (run scripts/models-doc.sh)" "" "$extra"
note "$(grep -c '^Example breach' "$DOC") of $(printf '%s\n' "$want" | grep -c .) models have an example breach"
finish
