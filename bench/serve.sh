#!/bin/sh
# The scheduler's idle overhead (issue 19.10): `edigate serve` with 200
# partners on 1-minute schedules over local folders (empty inboxes), for
# 10 minutes of its clock (EDIGATE_CLOCK_RATE=60: 10 real seconds), under
# bench/rusage.  Prints the CPU time per scheduled partner check (serve's
# CPU after it has loaded and checked the profiles, from /proc, divided by
# the runs it logged), the start-up CPU, and the peak RSS.  Each check is
# a whole `run` of the partner: list its inbox, record the run in the
# ledger (committed without a disk sync when the run did nothing else:
# ledger_pipeline.h), nothing else to do; serve keeps the ledger open
# between cycles.  Targets: < 1 ms of CPU per check, RSS < 32 MB.
#
#   BIN=build/rel EDIGATE=$PWD/edigate sh bench/serve.sh
# Environment: PARTNERS (200), MINUTES (10).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/build/rel}
E=${EDIGATE:-$root/edigate}
n=${PARTNERS:-200}
minutes=${MINUTES:-10}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
h="$t/home"
mkdir -p "$h/partners"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
python3 - "$root/tests/fixtures/map/home/partners/shopco.xml" "$h" "$n" <<'PY'
import re, sys, os
src, home, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = open(src).read()
for i in range(n):
    pid = 'p%03d' % i
    d = s.replace('id="shopco"', 'id="%s"' % pid)
    d = re.sub(r'(<partner-isa qualifier="\w+" id=")[^"]*"', r'\g<1>BENCH%05d"' % i, d)
    d = d.replace('drop/shopco/', 'drop/%s/' % pid)
    d = d.replace('</transport>', '  <schedule every="1m"/>\n  </transport>')
    os.makedirs('%s/drop/%s/in' % (home, pid))
    os.makedirs('%s/drop/%s/out' % (home, pid))
    open('%s/partners/%s.xml' % (home, pid), 'w').write(d)
PY
log="$t/serve.log"
EDIGATE_NOW=$(date +%s) EDIGATE_CLOCK_RATE=60 "$BIN/bench/rusage" \
    "$E" --home "$h" serve >"$log" 2>"$t/rusage" &
pid=$!
# the clock starts when serve has loaded the profiles: wait for it, then
# let it run for MINUTES of its clock
i=0
while ! grep -q 'serve: serving' "$log" 2>/dev/null; do
	sleep 0.2; i=$((i + 1))
	[ "$i" -lt 600 ] || { echo "serve did not start"; cat "$log" "$t/rusage"; exit 1; }
done
served=$(sed -n 's/.*serving \([0-9]*\) partner.*/\1/p' "$log")
spid=$(sed -n 's/.*serving .*(pid \([0-9]*\)).*/\1/p' "$log")
# CPU (clock ticks) spent loading and checking the profiles
c0=$(awk '{print $14 + $15}' "/proc/$spid/stat")
sleep "$minutes"
c1=$(awk '{print $14 + $15}' "/proc/$spid/stat")
kill -TERM "$spid"
wait "$pid"
checks=$(grep -c 'serve: partner p[0-9]*: run:' "$log")
failed=$(grep -c 'run failed\|left for the next run' "$log")
line=$(grep '^rusage:' "$t/rusage")
tick=$(getconf CLK_TCK)
python3 - "$line" "$checks" "$served" "$minutes" "$failed" "$c0" "$c1" "$tick" <<'PY'
import sys
kv = dict(f.split('=') for f in sys.argv[1].split()[1:])
checks, served, minutes, failed, c0, c1, tick = map(int, sys.argv[2:9])
cpu = float(kv['user']) + float(kv['sys'])
rss = int(kv['maxrss_kb']) / 1024
start = c0 / tick
per = (c1 - c0) / tick / checks * 1000 if checks else float('inf')
print('serve: %d partners on 1-minute schedules, %d minutes of its clock: '
      '%d checks (%d failed); CPU %.2f s in all (user %s, sys %s), '
      'of which %.2f s loading and checking the profiles'
      % (served, minutes, checks, failed, cpu, kv['user'], kv['sys'], start))
print('serve: %.3f ms CPU per partner check after start-up (target < 1 ms): %s' %
      (per, 'ok' if per < 1 else 'OVER'))
print('serve: peak RSS %.1f MB (target < 32 MB): %s' %
      (rss, 'ok' if rss < 32 else 'OVER'))
PY
