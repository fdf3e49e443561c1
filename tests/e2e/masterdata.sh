#!/bin/sh
# Nightly master-data batches through `edigate run` (issue 16): a partner
# whose profile declares <master-data> drops full item-master CSV files;
# only what changed since the last accepted batch is passed on.
#
# Covered: partner check (a good profile, settings that would not take
# effect), the first batch all added, the second's delta against an
# independent computation (LC_ALL=C sort + join of the two files), the
# changed fields, the baseline kept, bad rows under both policies (and
# over the limit), a duplicate key, a row-count drop held and released,
# a refused file leaving the baseline byte for byte, a reprocess of an
# older batch against the baseline it had, the same file again, show
# with its counts (text and --json).
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/masterdata.sh
# POSIX sh; needs python3 (JSON) and sqlite3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/masterdata"
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"
export LC_ALL=C
tab=$(printf '\t')

for tool in python3 sqlite3 join; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: masterdata: $tool not found"; exit 0; }
done

h="$t/home"
mkdir -p "$h/drop/erp/in" "$h/drop/erp/out"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
cp -R "$fx/home/partners" "$fx/home/layouts" "$h/"
E="$bin --home $h"
db="$h/spool/ledger.db"
q() { sqlite3 "$db" "$1"; }

# An item master of N rows (SKU-0001..), the same values every night
# unless changed below.
gen() { # OUT N
	awk -v n="$2" 'BEGIN {
		print "sku,description,uom,weight_kg,case_qty,hazmat,status"
		for (i = 1; i <= n; i++)
			printf "SKU-%04d,\"Item %d, blue\",EA,%d.5,%d,false,active\n",
			    i, i, i % 7 + 1, i % 12 + 1
	}' >"$1"
}
# Drop a file into the inbox, old enough to be complete.
n=0
drop() {
	n=$((n + 1))
	cp "$1" "$h/drop/erp/in/items-$n.csv"
	touch -d '1 hour ago' "$h/drop/erp/in/items-$n.csv"
}
# The id of the newest file.
last_id() { q "SELECT id FROM files ORDER BY n DESC LIMIT 1"; }
cur_base() { q "SELECT file_id FROM baselines WHERE partner='erp'"; }
# keys of one kind of change in a delta file, sorted
kinds() { # FILE KIND
	python3 - "$1" "$2" <<'PY' | sort
import json, sys
for line in open(sys.argv[1]):
    c = json.loads(line)
    if c["change"] == sys.argv[2]:
        print(c["key"])
PY
}
# The independent delta of two CSV files: keyed lines, sorted, joined.
indep() { # OLD NEW -> $t/ind.added .deleted .changed
	for s in old new; do
		[ "$s" = old ] && f=$1 || f=$2
		tail -n +2 "$f" | awk -F, '{ print $1 "\t" $0 }' |
		    sort -t "$tab" -k1,1 >"$t/ind.$s"
	done
	join -t "$tab" -v1 "$t/ind.old" "$t/ind.new" | cut -f1 >"$t/ind.deleted"
	join -t "$tab" -v2 "$t/ind.old" "$t/ind.new" | cut -f1 >"$t/ind.added"
	join -t "$tab" "$t/ind.old" "$t/ind.new" |
	    awk -F "$tab" '$2 != $3 { print $1 }' >"$t/ind.changed"
}
same() { # A B WHAT
	if cmp -s "$1" "$2"; then ok; else
		bad "$3 differs"; diff "$1" "$2" | head -6 | sed 's/^/    /'
	fi
}

# --- partner check --------------------------------------------------------
expect_exit 0 $E partner check erp
cp "$h/partners/erp.xml" "$t/erp.xml.good"
sed 's/key="sku"/key="gtin"/' "$t/erp.xml.good" >"$h/partners/erp.xml"
expect_exit 2 $E partner check erp
expect_out "key=\"gtin\" is not the layout's business key \"sku\""
sed 's/on-bad-row="quarantine"/on-bad-row="reject"/' "$t/erp.xml.good" \
    >"$h/partners/erp.xml"
expect_exit 2 $E partner check erp
expect_out 'max-bad-percent is given but bad rows reject the whole file'
sed 's|items.layout.xml|missing.layout.xml|' "$t/erp.xml.good" \
    >"$h/partners/erp.xml"
expect_exit 2 $E partner check erp
expect_out 'missing.layout.xml'
cp "$t/erp.xml.good" "$h/partners/erp.xml"

# --- night 1: everything is added ---------------------------------------------
gen "$t/n1.csv" 300
drop "$t/n1.csv"
expect_exit 0 $E run --partner erp
id1=$(last_id)
expect_out "items batch accept: 300 row\\(s\\): 300 added"
out1="$h/spool/out/erp/$id1.jsonl"
[ "$(kinds "$out1" added | wc -l)" -eq 300 ] && ok || bad "night 1: not 300 added"
[ "$(wc -l <"$out1")" -eq 300 ] && ok || bad "night 1: other changes"
[ "$(cur_base)" = "$id1" ] && ok || bad "night 1: baseline not moved"
[ -f "$h/spool/baseline/erp/items/$id1.rows.gz" ] && ok || bad "no baseline file"
# every change is a canonical Item with its correlation chain
python3 - "$out1" "$id1" <<'PY' && ok || bad "night 1: records"
import json, sys
for line in open(sys.argv[1]):
    c = json.loads(line)
    r = c["record"]
    assert c["fileId"] == sys.argv[2] and c["document"] == "items"
    assert r["recordType"] == "Item" and r["sku"] == c["key"]
    co = r["correlation"]
    assert co["fileId"] == sys.argv[2] and co["partnerId"] == "erp"
    assert co["keys"] == [{"name": "sku", "value": c["key"]}]
    assert co["position"]["unit"] == "row"
PY

# --- night 2: a few changes, checked against sort + join -----------------------
# changed: 7 (weight), 8 (description), 9 (case and status); deleted: 20,
# 21; added: 301-303
awk -F, 'NR == 1 { print; next }
	$1 == "SKU-0007" { sub(/,EA,[0-9.]+,/, ",EA,42.5,") }
	$1 == "SKU-0008" { sub(/"Item 8, blue"/, "\"Item 8, red\"") }
	$1 == "SKU-0009" { sub(/,false,active$/, ",false,inactive"); sub(/,EA,3.5,10,/, ",EA,3.5,11,") }
	$1 == "SKU-0020" || $1 == "SKU-0021" { next }
	{ print }
	END { for (i = 301; i <= 303; i++)
		printf "SKU-%04d,\"New %d\",PK,1.5,6,true,active\n", i, i }' \
    "$t/n1.csv" >"$t/n2.csv"
drop "$t/n2.csv"
expect_exit 0 $E run --partner erp
id2=$(last_id)
out2="$h/spool/out/erp/$id2.jsonl"
indep "$t/n1.csv" "$t/n2.csv"
for k in added deleted changed; do
	kinds "$out2" "$k" >"$t/got.$k"
	same "$t/ind.$k" "$t/got.$k" "night 2: $k keys against sort + join"
done
[ "$(wc -l <"$t/ind.changed")" -eq 3 ] && ok || bad "the fixture changes 3 rows"
python3 - "$out2" <<'PY' && ok || bad "night 2: changed fields"
import json, sys
ch = {}
for line in open(sys.argv[1]):
    c = json.loads(line)
    ch[c["key"]] = c
assert ch["SKU-0007"]["fields"] == ["grossWeight"], ch["SKU-0007"]
assert ch["SKU-0008"]["fields"] == ["description"]
assert ch["SKU-0009"]["fields"] == ["unitConversion/quantity", "status"]
d = ch["SKU-0020"]
assert d["record"]["status"] == "deleted" and d["lineOld"] == 21
assert ch["SKU-0301"]["record"]["uom"] == "PK"
PY
expect_exit 0 $E show "$id2"
expect_out 'rows 301: added 3, changed 3, deleted 2, unchanged 295, rejected 0'
expect_out "compared with: $id1 \\(300 rows\\)"
expect_exit 0 $E show --json "$id2"
json_ok "show --json"
python3 - "$t/out" "$id1" <<'PY' && ok || bad "show --json batch counts"
import json, sys
b = json.load(open(sys.argv[1]))["batch"]
assert (b["rows"], b["added"], b["changed"], b["deleted"], b["unchanged"],
        b["rejected"]) == (301, 3, 3, 2, 295, 0), b
assert b["baseFileId"] == sys.argv[2] and b["verdict"] == "accept"
PY
# the baseline holds the keys of night 2, nothing else
gzip -dc "$h/spool/baseline/erp/items/$id2.rows.gz" | cut -f1 >"$t/base.keys"
cut -f1 "$t/ind.new" >"$t/new.keys"
same "$t/new.keys" "$t/base.keys" "baseline keys after night 2"
[ "$(cur_base)" = "$id2" ] && ok || bad "night 2: baseline not moved"

# A refused file must leave the baseline as it was: its ledger row and
# its file, byte for byte.
keep_base() { cur_base >"$t/base.id"; cp "$h/spool/baseline/erp/items/$id2.rows.gz" "$t/base.rows"; }
base_kept() {
	[ "$(cur_base)" = "$(cat "$t/base.id")" ] && ok || bad "$1: the baseline moved"
	same "$t/base.rows" "$h/spool/baseline/erp/items/$id2.rows.gz" "$1: baseline file"
	[ ! -f "$h/spool/out/erp/$(last_id).jsonl" ] && ok || bad "$1: changes published"
}
keep_base

# --- one bad row, row-level quarantine: the others pass ------------------------
sed 's/^SKU-0011,\(.*\),EA,5.5,12,/SKU-0011,\1,EA,5.5,twelve,/; s/^SKU-0012,\(.*\),EA,6.5,1,/SKU-0012,\1,EA,7.5,1,/' \
    "$t/n2.csv" >"$t/n3.csv"
grep -q twelve "$t/n3.csv" && ok || bad "fixture: no bad row"
drop "$t/n3.csv"
expect_exit 1 $E run --partner erp
id3=$(last_id)
expect_out "$id3 \\(items-3.csv\\): partial"
q3="$h/spool/quarantine/erp/$id3"
[ -f "$q3/bad-rows.csv" ] && ok || bad "no bad-rows.csv"
grep -q '^"12","[0-9]*","case_qty","twelve","unitConversion/quantity is not a number"$' \
    "$q3/bad-rows.csv" && ok || { bad "bad-rows.csv lacks the row"; cat "$q3/bad-rows.csv"; }
grep -q 'left out' "$q3/report.txt" && ok || bad "report words"
kinds "$h/spool/out/erp/$id3.jsonl" changed >"$t/got"
printf 'SKU-0012\n' >"$t/want"
same "$t/want" "$t/got" "bad row: only SKU-0012 changed"
kinds "$h/spool/out/erp/$id3.jsonl" deleted >"$t/got"
[ ! -s "$t/got" ] && ok || bad "a bad row's key reported deleted"
# its item stays as it was in the new baseline (not lost)
gzip -dc "$h/spool/baseline/erp/items/$id3.rows.gz" | grep -q '^SKU-0011	' && ok ||
    bad "the bad row's old item left the baseline"
id2=$id3
keep_base

# --- bad rows over the limit (2 %): the file is rejected -----------------------
awk -F, 'NR > 1 && NR <= 12 { sub(/,false,active$/, ",maybe,active") } { print }' \
    "$t/n3.csv" >"$t/n4.csv"
drop "$t/n4.csv"
expect_exit 1 $E run --partner erp
expect_out 'rejected: items batch reject'
id4=$(last_id)
base_kept "over the bad-row limit"
# every bad value is listed, one line each
want=$(( $(grep -c maybe "$t/n4.csv") + $(grep -c twelve "$t/n4.csv") ))
[ "$(tail -n +2 "$h/spool/quarantine/erp/$id4/bad-rows.csv" | wc -l)" -eq "$want" ] &&
    ok || bad "bad-rows.csv: want every bad value ($want)"

# --- whole-file reject policy: one bad row rejects ----------------------------
sed 's/on-bad-row="quarantine" max-bad-percent="2"/on-bad-row="reject"/' \
    "$t/erp.xml.good" >"$h/partners/erp.xml"
expect_exit 0 $E partner check erp
sed 's/^SKU-0013,\(.*\),EA,7.5,2,/SKU-0013,\1,EA,heavy,2,/' "$t/n3.csv" >"$t/n5.csv"
drop "$t/n5.csv"
expect_exit 1 $E run --partner erp
expect_out 'rejected: items batch reject'
id5=$(last_id)
base_kept "reject policy"
grep -q 'the layout rejects the whole file on a bad row' \
    "$h/spool/quarantine/erp/$id5/report.txt" && ok || bad "reject words"
grep -q '"heavy"' "$h/spool/quarantine/erp/$id5/bad-rows.csv" && ok || bad "bad row not listed"
cp "$t/erp.xml.good" "$h/partners/erp.xml"

# --- a duplicate key: held ---------------------------------------------------
{ cat "$t/n3.csv"; grep '^SKU-0005,' "$t/n3.csv" | sed 's/,EA,/,PK,/'; } >"$t/n6.csv"
drop "$t/n6.csv"
expect_exit 1 $E run --partner erp
expect_out 'rejected: items batch hold'
id6=$(last_id)
base_kept "duplicate key"
expect_exit 0 $E show "$id6"
expect_out "duplicate-key.*line 303: the business key 'SKU-0005' is on line 6 as well"

# --- a row-count drop: held, then released by a person ---------------------------
head -n 200 "$t/n3.csv" >"$t/n7.csv"
drop "$t/n7.csv"
expect_exit 1 $E run --partner erp
expect_out 'rejected: items batch hold'
id7=$(last_id)
base_kept "row-count drop"
grep -q 'fewer than the last batch' "$h/spool/quarantine/erp/$id7/report.txt" &&
    ok || bad "drop words"
expect_exit 1 $E quarantine release "$id7" --reason "catalogue cleared"
id8=$(last_id)
expect_exit 0 $E show --json "$id8"
python3 - "$t/out" "$id2" <<'PY' && ok || bad "release: counts"
import json, sys
b = json.load(open(sys.argv[1]))["batch"]
assert b["baseFileId"] == sys.argv[2] and b["verdict"] == "accept", b
# 300 rows were dropped to 199; SKU-0011 is still bad, so it stays
assert b["deleted"] == 102 and b["rows"] == 199, b
PY
[ "$(cur_base)" = "$id8" ] && ok || bad "release: the baseline did not move"
[ "$(wc -l <"$h/spool/out/erp/$id8.jsonl")" -eq 102 ] && ok || bad "release: 102 deletes"

# --- reprocess of an older batch: the baseline it had ------------------------------
expect_exit 0 $E reprocess "$(q "SELECT file_id FROM batches WHERE rows=301 ORDER BY at LIMIT 1")" --force --reason "check night 2"
id9=$(last_id)
kinds "$h/spool/out/erp/$id9.jsonl" changed >"$t/got"
same "$t/ind.changed" "$t/got" "reprocess: night 2's changes again"
[ "$(q "SELECT base_id FROM batches WHERE file_id='$id9'")" = "$id1" ] && ok ||
    bad "reprocess: not compared with night 1"
[ "$(cur_base)" = "$id8" ] && ok || bad "reprocess moved the current baseline"

# --- the same file again: a duplicate, not compared ------------------------------
cp "$t/n7.csv" "$h/drop/erp/in/again.csv"
sed -i 's/pattern="items\*.csv"/pattern="items*.csv again.csv"/' "$h/partners/erp.xml"
touch -d '1 hour ago' "$h/drop/erp/in/again.csv"
expect_exit 0 $E run --partner erp
expect_out 'duplicate'
[ "$(cur_base)" = "$id8" ] && ok || bad "a duplicate moved the baseline"

# --- keep-baselines: the current baseline and the newest N in all -------------
sed -i 's/max-bad-percent="2"/max-bad-percent="2" keep-baselines="2"/' "$h/partners/erp.xml"
expect_exit 0 $E partner check erp
nb() { ls "$h/spool/baseline/erp/items" | wc -l | tr -d ' '; }
[ "$(nb)" -gt 2 ] && ok || bad "keep-baselines: want more than 2 baselines before"
for k in 1 2; do
	sed "s/^SKU-0003,\"Item 3, blue\",EA,[0-9.]*/SKU-0003,\"Item 3, blue\",EA,$k$k.5/" \
	    "$t/n7.csv" >"$h/drop/erp/in/items-keep$k.csv"
	touch -d '1 hour ago' "$h/drop/erp/in/items-keep$k.csv"
	expect_exit 1 $E run --partner erp # SKU-0011 is still bad
done
idk=$(last_id)
[ "$(cur_base)" = "$idk" ] && ok || bad "keep-baselines: current not moved"
[ "$(nb)" -eq 2 ] && ok || { bad "keep-baselines: $(nb) baseline files, want 2"; ls "$h/spool/baseline/erp/items"; }
[ "$(q "SELECT count(*) FROM batches WHERE partner='erp' AND baseline IS NOT NULL")" -eq 2 ] &&
    ok || bad "keep-baselines: the ledger names more than 2"
[ -f "$h/spool/baseline/erp/items/$idk.rows.gz" ] && ok || bad "keep-baselines: current file gone"
# a reprocess of a batch whose baseline was removed is refused by name
old=$(q "SELECT file_id FROM batches WHERE base_id='$id1' ORDER BY at LIMIT 1")
expect_exit 1 $E reprocess "$old" --force --reason "too old"
idr=$(last_id)
[ "$(q "SELECT final_state FROM files WHERE id='$idr'")" = rejected ] && ok ||
    bad "reprocess without baseline: $(q "SELECT final_state FROM files WHERE id='$idr'")"
[ "$(q "SELECT count(*) FROM findings WHERE file_id='$idr' AND rule='baseline-removed'")" -eq 1 ] &&
    ok || bad "no baseline-removed finding"
grep -q 'was removed, as the profile keeps only the newest 2' \
    "$h/spool/quarantine/erp/$idr/report.txt" && ok || bad "baseline-removed report"
[ "$(cur_base)" = "$idk" ] && ok || bad "a refused reprocess moved the baseline"

# --- partner new --from SAMPLE.csv: a draft partner check accepts --------------
expect_exit 0 $E partner new erp-draft --from "$t/n1.csv"
expect_out "drafted a items master-data partner .*utf-8, ',' delimited, with a header, 7 column\\(s\\), record Item"
expect_exit 0 $E partner check erp-draft
lay="$h/layouts/erp-draft-items.layout.xml"
grep -q '<key name="sku" path="sku"/>' "$lay" && ok || bad "draft: key"
grep -q '<field path="grossWeight" column="weight_kg" uom="KG"/>' "$lay" && ok || bad "draft: weight"
grep -q '<field path="unitConversion/quantity" column="case_qty"/>' "$lay" && ok || bad "draft: case"
# the sample runs through the draft: every row an Item
cp "$t/n1.csv" "$h/drop/erp-draft/in/night.csv"
touch -d '1 hour ago' "$h/drop/erp-draft/in/night.csv"
expect_exit 0 $E run --partner erp-draft
expect_out 'accepted: items batch accept: 300 row\(s\): 300 added'
# a Windows-1252 sample with a decimal comma and a header row
printf 'Artikel;Bezeichnung;ME;Gewicht;Gefahrgut\r\nA-1;Gr\374n;EA;1.234,5;J\r\nA-2;Blau;EA;0,5;N\r\n' >"$t/de.csv"
expect_exit 0 $E partner new erp-de --from "$t/de.csv"
expect_out 'windows-1252, .;. delimited, with a header'
expect_exit 0 $E partner check erp-de
grep -q 'column="Gewicht" decimal="," thousands="."' "$h/layouts/erp-de-items.layout.xml" &&
    ok || bad "draft: decimal comma"
expect_exit 0 $E layout map "$h/layouts/erp-de-items.layout.xml" "$t/de.csv"
expect_out '"description":"Grün".*"grossWeight":\{"value":1234.5'
expect_out '"sku":"A-2".*"hazmat":false'

# nothing left in spool/work (the sort's runs, refused changes)
[ -z "$(ls -A "$h/spool/work" 2>/dev/null)" ] && ok ||
    { bad "spool/work not empty"; ls -A "$h/spool/work" | head -5; }

echo "masterdata: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
