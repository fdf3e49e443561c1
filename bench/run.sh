#!/bin/sh
# bench/run.sh - throughput and memory figures for `make bench`.
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
#    edigate's peak RSS (target < 16 MiB), with PASS/MISS per target.
# 4. With BENCH_BIG=1, does the same on a BENCH_BIG_MB file (default 1024)
#    to show that peak RSS does not grow with the input.
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
BENCH_BIG=${BENCH_BIG:-0}
BENCH_BIG_MB=${BENCH_BIG_MB:-1024}
BENCH_KEEP=${BENCH_KEEP:-0}

DATA=bench/data
T=$BIN/bench
MIB=1048576
RATIO_TARGET=0.50
RSS_TARGET_MIB=16

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
	if [ -z "$wall_" ] || [ -z "$rss_" ]; then
		die "cannot read rusage output: '$line_'"
	fi
	echo "$label_ $wall_ $rss_" >>"$RESULTS"
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

echo "edigate bench: $(uname -sm), $(grep -m 1 'model name' /proc/cpuinfo \
	2>/dev/null | sed 's/.*: //' || true)"
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

# Full validation against the shipped implementation guides, when the
# edigate home has a guide for the 856 (target: a quarter of the floor).
if "$EDIGATE" validate --json "$F856" 2>/dev/null | head -c 2000000 |
	grep -q '"guided":[1-9]'; then
	echo
	echo "== timing full guide validation on $F856 =="
	measure "$F856" "$BENCH_RUNS" ""
	report "856 ship notices, full guide validation" "$F856" \
		"edigate validate (guides)" 0.25
	read -r gratio grss_kib _ gmibs <"$SUMMARY"
	echo
	echo "bench: result guides_mib_s=$gmibs ratio=$gratio" \
		"maxrss_kb=$grss_kib"
else
	echo
	echo "bench: no 856 guide in the edigate home: full validation skipped"
fi

# Mapping: the 856s to canonical records (JSON Lines), through a partner
# profile in a temporary home that uses this home's edi/ and schemas/.
# A figure, not a target: it shows what mapping costs next to validation.
if [ -f edi/maps/856.xml ]; then
	MH=$(mktemp -d)
	mkdir -p "$MH/partners"
	ln -s "$(pwd)/edi" "$MH/edi"
	ln -s "$(pwd)/schemas" "$MH/schemas"
	cat >"$MH/partners/benchasn.xml" <<'EOF2'
<?xml version="1.0" encoding="UTF-8"?>
<partner id="benchasn" name="gen_x12 856 sender" kind="other">
  <identity>
    <partner-isa qualifier="ZZ" id="ACMEAPPAREL"/>
    <our-isa qualifier="ZZ" id="BIGRETAILCO"/>
    <gs partner="ACMEAPPAREL" ours="BIGRETAILCO"/>
  </identity>
  <transport type="local"><inbox path="in"/><outbox path="out"/></transport>
  <documents><document direction="in" set="856" versions="004010"/></documents>
</partner>
EOF2
	echo
	echo "== timing mapping to JSON Lines on $F856 =="
	timed map "$EDIGATE" --home "$MH" map --partner benchasn --format jsonl \
		-o "$MH/records.jsonl" "$F856"
	read -r _ mwall mrss <<EOF3
$(grep '^map ' "$RESULTS" | tail -n 1)
EOF3
	mbytes=$(wc -c <"$F856" | tr -d ' ')
	mrecs=$(wc -l <"$MH/records.jsonl" | tr -d ' ')
	awk -v b="$mbytes" -v w="$mwall" -v r="$mrecs" -v k="$mrss" 'BEGIN {
		printf "  %d records, %.1f MiB/s, %.0f records/s, peak RSS %.1f MiB\n",
		    r, b / 1048576 / w, r / w, k / 1024
		printf "bench: result map_mib_s=%.1f map_records_s=%.0f map_maxrss_kb=%d\n",
		    b / 1048576 / w, r / w, k
	}'
	rm -rf "$MH"
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
BIN=$BIN EDIGATE=$EDIGATE BENCH_SEED=$BENCH_SEED BENCH_BIG_MB=$BENCH_BIG_MB \
	sh bench/pipeline.sh
echo
echo "bench: done (targets are reported, not enforced)"
