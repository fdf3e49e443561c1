#!/bin/sh
# bench/run.sh - throughput and memory figures for `make bench`.
#
# Every figure is printed with its target and PASS/MISS, and written as one
# line to BENCH_OUT (default build/bench-results.txt), so the next change
# can be compared with this one:
#   name=envelope_vs_floor value=0.71 target=>=0.90 unit=ratio result=MISS
# Ratios are measured in one run, on the machine it runs on (best of
# BENCH_RUNS for each contender, alternating), since absolute speeds move
# with the processor and with whoever else shares it.
#
# 1. Generates X12 004010 data into bench/data/ (gitignored) with gen_x12:
#    a BENCH_MB MiB 856 file (default 100) and small 940 and 945 files.
# 2. Runs `edigate validate --envelope` on every generated file.  Each must
#    exit 0: a generated file that does not validate is a bug in the
#    generator or in edigate, and the run fails loudly.
# 3. Times the memchr floor (bench/floor.c) and `edigate validate
#    --envelope` on the 856 file, BENCH_RUNS times each (default 3),
#    alternating, under bench/rusage, and prints a table: throughput of
#    each (best run), the ratio edigate/floor (target >= 0.50) and
#    edigate's peak RSS (target < 16 MiB), with PASS/MISS per target:
#    envelope >= 0.90 of the floor, full guide validation >= 0.50.
# 4. Mapping to JSON Lines (`edigate map`, records to standard output)
#    alternating with full validation: map/validation >= 0.50, records/s.
# 5. The largest set mapping takes: one order of 199,998 items (200,000
#    HLs, the 856 guide's most): mapped in <= 2 s (wall, and CPU user +
#    sys, which moves less with the machine's load), peak RSS < 64 MiB
#    with `edigate map` and with `edigate run` (one file, fresh spool).
#    And the largest file the default limits allow (100 MB) as one set
#    of 1,450,000 items: refused by name, peak RSS < 64 MiB.
# 6. With BENCH_BIG=1 (the default), a BENCH_BIG_MB file (default 1024):
#    `map` streams it in peak RSS < 32 MiB, and `validate --envelope`
#    peak RSS does not grow with the input.
#
# Targets are reported, not asserted: a MISS does not fail the run.  The
# run fails when a generated file does not validate, when a timed command
# exits non-zero or when a tool is missing.
#
# Units: MiB = 2^20 bytes, for throughput and RSS alike.  Wall times come
# from rusage and include process start-up for both contenders.
#
# Environment: BIN (build dir holding bench/{gen_x12,floor,rusage}, default
# build/rel; missing tools are compiled from bench/*.c), EDIGATE (the
# binary, default ./edigate), BENCH_MB, BENCH_RUNS, BENCH_SEED (default 1),
# BENCH_SMALL_MB (940/945 size, default 4), BENCH_BIG, BENCH_BIG_MB,
# BENCH_KEEP=1 keeps the big file.
set -eu

cd "$(dirname "$0")/.."

BIN=${BIN:-build/rel}
EDIGATE=${EDIGATE:-$(pwd)/edigate}
BENCH_MB=${BENCH_MB:-100}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_SMALL_MB=${BENCH_SMALL_MB:-4}
BENCH_BIG=${BENCH_BIG:-1}
BENCH_BIG_MB=${BENCH_BIG_MB:-1024}
BENCH_KEEP=${BENCH_KEEP:-0}

DATA=bench/data
T=$BIN/bench
MIB=1048576
RATIO_TARGET=0.90
FULL_TARGET=0.50
MAP_TARGET=0.50
RSS_TARGET_MIB=16
MAP_RSS_TARGET_MIB=32
SET_RSS_TARGET_MIB=64
SET_SECONDS_TARGET=2
SET_ITEMS=199998
BENCH_OUT=${BENCH_OUT:-build/bench-results.txt}

die() {
	echo "bench: FAIL: $*" >&2
	exit 1
}

whole() {
	case $2 in
	'' | *[!0-9]*) die "$1 must be a whole number, not '$2'" ;;
	esac
	[ "$2" -gt 0 ] || die "$1 must be at least 1"
}

whole BENCH_MB "$BENCH_MB"
whole BENCH_RUNS "$BENCH_RUNS"
whole BENCH_SEED "$BENCH_SEED"
whole BENCH_SMALL_MB "$BENCH_SMALL_MB"
whole BENCH_BIG_MB "$BENCH_BIG_MB"

[ -x "$EDIGATE" ] || die "no edigate binary at '$EDIGATE' (run make first)"

# The Makefile builds the tools; when run by hand, build what is missing.
for t in gen_x12 floor rusage; do
	[ -x "$T/$t" ] && continue
	mkdir -p "$T"
	echo "bench: building $T/$t"
	${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
		-Wformat=2 -O2 -Iinclude -o "$T/$t" "bench/$t.c" ||
		die "cannot build $T/$t"
done

mkdir -p "$DATA"
RESULTS=$DATA/results.txt
LOG=$DATA/run.log
SUMMARY=$DATA/summary.txt

# figure NAME VALUE OP TARGET UNIT: print one target line and append it
# to $BENCH_OUT (OP is >= , <= or <).
figure() {
	awk -v n="$1" -v v="$2" -v op="$3" -v t="$4" -v u="$5" \
		-v out="$BENCH_OUT" 'BEGIN {
		ok = (op == ">=") ? v >= t : (op == "<=") ? v <= t : v < t
		r = ok ? "PASS" : "MISS"
		printf "  %-34s %10s %3s %-8s %s\n", n, v, op, t " " u, r
		printf "name=%s value=%s target=%s%s unit=%s result=%s\n", \
		    n, v, op, t, u, r >> out
	}'
}

# gen SET MIB FILE [gen_x12 options...]
gen() {
	set_=$1 mib_=$2 file_=$3
	shift 3
	"$T/gen_x12" --set "$set_" --size $((mib_ * MIB)) \
		--seed "$BENCH_SEED" -o "$file_" "$@" ||
		die "gen_x12 --set $set_ failed"
	printf '  %-28s %12s bytes\n' "$file_" "$(wc -c <"$file_" | tr -d ' ')"
}

# validate FILE: edigate must accept every generated file.
validate() {
	if "$EDIGATE" validate --envelope "$1" >"$LOG" 2>&1; then
		rc_=0
	else
		rc_=$?
	fi
	if [ "$rc_" -ne 0 ]; then
		{
			echo "bench: FAIL: '$EDIGATE validate --envelope $1'" \
				"exited $rc_; generated files must be valid."
			echo "---- last lines of its output ($LOG):"
			tail -n 25 "$LOG"
			echo "----"
		} >&2
		exit 1
	fi
	echo "  $1: valid (exit 0)"
}

# timed LABEL CMD...: one run under rusage, appended to $RESULTS.
timed() {
	label_=$1
	shift
	if "$T/rusage" "$@" >/dev/null 2>"$LOG"; then
		rc_=0
	else
		rc_=$?
	fi
	line_=$(grep '^rusage: wall=' "$LOG" | tail -n 1 || true)
	if [ "$rc_" -ne 0 ]; then
		tail -n 25 "$LOG" >&2
		die "$label_: '$*' exited $rc_"
	fi
	wall_=$(echo "$line_" | sed -n 's/.* wall=\([0-9.]*\).*/\1/p')
	rss_=$(echo "$line_" | sed -n 's/.* maxrss_kb=\([0-9]*\).*/\1/p')
	cpu_=$(echo "$line_" | awk '{ for (i = 1; i <= NF; i++) {
		split($i, kv, "="); if (kv[1] == "user" || kv[1] == "sys") c += kv[2] }
		printf "%.3f", c }')
	if [ -z "$wall_" ] || [ -z "$rss_" ]; then
		die "cannot read rusage output: '$line_'"
	fi
	echo "$label_ $wall_ $rss_ $cpu_" >>"$RESULTS"
	printf '  %-8s wall %9.4f s   peak RSS %8d KiB\n' "$label_" \
		"$wall_" "$rss_"
}

# measure FILE RUNS [VALIDATE-OPTION]: alternate floor and edigate runs on
# FILE; the option is --envelope by default ("" for full guide validation).
measure() {
	: >"$RESULTS"
	i_=1
	mode_=${3---envelope}
	while [ "$i_" -le "$2" ]; do
		echo " run $i_/$2"
		timed floor "$T/floor" "$1"
		# shellcheck disable=SC2086
		timed edigate "$EDIGATE" validate $mode_ "$1"
		i_=$((i_ + 1))
	done
}

# report TITLE FILE [LABEL RATIO]: print the table for the runs in
# $RESULTS and write "ratio edigate_maxrss_kib floor_mib_s edigate_mib_s"
# to $SUMMARY.
report() {
	bytes_=$(wc -c <"$2" | tr -d ' ')
	awk -v bytes="$bytes_" -v title="$1" -v file="$2" -v sum="$SUMMARY" \
		-v rt="${4:-$RATIO_TARGET}" -v mt="$RSS_TARGET_MIB" \
		-v label="${3:-edigate validate --envelope}" '
	{
		if (!($1 in best) || $2 < best[$1]) best[$1] = $2
		if (!($1 in rss) || $3 > rss[$1]) rss[$1] = $3
		n[$1]++
	}
	END {
		mib = bytes / 1048576
		fs = mib / best["floor"]; es = mib / best["edigate"]
		ratio = es / fs
		erss = rss["edigate"] / 1024
		printf "\n== %s: %s, %.1f MiB (%d bytes), best of %d runs ==\n", \
		    title, file, mib, bytes, n["edigate"]
		printf "  %-30s %10s %12s %14s\n", "", "MiB/s", "best wall s", \
		    "peak RSS MiB"
		printf "  %-30s %10.1f %12.4f %14.1f\n", "floor (memchr pass)", \
		    fs, best["floor"], rss["floor"] / 1024
		printf "  %-30s %10.1f %12.4f %14.1f\n", \
		    label, es, best["edigate"], erss
		printf "\n  %-30s %10s %8s\n", "target", "figure", "result"
		printf "  %-30s %10.2f %8s\n", "edigate/floor >= " rt, ratio, \
		    (ratio >= rt ? "PASS" : "MISS")
		printf "  %-30s %10.1f %8s\n", "edigate peak RSS < " mt " MiB", \
		    erss, (erss < mt ? "PASS" : "MISS")
		printf "%.4f %d %.1f %.1f\n", ratio, rss["edigate"], fs, es \
		    > sum
	}' "$RESULTS"
}

CPU=$(grep -m 1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' ||
	true)
echo "edigate bench: $(uname -sm), $CPU"
mkdir -p "$(dirname "$BENCH_OUT")"
echo "# edigate bench $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -sm) cpu=\"$CPU\"" \
	"cores=$(nproc 2>/dev/null || echo ?) runs=$BENCH_RUNS" \
	"commit=$(git rev-parse --short HEAD 2>/dev/null || echo ?)" >"$BENCH_OUT"
echo "edigate: $EDIGATE"

F856=$DATA/bench-856.x12
F940=$DATA/bench-940.x12
F945=$DATA/bench-945.x12

echo
echo "== generating (seed $BENCH_SEED) =="
gen 856 "$BENCH_MB" "$F856"
gen 940 "$BENCH_SMALL_MB" "$F940" --group-sets 500 --interchange-groups 4
gen 945 "$BENCH_SMALL_MB" "$F945" --group-sets 500 --interchange-groups 4

echo
echo "== validating the generated files =="
validate "$F856"
validate "$F940"
validate "$F945"

echo
echo "== timing on $F856 =="
measure "$F856" "$BENCH_RUNS"
report "856 ship notices" "$F856"
read -r ratio rss_kib floor_mibs edigate_mibs <"$SUMMARY"
echo
echo "bench: result floor_mib_s=$floor_mibs edigate_mib_s=$edigate_mibs" \
	"ratio=$ratio maxrss_kb=$rss_kib"
echo
figure floor_mib_s "$floor_mibs" ">=" 0 MiB/s
figure envelope_mib_s "$edigate_mibs" ">=" 0 MiB/s
figure envelope_vs_floor "$(printf %.2f "$ratio")" ">=" "$RATIO_TARGET" ratio
figure envelope_maxrss_mib "$(awk -v k="$rss_kib" 'BEGIN{printf "%.1f", k/1024}')" \
	"<" "$RSS_TARGET_MIB" MiB

# Full validation against the shipped implementation guides, when the
# edigate home has a guide for the 856 (target: a quarter of the floor).
if "$EDIGATE" validate --json "$F856" 2>/dev/null | head -c 2000000 |
	grep -q '"guided":[1-9]'; then
	echo
	echo "== timing full guide validation on $F856 =="
	measure "$F856" "$BENCH_RUNS" ""
	report "856 ship notices, full guide validation" "$F856" \
		"edigate validate (guides)" "$FULL_TARGET"
	read -r gratio grss_kib _ gmibs <"$SUMMARY"
	echo
	echo "bench: result guides_mib_s=$gmibs ratio=$gratio" \
		"maxrss_kb=$grss_kib"
	echo
	figure full_mib_s "$gmibs" ">=" 0 MiB/s
	figure full_vs_floor "$(printf %.2f "$gratio")" ">=" "$FULL_TARGET" ratio
	figure full_maxrss_mib "$(awk -v k="$grss_kib" 'BEGIN{printf "%.1f", k/1024}')" \
		"<" "$RSS_TARGET_MIB" MiB
else
	echo
	echo "bench: no 856 guide in the edigate home: full validation skipped"
fi

# Mapping: the 856s to canonical records (JSON Lines to standard output,
# thrown away), through a partner profile in a temporary home that uses
# this home's edi/ and schemas/; alternating with full validation, so
# the ratio map/validation is measured in one run.
MH=
if [ -f edi/maps/856.xml ]; then
	MH=$(mktemp -d)
	mkdir -p "$MH/partners"
	ln -s "$(pwd)/edi" "$MH/edi"
	ln -s "$(pwd)/schemas" "$MH/schemas"
	cp bench/home/partners/benchasn.xml "$MH/partners/"
	echo
	echo "== timing mapping to JSON Lines on $F856 (with full validation) =="
	: >"$RESULTS"
	i_=1
	while [ "$i_" -le "$BENCH_RUNS" ]; do
		echo " run $i_/$BENCH_RUNS"
		timed validate "$EDIGATE" validate "$F856"
		timed map "$EDIGATE" --home "$MH" map --partner benchasn \
			--format jsonl "$F856"
		i_=$((i_ + 1))
	done
	mrecs=$(sed -n 's/.*: \([0-9]*\) record(s) from.*/\1/p' "$LOG" |
		tail -n 1)
	[ -n "$mrecs" ] || die "map did not say how many records it made"
	mbytes=$(wc -c <"$F856" | tr -d ' ')
	awk -v b="$mbytes" -v r="$mrecs" '
	{
		if (!($1 in best) || $2 < best[$1]) best[$1] = $2
		if (!($1 in rss) || $3 > rss[$1]) rss[$1] = $3
	}
	END {
		mib = b / 1048576
		printf "  map: %d records, %.1f MiB/s, %.0f records/s, peak RSS" \
		    " %.1f MiB; validate %.1f MiB/s (best of each)\n", r, \
		    mib / best["map"], r / best["map"], rss["map"] / 1024, \
		    mib / best["validate"]
		printf "%.1f %.0f %.2f %.1f\n", mib / best["map"], \
		    r / best["map"], best["validate"] / best["map"], \
		    rss["map"] / 1024 > "'"$SUMMARY"'"
	}' "$RESULTS"
	read -r map_mibs map_recs map_ratio map_rss <"$SUMMARY"
	echo "bench: result map_mib_s=$map_mibs map_records_s=$map_recs" \
		"map_vs_validate=$map_ratio map_maxrss_mib=$map_rss"
	echo
	figure map_mib_s "$map_mibs" ">=" 0 MiB/s
	figure map_records_s "$map_recs" ">=" 0 records/s
	figure map_vs_full "$map_ratio" ">=" "$MAP_TARGET" ratio
	figure map_maxrss_mib "$map_rss" "<" "$MAP_RSS_TARGET_MIB" MiB

	# The largest set: one order of SET_ITEMS items (one HL each).
	FSET=$DATA/bench-856-order.x12
	echo
	echo "== one order of $SET_ITEMS items (one set) =="
	"$T/gen_x12" --set 856 --size 1 --seed "$BENCH_SEED" \
		--order-items "$SET_ITEMS" -o "$FSET" || die "gen_x12 failed"
	printf '  %-28s %12s bytes\n' "$FSET" "$(wc -c <"$FSET" | tr -d ' ')"
	: >"$RESULTS"
	i_=1
	while [ "$i_" -le "$BENCH_RUNS" ]; do
		timed setmap "$EDIGATE" --home "$MH" map --partner benchasn \
			--format jsonl "$FSET"
		grep -q ': 1 record(s) from 1 set(s)' "$LOG" ||
			die "the order of $SET_ITEMS items was not mapped"
		i_=$((i_ + 1))
	done
	read -r set_s set_rss <<EOF3
$(awk '{ if (!w || $2 < w) w = $2; if ($3 > r) r = $3 }
	END { printf "%.2f %.1f\n", w, r / 1024 }' "$RESULTS")
EOF3
	# CPU seconds (user + sys) of the best run: the wall time moves
	# with whoever else shares the machine, this much less
	set_cpu=$(awk '{ if (c == "" || $4 < c) c = $4 } END { printf "%.2f", c }' \
		"$RESULTS")
	echo "  (load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null))"
	figure order_items_map_s "$set_s" "<=" "$SET_SECONDS_TARGET" s
	figure order_items_map_cpu_s "$set_cpu" "<=" "$SET_SECONDS_TARGET" s
	figure order_items_maxrss_mib "$set_rss" "<" "$SET_RSS_TARGET_MIB" MiB

	# The same order through `edigate run` (ledger, 997, archive, the
	# record file): one file in a fresh spool, each time.
	RH=$(mktemp -d)
	mkdir -p "$RH/partners"
	ln -s "$(pwd)/edi" "$RH/edi"
	ln -s "$(pwd)/schemas" "$RH/schemas"
	cp bench/home/partners/benchasn.xml "$RH/partners/"
	: >"$RESULTS"
	i_=1
	while [ "$i_" -le "$BENCH_RUNS" ]; do
		rm -rf "$RH/spool" "$RH/in" "$RH/out"
		mkdir -p "$RH/in"
		cp "$FSET" "$RH/in/order.x12"
		timed setrun "$EDIGATE" --home "$RH" run --json
		i_=$((i_ + 1))
	done
	"$EDIGATE" --home "$RH" files --json 2>/dev/null |
		grep -q '"state":"accepted"' ||
		die "the order of $SET_ITEMS items was not accepted by run"
	rm -rf "$RH"
	read -r run_s run_rss <<EOF4
$(awk '{ if (!w || $2 < w) w = $2; if ($3 > r) r = $3 }
	END { printf "%.2f %.1f\n", w, r / 1024 }' "$RESULTS")
EOF4
	echo "  run: best wall ${run_s} s"
	figure order_items_run_maxrss_mib "$run_rss" "<" "$SET_RSS_TARGET_MIB" MiB

	# The largest file a profile allows by default (100 MB) as one set:
	# 1,450,000 items under one order (the guide refuses so many HLs;
	# the mapper stops copying at its per-set limit).
	echo
	echo "== one set of 1,450,000 items (about 97 MiB, one file) =="
	"$T/gen_x12" --set 856 --size 1 --seed "$BENCH_SEED" \
		--order-items 1450000 -o "$FSET" || die "gen_x12 failed"
	printf '  %-28s %12s bytes\n' "$FSET" "$(wc -c <"$FSET" | tr -d ' ')"
	: >"$RESULTS"
	if "$T/rusage" "$EDIGATE" --home "$MH" map --partner benchasn \
		--format jsonl "$FSET" >/dev/null 2>"$LOG"; then
		die "a set of 1,450,000 items must not be mapped"
	fi
	grep -q 'map-too-large\|more than 200000 times' "$LOG" ||
		die "the 1,450,000-item set was not refused by name"
	line_=$(grep '^rusage: wall=' "$LOG" | tail -n 1)
	bigset_rss=$(echo "$line_" | sed -n 's/.* maxrss_kb=\([0-9]*\).*/\1/p')
	figure largest_file_set_maxrss_mib \
		"$(awk -v k="$bigset_rss" 'BEGIN{printf "%.1f", k/1024}')" \
		"<" "$SET_RSS_TARGET_MIB" MiB
	rm -f "$FSET"

	# The largest order the per-set limits take (16 MiB): one 940 of
	# 220,000 lines (LX, W01, G69 each; 18 MB with its terminators).
	# An order's lines are runs and the ledger keeps them one at a time,
	# so neither `map` nor `run` holds them as a tree (issue 21.4).
	FSET=$DATA/bench-940-order.x12
	echo
	echo "== one 940 of 220,000 lines (the per-set byte limit) =="
	"$T/gen_x12" --set 940 --size 1 --seed "$BENCH_SEED" \
		--order-lines 220000 -o "$FSET" || die "gen_x12 failed"
	printf '  %-28s %12s bytes\n' "$FSET" "$(wc -c <"$FSET" | tr -d ' ')"
	cp bench/home/partners/benchwh.xml "$MH/partners/"
	: >"$RESULTS"
	timed linemap "$EDIGATE" --home "$MH" map --partner benchwh \
		--format jsonl "$FSET"
	grep -q ': 1 record(s) from 1 set(s)' "$LOG" ||
		die "the 940 of 220,000 lines was not mapped"
	RH=$(mktemp -d)
	mkdir -p "$RH/partners" "$RH/in"
	ln -s "$(pwd)/edi" "$RH/edi"
	ln -s "$(pwd)/schemas" "$RH/schemas"
	cp bench/home/partners/benchwh.xml "$RH/partners/"
	cp "$FSET" "$RH/in/order.x12"
	timed linerun "$EDIGATE" --home "$RH" run --json
	"$EDIGATE" --home "$RH" files --json 2>/dev/null |
		grep -q '"state":"accepted"' ||
		die "the 940 of 220,000 lines was not accepted by run"
	rm -rf "$RH"
	read -r lmap_rss lrun_rss <<EOF5
$(awk '$1 == "linemap" { m = $3 } $1 == "linerun" { r = $3 }
	END { printf "%.1f %.1f\n", m / 1024, r / 1024 }' "$RESULTS")
EOF5
	figure order_lines_map_maxrss_mib "$lmap_rss" "<" "$SET_RSS_TARGET_MIB" MiB
	figure order_lines_run_maxrss_mib "$lrun_rss" "<" "$SET_RSS_TARGET_MIB" MiB
	rm -f "$FSET"
fi

if [ "$BENCH_BIG" = 1 ]; then
	FBIG=$DATA/bench-856-big.x12
	echo
	echo "== BENCH_BIG: generating $BENCH_BIG_MB MiB =="
	gen 856 "$BENCH_BIG_MB" "$FBIG"
	echo
	echo "== timing on $FBIG =="
	measure "$FBIG" 1
	report "856 ship notices, big" "$FBIG"
	read -r _ big_rss_kib _ _ <"$SUMMARY"
	if [ -n "$MH" ]; then
		: >"$RESULTS"
		echo
		echo "== mapping $FBIG (streams) =="
		timed bigmap "$EDIGATE" --home "$MH" map --partner benchasn \
			--format jsonl "$FBIG"
		read -r _ bmw bmr <"$RESULTS"
		awk -v b="$(wc -c <"$FBIG" | tr -d ' ')" -v w="$bmw" 'BEGIN {
			printf "  %.1f MiB/s\n", b / 1048576 / w }'
		figure big_map_maxrss_mib \
			"$(awk -v k="$bmr" 'BEGIN{printf "%.1f", k/1024}')" \
			"<" "$MAP_RSS_TARGET_MIB" MiB
	fi
	awk -v a="$rss_kib" -v b="$big_rss_kib" -v sm="$BENCH_MB" \
		-v bm="$BENCH_BIG_MB" 'BEGIN {
		ok = (b <= a * 1.10 + 1024)
		fig = int(a / 102.4 + 0.5) / 10 "->" int(b / 102.4 + 0.5) / 10
		printf "  %-30s %10s %8s\n", "RSS does not grow (MiB)", fig, \
		    (ok ? "PASS" : "MISS")
		printf "  (peak RSS %.1f MiB on %d MiB, %.1f MiB on %d MiB;" \
		    " PASS when within 10%% + 1 MiB)\n", a / 1024, sm, \
		    b / 1024, bm
	}'
	echo "bench: result big_mib=$BENCH_BIG_MB big_maxrss_kb=$big_rss_kib" \
		"small_maxrss_kb=$rss_kib"
	[ "$BENCH_KEEP" = 1 ] || rm -f "$FBIG"
fi

rm -f "$LOG" "$SUMMARY"
[ -z "$MH" ] || rm -rf "$MH"
BIN=$BIN EDIGATE=$EDIGATE BENCH_SEED=$BENCH_SEED BENCH_BIG_MB=$BENCH_BIG_MB \
	BENCH_OUT=$(cd "$(dirname "$BENCH_OUT")" && pwd)/$(basename "$BENCH_OUT") \
	sh bench/pipeline.sh
# outbound (issue 18): 940 files next to the floor, a batch to one 856
BIN=$BIN EDIGATE=$EDIGATE \
	BENCH_OUT=$(cd "$(dirname "$BENCH_OUT")" && pwd)/$(basename "$BENCH_OUT") \
	sh bench/outbound.sh
echo
echo "bench: figures in $BENCH_OUT"
echo
echo "bench: done (targets are reported, not enforced)"
