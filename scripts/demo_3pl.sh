#!/bin/sh
# make demo, part 4: a 3PL that sends no EDI (issue 16).  ACME's 3PL
# (demo/3pl/partners/acme-3pl.xml) sends its nightly stock report as CSV
# (';', decimal comma, Windows-1252) and its ship confirms as XML; the
# profile's <layout-document>s read them through edi/layouts into
# canonical InventorySnapshot and Shipment records.  Night 1: the stock
# report has one row with a status the code list lacks -- that row is
# left out and listed in the reject report (line, byte, column, value),
# the others go on; the ship confirm's two shipments go on.  Then the 3PL
# sends its ship confirm again with one shipment corrected: the unchanged
# one is a duplicate (by content) and is not passed on twice, the
# corrected one goes on as a change.  No acknowledgement goes back: CSV
# and XML have none.  Its own home: build/demo-3pl.
#
#   sh scripts/demo_3pl.sh ./edigate      (exit 1 when a result is not
#                                          the expected one)
set -u
bin=${1:-./edigate}
cd "$(dirname "$0")/.." || exit 3
case "$bin" in /*) ;; *) bin="$(pwd)/${bin#./}" ;; esac
rule() { printf '\n== %s\n' "$*"; }
status=0
home=build/demo-3pl
rm -rf "$home"
mkdir -p "$home/drop/acme-3pl/in" "$home/drop/acme-3pl/out" "$home/drop/acme-3pl/done"
ln -s ../../edi "$home/edi"
ln -s ../../schemas "$home/schemas"
cp -R demo/3pl/partners "$home/"
E="$bin --home $home"
send() { # FILE [AS]: the 3PL uploads it; it has been there a while
	cp "demo/3pl/files/$1" "$home/drop/acme-3pl/in/${2:-$1}"
	touch -d '1 hour ago' "$home/drop/acme-3pl/in/${2:-$1}"
}
id_of() { $E files --partner acme-3pl --json |
	python3 -c 'import json,sys
for f in json.load(sys.stdin)["files"]:
    if f["name"] == sys.argv[1]:
        print(f["id"]); break' "$1"; }
records() { # FILE: one line per record
	python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["recordType"] == "Shipment":
        items = sum(len(o.get("items", [])) for o in r.get("orders", []))
        print("  Shipment %s  %s  %s %s  %d line(s)  %s" % (r["shipmentId"],
              r.get("carrier", {}).get("scac", ""),
              r.get("grossWeight", {}).get("value", ""),
              r.get("grossWeight", {}).get("uom", ""), items,
              r["correlation"]["fileName"]))
    else:
        print("  InventorySnapshot %s %-12s %-10s on hand %s %s" % (
              r["warehouseId"], r["sku"], r.get("inventoryStatus", ""),
              r.get("quantityOnHand", {}).get("value", ""),
              r.get("quantityOnHand", {}).get("uom", "")))
PY
}

rule "edigate partner check acme-3pl: two layout documents, no EDI identity"
$E partner check acme-3pl || status=1

rule "night 1: edigate run (STOCK_20261208.csv with one bad row, SHIPCONF_20261208.xml)"
send STOCK_20261208.csv
send SHIPCONF_20261208.xml
$E run --partner acme-3pl
rc=$?
[ "$rc" -eq 1 ] || { echo "demo: expected exit 1 (a bad row quarantined), got $rc"; status=1; }
st=$(id_of STOCK_20261208.csv)
sc=$(id_of SHIPCONF_20261208.xml)
echo "the records passed on (spool/out/acme-3pl/):"
records "$home/spool/out/acme-3pl/$st.jsonl"
records "$home/spool/out/acme-3pl/$sc.jsonl"
rule "the reject report: spool/quarantine/acme-3pl/$st/report.txt and bad-rows.csv"
sed -n '3p' "$home/spool/quarantine/acme-3pl/$st/report.txt"
grep -A1 '^error' "$home/spool/quarantine/acme-3pl/$st/report.txt"
echo
cat "$home/spool/quarantine/acme-3pl/$st/bad-rows.csv"
[ -z "$(ls -A "$home/drop/acme-3pl/out")" ] ||
	{ echo "demo: something went back to the 3PL"; status=1; }

rule "the 3PL sends its ship confirm again, SH-5002 corrected: edigate run"
send SHIPCONF_20261208-2.xml
$E run --partner acme-3pl || status=1
sc2=$(id_of SHIPCONF_20261208-2.xml)
echo "passed on (spool/out/acme-3pl/$sc2.jsonl):"
records "$home/spool/out/acme-3pl/$sc2.jsonl"

got=$(printf '%s %s %s' "$(wc -l <"$home/spool/out/acme-3pl/$st.jsonl")" \
	"$(wc -l <"$home/spool/out/acme-3pl/$sc.jsonl")" \
	"$(wc -l <"$home/spool/out/acme-3pl/$sc2.jsonl")" | tr -s ' ')
if [ "$got" != "4 2 1" ]; then
	echo "demo: expected 4 stock records, 2 shipments, then 1 corrected shipment; got $got"
	status=1
else
	echo
	echo "demo: the 3PL's stock report gave 4 records and 1 bad row listed; its ship confirms 2 shipments, then only the corrected one"
fi
exit "$status"
