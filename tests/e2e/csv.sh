#!/bin/sh
# CSV end to end (issue 16): `edigate csv` on every dialect, encoding and
# broken file in tests/fixtures/csv; `edigate layout check/map` turning
# CSV and fixed-width files into canonical Item, Location and Carrier
# records (valid against canonical.xsd, JSON Lines equal to xml2jsonl.py
# of the XML); `edigate delta` against an independent computation with
# LC_ALL=C sort and join on generated batches; the hold and reject
# verdicts and the fail-closed --out.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/csv.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/csv"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"
E="$bin --home $root"

# --- the reader: dialects ---------------------------------------------------
# file, options (- for none), records, a pattern of the text summary
while read -r f opts n pat; do
	[ "$opts" = - ] && opts=
	# shellcheck disable=SC2086
	expect_exit 0 $E csv $opts --show 9 "$fx/$f"
	expect_out "$f: $n records"
	expect_out "$pat"
done <<'EOF'
rfc4180_crlf.csv - 3 Bolt,.hex."M8"
pipe_lf.csv - 2 delimiter.'\|'
tab.tsv - 2 delimiter.TAB
semicolon_sep.csv - 1 delimiter.';'
bom_utf8.csv - 1 Müller.€
padded.csv --trim 2 A1\|Bolt\|10
no_final_newline.csv - 2 A2\|2
cr_only.csv - 2 A2\|2
latin1.csv --encoding=iso-8859-1 1 Café.crème.½
latin9_euro.csv --encoding=iso-8859-15 1 Prix.€.5
cp1252_euro.csv --encoding=windows-1252 1 Prix.€.5.“quoted”
EOF
# the quoted line break is kept inside the field
expect_exit 0 $E csv --show 3 "$fx/rfc4180_crlf.csv"
expect_out 'A2\|two\\x0D\\x0Alines\|5'
# padded fields keep their blanks without --trim
expect_exit 0 $E csv --show 3 "$fx/padded.csv"
expect_out '  A1 \|  Bolt  \|  10 '

# --- the reader: every broken file names line, column and byte ---------------
while read -r f opts code pat; do
	[ "$opts" = - ] && opts=
	# shellcheck disable=SC2086
	expect_exit "$code" $E csv $opts "$fx/$f"
	expect_err "$pat"
done <<'EOF'
utf8_invalid.csv - 1 line.3,.column.description.\(#2\),.byte.30:.byte.0xE9.*not.UTF-8
cp1252_undefined.csv --encoding=windows-1252 1 line.3,.column.description.\(#2\),.byte.29:.a.byte.this.encoding.does.not.define.*'0x81'
latin1_c1_control.csv --encoding=iso-8859-1 1 line.2,.column.description.\(#2\),.byte.24:.*control.character.*Windows-1252
ragged.csv - 1 line.3,.*2.fields,.the.header.has.3
stray_quote.csv - 1 line.2,.column.description.*a.quote.inside.a.field
text_after_quote.csv - 1 line.2,.*after.the.closing.quote
unterminated_quote.csv - 1 line.2,.*never.closed
nul_byte.csv - 1 line.2,.*NUL.byte
duplicate_header.csv - 1 names.column.'sku'.twice
utf16le_bom.csv - 1 UTF-16
empty.csv - 1 empty
EOF
# a delimiter given is obeyed, not guessed: read with the wrong one,
# the quoted commas surface as errors instead of silently other columns
expect_exit 1 $E csv --delimiter ';' --json "$fx/rfc4180_crlf.csv"
json_ok wrong-delimiter
expect_out '"delimiter":";".*"columns":\["sku,description,qty"\].*"line":2,.*a quote inside a field'
# ragged rows: both are told, the good rows still counted
expect_exit 1 $E csv --json "$fx/ragged.csv"
json_ok ragged
expect_out '"records":1,"badRecords":2'
# limits
awk 'BEGIN { printf "sku,description\nA1,"; for (i = 0; i < 3000; i++) printf "x"; printf "\nA2,short\n" }' >"$t/long.csv"
expect_exit 1 $E csv --max-record 1000 "$t/long.csv"
expect_err 'line 2, .*longer than the limit'
expect_exit 1 $E csv --max-columns 1 "$fx/pipe_lf.csv"
expect_err 'more fields than the limit'
# usage
expect_exit 2 $E csv --encoding ebcdic "$fx/pipe_lf.csv"
expect_exit 3 $E csv "$t/missing.csv"
expect_exit 0 $E csv --help
expect_out 'Usage: edigate csv'

# validate reads X12: a CSV file is refused by name, with the way to check it
expect_exit 1 $E validate "$fx/pipe_lf.csv"
expect_out 'the file is CSV: validate checks X12.*edigate layout map'
expect_exit 0 $E info --json
expect_out '"name":"csv","readable":true'

# --- layouts -----------------------------------------------------------------
expect_exit 0 $E layout check "$fx/items.layout.xml"
expect_out 'ok: layout acme-items, Item records'
expect_exit 1 $E layout check "$fx/broken.layout.xml"
expect_err 'broken.layout.xml:6: .colour. is not a field of a Item record'
expect_err 'broken.layout.xml:7: grossWeight is a measure'
expect_err 'broken.layout.xml:8: uom: no code list .nolist.'
expect_err 'broken.layout.xml:9: status: give exactly one of'
expect_exit 1 $E layout check --json "$fx/broken.layout.xml"
json_ok layout-json
expect_out '"ok":false.*"line":6'
printf '<layout name="x" record="Item"><key name="sku" path="sku"/></layout>\n' >"$t/noschema.xml"
expect_exit 1 $E layout check "$t/noschema.xml"
expect_exit 0 $E layout --help

have_xmllint=0 have_python=0
command -v xmllint >/dev/null 2>&1 && have_xmllint=1
command -v python3 >/dev/null 2>&1 && have_python=1
# layout, file, records, bad rows
while read -r lay f n nbad; do
	want=0
	[ "$nbad" -gt 0 ] && want=1
	expect_exit "$want" $E layout map --format xml "$fx/$lay" "$fx/$f"
	cp "$t/out" "$t/$f.xml"
	expect_err "$n records, $nbad bad rows"
	expect_exit "$want" $E layout map "$fx/$lay" "$fx/$f"
	cp "$t/out" "$t/$f.jsonl"
	if [ "$(($(wc -l <"$t/$f.jsonl")))" -eq "$n" ]; then ok
	else bad "$f: $(wc -l <"$t/$f.jsonl") JSON lines, want $n"; fi
	if [ "$have_xmllint" -eq 1 ]; then
		if xmllint --noout --schema "$root/schemas/canonical.xsd" \
		    "$t/$f.xml" 2>"$t/xsd"; then ok
		else bad "$f: records invalid against canonical.xsd"; head -5 "$t/xsd"; fi
	fi
	if [ "$have_python" -eq 1 ]; then
		if python3 "$root/tests/fixtures/canonical/xml2jsonl.py" \
		    --schema "$root/schemas/canonical.xsd" "$t/$f.xml" >"$t/ref" &&
		    cmp -s "$t/ref" "$t/$f.jsonl"; then ok
		else bad "$f: JSON Lines differ from xml2jsonl.py of the XML"; fi
	fi
done <<'EOF'
items.layout.xml items_cp1252.csv 3 0
locations.layout.xml locations.csv 2 1
carriers.layout.xml carriers.csv 2 1
fixed.layout.xml fixed_items.txt 2 1
items_simple.layout.xml bad_rows.csv 2 6
EOF
# values as the layout reads them
expect_exit 0 $E layout map "$fx/items.layout.xml" "$fx/items_cp1252.csv"
expect_out '"sku":"A-101","description":"Müllbeutel \\"Groß\\" 120 l","uom":"PK"'
expect_out '"grossWeight":\{"value":1234.5,"uom":"KG"\}'
expect_out '"description":"Farbe €-Preis"'
expect_out '"position":\{"unit":"row","first":3,"last":3,"byteOffset":164,"byteLength":65\}'
expect_exit 1 $E layout map "$fx/fixed.layout.xml" "$fx/fixed_items.txt"
expect_out '"description":"Café crème € 2,5","uom":"EA","grossWeight":\{"value":1.45'
expect_err 'line 3, column #3, byte 110: grossWeight is not a number'
expect_exit 1 $E layout map "$fx/carriers.layout.xml" "$fx/carriers.csv"
expect_out '"modes":\["ltl","truckload"\]'
expect_err "line 4, column SCAC \\(#1\\), byte 72: scac is not a SCAC"
expect_exit 1 $E layout map "$fx/locations.layout.xml" "$fx/locations.csv"
expect_out '"addressLines":\["8915 MAIN ST","DOCK 4"\]'
expect_err "line 4, column GLN \\(#3\\), byte 283: gln is not a GLN"
expect_err "line 4, column Type .*'XX' is not in code list loctype"
# every bad row of bad_rows.csv, by line, column and reason
expect_exit 1 $E layout map "$fx/items_simple.layout.xml" "$fx/bad_rows.csv"
expect_err 'line 3, column gtin \(#2\), byte 171: gtin has a wrong GS1 check digit'
expect_err "line 4, column weight_kg \\(#5\\), .*decimal mark is '.': '1,5'"
expect_err 'line 5, column uom \(#4\), .*uom is required'
expect_err "line 6, column hazmat \\(#10\\), .*'maybe'"
expect_err 'line 7, column sku \(#1\), .*business key sku is empty'
expect_err 'line 8, column case_qty \(#9\), .*is zero'
expect_no_out '"sku":"B-[2-7]"'
expect_exit 1 $E layout map --json --out "$t/r.jsonl" "$fx/items_simple.layout.xml" "$fx/bad_rows.csv"
json_ok map-json
expect_out '"rows":8,"records":2,"badRows":6'
expect_out '"where":\{"line":3,"record":2,"offset":171,"column":2,"columnName":"gtin","value":"4006381333932"\}'
# a renamed header column is caught before any row
expect_exit 1 $E layout map "$fx/moved_column.layout.xml" "$fx/rfc4180_crlf.csv"
expect_err "no column 'Description'.*renamed or moved"

# --- delta against LC_ALL=C sort + join --------------------------------------
# Two batches of the items_simple layout: the new one changes, adds and
# deletes rows and shuffles them.  The independent answer: each file's
# rows as "sku<TAB>rest of the line", sorted with LC_ALL=C, then join.
gen() { # SEED N: items, sku = I<number>
	awk -v seed="$1" -v n="$2" 'BEGIN {
		srand(seed)
		print "sku,gtin,description,uom,weight_kg,length_cm,width_cm,height_cm,case_qty,hazmat,lot_controlled,status"
		for (i = 0; i < n; i++)
			printf "I%06d,,\"Item %d, blue\",EA,%d.%d,10,20,30,%d,false,true,active\n",
			    i, i, i % 50, i % 7, 1 + i % 12
	}'
}
gen 1 3000 >"$t/old.csv"
# new: drop every 97th, change the weight of every 31st, add 40, shuffle
awk -F, 'NR == 1 { print; next }
	{ k = substr($1, 2) + 0 }
	k % 97 == 0 { next }
	k % 31 == 0 { $0 = $1 "," $2 "," $3 "," $4 "," $5 ",99.5," $7 "," $8 "," $9 "," $10 "," $11 "," $12 "," $13 }
	{ print }
	END { for (i = 3000; i < 3040; i++) printf "I%06d,,\"New %d\",EA,1,1,1,1,1,false,false,active\n", i, i }' \
	"$t/old.csv" >"$t/new.ordered"
{ head -1 "$t/new.ordered"; tail -n +2 "$t/new.ordered" | awk 'BEGIN { srand(5) } { print rand() "\t" $0 }' |
	LC_ALL=C sort | cut -f2-; } >"$t/new.csv"
keyed() { tail -n +2 "$1" | awk -F, '{ k = $1; $1 = ""; print k "\t" $0 }' | LC_ALL=C sort; }
keyed "$t/old.csv" >"$t/old.k"
keyed "$t/new.csv" >"$t/new.k"
want_del=$(LC_ALL=C join -t "$(printf '\t')" -v 1 "$t/old.k" "$t/new.k" | wc -l)
want_add=$(LC_ALL=C join -t "$(printf '\t')" -v 2 "$t/old.k" "$t/new.k" | wc -l)
want_chg=$(LC_ALL=C join -t "$(printf '\t')" "$t/old.k" "$t/new.k" | awk -F'\t' '$2 != $3' | wc -l)
want_same=$(LC_ALL=C join -t "$(printf '\t')" "$t/old.k" "$t/new.k" | awk -F'\t' '$2 == $3' | wc -l)
LC_ALL=C join -t "$(printf '\t')" -v 1 "$t/old.k" "$t/new.k" | cut -f1 >"$t/want.deleted"
LC_ALL=C join -t "$(printf '\t')" -v 2 "$t/old.k" "$t/new.k" | cut -f1 >"$t/want.added"
LC_ALL=C join -t "$(printf '\t')" "$t/old.k" "$t/new.k" | awk -F'\t' '$2 != $3 { print $1 }' >"$t/want.changed"
# a tiny memory budget: many runs on disk
expect_exit 0 $E delta "$t/old.csv" "$t/new.csv" --layout "$fx/items_simple.layout.xml" \
	--out "$t/changes.jsonl" --mem 1 --tmp "$t" --json
json_ok delta-json
expect_out "\"added\":$((want_add)),\"changed\":$((want_chg)),\"deleted\":$((want_del)),\"unchanged\":$((want_same))"
expect_out '"verdict":"accept"'
for k in added changed deleted; do
	grep "\"change\":\"$k\"" "$t/changes.jsonl" | sed 's/.*"key":"\([^"]*\)".*/\1/' | LC_ALL=C sort >"$t/got.$k"
	if cmp -s "$t/got.$k" "$t/want.$k"; then ok
	else bad "delta: the $k keys differ from sort + join"; diff "$t/want.$k" "$t/got.$k" | head -5; fi
done
# every change names its fields; a changed weight is grossWeight alone
if grep '"change":"changed"' "$t/changes.jsonl" | grep -vq '"fields":\["grossWeight"\]'; then
	bad "delta: a change other than grossWeight"
else ok; fi
ls "$t"/edigate-delta.* >/dev/null 2>&1 && bad "delta left its runs behind" || ok
# a deleted row is passed on as its old record with status "deleted"
if grep '"change":"deleted"' "$t/changes.jsonl" | grep -vq '"status":"deleted"}}$'; then
	bad "delta: a deleted record without status deleted"
else ok; fi
if grep '"change":"added"' "$t/changes.jsonl" | grep -q '"status":"deleted"'; then
	bad "delta: an added record marked deleted"
else ok; fi

# a cut-short file: held, nothing written
head -1500 "$t/new.csv" >"$t/cut.csv"
rm -f "$t/changes2.jsonl"
expect_exit 1 $E delta "$t/old.csv" "$t/cut.csv" --layout "$fx/items_simple.layout.xml" --out "$t/changes2.jsonl"
expect_out 'verdict: hold: .*fewer than the last batch'
expect_out 'changes: not written'
[ -e "$t/changes2.jsonl" ] && bad "a held batch wrote its changes" || ok
ls "$t"/changes2.jsonl.tmp-* >/dev/null 2>&1 && bad "a held batch left a temporary file" || ok
# too many deletes
expect_exit 1 $E delta "$t/old.csv" "$t/new.csv" --layout "$fx/items_simple.layout.xml" --max-deletes 5
expect_out 'verdict: hold: 31 deletes, more than the limit of 5'
# a duplicate key in the new file
{ cat "$t/new.csv"; sed -n 3p "$t/old.csv"; } >"$t/dup.csv"
expect_exit 1 $E delta "$t/old.csv" "$t/dup.csv" --layout "$fx/items_simple.layout.xml"
expect_out 'verdict: hold: 1 duplicate key'
expect_err 'the key is on line'
# bad rows: quarantined under 1 %, their keys are not "deleted"
awk 'NR == 11 { sub(/,EA,/, ",EA,x") } { print }' "$t/old.csv" >"$t/onebad.csv"
expect_exit 0 $E delta "$t/old.csv" "$t/onebad.csv" --layout "$fx/items_simple.layout.xml" --json
expect_out '"deleted":0,"unchanged":2999,"duplicates":0,"duplicatesOld":0,"rejected":1,"verdict":"accept"'
expect_out '"line":11,.*grossWeight is not a number'
# 40 bad rows of 3000 is over 1 %: rejected
awk 'NR > 1 && NR <= 41 { sub(/,EA,/, ",EA,x") } { print }' "$t/old.csv" >"$t/manybad.csv"
expect_exit 1 $E delta "$t/old.csv" "$t/manybad.csv" --layout "$fx/items_simple.layout.xml"
expect_out 'verdict: reject: 40 bad rows of 3000 is more than 1 %'
# usage
expect_exit 2 $E delta "$t/old.csv" --layout "$fx/items_simple.layout.xml"
expect_exit 0 $E delta --help
expect_out 'Usage: edigate delta'

echo "csv: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
