#!/bin/sh
# Mapping end to end: X12 files to canonical records with `edigate map`,
# on a temporary home that uses the shipped edi/ (guides and maps) and
# schemas/, and the test profiles in tests/fixtures/map/home/partners.
#
# Good files: exit 0, the XML batch validates against canonical.xsd, the
# --format jsonl output is byte for byte what xml2jsonl.py makes of the
# XML, and equals the golden tests/fixtures/map/expected/NAME.jsonl.
# Bad files: exit 1, no record for the bad set, and a finding that names
# the rule and the segment/element.  Then profile overrides, code lists,
# business rules and tenant isolation.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/map.sh
#   MAP_UPDATE=1 ...   rewrite the goldens from the current output (then
#                      read every changed value against its fixture)
# The XSD and JSON-conversion checks print SKIP when xmllint or python3
# are missing.  POSIX sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0 xfail=0
. "$here/lib.sh"

h="$t/home"
mkdir -p "$h"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
cp -R "$fx/home/partners" "$h/partners"
E="$bin --home $h"

have_xmllint=0 have_python=0
if command -v xmllint >/dev/null 2>&1; then have_xmllint=1
else echo "SKIP: map: xmllint not found: records are not checked against canonical.xsd"; fi
if command -v python3 >/dev/null 2>&1; then have_python=1
else echo "SKIP: map: python3 not found: JSON Lines are not compared with xml2jsonl.py"; fi

# a known engine bug: counted apart, so the run still says what is wrong
# without failing on it; once fixed, it fails until the line is removed
known_bug() { # CONDITION-HOLDS(0/1) TEXT
	if [ "$1" -eq 0 ]; then echo "XFAIL (known bug): $2"; xfail=$((xfail+1))
	else bad "known bug fixed, update map.sh and the goldens: $2"; fi
}

# the profiles of the test home are whole (once their inboxes exist:
# a missing inbox fails the partner in a run, so it is an error)
expect_exit 2 $E partner check shopco; expect_out 'inbox .*drop/shopco/in does not exist'
mkdir -p "$h/drop/depot/in" "$h/drop/northwh/in" "$h/drop/shopco/in" "$h/drop/southwh/in"
expect_exit 0 $E partner check; expect_out '^OK: 4 profile\(s\), 0 error\(s\)'

# show_diff WANT GOT: where two files of long JSON lines first differ
show_diff() {
	if [ "$have_python" -eq 1 ]; then
		python3 - "$1" "$2" <<'EOF2'
import sys
a, b = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]),
         min(len(a), len(b)))
print("    at character %d:\n    want ...%s...\n    got  ...%s..."
      % (i, a[max(0, i - 60):i + 60].replace("\n", "|"),
         b[max(0, i - 60):i + 60].replace("\n", "|")))
EOF2
	else
		diff "$1" "$2" | head -6 | cut -c1-200 | sed 's/^/    /'
	fi
}

# good NAME PARTNER RECORD-TYPE COUNT [MAP OPTIONS...]
good() {
	name=$1 partner=$2 rtype=$3 n=$4; shift 4
	x="$t/$name.xml" j="$t/$name.jsonl"
	expect_exit 0 $E map --partner "$partner" "$@" "$fx/$name.x12"
	cp "$t/out" "$x"
	expect_err "$name.x12: $n record\\(s\\) from 1 set\\(s\\); 0 rejected by map or rules, 0 not mapped"
	got=$(grep -c "^  <$rtype>\$" "$x")
	if [ "$got" -eq "$n" ]; then ok; else bad "$name: $got <$rtype> records, want $n"; fi
	if grep -q '\[[a-z0-9-]*\]' "$t/err"; then
		bad "$name: findings on a good file"; sed 's/^/    /' "$t/err" | head -5
	else ok; fi
	if [ "$have_xmllint" -eq 1 ]; then
		if xmllint --noout --schema "$root/schemas/canonical.xsd" "$x" 2>"$t/xsd"; then ok
		else bad "$name: records invalid against canonical.xsd"; sed 's/^/    /' "$t/xsd" | head -5; fi
	fi
	expect_exit 0 $E map --partner "$partner" --format jsonl "$@" "$fx/$name.x12"
	cp "$t/out" "$j"
	got=$(($(wc -l <"$j")))
	if [ "$got" -eq "$n" ]; then ok; else bad "$name: $got JSON lines, want $n"; fi
	if [ "$have_python" -eq 1 ]; then
		if python3 "$root/tests/fixtures/canonical/xml2jsonl.py" \
			--schema "$root/schemas/canonical.xsd" "$x" >"$t/ref.jsonl" &&
		    cmp -s "$t/ref.jsonl" "$j"; then ok
		else bad "$name: --format jsonl differs from xml2jsonl.py of the XML"
			show_diff "$t/ref.jsonl" "$j"; fi
	fi
	if [ "${MAP_UPDATE:-0}" = 1 ]; then
		mkdir -p "$fx/expected"
		cp "$j" "$fx/expected/$name.jsonl"
		echo "updated expected/$name.jsonl: read it against $name.x12"
	fi
	if cmp -s "$fx/expected/$name.jsonl" "$j"; then ok
	else bad "$name: records differ from expected/$name.jsonl"
		show_diff "$fx/expected/$name.jsonl" "$j"; fi
}

# bad NAME PARTNER [MAP OPTIONS...]: exit 1, stdout in $t/out
bad_file() {
	name=$1 partner=$2; shift 2
	expect_exit 1 $E map --partner "$partner" "$@" "$fx/$name.x12"
}

# --- good files -------------------------------------------------------------

# 945 answering the 940 we sent (the profile's rules need it): packs from
# LX loops with a MAN, items from W12, an LX without MAN shipped loose
good 945-good northwh Shipment 1 --seen "$fx/940-sent.x12"
expect_no_out 'WarehouseOrder' # the --seen 940 is remembered, not written
expect_out '"packs":\[\{"sscc":"006141410000000012"'  # MAN*GM, 00 dropped
expect_out '"packs":.*\{"trackingNumber":"1Z999AA10123456784"' # MAN*CP
expect_out '\],"items":\[\{"lineNumber":"3"'  # LX 3 has no MAN: loose
# -o writes the same batch as standard output
expect_exit 0 $E map --partner northwh --seen "$fx/940-sent.x12" -o "$t/o.xml" "$fx/945-good.x12"
if cmp -s "$t/o.xml" "$t/945-good.xml"; then ok; else bad "-o differs from standard output"; fi
if [ ! -s "$t/out" ]; then ok; else bad "-o: records also on standard output"; fi

# 005010: an N1 loop under a W12 belongs to the item, not the ship-to
good 945-good-005010 northwh Shipment 1 --seen "$fx/940-sent.x12"
expect_out '"shipTo":\{"id":"0042"'; expect_no_out '0099'

# the profile's override: shipmentId from W0602 (W0604 is empty)
good 945-override southwh Shipment 1
expect_out '"shipmentId":"ORD2001"'
expect_out '"keys":\[\{"name":"shipment-id","value":"ORD2001"\}'

good 940-good depot WarehouseOrder 1
good 940-good-005010 depot WarehouseOrder 1
expect_out '"orderType":"standard"'   # W0508, 005010 only
expect_out '"test":true'              # ISA15 T

good 850-good shopco WarehouseOrder 1
expect_out '"customerId":"SHOPCO"'    # the profile's default
expect_out '"unitPrice":12.50'        # trailing zero kept as sent
expect_out '"lineNumber":"2","gtin":"071234567898"' # no PO101: numbered
good 850-good-005010 shopco WarehouseOrder 1
expect_out '"notes":\["LEAVE AT DOCK 3"\]' # MTX02

# line-level N1*ST: one WarehouseOrder per store
good 850-split shopco WarehouseOrder 2
s1=$(sed -n 1p "$t/850-split.jsonl" | grep -o '"shipTo":{"id":"[0-9]*"')
s2=$(sed -n 2p "$t/850-split.jsonl" | grep -o '"shipTo":{"id":"[0-9]*"')
if [ "$s1" = '"shipTo":{"id":"0101"' ] && [ "$s2" = '"shipTo":{"id":"0202"' ]; then ok
else bad "850-split: ship-to ids '$s1' and '$s2', want 0101 then 0202"; fi
l1=$(sed -n 1p "$t/850-split.jsonl" | grep -o '"lineNumber":"[0-9]*"' | tr '\n' ' ')
l2=$(sed -n 2p "$t/850-split.jsonl" | grep -o '"lineNumber":"[0-9]*"' | tr '\n' ' ')
if [ "$l1" = '"lineNumber":"1" "lineNumber":"3" ' ] && [ "$l2" = '"lineNumber":"2" ' ]; then ok
else bad "850-split: lines '$l1' / '$l2', want 1 3 / 2"; fi

# without PO101 the lines are numbered in document order, also when the
# order is split: store 0101 has lines 1 and 3, store 0202 line 2
expect_exit 0 $E map --partner shopco --format jsonl "$fx/850-split-unnumbered.x12"
got=$(grep -c '"recordType":"WarehouseOrder"' "$t/out")
if [ "$got" -eq 2 ]; then ok; else bad "850-split-unnumbered: $got records, want 2"; fi
l1=$(sed -n 1p "$t/out" | grep -o '"lineNumber":"[0-9]*"' | tr '\n' ' ')
if [ "$l1" = '"lineNumber":"1" "lineNumber":"3" ' ]; then ok
else bad "850-split-unnumbered: store 0101 lines '$l1', want 1 3 (numbered in the set)"; fi

# PER03=TE / EM reach contact/phone and email (every good fixture's
# ship-to has a PER with TE; 945-good also EM)
if grep -q '"contact":{"name":"[^"]*","phone":"' "$t/945-good.jsonl" &&
	grep -q '"phone":"512-555-0100"' "$t/940-good.jsonl" &&
	grep -q '"email":"' "$t/945-good.jsonl"; then ok
else bad "contact phone / email missing from 945-good or 940-good"; fi

# --- bad files --------------------------------------------------------------

# a code no list translates: rejected (fail closed), nothing written
bad_file 850-unmapped-mode shopco
expect_err 'segment 5 \(TD5, .*element TD504, error \[map-unmapped-code\] set 0001: TD504 code .ZZ. for carrier/transportMode'
expect_no_out '<WarehouseOrder>'; expect_out '^<records>$'
bad_file 850-unmapped-mode shopco --format jsonl
if [ ! -s "$t/out" ]; then ok; else bad "850-unmapped-mode: JSON Lines written"; fi

# the profile's uom list has no DZ: rejected, although the map has no list
bad_file 850-unmapped-uom shopco
expect_err 'element PO103, error \[map-unmapped-code\] set 0001: unit .DZ. for line/quantityOrdered has no translation in code list .uom. \(profile shopco\)'
expect_no_out '<WarehouseOrder>'

# required shipDate: no W0603, no G62*11
bad_file 945-no-shipdate northwh --seen "$fx/940-sent.x12"
expect_err '\[map-missing-field\] set 0001: shipDate is required'
expect_no_out '<Shipment>'

# a UPC with a wrong check digit
bad_file 945-bad-gtin northwh --seen "$fx/940-sent.x12"
expect_err '\(W12, .*element W1206, error \[map-bad-value\] set 0001: W1206 .012345678906. for item/gtin has a wrong GS1 check digit'
expect_no_out '<Shipment>'

# two sets: the bad one (W0501 X) is rejected, the good one still mapped
bad_file 940-two-sets depot
expect_err 'element W0501, error \[map-unmapped-code\] set 0002'
if grep -q '\] set 0001' "$t/err"; then bad "940-two-sets: a finding for the good set"; else ok; fi
expect_err '940-two-sets.x12: 1 record\(s\) from 1 set\(s\); 1 rejected by map or rules'
expect_out '<orderNumber>D-5003</orderNumber>'
expect_no_out 'D-5004'

# SDQ cannot be split yet: rejected rather than sent to one place
bad_file 850-sdq shopco
expect_err '\(SDQ, .*\[map-unsupported\] set 0001'
expect_no_out '<WarehouseOrder>'

# --- business rules ---------------------------------------------------------

# without the 940 it answers, a 945 is refused
bad_file 945-good northwh
expect_err "\\[rule-requires-reference\\] set 0001: order-number 'ORD1001' does not match any 940"
expect_no_out '<Shipment>'
# 12 shipped of 10 ordered is more than the 10 % allowed
bad_file 945-over-tolerance northwh --seen "$fx/940-sent.x12"
expect_err '\[rule-quantity-tolerance\] set 0001: Line 1 \(sku SKU-RED-M\) of 940 .ORD1001.: ordered 10 EA, shipped 12 EA'
expect_no_out '<Shipment>'

# --- tenant isolation -------------------------------------------------------

# northwh's 945 is not shopco's: no record, whatever is in it
bad_file 945-good shopco
expect_err '\[sender-not-partner\]'
expect_no_out '<Shipment>'
bad_file 945-good shopco --format jsonl
if [ ! -s "$t/out" ]; then ok; else bad "tenant: JSON Lines written"; fi

# --- records go out only with their accepted group and interchange ---------

# map streams each set's records as it is mapped; a group or interchange
# rejected afterwards (here a GE01 that miscounts, then an IEA that does)
# takes its records back: only the first interchange's record is written
f940="$fx/940-good.x12"
{ cat "$f940"
  sed -e 's/000000401/000000402/g' -e 's/^GE\*1\*401~/GE*2*401~/' "$f940"
  sed -e 's/000000401/000000403/g' -e 's/^IEA\*1\*/IEA*2*/' "$f940"
} >"$t/940-three.x12"
expect_exit 1 $E map --partner depot --format jsonl -o "$t/three.jsonl" \
	"$t/940-three.x12"
expect_err '940-three.x12: 1 record\(s\) from 3 set\(s\)'
if [ "$(wc -l <"$t/three.jsonl")" -eq 1 ] &&
	grep -q '"controlNumber":"000000401"' "$t/three.jsonl" &&
	! grep -q '00000040[23]' "$t/three.jsonl"; then ok
else bad "rejected group/interchange: records left in the output"; fi
expect_exit 1 $E map --partner depot --format jsonl "$t/940-three.x12"
if cmp -s "$t/out" "$t/three.jsonl"; then ok
else bad "standard output differs from -o for the same file"; fi

echo "map: $pass passed, $fail failed, $xfail known bug(s)"
[ "$fail" -eq 0 ]
