#!/bin/sh
# Onboarding end to end: partner new (from a template and from samples),
# partner check (XSD errors with file and line, then meaning: secrets
# 0600, SFTP host keys, files, clashes between partners), on a temporary
# home that uses the shipped edi/ and schemas/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"

h="$t/home"
mkdir -p "$h"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
E="$bin --home $h"

# the shipped examples: form and meaning.  What `run` would fail on is an
# error, with the step that fixes it: the retailer's drop folder, the
# 3PL's key and known_hosts
mkdir -p "$h/partners"
cp "$root/partners/bigretail.xml" "$root/partners/northlog.xml" "$h/partners/"
expect_exit 2 $E partner check bigretail
expect_out "inbox $h/drop/bigretail/in does not exist, so .edigate run. would fail.*mkdir -p $h/drop/bigretail/in"
expect_exit 2 $E partner check northlog
expect_out "key file $h/keys/northlog_ed25519 does not exist.*ssh-keygen -t ed25519 -f $h/keys/northlog_ed25519 -C edigate-northlog"
expect_out "known_hosts file $h/keys/known_hosts does not exist.*edigate partner probe northlog"
mkdir -p "$h/keys" "$h/drop/bigretail/in"; : >"$h/keys/northlog_ed25519"; : >"$h/keys/known_hosts"
# as shipped, once what they name exists: clean, nothing unsupported
expect_exit 0 $E partner check; expect_out '^OK: 2 profile\(s\), 0 error\(s\)'
expect_no_out 'not supported yet'

# unknown and malformed ids are usage errors naming the partners
expect_exit 2 $E partner check nosuch; expect_err "no partner 'nosuch'.*the partners are: bigretail, northlog"
expect_exit 2 $E partner check ../../x; expect_err "'../../x' is not a partner id"
expect_exit 2 $E run --partner nosuch; expect_err "no partner 'nosuch'.*bigretail, northlog"
expect_exit 2 $E run --partner ../x; expect_err "'../x' is not a partner id"
[ -e "$h/spool" ] && bad "a usage error made a spool" || ok

# service levels (<sla>, <expect>) and a schedule (edigate serve) are
# understood and checked; the old <sla> shorthand is refused by the schema
cp "$h/partners/bigretail.xml" "$t/bigretail.shipped"
python3 - "$t/bigretail.shipped" "$h/partners/bigretail.xml" <<'EOF3'
import sys
s = open(sys.argv[1]).read()
s = s.replace('<send type="TA1" when="requested"/>',
              '<send type="TA1" when="requested"/>\n    <expect type="997" within="4h"/>')
s = s.replace('</transport>', '  <schedule every="5m"/>\n  </transport>')
s = s.replace('</partner>', '  <sla tz="America/Chicago"><arrival set="850" by="06:00" days="mon-fri"/>'
              '<quarantine depth-warn="5" depth-alert="20"/><alert command="logger edigate"/></sla>\n</partner>')
open(sys.argv[2], "w").write(s)
EOF3
expect_exit 0 $E partner check bigretail
expect_no_out 'not supported|schedule|sla'
sed -i 's|<sla tz="America/Chicago">|<sla tz="Mars/Olympus">|' "$h/partners/bigretail.xml"
expect_exit 2 $E partner check bigretail
expect_out 'line [0-9]+: <sla tz="Mars/Olympus">'
sed -i 's|<sla tz="Mars/Olympus">.*</sla>|<sla ack-within="4h" file-by="06:00"/>|' "$h/partners/bigretail.xml"
expect_exit 2 $E partner check bigretail
expect_out "ack-within"
# schedules: good ones pass, bad ones are errors in words
sched() { # $1: the <schedule .../> element
	python3 - "$t/bigretail.shipped" "$h/partners/bigretail.xml" "$1" <<'EOF3'
import sys
s = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(s.replace('</transport>', '  ' + sys.argv[3] + '\n  </transport>'))
EOF3
}
sched '<schedule every="5m"/>'
expect_exit 0 $E partner check bigretail
sched '<schedule cron="*/15 6-20 * * mon-fri" tz="America/Chicago"><window days="mon-fri" from="06:00" to="20:00"/><window days="sat" from="22:00" to="02:00"/></schedule>'
expect_exit 0 $E partner check bigretail
sched '<schedule cron="61 * * * *"/>'
expect_exit 2 $E partner check bigretail
expect_out "line [0-9]+: <schedule>: cron '61 \* \* \* \*', field 1 \(minute\): '61' is not a minute"
sched '<schedule every="5m" cron="0 * * * *"/>'
expect_exit 2 $E partner check bigretail; expect_out '<schedule>: a schedule needs either every=.*not both'
sched '<schedule every="5s"/>'
expect_exit 2 $E partner check bigretail; expect_out 'every=5s is too short'
sched '<schedule cron="@daily" tz="Mars/Olympus"/>'
expect_exit 2 $E partner check bigretail; expect_out "tz='Mars/Olympus' is not a time zone this machine knows"
sched '<schedule every="1h"><window from="25:00" to="06:00"/></schedule>'
expect_exit 2 $E partner check bigretail; expect_out "bigretail.xml:[0-9]+: Element 'window', attribute 'from'.*'25:00' is not accepted"
# code-list values must be codes a record can carry
sed 's|<code partner="EA" ours="EA"/>|<code partner="EA" ours="EACH"/>|' "$t/bigretail.shipped" >"$h/partners/bigretail.xml"
expect_exit 2 $E partner check bigretail
expect_out "code list 'uom' translates 'EA' into 'EACH', which a record cannot carry: ours= must be an X12 355 unit code"
# outbound file names: {control} keeps files apart, names stay in the folder
for bad_name in 'ACME-{set}.x12' '../{control}.x12' '{partner}-{ctl}-{control}.x12' '.{control}.x12' '{control}.x12.part'; do
	sed "s|file-name=\"{partner}-{set}-{control}.x12\"|file-name=\"$bad_name\"|" "$t/bigretail.shipped" >"$h/partners/bigretail.xml"
	expect_exit 2 $E partner check bigretail
	expect_out "<outbound file-name=.*> cannot be used: "
done
expect_out "cannot be used: names ending in .part"
sed "s|file-name=\"{partner}-{set}-{control}.x12\"|file-name=\"ACME_{set}_{date}{time}_{control}.edi\"|" "$t/bigretail.shipped" >"$h/partners/bigretail.xml"
expect_exit 0 $E partner check bigretail
cp "$t/bigretail.shipped" "$h/partners/bigretail.xml"
expect_exit 0 $E partner check bigretail

# code lists must cover what the guide allows where the map translates:
# a partner guide lets PO103 carry PL, which the uom code list lacks
cat >"$h/partners/850-big.xml" <<'EOF2'
<?xml version="1.0" encoding="UTF-8"?>
<guide standard="x12" release="004010" set="850" name="Big Retail 850" base="850">
  <restrict path="PO1/PO103">
    <code value="EA"/><code value="CA"/><code value="PK"/><code value="PL"/>
  </restrict>
</guide>
EOF2
cp "$h/partners/bigretail.xml" "$t/bigretail.orig"
sed 's|<document direction="in" set="850" versions="004010 005010"/>|<document direction="in" set="850" versions="004010" guide="850-big.xml"/>|' \
	"$t/bigretail.orig" >"$h/partners/bigretail.xml"
grep -q 'guide="850-big.xml"' "$h/partners/bigretail.xml" && ok || bad "sed did not edit the profile"
expect_exit 2 $E partner check bigretail
expect_out "code list 'uom' does not cover 'PL', which guide 850 004010 allows in PO103"
expect_no_out "does not cover 'CA'"
# translating PL makes the profile whole again
sed 's|<code partner="PK" ours="PK"/>|<code partner="PK" ours="PK"/><code partner="PL" ours="PL"/>|' \
	"$h/partners/bigretail.xml" >"$t/b2" && cp "$t/b2" "$h/partners/bigretail.xml"
expect_exit 0 $E partner check bigretail
# a mapping override must name a canonical field
sed 's|<outbound |<mapping set="850"><field field="orderNumbr" source="BEG03"/></mapping><outbound |' \
	"$t/bigretail.orig" >"$h/partners/bigretail.xml"
expect_exit 2 $E partner check bigretail; expect_out "'orderNumbr' is not a field of WarehouseOrder"
cp "$t/bigretail.orig" "$h/partners/bigretail.xml"; rm -f "$h/partners/850-big.xml"

# new from a template, then refuses to overwrite
expect_exit 0 $E partner new acme --name 'ACME & Sons' --template retailer
expect_out "wrote $h/partners/acme.xml"
if command -v xmllint >/dev/null 2>&1; then
	if xmllint --noout --schema "$root/schemas/partner-profile.xsd" "$h/partners/acme.xml" 2>/dev/null; then ok
	else bad "partner new wrote a profile the XSD refuses"; fi
fi
grep -q 'name="ACME &amp; Sons"' "$h/partners/acme.xml" && ok || bad "name not XML-escaped"
expect_exit 0 $E partner check acme
expect_exit 2 $E partner new acme; expect_err 'exists; use --force'
expect_exit 0 $E partner new acme --force
expect_exit 2 $E partner new Bad_Id; expect_err 'lower-case'
expect_exit 2 $E partner new x --template wholesaler; expect_err 'retailer or 3pl'

# new --from samples: identities, sets, versions and delimiters from the files
expect_exit 0 $E partner new wh --template 3pl --from "$root/demo/inbound/northlog-advice-945.x12"
grep -q '<partner-isa qualifier="ZZ" id="NORTHLOGWHSE"/>' "$h/partners/wh.xml" && ok || bad "--from: partner ISA"
grep -q '<our-isa qualifier="ZZ" id="ACMEAPPAREL"/>' "$h/partners/wh.xml" && ok || bad "--from: our ISA"
grep -q '<document direction="in" set="945" versions="004010"/>' "$h/partners/wh.xml" && ok || bad "--from: documents"
grep -q 'element="\*" component="&gt;" segment="~"' "$h/partners/wh.xml" && ok || bad "--from: delimiters"
# the drafted 3PL clashes with northlog (same ISA sender): caught
expect_exit 2 $E partner check; expect_out 'partners northlog and wh both claim ISA sender ZZ:NORTHLOGWHSE|partners wh and northlog both claim'
rm "$h/partners/wh.xml"
expect_exit 1 $E partner new y --from "$root/README.md"; expect_err 'sample .*README.md cannot be read: .*not an X12 interchange'

# form: an XSD error names file and line
sed 's/qualifier="ZZ" id="BIGRETAILCO"/qualifier="Z" id="BIGRETAILCO"/' "$h/partners/bigretail.xml" >"$h/partners/broken.xml"
expect_exit 2 $E partner check broken; expect_out 'broken.xml:[0-9]+: .*qualifier'
rm "$h/partners/broken.xml"

# meaning: id must match the file name
sed 's/id="acme"/id="acme2"/' "$h/partners/acme.xml" >"$h/partners/other.xml"
expect_exit 2 $E partner check other; expect_out "partner id 'acme2' does not match the file name other.xml"
rm "$h/partners/other.xml"

# secrets: a file must be 0600; SFTP must check host keys
sed 's/<passphrase env="NORTHLOG_KEY_PASSPHRASE"\/>/<passphrase file="keys\/pass"\/>/' "$h/partners/northlog.xml" >"$h/partners/n2.xml"
sed -i 's/id="northlog"/id="n2"/; s/id="NORTHLOGWHSE"/id="N2WHSE"/; s#/outbound/acme#/outbound/n2#; s#/inbound/acme#/inbound/n2#' "$h/partners/n2.xml"
echo secret >"$h/keys/pass"; chmod 644 "$h/keys/pass"
expect_exit 2 $E partner check n2; expect_out 'passphrase file .*keys/pass is mode 644: secrets files must be 0600'
chmod 600 "$h/keys/pass"
expect_exit 0 $E partner check n2
sed 's/ known-hosts="keys\/known_hosts"//' "$h/partners/n2.xml" >"$h/partners/n3.xml"
sed -i 's/id="n2"/id="n3"/; s/id="N2WHSE"/id="N3WHSE"/; s#/outbound/n2#/outbound/n3#; s#/inbound/n2#/inbound/n3#' "$h/partners/n3.xml"
expect_exit 2 $E partner check n3; expect_out 'SFTP needs known-hosts= or a pinned host-key='
sed -i 's/port="22"/port="22" host-key="SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"/' "$h/partners/n3.xml"
expect_exit 0 $E partner check n3
# the same inbox twice
sed 's/id="n3"/id="n4"/; s/id="N3WHSE"/id="N4WHSE"/' "$h/partners/n3.xml" >"$h/partners/n4.xml"
expect_exit 2 $E partner check; expect_out 'both read inbox sftp.northlog.example:/outbound/n3'
# named, it is checked against every other partner all the same
expect_exit 2 $E partner check n4
expect_out 'partners n4 and n3 both read inbox sftp.northlog.example:/outbound/n3'
expect_out 'partners n4 and n3 both write outbox sftp://sftp.northlog.example:22/inbound/n3'
# and run serves neither until the profiles are fixed (no connection tried)
expect_exit 3 $E run --spool "$t/spool-conflict" --partner n4 --partner n3
expect_err 'partner n4 not served: partners n4 and n3 both read inbox'
expect_err 'partner n3 not served: partners n3 and n4 both read inbox'
expect_err 'edigate partner check n4. shows the same'
expect_out '0 file\(s\) taken.*2 partner\(s\) failed'
expect_exit 2 $E partner check --json
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"] >= 1' "$t/out" && ok || bad "check --json"
fi
expect_exit 0 $E partner --help; expect_out 'partner new ID'

# tenant isolation: a file is checked as coming from one partner
rm -f "$h/partners/n2.xml" "$h/partners/n3.xml" "$h/partners/n4.xml" "$h/partners/acme.xml"
expect_exit 0 $E validate --partner northlog "$root/demo/inbound/northlog-advice-945.x12"
expect_exit 1 $E validate --partner bigretail --json "$root/demo/inbound/northlog-advice-945.x12"
expect_out '"rule":"sender-not-partner","code":"006"'
expect_out 'it belongs to partner northlog: refused, never processed as bigretail'
expect_out '"rule":"set-not-in-profile","code":"1"'
expect_exit 1 $E validate --partner northlog "$root/demo/inbound/acme-asn-856.x12"
expect_out 'interchange receiver ZZ:BIGRETAILCO is not us .*\[TA105=009\]'
# the acknowledgement of another partner's file is a TA1 rejection, nothing else
expect_exit 1 $E ack --partner bigretail -o "$t/ta1" --time 202611220700 "$root/demo/inbound/northlog-advice-945.x12"
if grep -q '^TA1\*000500001\*[0-9]*\*[0-9]*\*R\*006~$' "$t"/ta1/*.ack.x12 && ! grep -q '^ST\*' "$t"/ta1/*.ack.x12; then ok
else bad "expected a standalone TA1 R 006:"; cat "$t"/ta1/*.ack.x12; fi
expect_exit 2 $E validate --partner nosuch "$root/demo/inbound/acme-asn-856.x12"; expect_err 'nosuch.xml'

# the onboarding walk-through: new --from samples, edit, check, test --expect
cp "$root/demo/inbound/acme-asn-856.x12" "$t/sample.x12"
rm -f "$h/partners/bigretail.xml"
expect_exit 0 $E partner new retail2 --template retailer --from "$root/demo/inbound/acme-asn-856.x12"
# (the drafted profile takes its identity from the sample's ISA and GS)
expect_exit 0 $E partner check retail2
expect_exit 0 $E partner test retail2 "$t/sample.x12"
expect_out 'acknowledgements that would be sent:'; expect_out '^AK9\*A\*3\*3\*3~$'
ls "$h"/spool 2>/dev/null | grep -q . && bad "partner test wrote into the spool" || ok
expect_exit 0 $E partner test retail2 "$t/sample.x12" --expect "$t/golden" --update
[ -s "$t/golden/sample.x12.acks" ] && ok || bad "no golden acks"
[ -f "$t/golden/sample.x12.findings" ] && ok || bad "no golden findings"
# three ASNs, three Shipment records in the golden JSON Lines
[ "$(grep -c '^{"recordType":"Shipment"' "$t/golden/sample.x12.records.jsonl")" = 3 ] && ok ||
	bad "golden records: expected 3 Shipment lines"
expect_exit 0 $E partner test retail2 "$t/sample.x12" --expect "$t/golden"; expect_out '^SAME: 0 difference'
# the partner changes something: the acceptance run catches it
perl -0pi -e 's/\nSE\*(\d+)\*0002/"\nSE*".($1+1)."*0002"/e' "$t/sample.x12"
expect_exit 1 $E partner test retail2 "$t/sample.x12" --expect "$t/golden"
# findings, records (the set is rejected: no record; the file's sha256
# changed) and acknowledgements all differ
expect_out '^DIFFERENT: 3 difference'; expect_out 'expected: AK5\*A~'; expect_out 'got: +AK5\*R\*4~'
expect_exit 2 $E partner test retail2; expect_err 'needs an ID and FILEs'

echo "partners: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
