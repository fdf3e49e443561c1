#!/bin/sh
# Fail closed (issue 24 points 2, 3, 6, 7, 9; issue 21 point 2): a
# document the gateway cannot fully process goes to quarantine where a
# person sees it; never recorded as done, never acknowledged as
# accepted, never an acknowledgement of an acknowledgement.
#
# One scenario per point, each asserting the final state, the records,
# the acknowledgement bytes and the quarantine:
#   1. no guide / no map for a listed document: quarantined, AK5*R*1;
#      a document marked acknowledge-only is accepted without records
#   2. a partner's 997 rejecting our 940: no 997 back, stored, matched
#      to what we sent, an attention item in status / show / --json
#   3. a file from another partner's sender: refused at the identity
#      check, no map or rules run, the report names the owner
#   4. read-only commands create no spool and work on a read-only one;
#      run needs a home with partners/
#   5. a spool with archives but no ledger refuses to run (exit 4) until
#      --new-ledger, which reuses no file id nor control number
#   6. clear words: usage errors say what exists, the lock has exit 5,
#      run --wait takes a limit, findings name the element
#   7. every acknowledgement is named by <outbound file-name=>
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/failclosed.sh
# POSIX sh; needs python3 and sqlite3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || { chmod -R u+w "$t" 2>/dev/null; rm -rf "$t"; }' EXIT
pass=0 fail=0
[ -n "${KEEP:-}" ] && echo "failclosed: keeping $t"
. "$here/lib.sh"

for tool in python3 sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: failclosed: $tool not found"; exit 0; }
done

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
drop() {
	p=$1; shift
	for f in "$@"; do
		cp "$f" "$h/drop/$p/in/"
		touch -d '1 hour ago' "$h/drop/$p/in/$(basename "$f")"
	done
}
q() { sqlite3 "$db" "$1"; }
expect_sql() { # SQL WANT
	got=$(q "$1")
	if [ "$got" = "$2" ]; then ok; else bad "sql: $1: got '$got', want '$2'"; fi
}
expect_file() { # FILE PATTERN: the file exists and matches (grep -E)
	if [ -f "$1" ] && grep -qE -- "$2" "$1"; then ok; else
		bad "$1 lacks /$2/"; [ -f "$1" ] && head -c 400 "$1" | sed 's/^/    /'
	fi
}
expect_no_file() { # GLOB: nothing matches
	set -- $1
	if [ -e "$1" ]; then bad "unexpected file $1"; else ok; fi
}
# sed-like edit of a fixture into a new file: OUT SRC FROM TO [FROM TO...]
mkvar() {
	python3 - "$@" <<'EOF'
import sys
out, src = sys.argv[1:3]
s = open(src).read()
a = sys.argv[3:]
for i in range(0, len(a), 2):
    if a[i] not in s:
        sys.exit("mkvar: %r not in %s" % (a[i], src))
    s = s.replace(a[i], a[i + 1])
open(out, "w").write(s)
EOF
}
# The one acknowledgement file in an outbox, or "".
ack_in() { ls "$h/drop/$1/out/" 2>/dev/null | head -1; }

# ---------------------------------------------------------------------
# 1. Nothing accepted that was not processed (24.2)
# ---------------------------------------------------------------------
new_home h1
# shopco lists 850 in 003050 too (no guide shipped) and 810 (no map
# shipped); a second 810 document of depot is marked acknowledge-only.
mkvar "$h/partners/shopco.xml" "$fx/home/partners/shopco.xml" \
	'versions="004010 005010"/>' \
	'versions="004010 005010 003050"/>
    <document direction="in" set="810" versions="004010"/>'
mkvar "$t/nog.x12" "$fx/850-good.x12" '*X*004010~' '*X*003050~' \
	'000000501' '000000711'
python3 - "$t/inv.x12" <<'EOF'
import sys
segs = ["ISA*00*          *00*          *ZZ*SHOPCOTEST     *ZZ*ACMETEST       *240110*0800*U*00401*000000712*0*P*>",
        "GS*IN*SHOPCOTEST*ACMETEST*20240110*0800*712*X*004010",
        "ST*810*0001", "BIG*20240110*INV-1*20240105*PO-9001",
        "IT1*1*10*EA*12.50**UP*012345678905", "TDS*12500",
        "CTT*1", "SE*6*0001", "GE*1*712", "IEA*1*000000712"]
open(sys.argv[1], "w").write("~".join(segs) + "~")
EOF
drop shopco "$t/nog.x12" "$t/inv.x12"
expect_exit 1 $E run
expect_out '2 file\(s\) taken, 2 processed: 0 accepted, 0 partial, 2 rejected'
expect_sql "SELECT state FROM files WHERE name='nog.x12'" rejected
expect_sql "SELECT state FROM files WHERE name='inv.x12'" rejected
expect_sql "SELECT status FROM transactions t JOIN files f ON f.id=t.file_id WHERE f.name='nog.x12'" rejected
expect_sql "SELECT count(*) FROM findings fi JOIN files f ON f.id=fi.file_id WHERE f.name='nog.x12' AND fi.severity='error' AND fi.rule='not-supported' AND fi.message LIKE '%no guide for 850 version 003050%'" 1
expect_sql "SELECT count(*) FROM findings fi JOIN files f ON f.id=fi.file_id WHERE f.name='inv.x12' AND fi.severity='error' AND fi.rule='not-supported' AND fi.message LIKE '%no map for 810%'" 1
expect_sql "SELECT count(*) FROM outputs WHERE kind='records'" 0
id_nog=$(q "SELECT id FROM files WHERE name='nog.x12'")
id_inv=$(q "SELECT id FROM files WHERE name='inv.x12'")
expect_file "$h/spool/quarantine/shopco/$id_nog/nog.x12" 'ST\*850'
expect_file "$h/spool/quarantine/shopco/$id_inv/report.txt" 'no map for 810'
# the acknowledgements say "not supported", never accepted
acks=$(cat "$h"/drop/shopco/out/* 2>/dev/null | tr -d '\n')
case "$acks" in
*'AK1*PO*501~AK2*850*0001~AK5*R*1~AK9*R*1*1*0~'*) ok ;;
*) bad "no AK5*R*1 for the 850 without a guide: $acks" ;; esac
case "$acks" in
*'AK1*IN*712~AK2*810*0001~AK5*R*1~AK9*R*1*1*0~'*) ok ;;
*) bad "no AK5*R*1 for the 810 without a map: $acks" ;; esac
expect_exit 0 $E files --json
expect_out '"sets":\{"records":0,"ack_only":0,"rejected":1,"duplicate":0\}'
# partner check: listed releases without guide or map are errors
expect_exit 2 $E partner check shopco
expect_out 'no guide for 850 release 003050'
expect_out 'no map for 810 release 004010'
# marked acknowledge-only: accepted, no record, counted as such
mkvar "$h/partners/shopco.xml" "$h/partners/shopco.xml" \
	'set="810" versions="004010"/>' \
	'set="810" versions="004010" acknowledge-only="true"/>'
mkvar "$t/inv2.x12" "$t/inv.x12" '000000712' '000000713' '*712*' '*713*' 'GE*1*712' 'GE*1*713'
drop shopco "$t/inv2.x12"
rm -f "$h"/drop/shopco/out/*
expect_exit 2 $E partner check shopco
expect_out 'no guide for 850 release 003050'
expect_no_out 'no map for 810'
expect_exit 0 $E run
expect_out '1 file\(s\) taken, 1 processed: 1 accepted'
expect_sql "SELECT state FROM files WHERE name='inv2.x12'" accepted
expect_sql "SELECT t.status FROM transactions t JOIN files f ON f.id=t.file_id WHERE f.name='inv2.x12'" ack-only
expect_exit 0 $E files --json
expect_out '"name":"inv2.x12".*"sets":\{"records":0,"ack_only":1,"rejected":0,"duplicate":0\}'
acks=$(cat "$h"/drop/shopco/out/* 2>/dev/null | tr -d '\n')
case "$acks" in *'AK2*810*0001~AK5*A~AK9*A*1*1*1~'*) ok ;;
*) bad "acknowledge-only 810 not acknowledged A: $acks" ;; esac

# ---------------------------------------------------------------------
# 2. Acknowledgements are never acknowledged (24.3)
# ---------------------------------------------------------------------
new_home h2
expect_exit 0 $E run
expect_exit 0 $E sent --partner northwh "$fx/940-sent.x12"
id_sent=$(q "SELECT id FROM files WHERE source='sent'")
# northwh's 997: our 940 (group 301, set 0001) rejected
python3 - "$t/997-r.x12" <<'EOF2'
import sys
segs = ["ISA*00*          *00*          *ZZ*NORTHWHTEST    *ZZ*ACMETEST       *240111*0900*U*00401*000000077*1*P*>",
        "GS*FA*NORTHWHTEST*ACMETEST*20240111*0900*77*X*004010",
        "ST*997*0001", "AK1*OW*301", "AK2*940*0001", "AK3*W05*2**8",
        "AK4*2*324*1", "AK5*R*5", "AK9*R*1*1*0", "SE*8*0001",
        "GE*1*77", "IEA*1*000000077"]
open(sys.argv[1], "w").write("~".join(segs) + "~\n")
EOF2
drop northwh "$t/997-r.x12"
expect_exit 0 $E run
expect_out '1 file\(s\) taken, 1 processed: 1 accepted'
expect_out 'rejects 2 of our document'
id_ack=$(q "SELECT id FROM files WHERE name='997-r.x12'")
expect_sql "SELECT state FROM files WHERE id='$id_ack'" accepted
expect_sql "SELECT status FROM transactions WHERE file_id='$id_ack'" ack-only
# no acknowledgement of the acknowledgement (ISA14 asked for a TA1)
expect_no_file "$h/drop/northwh/out/*"
expect_sql "SELECT count(*) FROM outputs WHERE file_id='$id_ack' AND kind='ack'" 0
expect_sql "SELECT count(*) FROM outputs WHERE kind='records'" 0
# stored and matched to the 940 we sent
expect_sql "SELECT level||':'||status||':'||codes||':'||sent_file FROM acks_in WHERE file_id='$id_ack' ORDER BY id" "set:R:5:$id_sent
group:R::$id_sent"
expect_exit 1 $E status --partner northwh
expect_out 'northwh.*2 rejection'
expect_exit 1 $E status --json
expect_out '"partner":"northwh"[^}]*"ackRejections":2'
expect_exit 0 $E show "$id_sent"
expect_out 'ATTENTION.*rejected.*940 0001'
expect_exit 0 $E show --json "$id_ack"
expect_out '"acknowledgements":\[\{"level":"set","type":"997".*"status":"R".*"attention":true'
expect_out '"sets":\{"records":0,"ack_only":1,"rejected":0,"duplicate":0\}'
# an accepting 997 is kept, needs no one
mkvar "$t/997-a.x12" "$t/997-r.x12" '000000077' '000000078' '*77*' '*78*' \
	'GE*1*77' 'GE*1*78' 'AK3*W05*2**8~AK4*2*324*1~AK5*R*5~AK9*R*1*1*0~SE*8' \
	'AK5*A~AK9*A*1*1*1~SE*6'
drop northwh "$t/997-a.x12"
expect_exit 0 $E run
expect_no_file "$h/drop/northwh/out/*"
expect_sql "SELECT count(*) FROM acks_in WHERE sent_file='$id_sent'" 4
# ... and settles the rejection it answers again
expect_sql "SELECT count(*) FROM acks_in WHERE attention=1" 0
expect_exit 0 $E status --partner northwh
# a TA1 rejecting our interchange: kept, matched, no TA1 back for it
python3 - "$t/ta1.x12" <<'EOF2'
import sys
segs = ["ISA*00*          *00*          *ZZ*NORTHWHTEST    *ZZ*ACMETEST       *240112*0900*U*00401*000000079*1*P*>",
        "TA1*000000301*240110*0800*R*022", "IEA*0*000000079"]
open(sys.argv[1], "w").write("~".join(segs) + "~\n")
EOF2
drop northwh "$t/ta1.x12"
expect_exit 0 $E run
id_ta1=$(q "SELECT id FROM files WHERE name='ta1.x12'")
expect_sql "SELECT state FROM files WHERE id='$id_ta1'" accepted
expect_no_file "$h/drop/northwh/out/*"
expect_sql "SELECT level||':'||status||':'||codes||':'||sent_file||':'||attention FROM acks_in WHERE file_id='$id_ta1'" "interchange:R:022:$id_sent:1"
expect_exit 1 $E status --partner northwh
expect_out '1 rejection'
# a 997 about a set we never sent in that group is kept, not matched
mkvar "$t/997-x.x12" "$t/997-r.x12" '000000077' '000000076' '*77*' '*76*' \
	'GE*1*77' 'GE*1*76' 'AK2*940*0001' 'AK2*940*0999'
drop northwh "$t/997-x.x12"
expect_exit 0 $E run
id_x=$(q "SELECT id FROM files WHERE name='997-x.x12'")
expect_sql "SELECT level||':'||COALESCE(sent_file,'-') FROM acks_in WHERE file_id='$id_x' ORDER BY id" "set:-
group:$id_sent"
expect_exit 0 $E show "$id_x"
expect_out 'answers our file \(not known'
# the templates expect 997/999 back from every partner we send to
for tpl in retailer 3pl; do
	expect_exit 0 $E partner new "tp-$tpl" --template $tpl
	# the functional ack of the release we send in (997 for 004010)
	expect_file "$h/partners/tp-$tpl.xml" "direction=\"in\" set=\"997\""
done

# ---------------------------------------------------------------------
# 3. Misrouted files are refused at the identity check (24.6)
# ---------------------------------------------------------------------
new_home h3
# northwh's sender id in shopco's inbox, with a PO line that shopco's
# code list would reject (DZ): no rule or map of shopco may run on it
mkvar "$t/mis.x12" "$fx/850-good.x12" 'SHOPCOTEST     ' 'NORTHWHTEST    ' \
	'GS*PO*SHOPCOTEST' 'GS*PO*NORTHWHTEST' '*4*CA*30*' '*4*DZ*30*'
mkvar "$t/unk.x12" "$fx/850-good.x12" 'SHOPCOTEST     ' 'NOBODYTEST     ' \
	'000000501' '000000502'
drop shopco "$t/mis.x12" "$t/unk.x12"
expect_exit 1 $E run
idm=$(q "SELECT id FROM files WHERE name='mis.x12'")
expect_sql "SELECT state FROM files WHERE id='$idm'" rejected
expect_sql "SELECT count(*) FROM findings WHERE file_id='$idm' AND rule='sender-not-partner' AND message LIKE '%belongs to partner northwh%'" 1
# nothing past the identity check: no guide, code list, map or rule finding
expect_sql "SELECT count(*) FROM findings WHERE file_id='$idm' AND level NOT IN ('interchange','file')" 0
expect_sql "SELECT count(*) FROM outputs WHERE file_id='$idm' AND kind IN ('ack','records')" 0
rep="$h/spool/quarantine/shopco/$idm/report.txt"
expect_file "$rep" "^This file came in shopco's inbox but was sent by partner northwh, so nothing in it was processed and no acknowledgement was sent\.$"
expect_file "$rep" "^Who acts: whoever routes partner northwh's files .* deliver this file to northwh's inbox"
if [ "$(tail -1 "$rep" | cut -c1-9)" = "Who acts:" ]; then ok; else bad "report does not end with who acts"; fi
expect_file "$h/spool/quarantine/shopco/$idm/report.json" '"misroutedTo":"northwh"'
# its TA1 waits beside it in the quarantine, never delivered ...
if grep -q 'TA1\*000000501\*' "$h/spool/quarantine/shopco/$idm"/not-sent-* 2>/dev/null; then ok
else bad "the TA1 of the misrouted interchange is not held in the quarantine"; fi
# ... and is in neither partner's outbox
expect_no_file "$h/drop/northwh/out/*"
if grep -l '000000501' "$h"/drop/shopco/out/* >/dev/null 2>&1; then
	bad "an acknowledgement of the misrouted interchange went out"; else ok; fi
# a sender nobody owns is refused too (its TA1 is another point's: 21.13)
idu=$(q "SELECT id FROM files WHERE name='unk.x12'")
expect_sql "SELECT state FROM files WHERE id='$idu'" rejected
expect_file "$h/spool/quarantine/shopco/$idu/report.txt" 'sender ZZ:NOBODYTEST is not partner shopco'

# ---------------------------------------------------------------------
# 4. No silent spool (24.7)
# ---------------------------------------------------------------------
new_home h4
# read-only commands on a home where nothing ran: no spool appears
for cmd in status files "show 20260101-000001" "quarantine list" \
    "quarantine show 20260101-000001"; do
	expect_exit 2 $E $cmd
	expect_err 'no ledger in .*nothing has run'
done
expect_exit 2 $E sent --partner northwh "$fx/940-sent.x12"
if [ -e "$h/spool" ]; then bad "a read-only command made $h/spool"; else ok; fi
# from a folder that is no home (cron): every command says --home
mkdir -p "$t/cronhome"
for cmd in run status files "quarantine list"; do
	(cd "$t/cronhome" && EDIGATE_HOME= "$bin" --home "$t/cronhome" $cmd) \
		>"$t/out" 2>"$t/err"
	if [ $? -eq 2 ]; then ok; else bad "$cmd in a folder with no partners/: exit not 2"; fi
	expect_err 'no partners/ folder.*set --home DIR or \$EDIGATE_HOME'
done
if [ -e "$t/cronhome/spool" ]; then bad "run made a spool with no partners/"; else ok; fi
# run makes it; then the read-only commands work on a read-only spool
drop shopco "$fx/850-good.x12"
expect_exit 0 $E run
id4=$(q "SELECT id FROM files LIMIT 1")
chmod -R a-w "$h/spool"
# root writes anyway: run the commands as nobody when we are root
as=""
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		as="setpriv --reuid=65534 --regid=65534 --clear-groups"
		chmod 755 "$t" "$h"
	else
		echo "SKIP: root without setpriv: read-only spool"
	fi
fi
before=$(ls -la --time-style=full-iso "$h/spool" | md5sum)
expect_exit 0 $as $E status
expect_out 'shopco .* ok +1 +1 +1'
expect_exit 0 $as $E files --json
expect_out '"name":"850-good.x12"'
expect_exit 0 $as $E show "$id4"
expect_out 'state +accepted'
expect_exit 1 $as $E quarantine list
after=$(ls -la --time-style=full-iso "$h/spool" | md5sum)
if [ "$before" = "$after" ]; then ok; else bad "read-only commands changed the spool"; fi
chmod -R u+w "$h/spool"
# a partner whose numbers would start again while its acks are on disk
rm -f "$h/spool/ledger.db"*
drop shopco "$fx/850-good.x12"
expect_exit 78 $E run
expect_err 'ledger is missing.*--new-ledger'
if [ -e "$h/spool/ledger.db" ]; then bad "a refused run left a ledger"; else ok; fi

# ---------------------------------------------------------------------
# 5. A lost ledger is refused; --new-ledger reuses no number (21.2)
# ---------------------------------------------------------------------
new_home h5
mkvar "$t/p1.x12" "$fx/850-good.x12" '000000501' '000000801' 'PO-9001' 'PO-801' '*501*X*' '*801*X*' 'GE*1*501' 'GE*1*801'
drop shopco "$t/p1.x12"
expect_exit 0 $E run
id5=$(q "SELECT id FROM files")
arch5=$(q "SELECT archive_path FROM files")
ack5=$(ls "$h/spool/out/shopco/acks/")
sum_arch=$(md5sum <"$h/spool/$arch5")
sum_rec=$(md5sum <"$h/spool/out/shopco/$id5.jsonl")
# an emptied ledger: refused, exit 78, nothing taken
: >"$h/spool/ledger.db"; rm -f "$h/spool/ledger.db-wal" "$h/spool/ledger.db-shm"
mkvar "$t/p2.x12" "$fx/850-good.x12" '000000501' '000000802' 'PO-9001' 'PO-802' '*501*X*' '*802*X*' 'GE*1*501' 'GE*1*802'
drop shopco "$t/p2.x12"
expect_exit 78 $E run
expect_err 'holds [0-9]+ file\(s\) from earlier runs.*ledger is (empty|missing).*nothing was done'
expect_exit 2 $E status
# --new-ledger: new ids and acknowledgement numbers after those on disk
expect_exit 0 $E run --new-ledger
expect_err 'started a new ledger'
id5b=$(q "SELECT id FROM files WHERE name='p2.x12'")
if [ "${id5b#*-}" \> "${id5#*-}" ]; then ok; else bad "new ledger reused file id: $id5b after $id5"; fi
expect_sql "SELECT count(*) FROM audit WHERE action='new-ledger'" 1
if [ "$(md5sum <"$h/spool/$arch5")" = "$sum_arch" ]; then ok; else bad "archive $arch5 overwritten"; fi
if [ "$(md5sum <"$h/spool/out/shopco/$id5.jsonl")" = "$sum_rec" ]; then ok; else bad "records of $id5 overwritten"; fi
n1=${ack5##*-}; n1=${n1%.x12}; n1=$(echo "$n1" | sed 's/^0*//')
n2=$(q "SELECT max(CAST(control AS INTEGER)) FROM outputs WHERE kind='ack'")
if [ -n "$n2" ] && [ "$n2" -gt "$n1" ]; then ok; else bad "ack control number $n2 not after $n1"; fi
expect_exit 2 $E run --new-ledger
expect_err 'already holds'
# a ledger without that partner's numbers, acks on disk: refused
sqlite3 "$db" "DELETE FROM control_numbers WHERE partner='shopco'"
mkvar "$t/p3.x12" "$fx/850-good.x12" '000000501' '000000803' 'PO-9001' 'PO-803' '*501*X*' '*803*X*' 'GE*1*501' 'GE*1*803'
drop shopco "$t/p3.x12"
expect_exit 3 $E run --partner shopco
expect_err 'partner shopco: the ledger has no control numbers for it.*never reused'
expect_sql "SELECT count(*) FROM files WHERE name='p3.x12'" 0
# publishing never renames over an earlier file: a stray archive under
# the next id is kept, and the run fails clearly
sqlite3 "$db" "INSERT INTO control_numbers VALUES('shopco','isa',900)"
next=$(q "SELECT seq+1 FROM sqlite_sequence WHERE name='files'")
day=$(q "SELECT substr(id,1,8) FROM files LIMIT 1")
month=$(q "SELECT substr(archive_path, length('archive/shopco/')+1, 7) FROM files LIMIT 1")
stray="$h/spool/archive/shopco/$month/$(printf '%s-%06d' "$day" "$next").gz"
echo "not ours" >"$stray"
expect_exit 3 $E run --partner shopco
expect_err 'already exists'
expect_file "$stray" 'not ours'
rm -f "$stray"
expect_exit 0 $E run --partner shopco
expect_sql "SELECT state FROM files WHERE name='p3.x12'" accepted

# ---------------------------------------------------------------------
# 6. Clear words (24.9)
# ---------------------------------------------------------------------
h=$t/h5; E="$bin --home $h"; db="$h/spool/ledger.db"
expect_exit 2 $E files --state bogus
expect_err "no state 'bogus': the states are received processed accepted"
expect_exit 2 $E files --partner nosuch
expect_err "no partner 'nosuch': the partners are depot northwh shopco southwh"
# findings name the element as the guide does; the report opens with a
# plain sentence and ends with who acts
mkvar "$t/q.x12" "$fx/850-good.x12" 'PO1*1*10*EA' 'PO1*1*12X*EA' \
	'000000501' '000000811' '*501*X*' '*811*X*' 'GE*1*501' 'GE*1*811'
drop shopco "$t/q.x12"
expect_exit 1 $E run --partner shopco
idq=$(q "SELECT id FROM files WHERE name='q.x12'")
expect_sql "SELECT message FROM findings WHERE file_id='$idq' AND rule='element-invalid-character'" "PO102 Quantity Ordered '12X' is not a number"
rep="$h/spool/quarantine/shopco/$idq/report.txt"
expect_file "$rep" "^The document\(s\) in this file from shopco had errors, so none of them was processed\.$"
expect_file "$rep" "PO102 Quantity Ordered '12X' is not a number"
if [ "$(tail -1 "$rep" | cut -c1-27)" = "Who acts: partner shopco mu" ]; then ok; else
	bad "report does not end with who acts: $(tail -1 "$rep")"; fi
acks=$(cat "$h"/drop/shopco/out/* 2>/dev/null | tr -d '\n')
case "$acks" in *'AK1*PO*811~AK2*850*0001~AK3*PO1*22*PO1*8~AK4*2*330*6*12X~AK5*R*5~AK9*R*1*1*0~'*) ok ;;
*) bad "997 for PO102 12X: $acks" ;; esac
# a held run lock: its own exit code; --wait=SECS gives up after SECS
if command -v flock >/dev/null 2>&1; then
	flock "$h/spool/run.lock" sleep 8 &
	lockpid=$!
	sleep 1
	expect_exit 75 $E run
	expect_err 'another edigate run is working on the spool.*nothing was done'
	start=$(date +%s)
	expect_exit 75 $E run --wait=1
	expect_err 'still working on the spool .* after 1 second'
	end=$(date +%s)
	if [ $((end - start)) -le 3 ]; then ok; else bad "--wait=1 waited $((end - start)) s"; fi
	expect_exit 2 $E run --wait=0
	wait "$lockpid"
else
	echo "SKIP: flock(1) not found: lock exit code"
fi

# ---------------------------------------------------------------------
# 7. Every file we send is named by <outbound file-name=> (24.8)
# ---------------------------------------------------------------------
new_home h7
# the control number first and the date after it: a guard reading names
# would take the date for the number, so this also proves the lost-ledger
# guard reads the acknowledgement's ISA13
mkvar "$t/shopco7.xml" "$h/partners/shopco.xml" '</mapping>' \
	'</mapping><outbound file-name="{control}_ACME_{set}_{date}.edi"/>'
cp "$t/shopco7.xml" "$h/partners/shopco.xml"
expect_exit 0 $E partner check shopco
drop shopco "$fx/850-good.x12"
expect_exit 0 $E run --partner shopco
ctl7=$(q "SELECT control FROM outputs WHERE kind='ack'")
today=$(date -u +%Y%m%d)
name7="${ctl7}_ACME_997_$today.edi"
if [ -f "$h/spool/out/shopco/acks/$name7" ]; then ok; else
	bad "ack not named by the pattern: $(ls "$h/spool/out/shopco/acks/")"; fi
if [ "$(ack_in shopco)" = "$name7" ]; then ok; else bad "outbox holds '$(ack_in shopco)', want $name7"; fi
expect_sql "SELECT name FROM outputs WHERE kind='ack'" "$name7"
# a ledger without shopco's numbers is refused: the guard found ISA13
# $ctl7 in the file whatever its name
sqlite3 "$db" "DELETE FROM control_numbers WHERE partner='shopco'"
mkvar "$t/p7.x12" "$fx/850-good.x12" '000000501' '000000807' 'PO-9001' 'PO-807' '*501*X*' '*807*X*' 'GE*1*501' 'GE*1*807'
drop shopco "$t/p7.x12"
expect_exit 3 $E run --partner shopco
expect_err 'partner shopco: the ledger has no control numbers for it.*never reused'
# a pattern that would let one acknowledgement replace another is refused
mkvar "$h/partners/shopco.xml" "$t/shopco7.xml" '{control}_ACME_{set}_{date}.edi' 'ACME_{set}.edi'
expect_exit 2 $E partner check shopco
expect_out 'file-name="ACME_\{set\}.edi"> cannot be used: it has no \{control\}'

echo "failclosed: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
