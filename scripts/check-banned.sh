#!/usr/bin/env bash
# summary: fail if src/ calls a function style.md bans (point 9): unbounded copies and
# unchecked number parsing. Use the length-bounded helpers instead.
set -u
cd "$(dirname "$0")/.."
banned='\b(atoi|atol|atoll|strcpy|strcat|sprintf|vsprintf|strtok|strncpy|bzero|gets)\s*\('
hits=$(grep -rnE "$banned" src --include='*.c' --include='*.h' | grep -v '^\s*//' || true)
if [ -n "$hits" ]; then
  echo "banned functions used (style.md point 9):"
  echo "$hits"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "1 passed, 0 failed"
