#!/bin/sh
# The inbound pipeline end to end: `edigate run` on a temporary home with
# local-directory partners (tests/fixtures/map/home/partners), then the
# support commands on what it left in the spool.
#
# Covered: outcomes (accepted, rejected with a reject report, partial per
# the partial-files policy), duplicates (same bytes, same interchange,
# same group, same business key: duplicate / change / reject; reused
# numbers and corrected resends in detail: dedupe.sh), bundles
# (zip, refused entries), not-X12 input, file size limits, ack policy,
# completeness (stable-for, done-file), post-actions (leave, move,
# delete), idempotent re-runs, the run lock, files / show / status /
# quarantine list|show|release|discard / reprocess with their --json,
# and documents we sent (`sent`) checked by the 945 rules.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/pipeline.sh
# POSIX sh; needs python3 (fixture variants, zip, JSON) and sqlite3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"

for tool in python3 sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: pipeline: $tool not found"; exit 0; }
done

# A fresh home: shipped edi/ and schemas/, the test partners, inboxes.
new_home() {
	h="$t/$1"
	rm -rf "$h"
	mkdir -p "$h"
	ln -s "$root/edi" "$h/edi"
	ln -s "$root/schemas" "$h/schemas"
	cp -R "$fx/home/partners" "$h/partners"
	for p in shopco northwh depot southwh; do mkdir -p "$h/drop/$p/in"; done
	E="$bin --home $h"
	db="$h/spool/ledger.db"
}
# Put files in an inbox, old enough to be complete (stable-for).
# Only the new ones: a touched file is a new delivery (the ledger keys a
# pickup by path, size and mtime).
drop() {
	p=$1; shift
	for f in "$@"; do
		cp "$f" "$h/drop/$p/in/"
		touch -d '1 hour ago' "$h/drop/$p/in/$(basename "$f")"
	done
}
# An 850 like 850-good with another ISA13/GS06 and PO number.
mk850() { # OUT ISA13 PO [GS06]
	python3 - "$fx/850-good.x12" "$1" "$2" "$3" "${4:-}" <<'EOF'
import sys
src, out, isa, po, gs = sys.argv[1:6]
s = open(src).read()
s = s.replace("000000501", isa).replace("PO-9001", po)
gs = gs or str(int(isa))
s = s.replace("*501*X*", "*%s*X*" % gs).replace("GE*1*501", "GE*1*" + gs)
open(out, "w").write(s)
EOF
}
q() { sqlite3 "$db" "$1"; }
expect_sql() { # SQL WANT
	got=$(q "$1")
	if [ "$got" = "$2" ]; then ok; else bad "sql: $1: got '$got', want '$2'"; fi
}

# --- 1. a first run: accepted, rejected, sha256 duplicate --------------
new_home h1
mk850 "$t/a.x12" 000000601 PO-A1
cp "$t/a.x12" "$t/z-copy.x12"
drop shopco "$t/a.x12" "$t/z-copy.x12" "$fx/850-unmapped-uom.x12" "$fx/850-split.x12"
expect_exit 1 $E run
expect_out 'shopco: received a.x12 as [0-9]{8}-[0-9]{6}'
expect_out '4 file\(s\) taken, 4 processed: 2 accepted, 0 partial, 1 rejected, 1 duplicate'
expect_sql "SELECT state FROM files WHERE name='a.x12'" accepted
expect_sql "SELECT state FROM files WHERE name='z-copy.x12'" duplicate
expect_sql "SELECT duplicate_of = (SELECT id FROM files WHERE name='a.x12') FROM files WHERE name='z-copy.x12'" 1
expect_sql "SELECT state FROM files WHERE name='850-unmapped-uom.x12'" rejected
expect_sql "SELECT count(*) FROM files WHERE state IN ('received','processed')" 0
A=$(q "SELECT id FROM files WHERE name='a.x12'")
R=$(q "SELECT id FROM files WHERE name='850-unmapped-uom.x12'")
S=$(q "SELECT id FROM files WHERE name='850-split.x12'")
# records: one per order, two for the split 850
if [ "$(wc -l <"$h/spool/out/shopco/$A.jsonl")" -eq 1 ] &&
	grep -q '"purchaseOrderNumber":"PO-A1"' "$h/spool/out/shopco/$A.jsonl"; then ok
else bad "records of $A"; fi
[ "$(wc -l <"$h/spool/out/shopco/$S.jsonl")" -eq 2 ] && ok || bad "split 850 gives two records"
grep -q "\"fileId\":\"$A\"" "$h/spool/out/shopco/$A.jsonl" && ok || bad "records carry the ledger file id"
[ ! -e "$h/spool/out/shopco/$R.jsonl" ] && ok || bad "no records for a rejected file"
# quarantine: the original and both reports
qd="$h/spool/quarantine/shopco/$R"
cmp -s "$qd/850-unmapped-uom.x12" "$fx/850-unmapped-uom.x12" && ok || bad "quarantine keeps the original"
grep -q "map-unmapped-code" "$qd/report.txt" && ok || bad "report.txt names the rule"
grep -q "segment: PO1\*2\*3\*DZ" "$qd/report.txt" && ok || bad "report.txt shows the segment text"
grep -qE "at byte [0-9]+, segment [0-9]+ \(PO1\)" "$qd/report.txt" && ok || bad "report.txt gives the position"
cp "$qd/report.json" "$t/out"; json_ok "report.json"
python3 - "$qd/report.json" <<'EOF' && ok || bad "report.json content"
import json, sys
r = json.load(open(sys.argv[1]))
f = r["findings"][0]
assert r["partner"] == "shopco" and r["outcome"] == "rejected"
assert f["segmentId"] == "PO1" and f["offset"] > 0 and "DZ" in f["segmentText"]
assert r["controlNumbers"][0]["isa13"] and r["controlNumbers"][0]["st02"] == "0001"
EOF
# archive: every original, compressed, byte for byte
for id in $A $R $S; do
	arch=$(q "SELECT archive_path FROM files WHERE id='$id'")
	orig=$(q "SELECT name FROM files WHERE id='$id'")
	gzip -dc "$h/spool/$arch" | cmp -s - "$h/drop/shopco/in/$orig" && ok || bad "archive of $id"
done
# acknowledgements: one 997 per file in the partner's outbox, distinct
# control numbers, none left staged
[ "$(ls "$h/drop/shopco/out" | wc -l)" -eq 4 ] && ok || bad "4 acks in the outbox"
n=$(cat "$h/drop/shopco/out"/* | tr '~' '\n' | grep '^ISA' | cut -d'*' -f14 | sort | uniq -d | wc -l)
[ "$n" -eq 0 ] && ok || bad "ISA13 reused in acks"
grep -l 'AK5\*A' "$h/drop/shopco/out"/* >/dev/null && ok || bad "accepting 997"
expect_sql "SELECT count(*) FROM outputs WHERE kind='ack' AND state<>'sent'" 0
[ -z "$(ls -A "$h/spool/work" 2>/dev/null)" ] && ok || bad "spool/work is empty after the run"
[ -z "$(ls -A "$h/spool/in/shopco" 2>/dev/null)" ] && ok || bad "spool/in is empty after the run"

# --- 2. a second run takes nothing (leave: the ledger knows the files) --
expect_exit 0 $E run
expect_out '0 file\(s\) taken'
expect_sql "SELECT count(*) FROM files" 4
# a changed file under the same name is new
mk850 "$h/drop/shopco/in/a.x12" 000000602 PO-A2
touch -d "2 hours ago" "$h/drop/shopco/in/a.x12"  # another mtime: a new delivery
expect_exit 0 $E run
expect_out '1 file\(s\) taken, 1 processed: 1 accepted'

# --- 3. duplicates: interchange, group, business key --------------------
# (a number repeated with other content is held: tests/e2e/dedupe.sh)
sed 's/\*240110\*0800\*/*240111*0800*/' "$t/a.x12" >"$t/same-isa.x12"
drop shopco "$t/same-isa.x12"
expect_exit 0 $E run
expect_sql "SELECT state FROM files WHERE name='same-isa.x12'" duplicate
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='same-isa.x12' AND f.rule='duplicate-interchange'" 1
mk850 "$t/same-gs.x12" 000000603 PO-A1 601
drop shopco "$t/same-gs.x12"
expect_exit 0 $E run
expect_sql "SELECT state FROM files WHERE name='same-gs.x12'" duplicate
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='same-gs.x12' AND f.rule='duplicate-group'" 1
mk850 "$t/reused-isa.x12" 000000601 PO-OTHER 777
drop shopco "$t/reused-isa.x12"
expect_exit 1 $E run
expect_sql "SELECT state FROM files WHERE name='reused-isa.x12'" rejected
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='reused-isa.x12' AND f.rule='control-number-reuse'" 1
# same PO number, new envelope: business key, default policy duplicate
mk850 "$t/same-po.x12" 000000604 PO-A1
drop shopco "$t/same-po.x12"
expect_exit 0 $E run
expect_sql "SELECT state FROM files WHERE name='same-po.x12'" duplicate
expect_sql "SELECT t.duplicate_of='$A' FROM transactions t JOIN files f ON f.id=t.file_id WHERE f.name='same-po.x12'" 1
D=$(q "SELECT id FROM files WHERE name='same-po.x12'")
[ ! -e "$h/spool/out/shopco/$D.jsonl" ] && ok || bad "a duplicate order gives no record"
# policy change: the repeat goes out, marked as a change of the first
sed -i 's#  <codemap name="uom">#  <duplicates business-key="change"/>\n  <codemap name="uom">#' "$h/partners/shopco.xml"
mk850 "$t/change-po.x12" 000000605 PO-A1
drop shopco "$t/change-po.x12"
expect_exit 0 $E run
expect_sql "SELECT state FROM files WHERE name='change-po.x12'" accepted
expect_sql "SELECT t.status FROM transactions t JOIN files f ON f.id=t.file_id WHERE f.name='change-po.x12'" change
# policy reject: quarantined with a finding that names the first file
sed -i 's#business-key="change"#business-key="reject"#' "$h/partners/shopco.xml"
mk850 "$t/reject-po.x12" 000000606 PO-A1
drop shopco "$t/reject-po.x12"
expect_exit 1 $E run
expect_sql "SELECT state FROM files WHERE name='reject-po.x12'" rejected
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='reject-po.x12' AND f.rule='duplicate-business-key' AND f.message LIKE '%$A%'" 1
# outside the control window an ISA13 may come again
sed -i 's#business-key="reject"#business-key="duplicate" control-window="1d"#' "$h/partners/shopco.xml"
mk850 "$t/later.x12" 000000604 PO-LATER 904
drop shopco "$t/later.x12"
EDIGATE_NOW=$(( $(date +%s) + 3 * 86400 )) $E run >"$t/out" 2>&1
expect_sql "SELECT state FROM files WHERE name='later.x12'" accepted

# --- 4. partial files: accept-valid (default) and reject-file -------------
new_home h2
python3 - "$fx/850-good.x12" "$fx/850-unmapped-uom.x12" "$t/mixed.x12" <<'EOF'
import sys, re
good = open(sys.argv[1]).read().split("~")
bad = open(sys.argv[2]).read().split("~")
def body(segs):  # ST..SE of the first set
    segs = [s.strip("\n") for s in segs]
    i = next(k for k, s in enumerate(segs) if s.startswith("ST*"))
    j = next(k for k, s in enumerate(segs) if s.startswith("SE*"))
    return segs[i:j + 1]
g, b = body(good), body(bad)
b = [s.replace("ST*850*0001", "ST*850*0002").replace("SE*%s*0001" % s.split("*")[1] if s.startswith("SE*") else "@@", "SE*%s*0002" % s.split("*")[1] if s.startswith("SE*") else "@@") for s in b]
b = [s.replace("PO-9002", "PO-MIX2") for s in b]
head = [s.strip("\n") for s in good[:2]]
out = head + g + b + ["GE*2*501", "IEA*1*000000501", ""]
open(sys.argv[3], "w").write("~\n".join(out))
EOF
drop shopco "$t/mixed.x12"
expect_exit 1 $E run
expect_sql "SELECT state FROM files WHERE name='mixed.x12'" partial
M=$(q "SELECT id FROM files WHERE name='mixed.x12'")
[ "$(wc -l <"$h/spool/out/shopco/$M.jsonl")" -eq 1 ] && ok || bad "partial: the good set's record goes on"
[ -f "$h/spool/quarantine/shopco/$M/report.txt" ] && ok || bad "partial: the bad set is quarantined"
expect_sql "SELECT group_concat(status) FROM (SELECT status FROM transactions WHERE file_id='$M' ORDER BY id)" "accepted,rejected"
new_home h3
sed -i 's#  <codemap name="uom">#  <partial-files policy="reject-file"/>\n  <codemap name="uom">#' "$h/partners/shopco.xml"
drop shopco "$t/mixed.x12"
expect_exit 1 $E run
expect_sql "SELECT state FROM files WHERE name='mixed.x12'" rejected
M=$(q "SELECT id FROM files WHERE name='mixed.x12'")
[ ! -e "$h/spool/out/shopco/$M.jsonl" ] && ok || bad "reject-file: no records at all"
expect_sql "SELECT count(*) FROM business_keys" 0
grep -q partial-file-rejected "$h/spool/quarantine/shopco/$M/report.txt" && ok || bad "reject-file: the report says why"

# --- 5. bundles, not X12, limits ---------------------------------------------
new_home h4
mk850 "$t/b1.x12" 000000701 PO-B1
mk850 "$t/b2.x12" 000000702 PO-B2
python3 - "$t" <<'EOF'
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/bundle.x12", "w") as z:
    z.write(d + "/b1.x12", "orders/b1.x12"); z.write(d + "/b2.x12", "b2.x12")
with zipfile.ZipFile(d + "/evil.x12", "w") as z:
    z.write(d + "/b1.x12", "../../etc/b1.x12")
EOF
printf 'UNA:+.? '"'"'UNB+UNOC:3+X+Y+240101:1200+1'"'"'\n' >"$t/edifact.x12"
drop shopco "$t/bundle.x12" "$t/evil.x12" "$t/edifact.x12"
expect_exit 1 $E run
expect_sql "SELECT state FROM files WHERE name='bundle.x12'" unpacked
expect_sql "SELECT group_concat(name || ':' || state, ' ') FROM (SELECT name, state FROM files WHERE parent_id=(SELECT id FROM files WHERE name='bundle.x12') ORDER BY n)" "orders/b1.x12:accepted b2.x12:accepted"
expect_sql "SELECT state FROM files WHERE name='evil.x12'" rejected
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='evil.x12' AND f.rule='bundle-bad' AND f.message LIKE '%..%'" 1
expect_sql "SELECT count(*) FROM files WHERE parent_id=(SELECT id FROM files WHERE name='evil.x12')" 0
expect_sql "SELECT f.rule FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='edifact.x12'" not-x12
grep -q EDIFACT "$h/spool/quarantine/shopco/$(q "SELECT id FROM files WHERE name='edifact.x12'")/report.txt" && ok || bad "not-x12 report says EDIFACT"
sed -i 's#  <codemap name="uom">#  <limits max-file-bytes="100"/>\n  <codemap name="uom">#' "$h/partners/shopco.xml"
mk850 "$t/big.x12" 000000703 PO-BIG
drop shopco "$t/big.x12"
expect_exit 1 $E run
expect_sql "SELECT f.rule FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='big.x12'" file-too-large

# --- 6. completeness, post-actions, ack policy ---------------------------------
new_home h5
sed -i 's#<complete stable-for="10s"/>#<complete stable-for="10s" done-suffix=".ok"/>#; s#action="leave"#action="delete"#' "$h/partners/shopco.xml"
mk850 "$h/drop/shopco/in/d1.x12" 000000801 PO-D1
mk850 "$h/drop/shopco/in/d2.x12" 000000802 PO-D2
touch "$h/drop/shopco/in/d1.x12.ok"
touch -d '1 hour ago' "$h/drop/shopco/in/"*
mk850 "$h/drop/shopco/in/fresh.x12" 000000803 PO-D3
touch "$h/drop/shopco/in/fresh.x12.ok"
expect_exit 0 $E run
expect_out '1 file\(s\) taken.*2 waiting to be complete'
[ ! -e "$h/drop/shopco/in/d1.x12" ] && [ ! -e "$h/drop/shopco/in/d1.x12.ok" ] && ok || bad "delete: the file and its done-file go"
[ -e "$h/drop/shopco/in/d2.x12" ] && ok || bad "no done-file: not taken, not deleted"
expect_sql "SELECT post_action FROM files WHERE name='d1.x12'" done
sed -i 's#action="delete"#action="move" move-to="drop/shopco/done"#' "$h/partners/shopco.xml"
touch "$h/drop/shopco/in/d2.x12.ok"
expect_exit 0 $E run
[ -e "$h/drop/shopco/done/d2.x12" ] && [ ! -e "$h/drop/shopco/in/d2.x12" ] && ok || bad "move: into move-to"
# ack policy: never sends nothing and uses no control number
new_home h6
sed -i 's#<send type="functional" when="always"/>#<send type="functional" when="never"/>#' "$h/partners/shopco.xml"
mk850 "$t/n1.x12" 000000901 PO-N1
drop shopco "$t/n1.x12"
expect_exit 0 $E run
[ -z "$(ls -A "$h/drop/shopco/out" 2>/dev/null)" ] && ok || bad "ack policy never: no acknowledgement"
expect_sql "SELECT count(*) FROM control_numbers" 0
sed -i 's#when="never"#when="on-error"#' "$h/partners/shopco.xml"
drop shopco "$fx/850-good.x12"
expect_exit 0 $E run
[ -z "$(ls -A "$h/drop/shopco/out" 2>/dev/null)" ] && ok || bad "ack policy on-error: none for a good file"

# --- 7. one run at a time ------------------------------------------------------
if command -v flock >/dev/null 2>&1; then
	flock "$h/spool/run.lock" sleep 3 &
	sleep 1
	expect_exit 75 $E run
	expect_err 'another edigate run is working on the spool.*run.lock'
	expect_exit 0 $E run --wait
	wait
else
	echo "SKIP: pipeline: flock(1) not found: lock not tested"
fi

# --- 8. support commands on h1 --------------------------------------------------
h="$t/h1" E="$bin --home $h" db="$h/spool/ledger.db"
expect_exit 0 $E files --partner shopco
expect_out "$A +shopco +accepted"
expect_exit 0 $E files --json --key PO-A1
json_ok "files --json"
expect_out "\"id\":\"$A\""
expect_exit 0 $E files --control 601 --state accepted
expect_out "$A"
expect_exit 0 $E files --sha256 "$(q "SELECT substr(sha256,1,12) FROM files WHERE id='$R'")"
expect_out "$R"
expect_exit 1 $E files --key NO-SUCH-KEY
expect_exit 0 $E show "$A"
expect_out 'transaction sets:'
expect_out 'kind=ack path=out/shopco/acks/'
expect_out 'duplicate of this file'
expect_exit 0 $E show --json "$R"
json_ok "show --json"
expect_out '"rule":"map-unmapped-code"'
expect_exit 1 $E show 19990101-000000
expect_exit 1 $E status
expect_out 'shopco .* ok '
expect_exit 1 $E status --json
json_ok "status --json"
expect_out '"partner":"shopco".*"quarantine":[1-9]'
expect_exit 0 $E quarantine list
expect_out "$R"
expect_exit 0 $E quarantine list --json
json_ok "quarantine list --json"
expect_exit 0 $E quarantine show "$R"
expect_out 'edigate reject report'
expect_exit 0 $E quarantine show --json "$R"
json_ok "quarantine show --json"
expect_exit 2 $E quarantine release "$R"
expect_err 'needs --reason'
expect_exit 2 $E quarantine discard "$A" --reason x
expect_err 'not in quarantine'
# release after the fix: DZ gets a translation in the profile
sed -i 's#<code partner="PK" ours="PK"/>#<code partner="PK" ours="PK"/>\n    <code partner="DZ" ours="DZ"/>#' "$h/partners/shopco.xml"
EDIGATE_USER=alice expect_exit 0 $E quarantine release "$R" --reason "DZ added to the uom list"
expect_out "$R: released as [0-9-]+: accepted"
expect_sql "SELECT state FROM files WHERE id='$R'" released
expect_sql "SELECT actor || '|' || action || '|' || reason FROM audit WHERE file_id='$R'" "alice|release|DZ added to the uom list"
expect_sql "SELECT state FROM files WHERE reprocess_of='$R'" accepted
[ ! -e "$h/spool/quarantine/shopco/$R" ] || ok
# reprocess: refused for an accepted file, forced it sends changes
expect_exit 2 $E reprocess "$A" --reason "again"
expect_err 'use --force'
EDIGATE_USER=bob expect_exit 0 $E reprocess "$A" --force --reason "map fix"
expect_sql "SELECT t.status FROM transactions t JOIN files f ON f.id=t.file_id WHERE f.reprocess_of='$A'" change
expect_sql "SELECT actor FROM audit WHERE file_id='$A' AND action='reprocess'" bob
# a partial file released: the set it delivered is not delivered twice
h="$t/h2" E="$bin --home $h" db="$h/spool/ledger.db"
M=$(q "SELECT id FROM files WHERE name='mixed.x12'")
sed -i 's#<code partner="PK" ours="PK"/>#<code partner="PK" ours="PK"/>\n    <code partner="DZ" ours="DZ"/>#' "$h/partners/shopco.xml"
expect_exit 0 $E quarantine release "$M" --reason fixed
N=$(q "SELECT id FROM files WHERE reprocess_of='$M'")
expect_sql "SELECT group_concat(status) FROM (SELECT status FROM transactions WHERE file_id='$N' ORDER BY id)" "duplicate,accepted"
[ "$(wc -l <"$h/spool/out/shopco/$N.jsonl")" -eq 1 ] && ok || bad "release of a partial file: only the fixed set goes out"
# discard
h="$t/h4" E="$bin --home $h" db="$h/spool/ledger.db"
X=$(q "SELECT id FROM files WHERE name='edifact.x12'")
expect_exit 2 $E quarantine discard "$X"
expect_exit 0 $E quarantine discard "$X" --reason "partner sent EDIFACT by mistake"
expect_sql "SELECT state FROM files WHERE id='$X'" discarded
[ ! -e "$h/spool/quarantine/shopco/$X" ] && ok || bad "discard removes the quarantine folder"
expect_sql "SELECT count(*) FROM audit WHERE file_id='$X' AND action='discard'" 1
# the audit log cannot be rewritten
if sqlite3 "$db" "DELETE FROM audit" 2>/dev/null; then bad "audit rows deleted"; else ok; fi

# --- 9. documents we sent, checked by the 945 rules --------------------------------
new_home h7
expect_exit 0 $E run # only run makes a spool
expect_exit 0 $E sent --partner northwh "$fx/940-sent.x12"
expect_out 'recorded as'
drop northwh "$fx/945-good.x12" "$fx/945-over-tolerance.x12"
expect_exit 1 $E run
expect_sql "SELECT state FROM files WHERE name='945-good.x12'" accepted
expect_sql "SELECT state FROM files WHERE name='945-over-tolerance.x12'" rejected
expect_sql "SELECT count(*) FROM findings WHERE rule='rule-quantity-tolerance'" 1
# --- 10. a new file where we deleted one: same name, size and mtime second ---
new_home h8
sed -i 's/action="leave"/action="delete"/' "$h/partners/shopco.xml"
mk850 "$t/re1.x12" 000000801 PO-R1
mk850 "$t/re2.x12" 000000802 PO-R2
[ "$(wc -c <"$t/re1.x12")" -eq "$(wc -c <"$t/re2.x12")" ] && ok || bad "re1 and re2: same size"
cp "$t/re1.x12" "$h/drop/shopco/in/re.x12"
touch -d '2026-01-01 00:00:00' "$h/drop/shopco/in/re.x12"
expect_exit 0 $E run
[ ! -e "$h/drop/shopco/in/re.x12" ] && ok || bad "re.x12 deleted after pickup"
cp "$t/re2.x12" "$h/drop/shopco/in/re.x12"
touch -d '2026-01-01 00:00:00' "$h/drop/shopco/in/re.x12"
expect_exit 0 $E run
expect_out '1 file\(s\) taken, 1 processed: 1 accepted'
expect_sql "SELECT count(*) FROM files WHERE name='re.x12' AND state='accepted'" 2
expect_sql "SELECT count(DISTINCT sha256) FROM files WHERE name='re.x12'" 2

# --help for every spool command
for c in run status files show quarantine reprocess sent; do
	expect_exit 0 $bin $c --help
	expect_out 'Usage: edigate'
done

# every acknowledgement this test made us write is valid X12 (strict)
check_our_acks "$t"
echo "pipeline: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
