#!/bin/sh
# bench/pipeline.sh - `edigate run` figures for `make bench` (called at the
# end of bench/run.sh; can be run alone).  Durability stays on: the
# pipeline fsyncs what it writes and the ledger commits with
# synchronous=FULL, as in production.
#
# Everything lives in one temporary folder (under BENCH_TMPDIR, default
# $TMPDIR or /tmp), removed at the end: a home made of bench/home/partners
# (the partner "benchasn": ISA/GS ACMEAPPAREL -> BIGRETAILCO, what gen_x12
# writes for the 856) with edi/ and schemas/ linked from this tree, its
# inbox and outbox, the spools and the generated data.  Its file system
# is printed: on tmpfs fsync costs nothing and the figures mean little.
#
# 1. Small files.  gen_x12 writes a stream of 856 sets; an awk pass cuts
#    it into BENCH_SMALL_FILES (default 10000) interchanges of 2 to 5 KiB,
#    one file each, each with its own ISA13 and GS06 (the file's number)
#    and 1 to 3 sets (ST02 from 0001); every BSN02 is distinct (gen_x12
#    numbers shipments), so nothing is a duplicate.  Then, for each batch
#    size in BENCH_BATCHES (default "64 256", edigate's default first),
#    alternating:
#      floor:   bench/copyfloor copies the files into an empty folder,
#               fsync per file (and the folder once at the end);
#      edigate: the files are hard-linked into the inbox and one
#               `edigate run --batch N --json` takes them all (fresh spool;
#               997 per interchange into the outbox; inbox files deleted
#               after the commit).
#    Prints files/s of each (best floor run) and the ratio floor/edigate;
#    target: edigate within 2x of the floor (ratio <= 2).
# 2. One big file: BENCH_BIG_MB MiB (default 1024) of 856s through one
#    `edigate run`: MiB/s and peak RSS; target: peak RSS < 64 MiB.  For
#    scale, the copy-and-fsync floor of the same file is printed too.
#
# Every run must take every file and accept it (the generated data is
# valid): a run that exits non-zero, rejects or misses a file fails the
# bench loudly.  Targets are reported, not asserted.
#
# Units: MiB = 2^20 bytes; wall times from bench/rusage, process start-up
# included.  Each timed command is preceded by sync(1), so no one pays
# for the write-back of what came before.
#
# Each target is also appended as one line to BENCH_OUT (default
# build/bench-results.txt; bench/run.sh passes its own), in its format.
#
# Environment: BIN, EDIGATE, BENCH_SEED as bench/run.sh; BENCH_SMALL_FILES,
# BENCH_BIG_MB, BENCH_BATCHES, BENCH_TMPDIR; BENCH_PIPELINE=0 skips it all;
# BENCH_KEEP=1 keeps the temporary folder (for profiling).
set -eu

cd "$(dirname "$0")/.."

BIN=${BIN:-build/rel}
EDIGATE=${EDIGATE:-$(pwd)/edigate}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_SMALL_FILES=${BENCH_SMALL_FILES:-10000}
BENCH_BIG_MB=${BENCH_BIG_MB:-1024}
BENCH_BATCHES=${BENCH_BATCHES:-64 256}
BENCH_PIPELINE=${BENCH_PIPELINE:-1}
BENCH_TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}

T=$BIN/bench
MIB=1048576
RATIO_TARGET=2
BENCH_OUT=${BENCH_OUT:-build/bench-results.txt}
RSS_TARGET_MIB=64
# small files: 2 to 5 KiB
SMALL_MIN=2048
SMALL_MAX=5120

die() {
	echo "bench: FAIL: $*" >&2
	exit 1
}

# figure NAME VALUE OP TARGET UNIT: as in bench/run.sh.
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

whole() {
	case $2 in
	'' | *[!0-9]*) die "$1 must be a whole number, not '$2'" ;;
	esac
	[ "$2" -gt 0 ] || die "$1 must be at least 1"
}

if [ "$BENCH_PIPELINE" = 0 ]; then
	echo
	echo "bench: BENCH_PIPELINE=0: edigate run figures skipped"
	exit 0
fi

whole BENCH_SEED "$BENCH_SEED"
whole BENCH_SMALL_FILES "$BENCH_SMALL_FILES"
whole BENCH_BIG_MB "$BENCH_BIG_MB"
for b in $BENCH_BATCHES; do
	whole "a batch in BENCH_BATCHES" "$b"
	[ "$b" -le 10000 ] || die "a batch is at most 10000, not $b"
done
[ -n "$BENCH_BATCHES" ] || die "BENCH_BATCHES is empty"

[ -x "$EDIGATE" ] || die "no edigate binary at '$EDIGATE' (run make first)"
[ -f bench/home/partners/benchasn.xml ] || die "no bench/home/partners"

for t in gen_x12 copyfloor rusage; do
	[ -x "$T/$t" ] && continue
	mkdir -p "$T"
	echo "bench: building $T/$t"
	${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
		-Wformat=2 -O2 -Iinclude -o "$T/$t" "bench/$t.c" ||
		die "cannot build $T/$t"
done
T=$(cd "$T" && pwd)

W=$(mktemp -d "$BENCH_TMPDIR/edigate-bench.XXXXXX") ||
	die "cannot make a temporary folder in $BENCH_TMPDIR"
if [ "${BENCH_KEEP:-0}" = 1 ]; then
	trap 'echo "bench: kept $W"' EXIT
else
	trap 'rm -rf "$W"' EXIT
fi
trap 'exit 130' INT TERM
H=$W/home
LOG=$W/run.log
OUT=$W/run.out
RESULTS=$W/results.txt
: >"$RESULTS"

mkdir -p "$H/partners" "$H/in" "$H/out" "$W/small"
cp bench/home/partners/*.xml "$H/partners/"
ln -s "$(pwd)/edi" "$H/edi"
ln -s "$(pwd)/schemas" "$H/schemas"

fs=$(findmnt -n -o FSTYPE -T "$W" 2>/dev/null ||
	stat -f -c %T "$W" 2>/dev/null || echo unknown)
dev=$(df -P "$W" 2>/dev/null | awk 'NR == 2 { print $1 }')
echo
echo "== pipeline: edigate run, durability on; data and spools in $W" \
	"($fs on ${dev:-?}) =="
if [ "$fs" = tmpfs ]; then
	echo "  warning: tmpfs: fsync is free here, set BENCH_TMPDIR to a disk"
fi

# timed LABEL CMD...: one run under rusage after a sync; its standard
# output goes to $OUT; "LABEL wall maxrss_kb cpu" is appended to $RESULTS
# (cpu: user + system seconds) and the wall time is left in $wall_, the
# peak RSS in $rss_, the CPU time in $cpu_.
timed() {
	label_=$1
	shift
	sync
	if "$T/rusage" "$@" >"$OUT" 2>"$LOG"; then
		rc_=0
	else
		rc_=$?
	fi
	line_=$(grep '^rusage: wall=' "$LOG" | tail -n 1 || true)
	if [ "$rc_" -ne 0 ]; then
		{
			echo "---- '$*' exited $rc_; its output:"
			tail -n 15 "$OUT"
			tail -n 25 "$LOG"
			echo "----"
		} >&2
		die "$label_: '$*' exited $rc_"
	fi
	wall_=$(echo "$line_" | sed -n 's/.* wall=\([0-9.]*\).*/\1/p')
	rss_=$(echo "$line_" | sed -n 's/.* maxrss_kb=\([0-9]*\).*/\1/p')
	usr_=$(echo "$line_" | sed -n 's/.* user=\([0-9.]*\).*/\1/p')
	sys_=$(echo "$line_" | sed -n 's/.* sys=\([0-9.]*\).*/\1/p')
	cpu_=$(awk -v u="${usr_:-x}" -v s="${sys_:-x}" \
		'BEGIN { if (u != "x" && s != "x") print u + s }')
	if [ -z "$wall_" ] || [ -z "$rss_" ] || [ -z "$cpu_" ]; then
		die "cannot read rusage output: '$line_'"
	fi
	echo "$label_ $wall_ $rss_ $cpu_" >>"$RESULTS"
}

# json_num KEY: the number KEY in the one-line JSON of `run --json`.
json_num() {
	sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$OUT"
}

# check_run SPOOL FILES ACKS: the run in $OUT took and accepted FILES
# files and sent ACKS acknowledgements; the inbox is empty.
check_run() {
	taken_=$(json_num files)
	acc_=$(json_num accepted)
	acks_=$(json_num acks)
	left_=$(find "$H/in" -type f | wc -l | tr -d ' ')
	if [ "$taken_" != "$2" ] || [ "$acc_" != "$2" ] ||
		[ "$acks_" != "$3" ] || [ "$left_" != 0 ]; then
		{
			echo "---- run output: $(cat "$OUT")"
			echo "---- $left_ file(s) left in the inbox"
			"$EDIGATE" --home "$H" quarantine list --spool "$1" \
				2>&1 | head -n 20 || true
			r_=$(find "$1/quarantine" -name report.txt 2>/dev/null |
				head -n 1)
			[ -n "$r_" ] && head -n 30 "$r_"
			echo "----"
		} >&2
		die "edigate run did not take and accept all $2 file(s)" \
			"with $3 ack(s): generated files must be valid"
	fi
}

# ---- 1. small files ------------------------------------------------------

N=$BENCH_SMALL_FILES
echo
echo "== generating $N small 856 files (seed $BENCH_SEED) =="
# About 3.5 KiB a file on average: ask gen_x12 for 4 KiB a file.
"$T/gen_x12" --set 856 --size $((N * 4096 + 65536)) --seed "$BENCH_SEED" \
	-o "$W/stream.x12" || die "gen_x12 failed"
# One interchange a file: sets are taken in order until the file reaches
# a size drawn in [min, max - 1500] bytes, without passing max; ISA13 and
# GS06 are the file number, ST02/SE02 count from 0001 in each file.
awk -v dir="$W/small" -v count="$N" -v seed="$BENCH_SEED" \
	-v minb="$SMALL_MIN" -v maxb="$SMALL_MAX" '
function join(a, n,   i, s) {
	s = a[1]
	for (i = 2; i <= n; i++)
		s = s "*" a[i]
	return s
}
function flush(   a, n, f, isa_, gs_) {
	if (nsets == 0)
		return
	files++
	n = split(isa, a, "*")
	a[14] = sprintf("%09d", files)
	isa_ = join(a, n)
	n = split(gs, a, "*")
	a[7] = files
	gs_ = join(a, n)
	f = sprintf("%s/asn%06d.x12", dir, files)
	printf "%s\n%s\n%sGE*%d*%d~\nIEA*1*%09d~\n", isa_, gs_, body, nsets,
	    files, files > f
	close(f)
	body = ""
	blen = 0
	nsets = 0
	want = minb + int(rand() * (maxb - minb - 1500))
	if (files == count)
		exit
}
BEGIN {
	srand(seed)
	want = minb + int(rand() * (maxb - minb - 1500))
	env = 200 # ISA, GS, GE, IEA
}
/^ISA\*/ { isa = $0; next }
/^GS\*/ { gs = $0; next }
/^(GE|IEA)\*/ { next }
/^ST\*/ { set = ""; inset = 1 }
inset {
	set = set $0 "\n"
	if ($0 !~ /^SE\*/)
		next
	inset = 0
	if (nsets > 0 && env + blen + length(set) > maxb)
		flush()
	nsets++
	st02 = sprintf("%04d", nsets)
	sub(/^ST\*856\*[0-9]+~/, "ST*856*" st02 "~", set)
	sub(/SE\*[0-9]+\*[0-9]+~\n$/, "", set)
	se = $0
	sub(/\*[0-9]+~$/, "*" st02 "~", se)
	set = set se "\n"
	body = body set
	blen += length(set)
	if (env + blen >= want)
		flush()
}
END { if (files < count) flush() }' "$W/stream.x12" ||
	die "cutting the 856 stream into files failed"
rm -f "$W/stream.x12"
made=$(find "$W/small" -name '*.x12' | wc -l | tr -d ' ')
[ "$made" = "$N" ] || die "made $made small files, not $N"
find "$W/small" -name '*.x12' -exec wc -c {} + | grep -v ' total$' |
	awk '{ print $1 }' | sort -n >"$W/sizes.txt"
SMALL_BYTES=$(awk '{ s += $1 } END { print s }' "$W/sizes.txt")
awk -v n="$N" -v lo="$SMALL_MIN" -v hi="$SMALL_MAX" '
	{ v[NR] = $1; s += $1 }
	END {
		printf "  %d files, %.1f MiB: %d to %d bytes, median %d," \
		    " mean %.0f\n", NR, s / 1048576, v[1], v[NR],
		    v[int((NR + 1) / 2)], s / NR
		if (v[1] < lo || v[NR] > hi)
			exit 1
	}' "$W/sizes.txt" || die "a small file is outside $SMALL_MIN..$SMALL_MAX bytes"
SETS=$(find "$W/small" -name '*.x12' -exec cat {} + | grep -c '^ST\*' ||
	true)
echo "  $SETS ship notices (856 sets), one interchange per file"

# show LABEL: one line for the run timed last.
show() {
	awk -v l="$1" -v n="$N" -v w="$wall_" -v u="$usr_" -v s="$sys_" \
		'BEGIN {
		printf "  %-24s wall %8.3f s  user %7.3f s  sys %7.3f s" \
		    "  %7.1f files/s\n", l, w, u, s, n / w
	}'
}

echo
echo "== timing $N small files: copy-and-fsync floor vs edigate run =="
for b in $BENCH_BATCHES; do
	rm -rf "$W/floor"
	mkdir "$W/floor"
	timed floor "$T/copyfloor" "$W/small" "$W/floor"
	show "floor (copy + fsync)"
	rm -rf "$W/floor"

	rm -rf "$W/spool" "$H/out"
	mkdir -p "$H/out"
	(cd "$W/small" && find . -name '*.x12' -print0 |
		xargs -0 ln -t "$H/in") || die "cannot fill the inbox"
	timed "run$b" "$EDIGATE" --home "$H" run --spool "$W/spool" \
		--batch "$b" --json
	check_run "$W/spool" "$N" "$N"
	show "edigate run --batch $b"
	rm -rf "$W/spool"
done

awk -v n="$N" -v bytes="$SMALL_BYTES" -v batches="$BENCH_BATCHES" \
	-v rt="$RATIO_TARGET" '
	{
		if (!($1 in best) || $2 < best[$1]) {
			best[$1] = $2
			cpu[$1] = $4
		}
		if (!($1 in rss) || $3 > rss[$1]) rss[$1] = $3
		runs[$1]++
	}
	END {
		nb = split(batches, b, " ")
		ff = n / best["floor"]
		printf "\n== %d small 856 files (%.1f MiB) through edigate run;" \
		    " floor best of %d runs ==\n", n, bytes / 1048576, \
		    runs["floor"]
		printf "  %-26s %9s %9s %9s %11s %8s\n", "", "files/s", \
		    "wall s", "CPU s", "ms/file", "RSS MiB"
		printf "  %-26s %9.1f %9.3f %9.3f %11.3f %8.1f\n", \
		    "floor (copy + fsync each)", ff, best["floor"], \
		    cpu["floor"], best["floor"] * 1000 / n, rss["floor"] / 1024
		for (i = 1; i <= nb; i++) {
			k = "run" b[i]
			printf "  %-26s %9.1f %9.3f %9.3f %11.3f %8.1f\n", \
			    "edigate run --batch " b[i], n / best[k], best[k], \
			    cpu[k], best[k] * 1000 / n, rss[k] / 1024
		}
		printf "  (CPU s: user + system of the best run; ms/file: wall)\n"
		printf "\n  %-30s %10s %8s\n", "target", "figure", "result"
		line = "bench: result small_files=" n \
		    sprintf(" floor_files_s=%.1f", ff)
		for (i = 1; i <= nb; i++) {
			k = "run" b[i]
			ratio = best[k] / best["floor"]
			printf "  %-30s %10.2f %8s\n", "floor/edigate <= " rt \
			    " (batch " b[i] ")", ratio, \
			    (ratio <= rt ? "PASS" : "MISS")
			line = line sprintf(" run_b%s_files_s=%.1f" \
			    " ratio_b%s=%.2f", b[i], n / best[k], b[i], ratio)
		}
		print "\n" line
		for (i = 1; i <= nb; i++) {
			k = "run" b[i]
			printf "%s %.1f %.2f\n", b[i], n / best[k], \
			    best[k] / best["floor"] > "'"$W/fig.txt"'"
		}
		printf "floor %.1f\n", ff > "'"$W/fig.txt"'"
	}' "$RESULTS"
echo
while read -r b_ fs_ r_; do
	if [ "$b_" = floor ]; then
		figure small_floor_files_s "$fs_" ">=" 0 files/s
	else
		figure "small_run_b${b_}_files_s" "$fs_" ">=" 0 files/s
		figure "small_run_b${b_}_vs_floor" "$r_" "<=" "$RATIO_TARGET" \
			ratio
	fi
done <"$W/fig.txt"
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$W/small"

# ---- 2. one big file -----------------------------------------------------

: >"$RESULTS"
echo
echo "== generating one $BENCH_BIG_MB MiB 856 file (seed $BENCH_SEED) =="
mkdir -p "$W/big"
"$T/gen_x12" --set 856 --size $((BENCH_BIG_MB * MIB)) --seed "$BENCH_SEED" \
	-o "$W/big/big.x12" || die "gen_x12 failed"
BIG_BYTES=$(wc -c <"$W/big/big.x12" | tr -d ' ')
BIG_ICHG=$(grep -c '^ISA\*' "$W/big/big.x12" || true)
BIG_SETS=$(grep -c '^ST\*' "$W/big/big.x12" || true)
echo "  $BIG_BYTES bytes: $BIG_ICHG interchange(s), $BIG_SETS ship notices"

echo
echo "== timing the $BENCH_BIG_MB MiB file through edigate run =="
rm -rf "$W/floor"
mkdir "$W/floor"
timed floor "$T/copyfloor" "$W/big" "$W/floor"
rm -rf "$W/floor"
rm -rf "$W/spool" "$H/out"
mkdir -p "$H/out"
ln "$W/big/big.x12" "$H/in/big.x12"
timed run "$EDIGATE" --home "$H" run --spool "$W/spool" --json
check_run "$W/spool" 1 "$BIG_ICHG"
big_records=$(json_num records)
rm -rf "$W/spool" "$W/big"

awk -v bytes="$BIG_BYTES" -v recs="$big_records" -v mt="$RSS_TARGET_MIB" '
	{ wall[$1] = $2; rss[$1] = $3; cpu[$1] = $4 }
	END {
		mib = bytes / 1048576
		fm = mib / wall["floor"]; em = mib / wall["run"]
		erss = rss["run"] / 1024
		printf "\n== one %.1f MiB 856 file (%d bytes) through edigate" \
		    " run ==\n", mib, bytes
		printf "  %-26s %9s %9s %9s %14s\n", "", "MiB/s", "wall s", \
		    "CPU s", "peak RSS MiB"
		printf "  %-26s %9.1f %9.3f %9.3f %14.1f\n", \
		    "floor (copy + fsync)", fm, wall["floor"], cpu["floor"], \
		    rss["floor"] / 1024
		printf "  %-26s %9.1f %9.3f %9.3f %14.1f\n", "edigate run", \
		    em, wall["run"], cpu["run"], erss
		printf "  (%d records, %.0f records/s)\n", recs, \
		    recs / wall["run"]
		printf "\n  %-30s %10s %8s\n", "target", "figure", "result"
		printf "  %-30s %10.1f %8s\n", "edigate peak RSS < " mt " MiB", \
		    erss, (erss < mt ? "PASS" : "MISS")
		printf "\nbench: result big_mib=%.1f big_run_mib_s=%.2f" \
		    " big_floor_mib_s=%.1f big_maxrss_kb=%d\n", mib, em, fm, \
		    rss["run"]
		printf "%.2f %.1f\n", em, erss > "'"$W/fig.txt"'"
	}' "$RESULTS"
read -r em_ erss_ <"$W/fig.txt"
echo
figure big_run_mib_s "$em_" ">=" 0 MiB/s
figure big_run_maxrss_mib "$erss_" "<" "$RSS_TARGET_MIB" MiB
