#!/bin/sh
# make demo, part 3: nightly master data (issue 16).  Our ERP drops its
# item master twice as full files (demo/masterdata: ';' delimited,
# decimal comma, Windows-1252).  Night 1: every item is new.  Night 2: a
# heavier item, a new description, an item set inactive, a deleted item,
# a new one and one bad row: only those changes go on, the bad row is
# left out and listed in the reject report, the rest of the catalogue is
# counted unchanged.  Its own home: build/demo-masterdata.
#
#   sh scripts/demo_masterdata.sh ./edigate      (exit 1 when a result
#                                                 is not the expected one)
set -u
bin=${1:-./edigate}
cd "$(dirname "$0")/.." || exit 3
case "$bin" in /*) ;; *) bin="$(pwd)/${bin#./}" ;; esac
rule() { printf '\n== %s\n' "$*"; }
status=0
home=build/demo-masterdata
rm -rf "$home"
mkdir -p "$home/drop/acme-erp/in" "$home/drop/acme-erp/out" "$home/drop/acme-erp/done"
ln -s ../../edi "$home/edi"
ln -s ../../schemas "$home/schemas"
cp -R demo/masterdata/partners demo/masterdata/layouts "$home/"
E="$bin --home $home"
night() { # FILE: the ERP drops it; it has been there a while (complete)
	cp "demo/masterdata/$1" "$home/drop/acme-erp/in/"
	touch -d '1 hour ago' "$home/drop/acme-erp/in/$1"
}
last() { $E files --partner acme-erp --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["id"])'; }
# one line per change: what, key, changed fields, a few values
changes() {
	python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    c = json.loads(line)
    r = c["record"]
    what = c["change"]
    if what == "changed":
        what += " " + ",".join(c["fields"])
    print("  %-8s %-28s %s | %s | %s kg | %s" % (c["key"], what,
          r.get("description", ""), r.get("uom", ""),
          r.get("grossWeight", {}).get("value", ""), r.get("status", "")))
PY
}

rule "edigate partner check acme-erp: the ERP's profile and its layout"
$E partner check acme-erp || status=1

rule "night 1: edigate run (ITEMS_20261207.csv, 12 items)"
night ITEMS_20261207.csv
$E run --partner acme-erp || status=1
n1=$(last)
echo "the changes passed on (spool/out/acme-erp/$n1.jsonl):"
changes "$home/spool/out/acme-erp/$n1.jsonl"

rule "night 2: edigate run (ITEMS_20261208.csv: a few changes, a deleted item, a new one, one bad row)"
night ITEMS_20261208.csv
$E run --partner acme-erp
rc=$?
[ "$rc" -eq 1 ] || { echo "demo: expected exit 1 (a bad row quarantined), got $rc"; status=1; }
n2=$(last)
echo "the delta passed on (spool/out/acme-erp/$n2.jsonl):"
changes "$home/spool/out/acme-erp/$n2.jsonl"
rule "edigate show $n2: the batch's counts"
$E show "$n2" | sed -n '/^master-data batch/,/baseline left/p'
rule "the reject report: spool/quarantine/acme-erp/$n2/report.txt and bad-rows.csv"
sed -n '1,3p' "$home/spool/quarantine/acme-erp/$n2/report.txt"
grep -A1 '^error' "$home/spool/quarantine/acme-erp/$n2/report.txt"
echo
cat "$home/spool/quarantine/acme-erp/$n2/bad-rows.csv"

want="1 3 1 7 1"
got=$($E show --json "$n2" | python3 -c 'import json,sys
b = json.load(sys.stdin)["batch"]
print(b["added"], b["changed"], b["deleted"], b["unchanged"], b["rejected"])')
if [ "$got" != "$want" ]; then
	echo "demo: night 2: expected added changed deleted unchanged rejected = $want, got $got"
	status=1
else
	echo
	echo "demo: night 2 passed on 1 added, 3 changed, 1 deleted; 7 unchanged counted, 1 bad row listed"
fi
exit "$status"
