#!/bin/sh
# edifact.sh - UN/EDIFACT end to end with the real binary (issue 15):
#   - every tests/fixtures/edifact/*.edi file: `validate --envelope` exits
#     0 for the good files (sep_*, v*, release, wrapped, multi, groups) and
#     1 for err_* and bad_*, and an err_CODE_* file's findings carry 0085
#     code CODE; --json is well-formed and says "format":"edifact";
#   - `parse` and `parse --json` show the values with release characters
#     removed, the separators of each interchange, line breaks unwrapped;
#   - `ack` writes, for every fixture with an expected/NAME.contrl, a
#     CONTRL that is byte for byte that file (several interchanges: their
#     files concatenated in name order); the others get none;
#   - the CONTRL policy options (--contrl, --receipt-only) and the
#     --repertoire option, and the unanswerable cases on stderr;
#   - every CONTRL we write is itself a clean EDIFACT interchange and
#     validates against the shipped CONTRL guide;
#   - message guides: tests/fixtures/edifact/guide/ DESADVs, good and bad
#     (findings with their 0085 codes and positions), --guide, a broken
#     guide refused with file:line.
#
# Usage (from the repository root):
#   EDIGATE=/abs/path/to/build/asan/edigate sh tests/e2e/edifact.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/edifact"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"

no_san() { # no sanitizer report in $t/err
	if grep -q -e 'runtime error' -e 'AddressSanitizer' "$t/err"; then
		bad "sanitizer report: $*"; head -5 "$t/err"
	else ok; fi
}

# --- validate every fixture ----------------------------------------------
for f in "$fx"/*.edi; do
	n=$(basename "$f" .edi)
	case $n in
	err_*|bad_*) want=1 ;;
	*) want=0 ;;
	esac
	expect_exit "$want" "$bin" validate --envelope "$f"; no_san "$n"
	expect_out 'UN/EDIFACT'
	expect_exit "$want" "$bin" validate --envelope --json "$f"
	json_ok "$n"
	expect_out '"format":"edifact"'
	case $n in
	err_*)
		code=$(echo "$n" | cut -d_ -f2)
		expect_out "\"code\":\"$code\"" ;;
	esac
done

# named findings, as people read them
expect_exit 1 "$bin" validate --envelope "$fx/err_28_refs.edi"
expect_out "UNZ reference 'IC9999' does not match UNB 0020 'IC0014' \[0085=28\]"
expect_exit 1 "$bin" validate --envelope "$fx/err_29_counts.edi"
expect_out 'segment 5 \(UNT.*UNT says 3 segments, the message has 4'
expect_exit 1 "$bin" validate --envelope "$fx/err_21_chars.edi"
expect_out "character 'a' is not in the UNOA repertoire"
expect_exit 0 "$bin" validate --envelope --repertoire lenient "$fx/err_21_chars.edi"
expect_exit 0 "$bin" validate --envelope --repertoire off "$fx/err_21_chars.edi"
expect_exit 2 "$bin" validate --envelope --repertoire loose "$fx/err_21_chars.edi"
expect_exit 1 "$bin" validate --envelope "$fx/bad_nul.edi"
expect_out 'offset 79, segment 3 \(BGM.*NUL byte'
expect_exit 1 "$bin" validate --envelope "$fx/bad_una_dup.edi"
expect_out 'UNA2 element separator is the same character as UNA1'
expect_exit 1 "$bin" validate --envelope --json "$fx/err_45_trailing.edi"
expect_out '"code":"45","code_element":"0085","offset":91,"segment":3,"segment_id":"BGM","position_in_message":2,"element":4'
# limits as for X12
{ printf "UNB+UNOA:3+S+R+260105:1200+IC1'UNH+1+X:D:96A:UN'FTX+AAI+++"
  printf '%0300d' 0; printf "'UNT+3+1'UNZ+1+IC1'"; } >"$t/long.edi"
expect_exit 0 "$bin" validate --envelope "$t/long.edi"
expect_exit 1 "$bin" validate --envelope --max-segment 200 --json "$t/long.edi"
expect_out 'longer than 200 \(limit max_segment\)'
# an EDIFACT file is not checked as an X12 partner's
expect_exit 2 "$bin" validate --envelope --partner bigretail "$fx/sep_default.edi"
expect_err 'not supported for EDIFACT'

# --- parse ------------------------------------------------------------------
expect_exit 0 "$bin" parse "$fx/sep_una_custom.edi"
expect_out "separators \(from UNA\): component '\^', element '\*', decimal ',', release '!', repetition none, segment '\\$'"
expect_out 'message ORDERS:D:96A, UNH 0062 7'
expect_exit 0 "$bin" parse --json "$fx/release.edi"; json_ok release
expect_out '"ends in a question mark\?"'
expect_out "\"it's released\""
expect_out "\"odd run\?'s kept\""
expect_out '"1\+1:2"'
expect_out '\["ID:1","","9"\]'
expect_exit 0 "$bin" parse --json "$fx/v4_repeat.edi"; json_ok v4
expect_out '\{"repetitions":\["first","second","third"\]\}'
expect_out '"INV1\*A"'
expect_exit 0 "$bin" parse --json "$fx/vX.edi"; json_ok vX
expect_out '"repetition":"none"'
expect_exit 0 "$bin" parse --json "$fx/sep_level_b_v4.edi"; json_ok levelb
expect_out '"element":"0x1D","decimal":".","release":"none","repetition":"0x1E","segment":"0x1C"'
expect_out '\{"repetitions":\["one","two"\]\}'
expect_exit 0 "$bin" parse "$fx/wrapped.edi"
expect_out 'BGM\+351\+DN LONG NUMBER 0000012345\+9   \(line breaks removed\)'
expect_exit 0 "$bin" parse --json "$fx/groups.edi"; json_ok groups
expect_out '"type":"group","control":"G1","children":\[\{"id":"UNG"'
expect_exit 0 "$bin" parse --json "$fx/multi.edi"; json_ok multi
expect_out '"control":"IC0012".*"segment":"!"'
expect_exit 1 "$bin" parse "$fx/bad_truncated.edi"
expect_err 'offset 70, segment 3.*file ends inside a segment'
expect_exit 1 "$bin" parse --json "$fx/bad_tag.edi"; json_ok badtag
expect_out '"error":\{"code":"syntax","offset":70'

# --- CONTRL byte for byte -----------------------------------------------------
for f in "$fx"/*.edi; do
	n=$(basename "$f" .edi)
	rm -rf "$t/o"
	"$bin" ack --time 202601051300 --first-control 1 -o "$t/o" "$f" \
		>"$t/out" 2>"$t/err"
	no_san "ack $n"
	exp="$fx/expected/$n.contrl"
	if [ -f "$exp" ]; then
		cat "$t/o"/*.contrl.edi >"$t/got" 2>/dev/null
		if cmp -s "$t/got" "$exp"; then ok; else
			bad "ack $n: CONTRL differs from expected/$n.contrl"
			diff "$exp" "$t/got" | head -10
		fi
		# our CONTRL is itself a clean interchange, and valid
		# against the shipped CONTRL guide (D3 or 41)
		for c in "$t/o"/*.contrl.edi; do
			(cd "$root" && "$bin" validate "$c") >"$t/v" 2>&1 &&
			grep -q ' 1 message(s) against guides, 0 with no guide' "$t/v" || {
				bad "ack $n: our CONTRL does not validate"
				head -5 "$t/v"; }
		done
	else
		if [ -n "$(ls "$t/o" 2>/dev/null)" ]; then
			bad "ack $n: wrote a CONTRL none was asked for"
		else ok; fi
	fi
	# nothing half-written
	if ls -a "$t/o" 2>/dev/null | grep -q '\.tmp'; then
		bad "ack $n: temporary file left"
	else ok; fi
done

# message guides (edi/edifact): a good EANCOM DESADV passes, a bad one
# gives each finding with its 0085 code; --envelope leaves guides out; a
# broken guide is refused with file:line
g="$fx/guide"
(cd "$root" && "$bin" validate "$g/desadv_d96a_ok.edi") >"$t/out" 2>"$t/err"
[ $? -eq 0 ] && ok || bad "guide: good DESADV refused"
expect_out '1 message\(s\) against guides, 0 with no guide'
(cd "$root" && "$bin" validate --json "$g/desadv_d96a_bad.edi") >"$t/out" 2>"$t/err"
[ $? -eq 1 ] && ok || bad "guide: bad DESADV passed"
json_ok guidejson; no_san guidejson
expect_out '"checks":"guides"'
expect_out '"rule":"component-missing","code":"13".*"segment_id":"DTM","position_in_message":3,"element":1,"component":3'
expect_out '"rule":"segment-out-of-order","code":"15".*"segment_id":"LIN","position_in_message":5'
expect_out '"rule":"invalid-numeric","code":"37".*"segment_id":"QTY"'
expect_exit 0 "$bin" validate --envelope "$g/desadv_d96a_bad.edi"
(cd "$root" && "$bin" validate --guide edi/edifact/D96A/DESADV.xml "$g/desadv_d96a_ok.edi") >"$t/out" 2>"$t/err"
[ $? -eq 0 ] && ok || bad "guide: --guide DESADV.xml"
(cd "$root" && "$bin" validate --guide "$g/bad_guide.xml" "$g/desadv_d96a_ok.edi") >"$t/out" 2>"$t/err"
[ $? -eq 2 ] && ok || bad "guide: broken guide accepted"
expect_err 'bad_guide.xml:8: a group starts with a segment of status M'

# policy: not requested, then forced; a CONTRL is never answered
expect_exit 0 "$bin" ack --time 202601051300 -o "$t/p1" "$fx/v1_unoa.edi"
[ -z "$(ls "$t/p1" 2>/dev/null)" ] && ok || bad "v1_unoa: CONTRL without 0031"
expect_exit 0 "$bin" ack --contrl always --time 202601051300 -o "$t/p2" \
	"$fx/v1_unoa.edi" "$fx/contrl_in.edi"
expect_out 'IC0005-000000001.contrl.edi'
[ "$(ls "$t/p2" | wc -l)" -eq 1 ] && ok || bad "a CONTRL was answered"
grep -q "UCI+IC0005+SENDER+RECEIVER+7'" "$t/p2"/*.edi && ok || bad "forced CONTRL"
expect_exit 1 "$bin" ack --contrl on-error --time 202601051300 -o "$t/p3" "$fx/bad_nul.edi"
grep -q "UCI+IC0029+SENDER+RECEIVER+4+21+BGM" "$t/p3"/*.edi && ok || bad "on-error CONTRL"
expect_exit 1 "$bin" ack --contrl never -o "$t/p4" "$fx/err_29_counts.edi"
[ -z "$(ls "$t/p4" 2>/dev/null)" ] && ok || bad "--contrl never wrote"
expect_exit 0 "$bin" ack --receipt-only --time 202601051300 -o "$t/p5" "$fx/groups.edi"
[ "$(sed -n 3p "$t/p5"/*.edi)" = "UCI+IC0013+SENDER:14+RECEIVER:14+8'" ] && ok || bad "receipt only"
[ "$(cat "$t/p5"/*.edi | wc -l)" -eq 5 ] && ok || bad "receipt only: UCI alone"
expect_exit 1 "$bin" ack --contrl on-error -o "$t/p6" "$fx/bad_junk_after.edi"
expect_err 'no CONTRL written for 1 interchange\(s\): data outside any interchange'
expect_exit 2 "$bin" ack --contrl sometimes "$fx/groups.edi"
# after a reader break: an interchange whose raw UNB still reads is told
# it was not processed (UCI 4, code 18), as run tells it; so is one
# behind a UNA the reader refuses
expect_exit 1 "$bin" ack --contrl on-error --time 202601051300 -o "$t/p8" "$fx/run/junk_after.edi"
expect_err 'interchange EF0021 at offset 176 follows bytes that could not be read: rejected \(0085 code 18\)'
[ "$(cat "$t/p8"/EF0021-*.contrl.edi 2>/dev/null)" = "$(printf "UNB+UNOC:3+5400000000009:14+5412345000013:14+260105:1300+2'\nUNH+1+CONTRL:D:3:UN'\nUCI+EF0021+5412345000013:14+5400000000009:14+4+18'\nUNT+3+1'\nUNZ+1+2'")" ] &&
	ok || bad "ack: no CONTRL rejecting the unread EF0021"
expect_exit 1 "$bin" ack --contrl on-error --time 202601051300 -o "$t/p9" "$fx/run/bad_una.edi"
[ "$(cat "$t/p9"/EF0022-*.contrl.edi 2>/dev/null)" = "$(printf "UNA:+.? '\nUNB+UNOC:3+5400000000009:14+5412345000013:14+260105:1300+1'\nUNH+1+CONTRL:D:3:UN'\nUCI+EF0022+5412345000013:14+5400000000009:14+4+18'\nUNT+3+1'\nUNZ+1+1'")" ] &&
	ok || bad "ack: no CONTRL rejecting EF0022 behind a bad UNA"
# counters: two runs never repeat our UNB 0020
expect_exit 0 "$bin" ack --counter "$t/ctr" -o "$t/p7" "$fx/groups.edi"
expect_exit 0 "$bin" ack --counter "$t/ctr" -o "$t/p7" "$fx/groups.edi"
[ "$(ls "$t/p7" | wc -l)" -eq 2 ] && ok || bad "counter reused a number"
expect_exit 0 "$bin" ack --help; expect_out 'CONTRL'
expect_exit 0 "$bin" parse --help; expect_out 'UN/EDIFACT'
expect_exit 0 "$bin" validate --help; expect_out '--repertoire'

# a partner's CONTRL explained by `acks` (our own expected files serve)
expect_exit 1 "$bin" acks "$fx/expected/err_45_trailing.contrl"
expect_out 'CONTRL for interchange IC0020 \(SENDER -> RECEIVER\): 7 \(acknowledged'
expect_out 'message ORDERS 1: 4 \(rejected, with everything below it\)'
expect_out '45 trailing separator at element position 2 \(the tag is 1\), component 3'
expect_exit 0 "$bin" acks --json "$fx/expected/groups.contrl"; json_ok acksjson
expect_out '"kind":"group","ack_type":"CONTRL","unb0020":"IC0013".*"reference":"G1".*"action":"7"'
expect_exit 1 "$bin" acks "$fx/expected/err_28_refs.contrl"
expect_out 'group G1: 4 .*28 references do not match \(UNE\) at element position 3'
expect_exit 1 "$bin" acks "$fx/sep_default.edi"
expect_err 'holds no CONTRL message'

# the registry reads EDIFACT now
expect_exit 0 "$bin" info --json
expect_out '"name":"edifact","readable":true'

echo "edifact: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
