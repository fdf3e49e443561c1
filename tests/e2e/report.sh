#!/bin/sh
# `edigate report --html` (issue 19, point 5) in headless Chromium: the
# page loads with no console message (no script error, nothing the
# Content-Security-Policy blocked, so nothing from the network), shows
# the expected rows (the DOM after its inline script ran), escapes a
# hostile file name, and a screenshot is made.  Without chromium (`make
# deps` installs Debian's) the browser part is skipped with a message.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/report.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"

h="$t/home"
mkdir -p "$h/partners" "$h/drop/northwh/in"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
sed "s|HOOK|true|" "$root/tests/fixtures/ops/northwh.xml" >"$h/partners/northwh.xml"
E="$bin --home $h"
evil='<img src=x onerror=alert(1)> & "q".x12'
EDIGATE_NOW=$(date -u -d '2026-12-07 07:00' +%s); export EDIGATE_NOW
expect_exit 0 $E run --quiet
cp "$fx/945-good.x12" "$h/drop/northwh/in/945-a.x12"
cp "$fx/945-over-tolerance.x12" "$h/drop/northwh/in/$evil"
touch -d '2026-12-01' "$h"/drop/northwh/in/*
EDIGATE_NOW=$(date -u -d '2026-12-07 08:00' +%s)
expect_exit 0 $E sent --partner northwh "$fx/940-sent.x12"
EDIGATE_NOW=$(date -u -d '2026-12-07 09:00' +%s)
expect_exit 1 $E run --quiet
EDIGATE_NOW=$(date -u -d '2026-12-08 10:00' +%s)
expect_exit 1 $E alerts check
expect_exit 2 $E report -o "$t/r.html"
expect_err 'needs --html and -o FILE'
expect_exit 0 $E report --html -o "$t/report.html"
page="$t/report.html"
# self-contained: nothing to fetch (the SVG namespace is a name only)
python3 - "$page" <<'PY' && ok || bad "the page refers to something outside itself"
import re, sys
d = open(sys.argv[1]).read()
tags = re.findall(r'<[a-zA-Z][^>]*>', d)
assert not [t for t in tags if re.search(r'\s(src|href|action|poster|srcset)=', t)], tags
assert not re.search(r'url\(|@import', d)
assert [t for t in tags if re.search(r'https?:', t)] == ['<svg xmlns="http://www.w3.org/2000/svg" width="272" height="70" role="img">'] * 2
PY
grep -qF '&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;.x12' "$page" && ok || bad "the file name is not escaped"
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$page" && ok || bad "no CSP"
grep -qF '<td>North Warehouse &amp; Co &lt;test&gt;</td>' "$page" && ok || bad "the partner name is not escaped"
expect_exit 2 $E report --html -o - --partner nosuch
expect_err "no partner 'nosuch'|nosuch"
expect_exit 0 $E report --html -o - --partner northwh
expect_out '^<!DOCTYPE html>'
cmp -s "$t/out" "$page" && ok || bad "-o - differs from the file"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "SKIP: report: chromium not found (make deps installs it): the page was not loaded in a browser"
	echo "report: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]; exit
fi
chrome() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$t/chromium" \
		--enable-logging=stderr --v=0 "$@"
}
chrome --dump-dom "file://$page" >"$t/dom.html" 2>"$t/chrome.err"
[ -s "$t/dom.html" ] && ok || { bad "chromium gave no DOM"; tail -5 "$t/chrome.err"; }
# no console message: a script error or a blocked fetch would be one
if grep -q 'CONSOLE' "$t/chrome.err"; then
	bad "console messages:"; grep 'CONSOLE' "$t/chrome.err" | head -5
else ok; fi
# the inline script ran and counted the flow rows
grep -q 'id="page-ok">rendered: 3 flow rows' "$t/dom.html" && ok || bad "page marker missing"
python3 - "$t/dom.html" <<'PY' && ok || bad "the DOM lacks the expected rows"
import re, sys
d = open(sys.argv[1]).read()
flows = re.findall(r'<tr class="flow" data-partner="northwh" data-flow="([^"]+)">(.*?)</tr>', d, re.S)
assert [f for f, _ in flows] == ["out 940", "in 945", "in 997"], flows
row945 = dict(flows)["in 945"]
assert 'class="amber">amber<' in row945 and "quantity tolerance 1" in row945, row945
q = re.findall(r'<tr class="quarantined">(.*?)</tr>', d, re.S)
assert len(q) == 1 and "unassigned" in q[0] and "&lt;img src=x" in q[0], q
assert "<img" not in d, "an element came from a file name"
assert len(re.findall(r'<tr class="overdue">', d)) == 1
alerts = re.findall(r'<tr class="alert">(.*?)</tr>', d, re.S)
assert any("ack:997" in a for a in alerts) and any("quarantine-depth" in a for a in alerts), alerts
assert d.count("<svg") == 2 and '<rect class="rejects"' in d, "charts"
PY
chrome --screenshot="$t/report.png" --window-size=1400,1000 "file://$page" >/dev/null 2>&1
[ "$(head -c 4 "$t/report.png" 2>/dev/null | od -An -c | tr -d ' ')" = '211PNG' ] && ok || bad "no screenshot"
echo "report: $pass passed, $fail failed (screenshot: $t/report.png, kept with KEEP=1)"
[ "$fail" -eq 0 ]
