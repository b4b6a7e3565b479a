# summary: headless Chromium (Debian) through every page, with a hostile breach; screenshots kept
# in $WEB_ARTIFACTS. playwright-core comes from npm into $WEB_NPM_CACHE (package-lock.json);
# no browser is ever downloaded.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x /usr/bin/chromium ] || { echo "skip: /usr/bin/chromium missing (scripts/deps.sh)"; exit 77; }
command -v npm >/dev/null || { echo "skip: npm missing"; exit 77; }
CACHE=$(mkdir -p "${WEB_NPM_CACHE:-$WORK/npm}" && cd "${WEB_NPM_CACHE:-$WORK/npm}" && pwd)
OUT=${WEB_ARTIFACTS:-$WORK/artifacts}
mkdir -p "$CACHE" "$OUT"
if ! cmp -s "$HERE/package-lock.json" "$CACHE/package-lock.json" || [ ! -d "$CACHE/node_modules/playwright-core" ]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$CACHE/"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 180 npm ci --prefix "$CACHE" --ignore-scripts --no-audit --no-fund >/dev/null 2>&1 ||
    { echo "skip: npm ci of playwright-core failed"; exit 77; }
fi
make_state "$WORK/s.db"
python3 - "$WORK/s.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("""UPDATE breaches SET hostname = '<script>alert(1)</script>.evil',
             reason = 'ua "><img src=x onerror=alert(2)> <script>alert(3)</script>' WHERE id = 1""")
c.commit()
PY
start_server "$WORK/s.db"
DEV=10.3.15.101
ID=$(get "$BASE/api/breaches?device=$DEV&limit=1" | jq -r '.[0].id')
INC=$(get "$BASE/api/breaches/$ID" | jq -r .incident)
L1=$("$VIGIL" serve --state "$WORK/s.db" --lock-link 'https://example.org/x?y=1')
L2=$("$VIGIL" serve --state "$WORK/s.db" --lock-link 'https://example.org/x?y=1' --double)
WEB_NPM_CACHE=$CACHE timeout 120 node "$HERE/browser.mjs" "$BASE" "$DEV" "$ID" "$INC" "$L1" "$L2" "$OUT"
