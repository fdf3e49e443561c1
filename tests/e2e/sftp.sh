#!/bin/sh
# SFTP end to end: `edigate run` (the real pipeline) and `edigate partner
# probe` against a real OpenSSH sshd on 127.0.0.1 that this script starts
# (tests/sftp/sshd.sh) and stops.  Client key ed25519 (ssh-keygen);
# known_hosts written from the server's host key.
#
# Covered: pull (files fetched, processed, 997s pushed to the remote
# outbox byte for byte, inbox cleaned up), post-actions (delete, move,
# leave: no second fetch, a changed file is new), a growing file (not
# taken within stable-for, taken later, whole), temp-suffix, done-files,
# exclude and dotfiles, refusals (unknown and changed host key, wrong
# client key, server down) with their class and nothing fetched, the
# connection cut mid-download and mid-upload (tests/sftp/cutproxy.py)
# then a run that completes with nothing lost or doubled, and the probe
# (fields, --json, nothing left behind, exit codes).  Then
# tests/e2e/sftp_servers.sh: the same against sshd and ProFTPD with each
# server's quirks (no overwrite, refused renames, chmod and deletes, a
# quota, a size limit, client-alive checks, a stalled server).
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/sftp.sh
# POSIX sh; needs /usr/sbin/sshd, ssh-keygen and python3 (skips without).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
SSHD_SH="$root/tests/sftp/sshd.sh"
PROXY="$root/tests/sftp/cutproxy.py"

for tool in /usr/sbin/sshd ssh-keygen python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "sftp: skip: $tool not found"
		exit 0
	fi
done

t=$(mktemp -d)
srv="$t/srv"
proxy_pid=
cleanup() {
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
	sh "$SSHD_SH" stop "$srv" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
pass=0 fail=0
. "$here/lib.sh"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- the server, the client key, known_hosts ----------------------------
mkdir -p "$srv" "$t/keys"
user=$(id -un)
ssh-keygen -q -t ed25519 -N '' -C edigate-e2e -f "$t/keys/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C edigate-e2e-other -f "$t/keys/id_other"
cp "$t/keys/id_ed25519.pub" "$srv/authorized_keys"
port=$(free_port)
pport=$(free_port)
if ! sh "$SSHD_SH" start "$srv" "$port" $$ >"$t/sshd.out" 2>&1; then
	echo "sftp: skip: sshd could not be started:"
	sed 's/^/    /' "$t/sshd.out" "$srv/sshd.log" 2>/dev/null | tail -5
	exit 0
fi
hostkey=$(cut -d' ' -f1,2 "$srv/host_ed25519.pub")
fpr=$(ssh-keygen -lf "$srv/host_ed25519.pub" | cut -d' ' -f2)
# a fingerprint in a grep -E pattern: base64 has + and /
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }
rfpr=$(re "$fpr")
# the proxy's port is another "host" to known_hosts
printf '[127.0.0.1]:%s %s\n[127.0.0.1]:%s %s\n' "$port" "$hostkey" \
	"$pport" "$hostkey" >"$t/keys/known_hosts"
: >"$t/keys/known_empty"

# --- homes ------------------------------------------------------------------
# new_home NAME: a home with partner shopco over SFTP; its server folders
# are $R/in, $R/out, $R/archive.  The profile is written by profile().
new_home() {
	h="$t/$1"
	R="$srv/$1"
	rm -rf "$h" "$R"
	mkdir -p "$h/partners" "$R/in" "$R/out"
	ln -s "$root/edi" "$h/edi"
	ln -s "$root/schemas" "$h/schemas"
	E="$bin --home $h"
	P=$port KEY="$t/keys/id_ed25519" KNOWN="$t/keys/known_hosts"
	ACTION=delete COMPLETE='stable-for="10s"' INBOX='pattern="*.x12"'
	profile
}
# Write $h/partners/shopco.xml: the map test's shopco with an SFTP
# transport made of $P, $KEY, $KNOWN, $INBOX, $COMPLETE and $ACTION.
profile() {
	python3 - "$fx/home/partners/shopco.xml" "$h/partners/shopco.xml" <<EOF
import re, sys
s = open(sys.argv[1]).read()
t = '''<transport type="sftp">
    <sftp host="127.0.0.1" port="$P" user="$user" key-file="$KEY"
          known-hosts="$KNOWN" timeout="5s" retries="${RETRIES:-0}"
          retry-wait="1s" retry-max-wait="2s"/>
    <inbox path="$R/in" $INBOX/>
    <outbox path="$R/${OUTBOX:-out}"/>
    <complete $COMPLETE/>
    <after-pickup action="$ACTION"$([ "$ACTION" = move ] && echo " move-to=\"$R/${MOVETO:-archive}\"")/>
  </transport>'''
s = re.sub(r'<transport type="local">.*?</transport>', t, s, flags=re.S)
open(sys.argv[2], "w").write(s)
EOF
}
# An 850 like 850-good with another ISA13/GS06 and PO number.
mk850() { # OUT ISA13 PO
	python3 - "$fx/850-good.x12" "$1" "$2" "$3" <<'EOF'
import sys
src, out, isa, po = sys.argv[1:5]
s = open(src).read()
s = s.replace("000000501", isa).replace("PO-9001", po)
gs = str(int(isa))
s = s.replace("*501*X*", "*%s*X*" % gs).replace("GE*1*501", "GE*1*" + gs)
open(out, "w").write(s)
EOF
}
# An 850 interchange of N sets (each its own PO): big both ways, the
# file we fetch and the 997 we send back.
mkbig() { # OUT ISA13 N
	python3 - "$fx/850-good.x12" "$1" "$2" "$3" <<'EOF'
import sys
src, out, isa, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
segs = [s.strip("\n") for s in open(src).read().split("~") if s.strip("\n")]
i = next(k for k, s in enumerate(segs) if s.startswith("ST*"))
j = next(k for k, s in enumerate(segs) if s.startswith("SE*"))
gs = str(int(isa))
o = [s.replace("000000501", isa).replace("*501*X*", "*%s*X*" % gs)
     for s in segs[:i]]
for k in range(1, n + 1):
    for s in segs[i:j + 1]:
        s = s.replace("PO-9001", "PO-%s-%d" % (isa, k))
        if s.startswith("ST*"):
            s = "ST*850*%04d" % k
        if s.startswith("SE*"):
            s = "SE*%s*%04d" % (s.split("*")[1], k)
        o.append(s)
o += ["GE*%d*%s" % (n, gs), "IEA*1*" + isa]
open(out, "w").write("~\n".join(o) + "~\n")
EOF
}
# Put files in the remote inbox, an hour old (complete by stable-for).
drop() {
	for f in "$@"; do
		cp "$f" "$R/in/"
		touch -d '1 hour ago' "$R/in/$(basename "$f")"
	done
}
# What a folder holds, dotfiles too, one line: "a b .c"
lsr() { (cd "$1" 2>/dev/null && ls -A | tr '\n' ' ' | sed 's/ $//'); }
expect_ls() { # DIR WANT
	got=$(lsr "$1")
	if [ "$got" = "$2" ]; then ok; else bad "$1 holds '$got', want '$2'"; fi
}
# expect_files "a.x12:accepted b.x12:duplicate": the ledger's files, every
# one, as `edigate files --json` lists them (name:state, any order).
expect_files() {
	$E files --json --limit 1000 >"$t/files.json" 2>/dev/null ||
		echo '{"files":[]}' >"$t/files.json"
	if python3 - "$t/files.json" "$1" <<'EOF'
import json, sys
got = sorted("%s:%s" % (f["name"], f["state"])
             for f in json.load(open(sys.argv[1]))["files"])
want = sorted(sys.argv[2].split())
if got != want:
    print("    files: got %s, want %s" % (" ".join(got), " ".join(want)))
    sys.exit(1)
EOF
	then ok; else bad "files in the ledger"; fi
}
# Every ack in the remote outbox is byte for byte the spool's copy, each
# once, and every ack in the spool was delivered; no temporary names.
expect_acks() { # N
	n=0 okk=1
	for f in "$R/out"/* "$R/out"/.[!.]*; do
		[ -e "$f" ] || continue
		b=$(basename "$f")
		n=$((n + 1))
		cmp -s "$f" "$h/spool/out/shopco/acks/$b" || { okk=0; echo "    $b differs from the spool's"; }
	done
	s=$(ls "$h/spool/out/shopco/acks" 2>/dev/null | wc -l)
	if [ "$okk" = 1 ] && [ "$n" -eq "$1" ] && [ "$s" -eq "$1" ]; then ok
	else bad "acks: $n in the outbox, $s in the spool, want $1 each: $(lsr "$R/out")"; fi
}
# Nothing of ours left half-done in the spool.
expect_clean_spool() {
	if [ -z "$(ls -A "$h/spool/in/shopco" 2>/dev/null)" ] &&
		[ -z "$(ls -A "$h/spool/work" 2>/dev/null)" ]; then ok
	else bad "spool/in or spool/work not empty: $(lsr "$h/spool/in/shopco") / $(lsr "$h/spool/work")"; fi
}

# --- 1. pull, process, acknowledge, delete ----------------------------------
new_home pull
mk850 "$t/a.x12" 000000601 PO-A1
mk850 "$t/b.x12" 000000602 PO-B1
drop "$t/a.x12" "$t/b.x12"
expect_exit 0 $E run
expect_out 'shopco: received a.x12 as [0-9]{8}-[0-9]{6}'
expect_out 'shopco: sent shopco-997-'
expect_out '2 file\(s\) taken, 2 processed: 2 accepted'
expect_files "a.x12:accepted b.x12:accepted"
expect_acks 2
grep -l 'AK1\*PO\*601~' "$R/out"/* >/dev/null && grep -l 'AK1\*PO\*602~' "$R/out"/* >/dev/null &&
	ok || bad "a 997 for each file's group"
grep -q 'AK9\*A\*1\*1\*1~' "$R/out"/* && ok || bad "997s accept"
expect_ls "$R/in" ""
expect_clean_spool
# the spool copy is what the server had
A=$(python3 -c 'import json,sys; print([f["id"] for f in json.load(open(sys.argv[1]))["files"] if f["name"]=="a.x12"][0])' "$t/files.json")
[ "$(python3 -c 'import json,sys; print([f["sha256"] for f in json.load(open(sys.argv[1]))["files"] if f["name"]=="a.x12"][0])' "$t/files.json")" = \
	"$(sha256sum "$t/a.x12" | cut -d' ' -f1)" ] && ok || bad "sha256 of the fetched copy"
arch=$(ls "$h/spool/archive/shopco"/*/"$A.gz" 2>/dev/null)
gzip -dc "$arch" 2>/dev/null | cmp -s - "$t/a.x12" && ok || bad "archive of a.x12 is the server's bytes"
# again: nothing new
expect_exit 0 $E run
expect_out '0 file\(s\) taken'
expect_acks 2

# --- 2. post-actions: move, leave ---------------------------------------------
new_home move
ACTION=move profile
mk850 "$t/c.x12" 000000611 PO-C1
drop "$t/c.x12"
expect_exit 0 $E run
expect_ls "$R/in" ""
expect_ls "$R/archive" "c.x12"
cmp -s "$R/archive/c.x12" "$t/c.x12" && ok || bad "move: the bytes are kept"
# the same name again: the archive keeps both
# (another mtime: the ledger keys a pickup by path, size and mtime, and
# this file has c.x12's size)
mk850 "$t/c.x12" 000000612 PO-C2
cp "$t/c.x12" "$R/in/c.x12"
touch -d '2 hours ago' "$R/in/c.x12"
expect_exit 0 $E run
expect_ls "$R/archive" "c.x12 c.x12.1"
cmp -s "$R/archive/c.x12.1" "$t/c.x12" && ok || bad "move: a taken name becomes NAME.1"
expect_files "c.x12:accepted c.x12:accepted"
expect_acks 2

new_home leave
ACTION=leave profile
mk850 "$t/d.x12" 000000621 PO-D1
drop "$t/d.x12"
expect_exit 0 $E run
expect_out '1 file\(s\) taken'
expect_ls "$R/in" "d.x12"
expect_exit 0 $E run
expect_out '0 file\(s\) taken'
expect_files "d.x12:accepted"
# the same name, another size: a new delivery
mk850 "$R/in/d.x12" 000000622 PO-D2-LONGER
touch -d '2 hours ago' "$R/in/d.x12"
expect_exit 0 $E run
expect_out '1 file\(s\) taken, 1 processed: 1 accepted'
# the same bytes, another mtime: fetched as new, found a duplicate
touch -d '3 hours ago' "$R/in/d.x12"
expect_exit 0 $E run
expect_out '1 file\(s\) taken, 1 processed: 0 accepted, 0 partial, 0 rejected, 1 duplicate'
expect_files "d.x12:accepted d.x12:accepted d.x12:duplicate"
expect_exit 0 $E run
expect_out '0 file\(s\) taken'
expect_ls "$R/in" "d.x12"
expect_acks 3   # the duplicate is acknowledged again (reacknowledge)

# --- 3. a file still growing ---------------------------------------------------
new_home grow
mk850 "$t/g.x12" 000000631 PO-G1
head -c 300 "$t/g.x12" >"$R/in/g.x12"   # being written: mtime now
expect_exit 0 $E run
expect_out '0 file\(s\) taken.*1 waiting to be complete'
expect_ls "$R/in" "g.x12"
expect_files ""
cat "$t/g.x12" >"$R/in/g.x12"           # finished, still recent
expect_exit 0 $E run
expect_out '0 file\(s\) taken.*1 waiting'
# a minute later by the run's clock it has been stable long enough
EDIGATE_NOW=$(( $(date +%s) + 60 )) expect_exit 0 $E run
expect_out '1 file\(s\) taken, 1 processed: 1 accepted'
expect_files "g.x12:accepted"
expect_ls "$R/in" ""

# --- 4. temp-suffix, done-files, exclude, dotfiles -----------------------------
new_home gate
INBOX='pattern="*" exclude="*.bak"'
COMPLETE='stable-for="10s" done-suffix=".done" temp-suffix=".tmp"'
profile
mk850 "$t/e1.x12" 000000641 PO-E1
mk850 "$t/e2.x12" 000000642 PO-E2
mk850 "$t/e3.x12" 000000643 PO-E3
mk850 "$t/e4.x12" 000000644 PO-E4
mk850 "$t/e5.x12" 000000645 PO-E5
cp "$t/e3.x12" "$t/e3.x12.tmp"
cp "$t/e4.x12" "$t/e4.bak"
cp "$t/e5.x12" "$t/.e5.x12"
: >"$t/e1.x12.done"
: >"$t/e3.x12.tmp.done"
: >"$t/e4.bak.done"
: >"$t/.e5.x12.done"
drop "$t/e1.x12" "$t/e1.x12.done" "$t/e2.x12" "$t/e3.x12.tmp" \
	"$t/e3.x12.tmp.done" "$t/e4.bak" "$t/e4.bak.done" "$t/.e5.x12" "$t/.e5.x12.done"
expect_exit 0 $E run
expect_out '1 file\(s\) taken.*1 waiting'   # e1 taken; e2 waits for its done-file
expect_files "e1.x12:accepted"
expect_ls "$R/in" ".e5.x12 .e5.x12.done e2.x12 e3.x12.tmp e3.x12.tmp.done e4.bak e4.bak.done"
# the writer finishes: e3 renamed, done-files appear
mv "$R/in/e3.x12.tmp" "$R/in/e3.x12"
rm "$R/in/e3.x12.tmp.done"
: >"$R/in/e2.x12.done"
: >"$R/in/e3.x12.done"
expect_exit 0 $E run
expect_out '2 file\(s\) taken, 2 processed: 2 accepted'
expect_files "e1.x12:accepted e2.x12:accepted e3.x12:accepted"
expect_ls "$R/in" ".e5.x12 .e5.x12.done e4.bak e4.bak.done"
expect_acks 3

# --- 5. the probe ------------------------------------------------------------------
new_home probe
drop "$t/a.x12" "$t/e4.bak"
before_in=$(lsr "$R/in") before_out=$(lsr "$R/out")
expect_exit 0 $E partner probe shopco
expect_out "^  host key +ED25519 $rfpr trusted"
expect_out '^  key exchange +[a-z0-9]'
expect_out '^  cipher +[a-z0-9]'
expect_out '^  auth methods +.*publickey.*: logged in as '
expect_out '^  sftp version +3$'
expect_out '^  extensions +.*posix-rename@openssh.com'
expect_out '^  fsync +yes'
expect_out '^  posix-rename +yes'
expect_out '^  rename over +no'
expect_out "^  inbox +$R/in: listed, 2 file\\(s\\), 1 matching the pattern"
expect_out "^  outbox +$R/out: listed, 0 file\\(s\\)"
expect_out '^  outbox write +yes'
expect_out '^OK: shopco'
expect_exit 0 $E partner probe shopco --json
json_ok "probe --json"
python3 - "$t/out" "$fpr" "$R" "$port" <<'EOF' && ok || bad "probe --json fields"
import json, sys
r = json.load(open(sys.argv[1]))
fpr, R, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
assert r["connected"] is True and r["ok"] is True and r["failed"] == [], r
assert r["error"] is None
k = r["hostKey"]
assert k["type"] == "ED25519" and k["fingerprint"] == fpr and k["trusted"] is True
assert k["knownHostsLine"].startswith("[127.0.0.1]:%d ssh-ed25519 AAAA" % port)
assert r["kex"] and r["cipher"] and "publickey" in r["authMethods"]
assert r["sftpVersion"] == 3
assert "fsync@openssh.com" in r["extensions"] and "posix-rename@openssh.com" in r["extensions"]
assert r["fsync"] is True and r["posixRename"] is True and r["renameOver"] is False
assert r["inbox"] == {"path": R + "/in", "listed": True, "files": 2, "matching": 1, "error": None}, r["inbox"]
assert r["outbox"]["listed"] is True and r["outbox"]["writable"] is True and r["outbox"]["files"] == 0
# the inbox as run sees it: a.x12 to take, e4.bak excluded (ignored)
assert r["inboxFiles"]["take"] == 1 and r["inboxFiles"]["ignored"] == 1, r["inboxFiles"]
EOF
# it changed nothing
[ "$(lsr "$R/in")" = "$before_in" ] && [ "$(lsr "$R/out")" = "$before_out" ] && ok ||
	bad "probe left something: in '$(lsr "$R/in")' out '$(lsr "$R/out")'"
[ ! -e "$h/spool" ] && ok || bad "probe made a spool"
# the known_hosts line it prints is the one ssh-keygen gives
grep -qF "$hostkey" "$t/out" && ok || bad "probe's known_hosts line is the server's key"
expect_exit 0 $E partner probe shopco --inbox-files
expect_out '^  inbox: 1 file\(s\) to take, 0 waiting to be complete, 0 still being written, 1 ignored'
expect_out '^    take     a\.x12$'; expect_out '^    ignored  e4\.bak$'
# an outbox that is not there: logged in, a check failed
sed -i "s#<outbox path=\"[^\"]*\"#<outbox path=\"$R/nonexistent\"#" "$h/partners/shopco.xml"
expect_exit 1 $E partner probe shopco
expect_out '^  outbox +.*cannot be listed: sftp not-found'
expect_out '^  outbox write +no: sftp not-found'
expect_out '^FAILED: shopco: logged in; failed: outbox-list outbox-write'
expect_exit 1 $E partner probe shopco --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["connected"] and not r["ok"] and r["failed"]==["outbox-list","outbox-write"]' "$t/out" &&
	ok || bad "probe --json failed checks"
# an unknown host key: no session, the fingerprint and how to trust it
KNOWN="$t/keys/known_empty" profile
expect_exit 3 $E partner probe shopco
expect_out "^  host key +ED25519 $rfpr NOT trusted"
expect_out '^FAILED: shopco: no session \(host-key\)'
expect_err "sftp host-key: partner shopco: \\[127.0.0.1\\]:$port is not in .*known_empty: it offered ED25519 key $rfpr"
expect_err "host-key=\"$rfpr\""
grep -qF "[127.0.0.1]:$port $hostkey" "$t/err" && ok || bad "probe prints the known_hosts line to add"
expect_exit 3 $E partner probe shopco --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert not r["connected"] and r["error"]["class"]=="host-key" and r["hostKey"]["fingerprint"]==sys.argv[2] and r["hostKey"]["trusted"] is False' "$t/out" "$fpr" &&
	ok || bad "probe --json for an unknown key"
[ "$(lsr "$R/in")" = "$before_in" ] && ok || bad "a refused probe touched the inbox"
# no known_hosts file yet (onboarding): the same refusal, with the key to add
KNOWN="$t/keys/not_made_yet" profile
expect_exit 3 $E partner probe shopco
expect_err "it offered ED25519 key $rfpr"
grep -qF "[127.0.0.1]:$port $hostkey" "$t/err" && ok || bad "probe prints the known_hosts line to add (no file yet)"
# usage: no such partner, a local partner, no ID
expect_exit 2 $E partner probe nosuch
expect_err "no partner 'nosuch' \(no .*nosuch.xml\); the partners are"
cp "$fx/home/partners/depot.xml" "$h/partners/depot.xml"
# a local partner: probe lists its inbox, as run would see it
expect_exit 3 $E partner probe depot
expect_out 'inbox not listed: .*depot'
mkdir -p "$h/drop/depot/in"
expect_exit 0 $E partner probe depot
expect_out '^OK: depot: a local folder, listed'
expect_exit 2 $E partner probe
expect_exit 0 $E partner probe --help
expect_out 'Exit codes of probe'

# --- 6. refused: unknown host key, wrong client key, changed host key, down ----------
new_home refuse
drop "$t/a.x12"
KNOWN="$t/keys/known_empty" profile
expect_exit 3 $E run
expect_err "partner shopco: sftp host-key: .*is not in .*it offered ED25519 key $rfpr"
KNOWN="$t/keys/known_hosts" KEY="$t/keys/id_other" profile
expect_exit 3 $E run
expect_err "partner shopco: sftp auth: .*refused user $user"
P=$(free_port) profile
expect_exit 3 $E run
expect_err 'partner shopco: sftp connect: .*Connection refused'
expect_files ""
expect_ls "$R/in" "a.x12"
expect_ls "$R/out" ""
# the server is down: the partner is failing (exit 3), not merely
# needing a look
expect_exit 3 $E status
expect_out 'shopco .*FAILING: last run failed: .*sftp connect'
# the server gets a new host key
profile
sh "$SSHD_SH" stop "$srv"
mv "$srv/host_ed25519" "$t/host_ed25519.orig"
mv "$srv/host_ed25519.pub" "$t/host_ed25519.orig.pub"
sh "$SSHD_SH" start "$srv" "$port" $$
newfpr=$(ssh-keygen -lf "$srv/host_ed25519.pub" | cut -d' ' -f2)
rnew=$(re "$newfpr")
[ "$newfpr" != "$fpr" ] && ok || bad "a new host key"
expect_exit 3 $E run
expect_err "partner shopco: sftp host-key: the host key for \\[127.0.0.1\\]:$port has changed: it offered ED25519 key $rnew"
expect_exit 3 $E partner probe shopco
expect_out "^  host key +ED25519 $rnew NOT trusted"
expect_err "$rnew"
expect_files ""
expect_ls "$R/in" "a.x12"
# the old key back: everything goes through
sh "$SSHD_SH" stop "$srv"
mv "$t/host_ed25519.orig" "$srv/host_ed25519"
mv "$t/host_ed25519.orig.pub" "$srv/host_ed25519.pub"
sh "$SSHD_SH" start "$srv" "$port" $$
expect_exit 0 $E run
expect_files "a.x12:accepted"
expect_acks 1

# --- 7. the connection cut mid-download and mid-upload -----------------------------
# cutproxy.py between edigate and sshd cuts the stream once N bytes went
# one way; the next run, direct, must finish the job: each file exactly
# one final state, each ack exactly once, nothing temporary left.
proxy_start() { # N COUNT
	rm -f "$t/proxy.out"
	CUTPROXY_LOG="$t/proxy.log" python3 "$PROXY" "$pport" "$port" "$1" cut "$2" \
		>"$t/proxy.out" 2>&1 &
	proxy_pid=$!
	i=0
	while ! grep -q ready "$t/proxy.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { bad "cutproxy did not start"; break; }
		sleep 0.05
	done
}
proxy_stop() {
	kill "$proxy_pid" 2>/dev/null
	wait "$proxy_pid" 2>/dev/null
	proxy_pid=
}
# "up U down D" of the proxy's last connection, once it has logged it
proxy_bytes() {
	i=0
	while [ ! -s "$t/proxy.log" ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.02
	done
	tail -1 "$t/proxy.log"
}
mkbig "$t/big.x12" 000000701 1000
big=$(wc -c <"$t/big.x12")
for n in 01 02 03 04 05 06 07 08 09 10; do
	mk850 "$t/s$n.x12" "0000008$n" "PO-S$n"
done
smalls="s01.x12 s02.x12 s03.x12 s04.x12 s05.x12 s06.x12 s07.x12 s08.x12 s09.x12 s10.x12"
all_accepted="big.x12:accepted $(for f in $smalls; do printf '%s:accepted ' "$f"; done)"
drop_all() {
	drop "$t/big.x12"
	for f in $smalls; do drop "$t/$f"; done
}
# cut_case NAME N COUNT [EXIT]: the cut run through the proxy in the
# current home (its output in $t/cut.out), then the profile points at
# sshd again
cut_case() {
	P=$pport profile
	rm -f "$t/proxy.log"
	proxy_start "$2" "$3"
	expect_exit "${4:-3}" $E run
	expect_out 'sftp connect: partner shopco: .*connection lost'
	proxy_stop
	cp "$t/out" "$t/cut.out"
	[ -n "${DEBUG:-}" ] && { echo "== cut $1 $2 $3 (measured up ${up:-})"; cat "$t/out"; }
	P=$port profile
}
# the run after a cut, direct: nothing lost, nothing doubled
cut_recovered() {
	expect_exit 0 $E run
	expect_files "$all_accepted"
	expect_acks 11
	expect_ls "$R/in" ""
	expect_clean_spool
}

# Mid-download: half-way into the big file, fetched first.
new_home cutdown
drop_all
cut_case cutdown $((big / 2)) down
grep -q 'cannot fetch big.x12: sftp connect' "$t/cut.out" && ok ||
	bad "cut in big.x12's download"
expect_files ""
[ "$(lsr "$R/in")" = "big.x12 $smalls" ] && ok || bad "the inbox is untouched"
cmp -s "$R/in/big.x12" "$t/big.x12" && ok || bad "the server's file is untouched"
expect_clean_spool
cut_recovered
expect_out '11 file\(s\) taken, 11 processed: 11 accepted'

# Uploads and clean-ups.  How many bytes go up while files are fetched
# varies from run to run (how libssh2 batches its reads), so these runs
# fetch nothing: a first run, direct, takes and processes every file but
# can neither deliver (no outbox: the partner's run stops there) nor
# clean up (move-to under a file, should it get that far);
# the cut run only pushes the 11 acks (the big one first) and deletes.
prep_push() { # NAME
	new_home "$1"
	drop_all
	OUTBOX=nonexistent ACTION=move MOVETO=in/s01.x12/sub profile
	$E run >"$t/prep.out" 2>&1
	if grep -q "cannot create $R/nonexistent/" "$t/prep.out" &&
		[ "$(lsr "$R/in")" = "big.x12 $smalls" ]; then ok
	else bad "prep: nothing delivered or cleaned up"; sed 's/^/    /' "$t/prep.out" | tail -3; fi
	expect_files "$all_accepted"
}
# measure: the bytes up in a run with nothing to do (handshake, login,
# list), then in a run that pushes and cleans up everything
new_home cutm0
P=$pport profile
rm -f "$t/proxy.log"
proxy_start 1000000000000 both
expect_exit 0 $E run
proxy_stop
set -- $(proxy_bytes)
up0=${2:-0}
prep_push cutm
P=$pport profile
rm -f "$t/proxy.log"
proxy_start 1000000000000 both
expect_exit 0 $E run
proxy_stop
set -- $(proxy_bytes)
up=${2:-0}
acksz=$(wc -c <"$h/spool/out/shopco/acks/shopco-997-000000002.x12")
[ -n "${DEBUG:-}" ] && echo "== measured: up0 $up0 up $up big ack $acksz"
if [ "$acksz" -gt 20000 ] && [ "$up" -gt $((up0 + acksz)) ]; then ok
else bad "measured: up $up0 then $up, big ack $acksz bytes"; fi
P=$port profile
cut_recovered

# mid-upload: half-way into the big 997
prep_push cutup
cut_case cutup $((up0 + acksz / 2)) up
grep -q 'cannot deliver shopco-997-000000002.x12: sftp connect: partner shopco: cannot write .*/\.shopco-997-000000002\.x12\.part' "$t/cut.out" &&
	ok || bad "cut in the big ack's upload"
expect_ls "$R/out" ".shopco-997-000000002.x12.part"
cut_recovered
expect_out '0 file\(s\) taken'
expect_out 'sent shopco-997-000000002.x12'
# in the clean-up (11 x stat and remove, some 2 kB, then goodbye); the
# lost session fails the partner's run (exit 3), and the clean-ups left
# are done by the next run
prep_push cutpost
cut_case cutpost $((up - 1000)) up
if grep -q 'clean-up of .* failed: sftp connect' "$t/cut.out" &&
	[ "$(grep -c '^shopco: sent ' "$t/cut.out")" -eq 11 ]; then ok
else bad "cut 1000 bytes before the end is in the clean-up"; fi
expect_acks 11
[ -n "$(lsr "$R/in")" ] && ok || bad "some clean-up left for the next run"
cut_recovered
expect_out '0 file\(s\) taken, 0 processed'

# --- 8. retries within a run -------------------------------------------------
# The first connection is cut half-way into the big file; with retries
# the run opens a new session after a wait and finishes the job itself.
new_home retry
drop_all
RETRIES=2 P=$pport profile
rm -f "$t/proxy.log"
CUTPROXY_FIRST=1 proxy_start $((big / 2)) down
expect_exit 0 $E run
proxy_stop
expect_out 'shopco: cannot fetch big.x12: sftp connect: .*connection lost'
expect_out 'shopco: sftp connect: .*connection lost.*; trying again in [0-9.]+ s \(retry 1 of 2\)'
expect_out '11 file\(s\) taken, 11 processed: 11 accepted.*11 ack\(s\); 1 session\(s\) retried'
expect_files "$all_accepted"
expect_acks 11
expect_ls "$R/in" ""
expect_clean_spool
[ "$(wc -l <"$t/proxy.log")" -eq 2 ] && ok || bad "two sessions, the first cut"
P=$port profile

# A session cap of one, held by another process: the run waits for the
# slot up to the timeout, fails as a connect fault, retries, then gives up.
new_home cap
drop_all
RETRIES=1 profile
mkdir -p "$h/spool/locks"
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$h/spool/locks/shopco.session.0" "$t/capheld" &
capper=$!
i=0
while [ ! -f "$t/capheld" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect_exit 3 $E run
expect_err 'all 1 session\(s\) in use'
expect_out 'trying again in'
expect_files ""
kill "$capper" 2>/dev/null
wait "$capper" 2>/dev/null
expect_exit 0 $E run
expect_files "$all_accepted"

# every acknowledgement this test made us write is valid X12 (strict)
check_our_acks "$t"
echo "sftp: $pass passed, $fail failed"
r=0
[ "$fail" -eq 0 ] || r=1
# the kinds of server partners run (sshd and ProFTPD), their quirks and
# faults: tests/e2e/sftp_servers.sh
sh "$here/sftp_servers.sh" || r=1
exit $r
