#!/bin/sh
# Duplicates, control-number reuse and corrected resends, end to end
# (issue 24 points 1, 4, 5; issue 21 point 6).  Each scenario runs
# `edigate run` on a temporary home with the test partners
# (tests/fixtures/map/home/partners) and asserts the final state, the
# records, the acknowledgement bytes and the quarantine.
#
#   1. reused ISA13, different content: quarantined as suspected reuse,
#      naming the earlier file, no record, no ack; released: processed as
#      new, acknowledged once; reprocess refuses it until --force.
#   2. reused ISA13, same sets (new envelope date): a duplicate.
#   3. the profile accepts reused numbers as new (control-reuse="accept").
#   4. a corrected resend after a rejection (bad SE count, then a set of
#      two rejected in part): processed as new, linked both ways in show.
#   5. quarantine release --file FIXED: FIXED processed in place of the
#      original, linked, audited; no second 997 unless the profile asks.
#   6. acknowledgement policy for sets refused after syntax: accepted
#      (default) or rejected (after-syntax="reject").
#   7. business keys of rejected sets: files --key and the reject report.
#   8. an identical interchange twice in one file: a duplicate; a reused
#      one with other content in one file: held.
#   9. GS06 reused under a new ISA13 with other content: held.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/dedupe.sh
# POSIX sh; needs python3 (fixture variants, JSON) and sqlite3.
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
		echo "SKIP: dedupe: $tool not found"; exit 0; }
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
	out="$h/drop/shopco/out"
}
drop() {
	p=$1; shift
	for f in "$@"; do
		cp "$f" "$h/drop/$p/in/"
		touch -d '1 hour ago' "$h/drop/$p/in/$(basename "$f")"
	done
}
# mk850 OUT ISA13 PO [GS06] [SE01] [ISA09]: 850-good with another
# interchange number, PO number, group number, SE count, envelope date.
mk850() {
	python3 - "$fx/850-good.x12" "$@" <<'EOF'
import sys
src, out, isa, po = sys.argv[1:5]
gs = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else str(int(isa))
se = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else "28"
date = sys.argv[7] if len(sys.argv) > 7 and sys.argv[7] else "240110"
s = open(src).read()
s = s.replace("000000501", isa).replace("PO-9001", po)
s = s.replace("*501*X*", "*%s*X*" % gs).replace("GE*1*501", "GE*1*" + gs)
s = s.replace("SE*28*0001", "SE*%s*0001" % se).replace("*240110*0800*", "*%s*0800*" % date)
open(out, "w").write(s)
EOF
}
# cat2 OUT A B: two interchanges in one file
cat2() { cat "$2" "$3" >"$1"; }
# two sets in one group: PO1 (good) and PO2 with uom UOM (DZ: refused)
mk850x2() { # OUT ISA13 PO1 PO2 UOM2 [SE01-of-2nd]
	python3 - "$fx/850-good.x12" "$@" <<'EOF'
import sys
src, out, isa, po1, po2, uom = sys.argv[1:7]
se2 = sys.argv[7] if len(sys.argv) > 7 else "28"
segs = [s.strip("\n") for s in open(src).read().split("~") if s.strip()]
i = next(k for k, s in enumerate(segs) if s.startswith("ST*"))
j = next(k for k, s in enumerate(segs) if s.startswith("SE*"))
a = [s.replace("PO-9001", po1) for s in segs[i:j + 1]]
b = [s.replace("PO-9001", po2).replace("ST*850*0001", "ST*850*0002")
     .replace("SE*28*0001", "SE*%s*0002" % se2)
     .replace("PO1*1*10*EA*", "PO1*1*10*%s*" % uom) for s in segs[i:j + 1]]
g = int(isa)
head = [segs[0].replace("000000501", isa), segs[1].replace("*501*X*", "*%d*X*" % g)]
out_s = head + a + b + ["GE*2*%d" % g, "IEA*1*" + isa]
open(out, "w").write("~\n".join(out_s) + "~\n")
EOF
}
q() { sqlite3 "$db" "$1"; }
expect_sql() { # SQL WANT
	got=$(q "$1")
	if [ "$got" = "$2" ]; then ok; else bad "sql: $1: got '$got', want '$2'"; fi
}
fid() { q "SELECT id FROM files WHERE name='$1' ORDER BY n DESC LIMIT 1"; }
nacks() { ls "$out" 2>/dev/null | wc -l | tr -d ' '; }
# the acks in the outbox answering inbound ISA13 $1 (TA1 or AK1 lines)
acks_for() { grep -l "$1" "$out"/* 2>/dev/null | wc -l | tr -d ' '; }
records_of() { # FILE-ID: number of record lines published for it
	f="$h/spool/out/shopco/$1.jsonl"
	if [ -f "$f" ]; then wc -l <"$f" | tr -d ' '; else echo 0; fi
}

# --- 1. reused ISA13 with other content: held for a person ---------------
new_home h1
mk850 "$t/a.x12" 000000601 PO-A1
drop shopco "$t/a.x12"
expect_exit 0 $E run
A=$(fid a.x12)
expect_sql "SELECT state FROM files WHERE id='$A'" accepted
[ "$(nacks)" = 1 ] && ok || bad "1: one ack for a.x12"
mk850 "$t/b.x12" 000000601 PO-B1
drop shopco "$t/b.x12"
expect_exit 1 $E run
B=$(fid b.x12)
expect_sql "SELECT state FROM files WHERE id='$B'" rejected
expect_sql "SELECT status FROM transactions WHERE file_id='$B'" held
expect_sql "SELECT count(*) FROM findings WHERE file_id='$B' AND rule='control-number-reuse' AND message LIKE '%$A%'" 1
[ "$(records_of "$B")" = 0 ] && ok || bad "1: no record for a held set"
[ "$(nacks)" = 1 ] && ok || bad "1: no acknowledgement for a held interchange"
expect_sql "SELECT count(*) FROM outputs WHERE file_id='$B' AND kind='ack'" 0
[ -f "$h/spool/quarantine/shopco/$B/b.x12" ] && ok || bad "1: b.x12 in quarantine"
grep -q "control-number-reuse" "$h/spool/quarantine/shopco/$B/report.txt" && ok || bad "1: report names the reuse"
grep -q "$A" "$h/spool/quarantine/shopco/$B/report.txt" && ok || bad "1: report names the earlier file"
expect_exit 0 $E quarantine list
expect_out "$B"
# a second run changes nothing
expect_exit 0 $E run
expect_sql "SELECT state FROM files WHERE id='$B'" rejected
# reprocess without --force: held again; with --force: past the check
expect_exit 1 $E reprocess "$B" --reason "try again"
B2=$(q "SELECT id FROM files WHERE reprocess_of='$B'")
expect_sql "SELECT state FROM files WHERE id='$B2'" rejected
expect_sql "SELECT status FROM transactions WHERE file_id='$B2'" held
EDIGATE_USER=carol expect_exit 0 $E reprocess "$B2" --force --reason "new order, partner reset its counter"
B3=$(q "SELECT id FROM files WHERE reprocess_of='$B2'")
expect_sql "SELECT state FROM files WHERE id='$B3'" accepted
expect_sql "SELECT past_dedupe FROM files WHERE id='$B3'" 1
grep -q '"purchaseOrderNumber":"PO-B1"' "$h/spool/out/shopco/$B3.jsonl" && ok || bad "1: forced: PO-B1 delivered"
expect_sql "SELECT actor || '|' || action FROM audit WHERE file_id='$B2'" "carol|reprocess"
expect_sql "SELECT count(*) FROM audit WHERE file_id='$B2' AND detail LIKE '%past the duplicate check%'" 1
# the held interchange was never acknowledged: the one that processes it is
expect_exit 0 $E run
[ "$(nacks)" = 2 ] && ok || bad "1: the processed resend is acknowledged once"
[ "$(grep -l 'AK1\*PO\*601' "$out"/* | xargs grep -l 'AK5\*A' | wc -l)" -eq 2 ] && ok || bad "1: the second 997 for 601 says AK5*A"
# release (another copy held): processed as new, audited
mk850 "$t/c.x12" 000000601 PO-C1
drop shopco "$t/c.x12"
expect_exit 1 $E run
C=$(fid c.x12)
expect_sql "SELECT status FROM transactions WHERE file_id='$C'" held
EDIGATE_USER=alice expect_exit 0 $E quarantine release "$C" --reason "partner confirms a new order"
expect_out "$C: released as [0-9-]+: accepted"
C2=$(q "SELECT id FROM files WHERE reprocess_of='$C'")
expect_sql "SELECT state FROM files WHERE id='$C'" released
grep -q '"purchaseOrderNumber":"PO-C1"' "$h/spool/out/shopco/$C2.jsonl" && ok || bad "1: released: PO-C1 delivered"
expect_sql "SELECT count(*) FROM audit WHERE file_id='$C' AND action='release' AND actor='alice' AND detail LIKE '%past the duplicate check%'" 1

# --- 2. reused ISA13, the same sets in a new envelope: a duplicate --------
new_home h2
mk850 "$t/a.x12" 000000601 PO-A1
drop shopco "$t/a.x12"
expect_exit 0 $E run
A=$(fid a.x12)
mk850 "$t/a-replay.x12" 000000601 PO-A1 "" "" 240111
cmp -s "$t/a.x12" "$t/a-replay.x12" && bad "2: the replay must differ in bytes" || ok
drop shopco "$t/a-replay.x12"
expect_exit 0 $E run
D=$(fid a-replay.x12)
expect_sql "SELECT state FROM files WHERE id='$D'" duplicate
expect_sql "SELECT status || ' ' || duplicate_of FROM transactions WHERE file_id='$D'" "duplicate $A"
expect_sql "SELECT status FROM interchanges WHERE file_id='$D'" duplicate
[ "$(records_of "$D")" = 0 ] && ok || bad "2: no record for a duplicate"
[ ! -d "$h/spool/quarantine/shopco/$D" ] && ok || bad "2: a duplicate is not quarantined"

# --- 3. the profile accepts reused numbers as new --------------------------
new_home h3
sed -i 's#  <codemap name="uom">#  <duplicates control-reuse="accept"/>\n  <codemap name="uom">#' "$h/partners/shopco.xml"
expect_exit 0 $E partner check shopco
mk850 "$t/a.x12" 000000601 PO-A1
drop shopco "$t/a.x12"
expect_exit 0 $E run
A=$(fid a.x12)
mk850 "$t/b.x12" 000000601 PO-B1
drop shopco "$t/b.x12"
expect_exit 0 $E run
B=$(fid b.x12)
expect_sql "SELECT state FROM files WHERE id='$B'" accepted
[ "$(records_of "$B")" = 1 ] && ok || bad "3: accepted as new: its record"
expect_sql "SELECT count(*) FROM findings WHERE file_id='$B' AND rule='control-number-reuse' AND severity='note' AND message LIKE '%$A%'" 1
[ "$(nacks)" = 2 ] && ok || bad "3: acknowledged"

# --- 4. a corrected resend after a rejection -------------------------------
new_home h4
mk850 "$t/e.x12" 000000701 PO-E1 "" 27
drop shopco "$t/e.x12"
expect_exit 1 $E run
Ebad=$(fid e.x12)
expect_sql "SELECT state FROM files WHERE id='$Ebad'" rejected
grep -q 'AK5\*R' "$out"/* && ok || bad "4: the bad SE count is rejected in the 997"
mk850 "$t/e-fixed.x12" 000000701 PO-E1
drop shopco "$t/e-fixed.x12"
expect_exit 0 $E run
F=$(fid e-fixed.x12)
expect_sql "SELECT state FROM files WHERE id='$F'" accepted
expect_sql "SELECT resend_of FROM files WHERE id='$F'" "$Ebad"
[ "$(records_of "$F")" = 1 ] && ok || bad "4: the corrected order is delivered"
[ "$(nacks)" = 2 ] && ok || bad "4: the resend is acknowledged"
[ "$(grep -l 'AK5\*A' "$out"/* | wc -l)" -eq 1 ] && ok || bad "4: the resend's 997 accepts"
grep -l 'AK5\*A' "$out"/* | xargs grep -q 'AK9\*A\*1\*1\*1' && ok || bad "4: AK9*A for the resend"
expect_exit 0 $E show "$F"
expect_out "resendOf +$Ebad"
expect_out "file=$Ebad what=rejected file this one corrects state=rejected"
expect_exit 0 $E show "$Ebad"
expect_out "file=$F what=corrected resend of this file state=accepted"
expect_exit 0 $E show --json "$F"
json_ok "show --json resend"
expect_out "\"resendOf\":\"$Ebad\""
# rejected in part: set 1 accepted, set 2 refused (DZ); the resend fixes
# set 2 and repeats set 1 as it was
mk850x2 "$t/p.x12" 000000702 PO-P1 PO-P2 DZ
drop shopco "$t/p.x12"
expect_exit 1 $E run
P=$(fid p.x12)
expect_sql "SELECT state FROM files WHERE id='$P'" partial
mk850x2 "$t/p-fixed.x12" 000000702 PO-P1 PO-P2 EA
drop shopco "$t/p-fixed.x12"
expect_exit 0 $E run
P2=$(fid p-fixed.x12)
expect_sql "SELECT group_concat(status, ',') FROM (SELECT status FROM transactions WHERE file_id='$P2' ORDER BY id)" "duplicate,accepted"
expect_sql "SELECT resend_of FROM files WHERE id='$P2'" "$P"
[ "$(records_of "$P2")" = 1 ] && ok || bad "4: only the fixed set is delivered"
grep -q '"purchaseOrderNumber":"PO-P2"' "$h/spool/out/shopco/$P2.jsonl" && ok || bad "4: PO-P2 delivered"

# --- 5. quarantine release --file FIXED ------------------------------------
new_home h5
cp "$fx/850-unmapped-uom.x12" "$t/dz.x12"
drop shopco "$t/dz.x12"
expect_exit 1 $E run
G=$(fid dz.x12)
expect_sql "SELECT state FROM files WHERE id='$G'" rejected
[ "$(nacks)" = 1 ] && ok || bad "5: one 997 for the refused file"
sed 's/PO1\*2\*3\*DZ/PO1*2*3*EA/' "$fx/850-unmapped-uom.x12" >"$t/fixed.x12"
cmp -s "$t/fixed.x12" "$fx/850-unmapped-uom.x12" && bad "5: fixed must differ" || ok
expect_exit 2 $E quarantine release "$G" --file "$t/nosuch.x12" --reason x
expect_err 'nosuch.x12'
EDIGATE_USER=dave expect_exit 0 $E quarantine release "$G" --file "$t/fixed.x12" --reason "uom DZ corrected to EA with the buyer"
expect_out "$G: released as [0-9-]+: accepted"
G2=$(q "SELECT id FROM files WHERE reprocess_of='$G'")
expect_sql "SELECT sha256 FROM files WHERE id='$G2'" "$(sha256sum "$t/fixed.x12" | cut -d' ' -f1)"
expect_sql "SELECT state FROM files WHERE id='$G'" released
expect_sql "SELECT source FROM files WHERE id='$G2'" fixed
[ "$(records_of "$G2")" = 1 ] && ok || bad "5: the fixed file's record"
gzip -dc "$h/spool/$(q "SELECT archive_path FROM files WHERE id='$G2'")" | cmp -s - "$t/fixed.x12" && ok || bad "5: the archive keeps the fixed bytes"
expect_sql "SELECT count(*) FROM audit WHERE file_id='$G' AND actor='dave' AND action='release' AND reason='uom DZ corrected to EA with the buyer' AND detail LIKE '%fixed.x12%sha256%'" 1
expect_exit 0 $E run
[ "$(nacks)" = 1 ] && ok || bad "5: no second 997 for an interchange acknowledged before"
expect_sql "SELECT count(*) FROM outputs WHERE file_id='$G2' AND kind='ack'" 0
# the profile asks for it: a second 997
new_home h5b
sed -i 's#<acknowledgements>#<acknowledgements reacknowledge-release="true">#' "$h/partners/shopco.xml"
expect_exit 0 $E partner check shopco
drop shopco "$t/dz.x12"
expect_exit 1 $E run
G=$(fid dz.x12)
expect_exit 0 $E quarantine release "$G" --file "$t/fixed.x12" --reason "fixed"
expect_exit 0 $E run
[ "$(nacks)" = 2 ] && ok || bad "5: reacknowledge-release: a second 997"

# --- 6. the 997 for a set refused after syntax -------------------------------
new_home h6
drop shopco "$fx/850-unmapped-uom.x12"
expect_exit 1 $E run
grep -q 'AK5\*A' "$out"/* && ok || bad "6: default: the 997 answers syntax only (AK5*A)"
grep -q 'AK9\*A\*1\*1\*1' "$out"/* && ok || bad "6: default: AK9*A"
new_home h6b
sed -i 's#<acknowledgements>#<acknowledgements after-syntax="reject">#' "$h/partners/shopco.xml"
expect_exit 0 $E partner check shopco
drop shopco "$fx/850-unmapped-uom.x12"
expect_exit 1 $E run
grep -q 'AK5\*R\*5' "$out"/* && ok || bad "6: after-syntax=reject: AK5*R"
grep -q 'AK9\*R\*1\*1\*0' "$out"/* && ok || bad "6: after-syntax=reject: AK9*R*1*1*0"
# one good set and one refused: AK9 P
mk850x2 "$t/mix.x12" 000000801 PO-M1 PO-M2 DZ
drop shopco "$t/mix.x12"
expect_exit 1 $E run
grep -l 'AK1\*PO\*801' "$out"/* | xargs grep -q 'AK9\*P\*2\*2\*1' && ok || bad "6: AK9*P*2*2*1 for a group with one refused set"

# --- 7. business keys of rejected sets -----------------------------------------
new_home h7
drop shopco "$fx/850-unmapped-uom.x12"
mk850 "$t/se.x12" 000000901 PO-SE-BAD "" 27
drop shopco "$t/se.x12"
expect_exit 1 $E run
R=$(fid 850-unmapped-uom.x12)
S=$(fid se.x12)
po=$(grep -o 'BEG\*00\*SA\*[^*]*' "$fx/850-unmapped-uom.x12" | cut -d'*' -f4)
expect_exit 0 $E files --key "$po"
expect_out "$R"
expect_exit 0 $E files --key PO-SE-BAD
expect_out "$S"
grep -q "po-number=$po" "$h/spool/quarantine/shopco/$R/report.txt" && ok || bad "7: the report names the PO number"
grep -q "po-number=PO-SE-BAD" "$h/spool/quarantine/shopco/$S/report.txt" && ok || bad "7: the report names the PO of a syntax-rejected set"
# ... but a rejected set's key is not remembered as delivered
expect_sql "SELECT count(*) FROM business_keys WHERE value IN ('$po','PO-SE-BAD')" 0

# --- 8. one file, the same interchange twice ------------------------------------
new_home h8
mk850 "$t/i1.x12" 000000611 PO-I1
cat2 "$t/twice.x12" "$t/i1.x12" "$t/i1.x12"
drop shopco "$t/twice.x12"
expect_exit 0 $E run
W=$(fid twice.x12)
expect_sql "SELECT state FROM files WHERE id='$W'" accepted
expect_sql "SELECT group_concat(status || ':' || COALESCE(duplicate_of,''), ',') FROM (SELECT status, duplicate_of FROM interchanges WHERE file_id='$W' ORDER BY seq)" "accepted:,duplicate:$W"
[ "$(records_of "$W")" = 1 ] && ok || bad "8: one record for two copies"
expect_sql "SELECT count(*) FROM findings WHERE file_id='$W' AND rule='duplicate-interchange'" 1
# other content under the same number in one file: held
mk850 "$t/i3.x12" 000000612 PO-I3
mk850 "$t/i4.x12" 000000612 PO-I4
cat2 "$t/reuse1.x12" "$t/i3.x12" "$t/i4.x12"
drop shopco "$t/reuse1.x12"
expect_exit 1 $E run
U=$(fid reuse1.x12)
expect_sql "SELECT state FROM files WHERE id='$U'" partial
expect_sql "SELECT group_concat(status, ',') FROM (SELECT status FROM transactions WHERE file_id='$U' ORDER BY id)" "accepted,held"
[ "$(records_of "$U")" = 1 ] && ok || bad "8: the first copy's record only"

# --- 9. GS06 reused under a new ISA13, other content: held -------------------------
new_home h9
mk850 "$t/g1.x12" 000000621 PO-G1 621
drop shopco "$t/g1.x12"
expect_exit 0 $E run
G1=$(fid g1.x12)
mk850 "$t/g2.x12" 000000622 PO-G2 621
drop shopco "$t/g2.x12"
expect_exit 1 $E run
G2=$(fid g2.x12)
expect_sql "SELECT status FROM transactions WHERE file_id='$G2'" held
expect_sql "SELECT count(*) FROM findings WHERE file_id='$G2' AND rule='control-number-reuse' AND message LIKE '%group 621%$G1%'" 1
mk850 "$t/g3.x12" 000000623 PO-G1 621
drop shopco "$t/g3.x12"
expect_exit 0 $E run
expect_sql "SELECT status FROM transactions WHERE file_id='$(fid g3.x12)'" duplicate

echo "dedupe: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
