#!/bin/sh
# UN/EDIFACT through `edigate run` (issue 15 points 4, 6, 7; issue 14):
# the same pipeline as X12, reached through the EDIFACT syntax
# descriptor.  Fixtures: tests/fixtures/edifact/run (written for this
# test; the expected CONTRL files were derived by hand from the inbound
# UNB/UNH and the profile, then compared byte for byte).
#   1. a good interchange (DESADV, acknowledge-only): accepted, archived,
#      CONTRL UCI 7 / UCM 7 named by the profile's <outbound file-name=>
#   2. a bad message beside a good one: partial, quarantined with its
#      reject report, CONTRL UCM 4 with UCS/UCD and the 0085 code;
#      a message without a map (INVOIC): refused as not supported,
#      UCM 4 code 17, never accepted
#   3. duplicates: the same 0020 + sender with the same content is a
#      duplicate (no second CONTRL); with other content it is held in
#      quarantine (no CONTRL)
#   4. a file whose UNB names another partner: refused, quarantined,
#      the CONTRL held beside it, never sent to this partner
#   5. a received CONTRL is stored as an acknowledgement, never answered
#   6. a mixed X12 + EDIFACT batch in one run: a 997 and a CONTRL
#   7. reprocess after the profile changes; partner check on EDIFACT
#   8. junk after an interchange: quarantined, the unread one named and
#      sent a CONTRL UCI 4 (code 18) from its raw UNB; a bad UNA before a
#      readable UNB likewise
#   9. an X12 file to a partner that speaks only EDIFACT: refused by name
#  11. the repertoire setting (<partner-unb repertoire=>): lenient takes
#      lower case under UNOA, off takes anything, an unknown value is
#      refused by partner check
#  12. partner new --from EDIFACT samples: UNB identities, messages,
#      CONTRL as UNB 0031 asks, repertoire from the characters; the
#      draft passes partner check and partner test
#  13. EDIFACT maps (edi/maps/DESADV.xml, ORDERS.xml): DESADV ->
#      Shipment, ORDERS -> WarehouseOrder in D96A and D01B, JSON Lines
#      equal to golden files, XML valid against the canonical schema;
#      run publishes the records, a wrong GTIN is quarantined with no
#      record, a resend with the same BGM 1004 is a duplicate by key
#  10. message guides in run: a DESADV missing a mandatory segment and
#      with a letter in a quantity is rejected (0085 13 and 37 in UCS /
#      UCD), quarantined, its good neighbour accepted
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/edifact_run.sh
# POSIX sh; needs python3 and sqlite3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/edifact/run"
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
[ -n "${KEEP:-}" ] && echo "edifact_run: keeping $t"
. "$here/lib.sh"

for tool in python3 sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: edifact_run: $tool not found"; exit 0; }
done
unset EDIGATE_HOME EDIGATE_SPOOL EDIGATE_CRASH_AT
# our UNB date and time: 260105:1300
export EDIGATE_NOW=1767618000

h="$t/h"
mkdir -p "$h/drop/eurofood/in" "$h/drop/nordic/in"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
cp -R "$fx/partners" "$h/partners"
E="$bin --home $h"
db="$h/spool/ledger.db"
out="$h/drop/eurofood/out"
q() { sqlite3 "$db" "$1"; }
expect_sql() { # SQL WANT
	got=$(q "$1")
	if [ "$got" = "$2" ]; then ok; else bad "sql: $1: got '$got', want '$2'"; fi
}
fid() { q "SELECT id FROM files WHERE name='$1' ORDER BY n DESC LIMIT 1"; }
drop() { for f in "$@"; do cp "$f" "$h/drop/eurofood/in/"; done; }
nout() { ls "$out" 2>/dev/null | wc -l | tr -d ' '; }
same() { # GOT WANT: byte for byte
	if cmp -s "$1" "$2"; then ok; else
		bad "$1 differs from $2"; diff "$2" "$1" | head -8 | sed 's/^/    /'
	fi
}

# --- 1. a good interchange ------------------------------------------------
drop "$fx/good.edi"
expect_exit 0 $E run
expect_out 'good.edi\): accepted: 1 set'
G=$(fid good.edi)
expect_sql "SELECT state FROM files WHERE id='$G'" accepted
expect_sql "SELECT status || ' ' || isa13 FROM interchanges WHERE file_id='$G'" "accepted EF0001"
expect_sql "SELECT status || ' ' || st01 || ' ' || st02 FROM transactions WHERE file_id='$G'" "ack-only DESADV 1"
same "$out/eurofood-CONTRL-000000001.edi" "$fx/expected/good.contrl"
ls "$h"/spool/archive/eurofood/*/"$G".gz >/dev/null 2>&1 && ok ||
	bad "1: good.edi not archived"

# --- 2. a bad message; a message without a map ---------------------------
drop "$fx/bad.edi" "$fx/nomap.edi"
expect_exit 1 $E run
B=$(fid bad.edi)
N=$(fid nomap.edi)
expect_sql "SELECT state FROM files WHERE id='$B'" partial
expect_sql "SELECT group_concat(status, ',') FROM (SELECT status FROM transactions WHERE file_id='$B' ORDER BY id)" "ack-only,rejected"
expect_sql "SELECT count(*) FROM findings WHERE file_id='$B' AND code='21'" 1
[ -f "$h/spool/quarantine/eurofood/$B/bad.edi" ] && ok || bad "2: bad.edi not in quarantine"
grep -q 'code 21' "$h/spool/quarantine/eurofood/$B/report.txt" && ok ||
	bad "2: the reject report names the 0085 code"
# the report names the control numbers in EDIFACT's words, not X12's
grep -q '^  message UNB 0020 [^ ]* UNG 0048 ' "$h/spool/quarantine/eurofood/$B/report.txt" &&
	! grep -q 'ISA13' "$h/spool/quarantine/eurofood/$B/report.txt" && ok ||
	bad "2: the reject report says UNB 0020 / UNG 0048: $(grep -m1 '^  [a-z]' "$h/spool/quarantine/eurofood/$B/report.txt")"
same "$out/eurofood-CONTRL-000000002.edi" "$fx/expected/bad.contrl"
expect_sql "SELECT state FROM files WHERE id='$N'" rejected
expect_sql "SELECT count(*) FROM findings WHERE file_id='$N' AND rule='not-supported' AND message LIKE '%no map for INVOIC%'" 1
same "$out/eurofood-CONTRL-000000003.edi" "$fx/expected/nomap.contrl"
grep -q "^UCM+ORD1+INVOIC:D:96A:UN+4+17'\$" "$out/eurofood-CONTRL-000000003.edi" &&
	ok || bad "2: a message without a map not told rejected (17)"

# --- 3. duplicates ----------------------------------------------------------
# the same interchange again in a new envelope date: a duplicate
python3 - "$fx/good.edi" "$t/replay.edi" "$t/reuse.edi" <<'EOF'
import sys
s = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(s.replace("260105:0900", "260106:0700"))
open(sys.argv[3], "w").write(s.replace("DES001", "DES999"))
EOF
drop "$t/replay.edi"
expect_exit 0 $E run
D=$(fid replay.edi)
expect_sql "SELECT state FROM files WHERE id='$D'" duplicate
expect_sql "SELECT status || ' ' || duplicate_of FROM interchanges WHERE file_id='$D'" "duplicate $G"
[ "$(nout)" = 3 ] && ok || bad "3: a duplicate got a CONTRL ($(nout) files)"
drop "$t/reuse.edi"
expect_exit 1 $E run
R=$(fid reuse.edi)
expect_sql "SELECT state FROM files WHERE id='$R'" rejected
expect_sql "SELECT status FROM transactions WHERE file_id='$R'" held
expect_sql "SELECT count(*) FROM findings WHERE file_id='$R' AND rule='control-number-reuse' AND message LIKE '%$G%'" 1
[ -f "$h/spool/quarantine/eurofood/$R/reuse.edi" ] && ok || bad "3: reuse.edi not in quarantine"
[ "$(nout)" = 3 ] && ok || bad "3: a held interchange got a CONTRL"

# --- 4. another partner's sender -------------------------------------------
drop "$fx/wrong_sender.edi"
expect_exit 1 $E run
W=$(fid wrong_sender.edi)
expect_sql "SELECT state FROM files WHERE id='$W'" rejected
expect_sql "SELECT count(*) FROM findings WHERE file_id='$W' AND rule='sender-not-partner' AND code='23'" 1
grep -q 'sent by partner nordic' "$h/spool/quarantine/eurofood/$W/report.txt" && ok ||
	bad "4: the report names the owner"
ls "$h/spool/quarantine/eurofood/$W/"not-sent-*.edi >/dev/null 2>&1 && ok ||
	bad "4: the CONTRL to nordic is held in quarantine"
[ "$(nout)" = 3 ] && ok || bad "4: a CONTRL for nordic reached eurofood"
[ -z "$(ls "$h/drop/nordic/out" 2>/dev/null)" ] && ok || bad "4: nothing goes to nordic by itself"

# --- 5. a received CONTRL ---------------------------------------------------
drop "$fx/contrl_in.edi"
expect_exit 0 $E run
C=$(fid contrl_in.edi)
expect_sql "SELECT state FROM files WHERE id='$C'" accepted
expect_sql "SELECT ack_type || ' ' || level || ' ' || isa13 || ' ' || status FROM acks_in WHERE file_id='$C'" "CONTRL interchange 17 A"
[ "$(nout)" = 3 ] && ok || bad "5: a CONTRL was answered"

# --- 6. X12 and EDIFACT in one run ------------------------------------------
python3 - "$root/tests/fixtures/map/850-good.x12" "$t/po.x12" "$fx/good.edi" "$t/second.edi" <<'EOF'
import sys
s = open(sys.argv[1]).read()
s = s.replace("SHOPCOTEST     ", "EUROFOODX12    ").replace("SHOPCOTEST", "EUROFOODX12")
open(sys.argv[2], "w").write(s)
e = open(sys.argv[3]).read()
open(sys.argv[4], "w").write(e.replace("EF0001", "EF0005").replace("DES001", "DES005"))
EOF
drop "$t/po.x12" "$t/second.edi"
expect_exit 0 $E run
expect_out '2 file\(s\) taken, 2 processed: 2 accepted'
expect_sql "SELECT state FROM files WHERE id='$(fid po.x12)'" accepted
expect_sql "SELECT state FROM files WHERE id='$(fid second.edi)'" accepted
[ "$(nout)" = 5 ] && ok || bad "6: one 997 and one CONTRL ($(nout) files)"
grep -l 'ST\*997' "$out"/* >/dev/null 2>&1 && ok || bad "6: no 997"
grep -l "UCI+EF0005+" "$out"/* >/dev/null 2>&1 && ok || bad "6: no CONTRL for EF0005"
[ -s "$h/spool/out/eurofood/$(fid po.x12).jsonl" ] && ok || bad "6: no records for the 850"

# --- 7. reprocess; partner check ----------------------------------------------
expect_exit 2 $E partner check eurofood
expect_out 'no map for EDIFACT INVOIC directory D96A'
sed -i 's#set="INVOIC" versions="D96A"/>#set="INVOIC" versions="D96A" acknowledge-only="true"/>#' \
	"$h/partners/eurofood.xml"
expect_exit 0 $E partner check eurofood
expect_exit 0 $E reprocess "$N" --reason "INVOIC acknowledge-only now"
N2=$(q "SELECT id FROM files WHERE reprocess_of='$N'")
expect_sql "SELECT state FROM files WHERE id='$N2'" accepted
expect_exit 0 $E run
[ "$(nout)" = 5 ] && ok || bad "7: an interchange acknowledged before was acknowledged again"
# settings that would not take effect are refused
cp "$h/partners/eurofood.xml" "$t/keep.xml"
sed -i 's#<partner-unb qualifier="14" id="5412345000013"/>##' "$h/partners/eurofood.xml"
expect_exit 2 $E partner check eurofood
expect_out 'lacks <partner-unb>'
cp "$t/keep.xml" "$h/partners/eurofood.xml"
sed -i 's#<document direction="in" set="850" versions="004010"/>#<document direction="in" set="DESADV" versions="004010"/>#' \
	"$h/partners/eurofood.xml"
expect_exit 2 $E partner check eurofood
expect_out 'is X12: its set= must be a three-digit'
cp "$t/keep.xml" "$h/partners/eurofood.xml"
cp "$h/partners/nordic.xml" "$t/keep-nordic.xml"
sed -i 's#<partner-unb qualifier="14" id="7300000000001"/>#<partner-unb qualifier="14" id="5412345000013"/>#' \
	"$h/partners/nordic.xml"
expect_exit 2 $E partner check
expect_out 'both claim UNB sender 5412345000013:14'
cp "$t/keep-nordic.xml" "$h/partners/nordic.xml"

# --- 8. junk after an interchange: the rest is not read, and named --------
drop "$fx/junk_after.edi"
expect_exit 1 $E run
J=$(fid junk_after.edi)
expect_sql "SELECT state FROM files WHERE id='$J'" partial
expect_sql "SELECT count(*) FROM findings WHERE file_id='$J' AND rule='reader' AND code='13'" 1
expect_sql "SELECT count(*) FROM findings WHERE file_id='$J' AND rule='unread-interchange' AND message LIKE 'interchange EF0021 from 5412345000013 at offset 176 %'" 1
[ -f "$h/spool/quarantine/eurofood/$J/junk_after.edi" ] && ok || bad "8: not quarantined"
# the unread interchange is told it was not processed: UCI 4, code 18
jc=$(grep -l "UCI+EF0021+" "$out"/* 2>/dev/null)
[ -n "$jc" ] && ok || bad "8: no CONTRL for the unread EF0021"
[ -n "$jc" ] && same "$jc" "$fx/expected/junk_after_unread.contrl"
# a UNA the reader refuses (UNA5 = UNA1) before a readable UNB: the
# interchange is rejected from its raw UNB, the UNA echoed valid
drop "$fx/bad_una.edi"
expect_exit 1 $E run --partner eurofood
U=$(fid bad_una.edi)
expect_sql "SELECT state FROM files WHERE id='$U'" rejected
expect_sql "SELECT count(*) FROM findings WHERE file_id='$U' AND rule='reader' AND code='22'" 1
expect_sql "SELECT count(*) FROM findings WHERE file_id='$U' AND rule='unread-interchange' AND message LIKE 'interchange EF0022 %CONTRL UCI 4 sent%'" 1
uc=$(grep -l "UCI+EF0022+" "$out"/* 2>/dev/null)
[ -n "$uc" ] && ok || bad "8: no CONTRL for EF0022 behind a bad UNA"
[ -n "$uc" ] && same "$uc" "$fx/expected/bad_una.contrl"

# --- 9. a syntax the partner does not speak: refused by name -------------
# nordic speaks only EDIFACT: an X12 file in its inbox is not read
cp "$t/po.x12" "$h/drop/nordic/in/"
expect_exit 1 $E run --partner nordic
P=$(q "SELECT id FROM files WHERE partner='nordic' AND name='po.x12'")
expect_sql "SELECT count(*) FROM findings WHERE file_id='$P' AND rule='not-x12' AND message LIKE 'the file is ASC X12, and partner nordic%no x12 document%'" 1
[ -z "$(ls "$h/drop/nordic/out" 2>/dev/null)" ] && ok || bad "9: an acknowledgement went to nordic"

# --- 10. message guides in run ---------------------------------------------
KEEPN=$(nout)
drop "$fx/guide_bad.edi"
expect_exit 1 $E run --partner eurofood
GB=$(fid guide_bad.edi)
expect_sql "SELECT state FROM files WHERE id='$GB'" partial
expect_sql "SELECT group_concat(status, ',') FROM (SELECT status FROM transactions WHERE file_id='$GB' ORDER BY id)" "ack-only,rejected"
expect_sql "SELECT group_concat(code || ' ' || rule, ',') FROM (SELECT code, rule FROM findings WHERE file_id='$GB' AND code IN ('13','37') ORDER BY id)" "13 segment-missing,37 invalid-numeric"
[ -f "$h/spool/quarantine/eurofood/$GB/guide_bad.edi" ] && ok || bad "10: not quarantined"
grep -q 'code 37' "$h/spool/quarantine/eurofood/$GB/report.txt" && ok ||
	bad "10: the reject report names the guide's 0085 code"
gc=$(grep -l "UCI+EF0030+" "$out"/* 2>/dev/null)
[ "$(nout)" = $((KEEPN + 1)) ] && [ -n "$gc" ] && ok || bad "10: no CONTRL for EF0030"
[ -n "$gc" ] && same "$gc" "$fx/expected/guide_bad.contrl"

# --- 11. repertoire strictness per profile --------------------------------
# (ORDERS is acknowledge-only in this profile)
rep() { sed -i "s#<partner-unb qualifier=\"14\" id=\"5412345000013\"[^/]*/>#<partner-unb qualifier=\"14\" id=\"5412345000013\"$1/>#" "$h/partners/eurofood.xml"; }
rep ' repertoire="bogus"'
expect_exit 2 $E partner check eurofood
expect_out "attribute 'repertoire'.*'bogus' is not an element of the set"
rep ' repertoire="lenient"'
expect_exit 0 $E partner check eurofood
sed 's/EF0002/EF0051/g' "$fx/bad.edi" >"$t/lower.edi"
drop "$t/lower.edi"
expect_exit 0 $E run --partner eurofood
L=$(fid lower.edi)
expect_sql "SELECT state FROM files WHERE id='$L'" accepted
expect_sql "SELECT count(*) FROM findings WHERE file_id='$L' AND code='21'" 0
sed 's/EF0002/EF0052/g; s/Warehouse North/LAGER #4/' "$fx/bad.edi" >"$t/hash.edi"
drop "$t/hash.edi"
expect_exit 1 $E run --partner eurofood
H=$(fid hash.edi)
expect_sql "SELECT count(*) FROM findings WHERE file_id='$H' AND code='21' AND message LIKE '%''#''%'" 1
rep ' repertoire="off"'
expect_exit 0 $E partner check eurofood
sed 's/EF0002/EF0053/g; s/Warehouse North/LAGER #4/' "$fx/bad.edi" >"$t/hash2.edi"
drop "$t/hash2.edi"
expect_exit 0 $E run --partner eurofood
expect_sql "SELECT state FROM files WHERE id='$(fid hash2.edi)'" accepted
rep ''

# --- 12. partner new --from EDIFACT samples ---------------------------------
ds="$root/demo/drop/eurofresh"
sed 's/UNOC:3/UNOA:3/; s/EFR000101/EFR000109/; s/Apples Elstar/Apples elstar/' \
	"$ds/DESADV-DES-77001.edi" >"$t/lower-desadv.edi"
expect_exit 0 $E partner new eurodraft --name "Euro Draft" --from "$ds/DESADV-DES-77001.edi" \
	"$ds/ORDERS-PO-EF-5501.edi" "$t/lower-desadv.edi" "$fx/good.edi"
expect_out 'wrote .*/partners/eurodraft.xml: a retailer \(the samples.* UN/EDIFACT, UNB sender 8712345000004:14, 2 message type'
grep -q 'interchange from 5412345000013:14 is not from 8712345000004:14; left out' "$t/err" && ok ||
	bad "12: another sender's sample not left out"
d="$h/partners/eurodraft.xml"
grep -q '<partner-unb qualifier="14" id="8712345000004" repertoire="lenient"/>' "$d" && ok ||
	bad "12: partner-unb (lenient: lower case under UNOA)"
grep -q '<our-unb qualifier="14" id="5412345000013"/>' "$d" && ok || bad "12: our-unb"
grep -q 'syntax="edifact" set="DESADV" versions="D96A"' "$d" && ok || bad "12: DESADV D96A"
grep -q 'syntax="edifact" set="ORDERS" versions="D96A"' "$d" && ok || bad "12: ORDERS D96A"
grep -q '<send type="CONTRL" when="always"/>' "$d" && ok || bad "12: CONTRL as UNB 0031 asks"
[ -d "$h/drop/eurodraft/in" ] && ok || bad "12: no drop folder"
expect_exit 0 $E partner check eurodraft
expect_exit 0 $E partner test eurodraft "$ds/DESADV-DES-77001.edi" "$ds/ORDERS-PO-EF-5501.edi" "$t/lower-desadv.edi"
expect_out "UCI\+EFR000109\+8712345000004:14\+5412345000013:14\+7'"
expect_out "1 set\(s\) against guides"
# a sample name with "--" stays out of the XML comment's way
cp "$ds/DESADV-DES-77001.edi" "$t/euro--desadv.edi"
expect_exit 0 $E partner new eurodraft3 --from "$t/euro--desadv.edi"
sed -i 's#id="8712345000004"#id="8712345000999"#' "$h/partners/eurodraft3.xml"
expect_exit 0 $E partner check eurodraft3
expect_exit 2 $E partner new eurodraft2 --from "$ds/DESADV-DES-77001.edi" "$t/po.x12"
grep -q 'mix UN/EDIFACT with X12' "$t/err" && ok || bad "12: mixed samples not refused"

# --- 13. EDIFACT maps --------------------------------------------------------
mx="$root/tests/fixtures/edifact/map"
m="$t/m"
mkdir -p "$m/drop/eurofood/in"
ln -s "$root/edi" "$m/edi"
ln -s "$root/schemas" "$m/schemas"
cp -R "$mx/partners" "$m/partners"
M="$bin --home $m"
expect_exit 0 $M partner check eurofood
# (the ORDERS goldens hold the profile's <mapping set="ORDERS">
# customerId: a six-letter set's override takes effect)
grep -q '"customerId":"EUROFOOD"' "$mx/expected/orders_full.jsonl" && ok ||
	bad "13: the golden ORDERS lacks the profile's customerId"
for f in desadv_full desadv_d01b orders_full orders_d01b; do
	expect_exit 0 $M map --partner eurofood --format jsonl -o "$t/$f.jsonl" "$mx/$f.edi"
	same "$t/$f.jsonl" "$mx/expected/$f.jsonl"
	if command -v xmllint >/dev/null 2>&1; then
		expect_exit 0 $M map --partner eurofood -o "$t/$f.xml" "$mx/$f.edi"
		xmllint --noout --schema "$root/schemas/canonical.xsd" "$t/$f.xml" 2>/dev/null &&
			ok || bad "13: $f records not valid against canonical.xsd"
	fi
done
expect_exit 1 $M map --partner eurofood --format jsonl "$mx/desadv_badgtin.edi"
[ ! -s "$t/out" ] && ok || bad "13: a record from a DESADV with a wrong GTIN"
grep -q "map-bad-value.*LIN03 '8712345678914' for item/gtin has a wrong GS1 check digit" "$t/err" && ok ||
	bad "13: the wrong GTIN not named"
cp "$mx/desadv_full.edi" "$mx/orders_full.edi" "$mx/desadv_badgtin.edi" "$m/drop/eurofood/in/"
expect_exit 1 $M run
expect_out '3 processed: 2 accepted, 0 partial, 1 rejected'
mq() { sqlite3 "$m/spool/ledger.db" "$1"; }
mid() { mq "SELECT id FROM files WHERE name='$1' ORDER BY n DESC LIMIT 1"; }
MD=$(mid desadv_full.edi) MO=$(mid orders_full.edi) MB=$(mid desadv_badgtin.edi)
grep -q '"recordType":"Shipment".*"shipmentId":"DES060"' "$m/spool/out/eurofood/$MD.jsonl" && ok ||
	bad "13: run published no Shipment for the DESADV"
grep -q '"recordType":"WarehouseOrder".*"orderNumber":"PO-4711"' "$m/spool/out/eurofood/$MO.jsonl" && ok ||
	bad "13: run published no WarehouseOrder for the ORDERS"
[ ! -e "$m/spool/out/eurofood/$MB.jsonl" ] && ok || bad "13: records from the rejected DESADV"
[ -f "$m/spool/quarantine/eurofood/$MB/desadv_badgtin.edi" ] && ok || bad "13: wrong GTIN not quarantined"
expect_sql_m() { got=$(mq "$1"); [ "$got" = "$2" ] && ok || bad "sql: $1: got '$got', want '$2'"; }
expect_sql_m "SELECT count(*) FROM findings WHERE file_id='$MB' AND rule='map-bad-value'" 1
# the same shipment again under another interchange reference: a
# duplicate by its business key (BGM 1004), no second record
sed 's/EF0060/EF0070/g' "$mx/desadv_full.edi" >"$m/drop/eurofood/in/resend.edi"
expect_exit 0 $M run
expect_out "DESADV shipment-id 'DES060' seen before in $MD \\(duplicate\\)"
expect_sql_m "SELECT state FROM files WHERE id='$(mid resend.edi)'" duplicate

echo "edifact_run: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
