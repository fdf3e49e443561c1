#!/bin/sh
# Operations (issue 19, points 6 and 7): the quarantine as an owned work
# queue (categories, owners, notes, age, the audit's actor), the weekly
# review on a known history, shadow mode (nothing delivered, the
# partner's server untouched, compare against the manual records) and
# run --dry-run (no trace in the ledger that would make a real run skip
# the file).
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/ops_queue.sh
# POSIX sh; needs python3 and sqlite3.
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
		echo "SKIP: ops_queue: $tool not found"; exit 0; }
done

# A home with shopco (tests/fixtures/map) changed by sed expressions.
new_home() { # NAME SED-EXPR...
	h="$t/$1"; shift
	mkdir -p "$h/partners" "$h/drop/shopco/in" "$h/drop/shopco/out" \
	    "$h/drop/shopco/done"
	ln -s "$root/edi" "$h/edi"
	ln -s "$root/schemas" "$h/schemas"
	cp "$fx/home/partners/shopco.xml" "$h/partners/shopco.xml"
	for x in "$@"; do sed -i -e "$x" "$h/partners/shopco.xml"; done
	E="$bin --home $h"
	db="$h/spool/ledger.db"
}
drop() { # FILE...
	for f in "$@"; do
		cp "$f" "$h/drop/shopco/in/"
		touch -d '1 hour ago' "$h/drop/shopco/in/$(basename "$f")"
	done
}
mk850() { # OUT ISA13 PO
	python3 - "$fx/850-good.x12" "$1" "$2" "$3" <<'PY'
import sys
src, out, isa, po = sys.argv[1:5]
s = open(src).read()
s = s.replace("000000501", isa).replace("PO-9001", po)
s = s.replace("*501*X*", "*%s*X*" % int(isa)).replace("GE*1*501", "GE*1*%d" % int(isa))
open(out, "w").write(s)
PY
}
q() { sqlite3 "$db" "$1"; }
expect_sql() { # SQL WANT
	got=$(q "$1")
	if [ "$got" = "$2" ]; then ok; else bad "sql: $1: got '$got', want '$2'"; fi
}
# jcheck PYTHON-EXPR: true of the JSON in $t/out (as j)
jcheck() {
	if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
	    "$t/out" "$1"; then ok; else bad "json: $1"; head -c 800 "$t/out" | sed 's/^/    /'; echo; fi
}

# The clock: day 0 is an hour from now (files dropped "an hour ago" are
# complete by then), the rest whole days after it.
d0=$(( $(date +%s) + 3600 ))
at() { echo $((d0 + $1 * 86400)); }

# --- 1. the work queue --------------------------------------------------
new_home q 's|set="850" versions="004010 005010"/>|set="850" versions="004010 005010" owner="team-850"/>|'
mk850 "$t/good.x12" 000000601 PO-A1
printf 'ISA*00*garbage~' >"$t/broken.x12"
drop "$t/good.x12" "$fx/850-unmapped-uom.x12" "$t/broken.x12"
EDIGATE_NOW=$(at 0) expect_exit 1 $E run --quiet
uom=$(q "SELECT id FROM files WHERE name='850-unmapped-uom.x12'")
brk=$(q "SELECT id FROM files WHERE name='broken.x12'")
good=$(q "SELECT id FROM files WHERE name='good.x12'")
export EDIGATE_NOW
EDIGATE_NOW=$(at 1)
expect_exit 0 $E quarantine list
expect_out "$uom .*850-unmapped-uom.x12"
expect_out 'owner: team-850 \(profile\)  category: mapping gap  age: 1d 0h'
expect_out 'owner: team-850 \(profile\)  category: syntax'
expect_exit 0 $E quarantine list --json
json_ok list
jcheck '[ (x["category"], x["ownerFrom"], x["ageSeconds"]) for x in j["quarantine"]] == [("mapping gap","profile",86400), ("syntax","profile",86400)]'
expect_exit 0 $E quarantine list --category mapping-gap
expect_out "$uom"
expect_no_out "$brk"
expect_exit 1 $E quarantine list --category duplicate
expect_out 'no file in quarantine matches'
expect_exit 2 $E quarantine list --category nonsense
expect_exit 1 $E quarantine list --older-than 2d
expect_exit 0 $E quarantine list --older-than 20h
# assign: by --actor, or $EDIGATE_USER
expect_exit 0 $E quarantine assign "$uom" --to alice --actor bob
expect_out 'assigned to alice \(by bob\)'
expect_sql "SELECT actor||' '||action||' '||detail FROM audit WHERE file_id='$uom'" 'bob assign to alice'
expect_exit 0 $E quarantine list --owner alice
expect_out "$uom"
expect_no_out "$brk"
expect_exit 0 $E quarantine list --owner team-850
expect_out "$brk"
expect_no_out "$uom"
expect_exit 1 $E quarantine list --owner -
expect_exit 2 $E quarantine assign "$good" --to alice
expect_err 'is not in quarantine'
expect_exit 2 $E quarantine assign "$uom" --to 'two words'
EDIGATE_USER=carol expect_exit 0 $E quarantine note "$uom" 'asked shopco for their UOM list'
expect_sql "SELECT actor||' '||action||' '||reason FROM audit WHERE file_id='$uom' AND action='note'" 'carol note asked shopco for their UOM list'
expect_exit 0 $E quarantine list --owner alice
expect_out 'notes: 1'
expect_out 'last note: asked shopco for their UOM list'
expect_exit 0 $E quarantine show "$uom"
expect_out 'owner: alice'
expect_out 'carol: asked shopco for their UOM list'
# show --json: the reject report's object with the work queue in it
expect_exit 0 $E quarantine show --json "$uom"
json_ok "quarantine show --json"
jcheck 'j["owner"] == "alice" and j["ownerFrom"] == "assigned" and j["category"] == "mapping gap"'
jcheck 'j["categorySetBy"] == "findings" and j["ageSeconds"] >= 0 and j["notes"] == 1 and j["lastNote"] == "asked shopco for their UOM list"'
jcheck '[(n["actor"], n["text"]) for n in j["noteHistory"]] == [("carol", "asked shopco for their UOM list")] and "findings" in j and "summary" in j'
expect_exit 0 $E quarantine show --json "$brk"
jcheck 'j["owner"] == "team-850" and j["ownerFrom"] == "profile" and j["noteHistory"] == []'
expect_exit 0 $E quarantine categorize "$brk" --as wrong-partner --actor bob
expect_exit 0 $E quarantine list --category wrong-partner --json
jcheck 'j["quarantine"][0]["categorySetBy"] == "person"'
expect_exit 0 $E quarantine categorize "$brk" --as - --actor bob
expect_exit 0 $E quarantine list --category syntax
# release (rejected again: a new quarantined file, the owner carried),
# discard, with who did it
EDIGATE_NOW=$(at 2)
expect_exit 1 $E quarantine release "$brk" --reason 'partner resent' --actor dave
expect_sql "SELECT actor FROM audit WHERE file_id='$brk' AND action='release'" 'dave'
EDIGATE_NOW=$(at 3)
expect_exit 0 $E quarantine discard "$uom" --reason 'order cancelled' --actor alice
expect_sql "SELECT actor FROM audit WHERE file_id='$uom' AND action='discard'" 'alice'

# --- 2. the review on that history -----------------------------------
EDIGATE_NOW=$(at 4)
expect_exit 0 $E review --since 7d --aging 1d --json
json_ok review
jcheck 'j["quarantined"] == 3'
jcheck 'sorted((x["category"], x["files"]) for x in j["themes"]) == [("mapping gap",1), ("syntax",2)]'
jcheck 'j["waiting"] == 1 and len(j["aging"]) == 1 and j["aging"][0]["ageSeconds"] == 2*86400'
# resolved: released after 2 days, discarded after 3: 2.5 days
jcheck 'j["resolved"] == 2 and j["meanTimeToResolveSeconds"] == 216000'
jcheck '{p["actor"]: (p["release"], p["discard"], p["assign"], p["note"]) for p in j["people"]} == {"bob": (0,0,1,0), "carol": (0,0,0,1), "dave": (1,0,0,0), "alice": (0,1,0,0)}'
jcheck '[(a["actor"], a["action"]) for a in j["actions"]] == [("dave","release"), ("alice","discard")]'
expect_exit 0 $E review
expect_out 'Themes: 3 file\(s\) went to quarantine'
expect_out '2  syntax +shopco'
expect_out 'mean time to resolve: 2d 12h'
expect_out 'alice .*discard .*order cancelled'
# reprocessed, and by whom: the file released and rejected again
brk2=$($E quarantine list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["quarantine"][0]["id"])')
EDIGATE_NOW=$(at 5)
$E reprocess "$brk2" --reason 'guide fixed' --actor erin >"$t/out" 2>&1
expect_sql "SELECT actor||' '||reason FROM audit WHERE file_id='$brk2' AND action='reprocess'" 'erin guide fixed'
expect_exit 0 $E review --since 7d --json
jcheck '[p["reprocess"] for p in j["people"] if p["actor"] == "erin"] == [1]'
jcheck '("erin", "reprocess") in [(a["actor"], a["action"]) for a in j["actions"]]'
expect_exit 0 $E review --since 7d
expect_out 'erin .*reprocess .*guide fixed'
# a week later the period holds none of it
EDIGATE_NOW=$(at 20)
expect_exit 0 $E review --json
jcheck 'j["quarantined"] == 0 and j["resolved"] == 0'
unset EDIGATE_NOW

# --- 3. shadow mode ---------------------------------------------------
new_home s 's|<partner id="shopco" |<partner id="shopco" mode="shadow" |' \
    's|<after-pickup action="leave"/>|<after-pickup action="move" move-to="drop/shopco/done"/>|'
expect_exit 0 $E partner check shopco
expect_out 'mode: shadow'
mk850 "$t/s1.x12" 000000701 PO-S1
mk850 "$t/s2.x12" 000000702 PO-S2
drop "$t/s1.x12" "$t/s2.x12" "$fx/850-unmapped-uom.x12"
expect_exit 1 $E run
expect_out 'shadow mode: nothing is delivered'
expect_out '2 accepted, 0 partial, 1 rejected'
# the shadow shows what would be quarantined; its profile names no owner
expect_exit 0 $E quarantine list --owner -
expect_out '850-unmapped-uom.x12'
expect_out 'owner: nobody'
expect_exit 1 $E quarantine list --owner team-850
# nothing delivered: outbox empty, no records in out/, inbox untouched
if [ -z "$(ls -A "$h/drop/shopco/out")" ] && [ -z "$(ls -A "$h/drop/shopco/done")" ]; then ok; else bad "shadow delivered or moved"; fi
if [ -f "$h/drop/shopco/in/s1.x12" ] && [ -f "$h/drop/shopco/in/s2.x12" ] &&
    [ -f "$h/drop/shopco/in/850-unmapped-uom.x12" ]; then ok; else bad "shadow touched the inbox"; fi
if [ ! -d "$h/spool/out/shopco" ] || [ -z "$(find "$h/spool/out/shopco" -type f)" ]; then ok; else bad "shadow published to out/"; fi
n=$(ls "$h/spool/shadow/shopco/"*.jsonl 2>/dev/null | wc -l)
if [ "$n" -eq 2 ]; then ok; else bad "shadow records: $n, want 2"; fi
if [ -n "$(ls "$h/spool/shadow/shopco/acks/")" ]; then ok; else bad "no shadow acks kept"; fi
expect_sql "SELECT count(*) FROM outputs WHERE kind='ack'" 0
expect_sql "SELECT count(*) FROM interchanges WHERE ack_control IS NOT NULL" 0
expect_sql "SELECT count(*) FROM files WHERE post_action<>'none'" 0
# a second run takes nothing again and still delivers nothing
expect_exit 0 $E run
expect_out '0 file\(s\) taken'
if [ -z "$(ls -A "$h/drop/shopco/out")" ]; then ok; else bad "second shadow run delivered"; fi
# compare: an exact copy is parity; one changed field, one missing, one extra
mkdir -p "$t/manual" "$t/manual2"
cat "$h/spool/shadow/shopco/"*.jsonl >"$t/manual/all.jsonl"
expect_exit 0 $E shadow compare --partner shopco --against "$t/manual"
expect_out 'matched: 2  differing: 0  missing: 0  extra: 0'
expect_out 'parity: complete'
python3 - "$t/manual/all.jsonl" "$t/manual2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
out = []
for r in recs:
    r["correlation"]["fileId"] = "manual"  # not compared
    if r["orderNumber"] == "PO-S1":
        r["lines"][0]["quantityOrdered"]["value"] = 12
        out.append(r)
# PO-S2 left out (extra); PO-S3 only in the manual records (missing)
x = json.loads(json.dumps(out[0]))
x["orderNumber"] = "PO-S3"
for k in x["correlation"]["keys"]:
    k["value"] = "PO-S3"
out.append(x)
open(sys.argv[2] + "/manual.jsonl", "w").write("".join(json.dumps(r) + "\n" for r in out))
PY
expect_exit 1 $E shadow compare --partner shopco --against "$t/manual2"
expect_out 'matched: 0  differing: 1  missing: 1  extra: 1'
expect_out 'lines\[0\]\.quantityOrdered\.value: shadow 10, manual 12'
expect_out 'parity: incomplete'
expect_exit 1 $E shadow compare --partner shopco --against "$t/manual2" --json
json_ok compare
jcheck 'j["differing"][0]["fields"] == [{"path":"lines[0].quantityOrdered.value","shadow":10,"manual":12}]'
jcheck '"PO-S3" in j["missing"][0]["key"] and "PO-S2" in j["extra"][0]["key"] and j["parity"] is False'
expect_exit 2 $E shadow compare --partner shopco --against "$t/nowhere"
expect_exit 2 $E shadow compare --partner nobody --against "$t/manual"
# a mode the gateway does not know is refused, so nothing runs live by mistake
sed -i 's|mode="shadow"|mode="shadwo"|' "$h/partners/shopco.xml"
expect_exit 2 $E partner check shopco
expect_out 'mode'
sed -i 's|mode="shadwo"|mode="live"|; s|owner=|x=|; s|set="850" versions="004010 005010"/>|set="850" versions="004010 005010" owner="two words"/>|' "$h/partners/shopco.xml"
expect_exit 2 $E partner check shopco
expect_out 'owner="two words".*an owner is a name'

# --- 4. run --dry-run ----------------------------------------------------
new_home d 's|<after-pickup action="leave"/>|<after-pickup action="move" move-to="drop/shopco/done"/>|'
mk850 "$t/d1.x12" 000000801 PO-D1
drop "$t/d1.x12"
expect_exit 2 $E run --dry-run
expect_exit 0 $E run --dry-run --partner shopco
expect_out 'dry run: nothing was delivered'
dry=$(ls -d "$h/spool/dry-run/"*)
if [ -f "$h/drop/shopco/in/d1.x12" ] && [ -z "$(ls -A "$h/drop/shopco/out")" ]; then ok; else bad "dry run delivered or moved"; fi
if [ -f "$dry"/shadow/shopco/*.jsonl ]; then ok; else bad "dry run kept no records"; fi
if [ ! -f "$db" ]; then ok; else bad "dry run made the spool's ledger"; fi
# the real run takes the file
expect_exit 0 $E run
expect_out '1 file\(s\) taken'
if [ -f "$h/drop/shopco/done/d1.x12" ] && [ -n "$(ls -A "$h/drop/shopco/out")" ]; then ok; else bad "real run after dry run did not deliver"; fi
# with a ledger: the dry run leaves it as it was
mk850 "$t/d2.x12" 000000802 PO-D2
drop "$t/d2.x12"
before=$(q "SELECT count(*)||'/'||(SELECT count(*) FROM runs)||'/'||(SELECT last FROM control_numbers) FROM files")
expect_exit 0 $E run --dry-run --partner shopco --json
expect_sql "SELECT count(*)||'/'||(SELECT count(*) FROM runs)||'/'||(SELECT last FROM control_numbers) FROM files" "$before"
expect_exit 0 $E run
expect_out '1 file\(s\) taken'
expect_sql "SELECT count(*) FROM files WHERE name='d2.x12' AND state='accepted'" 1
# the dry run's own folder reads like a spool
dry2=$(ls -d "$h/spool/dry-run/"* | tail -n 1)
expect_exit 0 $E shadow compare --partner shopco --against "$dry2/shadow/shopco" --spool "$dry2"
expect_out 'parity: complete'

echo "ops_queue: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
