#!/bin/sh
# Conformance run over ../shared/corpus, driven by its MANIFEST.tsv.
#
# - X12 and EDIFACT files the manifest calls valid must pass the envelope
#   checks (EDIFACT: the service-segment checks), unless corpus_expect.tsv
#   says why edigate flags them;
# - files under invalid/ must be flagged (exit 1), with the expected
#   finding where corpus_expect.tsv names one;
# - every other corpus file (valid=unknown, EDIFACT, XML, CSV) must give a
#   clean answer: exit 0 or 1 and well-formed JSON, never a crash;
# - second pass, full validation against the shipped guides: valid X12
#   files pass, and the files in corpus_guides.tsv give the finding named
#   there (each checked by hand and explained).
# Skips cleanly when the corpus is absent.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${EDIGATE_CORPUS:-$root/../shared/corpus}
bin=${EDIGATE:?set EDIGATE to the edigate binary}
expect="$here/corpus_expect.tsv"

if [ ! -f "$corpus/MANIFEST.tsv" ]; then
	echo "corpus: skipped ($corpus/MANIFEST.tsv not found)"
	exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0 fail=0 skip=0

json_ok() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null
	else
		grep -q '^{' "$1"
	fi
}

lookup() { # path -> "expect<TAB>pattern" from corpus_expect.tsv
	awk -F'\t' -v p="$1" '!/^#/ && $1 == p { print $2 "\t" $3; exit }' "$expect"
}

tab=$(printf '\t')
while IFS="$tab" read -r path repo spath commit lic kind valid experr notes; do
	[ "$path" = local_path ] && continue
	f="$corpus/$path"
	[ -f "$f" ] || { echo "FAIL $path: listed in MANIFEST but missing"; fail=$((fail+1)); continue; }
	"$bin" validate --envelope --json "$f" >"$out/r.json" 2>"$out/r.err"
	rc=$?
	exp=$(lookup "$path")
	want=${exp%%"$tab"*}
	pat=${exp#*"$tab"}
	[ -n "$exp" ] || { want=""; pat=""; }
	if [ "$rc" -gt 1 ]; then
		echo "FAIL $path: exit $rc (crash or environment error): $(head -c 300 "$out/r.err")"
		fail=$((fail+1)); continue
	fi
	if ! json_ok "$out/r.json"; then
		echo "FAIL $path: --json output is not valid JSON"
		fail=$((fail+1)); continue
	fi
	if [ "$want" = guide-only ]; then
		if [ "$rc" -ne 0 ]; then
			echo "FAIL $path: envelope should be clean, edigate exit $rc"
			fail=$((fail+1)); continue
		fi
		pass=$((pass+1)); continue
	fi
	case "$path" in invalid/*) [ -z "$want" ] && want=flagged ;; esac
	if [ -z "$want" ] && [ "$valid" = yes ] && case "$kind" in X12*|EDIFACT*) true ;; *) false ;; esac; then
		want=valid
	fi
	case "$want" in
	valid)
		if [ "$rc" -ne 0 ]; then
			echo "FAIL $path: manifest says valid, edigate exit $rc:"
			grep -o '"message":"[^"]*"' "$out/r.json" | head -3
			fail=$((fail+1)); continue
		fi ;;
	flagged)
		if [ "$rc" -ne 1 ]; then
			echo "FAIL $path: should be flagged, edigate exit $rc"
			fail=$((fail+1)); continue
		fi
		if [ -n "$pat" ] && ! grep -qE -- "$pat" "$out/r.json"; then
			echo "FAIL $path: flagged, but without the expected finding /$pat/"
			grep -o '"message":"[^"]*"' "$out/r.json" | head -3
			fail=$((fail+1)); continue
		fi ;;
	esac
	pass=$((pass+1))
done <"$corpus/MANIFEST.tsv"

# --- second pass: full validation against the shipped guides ---------------
gexp="$here/corpus_guides.tsv"
glookup() { awk -F'\t' -v p="$1" '!/^#/ && $1 == p { print $2; exit }' "$gexp"; }
while IFS="$tab" read -r path repo spath commit lic kind valid experr notes; do
	[ "$path" = local_path ] && continue
	case "$kind" in X12*) ;; *) continue ;; esac
	f="$corpus/$path"
	(cd "$root" && "$bin" validate --json "$f") >"$out/g.json" 2>"$out/g.err"
	rc=$?
	pat=$(glookup "$path")
	if [ "$rc" -gt 1 ]; then
		echo "FAIL guides $path: exit $rc: $(head -c 300 "$out/g.err")"
		fail=$((fail+1)); continue
	fi
	if ! json_ok "$out/g.json"; then
		echo "FAIL guides $path: --json output is not valid JSON"
		fail=$((fail+1)); continue
	fi
	if [ -n "$pat" ]; then
		if [ "$rc" -ne 1 ] || ! grep -qE -- "$pat" "$out/g.json"; then
			echo "FAIL guides $path: expected finding /$pat/ (exit $rc)"
			grep -o '"message":"[^"]*"' "$out/g.json" | head -3
			fail=$((fail+1)); continue
		fi
	elif [ "$valid" = yes ] && [ "$rc" -ne 0 ]; then
		echo "FAIL guides $path: manifest says valid, full validation exit $rc:"
		grep -o '"message":"[^"]*"' "$out/g.json" | head -3
		fail=$((fail+1)); continue
	fi
	pass=$((pass+1))
done <"$corpus/MANIFEST.tsv"

# Third pass: every acknowledgement edigate writes for a corpus X12 file,
# three ways (as the versions say, forced 997, forced 999), must pass
# `validate --strict` against the shipped TA1/997/999 guides.
t=$out
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
nx=0 nunanswered=0
while IFS="$tab" read -r path repo spath commit lic kind valid experr notes; do
	f="$corpus/$path"
	[ -f "$f" ] && [ "$(head -c 3 "$f")" = ISA ] || continue
	nx=$((nx + 1))
	for how in default 997 999; do
		d="$out/acks/$nx-$how"
		mkdir -p "$d"
		set -- --time 202611220700 --first-control 1 -o "$d"
		[ "$how" = default ] || set -- "$@" --version "$how"
		"$bin" ack "$@" "$f" >"$out/a.out" 2>"$out/a.err"
		rc=$?
		if [ "$rc" -gt 1 ] || grep -Eq 'runtime error|Sanitizer' "$out/a.err"; then
			bad "acks $path ($how): exit $rc: $(head -c 300 "$out/a.err")"
			continue
		fi
		grep -q 'no acknowledgement written' "$out/a.err" &&
		    nunanswered=$((nunanswered + 1))
		check_acks "$d"
	done
done <"$corpus/MANIFEST.tsv"
echo "corpus acks: $acks_checked acknowledgements of $nx X12 files checked with validate --strict ($nunanswered runs left something unanswered, with a message)"

# Fourth pass: the CSV reader on the corpus CSV files, as
# corpus_csv.tsv says (options, exit, records, a pattern in the JSON);
# every CSV file of the manifest must be listed there.
ncsv=0
csv_json() { # (lib.sh's json_ok reads $t/out)
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null
	else
		grep -q '^{' "$1"
	fi
}
while IFS="$tab" read -r path opts want nrec pat; do
	case "$path" in ''|'#'*) continue ;; esac
	f="$corpus/$path"
	[ -f "$f" ] || { echo "SKIP csv $path: not in this corpus"; skip=$((skip+1)); continue; }
	ncsv=$((ncsv + 1))
	[ "$opts" = - ] && opts=
	# shellcheck disable=SC2086
	"$bin" csv --json $opts "$f" >"$out/c.json" 2>"$out/c.err"
	rc=$?
	if [ "$rc" -ne "$want" ] || grep -Eq 'runtime error|Sanitizer' "$out/c.err"; then
		echo "FAIL csv $path: exit $rc, want $want: $(head -c 300 "$out/c.err" "$out/c.json")"
		fail=$((fail+1)); continue
	fi
	if ! csv_json "$out/c.json" ||
	    { [ "$nrec" != - ] && ! grep -q "\"records\":$nrec," "$out/c.json"; } ||
	    ! grep -Eq -- "$pat" "$out/c.json"; then
		echo "FAIL csv $path: want $nrec records and /$pat/: $(head -c 400 "$out/c.json")"
		fail=$((fail+1)); continue
	fi
	pass=$((pass+1))
done <"$here/corpus_csv.tsv"
for f in "$corpus"/csv/*; do
	[ -f "$f" ] || continue
	p=${f#"$corpus"/}
	grep -q "^$p$tab" "$here/corpus_csv.tsv" ||
	    { echo "FAIL csv $p: not listed in corpus_csv.tsv"; fail=$((fail+1)); }
done
echo "corpus csv: $ncsv CSV files read"

# Sixth pass: the XML reader on the corpus XML files, as corpus_xml.tsv
# says (options, exit, records, a pattern in the JSON); every XML file of
# the manifest must be listed there.  Nothing it refuses may be fetched:
# the reader has no network and loads no DTD.
nxml=0
while IFS="$tab" read -r path opts want nrec pat; do
	case "$path" in ''|'#'*) continue ;; esac
	f="$corpus/$path"
	[ -f "$f" ] || { echo "SKIP xml $path: not in this corpus"; skip=$((skip+1)); continue; }
	nxml=$((nxml + 1))
	[ "$opts" = - ] && opts=
	# shellcheck disable=SC2086
	"$bin" xml --json $opts "$f" >"$out/x.json" 2>"$out/x.err"
	rc=$?
	if [ "$rc" -ne "$want" ] || grep -Eq 'runtime error|Sanitizer' "$out/x.err"; then
		echo "FAIL xml $path: exit $rc, want $want: $(head -c 300 "$out/x.err" "$out/x.json")"
		fail=$((fail+1)); continue
	fi
	if ! csv_json "$out/x.json" ||
	    { [ "$nrec" != - ] && ! grep -q "\"records\":$nrec," "$out/x.json"; } ||
	    ! grep -Eq -- "$pat" "$out/x.json"; then
		echo "FAIL xml $path: want $nrec records and /$pat/: $(head -c 400 "$out/x.json")"
		fail=$((fail+1)); continue
	fi
	pass=$((pass+1))
done <"$here/corpus_xml.tsv"
while IFS="$tab" read -r path repo spath commit lic kind valid experr notes; do
	case "$kind" in XML*) ;; *) continue ;; esac
	grep -q "^$path$tab" "$here/corpus_xml.tsv" ||
	    { echo "FAIL xml $path: not listed in corpus_xml.tsv"; fail=$((fail+1)); }
done <"$corpus/MANIFEST.tsv"
echo "corpus xml: $nxml XML files read"

# Fifth pass: a CONTRL for every EDIFACT corpus file (forced, whatever
# UNB 0031 says): no crash, and every CONTRL written is itself a clean
# interchange for the service-segment checks.
ne=0 ncontrl=0
while IFS="$tab" read -r path repo spath commit lic kind valid experr notes; do
	case "$kind" in EDIFACT*) ;; *) continue ;; esac
	f="$corpus/$path"
	[ -f "$f" ] || continue
	ne=$((ne + 1))
	d="$out/contrl/$ne"
	"$bin" ack --contrl always --time 202611220700 --first-control 1 \
		-o "$d" "$f" >"$out/c.out" 2>"$out/c.err"
	rc=$?
	if [ "$rc" -gt 1 ] || grep -Eq 'runtime error|Sanitizer' "$out/c.err"; then
		bad "contrl $path: exit $rc: $(head -c 300 "$out/c.err")"
		continue
	fi
	for c in "$d"/*.contrl.edi; do
		[ -f "$c" ] || continue
		ncontrl=$((ncontrl + 1))
		if "$bin" validate --envelope "$c" >"$out/cv" 2>&1; then ok; else
			bad "contrl $path: our CONTRL is not clean"
			head -5 "$out/cv"
		fi
	done
done <"$corpus/MANIFEST.tsv"
echo "corpus contrl: $ncontrl CONTRL interchanges for $ne EDIFACT files, each checked clean"

echo "corpus: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
