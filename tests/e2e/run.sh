#!/bin/sh
# End-to-end tests: the real edigate binary on real files.
#
# Checks exit codes, --help/--version, text and JSON output of parse and
# validate, the fixture set (valid_* must pass, every other fixture must
# be flagged with the code its README names), stdin, --home.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/x12"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0

. "$here/lib.sh"

# isa SENDER RECEIVER CONTROL [VERSION] [E C R T]: a fixed-width ISA.
isa() {
	printf 'ISA%s00%s          %s00%s          %sZZ%s%-15s%sZZ%s%-15s%s260101%s1200%s%s%s%s%s%s%s0%sP%s%s%s' \
	    "$5" "$5" "$5" "$5" "$5" "$5" "$1" "$5" "$5" "$2" "$5" "$5" "$5" "$7" "$5" "$4" "$5" "$3" "$5" "$5" "$5" "$6" "$8"
}
# A small valid 856 interchange with delimiters E C R T.
ichg() { # CONTROL E C R T VERSION
	c=$1 e=$2 k=$3 r=$4 s=$5 v=${6:-00401}
	isa SENDER RECEIVER "$c" "$v" "$e" "$k" "$r" "$s"
	printf 'GS%sSH%sSENDER%sRECEIVER%s20260101%s1200%s1%sX%s004010%s' "$e" "$e" "$e" "$e" "$e" "$e" "$e" "$e" "$s"
	printf 'ST%s856%s0001%s' "$e" "$e" "$s"
	printf 'BSN%s00%sSHIP1%s20260101%s1200%s' "$e" "$e" "$e" "$e" "$s"
	printf 'HL%s1%s%sS%s' "$e" "$e" "$e" "$s"
	printf 'TD5%s%s2%sUPSN%s' "$e" "$e" "$e" "$s"
	printf 'REF%sBM%sBOL1%s' "$e" "$e" "$s"
	printf 'N1%sST%sSTORE 1%s92%s0001%s' "$e" "$e" "$e" "$e" "$s"
	printf 'CTT%s1%s' "$e" "$s"
	printf 'SE%s8%s0001%s' "$e" "$e" "$s"
	printf 'GE%s1%s1%s' "$e" "$e" "$s"
	printf 'IEA%s1%s%s%s' "$e" "$e" "$c" "$s"
}

# --- global CLI ------------------------------------------------------------
expect_exit 0 "$bin" --version; expect_out '^edigate [0-9]'
expect_exit 0 "$bin" --help; expect_out 'Exit codes'; expect_out 'validate'
expect_exit 2 "$bin"
expect_exit 2 "$bin" frobnicate; expect_err 'unknown command'
expect_exit 2 "$bin" --bogus
for c in parse validate info ack acks guide partner; do
	expect_exit 0 "$bin" "$c" --help; expect_out "Usage: edigate.* $c"; expect_out 'Exit codes'
	expect_exit 0 "$bin" help "$c"; expect_out "Usage: edigate.* $c"
done
expect_exit 2 "$bin" validate; expect_err 'no FILE'
expect_exit 2 "$bin" validate --nope x; expect_err "unknown option"
expect_exit 2 "$bin" validate --max-segment abc x
expect_exit 3 "$bin" validate "$t/does-not-exist.x12"; expect_err 'cannot open'
expect_exit 3 "$bin" parse "$t/does-not-exist.x12"

# --- home ------------------------------------------------------------------
expect_exit 0 "$bin" --home "$root" info; expect_out "home: +$root"; expect_out "data: +$root"
expect_exit 2 "$bin" --home "$t/nope" info; expect_err 'does not exist'
EDIGATE_HOME="$t" expect_exit 0 "$bin" info --json; expect_out "\"home\":\"$t\""; json_ok info

# --- delimiter variants, written here byte by byte ----------------------------
ichg 000000001 '*' '>' 'U' '~' >"$t/std.x12"
ichg 000000002 '|' '^' 'U' '!' >"$t/bar.x12"
nl=$(printf '\nx'); nl=${nl%x}
ichg 000000003 '*' ':' '^' "$nl" 00501 >"$t/nl.x12"
ichg 000000004 "$(printf '\177')" ':' 'U' "$(printf '\025')" >"$t/del_nak.x12"
{ printf '\357\273\277  \r\n'; ichg 000000005 '*' '>' 'U' '~'; } >"$t/bom.x12"
ichg 000000006 '*' '>' 'U' "$(printf '\342\200\246')" >"$t/ellipsis.x12"
# CRLF after every terminator
ichg 000000007 '*' '>' 'U' '~' | sed 's/~/~\r\n/g' >"$t/crlf.x12"
for f in std bar nl del_nak bom ellipsis crlf; do
	expect_exit 0 "$bin" validate "$t/$f.x12"; expect_out '^VALID: 1 interchange\(s\), 1 group\(s\), 1 transaction set\(s\), 12 segments'
	expect_exit 0 "$bin" parse --json "$t/$f.x12"; json_ok "parse $f"
	expect_out '"BSN","offset":[0-9]+,"index":4,"position":2,"elements":\["00","SHIP1","20260101","1200"\]'
done
# hard-wrapped at 80 columns, as old VANs send them
fold -w 80 "$t/std.x12" | sed 's/$/\r/' >"$t/wrapped.x12"
expect_exit 0 "$bin" validate "$t/wrapped.x12"; expect_out '^VALID: 1 interchange'
expect_exit 0 "$bin" parse "$t/wrapped.x12"; expect_out 'line breaks removed'
# two interchanges with different delimiters in one file
cat "$t/std.x12" "$t/bar.x12" >"$t/two.x12"
expect_exit 0 "$bin" parse "$t/two.x12"
expect_out "^interchange 1: ISA13 000000001"; expect_out "^interchange 2: ISA13 000000002"
expect_out "element '\\|', component '\\^', repetition none, segment '!'"
expect_exit 0 "$bin" validate --json "$t/two.x12"; json_ok two
expect_out '"interchanges":2,"groups":2,"transactions":2'
# repetition separator with 00501: element split into repetitions in JSON
ichg 000000008 '*' ':' '^' '~' 00501 | sed 's/REF\*BM\*BOL1/REF*BM*A^B:C/' >"$t/rep.x12"
expect_exit 0 "$bin" parse --json "$t/rep.x12"; expect_out '"elements":\["BM",\{"repetitions":\["A",\["B","C"\]\]\}\]'
# standard input
expect_exit 0 sh -c "\"$bin\" validate - <\"$t/std.x12\""; expect_out '^VALID'

# --- envelope errors: text, JSON, exit code ---------------------------------
sed 's/SE\*8\*0001/SE*9*0001/' "$t/std.x12" >"$t/se.x12"
expect_exit 1 "$bin" validate "$t/se.x12"
expect_out 'offset [0-9]+, segment 10 \(SE, #8 in transaction set\), element SE01: SE01 says 9 segments, the transaction set has 8'
expect_out '\[AK502=4\]'; expect_out 'transaction set 856 0001 .*: rejected'; expect_out '^INVALID'
expect_exit 1 "$bin" validate --json "$t/se.x12"; json_ok se
expect_out '"valid":false'; expect_out '"rule":"se01-count","code":"4"'
expect_out '"segment_id":"SE","position_in_transaction":8,"element":1'
sed 's/IEA\*1\*000000001/IEA*1*000000009/' "$t/std.x12" >"$t/iea.x12"
expect_exit 1 "$bin" validate "$t/iea.x12"; expect_out 'IEA02 control number .000000009. does not match ISA13 .000000001. \[TA105=001\]'
head -c 250 "$t/std.x12" >"$t/trunc.x12"
expect_exit 1 "$bin" validate "$t/trunc.x12"; expect_out 'file ends inside a segment'
expect_exit 1 "$bin" parse "$t/trunc.x12"; expect_err 'offset 2[0-9][0-9], segment [0-9]+.*file ends inside a segment'
head -c 80 "$t/std.x12" >"$t/shortisa.x12"
expect_exit 1 "$bin" validate "$t/shortisa.x12"; expect_out 'file ends inside the ISA'
printf '\311\342\301\100\360\360' >"$t/ebcdic.x12"
expect_exit 1 "$bin" validate "$t/ebcdic.x12"; expect_out 'EBCDIC'
printf 'UNA:+.? '"'"'UNB+UNOA:3+S+R+260101:1200+1'"'"'' >"$t/edifact.edi"
expect_exit 1 "$bin" validate "$t/edifact.edi"; expect_out 'UN/EDIFACT'
tr 'N' '\000' <"$t/std.x12" >"$t/nul.x12"
expect_exit 1 "$bin" validate "$t/nul.x12"; expect_out 'NUL byte'
# limits: a 300-byte N1 name over a 200-byte limit; 20 elements over 16
long=$(printf '%0300d' 0)
sed "s/STORE 1/$long/" "$t/std.x12" | sed 's/SE\*8/SE*8/' >"$t/long.x12"
expect_exit 0 "$bin" validate --envelope "$t/long.x12"
expect_exit 1 "$bin" validate --max-segment 200 "$t/long.x12"; expect_out 'longer than 200'
sed 's/CTT\*1/CTT*1*2*3*4*5*6*7*8*9*10*11*12*13*14*15*16*17*18*19*20/' "$t/std.x12" >"$t/many.x12"
expect_exit 0 "$bin" validate --envelope "$t/many.x12"
expect_exit 1 "$bin" validate --max-elements 16 "$t/many.x12"; expect_out 'more than 16 elements'
expect_exit 2 "$bin" validate --max-elements 2 "$t/std.x12"; expect_err 'at least 16'
expect_exit 2 "$bin" validate --max-segment 50 "$t/std.x12"; expect_err 'at least 106'
# several files: the worst exit code wins, each file reported
expect_exit 1 "$bin" validate "$t/std.x12" "$t/se.x12"; expect_out "^$t/std.x12:"; expect_out "^$t/se.x12:"

# --- guides, partner narrowing, acknowledgements (test guides) ----------------
G="$root/tests/fixtures/guides"
expect_exit 0 "$bin" --home "$G" guide check "$G/edi/x12/004010/856.xml"
expect_out '^ok: .*856.xml: 856 .*release 004010.*2 loops, 5 HL levels'
expect_exit 0 "$bin" --home "$G" guide show 856
expect_out '^loop HL'; expect_out 'BSN01 +353 +Transaction Set Purpose Code'
expect_exit 2 "$bin" --home "$G" guide show 830 --version 005010; expect_err 'no guide for 830'
expect_exit 2 "$bin" --home "$G" guide frob
printf '<guide standard="x12" release="004010" set="856" name="bad">\n<segment ref="ZZZ" usage="M" max="1"/>\n</guide>\n' >"$t/bad-guide.xml"
expect_exit 2 "$bin" --home "$G" guide check "$t/bad-guide.xml"; expect_err 'bad-guide.xml:2: no segment ZZZ'
printf '<guide standard="x12" release="004010" set="856" name="p" base="856">\n<restrict path="BSN01"><code value="00"/></restrict>\n<restrict path="HL/MAN" usage="M"/>\n</guide>\n' >"$t/partner.xml"
expect_exit 0 "$bin" --home "$G" guide check "$t/partner.xml"; expect_out 'narrows'
# a set made of segments the test guide knows: valid, then narrowed away
{ isa SENDER RECEIVER 000000021 00401 '*' '>' 'U' '~'
  printf 'GS*SH*SX*RX*20260101*1200*21*X*004010~ST*856*0001~BSN*06*SHIP1*20260101*1200~'
  printf 'HL*1**S~TD5**2*UPSN~HL*2*1*O~PRF*PO1~HL*3*2*P~MAN*GM*00012345678901234567~'
  printf 'HL*4*3*I~LIN**UP*012345678905~SN1**2*EA~CTT*4~SE*13*0001~GE*1*21~IEA*1*000000021~'; } >"$t/g.x12"
expect_exit 0 "$bin" --home "$G" validate "$t/g.x12"; expect_out 'VALID: .*\[all sets against guides\]'
expect_exit 1 "$bin" --home "$G" validate --guide "$t/partner.xml" "$t/g.x12"
expect_out "BSN01 code '06' is valid for 353 but not used in this implementation \[AK403=7, 999 IK403=I6\]"
expect_out 'required segment MAN is missing'
expect_exit 0 "$bin" --home "$G" validate --envelope "$t/g.x12"; expect_out 'envelope and syntax checks\]'
sed 's/SN1\*\*2\*EA/SN1**2*XX/' "$t/g.x12" >"$t/g-bad.x12"
expect_exit 1 "$bin" --home "$G" validate --json "$t/g-bad.x12"; json_ok g-bad
expect_out '"rule":"element-invalid-code","code":"7","code_element":"AK304"|"rule":"element-invalid-code","code":"7"'
expect_out '"segment_id":"SN1","position_in_transaction":11,"element":3,"component":1'
expect_out '"loop":"HL","element_ref":"355","value":"XX"'
# no guide for a set: a note, still accepted, counted
sed 's/ST\*856/ST*830/; s/GS\*SH/GS*PS/' "$t/g.x12" >"$t/noguide.x12"
expect_exit 0 "$bin" --home "$G" validate -v "$t/noguide.x12"
expect_out 'note +offset .*no guide for transaction set 830'; expect_out '0 set\(s\) against guides, 1 with no guide'
# acknowledgements: 997 with AK3/AK4 detail, read back by `acks`
expect_exit 1 "$bin" --home "$G" ack -o "$t/acks" --time 202611220700 "$t/g-bad.x12"
expect_out "wrote $t/acks/000000021-000000002.ack.x12"
if cmp -s "$t/acks/000000021-000000002.ack.x12" - <<'ACK'
ISA*00*          *00*          *ZZ*RECEIVER       *ZZ*SENDER         *261122*0700*U*00401*000000002*0*P*:~
GS*FA*RX*SX*20261122*0700*1*X*004010~
ST*997*0001~
AK1*SH*21~
AK2*856*0001~
AK3*SN1*11*HL*8~
AK4*3:1*355*7*XX~
AK5*R*5~
AK9*R*1*1*0~
SE*8*0001~
GE*1*1~
IEA*1*000000002~
ACK
then ok; else bad "997 for g-bad.x12 differs:"; cat "$t/acks/000000021-000000002.ack.x12"; fi
expect_exit 1 "$bin" acks "$t/acks/000000021-000000002.ack.x12"
expect_out 'set 856 0001 \(group 21\): R \(rejected\): 5 one or more segments in error'
expect_out 'AK3 SN1 at position 11 \(loop HL\): code 8; AK4 element 3:1 \(ref 355\): code 7 .XX.'
expect_out '997 for group SH 21: R \(rejected\), 1 included, 1 received, 0 accepted'
expect_exit 1 "$bin" acks --json "$t/acks/000000021-000000002.ack.x12"; json_ok acks
ls -a "$t/acks" | grep -q '\.tmp' && bad "temporary file left in $t/acks" || ok
# counter file: numbers continue and are never reused
echo 41 >"$t/counter"
expect_exit 0 "$bin" --home "$G" ack -o "$t/acks2" --counter "$t/counter" "$t/g.x12"
expect_out '000000021-000000042.ack.x12'
expect_exit 0 "$bin" --home "$G" ack -o "$t/acks2" --counter "$t/counter" "$t/g.x12"
expect_out '000000021-000000044.ack.x12'
[ "$(cat "$t/counter")" = 45 ] && ok || bad "counter file holds $(cat "$t/counter"), want 45"
expect_exit 2 "$bin" ack --version 998 x; expect_err '997 or 999'

# --- shipped guides: 999 with CTX business key; every ack passes our 997/999 --
sed 's/\*U\*00401\*/*^*00501*/; s/\*004010~/*005010~/' "$root/demo/inbound/acme-asn-856.x12" |
	perl -0pe 's/\nREF\*BM\*/\nREF*BMXX*/' >"$t/ctx.x12"
# (CTX belongs to the healthcare convention: asked for, as a profile would)
expect_exit 1 "$bin" --home "$root" ack -o "$t/ctx" --time 202611220700 \
    --convention 005010X231A1 "$t/ctx.x12"
if grep -q '^IK3\*REF\*8\*HL\*8~$' "$t"/ctx/*.ack.x12 &&
	grep -A2 '^IK3\*REF' "$t"/ctx/*.ack.x12 | grep -q '^CTX\*BSN02:SH[0-9]*~$' &&
	grep -q '^IK4\*1\*128\*5\*BMXX~$' "$t"/ctx/*.ack.x12; then ok
else bad "999 lacks IK3/CTX/IK4 for the bad REF:"; cat "$t"/ctx/*.ack.x12; fi
mkdir -p "$t/rt"
for f in "$root"/tests/fixtures/acks/*.x12 "$root"/tests/fixtures/x12/*.x12 "$root"/demo/inbound/*.x12; do
	"$bin" --home "$root/tests/fixtures/guides" ack -o "$t/rt" --counter "$t/rt.counter" \
		--time 202611220700 "$f" >/dev/null 2>&1
done
n_rt=0
for a in "$t"/rt/*.ack.x12 "$t"/ctx/*.ack.x12; do
	[ -f "$a" ] || continue
	n_rt=$((n_rt+1))
	# ST01/ST02 copied from a bad inbound set are invalid by design
	if grep -qE '^AK2\*(8X6|856\*00[1-3])~|^AK2\*[^*]*\*[^*~]{0,3}~' "$a"; then continue; fi
	if "$bin" --home "$root" validate "$a" >"$t/rt.out" 2>&1; then ok; else
		bad "our acknowledgement $a fails our own 997/999 guides:"; grep ERROR "$t/rt.out" | head -3; fi
done
[ "$n_rt" -gt 50 ] && ok || bad "round trip made only $n_rt acknowledgements"

# --- the shipped fixtures: valid_* pass, the rest are flagged with their code --
if [ -d "$fx" ]; then
	for f in "$fx"/*.x12; do
		[ -f "$f" ] || continue
		n=$(basename "$f")
		case "$n" in
		valid_*) expect_exit 0 "$bin" validate "$f" ;;
		*) expect_exit 1 "$bin" validate "$f"
		   # The README's table names the code, e.g. AK905=5 -> [AK905=5]
		   code=$(awk -v n="\`$n\`" -F'|' 'index($2, n) && match($0, /(TA105|AK905|AK502)=[0-9]+/) {
				print substr($0, RSTART, RLENGTH); exit }' "$fx/README.md")
		   if [ -n "$code" ]; then expect_out "[[ ]$code[],;]"; fi ;;
		esac
	done
fi

echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
