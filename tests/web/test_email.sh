# summary: the email log and message pages against the real mail log: `vigil email --state` on
# real messages (tests/data/email, a slice of ../shared/data/email's parser fixtures) and one
# hostile message; the API, the HTML (curl) and Chromium must show what `vigil email` printed
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/../data/email
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
FIX=$SHARED/email/parser-fixtures.tar.xz
[ -r "$FIX" ] || { echo "skip: $FIX missing"; exit 77; }
mkdir -p "$WORK/mail"
M=parser-fixtures/rspamd/test/functional/messages
tar xJf "$FIX" -C "$WORK/mail" "$M/exe_attm.eml" "$M/mixed-html-zip.eml" "$M/phishing2.eml" \
  "$M/pdf_js.eml"
# hostile: HTML and script in the display name, the subject, a link's text and an attachment name
cat >"$WORK/mail/hostile.eml" <<'MAIL'
From: "<script>alert('name')</script>" <billing@pay-example.test>
To: Someone <someone@org.example>
Subject: =?UTF-8?Q?Invoice_<img_src=3Dx_onerror=3Dalert(1)>_<script>alert(2)</script>?=
Date: Tue, 14 Nov 2023 09:00:00 +0000
Message-ID: <hostile-1@pay-example.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<p>Pay now: <a href="http://wordpress-site.test/wp/pay.php">https://www.bank.example/&lt;b&gt;secure&lt;/b&gt;"&gt;</a></p>
--b1
Content-Type: application/pdf; name="<b>inv</b>.pdf"
Content-Disposition: attachment; filename="<b>inv</b>.pdf"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAA
--b1--
MAIL
"$VIGIL" email --state "$WORK/e.db" "$DATA"/*.eml "$WORK/mail/$M"/*.eml "$WORK/mail/hostile.eml" \
  >"$WORK/verdicts.jsonl" 2>"$WORK/email.err"
N=$(wc -l <"$WORK/verdicts.jsonl")
check "vigil email judged every message ($N)" test "$N" -ge 10
start_server "$WORK/e.db"
jqq() { jq -e "$@" >/dev/null; }
get "$BASE/api/email" >"$WORK/log.json"
check "the log holds one row per printed verdict" test "$(jq '.messages | length' "$WORK/log.json")" = "$N"
check "the log says mail was judged" jqq '.judged == true' "$WORK/log.json"
# every verdict, printed and served, agrees field by field (the log is newest first)
i=0
agree=0 pages=0
while IFS= read -r v; do
  i=$((i + 1))
  id=$(jq --argjson k "$i" '.messages | sort_by(.id) | .[$k - 1].id' "$WORK/log.json")
  row=$(jq -c --argjson id "$id" '.messages[] | select(.id == $id) | {score, from, to, subject, tags, actions, path}' "$WORK/log.json")
  want=$(jq -c '{score, from, to, subject, tags, actions, path}' <<<"$v")
  msg=$(get "$BASE/api/email/$id" | jq -c 'del(.id)')
  [ "$row" = "$want" ] && [ "$msg" = "$(jq -c . <<<"$v")" ] && agree=$((agree + 1))
  # the message page: every link's text and href, every attachment's true type, the tags and actions
  curl -s "$BASE/email/$id" >"$WORK/msg.html"
  python3 - "$WORK/msg.html" "$v" <<'PY' && pages=$((pages + 1))
import html, json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
v = json.loads(sys.argv[2])
def cells(cls):
    return [html.unescape(re.sub(r"<[^>]*>", "", c)) for c in re.findall(r'<td class="%s">(.*?)</td>' % cls, page, re.S)]
ok = cells("text") == [l["text"] for l in v["links"]]
ok &= cells("href") == [l["href"] for l in v["links"]]
ok &= cells("true") == [a["true_type"] for a in v["attachments"]]
ok &= cells("name") == [a["name"] for a in v["attachments"]]
ok &= cells("subject") == [v["subject"]] and cells("from") == [v["from"]]
ok &= re.findall(r'<span class="score \w+">(\d+)</span>', page)[:1] == [str(v["score"])]
tags = [html.unescape(t) for t in re.findall(r'<span class="tag">(.*?)</span>', page)]
ok &= tags == v["tags"] + v["actions"]
sys.exit(0 if ok else 1)
PY
done <"$WORK/verdicts.jsonl"
check "API: every message agrees with its printed verdict ($agree/$N)" test "$agree" = "$N"
check "page: every message shows its links, attachments, tags, actions, score ($pages/$N)" test "$pages" = "$N"
check "some verdicts carry links and attachments" test "$(jq -s '[.[] | (.links | length), (.attachments | length)] | add' "$WORK/verdicts.jsonl")" -ge 4
HID=$(jq '.messages[] | select(.path | endswith("hostile.eml")) | .id' "$WORK/log.json")
H=$(grep -F hostile.eml "$WORK/verdicts.jsonl")
check "hostile: the subject decoded as printed" jqq '.subject | contains("<script>alert(2)</script>")' <<<"$H"
curl -s "$BASE/email" >"$WORK/log.html"
curl -s "$BASE/email/$HID" >"$WORK/hostile.html"
for f in log hostile; do
  check "hostile ($f page): no raw <script> or <img>" sh -c "! grep -qiE '<script|<img|<b>inv' '$WORK/$f.html'"
  check "hostile ($f page): the subject shown escaped" grep -qF '&lt;script&gt;alert(2)&lt;/script&gt;' "$WORK/$f.html"
done
check "hostile: the link's real destination shown as text, not a link" sh -c "grep -qF '<code>http://wordpress-site.test/wp/pay.php</code>' '$WORK/hostile.html' && ! grep -qF 'href=\"http://wordpress' '$WORK/hostile.html'"
check "hostile: the attachment's true type is not the declared PDF" jqq '.attachments[0] | .true_type != "application/pdf" and .declared_type == "application/pdf"' <<<"$H"

# the browser: the pages render the hostile strings as text and run nothing
if [ -x /usr/bin/chromium ] && command -v npm >/dev/null; then
  CACHE=$(mkdir -p "${WEB_NPM_CACHE:-$WORK/npm}" && cd "${WEB_NPM_CACHE:-$WORK/npm}" && pwd)
  if ! cmp -s "$HERE/package-lock.json" "$CACHE/package-lock.json" || [ ! -d "$CACHE/node_modules/playwright-core" ]; then
    cp "$HERE/package.json" "$HERE/package-lock.json" "$CACHE/"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 180 npm ci --prefix "$CACHE" --ignore-scripts --no-audit --no-fund >/dev/null 2>&1 || true
  fi
  OUT=${WEB_ARTIFACTS:-$WORK/artifacts}
  mkdir -p "$OUT"
  if [ -d "$CACHE/node_modules/playwright-core" ]; then
    jq -c '{subject, from, links, attachments, tags, actions, score}' <<<"$H" >"$WORK/hostile.json"
    if WEB_NPM_CACHE=$CACHE timeout 120 node "$HERE/browser_email.mjs" "$BASE" "$HID" "$WORK/hostile.json" "$N" "$OUT"; then
      ok "browser: email log and hostile message"
    else
      bad "browser: email log and hostile message"
    fi
  else
    echo "note: playwright-core not installed, browser checks skipped"
  fi
fi
finish
