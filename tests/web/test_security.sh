# summary: security of vigil serve: hostile strings render as text, tokens, locked links,
# no state change on GET, loopback default
. "$(dirname "$0")/lib.sh"
make_state "$WORK/s.db"
# Attacker-controlled strings in a breach (hostname and reason come from the wire).
python3 - "$WORK/s.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("""UPDATE breaches SET hostname = '<script>alert(1)</script>.evil',
             reason = 'ua "><img src=x onerror=alert(2)> <script>alert(3)</script>' WHERE id = 1""")
c.commit()
PY
start_server "$WORK/s.db"
DEV=$(get "$BASE/api/breaches/1" | jq -r .device)
for p in / "/devices/$DEV" /breaches/1 /incidents/1 "/endpoints/%3Cscript%3Ealert(1)%3C%2Fscript%3E.evil"; do
  curl -s "$BASE$p" > "$WORK/page.html"
  check "hostile $p: no raw <script>" sh -c "! grep -q '<script' '$WORK/page.html'"
  check "hostile $p: no raw <img" sh -c "! grep -q '<img' '$WORK/page.html'"
done
check "hostile strings shown escaped" sh -c "curl -s '$BASE/breaches/1' | grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;.evil'"
check "hostile strings intact in JSON" sh -c "curl -s '$BASE/api/breaches/1' | jq -e '.hostname == \"<script>alert(1)</script>.evil\"' >/dev/null"

# Locked links.
L1=$("$VIGIL" serve --state "$WORK/s.db" --lock-link 'https://example.org/x?y=1')
L2=$("$VIGIL" serve --state "$WORK/s.db" --lock-link 'https://example.org/x?y=1' --double)
check "lock link accepted" test "$(code "$BASE$L1")" = 200
check "lock page shows the destination" sh -c "curl -s '$BASE$L1' | grep -qF 'https://example.org/x?y=1'"
check "altered destination refused" test "$(code "$BASE${L1/d=aHR0/d=aHRa}")" = 403
check "forged token refused" test "$(code "$BASE${L1%&t=*}&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")" = 403
check "mode swap refused (double signed as single)" test "$(code "$BASE${L2/m=2/m=1}")" = 403
check "lock without token refused" test "$(code "$BASE${L1%&t=*}")" = 403
check "javascript: destination not signed" sh -c "! '$VIGIL' serve --state '$WORK/s.db' --lock-link 'javascript:alert(1)' 2>/dev/null"
check "double lock: first page has a POST form" sh -c "curl -s '$BASE$L2' | grep -q 'form method=\"post\" action=\"/lock/confirm\"'"
clicks() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from web_clicks').fetchone()[0])" "$WORK/s.db"; }
check "GET records no click" test "$(clicks)" = 0
CSRF=$(curl -s "$BASE$L2" | grep -o 'name="csrf" value="[^"]*"' | cut -d'"' -f4)
Q=${L2#/lock?}
check "POST with a bad CSRF refused" test "$(code "$BASE/lock/confirm" -X POST -d "$Q&csrf=x")" = 403
check "POST from another origin refused" test "$(code "$BASE/lock/confirm" -X POST -H 'Origin: http://evil.example' -d "$Q&csrf=$CSRF")" = 403
check "GET on the confirmation changes nothing" test "$(code "$BASE/lock/confirm?$Q&csrf=$CSRF")" = 404
check "still no click" test "$(clicks)" = 0
check "second confirmation after the POST" sh -c "curl -s -X POST -d '$Q&csrf=$CSRF' '$BASE/lock/confirm' | grep -q 'second and last confirmation'"
check "the click was recorded" test "$(clicks)" = 1
check "single lock cannot POST" test "$(code "$BASE/lock/confirm" -X POST -d "${L1#/lock?}&csrf=$CSRF")" = 403
stop_server

# Binding and tokens.
check "non-loopback bind without a token refused" sh -c "! timeout 5 '$VIGIL' serve --state '$WORK/s.db' --listen 0.0.0.0:0 2>/dev/null"
TOKEN=correct-horse-battery-staple-42
start_server "$WORK/s.db" --token "$TOKEN"
check "no token: 401" test "$(code "$BASE/api/devices")" = 401
check "wrong token: 401" test "$(code "$BASE/api/devices" -H "Authorization: Bearer wrong-token-wrong-token")" = 401
check "bearer token: 200" test "$(code "$BASE/api/devices" -H "Authorization: Bearer $TOKEN")" = 200
check "?token= sets a cookie and redirects" sh -c "curl -s -D- -o /dev/null '$BASE/?token=$TOKEN' | grep -qi '^set-cookie: vigil_token=.*HttpOnly; SameSite=Strict'"
check "cookie token: 200" test "$(code "$BASE/" -H "Cookie: vigil_token=$TOKEN")" = 200
check "lock pages carry their own HMAC, no token needed" test "$(code "$BASE$L1")" = 200
finish
