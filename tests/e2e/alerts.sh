#!/bin/sh
# Service levels and alerts (issue 19, point 2) on the fake clock
# (EDIGATE_NOW): a 940 we send expects its 945 within 4 h (a warning an
# hour before, an alert after, each raised once, cleared when the 945
# comes), a 945 by 02:00 every day, a 997 for what we sent, quarantine
# depth; the hook gets JSON on standard input and never a secret; a
# failing hook is recorded; partner check refuses what is wrong; serve
# judges after its cycles.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/alerts.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: alerts: python3 not found"; exit 0; }

h="$t/home"
mkdir -p "$h/partners" "$h/drop/northwh/in"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
hook="cat >> $t/hook.jsonl; echo >> $t/hook.jsonl"
sed "s|HOOK|$hook|" "$root/tests/fixtures/ops/northwh.xml" >"$h/partners/northwh.xml"
E="$bin --home $h"
REMOTECO_SFTP_PASSWORD=s3cret-Pa55word
export REMOTECO_SFTP_PASSWORD
at() { EDIGATE_NOW=$(date -u -d "$1" +%s); export EDIGATE_NOW; }
hooks() { grep -c . "$t/hook.jsonl" 2>/dev/null || echo 0; }
drop() { cp "$1" "$h/drop/northwh/in/$2"; touch -d '2026-12-01' "$h/drop/northwh/in/$2"; }

# partner check takes the service levels, and refuses what is wrong
expect_exit 0 $E partner check northwh
cp "$h/partners/northwh.xml" "$t/good.xml"
sed -i 's|<arrival set="945" by="02:00"/>|<arrival by="02:00" after-sent="940" within="2h"/><arrival by="02:00" days="funday"/>|; s|depth-warn="1" depth-alert="2"|depth-warn="5" depth-alert="2"|' "$h/partners/northwh.xml"
expect_exit 2 $E partner check northwh
expect_out 'exactly one of by= .* and after-sent='
expect_out "days=\"funday\">: .*funday"
expect_out 'depth-warn="5"> is above depth-alert="2"'
sed -i "s|command=\"[^\"]*\"|command=\"/nonexistent/page-ops --now\"|" "$h/partners/northwh.xml"
expect_exit 2 $E partner check northwh
expect_out '<alert command=>: /nonexistent/page-ops is not a program this user can run'

cp "$t/good.xml" "$h/partners/northwh.xml"

# the first run starts the ledger at 07:00; we send a 940 at 08:00
at '2026-12-07 07:00'; expect_exit 0 $E run --quiet
at '2026-12-07 08:00'; expect_exit 0 $E sent --partner northwh "$fx/940-sent.x12"

# 10:30: the 945 is due by 12:00, a warning comes at 11:00: nothing yet
at '2026-12-07 10:30'; expect_exit 0 $E alerts check
expect_out 'no open alerts'
[ "$(hooks)" -eq 0 ] && ok || bad "a hook ran before any deadline"
# 11:30: the warning, once
at '2026-12-07 11:30'; expect_exit 1 $E alerts check
expect_out 'partner northwh: warning \(arrival:1 .*\): due soon: no 945 yet for the 940'
[ "$(hooks)" -eq 1 ] && ok || bad "hook calls after the warning: $(hooks), want 1"
at '2026-12-07 11:45'; expect_exit 1 $E alerts check
expect_no_out 'partner northwh: warning'
[ "$(hooks)" -eq 1 ] && ok || bad "the warning was raised again"
# 12:30: the alert (the warning escalated), once
at '2026-12-07 12:30'; expect_exit 1 $E alerts check
expect_out 'partner northwh: alert \(arrival:1 .*\): overdue: no 945 yet'
at '2026-12-07 12:40'; expect_exit 1 $E alerts check
[ "$(hooks)" -eq 2 ] && ok || bad "hook calls after the alert: $(hooks), want 2"
expect_exit 1 $E alerts --json
json_ok "alerts --json"
python3 - "$t/out" <<'PY' && ok || bad "alerts --json: one open alert arrival:1"
import json, sys
d = json.load(open(sys.argv[1]))
a = [x for x in d["alerts"] if x["rule"] == "arrival:1"]
assert d["open"] == 1 and len(a) == 1 and a[0]["level"] == "alert", d
assert a[0]["alertAt"] > a[0]["raisedAt"] and a[0]["hook"] == "ok", a
PY
# the 945 comes at 13:00 and is accepted: the alert is cleared, once
drop "$fx/945-good.x12" 945-a.x12
at '2026-12-07 13:00'; expect_exit 0 $E run --quiet
at '2026-12-07 13:05'; expect_exit 0 $E alerts check
expect_out 'partner northwh: cleared alert \(arrival:1 .*\): the 945 came for the 940'
expect_out 'no open alerts'
at '2026-12-07 13:10'; expect_exit 0 $E alerts check
[ "$(hooks)" -eq 3 ] && ok || bad "hook calls after clearing: $(hooks), want 3"

# the daily 945 by 02:00 (UTC): 01:30 a warning, 02:30 an alert, a 945
# at 03:00 clears it (late)
at '2026-12-08 01:30'; expect_exit 1 $E alerts check
expect_out 'warning \(arrival:2 2026-12-08\): due soon: 0 of 1 file\(s\) so far, due by 2026-12-08 02:00'
at '2026-12-08 02:30'; expect_exit 1 $E alerts check
expect_out 'alert \(arrival:2 2026-12-08\): late: 0 of 1'
drop "$fx/945-good-005010.x12" 945-b.x12
at '2026-12-08 03:00'; expect_exit 0 $E run --quiet
expect_exit 0 $E alerts check
expect_out 'cleared alert \(arrival:2 2026-12-08\): 1 file\(s\) arrived'

# the 997 for our 940 is due by 2026-12-08 08:00: at 08:30, overdue
at '2026-12-08 08:30'; expect_exit 1 $E alerts check
expect_out 'alert \(ack:997 .*\): overdue: no 997 yet for the interchange we sent'
# ... and in the metrics (point 4): one acknowledgement overdue, one
# alert open (run's textfile; serve's /metrics below)
expect_exit 0 $E run --quiet --metrics-file "$t/m1.prom"
if parse_metrics "$t/m1.prom" >"$t/m1.parsed" 2>"$t/perr"; then ok; else
	bad "run's textfile is not the Prometheus text format"; tail -3 "$t/perr"; fi
expect_metric "$t/m1.parsed" 'edigate_acks_overdue{partner="northwh",document="997"}' 1
expect_metric "$t/m1.parsed" 'edigate_alerts_open{partner="northwh",level="alert"}' 1
expect_metric "$t/m1.parsed" 'edigate_alerts_open{partner="northwh",level="warning"}' 0

# the partner's 997 for it comes at 09:30 (a day and a half late): cleared
cp "$root/tests/fixtures/ops/997-for-940-sent.x12" "$h/drop/northwh/in/997-a.x12"
touch -d '2026-12-01' "$h/drop/northwh/in/997-a.x12"
at '2026-12-08 08:40'; expect_exit 0 $E run --quiet --metrics-file "$t/m2.prom"
parse_metrics "$t/m2.prom" >"$t/m2.parsed" 2>"$t/perr" && ok || bad "m2.prom"
expect_metric "$t/m2.parsed" 'edigate_acks_overdue{partner="northwh",document="997"}' 0
expect_exit 0 $E alerts check
expect_out 'cleared alert \(ack:997 .*\): the 997 came for the interchange we sent'
rm "$h/drop/northwh/in/997-a.x12"

# quarantine depth: a 945 over tolerance is quarantined: a warning; it
# is discarded: cleared
drop "$fx/945-over-tolerance.x12" 945-c.x12
at '2026-12-08 09:00'; expect_exit 1 $E run --quiet
expect_exit 1 $E alerts check
expect_out 'warning \(quarantine-depth \): 1 file\(s\) waiting in quarantine'
# status: per-flow health in words and in JSON
expect_exit 1 $E status
expect_out '^  health amber: .*quarantine'

expect_out '^  in  945  amber last ok 2026-12-08 03:00:00; quarantine 1 \(quantity tolerance 1\); rejected 1 of 3 in 24h; answered after 5h 00m'
expect_out '^  out 940  green last ok 2026-12-07 08:00:00; .*their ack after 1d 0h, 0 overdue'
expect_exit 1 $E status --json
json_ok "status --json"
python3 - "$t/out" <<'PY' && ok || bad "status --json: health and flows"
import json, sys
p = json.load(open(sys.argv[1]))["partners"][0]
assert p["health"] == "amber" and p["openAlerts"] == 0 and p["openWarnings"] == 1, p
assert p["acksOverdue"] == 0 and p["rateWindowSeconds"] == 86400, p
f = {x["direction"] + " " + x["set"]: x for x in p["flows"]}
assert list(f) == ["out 940", "in 945", "in 997"], list(f)
i = f["in 945"]
assert i["health"] == "amber" and i["quarantine"] == 1 and i["windowFiles"] == 3, i
assert i["windowRejected"] == 1 and i["quarantineRatePercent"] == 33, i
assert i["causes"]["quantity-tolerance"] == 1 and sum(i["causes"].values()) == 1, i
assert i["answerLagSeconds"] == 5 * 3600 and i["acksOverdue"] is None, i
assert "shipped 12" in i["lastError"] and i["lastErrorAt"] > 0, i
assert i["meanTimeToResolveSeconds"] is None and i["lastSuccess"] > 0, i
o = f["out 940"]
assert o["health"] == "green" and o["acksOverdue"] == 0, o
assert o["ackLatencySeconds"] == 24 * 3600 + 40 * 60, o
PY
id=$($E quarantine list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["quarantine"][0]["id"])')
# status counts causes as the work queue has them: one function
# (eg_quarantine_category), and what support staff set wins
expect_exit 0 $E quarantine categorize "$id" --as mapping-gap --actor ann
expect_exit 1 $E status
expect_out '^  in  945  amber .*quarantine 1 \(mapping gap 1\)'
expect_exit 1 $E status --json
python3 -c 'import json,sys; c = json.load(open(sys.argv[1]))["partners"][0]["flows"][1]["causes"]; assert c["mapping-gap"] == 1 and sum(c.values()) == 1, c' "$t/out" && ok || bad "status --json causes after categorize"
expect_exit 0 $E quarantine discard "$id" --reason "test: not ours"
at '2026-12-08 09:10'; expect_exit 0 $E alerts check
expect_out 'cleared warning \(quarantine-depth \)'

# every hook call was one JSON object with the event, partner and words
python3 - "$t/hook.jsonl" <<'PY' && ok || bad "hook JSON"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
kinds = [(e["rule"], e["event"]) for e in ev]
assert kinds[:3] == [("arrival:1", "warning"), ("arrival:1", "alert"), ("arrival:1", "cleared")], kinds
assert all(e["partner"] == "northwh" and e["source"] == "edigate" for e in ev), ev
assert ev[0]["partnerName"] == "North Warehouse & Co <test>", ev[0]
assert ("quarantine-depth", "cleared") in kinds and ("ack:997", "alert") in kinds, kinds
PY
expect_exit 0 $E alerts list --all
expect_out 'cleared: the 945 came for the 940'

# an SFTP partner with a password in its environment: its hook fails
# (exit 3), which is recorded; neither the JSON nor the hook's
# environment holds the password
sed "s|HOOK|cat > $t/secret.json; env > $t/secret.env; echo boom; exit 3|" \
	"$root/tests/fixtures/ops/remoteco.xml" >"$h/partners/remoteco.xml"
expect_exit 3 $E alerts check --partner remoteco
expect_err 'partner remoteco: the alert hook failed: exit 3: boom'
expect_exit 1 $E alerts --partner remoteco
expect_out 'the alert hook failed: exit 3: boom'
grep -q 'quarantine-depth' "$t/secret.json" && ok || bad "the failing hook got no JSON"
grep -q 's3cret-Pa55word' "$t/secret.json" "$t/secret.env" && bad "the SFTP password reached the hook" || ok
grep -q '^PATH=' "$t/secret.env" && ok || bad "the hook's environment lost PATH"
rm "$h/partners/remoteco.xml"

# serve judges every minute of its clock, not only after runs: the
# partner runs at 06:00 only, yet at 01:30, the 945 of 2026-12-10 being
# due by 02:00, serve (on a clock 60 times faster) logs the warning
sed -i 's|<after-pickup action="leave"/>|<after-pickup action="leave"/>\n    <schedule cron="0 6 * * *" tz="UTC"/>|' "$h/partners/northwh.xml"
at '2026-12-10 01:30'
EDIGATE_CLOCK_RATE=60 $E serve --report "$t/serve-report.html" \
	--metrics 127.0.0.1:0 >"$t/serve.log" 2>&1 &
spid=$!
n=0
while ! grep -q 'alert: partner northwh: warning' "$t/serve.log" 2>/dev/null && [ $n -lt 100 ]; do
	sleep 0.1; n=$((n + 1)); done
# /metrics: the warning open, no acknowledgement overdue (the 997 came)
port=$(sed -n 's/.*figures on .* (port \([0-9]*\)).*/\1/p' "$t/serve.log" | head -1)
n=0
while :; do
	scrape /metrics
	parse_metrics "$t/page" >"$t/page.parsed" 2>"$t/perr"
	grep -qxF 'edigate_alerts_open{partner="northwh",level="warning"} 1' "$t/page.parsed" ||
		[ $n -ge 50 ] || { sleep 0.1; n=$((n + 1)); continue; }
	break
done
expect_metric "$t/page.parsed" 'edigate_alerts_open{partner="northwh",level="warning"}' 1
expect_metric "$t/page.parsed" 'edigate_acks_overdue{partner="northwh",document="997"}' 0
kill "$spid"; wait "$spid" 2>/dev/null
grep -q 'alert: partner northwh: warning (arrival:2 2026-12-10): due soon' "$t/serve.log" && ok || {
	bad "serve logged no warning"; tail -5 "$t/serve.log"; }
grep -q 'partner northwh: run:' "$t/serve.log" && bad "northwh ran before 06:00" || ok
[ "$(grep -c '"subject":"2026-12-10"' "$t/hook.jsonl")" -eq 1 ] && ok || bad "serve's hook call"
grep -q '<td>arrival:2</td><td>2026-12-10</td>' "$t/serve-report.html" && ok || bad "serve --report wrote no report with the warning"

echo "alerts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
