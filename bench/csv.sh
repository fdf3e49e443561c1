#!/bin/sh
# bench/csv.sh - CSV and nightly-delta figures for `make bench` (issue 16).
#
# 1. gen_items writes an item master of BENCH_CSV_ROWS rows (default
#    1,000,000, about 210 MB; the issue's figure is 5,000,000, about 1 GB:
#    BENCH_CSV_ROWS=5000000), the next night's file (1 % changed, 0.1 %
#    added and deleted) and a decimal-comma copy, into bench/data/.
# 2. csvread: CSV reading alone (comma and decimal-comma files), then
#    read + validate + map to JSON Lines with the bench-items layout:
#    MiB/s by wall time (target >= 300 for reading), MiB/s by CPU time
#    (user + sys, which a busy machine does not distort), peak RSS
#    (target < 64 MiB).
# 3. The nightly delta of the two files: `edigate delta` (wall, peak RSS
#    < 64 MiB) next to the same delta by LC_ALL=C sort + join in the same
#    run, and by DuckDB (bench/duckdb_delta.mjs: both files read as text
#    with their header, EXCEPT both ways); all must find the same numbers
#    of added, changed and deleted keys, or the run fails.  DuckDB's
#    package (@duckdb/node-api) is installed from npm by this script into
#    BENCH_NODE_DIR (default build/bench-node), never by make deps; without
#    node/npm or the registry, its figures are skipped with a message.
#
# Every figure goes through the same PASS/MISS lines and BENCH_OUT file
# as bench/run.sh.  Targets are reported, not asserted.
#
# Environment: BIN (build/rel), EDIGATE (./edigate), BENCH_CSV_ROWS,
# BENCH_OUT (build/bench-results.txt), BENCH_KEEP=1 keeps the files,
# BENCH_NODE_DIR, BENCH_DUCKDB=0 skips DuckDB.
set -eu

cd "$(dirname "$0")/.."

BIN=${BIN:-build/rel}
EDIGATE=${EDIGATE:-$(pwd)/edigate}
ROWS=${BENCH_CSV_ROWS:-1000000}
BENCH_OUT=${BENCH_OUT:-build/bench-results.txt}
T=$BIN/bench
DATA=bench/data
LAYOUT=tests/fixtures/csv/items_simple.layout.xml
LOG=$DATA/csv.log

die() {
	echo "bench csv: FAIL: $*" >&2
	exit 1
}

case $ROWS in '' | *[!0-9]*) die "BENCH_CSV_ROWS must be a whole number" ;; esac
for t in gen_items csvread rusage; do
	[ -x "$T/$t" ] || die "no $T/$t (run make bench)"
done
[ -x "$EDIGATE" ] || die "no edigate binary at '$EDIGATE'"
mkdir -p "$DATA"

figure() { # NAME VALUE OP TARGET UNIT (as bench/run.sh)
	awk -v n="$1" -v v="$2" -v op="$3" -v t="$4" -v u="$5" \
		-v out="$BENCH_OUT" 'BEGIN {
		ok = (op == ">=") ? v >= t : (op == "<=") ? v <= t : v < t
		r = ok ? "PASS" : "MISS"
		printf "  %-34s %10s %3s %-8s %s\n", n, v, op, t " " u, r
		printf "name=%s value=%s target=%s%s unit=%s result=%s\n", \
		    n, v, op, t, u, r >> out
	}'
}
info() { # NAME VALUE UNIT: a figure without a target
	printf "  %-34s %10s     %s\n" "$1" "$2" "$3"
	echo "name=$1 value=$2 unit=$3" >>"$BENCH_OUT"
}

# timed CMD...: run under rusage; sets wall, cpu, rss_mib
timed() {
	if ! "$T/rusage" "$@" >"$LOG.out" 2>"$LOG"; then
		tail -n 5 "$LOG" >&2
		die "'$*' failed"
	fi
	line=$(grep '^rusage: wall=' "$LOG" | tail -n 1)
	wall=$(echo "$line" | sed -n 's/.* wall=\([0-9.]*\).*/\1/p')
	cpu=$(echo "$line" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == "user" || kv[1] == "sys") s += kv[2] } print s }')
	rss_mib=$(echo "$line" | sed -n 's/.* maxrss_kb=\([0-9]*\).*/\1/p' |
		awk '{ printf "%.1f", $1 / 1024 }')
}

old=$DATA/items_old.csv new=$DATA/items_new.csv dc=$DATA/items_dc.csv
echo "== CSV item master: $ROWS rows"
"$T/gen_items" --rows "$ROWS" -o "$old" || die "gen_items"
"$T/gen_items" --rows "$ROWS" --variant new -o "$new" || die "gen_items"
"$T/gen_items" --rows "$ROWS" --decimal-comma -o "$dc" || die "gen_items"
bytes=$(wc -c <"$old" | tr -d ' ')
echo "  $old: $bytes bytes; $new; $dc"

mibs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }

timed "$T/csvread" read "$old"
figure csv_read_mib_s "$(mibs "$bytes" "$wall")" ">=" 300 MiB/s
info csv_read_cpu_mib_s "$(mibs "$bytes" "$cpu")" "MiB/s (CPU time)"
figure csv_read_peak_rss "$rss_mib" "<" 64 MiB
timed "$T/csvread" read "$dc" --decimal-comma
dcbytes=$(wc -c <"$dc" | tr -d ' ')
info csv_read_decimal_comma_mib_s "$(mibs "$dcbytes" "$wall")" MiB/s
timed "$T/csvread" map "$LAYOUT" "$old"
info csv_read_validate_map_mib_s "$(mibs "$bytes" "$wall")" MiB/s
info csv_read_validate_map_cpu_mib_s "$(mibs "$bytes" "$cpu")" "MiB/s (CPU time)"
figure csv_map_peak_rss "$rss_mib" "<" 64 MiB

echo "== nightly delta: 1 % changed, 0.1 % added and deleted"
timed "$EDIGATE" delta "$old" "$new" --layout "$LAYOUT" --tmp "$DATA" --json
ours="$(sed -n 's/.*"added":\([0-9]*\),"changed":\([0-9]*\),"deleted":\([0-9]*\).*/\1 \2 \3/p' "$LOG.out")"
[ -n "$ours" ] || die "edigate delta gave no counts: $(head -c 300 "$LOG.out")"
info delta_edigate_seconds "$wall" s
figure delta_edigate_peak_rss "$rss_mib" "<" 64 MiB
ewall=$wall
cat >"$DATA/sortjoin.sh" <<'EOF'
# the same delta with coreutils: key TAB line, sorted bytewise, joined
set -eu
k() { tail -n +2 "$1" | awk -F, '{ k = $1; sub(/^[^,]*,/, ""); print k "\t" $0 }' |
	LC_ALL=C sort -T "$3" >"$2"; }
k "$1" "$3/o.k" "$3" & k "$2" "$3/n.k" "$3"; wait
a=$(LC_ALL=C join -t "$(printf '\t')" -v 2 "$3/o.k" "$3/n.k" | wc -l)
c=$(LC_ALL=C join -t "$(printf '\t')" "$3/o.k" "$3/n.k" | awk -F'\t' '$2 != $3' | wc -l)
d=$(LC_ALL=C join -t "$(printf '\t')" -v 1 "$3/o.k" "$3/n.k" | wc -l)
echo "$a $c $d"
rm -f "$3/o.k" "$3/n.k"
EOF
timed sh "$DATA/sortjoin.sh" "$old" "$new" "$DATA"
theirs=$(cat "$LOG.out")
info delta_sort_join_seconds "$wall" s
info delta_sort_join_peak_rss "$rss_mib" "MiB (sort's own buffers)"
[ "$ours" = "$theirs" ] || die "delta counts differ: edigate '$ours', sort+join '$theirs'"
echo "  added/changed/deleted: edigate $ours, sort+join $theirs (same)"
figure delta_vs_sort_join "$(awk -v a="$ewall" -v b="$wall" 'BEGIN { printf "%.2f", b / a }')" ">=" 1 "x faster"

# DuckDB, installed here for the bench only.
ND=${BENCH_NODE_DIR:-build/bench-node}
duck=
if [ "${BENCH_DUCKDB:-1}" = 0 ]; then
	echo "  DuckDB: skipped (BENCH_DUCKDB=0)"
elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "  DuckDB: skipped (no node/npm on this machine)"
else
	mkdir -p "$ND"
	if [ ! -d "$ND/node_modules/@duckdb/node-api" ]; then
		echo "  installing @duckdb/node-api from npm into $ND"
		npm install --prefix "$ND" --no-audit --no-fund --silent \
			@duckdb/node-api >"$LOG" 2>&1 ||
			echo "  DuckDB: npm install failed ($(tail -n 1 "$LOG")): skipped"
	fi
	if [ -d "$ND/node_modules/@duckdb/node-api" ]; then
		cp bench/duckdb_delta.mjs "$ND/"
		duck=$ND/duckdb_delta.mjs
	fi
fi
if [ -n "$duck" ]; then
	timed node "$duck" "$old" "$new" sku
	dres=$(cat "$LOG.out")
	info delta_duckdb_seconds "$wall" s
	info delta_duckdb_peak_rss "$rss_mib" MiB
	[ "$ours" = "$dres" ] || die "delta counts differ: edigate '$ours', DuckDB '$dres'"
	echo "  added/changed/deleted: DuckDB $dres (same)"
	figure delta_vs_duckdb "$(awk -v a="$ewall" -v b="$wall" 'BEGIN { printf "%.2f", b / a }')" ">=" 1 "x faster"
fi

if [ "${BENCH_KEEP:-0}" != 1 ]; then
	rm -f "$old" "$new" "$dc"
fi
