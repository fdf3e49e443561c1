#!/bin/sh
# demo_outbound.sh - Part 5 of `make demo` (issue 18, docs/outbound.md):
# we send.  A home of its own (build/demo-outbound) with the shipped
# profiles of North Logistics (a 3PL over SFTP: a loopback OpenSSH sshd
# started and stopped here, as in Part 1; a local folder without one)
# and Big Retail (a retailer over a local folder).  On a fake clock
# (EDIGATE_NOW):
#   08:00  `edigate send` releases four 940 warehouse orders to North
#          Logistics (demo/outbound/northlog-orders.jsonl, one interchange
#          put on its SFTP server) and an 856 ASN to Big Retail
#          (demo/outbound/bigretail-asn.jsonl);
#   08:30  the partners answer: North Logistics' 997 accepts the 940s,
#          its 945 answers three of the four orders, one of them a short
#          shipment (6 of 24: beyond the profile's 2 % tolerance, so that
#          set is quarantined); Big Retail's 997 rejects the 856;
#   09:00  `edigate run` takes the answers and matches them to what we
#          sent;
#   13:00  `edigate sent list` / `sent show` and `status` show what is
#          acknowledged, rejected and overdue: the order without a 945
#          after the profile's 4 hours, the short-shipped one, the
#          rejected 856 with its code in plain words; `alerts check`
#          raises them.
# Then `edigate resend` sends the 856 again under new control numbers.
# The profiles are the shipped ones, pointed at the demo's folders and
# given the windows (<expect type="997" within="2h">, <sla><arrival
# set="945" after-sent="940" within="4h">).
# Exit 1 when something is not as described.
set -u
bin=${1:-./edigate}
cd "$(dirname "$0")/.." || exit 3
case "$bin" in /*) ;; *) bin="$(pwd)/${bin#./}" ;; esac
rule() { printf '\n== %s\n' "$*"; }
status=0
fail() { echo "demo: $*"; status=1; }

home=build/demo-outbound
sdir=
cleanup() { [ -n "$sdir" ] && sh tests/sftp/sshd.sh stop "$sdir" >/dev/null 2>&1; }
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -d "$home/sshd" ] && sh tests/sftp/sshd.sh stop "$(pwd)/$home/sshd" >/dev/null 2>&1
rm -rf "$home"
mkdir -p "$home/partners" "$home/drop/bigretail/in" "$home/drop/bigretail/out"
ln -s ../../edi "$home/edi"
ln -s ../../schemas "$home/schemas"
abs="$(pwd)/$home"
at() { EDIGATE_NOW=$(date -u -d "2024-01-09 $1" +%s); export EDIGATE_NOW; }

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null)
NORTHLOG_KEY_PASSPHRASE=demo-passphrase
export NORTHLOG_KEY_PASSPHRASE
mkdir -p "$home/sshd" "$home/keys" "$home/sftp/outbound/acme" "$home/sftp/inbound/acme"
if [ -n "$port" ] && [ -x "${SSHD:-/usr/sbin/sshd}" ] &&
	ssh-keygen -q -t ed25519 -N "$NORTHLOG_KEY_PASSPHRASE" -C edigate-demo \
		-f "$home/keys/northlog_ed25519" &&
	sh tests/sftp/sshd.sh start "$abs/sshd" "$port" $$; then
	sdir="$abs/sshd"
	cat "$home/keys/northlog_ed25519.pub" >>"$sdir/authorized_keys"
	printf '[127.0.0.1]:%s %s\n' "$port" \
		"$(cut -d' ' -f1,2 "$sdir/host_ed25519.pub")" >"$home/keys/known_hosts"
	nl_in=$abs/sftp/outbound/acme
	nl_out=$abs/sftp/inbound/acme
	nl_how="sftp://$(id -un)@127.0.0.1:$port"
else
	echo "demo: no sshd to start: North Logistics is served from a local folder"
	nl_in=$abs/drop/northlog/in
	nl_out=$abs/drop/northlog/out
	nl_how=local
	rm -rf "$home/sshd" "$home/keys" "$home/sftp"
	mkdir -p "$nl_in" "$nl_out"
fi
python3 - "$home/partners" "$nl_how" "${port:-22}" "$(id -un)" "$nl_in" \
	"$nl_out" <<'PY' || exit 3
import re, sys
dst, how, port, user, inbox, outbox = sys.argv[1:7]
windows = '    <expect type="997" within="2h"/>\n  </acknowledgements>'
s = open("partners/northlog.xml").read()
if how == "local":
    s = re.sub(r'<transport type="sftp">.*?</transport>', """<transport type="local">
    <inbox path="%s" pattern="*.945 *.x12 *.997"/>
    <outbox path="%s"/>
    <complete stable-for="30s"/>
    <after-pickup action="leave"/>
  </transport>""" % (inbox, outbox), s, flags=re.S)
else:
    s = s.replace('host="sftp.northlog.example" port="22" user="acmeapparel"',
                  'host="127.0.0.1" port="%s" user="%s"' % (port, user))
    s = s.replace('<inbox path="/outbound/acme" pattern="*.945 *.997"/>',
                  '<inbox path="%s" pattern="*.945 *.x12 *.997"/>' % inbox)
    s = s.replace('<outbox path="/inbound/acme"/>', '<outbox path="%s"/>' % outbox)
s = s.replace("  </acknowledgements>", windows, 1)
s = s.replace("</partner>", """  <sla tz="UTC" warn-before="1h">
    <arrival set="945" after-sent="940" within="4h"/>
  </sla>
</partner>""")
if "within=\"4h\"" not in s or (how != "local" and "127.0.0.1" not in s):
    sys.exit("demo: partners/northlog.xml is not what the demo expects")
open(dst + "/northlog.xml", "w").write(s)
s = open("partners/bigretail.xml").read()
s = s.replace("  </acknowledgements>", windows, 1)
open(dst + "/bigretail.xml", "w").write(s)
PY
E="$bin --home $home"

rule "Part 5: we send.  edigate partner check (the windows added)"
$E partner check || fail "partner check"
at 08:00
$E run --quiet >/dev/null 2>&1 # the spool
rule "08:00 edigate send: four 940 orders to North Logistics ($nl_how)"
$E send --partner northlog demo/outbound/northlog-orders.jsonl || fail "send northlog"
rule "08:00 edigate send: an 856 ASN to Big Retail"
$E send --partner bigretail demo/outbound/bigretail-asn.jsonl || fail "send bigretail"
echo "North Logistics' server, its inbound folder: $(ls "$nl_out" | tr '\n' ' ')"
nl_doc=$(ls "$nl_out" | head -1)
head -c 330 "$nl_out/$nl_doc"; echo "..."
$E validate "$nl_out/$nl_doc" | tail -1

# the partners answer, naming our GS06 (from the ledger)
gs() { $E sent list --partner "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"][0]["gs06"])'; }
nl_gs=$(gs northlog) br_gs=$(gs bigretail)
rule "08:30 the partners answer: North Logistics a 997 and a 945 (one set short), Big Retail a 997 rejecting the 856"
cp demo/inbound/northlog-advice-945.x12 "$nl_in/NL-945-0001.x12"
printf 'ISA*00*          *00*          *ZZ*NORTHLOGWHSE   *ZZ*ACMEAPPAREL    *240109*0830*U*00401*000500901*0*P*>~\nGS*FA*NORTHLOGWHSE*ACMEAPPAREL*20240109*0830*500901*X*004010~\nST*997*0001~\nAK1*OW*%s~\nAK9*A*4*4*4~\nSE*4*0001~\nGE*1*500901~\nIEA*1*000500901~\n' \
	"$nl_gs" >"$nl_in/NL-997-0001.997"
printf 'ISA*00*          *00*          *ZZ*BIGRETAILCO    *ZZ*ACMEAPPAREL    *240109*0830*U*00401*000700901*0*P*>~\nGS*FA*BIGRETAILCO*ACMEAPPAREL*20240109*0830*700901*X*004010~\nST*997*0001~\nAK1*SH*%s~\nAK2*856*0001~\nAK5*R*5~\nAK9*R*1*1*0~\nSE*6*0001~\nGE*1*700901~\nIEA*1*000700901~\n' \
	"$br_gs" >"$home/drop/bigretail/in/BR-997-0001.x12"
if [ "$nl_how" != local ]; then
	for f in "$nl_in"/*; do : >"$f.done"; done
fi
# there since 08:30 (stable-for is judged on the same clock)
touch -d '2024-01-09 08:30 UTC' "$nl_in"/* "$home"/drop/bigretail/in/*
at 09:00
rule "09:00 edigate run: the answers taken and matched to what we sent"
$E run
[ $? -eq 1 ] || fail "run: expected exit 1 (the short shipment quarantined)"
at 13:00
rule "13:00 edigate sent list: acknowledged, rejected, answered and overdue"
$E sent list
$E sent list --json >"$abs/sent.json"
python3 - "$abs/sent.json" <<'PY' || fail "sent list is not what the demo expects"
import json, sys
d = {x["partner"]: x for x in json.load(open(sys.argv[1]))["documents"]}
n, b = d["northlog"], d["bigretail"]
assert n["state"] == "acknowledged" and n["ack"] == "accepted", n
(a,) = n["answers"]
assert (a["expected"], a["answered"], a["state"]) == (4, 2, "overdue"), a
assert b["state"] == "acknowledged" and b["ack"] == "rejected", b
PY
id=$($E sent list --partner northlog --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"][0]["file_id"])')
rule "edigate sent show $id: every acknowledgement, each order's 945"
$E sent show "$id"
bid=$($E sent list --partner bigretail --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"][0]["file_id"])')
rule "edigate sent show $bid: Big Retail's rejection in plain words"
$E sent show "$bid"
rule "edigate quarantine list: the short shipment"
$E quarantine list
rule "edigate alerts check: the 945 windows of North Logistics"
$E alerts check
rule "edigate status"
$E status
rule "edigate resend $bid: the 856 again under new control numbers (Big Retail asked for it)"
$E resend "$bid" --reason "Big Retail rejected ISA 1; resent after their fix" || fail "resend"
ls "$home/drop/bigretail/out"
[ "$(ls "$home/drop/bigretail/out" | grep -c 856)" -eq 2 ] || fail "expected two 856 files in Big Retail's outbox"
if [ -n "$sdir" ]; then
	sh tests/sftp/sshd.sh stop "$sdir"
	sdir=
	echo "demo: North Logistics' sshd stopped"
fi
[ "$status" -eq 0 ] && echo "demo: outbound as expected (940s acknowledged, 2 of 4 answered, 1 overdue and 1 short; the 856 rejected and resent)"
exit "$status"
