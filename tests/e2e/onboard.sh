#!/bin/sh
# Onboarding walk-through, end to end, as docs/onboarding.md tells it: a
# new 3PL ("Coastal Warehousing", a 945 sample in hand) and a new retailer
# ("Harbor Mart", an 850 sample), each onboarded from its sample files
# alone: partner new --from, partner check, partner test (the next step
# named when an order is unknown), edigate sent (a 940 addressed to
# someone else refused), the inbox as status and partner probe see it
# (waiting and ignored files named), partner test --from-inbox (nothing
# written), then the first run and its result.  Next to a shipped partner
# (bigretail), so the checks between partners are exercised too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"

h="$t/home"
mkdir -p "$h/partners" "$h/drop/bigretail/in" "$t/samples"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
cp "$root/partners/bigretail.xml" "$h/partners/"
E="$bin --home $h"
export EDIGATE_NOW=2024-01-10

# The partners' samples: the demo's documents under the new partners'
# identities (the ISA ids keep their 15-character width).
sed -e 's/NORTHLOGWHSE   /COASTALWH      /' -e 's/NORTHLOGWHSE/COASTALWH/g' \
	"$root/demo/inbound/northlog-advice-945.x12" >"$t/samples/COASTAL_945_0001.txt"
sed -e 's/NORTHLOGWHSE   /COASTALWH      /' -e 's/NORTHLOGWHSE/COASTALWH/g' \
	"$root/demo/sent/northlog-940-sent.x12" >"$t/samples/ACME_940_to_coastal.x12"
sed -e 's/BIGRETAILCO    /HARBORMART     /' -e 's/BIGRETAILCO/HARBORMART/g' \
	"$root/demo/drop/bigretail/PO-4500012001.x12" >"$t/samples/HM_PO_7001.edi"
grep -q 'ZZ\*COASTALWH      \*ZZ\*ACMEAPPAREL    \*' "$t/samples/COASTAL_945_0001.txt" &&
	grep -q 'ZZ\*HARBORMART     \*ZZ\*ACMEAPPAREL    \*' "$t/samples/HM_PO_7001.edi" && ok ||
	bad "the samples were not made"
xsd_ok() { # FILE: the drafted profile is valid against the schema
	if command -v xmllint >/dev/null 2>&1; then
		if xmllint --noout --schema "$root/schemas/partner-profile.xsd" "$1" 2>/dev/null; then ok
		else bad "$1 is not valid against partner-profile.xsd"; fi
	fi
}
has() { # FILE PATTERN: the file holds the pattern (grep -E)
	if grep -qE -- "$2" "$1"; then ok; else bad "$(basename "$1") lacks /$2/"; fi
}

# ===== the 3PL ================================================================
c="$h/partners/coastal.xml"
# 1. draft it from the sample alone: no --template, no transport given
expect_exit 0 $E partner new coastal --name "Coastal Warehousing" --from "$t/samples/COASTAL_945_0001.txt"
expect_out "wrote $c: a 3pl \(from the samples' sets\), local transport, ISA sender ZZ:COASTALWH"
expect_out "made its drop folders $h/drop/coastal/in, out and done"
expect_out 'edigate sent --partner ID FILE'
expect_no_out CONFLICT
xsd_ok "$c"
has "$c" '<partner id="coastal" name="Coastal Warehousing" kind="3pl">'
has "$c" '<partner-isa qualifier="ZZ" id="COASTALWH"/>'
has "$c" '<gs partner="COASTALWH" ours="ACMEAPPAREL"/>'
has "$c" '<document direction="in" set="945" versions="004010"/>'
has "$c" '<document direction="out" set="940" versions="004010"/>'
has "$c" '<document direction="in" set="997" versions="004010"/>'
has "$c" '<transport type="local">'
has "$c" '<inbox path="drop/coastal/in" pattern="\*\.txt"'
has "$c" '<send type="997" when="always"/>'
has "$c" 'element="\*" component="&gt;" segment="~"'
grep -qE '<sla|<schedule|<expect|type="sftp"' "$c" && bad "the draft promises what nothing does, or SFTP" || ok
[ -d "$h/drop/coastal/in" ] && [ -d "$h/drop/coastal/out" ] && [ -d "$h/drop/coastal/done" ] && ok ||
	bad "the drop folders were not made"

# 2. check: clean, against every other partner too
expect_exit 0 $E partner check coastal; expect_out '^OK: 1 profile\(s\), 0 error\(s\), 0 warning\(s\)'

# 3. test the sample: its orders are unknown -- the message says what to do
expect_exit 1 $E partner test coastal "$t/samples/COASTAL_945_0001.txt"
expect_out "order-number 'ORD0570000[0-9]' does not match any 940 .*record it with .edigate sent --partner coastal FILE. .*--seen FILE"
# with the 940s we sent: two shipments map, one ships 6 of 24 (beyond 2 %)
expect_exit 1 $E partner test coastal --seen "$t/samples/ACME_940_to_coastal.x12" "$t/samples/COASTAL_945_0001.txt"
expect_out 'seen: 3 record\(s\) remembered'
expect_out '2 canonical record\(s\)'
expect_out 'rule-quantity-tolerance'
expect_no_out 'does not match any 940'
expect_out '^AK9\*A\*3\*3\*3~$'   # the 997 answers syntax: all three accepted

# 4. edigate sent records into the ledger, which only run makes (24.7):
# a first run while the inbox is still empty starts the spool
expect_exit 2 $E sent --partner coastal "$t/samples/ACME_940_to_coastal.x12"
expect_err 'no ledger in .* yet'
expect_exit 0 $E run --partner coastal
[ -e "$h/spool/ledger.db" ] && ok || bad "the first run made no ledger"
# a 940 addressed to another 3PL is refused, nothing recorded
expect_exit 2 $E sent --partner coastal "$root/demo/sent/northlog-940-sent.x12"
expect_err 'it is addressed to ZZ:NORTHLOGWHSE \(ISA07/08\), not to partner coastal \(ZZ:COASTALWH\).*Nothing was recorded.*--force'
# and a set the profile does not list as one we send (a 945, ours to them)
sed 's/ZZ\*COASTALWH      \*ZZ\*ACMEAPPAREL    \*/ZZ*ACMEAPPAREL    *ZZ*COASTALWH      */' \
	"$t/samples/COASTAL_945_0001.txt" >"$t/our-945.x12"
expect_exit 2 $E sent --partner coastal "$t/our-945.x12"
expect_err "it holds a 945, which partner coastal's profile does not list as a document we send"
expect_exit 0 $E sent --partner coastal "$t/samples/ACME_940_to_coastal.x12"
expect_out 'recorded as .* \(3 document\(s\)\)'

# 5. files arrive: one to take, one still being written, one nobody takes
cp "$t/samples/COASTAL_945_0001.txt" "$h/drop/coastal/in/"
echo 'a label, not EDI' >"$h/drop/coastal/in/label-0001.pdf"
cp "$t/samples/COASTAL_945_0001.txt" "$h/drop/coastal/in/COASTAL_945_0002.txt.tmp"
touch -d '2024-01-09 12:00' "$h"/drop/coastal/in/*
expect_exit 0 $E status --partner coastal
expect_out '^coastal .*inbox: 1 to take, 1 waiting, 1 ignored'
expect_exit 0 $E status --partner coastal --inbox-files
expect_out '^      ignored  label-0001\.pdf$'; expect_out '^      writing  COASTAL_945_0002\.txt\.tmp$'
expect_out '^      take     COASTAL_945_0001\.txt$'
expect_exit 0 $E status --json --inbox-files --partner coastal; json_ok status
if command -v python3 >/dev/null 2>&1; then
	python3 - "$t/out" <<'EOF2' && ok || bad "status --json: the inbox counts and names"
import json, sys
p = json.load(open(sys.argv[1]))["partners"][0]["inbox"]
assert (p["take"], p["waiting"], p["writing"], p["ignored"]) == (1, 0, 1, 1), p
assert {f["name"]: f["state"] for f in p["files"]} == {
    "COASTAL_945_0001.txt": "take", "label-0001.pdf": "ignored",
    "COASTAL_945_0002.txt.tmp": "writing"}, p["files"]
EOF2
fi
expect_exit 0 $E partner probe coastal
expect_out 'inbox: 1 file\(s\) to take, 0 waiting to be complete, 1 still being written, 1 ignored'
expect_exit 0 $E partner probe coastal --json --inbox-files; json_ok probe
expect_out '"name":"label-0001.pdf","state":"ignored"'

# 6. the dry run of what waits: nothing written anywhere
snap() { (cd "$h" && find drop spool -print | LC_ALL=C sort; cksum spool/ledger.db 2>/dev/null); }
snap >"$t/before"
expect_exit 1 $E partner test coastal --from-inbox --seen "$t/samples/ACME_940_to_coastal.x12"
expect_out '^  take     COASTAL_945_0001\.txt$'; expect_out '^  ignored  label-0001\.pdf$'
expect_out 'from the inbox: 1 file\(s\) would be taken; of the 1 tried, 0 accepted, 1 rejected .* 1 with acknowledgements; 1 waiting to be complete, 1 ignored\.  Nothing was written'
snap >"$t/after"
cmp -s "$t/before" "$t/after" && ok || { bad "partner test --from-inbox changed the home:"; diff "$t/before" "$t/after" | head; }

# 7. the first run: the 945 taken, one shipment refused by the tolerance
#    rule (partial), the 997 in the outbox, the ignored file left alone
expect_exit 1 $E run --partner coastal
expect_out '1 file\(s\) taken, 1 processed: 0 accepted, 1 partial'
[ -e "$h/drop/coastal/done/COASTAL_945_0001.txt" ] && ok || bad "the 945 was not moved to done"
[ -e "$h/drop/coastal/in/label-0001.pdf" ] && ok || bad "the ignored file was touched"
[ "$(ls "$h/drop/coastal/out" | wc -l)" -eq 1 ] && has "$h/drop/coastal/out/$(ls "$h/drop/coastal/out")" '^AK9\*A\*3\*3\*3~' ||
	bad "expected one 997 in the outbox"
expect_exit 0 $E files --partner coastal --json
expect_out '"state":"partial"'

# an SFTP draft instead: the steps to make the key and trust the server
expect_exit 0 $E partner new coastal-sftp --transport sftp --from "$t/samples/COASTAL_945_0001.txt"
expect_out 'CONFLICT partners coastal-sftp and coastal both claim ISA sender ZZ:COASTALWH'
expect_out "mkdir -p $h/keys && ssh-keygen -t ed25519 -f $h/keys/coastal-sftp_ed25519 -C edigate-coastal-sftp"
expect_out 'edigate partner probe coastal-sftp'
has "$h/partners/coastal-sftp.xml" '<transport type="sftp">'
xsd_ok "$h/partners/coastal-sftp.xml"
[ -e "$h/drop/coastal-sftp" ] && bad "an SFTP draft made drop folders" || ok
expect_exit 2 $E partner check coastal-sftp
expect_out "key file $h/keys/coastal-sftp_ed25519 does not exist .*ssh-keygen -t ed25519 -f $h/keys/coastal-sftp_ed25519"
expect_out 'partners coastal-sftp and coastal both claim ISA sender ZZ:COASTALWH'
# while both claim the sender, run serves neither
expect_exit 3 $E run
expect_err 'partner coastal not served: partners coastal and coastal-sftp both claim ISA sender ZZ:COASTALWH'
expect_err 'partner coastal-sftp not served'
rm "$h/partners/coastal-sftp.xml"

# ===== the retailer ===========================================================
r="$h/partners/harbor.xml"
expect_exit 0 $E partner new harbor --name "Harbor Mart" --from "$t/samples/HM_PO_7001.edi"
expect_out "wrote $r: a retailer \(from the samples' sets\), local transport, ISA sender ZZ:HARBORMART"
xsd_ok "$r"
has "$r" 'kind="retailer"'
has "$r" '<document direction="in" set="850" versions="004010"/>'
has "$r" '<document direction="out" set="856" versions="004010"/>'
has "$r" '<document direction="in" set="997" versions="004010"/>'
has "$r" '<inbox path="drop/harbor/in" pattern="\*\.edi"'
has "$r" '<codemap name="uom">'
expect_exit 0 $E partner check harbor; expect_out '^OK: 1 profile\(s\), 0 error\(s\)'
expect_exit 0 $E partner check; expect_out '^OK: 3 profile\(s\), 0 error\(s\)'   # bigretail, coastal, harbor
expect_exit 0 $E partner test harbor "$t/samples/HM_PO_7001.edi"
expect_out '1 canonical record\(s\)'; expect_out '^AK5\*A~$'; expect_out '^AK9\*A\*1\*1\*1~$'
cp "$t/samples/HM_PO_7001.edi" "$h/drop/harbor/in/"
touch -d '2024-01-09 12:00' "$h/drop/harbor/in/HM_PO_7001.edi"
expect_exit 0 $E partner test harbor --from-inbox
expect_out 'from the inbox: 1 file\(s\) would be taken; of the 1 tried, 1 accepted, 0 rejected'
expect_exit 0 $E run --partner harbor
expect_out '1 file\(s\) taken, 1 processed: 1 accepted, 0 partial, 0 rejected, 0 duplicate; 1 record\(s\), 1 ack\(s\)'
has "$h/drop/harbor/out/$(ls "$h/drop/harbor/out" | head -1)" '^AK5\*A~'
expect_exit 0 $E status --partner harbor; expect_no_out 'inbox:'   # nothing waits any more

echo "onboard: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
