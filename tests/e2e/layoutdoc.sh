#!/bin/sh
# CSV and XML partner documents through `edigate run` (issue 16): a 3PL
# whose profile names <layout-document>s sends a stock report (CSV) and
# ship confirms (XML); every record goes on as a canonical record, bad
# records are quarantined with the reject report, duplicates are found
# by content.
#
# Covered: partner check (good; syntax= against the layout; two
# documents that could take one file), records with their correlation
# chain, bad records listed with line, byte offset and column (report,
# bad-rows.csv, findings) and the good ones passed on (partial), no
# acknowledgement, the same bytes again, a resend where one record is the
# same (duplicate) and one corrected (change, or rejected by
# business-key="reject"), a record repeated inside a file, a cut-short
# and a hostile XML file rejected whole with nothing passed on, a CSV
# file where XML is expected, a header missing a column, partial-files
# reject-file taking back the keys, XML master data through run.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/layoutdoc.sh
# POSIX sh; needs python3 and sqlite3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/xml"
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"
export LC_ALL=C

for tool in python3 sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: layoutdoc: $tool not found"; exit 0; }
done

h="$t/home"
mkdir -p "$h/drop/acme-3pl/in" "$h/drop/acme-3pl/out" "$h/partners"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
# the demo's 3PL, its files left in place after pickup
sed 's|<after-pickup action="move" move-to="drop/acme-3pl/done"/>|<after-pickup action="leave"/>|' \
    "$root/demo/3pl/partners/acme-3pl.xml" >"$h/partners/acme-3pl.xml"
cp "$h/partners/acme-3pl.xml" "$t/good.xml"
E="$bin --home $h"
db="$h/spool/ledger.db"
q() { sqlite3 "$db" "$1"; }
last_id() { q "SELECT id FROM files ORDER BY n DESC LIMIT 1"; }
state() { q "SELECT final_state FROM files WHERE id='$1'"; }
n=0
drop() { # SRC NAME
	cp "$1" "$h/drop/acme-3pl/in/$2"
	touch -d '1 hour ago' "$h/drop/acme-3pl/in/$2"
}
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }
out="$h/spool/out/acme-3pl"

# --- partner check ---------------------------------------------------------
expect_exit 0 $E partner check acme-3pl
sed 's|syntax="xml" pattern="SHIPCONF_\*.xml"|syntax="csv" pattern="SHIPCONF_*.xml"|' \
    "$t/good.xml" >"$h/partners/acme-3pl.xml"
expect_exit 2 $E partner check acme-3pl
expect_out 'syntax="csv" but layout .*ship-confirm.layout.xml reads xml files'
sed 's| pattern="STOCK_\*.csv"||' "$t/good.xml" | sed 's| pattern="SHIPCONF_\*.xml"||' \
    >"$h/partners/acme-3pl.xml"
expect_exit 2 $E partner check acme-3pl
expect_out "documents 'stock' and 'ship-confirm' could both take a file"
cp "$t/good.xml" "$h/partners/acme-3pl.xml"

# --- first night: a stock report with bad rows, two ship confirms ----------
drop "$fx/inventory.csv" STOCK_1.csv
drop "$fx/ship_confirm.xml" SHIPCONF_1.xml
expect_exit 1 $E run --partner acme-3pl
sc1=$(q "SELECT id FROM files WHERE name='SHIPCONF_1.xml'")
st1=$(q "SELECT id FROM files WHERE name='STOCK_1.csv'")
[ "$(state "$sc1")" = accepted ] && ok || bad "ship confirm: $(state "$sc1")"
[ "$(state "$st1")" = partial ] && ok || bad "stock: $(state "$st1")"
expect_out "$sc1 \\(SHIPCONF_1.xml\\): accepted: ship-confirm document: 2 record\\(s\\): 2 passed on, 0 bad, 0 duplicate"
expect_out "$st1 \\(STOCK_1.csv\\): partial: stock document: 4 record\\(s\\): 2 passed on, 2 bad"
expect_out '0 ack\(s\)'
[ "$(lines "$out/$sc1.jsonl")" -eq 2 ] && ok || bad "want 2 Shipment records"
[ "$(lines "$out/$st1.jsonl")" -eq 2 ] && ok || bad "want 2 stock records"
# canonical records with the correlation chain back to the file
python3 - "$out/$sc1.jsonl" "$sc1" "$(q "SELECT sha256 FROM files WHERE id='$sc1'")" <<'PY' && ok || bad "Shipment records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["recordType"] for r in recs] == ["Shipment", "Shipment"], recs
c = recs[0]["correlation"]
assert c["fileId"] == sys.argv[2] and c["fileSha256"] == sys.argv[3], c
assert recs[0]["shipmentId"] == "SH-1001"
assert len(recs[0]["orders"][0]["items"]) == 3, recs[0]["orders"]
PY
# no acknowledgement anywhere: CSV and XML have none
[ -z "$(ls -A "$h/drop/acme-3pl/out")" ] && ok || bad "something went to the outbox"
# the reject report: line, column, byte offset, value, reason
qd="$h/spool/quarantine/acme-3pl/$st1"
grep -q 'line 4, column Status (#9), byte 326: inventoryStatus: .kaputt. is not in code list status' \
    "$qd/report.txt" && ok || { bad "report.txt lacks the bad status"; cat "$qd/report.txt"; }
grep -q 'left out' "$qd/report.txt" && ok || bad "report words"
grep -q '^"4","303","EAN","12345678901232","gtin has a wrong GS1 check digit"$' \
    "$qd/bad-rows.csv" && ok || { bad "bad-rows.csv"; cat "$qd/bad-rows.csv"; }
[ -f "$qd/STOCK_1.csv" ] && ok || bad "the original is not in the quarantine"
expect_exit 0 $E show "$st1"
expect_out 'rule=bad-record .*line 5, column Artikel \(#4\), byte 362: sku is required'
[ ! -d "$h/spool/quarantine/acme-3pl/$sc1" ] && ok || bad "accepted file quarantined"

# --- a corrected copy released: only the repaired rows go on ----------------
sed -e 's/;12345678901232;/;12345678901231;/' -e 's/;kaputt;/;frei;/' \
    -e 's/^RNO1;20240105;ACME;;;/RNO1;20240105;ACME;OHNE-1;;/' \
    "$fx/inventory.csv" >"$t/STOCK_1-fixed.csv"
# (the copy keeps its own name: it must match the document's pattern)
expect_exit 0 $E quarantine release "$st1" --file "$t/STOCK_1-fixed.csv" --reason "3PL corrected rows 4 and 5"
id=$(last_id)
[ "$(state "$id")" = accepted ] && ok || bad "released copy: $(state "$id")"
[ "$(q "SELECT summary FROM files WHERE id='$id'")" = "stock document: 4 record(s): 2 passed on, 0 bad, 2 duplicate" ] &&
    ok || bad "released copy: $(q "SELECT summary FROM files WHERE id='$id'")"
python3 -c 'import json,sys; r=[json.loads(l)["sku"] for l in open(sys.argv[1])]; assert sorted(r)==["BX-200","OHNE-1"], r' \
    "$out/$id.jsonl" && ok || bad "released copy: not the two repaired rows"

# --- the same bytes again: a duplicate file --------------------------------
drop "$fx/ship_confirm.xml" SHIPCONF_2.xml
expect_exit 0 $E run --partner acme-3pl
id=$(last_id)
[ "$(state "$id")" = duplicate ] && ok || bad "same bytes: $(state "$id")"
[ ! -f "$out/$id.jsonl" ] && ok || bad "a duplicate file made records"

# --- a resend: SH-1001 the same, SH-1002 corrected --------------------------
sed -e 's|<!-- A 3PL.*-->|<!-- resent -->|' \
    -e 's|<Qty uom="PL">2</Qty>|<Qty uom="PL">3</Qty>|' \
    "$fx/ship_confirm.xml" >"$t/resend.xml"
drop "$t/resend.xml" SHIPCONF_3.xml
expect_exit 0 $E run --partner acme-3pl
id=$(last_id)
expect_out "accepted: ship-confirm document: 2 record\\(s\\): 1 passed on \\(some as changes\\), 0 bad, 1 duplicate"
python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; assert [x["shipmentId"] for x in r]==["SH-1002"], r' \
    "$out/$id.jsonl" && ok || bad "the change is not the one record"
# ... and again under business-key="reject": a repeat with other values
# is a bad record
sed 's|business-key="change"|business-key="reject"|' "$t/good.xml" >"$h/partners/acme-3pl.xml"
sed 's|<Qty uom="PL">3</Qty>|<Qty uom="PL">4</Qty>|' "$t/resend.xml" >"$t/resend2.xml"
drop "$t/resend2.xml" SHIPCONF_4.xml
expect_exit 1 $E run --partner acme-3pl
id=$(last_id)
[ "$(state "$id")" = rejected ] && ok || bad "business-key reject: $(state "$id")"
expect_exit 0 $E show "$id"
expect_out "rule=duplicate-business-key .*shipmentId 'SH-1002' was first received in file $sc1"
cp "$t/good.xml" "$h/partners/acme-3pl.xml"

# --- a record repeated inside one file with other values --------------------
python3 - "$fx/ship_confirm.xml" "$t/twice.xml" <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace('id="SH-1002"', 'id="SH-2001"').replace('id="SH-1001"', 'id="SH-2001"')
open(sys.argv[2], "w").write(s)
PY
drop "$t/twice.xml" SHIPCONF_5.xml
expect_exit 1 $E run --partner acme-3pl
id=$(last_id)
[ "$(state "$id")" = partial ] && ok || bad "key twice: $(state "$id")"
expect_exit 0 $E show "$id"
expect_out "rule=duplicate-key .*shipmentId 'SH-2001' is on an earlier record of this file"

# --- XML that stops being readable: rejected whole, nothing passed on -------
head -c 1400 "$fx/ship_confirm.xml" | sed 's/SH-100/SH-300/' >"$t/cut.xml"
drop "$t/cut.xml" SHIPCONF_6.xml
drop "$fx/billion_laughs.xml" SHIPCONF_7.xml
sed 's/RNO1/RNO2/' "$fx/inventory.csv" >"$t/csv-as-xml.xml"
drop "$t/csv-as-xml.xml" SHIPCONF_8.xml
expect_exit 1 $E run --partner acme-3pl
for f in 6 7 8; do
	id=$(q "SELECT id FROM files WHERE name='SHIPCONF_$f.xml'")
	[ "$(state "$id")" = rejected ] && ok || bad "SHIPCONF_$f: $(state "$id")"
	[ ! -f "$out/$id.jsonl" ] && ok || bad "SHIPCONF_$f: records passed on"
	[ -f "$h/spool/quarantine/acme-3pl/$id/report.txt" ] && ok ||
	    bad "SHIPCONF_$f: no report"
done
id6=$(q "SELECT id FROM files WHERE name='SHIPCONF_6.xml'")
grep -q 'line 46, element near /ShipConfirm/Shipment/Lines/Line, byte 1400: not well-formed XML' "$h/spool/quarantine/acme-3pl/$id6/report.txt" && ok ||
    { bad "cut-short report"; cat "$h/spool/quarantine/acme-3pl/$id6/report.txt"; }
# SH-3001 was whole before the cut, yet its key was taken back: the
# document was not accepted
[ "$(q "SELECT count(*) FROM business_keys WHERE file_id='$id6'")" -eq 0 ] &&
    ok || bad "keys of a rejected file kept"
id7=$(q "SELECT id FROM files WHERE name='SHIPCONF_7.xml'")
grep -q 'DTD internal subset' "$h/spool/quarantine/acme-3pl/$id7/report.txt" &&
    ok || bad "billion laughs report"
id8=$(q "SELECT id FROM files WHERE name='SHIPCONF_8.xml'")
grep -q 'the file is CSV by its first bytes, but document ship-confirm is read as xml' "$h/spool/quarantine/acme-3pl/$id8/report.txt" &&
    ok || bad "CSV as XML report"

# --- a header that lost a column: rejected before any row --------------------
sed '1s/;Status;/;Zustand;/' "$fx/inventory.csv" >"$t/moved.csv"
drop "$t/moved.csv" STOCK_2.csv
expect_exit 1 $E run --partner acme-3pl
id=$(last_id)
[ "$(state "$id")" = rejected ] && ok || bad "moved column: $(state "$id")"
grep -q 'cannot be read with layout acme-inventory-csv: .*Status' \
    "$h/spool/quarantine/acme-3pl/$id/report.txt" && ok ||
    { bad "moved column report"; cat "$h/spool/quarantine/acme-3pl/$id/report.txt"; }

# --- partial-files reject-file: one bad row rejects all, keys taken back ----
sed 's|</partner>|  <partial-files policy="reject-file"/>\n</partner>|' "$t/good.xml" \
    >"$h/partners/acme-3pl.xml"
expect_exit 0 $E partner check acme-3pl
sed 's/2024-01-05/2024-01-06/g' "$fx/inventory.csv" >"$t/day2.csv"
drop "$t/day2.csv" STOCK_3.csv
expect_exit 1 $E run --partner acme-3pl
id=$(last_id)
[ "$(state "$id")" = rejected ] && ok || bad "reject-file: $(state "$id")"
expect_out 'rejected: stock document: 4 record\(s\): 0 passed on, 2 bad, 0 duplicate \(rejected whole\)'
[ ! -f "$out/$id.jsonl" ] && ok || bad "reject-file passed records on"
[ "$(q "SELECT count(*) FROM business_keys WHERE file_id='$id'")" -eq 0 ] &&
    ok || bad "keys of a rejected file kept"
# the good rows alone, corrected: new, not duplicates of the rejected file
head -3 "$t/day2.csv" >"$t/day2good.csv"
drop "$t/day2good.csv" STOCK_4.csv
expect_exit 0 $E run --partner acme-3pl
expect_out 'accepted: stock document: 2 record\(s\): 2 passed on \(some as changes\), 0 bad, 0 duplicate'
cp "$t/good.xml" "$h/partners/acme-3pl.xml"

# --- limits max-file-bytes takes effect --------------------------------------
sed 's|</partner>|  <limits max-file-bytes="100"/>\n</partner>|' "$t/good.xml" \
    >"$h/partners/acme-3pl.xml"
sed 's/RNO1/RNO9/' "$fx/inventory.csv" >"$t/big.csv"
drop "$t/big.csv" STOCK_5.csv
expect_exit 1 $E run --partner acme-3pl
id=$(last_id)
[ "$(state "$id")" = rejected ] && ok || bad "max-file-bytes: $(state "$id")"
expect_exit 0 $E show "$id"
expect_out 'rule=file-too-large'
cp "$t/good.xml" "$h/partners/acme-3pl.xml"

# --- XML master data through run (the record syntax of batch.c) ------------
mkdir -p "$h/drop/erpx/in" "$h/drop/erpx/out" "$h/layouts"
cp "$fx/inventory.layout.xml" "$h/layouts/"
cat >"$h/partners/erpx.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<partner id="erpx" name="XML stock as master data (test)" kind="other">
  <identity/>
  <transport type="local">
    <inbox path="drop/erpx/in" pattern="*.xml"/>
    <outbox path="drop/erpx/out"/>
    <complete stable-for="10s"/>
    <after-pickup action="leave"/>
  </transport>
  <master-data name="stock" syntax="xml" layout="../layouts/inventory.layout.xml"
               pattern="*.xml" on-bad-row="quarantine" max-bad-percent="100"/>
</partner>
EOF
expect_exit 0 $E partner check erpx
cp "$fx/inventory.xml" "$h/drop/erpx/in/stock-1.xml"
touch -d '1 hour ago' "$h/drop/erpx/in/stock-1.xml"
$E run --partner erpx >"$t/out" 2>"$t/err"
id=$(q "SELECT id FROM files WHERE partner='erpx' ORDER BY n DESC LIMIT 1")
added=$(q "SELECT added FROM batches WHERE file_id='$id'")
[ "${added:-0}" -gt 0 ] && ok || { bad "XML master data: nothing added"; cat "$t/out" "$t/err"; }

echo "layoutdoc: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
