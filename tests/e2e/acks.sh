#!/bin/sh
# acks.sh - acknowledgement fixtures: the real edigate binary writes the
# TA1 / 997 / 999 for every tests/fixtures/acks/NAME.x12 and the result must
# be byte for byte NAME.expected (several interchanges: their files
# concatenated in name order).
#
# For every fixture it also checks:
#   - the exit code: 0 when everything was accepted, 1 otherwise, and no
#     sanitizer report on stderr;
#   - no temporary file is left next to the acknowledgements (they are
#     published atomically);
#   - `validate --json` reports the same codes as the acknowledgement
#     (AK304 8 and AK502 5, which summarise lower levels, are not findings);
#   - the round trip: every acknowledgement passes `validate --envelope`,
#     full `validate` against the test 997/999 guides, and `validate
#     --strict` against the shipped TA1/997/999 guides (check_acks);
#   - NAME.opts, when there, holds extra `ack` options, one a line;
#   - an empty NAME.expected means no acknowledgement at all: exit 1 and
#     a message on stderr saying why.
# Then the control-number counter (two runs with --counter FILE never
# repeat an ISA13 or GS06, no temporary file left), and a broken guide
# (no acknowledgement may be published for a set that was never checked).
#
# Every run uses --home tests/fixtures/guides (the test guides), never the
# shipped edi/.
#
# Usage (from the repository root):
#   EDIGATE=/abs/path/to/build/asan/edigate sh tests/e2e/acks.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
home="$root/tests/fixtures/guides"
fx="$root/tests/fixtures/acks"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"

# Fixtures whose acknowledgement cannot carry the code validate reports:
# a set whose ST01/ST02 cannot be echoed has no AK2 (so no AK502), a
# group no AK1 can name is reported by TA105 024, and 004010's 723 has no
# 12/13 (the 997 says 3 or 6).  Their expected bytes say what is sent.
codes_skip=" st01_invalid st01_zero st02_invalid st02_invalid_partial \
gs01_unknown elem_too_many_components elem_components_on_simple "
# Full validation against the test guides, which lack the 00403 control
# version's repetition rules and the healthcare 999 (the strict check
# against the shipped guides covers them).
full_skip=" delimiters_profile "

ack() { # OUTDIR FILE [options...]
	o=$1 f=$2
	shift 2
	"$bin" --home "$home" ack --time 202611220700 "$@" -o "$o" "$f" \
	    >"$t/stdout" 2>"$t/stderr"
}

# The codes an acknowledgement carries, one per line, sorted: TA105 (not
# 000), AK304/IK304 (not 8), AK403/IK403, AK502..506/IK502..506 (not 5),
# AK905..909.
ack_codes() {
	tr -d '~' <"$1" | awk -F'*' '
	$1 == "TA1" && $6 != "000" { print $6 }
	($1 == "AK3" || $1 == "IK3") && $5 != "8" && $5 != "" { print $5 }
	$1 == "AK4" || $1 == "IK4" { print $4 }
	$1 == "AK5" || $1 == "IK5" { for (i = 3; i <= NF; i++) if ($i != "5") print $i }
	$1 == "AK9" { for (i = 6; i <= NF; i++) print $i }' | sort -u
}

# The codes of the error findings of `validate --json` (code, or code999
# for a 999), one per line, sorted.
json_codes() { # JSONFILE KEY
	grep -o '"severity":"error"[^}]*' "$1" |
	    sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" | sort -u
}

# The files in DIR (hidden ones too) whose names do not match PATTERN.
others() { # DIR PATTERN
	for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -e "$f" ] || continue
		f=${f##*/}
		# shellcheck disable=SC2254 # PATTERN is a pattern on purpose
		case $f in $2) ;; *) printf '%s ' "$f" ;; esac
	done
}

# Everything accepted: no TA1 R, every AK5/IK5 and AK9 status A.
all_accepted() {
	! grep -Eq '^(AK5|IK5|AK9)\*[^A]|^TA1\*[^*]*\*[^*]*\*[^*]*\*[^A]' "$1"
}

n=0
for x in "$fx"/*.x12; do
	name=$(basename "$x" .x12)
	exp="$fx/$name.expected"
	[ -f "$exp" ] || continue
	n=$((n + 1))
	out="$t/ack/$name"
	mkdir -p "$out"
	set --
	if [ -f "$fx/$name.opts" ]; then
		while IFS= read -r line; do set -- "$@" "$line"; done \
		    <"$fx/$name.opts"
	fi
	ack "$out" "$x" --first-control 1 "$@"
	rc=$?

	# 1. the acknowledgement, byte for byte
	: >"$t/got"
	for a in "$out"/*.ack.x12; do
		[ -f "$a" ] && cat "$a" >>"$t/got"
	done
	if cmp -s "$exp" "$t/got"; then ok; else
		bad "$name: acknowledgement differs from $name.expected"
		diff -u "$exp" "$t/got" | sed 's/^/    /' | head -40
		sed 's/^/    stderr: /' "$t/stderr" | head -5
	fi

	# 2. exit code, and no sanitizer report
	if grep -Eq 'runtime error|Sanitizer' "$t/stderr"; then
		bad "$name: edigate ack crashed or hit undefined behaviour"
		grep -E 'runtime error|Sanitizer' "$t/stderr" | sed 's/^/    /' | head -3
	else ok; fi
	if [ -s "$exp" ] && all_accepted "$exp"; then want=0; else want=1; fi
	if [ "$rc" -eq "$want" ]; then ok; else
		bad "$name: edigate ack exit $rc, want $want"
		sed 's/^/    stderr: /' "$t/stderr" | head -5
	fi

	# 3. published atomically: nothing but *.ack.x12 in the directory
	left=$(others "$out" '*.ack.x12')
	if [ -z "$left" ]; then ok; else
		bad "$name: files left next to the acknowledgements: $left"
	fi

	# 2b. nothing written: say why
	if [ ! -s "$exp" ]; then
		if grep -q 'no acknowledgement written' "$t/stderr"; then ok; else
			bad "$name: no acknowledgement, but no message saying why"
			sed 's/^/    stderr: /' "$t/stderr" | head -3
		fi
	fi

	# 4. validate --json reports the codes the acknowledgement carries
	"$bin" --home "$home" validate --json "$x" >"$t/v.json" 2>"$t/v.err"
	vrc=$?
	key=code
	grep -q '^ST\*999' "$exp" && key=code999
	ack_codes "$exp" >"$t/codes.ack"
	json_codes "$t/v.json" "$key" >"$t/codes.json"
	if [ ! -s "$exp" ] || case $codes_skip in *" $name "*) true ;;
	    *) false ;; esac || cmp -s "$t/codes.ack" "$t/codes.json"; then ok
	else
		bad "$name: validate --json codes ($key) differ from the acknowledgement's"
		echo "    acknowledgement: $(tr '\n' ' ' <"$t/codes.ack")"
		echo "    validate --json: $(tr '\n' ' ' <"$t/codes.json")"
	fi
	if grep -Eq 'runtime error|Sanitizer' "$t/v.err"; then
		bad "$name: edigate validate crashed or hit undefined behaviour"
	fi
	if [ "$vrc" -eq "$want" ]; then ok; else
		bad "$name: edigate validate exit $vrc, want $want"
	fi

	# 5. round trip: every acknowledgement is itself valid X12
	for a in "$out"/*.ack.x12; do
		[ -f "$a" ] || continue
		if "$bin" --home "$home" validate --envelope "$a" \
		    >"$t/rt" 2>&1; then ok; else
			bad "$name: $(basename "$a") fails validate --envelope"
			sed 's/^/    /' "$t/rt" | grep -E 'ERROR|warning' | head -5
		fi
		check_acks "$a"
		case $full_skip in *" $name "*) continue ;; esac
		"$bin" --home "$home" validate --json "$a" >"$t/rt" 2>&1
		vr=$?
		if [ "$vr" -eq 0 ] && grep -q '"unguided":0' "$t/rt"; then ok
		else
			bad "$name: $(basename "$a") fails validate against the 997/999 guides (exit $vr)"
			grep -o '"message":"[^"]*"' "$t/rt" | sed 's/^/    /' | head -5
		fi
	done
done

# --- the control-number counter ------------------------------------------------
# Two runs in a row on the same counter file: the second run's ISA13 and
# GS06 continue after the first's and no number is used twice.
ctr="$t/counter"
numbers() { # DIR: every outbound ISA13 and GS06, one per line
	cat "$1"/*.ack.x12 | tr -d '~' | awk -F'*' '
	$1 == "ISA" { print $14 + 0 } $1 == "GS" { print $7 + 0 }'
}
mkdir -p "$t/c1" "$t/c2"
ack "$t/c1" "$fx/two_interchanges.x12" --counter "$ctr"
r1=$?
ack "$t/c2" "$fx/two_interchanges.x12" --counter "$ctr"
r2=$?
if [ "$r1" -eq 1 ] && [ "$r2" -eq 1 ]; then ok; else
	bad "counter: exit codes $r1 $r2, want 1 1 (the second interchange is rejected)"
fi
numbers "$t/c1" >"$t/n1"
numbers "$t/c2" >"$t/n2"
max1=$(sort -n "$t/n1" | tail -n 1)
min2=$(sort -n "$t/n2" | head -n 1)
if [ -s "$t/n1" ] && [ -s "$t/n2" ] && [ "$min2" -gt "$max1" ]; then ok; else
	bad "counter: second run's numbers ($(tr '\n' ' ' <"$t/n2")) do not continue after the first's ($(tr '\n' ' ' <"$t/n1"))"
fi
dups=$(cat "$t/n1" "$t/n2" | sort -n | uniq -d)
if [ -z "$dups" ]; then ok; else bad "counter: numbers used twice: $dups"; fi
next=$(cat "$ctr" 2>/dev/null)
if [ -n "$next" ] && [ "$next" -gt "$(sort -n "$t/n2" | tail -n 1)" ]; then ok
else bad "counter: file holds '$next', not a number after the last one used"; fi
left=$(others "$t" '[!.]*')
if [ -z "$left" ]; then ok; else bad "counter: temporary file left: $left"; fi

# --- a broken guide -------------------------------------------------------------
# When the guide for a set cannot be loaded (tests/fixtures/guides/bad/dict
# has a dictionary that refers to an undefined element), the set was never
# checked: edigate must fail (exit 2) and publish no acknowledgement, not
# one that accepts the unchecked set.
mkdir -p "$t/broken"
"$bin" --home "$home/bad/dict" ack --time 202611220700 -o "$t/broken" \
    "$fx/clean_856.x12" >"$t/stdout" 2>"$t/stderr"
rc=$?
if [ "$rc" -eq 2 ]; then ok; else
	bad "broken guide: edigate ack exit $rc, want 2"
fi
if grep -q 'dictionary.xml:[0-9]*:' "$t/stderr"; then ok; else
	bad "broken guide: the error does not name dictionary.xml and its line"
	sed 's/^/    /' "$t/stderr" | head -3
fi
left=$(others "$t/broken" '')
if [ -z "$left" ]; then ok; else
	bad "broken guide: an acknowledgement was published for a set that was never checked: $left"
	grep -E '^(AK5|AK9)' "$t/broken"/* | sed 's/^/    /'
fi

# --- the profile's delimiters and 999 convention --------------------------------
# `ack --partner` (like `run`) writes with the profile's <outbound>
# delimiters; `partner check` refuses delimiters that collide and accepts
# <acknowledgements convention="005010X231A1">.
ph="$t/ph"
mkdir -p "$ph/partners"
ln -s "$root/edi" "$ph/edi"
ln -s "$root/schemas" "$ph/schemas"
sed -e 's|component=":" repetition="^"|component=">" repetition="!"|' \
    -e 's|<acknowledgements>|<acknowledgements convention="005010X231A1">|' \
    "$root/partners/bigretail.xml" >"$ph/partners/bigretail.xml"
mkdir -p "$t/pa"
"$bin" --home "$ph" ack --partner bigretail --time 202611220700 -o "$t/pa" \
    "$root/demo/drop/bigretail/PO-4500012001.x12" >"$t/stdout" 2>"$t/stderr"
rc=$?
a=$(ls "$t/pa"/*.ack.x12 2>/dev/null | head -n 1)
if [ "$rc" -eq 0 ] && [ -n "$a" ] && [ "$(head -c 106 "$a" | tail -c 2)" = ">~" ]
then ok; else
	bad "ack --partner: ISA16 is not the profile's component separator '>' (exit $rc)"
	head -c 120 "$a" 2>/dev/null | sed 's/^/    /'; echo
	sed 's/^/    stderr: /' "$t/stderr" | head -3
fi
check_acks "$t/pa"
"$bin" --home "$ph" partner check bigretail >"$t/stdout" 2>&1
if grep -q 'delimiters' "$t/stdout"; then
	bad "partner check: distinct delimiters reported as a problem"
	sed 's/^/    /' "$t/stdout" | head -3
else ok; fi
sed 's|component=">"|component="*"|' "$ph/partners/bigretail.xml" \
    >"$t/p.xml" && mv "$t/p.xml" "$ph/partners/bigretail.xml"
"$bin" --home "$ph" partner check bigretail >"$t/stdout" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'delimiters cannot be used: two delimiters are the same' "$t/stdout"
then ok; else
	bad "partner check: component '*' equal to the element separator not refused (exit $rc)"
	sed 's/^/    /' "$t/stdout" | head -3
fi
sed 's|component="\*"|component="A"|' "$ph/partners/bigretail.xml" \
    >"$t/p.xml" && mv "$t/p.xml" "$ph/partners/bigretail.xml"
"$bin" --home "$ph" partner check bigretail >"$t/stdout" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'a letter, a digit or a space' "$t/stdout"; then ok
else
	bad "partner check: a letter as component separator not refused (exit $rc)"
	sed 's/^/    /' "$t/stdout" | head -3
fi

# --- a short ISA: TA1 R with the reader's code; an unreadable one: a message --
# ISA06 has 14 characters instead of 15: validate says TA105 006; the
# fields still split on '*', so the sender gets a TA1 R 006.
printf 'ISA*00*          *00*          *ZZ*SENDERID      *ZZ*RECEIVERID     *261121*1530*U*00401*000000101*0*P*>~\nGS*SH*SENDERID*RECEIVERID*20261121*1530*101*X*004010~\n' \
    >"$t/short.x12"
mkdir -p "$t/short"
ack "$t/short" "$t/short.x12" --first-control 1
rc=$?
want='ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SENDERID       *261122*0700*U*00401*000000001*0*P*:~
TA1*000000101*261121*1530*R*006~
IEA*0*000000001~'
if [ "$rc" -eq 1 ] && [ "$(cat "$t/short"/*.ack.x12 2>/dev/null)" = "$want" ]; then ok
else
	bad "short ISA06: want exit 1 and TA1 R 006 (exit $rc)"
	cat "$t/short"/* 2>/dev/null | sed 's/^/    /'
	sed 's/^/    stderr: /' "$t/stderr" | head -3
fi
check_acks "$t/short"
# The file ends inside the ISA: nothing can be read back, so no
# acknowledgement, and a message that says why.
printf 'ISA*00*          *00*          *ZZ*SENDERID       *ZZ*RECEI' >"$t/cut.x12"
mkdir -p "$t/cut"
ack "$t/cut" "$t/cut.x12"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'no acknowledgement written.*file ends inside the ISA' "$t/stderr" &&
    [ -z "$(others "$t/cut" '')" ]; then ok
else
	bad "cut ISA: want exit 1, no file and a message (exit $rc)"
	sed 's/^/    stderr: /' "$t/stderr" | head -3
fi

echo "acks: $pass passed, $fail failed ($n fixtures, $acks_checked acknowledgements checked with validate --strict)"
[ "$fail" -eq 0 ]
