#!/bin/sh
# `edigate serve` as a real process (issue 19, points 1, 4 and 9): a
# temporary home with local-folder partners, serve's clock started at
# the real time and run 60 times faster (EDIGATE_NOW, EDIGATE_CLOCK_RATE),
# files dropped and taken on schedule, the spool lock shared with `run`,
# a failing partner backing off while the others keep their times,
# SIGHUP with a broken profile (the old one keeps running) and with a
# good one, SIGTERM in the middle of a run (it finishes and stops, nothing
# half-done), the /metrics page scraped and the textfile parsed as the
# Prometheus text format, and an idle serve using no CPU.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/serve.sh
# POSIX sh; needs python3, sqlite3 and flock.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"

for tool in python3 sqlite3 flock; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: serve: $tool not found"; exit 0; }
done

h="$t/home"
mkdir -p "$h"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
cp -R "$fx/home/partners" "$h/partners"
for p in shopco northwh depot southwh; do mkdir -p "$h/drop/$p/in"; done
E="$bin --home $h"
db="$h/spool/ledger.db"
log="$t/serve.log"
prom="$t/textfile/edigate.prom"
mkdir -p "$t/textfile"

# schedule(PARTNER, ELEMENT): put a <schedule> into a profile
schedule() {
	python3 - "$h/partners/$1.xml" "$2" <<'EOF'
import re, sys
p, el = sys.argv[1], sys.argv[2]
s = re.sub(r'\s*<schedule[^>]*/>|\s*<schedule.*?</schedule>', '', open(p).read(), flags=re.S)
open(p, "w").write(s.replace('</transport>', '  ' + el + '\n  </transport>'))
EOF
}
# An 850 like 850-good with another ISA13/GS06 and PO number.
mk850() { # OUT ISA13 PO
	python3 - "$fx/850-good.x12" "$1" "$2" "$3" <<'EOF'
import sys
src, out, isa, po = sys.argv[1:5]
isa = '%09d' % int(isa)
s = open(src).read()
s = s.replace("000000501", isa).replace("PO-9001", po)
gs = str(int(isa))
s = s.replace("*501*X*", "*%s*X*" % gs).replace("GE*1*501", "GE*1*" + gs)
open(out, "w").write(s)
EOF
}
# drop PARTNER FILE...: into the inbox at once (renamed in), old enough
# to be complete (stable-for)
drop() {
	_p=$1; shift
	rm -rf "$t/stage"; mkdir -p "$t/stage"
	cp "$@" "$t/stage/"
	touch -d '1 hour ago' "$t"/stage/*
	mv "$t"/stage/* "$h/drop/$_p/in/"
}
# mark: later wait_log and count_log look only at lines logged after it
mark() { from=$(($(wc -l <"$log") + 1)); }
from=1
since() { tail -n +"$from" "$log"; }
# wait_log PATTERN [SECONDS]: the serve log matches, within the time
wait_log() {
	_n=0
	while ! since | grep -qE -- "$1"; do
		_n=$((_n + 1))
		if [ "$_n" -gt $((${2:-20} * 10)) ]; then
			bad "serve log lacks /$1/ after ${2:-20} s"
			tail -5 "$log" | sed 's/^/    /'
			return 1
		fi
		sleep 0.1
	done
	ok
}
count_log() { since | grep -cE -- "$1"; }
# serve opens the ledger for each cycle: wait for it rather than fail
q() { sqlite3 -cmd '.timeout 20000' "$db" "$1"; }
start_serve() { # extra options
	: >"$log"; from=1
	EDIGATE_NOW=$(date +%s) EDIGATE_CLOCK_RATE=60 $E serve \
	    --metrics 127.0.0.1:0 --metrics-file "$prom" "$@" >>"$log" 2>&1 &
	spid=$!
	wait_log 'serve: serving [0-9]+ partner' 60
	port=$(sed -n 's/.*figures on .* (port \([0-9]*\)).*/\1/p' "$log" | head -1)
}

# --- usage and refusals -----------------------------------------------------
expect_exit 0 $E serve --help
expect_out '^Usage: edigate serve'
expect_out 'SIGHUP'
expect_out '75 another run held'
expect_exit 2 $E serve --every 2s; expect_err '--every needs a duration'
expect_exit 2 $E serve --bogus; expect_err "unknown argument '--bogus'"
expect_exit 2 $E serve --partner nosuch; expect_err "no partner 'nosuch'.*the partners are: depot, northwh, shopco, southwh"
[ -e "$h/spool" ] && bad "a usage error made a spool" || ok
# no partner has a schedule yet: nothing to serve
expect_exit 2 $E serve
expect_err 'no partner to serve'
expect_err 'partner shopco: not served: its profile has no <transport><schedule>'
expect_exit 2 $E serve --every 1m --metrics nonsense
expect_err '--metrics needs ADDRESS:PORT'

# --- 1. files are taken on schedule; cron in a time zone --------------------
schedule shopco '<schedule every="1m"/>'
schedule northwh '<schedule cron="*/5 * * * *" tz="America/Chicago"/>'
schedule depot '<schedule every="2m"><window days="sun" from="00:00" to="00:01"/></schedule>'
expect_exit 0 $E partner check shopco
mk850 "$t/a.x12" 000000701 PO-S1
drop shopco "$t/a.x12"
start_serve
expect_out_log() { grep -qE -- "$1" "$log" && ok || { bad "serve log lacks /$1/"; head -20 "$log" | sed 's/^/    /'; }; }
expect_out_log 'partner shopco: scheduled \(every 1m\), next run'
# the cron schedule is read in Chicago time: due on a multiple of 5 min
expect_out_log "partner northwh: scheduled \\(cron '\\*/5 \\* \\* \\* \\*' America/Chicago\\), next run [0-9-]+ [0-9]{2}:[0-5][05]:00 C[SD]T"
expect_out_log 'partner depot: scheduled \(every 2m, 1 window\(s\)\)'
expect_out_log 'partner southwh: not served: its profile has no <transport><schedule>'
wait_log 'partner shopco: run: 1 file\(s\) taken, 1 accepted' 30
expect_sql() { got=$(q "$1"); [ "$got" = "$2" ] && ok || bad "sql: $1: got '$got', want '$2'"; }
expect_sql "SELECT count(*) FROM files WHERE partner='shopco' AND state='accepted'" 1
# a second file, dropped while serve sleeps, is taken at the next run
mark
mk850 "$t/b.x12" 000000702 PO-S2
drop shopco "$t/b.x12"
wait_log 'partner shopco: run: 1 file\(s\) taken, 1 accepted' 30
expect_sql "SELECT count(*) FROM files WHERE partner='shopco' AND state='accepted'" 2
# each run of a 1-minute partner sets its next run within the minute
# after it (serve's clock, which runs 60 times faster here)
python3 - "$log" <<'EOF' && ok || bad "shopco's next runs are not a minute apart"
import re, sys
from datetime import datetime
runs = re.findall(r'(\S+) serve: partner shopco: run: .*next run (\S+ \S+) UTC', open(sys.argv[1]).read())
assert len(runs) >= 2, runs
for at, nxt in runs:
    d = (datetime.strptime(nxt, '%Y-%m-%d %H:%M:%S') -
         datetime.strptime(at, '%Y-%m-%dT%H:%M:%SZ')).total_seconds()
    assert 0 < d <= 60, (at, nxt)
EOF

# --- 2. the spool lock: cron's `run` and serve never work together ----------
# serve holds the lock only while it runs partners: `run` gets it
# (waiting at most for the cycle in progress)
expect_exit 0 $E run --partner southwh --quiet --wait=30
# while another run holds the lock, serve waits and takes the file after
mk850 "$t/c.x12" 000000703 PO-S3
mark
flock "$h/spool/run.lock" sleep 3 &
lpid=$!
sleep 0.3
drop shopco "$t/c.x12"
wait_log 'the spool is busy \(another edigate run holds its lock\)' 20
expect_sql "SELECT count(*) FROM files WHERE partner='shopco'" 2
wait "$lpid"
wait_log 'the spool is free again' 20
wait_log "partner shopco: run: 1 file\\(s\\) taken, 1 accepted" 20
expect_sql "SELECT count(*) FROM files WHERE partner='shopco' AND state='accepted'" 3

# --- 3. metrics: /metrics scraped, the textfile parsed -------------------------
scrape /metrics
grep -q '^200 text/plain; version=0.0.4' "$t/status" && ok || bad "GET /metrics: $(cat "$t/status")"
if parse_metrics "$t/page" >"$t/page.parsed" 2>"$t/perr"; then ok; else
	bad "/metrics is not the Prometheus text format"; sed 's/^/    /' "$t/perr" | tail -3; fi
expect_metric "$t/page.parsed" 'edigate_files_total{partner="shopco",direction="in",outcome="accepted"}' 3
expect_metric "$t/page.parsed" 'edigate_documents_total{partner="shopco",direction="in",document="850",outcome="accepted"}' 3
size=$(($(wc -c <"$t/a.x12") + $(wc -c <"$t/b.x12") + $(wc -c <"$t/c.x12")))
expect_metric "$t/page.parsed" 'edigate_transferred_bytes_total{partner="shopco",direction="in"}' "$size"
expect_metric "$t/page.parsed" 'edigate_transferred_files_total{partner="shopco",direction="in"}' 3
expect_metric "$t/page.parsed" 'edigate_quarantine_depth{partner="shopco"}' 0
expect_metric "$t/page.parsed" 'edigate_records_total{partner="shopco"}' 3
grep -qE '^edigate_serve_lock_busy_total [1-9]' "$t/page.parsed" && ok || bad "lock_busy not counted"
grep -qE '^edigate_last_success_timestamp_seconds\{partner="shopco"\} [0-9]{10}$' "$t/page.parsed" && ok || bad "no last success time"
grep -qE '^edigate_run_duration_seconds_count\{partner="shopco"\} [1-9]' "$t/page.parsed" && ok || bad "no run durations"
# a transfer each: the three files fetched (at least: after-pickup
# "leave" fetches a file again to compare its bytes), the acks put
grep -qE '^edigate_transfer_duration_seconds_count\{partner="shopco",direction="in"\} ([3-9]|[1-9][0-9]+)$' "$t/page.parsed" && ok || bad "fewer than 3 inbound transfer durations"
grep -qE '^edigate_transfer_duration_seconds_count\{partner="shopco",direction="out"\} [1-9]' "$t/page.parsed" && ok || bad "no outbound transfer durations"
# no service levels here: no alert open (acknowledgements overdue:
# alerts.sh, where a profile expects them)
expect_metric "$t/page.parsed" 'edigate_alerts_open{partner="shopco",level="alert"}' 0
expect_metric "$t/page.parsed" 'edigate_alerts_open{partner="shopco",level="warning"}' 0
scrape /nothing
grep -q '^404' "$t/status" && ok || bad "GET /nothing: $(cat "$t/status")"
# the textfile: the same format, written whole (no temporary left)
if parse_metrics "$prom" >"$t/prom.parsed" 2>"$t/perr"; then ok; else
	bad "the textfile is not the Prometheus text format"; sed 's/^/    /' "$t/perr" | tail -3; fi
expect_metric "$t/prom.parsed" 'edigate_files_total{partner="shopco",direction="in",outcome="accepted"}' 3
expect_metric "$t/prom.parsed" 'edigate_alerts_open{partner="shopco",level="alert"}' 0
[ "$(ls -A "$t/textfile")" = edigate.prom ] && ok || bad "textfile folder holds $(ls -A "$t/textfile")"

# --- 4. a failing partner backs off; the others keep their times ------------
schedule southwh '<schedule every="1m"/>'
mark
kill -HUP "$spid"
wait_log 'partner southwh: scheduled \(every 1m\)' 20
rmdir "$h/drop/southwh/in"
wait_log 'partner southwh: run failed .*failure 1 in a row' 30
wait_log 'partner southwh: run failed .*failure 3 in a row' 60
python3 - "$log" <<'EOF' && ok || bad "southwh did not back off"
import re, sys
from datetime import datetime
lines = open(sys.argv[1]).read().split('\n')
fails = []
for l in lines:
    m = re.match(r'(\S+) serve: partner southwh: run failed .*failure (\d+) in a row, next try (\S+ \S+) UTC', l)
    if m:
        at = datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%SZ')
        nxt = datetime.strptime(m.group(3), '%Y-%m-%d %H:%M:%S')
        fails.append((int(m.group(2)), (nxt - at).total_seconds()))
# 1 minute schedule: the waits grow to 2 and 4 minutes after 2 and 3 failures
d = dict(fails)
assert d[2] >= 119 and d[3] >= 239, fails
EOF
# meanwhile shopco ran on its minute
n0=$(count_log 'partner shopco: run:')
mark
mk850 "$t/d.x12" 000000704 PO-S4
drop shopco "$t/d.x12"
wait_log 'partner shopco: run: 1 file\(s\) taken, 1 accepted' 30
[ "$n0" -ge 2 ] && ok || bad "shopco stopped while southwh failed"
mkdir -p "$h/drop/southwh/in"

# --- 5. SIGHUP: a broken profile keeps the old one running ------------------
cp "$h/partners/shopco.xml" "$t/shopco.good"
schedule shopco '<schedule cron="61 * * * *"/>'
mark
kill -HUP "$spid"
wait_log "partner shopco: its changed profile fails .edigate partner check. \\(.*'61' is not a minute.*\\): still serving the profile loaded before" 20
mk850 "$t/e.x12" 000000705 PO-S5
drop shopco "$t/e.x12"
wait_log "partner shopco: run: 1 file\\(s\\) taken, 1 accepted" 30
expect_sql "SELECT count(*) FROM files WHERE partner='shopco' AND state='accepted'" 5
# a profile that does not even load: the same
echo '<partner' >"$h/partners/shopco.xml"
mark
kill -HUP "$spid"
wait_log "partner shopco: its changed profile fails .*not well-formed.*still serving the profile loaded before" 20
scrape /metrics
parse_metrics "$t/page" >"$t/page.parsed" 2>/dev/null
expect_metric "$t/page.parsed" 'edigate_serve_reloads_total{outcome="kept-old"}' 2
# a good profile is taken, with its new schedule
cp "$t/shopco.good" "$h/partners/shopco.xml"
schedule shopco '<schedule every="2m"/>'
mark
kill -HUP "$spid"
wait_log 'partner shopco: profile reloaded \(every 2m\)' 20

# --- 6. SIGTERM in the middle of a run: it finishes, then stops -------------
mkdir -p "$t/many"
python3 - "$fx/850-good.x12" "$t/many" <<'EOF'
import sys
src, out = sys.argv[1:3]
s = open(src).read()
for i in range(40):
    isa = '%09d' % (800 + i)
    d = s.replace("000000501", isa).replace("PO-9001", "PO-M%d" % i)
    d = d.replace("*501*X*", "*%d*X*" % (800 + i)).replace("GE*1*501", "GE*1*%d" % (800 + i))
    open('%s/m%02d.x12' % (out, i), 'w').write(d)
EOF
n_before=$(q "SELECT count(*) FROM files")
mark
drop shopco "$t"/many/*.x12
wait_log 'serve: partner shopco: received m' 30
kill -TERM "$spid"
wait "$spid"; rc=$?; spid=
[ "$rc" -eq 0 ] && ok || bad "serve exit $rc after SIGTERM, want 0"
wait_log 'serve: stopped' 5
# the run in progress was finished: every file it took is decided and
# published, none is left received or processed, nothing stays in work/
expect_sql "SELECT count(*) FROM files WHERE state IN ('received','processed')" 0
taken=$(($(q "SELECT count(*) FROM files") - n_before))
[ "$taken" -ge 1 ] && ok || bad "the run in progress took nothing"
[ -z "$(ls -A "$h/spool/work" 2>/dev/null)" ] && ok || bad "spool/work not empty after SIGTERM"
# and the lock was let go: a run takes what was left, and writes its
# figures as a textfile too (batch-job gauges)
acc0=$(q "SELECT count(*) FROM files WHERE partner='shopco' AND state='accepted'")
expect_exit 0 $E run --partner shopco --quiet --metrics-file "$t/textfile/run.prom"
expect_sql "SELECT count(*) FROM files WHERE partner='shopco' AND state='accepted'" 45
if parse_metrics "$t/textfile/run.prom" >"$t/run.parsed" 2>"$t/perr"; then ok; else
	bad "run's textfile is not the Prometheus text format"; sed 's/^/    /' "$t/perr" | tail -3; fi
expect_metric "$t/run.parsed" 'edigate_run_last_files{partner="shopco",direction="in",outcome="accepted"}' $((45 - acc0))
expect_metric "$t/run.parsed" 'edigate_run_last_ok{partner="shopco"}' 1
expect_metric "$t/run.parsed" 'edigate_quarantine_depth{partner="shopco"}' 0
grep -qE '^edigate_last_success_timestamp_seconds\{partner="shopco"\} [0-9]{10}$' "$t/run.parsed" && ok || bad "run's textfile has no last success"

# --- 7. idle: asleep until the next due time, no CPU ------------------------
schedule shopco '<schedule every="1h"/>'
: >"$log"; from=1
$E serve --partner shopco >>"$log" 2>&1 &
spid=$!
wait_log 'serve: serving 1 partner' 60
wait_log 'partner shopco: run: .*next run' 60
sleep 0.5
c0=$(awk '{print $14 + $15}' "/proc/$spid/stat")
sleep 3
c1=$(awk '{print $14 + $15}' "/proc/$spid/stat")
# clock ticks (1/100 s): an idle serve sleeps in poll()
[ $((c1 - c0)) -le 2 ] && ok || bad "idle serve used $((c1 - c0)) clock ticks in 3 s"
kill -TERM "$spid"; wait "$spid"; spid=

echo "serve: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
