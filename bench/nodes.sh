#!/bin/sh
# Several nodes on one PostgreSQL ledger (issue 20, point 7): FILES small
# 850s (default 10000) spread over PARTNERS retailers (default 6, each its
# own ISA sender and local inbox), taken and processed by 1, 2 and 3
# nodes (`edigate run` loops, EDIGATE_NODE=n1..n3) on one home and one
# throw-away PostgreSQL (tests/e2e/pglib.sh).  For each node count, a new
# database and spool and the same inboxes: files/s from the first run's
# start to the last file accepted.  Beside them the copy-and-fsync floor:
# the same files copied into one folder, each fsynced, by one process
# (bench/copyfloor).  A partner is one node's at a time (its lease), so
# more nodes help only as far as there are partners to share.  The
# profiles delete what they took (after-pickup), so an empty inbox and
# no file left unfinished in the ledger end a node's loop.
#
#   BIN=build/rel EDIGATE=$PWD/edigate sh bench/nodes.sh
# Environment: FILES (10000), PARTNERS (6).  SKIP without PostgreSQL.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/build/rel}
E=${EDIGATE:-$root/edigate}
N=${FILES:-10000}
P=${PARTNERS:-6}
. "$root/tests/e2e/pglib.sh"
pg_find || { echo "SKIP: bench nodes: $pg_why"; exit 0; }
t=$(mktemp -d)
chmod 755 "$t"
trap 'pg_stop; rm -rf "$t"' EXIT
pg_start || { echo "bench nodes: cannot start PostgreSQL: $pg_why"; exit 1; }

# the inputs, once: FILE/PARTNERS per partner, each its own interchange
mkdir -p "$t/src"
python3 - "$root/tests/fixtures/map/850-good.x12" "$t/src" "$N" "$P" <<'PY'
import os, sys
src, out, n, p = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = open(src).read()
for k in range(p):
    os.makedirs('%s/r%d' % (out, k))
for i in range(n):
    k = i % p
    c = '%09d' % (1000 + i)
    d = s.replace('SHOPCOTEST', 'SHOPCOTE%02d' % k)
    d = d.replace('000000501', c).replace('*501*X*', '*%d*X*' % (1000 + i))
    d = d.replace('GE*1*501~', 'GE*1*%d~' % (1000 + i)).replace('PO-9001', 'PO-%d' % i)
    open('%s/r%d/po%05d.x12' % (out, k, i), 'w').write(d)
PY

home() { # DIR: a home with the PARTNERS profiles and full inboxes
	mkdir -p "$1/partners"
	ln -s "$root/edi" "$1/edi"
	ln -s "$root/schemas" "$1/schemas"
	k=0
	while [ $k -lt "$P" ]; do
		sed -e "s/id=\"shopco\"/id=\"r$k\"/" \
		    -e "s/SHOPCOTEST/SHOPCOTE$(printf %02d $k)/g" \
		    -e "s|drop/shopco/|drop/r$k/|" \
		    -e 's|<after-pickup action="leave"/>|<after-pickup action="delete"/>|' \
		    "$root/tests/fixtures/map/home/partners/shopco.xml" >"$1/partners/r$k.xml"
		mkdir -p "$1/drop/r$k/in"
		cp "$t/src/r$k"/* "$1/drop/r$k/in/"
		k=$((k + 1))
	done
	touch -d '1 hour ago' "$1"/drop/*/in/*
}

now_ms() { date +%s%3N; }

echo "bench nodes: $N files over $P partners, PostgreSQL on 127.0.0.1"
for nodes in 1 2 3; do
	h="$t/h$nodes"
	home "$h"
	url=$(pg_newdb b$nodes)
	t0=$(now_ms)
	k=1
	while [ $k -le "$nodes" ]; do
		(
			r=0
			while [ $r -lt 200 ]; do
				r=$((r + 1))
				EDIGATE_NODE=n$k "$E" --home "$h" --ledger "$url" \
				    run --quiet >/dev/null 2>>"$t/err$nodes"
				left=$(pg_sql b$nodes "SELECT count(*) FROM files WHERE state NOT IN ('accepted','partial','rejected','duplicate')")
				[ -z "$(find "$h/drop" -path '*/in/*' -type f | head -1)" ] &&
					[ "$left" = 0 ] && break
			done
		) &
		k=$((k + 1))
	done
	wait
	t1=$(now_ms)
	done_n=$(pg_sql b$nodes "SELECT count(*) FROM files WHERE state='accepted'")
	ms=$((t1 - t0))
	echo "nodes=$nodes files=$done_n ms=$ms files_per_s=$(awk -v n="$done_n" -v ms="$ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')"
	[ "$done_n" = "$N" ] || { echo "  only $done_n of $N accepted:"; tail -5 "$t/err$nodes"; }
	rm -rf "$h"
done
if [ -x "$BIN/bench/copyfloor" ]; then
	mkdir -p "$t/all" "$t/floor"
	cp "$t/src"/r*/* "$t/all/"
	"$BIN/bench/copyfloor" "$t/all" "$t/floor"
fi
