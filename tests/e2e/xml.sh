#!/bin/sh
# XML end to end (issue 16): `edigate xml` (the streaming reader alone) on
# good, schema-invalid and hostile files -- external entities to a local
# file, a SYSTEM DTD declaring an entity, billion laughs, parameter
# entities, deep nesting, a huge text, too many attributes, a wrong
# encoding declaration, UTF-16, EBCDIC, NUL, empty and truncated files --
# each refused with its line, byte offset and reason, never a crash and
# never a byte of the entity's target in the output; `edigate layout
# check` on XML layouts with errors; `edigate layout map` of an XML ship
# confirm to Shipment and of an inventory report (XML and CSV) to
# InventorySnapshot, the records valid against canonical.xsd and their
# JSON Lines equal to xml2jsonl.py of the XML.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/xml.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/xml"
lay="$root/edi/layouts"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"
E="$bin --home $root"
SC="--record ShipConfirm/Shipment"

# --- the reader ---------------------------------------------------------------
expect_exit 0 $E xml --help
expect_exit 0 $E xml $SC --schema "$lay/ship-confirm.xsd" "$fx/ship_confirm.xml"
expect_out 'well-formed and valid, 2 record elements'
expect_exit 0 $E xml --json $SC "$fx/ship_confirm.xml"
json_ok xml-json
expect_out '"ok":true,"records":2'
# a DOCTYPE naming an external DTD is read; the DTD is not fetched
expect_exit 0 $E xml --record Inventory/Stock "$fx/doctype_system_plain.xml"
expect_out '1 record element'
expect_exit 0 $E xml "$fx/latin1_declared.xml"
expect_exit 2 $E xml
expect_exit 3 $E xml "$t/no-such-file.xml"

# file, pattern of the error (stderr): every refusal says line and byte
expect_exit 1 $E xml $SC --schema "$lay/ship-confirm.xsd" "$fx/ship_confirm_invalid.xml"
expect_err "line 18, byte [0-9]+, near element /ShipConfirm/Shipment: not valid against the schema .*ship-confirm.xsd: Element 'Qty': 'twelve' is not a valid value of the atomic type 'xs:decimal'"
# with a schema, a file cut short still says so
expect_exit 1 $E xml $SC --schema "$lay/ship-confirm.xsd" "$fx/truncated.xml"
expect_err "line 9, .*(cut short|Missing child)"
while read -r f pat; do
	expect_exit 1 $E xml $SC "$fx/$f"
	expect_err "$pat"
	expect_err '^[^ ]+: line [0-9]+(, column [0-9]+)?, byte [0-9]+'
done <<'EOF2'
billion_laughs.xml line 2, byte 44: the document has a DTD internal subset .*refused
xxe_local_file.xml line 2, byte 61: the document has a DTD internal subset
xxe_parameter.xml line 2, byte 34: the document has a DTD internal subset
doctype_system_entity.xml line 5, column 40, byte [0-9]+: not well-formed XML: Entity 'stolen' not defined \(entities are not accepted and DTDs are never read
truncated.xml line 9, column 1, byte [0-9]+, near element /ShipConfirm/Shipment/Order/PO: .*cut short
wrong_encoding.xml line 4, column 11, byte [0-9]+: not well-formed XML: Input is not proper UTF-8.*Bytes: 0xFC .*not in the encoding the XML declaration names
unknown_encoding.xml line 1, .*Unsupported encoding X-NO-SUCH-CHARSET
iso2022_bad_bytes.xml line [1-9][0-9]*, byte [0-9]+: not well-formed XML: input conversion failed due to input error
EOF2
# libxml2's conversion errors are ours to report, not printed by libxml2
expect_exit 1 $E xml "$fx/iso2022_bad_bytes.xml"
if grep -q 'encoding error :\|I/O error :' "$t/err"; then bad "libxml2 printed to stderr"; else ok; fi
# nothing of what the entities point at ever appears
for f in xxe_local_file.xml doctype_system_entity.xml; do
	$E xml --json "$fx/$f" >"$t/out" 2>"$t/err"
	if grep -q 'root:\|SECRET-FROM-DTD' "$t/out" "$t/err"; then
		bad "$f: the entity's target leaked into the output"
	else ok; fi
done

# generated: deep nesting, a huge text, attributes, UTF-16, EBCDIC, NUL,
# empty, a file-size limit
python3 - "$t" <<'EOF2'
import sys
t = sys.argv[1]
open(t + '/deep.xml', 'w').write('<a>' * 100 + 'x' + '</a>' * 100)
open(t + '/huge.xml', 'w').write('<r><t>' + 'A' * (2 * 1024 * 1024) + '</t></r>')
open(t + '/attrs.xml', 'w').write('<r ' + ' '.join('a%d="1"' % i for i in range(300)) + '/>')
open(t + '/hugeattr.xml', 'w').write('<r a="' + 'B' * (1024 * 1024 + 1) + '"/>')
open(t + '/u16.xml', 'wb').write('<?xml version="1.0"?><r/>'.encode('utf-16'))
open(t + '/ebcdic.xml', 'wb').write('<?xml version="1.0"?><r/>'.encode('cp500'))
open(t + '/nul.xml', 'wb').write(b'<r>a\x00b</r>')
open(t + '/empty.xml', 'wb').write(b'')
open(t + '/two-roots.xml', 'wb').write(b'<r/><r/>')
EOF2
while read -r f opts pat; do
	[ "$opts" = - ] && opts=
	# shellcheck disable=SC2086
	expect_exit 1 $E xml $opts "$t/$f"
	expect_err "$pat"
done <<'EOF2'
deep.xml - line 1, byte [0-9]+, element /a(/a){63}: elements nested more than 64 deep \(limit max-depth\)
huge.xml - element /r/t: a text of 2097152 bytes, over the limit of 1048576 \(limit max-text\)
attrs.xml - element /r: an element with more than 256 attributes \(limit max-attributes\)
hugeattr.xml - attribute 'a' is 1048577 bytes, over the limit of 1048576 \(limit max-text\)
u16.xml - byte 0: the file is UTF-16 \(little-endian\) text.*iconv -f UTF-16LE
ebcdic.xml - byte 0: the file is EBCDIC text
nul.xml - not well-formed XML: Char 0x0 out of allowed range
empty.xml - line 1, byte 0: the file is empty
two-roots.xml - Extra content at the end of the document
EOF2
expect_exit 2 $E xml --max-depth 0 "$fx/ship_confirm.xml"
expect_exit 1 $E xml --max-depth 4 "$fx/ship_confirm.xml"
expect_err 'line 28, byte [0-9]+, element /ShipConfirm/Shipment/Lines/Line: elements nested more than 4 deep'
expect_exit 0 $E xml --max-depth 5 "$fx/ship_confirm.xml"
expect_exit 1 $E xml --max-bytes 1000 "$fx/ship_confirm.xml"
expect_err 'larger than 1000 bytes \(limit max-file-bytes\)'
# a smaller text limit, as a layout would set it
expect_exit 1 $E xml --max-text 5 "$fx/ship_confirm.xml"
expect_err 'over the limit of 5 \(limit max-text\)'
expect_exit 1 $E xml --json "$t/deep.xml"
json_ok xml-deep-json
expect_out '"ok":false.*"where":\{"line":1,.*"columnName":"/a/a'

# --- layouts ------------------------------------------------------------------
expect_exit 0 $E layout check "$lay/ship-confirm.layout.xml"
expect_out 'ok: layout acme-ship-confirm, Shipment records'
expect_exit 0 $E layout check "$lay/inventory-csv.layout.xml"
expect_exit 0 $E layout check "$fx/inventory.layout.xml"
expect_exit 1 $E layout check "$fx/broken.layout.xml"
expect_err 'broken.layout.xml:6: .carrier. is not a repeating level or group of a Shipment record'
expect_err 'broken.layout.xml:9: shipDate: an XML layout reads xml paths, not columns'
expect_err 'broken.layout.xml:11: order/item/quantityShipped is a measure: give its unit'
expect_err 'broken.layout.xml:12: .order/item/colour. is not a field of a Shipment record'
expect_err 'broken.layout.xml:13: billOfLading is not inside level carrier but reads from its element Lines/Line'
expect_out '7 problems'
expect_exit 1 $E layout check --json "$fx/broken.layout.xml"
json_ok broken-json
expect_exit 1 $E layout check "$fx/csv_shipment.layout.xml"
expect_err 'a CSV layout builds one flat record per row.*Shipment records need an <xml> layout'
# an XPath predicate is refused by the schema, with its line
sed 's|<field path="shipmentId" xml="@id"/>|<field path="shipmentId" xml="Id[1]"/>|' \
	"$lay/ship-confirm.layout.xml" >"$t/pred.layout.xml"
expect_exit 1 $E layout check "$t/pred.layout.xml"
expect_err 'pred.layout.xml:12: .*Id\[1\]'
# a field of the level must read inside the level's element
sed 's|xml="Lines/Line/Sku"|xml="Sku"|' "$lay/ship-confirm.layout.xml" >"$t/lvl.layout.xml"
expect_exit 1 $E layout check "$t/lvl.layout.xml"
expect_err 'order/item/sku is inside level order/item: its xml path must start with Lines/Line/'
# the schema a layout names must exist
sed 's|schema="ship-confirm.xsd"|schema="missing.xsd"|' "$lay/ship-confirm.layout.xml" >"$t/noxsd.layout.xml"
expect_exit 2 $E layout map "$t/noxsd.layout.xml" "$fx/ship_confirm.xml"
expect_err 'cannot load the schema .*missing.xsd'

# --- mapping ------------------------------------------------------------------
have_xmllint=0 have_python=0
command -v xmllint >/dev/null 2>&1 && have_xmllint=1
command -v python3 >/dev/null 2>&1 && have_python=1
# layout, file, record elements, records, bad
while read -r l f n good nbad; do
	want=0
	[ "$nbad" -gt 0 ] && want=1
	expect_exit "$want" $E layout map --format xml "$l" "$fx/$f"
	cp "$t/out" "$t/$f.xml"
	expect_err "$n (record elements|rows), $good records, $nbad bad"
	expect_exit "$want" $E layout map "$l" "$fx/$f"
	cp "$t/out" "$t/$f.jsonl"
	if [ "$(($(wc -l <"$t/$f.jsonl")))" -eq "$good" ]; then ok
	else bad "$f: $(wc -l <"$t/$f.jsonl") JSON lines, want $good"; fi
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
done <<EOF2
$lay/ship-confirm.layout.xml ship_confirm.xml 2 2 0
$lay/ship-confirm.layout.xml ship_confirm_badvalues.xml 2 1 1
$fx/inventory.layout.xml inventory.xml 4 2 2
$fx/inventory.layout.xml doctype_system_plain.xml 1 1 0
$fx/inventory.layout.xml latin1_declared.xml 1 1 0
$lay/inventory-csv.layout.xml inventory.csv 4 2 2
EOF2

# the ship confirm's values, as the layout reads them
expect_exit 0 $E layout map "$lay/ship-confirm.layout.xml" "$fx/ship_confirm.xml"
expect_out '"syntax":"xml","syntaxVersion":"1.0","position":\{"unit":"line","first":8,"last":44,"path":"/ShipConfirm/Shipment\[1\]"\}'
expect_out '"keys":\[\{"name":"shipment-id","value":"SH-1001"\}\]'
expect_out '"purpose":"original","shipmentId":"SH-1001","billOfLading":"BOL-77001","shipDate":"2024-01-05"'
expect_out '"carrier":\{"scac":"UPSN","name":"UPS Ground","transportMode":"parcel"\}'
expect_out '"grossWeight":\{"value":120.5,"uom":"LB"\},"packageCount":4'
expect_out '"shipTo":\{"name":"Store 0384","addressLines":\["1 Main St","Dock 3"\],"city":"Springfield"'
expect_out '"orders":\[\{"purchaseOrderNumber":"PO-4711","depositorOrderNumber":"DO-9001","items":\[\{"lineNumber":"1","gtin":"084512103381","sku":"AC1070-01-M","description":"Womens denim jacket & belt, black M","quantityShipped":\{"value":12,"uom":"EA"\},"lotNumber":"L2401","expiryDate":"2026-12-31"\},\{"lineNumber":"2","sku":"AC1070-01-L","quantityShipped":\{"value":3,"uom":"CA"\}\},\{"lineNumber":"3","sku":"AC<2000>","quantityShipped":\{"value":1.5,"uom":"EA"\}\}\]'
expect_out '"purpose":"replace","shipmentId":"SH-1002".*"transportMode":"ltl".*"items":\[\{"lineNumber":"1","gtin":"12345678901231","sku":"BX-200","quantityShipped":\{"value":2,"uom":"PL"\}\}\]'
# every bad value named by line and element path, the record refused whole
expect_exit 1 $E layout map "$lay/ship-confirm.layout.xml" "$fx/ship_confirm_badvalues.xml"
expect_err "line 8, element /ShipConfirm/Shipment\[1\]/Purpose: purpose: '99' is not in code list purpose"
expect_err "line 10, element /ShipConfirm/Shipment\[1\]/Carrier/@scac: carrier/scac is not a SCAC"
expect_err "line 14, element /ShipConfirm/Shipment\[1\]/Lines/Line\[1\]/Gtin: order/item/gtin has a wrong GS1 check digit: '084512103382'"
expect_err "line 15, element /ShipConfirm/Shipment\[1\]/Lines/Line\[2\]/Qty/@uom: order/item/quantityShipped unit is not a unit of measure"
expect_no_out 'SH-3001'
expect_out '"shipmentId":"SH-3002"'
# a schema-invalid file stops where the schema says, with no record after
expect_exit 1 $E layout map --json --out "$t/inv.jsonl" "$lay/ship-confirm.layout.xml" "$fx/ship_confirm_invalid.xml"
json_ok invalid-json
expect_out '"badRows":1.*"line":18.*not valid against the schema'
# a hostile file through a layout: refused the same way
expect_exit 1 $E layout map "$fx/inventory.layout.xml" "$fx/billion_laughs.xml"
expect_err 'DTD internal subset'
# inventory: a line without its sku, defaults, code lists, measures
expect_exit 1 $E layout map "$fx/inventory.layout.xml" "$fx/inventory.xml"
expect_out '"warehouseId":"RNO1","asOfDate":"2024-01-05","asOfTime":"23:59:00","customerId":"ACME","sku":"AC1070-01-M","gtin":"084512103381","lotNumber":"L2401","expiryDate":"2026-12-31","inventoryStatus":"available","quantityOnHand":\{"value":120,"uom":"EA"\},"quantityAvailable":\{"value":100,"uom":"EA"\},"quantityAllocated":\{"value":20,"uom":"EA"\}'
expect_out '"sku":"AC1070-01-L","lotNumber":"none","inventoryStatus":"quarantine","quantityOnHand":\{"value":3,"uom":"CA"\}'
expect_err "line 25, element /Inventory/Stock\[4\]: the business key sku is empty"
expect_exit 1 $E layout map "$lay/inventory-csv.layout.xml" "$fx/inventory.csv"
expect_out '"description":"Jacke grün L","lotNumber":"none","inventoryStatus":"hold"'
expect_out '"quantityOnHand":\{"value":1200.5,"uom":"EA"\},"quantityAvailable":\{"value":1000,"uom":"EA"\},"quantityAllocated":\{"value":200.5,"uom":"EA"\}'
expect_err "line 4, column Status \(#9\), byte 326: inventoryStatus: 'kaputt' is not in code list status"

# delta reads XML layouts through the same feed: one record element, one row
sed 's|<OnHand uom="EA">120</OnHand>|<OnHand uom="EA">121</OnHand>|' \
	"$fx/doctype_system_plain.xml" >"$t/stock-new.xml"
expect_exit 0 $E delta "$fx/doctype_system_plain.xml" "$t/stock-new.xml" --layout "$fx/inventory.layout.xml"
expect_out 'changed +1'
expect_out 'verdict: accept'

# many records, one at a time: the count is exact and nothing is dropped
python3 - "$t/many.xml" <<'EOF2'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('<?xml version="1.0"?>\n<ShipConfirm version="1.0">\n<Header><Sender>A</Sender><Created>2024-01-05T00:00:00</Created></Header>\n')
    for i in range(3000):
        f.write('<Shipment id="SH-%d"><Purpose>00</Purpose><ShipDate>2024-01-05</ShipDate>'
                '<ShipTo><Name>S%d</Name></ShipTo><Order><PO>PO-%d</PO></Order><Lines>' % (i, i, i))
        for j in range(3):
            f.write('<Line no="%d"><Sku>SKU-%d-%d</Sku><Qty uom="EA">%d</Qty></Line>' % (j + 1, i, j, j + 1))
        f.write('</Lines></Shipment>\n')
    f.write('</ShipConfirm>\n')
EOF2
expect_exit 0 $E layout map --out "$t/many.jsonl" "$lay/ship-confirm.layout.xml" "$t/many.xml"
expect_err '3000 record elements, 3000 records, 0 bad'
if [ "$(grep -c '"items":\[{"lineNumber":"1","sku":"SKU-[0-9]*-0".*"lineNumber":"3","sku":"SKU-[0-9]*-2"' "$t/many.jsonl")" -eq 3000 ]; then ok
else bad "many.xml: not every shipment has its three lines"; fi

echo "xml: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
