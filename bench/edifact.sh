#!/bin/sh
# bench/edifact.sh - UN/EDIFACT figures for `make bench` (issue 15 item 9).
#
# 1. Generates a BENCH_EDIFACT_MB MiB (default 100) D.96A DESADV
#    interchange with release escapes in names and texts (gen_edifact)
#    into bench/data/.
# 2. `edigate validate --envelope` on it must exit 0 (a generated file
#    that does not validate is a bug, and the run fails).
# 3. Alternates the EDIFACT memchr floor (floor_edifact), `edigate
#    validate --envelope` (the service-segment checks) and `edigate
#    validate` (full validation against the shipped D.96A DESADV guide)
#    BENCH_RUNS times (default 3) under rusage, and prints, best run of
#    each: MiB/s, the ratios to the floor (targets: envelope >= 0.80,
#    guides >= 0.50) and peak RSS (target < 16 MiB each), with
#    PASS/MISS, appended to BENCH_OUT like bench/run.sh.
#
# Targets are reported, not asserted: a MISS does not fail the run.
set -eu

cd "$(dirname "$0")/.."

BIN=${BIN:-build/rel}
EDIGATE=${EDIGATE:-$(pwd)/edigate}
MB=${BENCH_EDIFACT_MB:-100}
RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
BENCH_OUT=${BENCH_OUT:-build/bench-results.txt}
T=$BIN/bench
DATA=bench/data
F=$DATA/desadv_${MB}mb.edi

die() {
	echo "bench edifact: FAIL: $*" >&2
	exit 1
}

[ -x "$EDIGATE" ] || die "no edigate binary at '$EDIGATE' (run make first)"
for t in gen_edifact floor_edifact rusage; do
	[ -x "$T/$t" ] && continue
	mkdir -p "$T"
	${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-Wall -Wextra -Werror -O2 -o "$T/$t" "bench/$t.c" ||
		die "cannot build $T/$t"
done
mkdir -p "$DATA" "$(dirname "$BENCH_OUT")"
if [ ! -f "$F" ]; then
	echo "bench edifact: generating $F"
	"$T/gen_edifact" "$MB" "$SEED" >"$F.tmp" && mv "$F.tmp" "$F"
fi
"$EDIGATE" validate --envelope "$F" >"$DATA/edifact.log" 2>&1 ||
	{ tail -5 "$DATA/edifact.log" >&2; die "the generated file does not validate"; }
# full validation reads edi/ from the home: the repository
"$EDIGATE" --home "$(pwd)" validate "$F" >"$DATA/edifact.log" 2>&1 ||
	{ tail -5 "$DATA/edifact.log" >&2; die "the generated file does not validate against its guide"; }
grep -q 'against guides, 0 with no guide' "$DATA/edifact.log" ||
	die "the generated file was not checked against the DESADV guide"
echo "  $F: valid, envelope and guide (exit 0)"

res=$DATA/edifact.results
: >"$res"
i=1
while [ "$i" -le "$RUNS" ]; do
	for who in floor edigate guides; do
		case $who in
		floor) "$T/rusage" "$T/floor_edifact" "$F" >/dev/null 2>"$DATA/ru" ;;
		edigate) "$T/rusage" "$EDIGATE" validate --envelope "$F" \
				>/dev/null 2>"$DATA/ru" ;;
		guides) "$T/rusage" "$EDIGATE" --home "$(pwd)" validate "$F" \
				>/dev/null 2>"$DATA/ru" ;;
		esac || die "$who exited non-zero"
		line=$(grep '^rusage: wall=' "$DATA/ru" | tail -n 1)
		wall=$(echo "$line" | sed -n 's/.* wall=\([0-9.]*\).*/\1/p')
		rss=$(echo "$line" | sed -n 's/.* maxrss_kb=\([0-9]*\).*/\1/p')
		echo "$who $wall $rss" >>"$res"
		printf '  %-8s wall %9.4f s   peak RSS %8d KiB\n' "$who" "$wall" "$rss"
	done
	i=$((i + 1))
done
bytes=$(wc -c <"$F" | tr -d ' ')
awk -v bytes="$bytes" -v out="$BENCH_OUT" '
{ if (!($1 in best) || $2 < best[$1]) best[$1] = $2
  if (!($1 in rss) || $3 > rss[$1]) rss[$1] = $3 }
function fig(n, v, op, t, u) {
	ok = (op == ">=") ? v + 0 >= t + 0 : v + 0 < t + 0
	printf "  %-34s %10s %3s %-8s %s\n", n, v, op, t " " u, ok ? "PASS" : "MISS"
	printf "name=%s value=%s target=%s%s unit=%s result=%s\n", n, v, op, t, u, ok ? "PASS" : "MISS" >> out
}
END {
	mib = bytes / 1048576
	f = mib / best["floor"]; e = mib / best["edigate"]; g = mib / best["guides"]
	printf "UN/EDIFACT DESADV, %.1f MiB (best of runs):\n", mib
	printf "  floor (memchr)            %8.1f MiB/s\n", f
	printf "  edigate validate --envelope %6.1f MiB/s\n", e
	printf "  edigate validate (guides)  %7.1f MiB/s\n", g
	fig("edifact_envelope_vs_floor", sprintf("%.2f", e / f), ">=", "0.80", "ratio")
	fig("edifact_envelope_peak_rss", sprintf("%.1f", rss["edigate"] / 1024), "<", "16", "MiB")
	fig("edifact_guides_vs_floor", sprintf("%.2f", g / f), ">=", "0.50", "ratio")
	fig("edifact_guides_peak_rss", sprintf("%.1f", rss["guides"] / 1024), "<", "16", "MiB")
}' "$res"
