#!/bin/sh
# SFTP end to end: `edigate run` (the real pipeline) and `edigate partner
# probe` against real servers on 127.0.0.1 that this script starts and
# stops by their pid: OpenSSH's sshd (tests/sftp/sshd.sh) and ProFTPD
# with mod_sftp (tests/sftp/proftpd.sh: a chrooted virtual user, its key
# in RFC 4716 form).  One server of each kind serves every scenario
# here (each its own folders on it); tests/e2e/sftplib.sh has the
# servers, homes, fixtures, assertions and the runner.
#
# Scenarios, each on both kinds of server:
#   pull      files fetched, processed, 997s pushed to the remote outbox
#             byte for byte, the inbox cleaned up, nothing fetched twice
#   move      after-pickup move: kept bytes, a taken name becomes NAME.1
#   leave     after-pickup leave: no second fetch; another size or mtime
#             is a new delivery (a duplicate, acknowledged again)
#   grow      a file still growing: not taken within stable-for, later whole
#   gate      temp-suffix, done-files, exclude and dotfiles
#   probe     fields, --json, nothing left behind, a missing outbox, an
#             unknown host key and no known_hosts yet, exit codes
#   refuse    unknown host key, wrong client key, server down (status
#             FAILING), a changed host key: their class, nothing fetched
#   cutdown   the connection cut mid-download (tests/sftp/cutproxy.py),
#   cutup     mid-upload and in the clean-up: the next run completes
#             with nothing lost or doubled
#   retry     a cut session retried within the run
#   cap       the session cap held by another process: waits up to the
#             timeout, a connect fault, retried, then gives up
#   send      outbound (issue 18): `edigate send` puts a 940 in the
#             partner's remote outbox byte for byte as the expected file,
#             no temporary name left; with the server down the document
#             waits (exit 3) and the next run delivers it once; redeliver
#             puts the same bytes again
# and once (no server involved): usage  probe of an unknown partner,
# a local partner, no ID, --help.
# Then tests/e2e/sftp_servers.sh: each server's quirks and faults (no
# overwrite, refused renames, chmod and deletes, a quota, a size limit,
# client-alive checks, a stalled server, clean disconnects).
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/sftp.sh
# SFTP_KINDS="sshd" and SFTP_ONLY="pull probe" narrow it (sftplib.sh).
# POSIX sh; needs ssh-keygen and python3, and sshd and/or proftpd (a
# kind that is not installed is skipped, said so).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
tag=sftp
. "$here/sftplib.sh"

# the fixtures, made once for every kind
mk850 "$t/a.x12" 000000601 PO-A1
mk850 "$t/b.x12" 000000602 PO-B1
mkbig "$t/big.x12" 000000701 1000
big=$(wc -c <"$t/big.x12")
for n in 01 02 03 04 05 06 07 08 09 10; do
	mk850 "$t/s$n.x12" "0000008$n" "PO-S$n"
done
smalls="s01.x12 s02.x12 s03.x12 s04.x12 s05.x12 s06.x12 s07.x12 s08.x12 s09.x12 s10.x12"
all_accepted="big.x12:accepted $(for f in $smalls; do printf '%s:accepted ' "$f"; done)"

# one server of the kind for all scenarios
before_kind() { start_server main; }

sc_pull() {
	# --- pull, process, acknowledge, delete ----------------------------
	new_home pull
	drop "$t/a.x12" "$t/b.x12"
	expect_exit 0 $E run
	expect_out 'shopco: received a.x12 as [0-9]{8}-[0-9]{6}'
	expect_out 'shopco: sent shopco-997-'
	expect_out '2 file\(s\) taken, 2 processed: 2 accepted'
	expect_files "a.x12:accepted b.x12:accepted"
	expect_acks 2
	grep -l 'AK1\*PO\*601~' "$LOUT"/* >/dev/null && grep -l 'AK1\*PO\*602~' "$LOUT"/* >/dev/null &&
		ok || bad "a 997 for each file's group"
	grep -q 'AK9\*A\*1\*1\*1~' "$LOUT"/* && ok || bad "997s accept"
	expect_ls "$LIN" ""
	expect_clean_spool
	# the spool copy is what the server had
	python3 - "$t/files.json" "$t/a.x12" "$h/spool/archive/shopco" <<'PYEOF' && ok || bad "the fetched copy and its archive are the server's bytes"
import glob, gzip, hashlib, json, sys
f = [f for f in json.load(open(sys.argv[1]))["files"] if f["name"] == "a.x12"][0]
want = open(sys.argv[2], "rb").read()
assert f["sha256"] == hashlib.sha256(want).hexdigest(), "sha256"
arch = glob.glob("%s/*/%s.gz" % (sys.argv[3], f["id"]))
assert len(arch) == 1 and gzip.open(arch[0]).read() == want, arch
PYEOF
	# again: nothing new
	expect_exit 0 $E run
	expect_out '0 file\(s\) taken'
	expect_acks 2
}

sc_move() {
	# --- after-pickup move ------------------------------------------------
	new_home move
	ACTION=move profile
	mk850 "$t/c.x12" 000000611 PO-C1
	drop "$t/c.x12"
	expect_exit 0 $E run
	expect_ls "$LIN" ""
	expect_ls "$L/archive" "c.x12"
	cmp -s "$L/archive/c.x12" "$t/c.x12" && ok || bad "move: the bytes are kept"
	# the same name again: the archive keeps both
	# (another mtime: the ledger keys a pickup by path, size and mtime, and
	# this file has c.x12's size)
	mk850 "$t/c.x12" 000000612 PO-C2
	cp "$t/c.x12" "$LIN/c.x12"
	touch -d '2 hours ago' "$LIN/c.x12"
	own "$LIN"
	expect_exit 0 $E run
	expect_ls "$L/archive" "c.x12 c.x12.1"
	cmp -s "$L/archive/c.x12.1" "$t/c.x12" && ok || bad "move: a taken name becomes NAME.1"
	expect_files "c.x12:accepted c.x12:accepted"
	expect_acks 2
}

sc_leave() {
	# --- after-pickup leave ---------------------------------------------------
	new_home leave
	ACTION=leave profile
	mk850 "$t/d.x12" 000000621 PO-D1
	drop "$t/d.x12"
	expect_exit 0 $E run
	expect_out '1 file\(s\) taken'
	expect_ls "$LIN" "d.x12"
	expect_exit 0 $E run
	expect_out '0 file\(s\) taken'
	expect_files "d.x12:accepted"
	# the same name, another size: a new delivery
	mk850 "$LIN/d.x12" 000000622 PO-D2-LONGER
	touch -d '2 hours ago' "$LIN/d.x12"
	own "$LIN"
	expect_exit 0 $E run
	expect_out '1 file\(s\) taken, 1 processed: 1 accepted'
	# the same bytes, another mtime: fetched as new, found a duplicate
	touch -d '3 hours ago' "$LIN/d.x12"
	expect_exit 0 $E run
	expect_out '1 file\(s\) taken, 1 processed: 0 accepted, 0 partial, 0 rejected, 1 duplicate'
	expect_files "d.x12:accepted d.x12:accepted d.x12:duplicate"
	expect_exit 0 $E run
	expect_out '0 file\(s\) taken'
	expect_ls "$LIN" "d.x12"
	expect_acks 3   # the duplicate is acknowledged again (reacknowledge)
}

sc_grow() {
	# --- a file still growing ---------------------------------------------------
	new_home grow
	mk850 "$t/g.x12" 000000631 PO-G1
	head -c 300 "$t/g.x12" >"$LIN/g.x12"   # being written: mtime now
	own "$LIN"
	expect_exit 0 $E run
	expect_out '0 file\(s\) taken.*1 waiting to be complete'
	expect_ls "$LIN" "g.x12"
	expect_files ""
	cat "$t/g.x12" >"$LIN/g.x12"           # finished, still recent
	expect_exit 0 $E run
	expect_out '0 file\(s\) taken.*1 waiting'
	# a minute later by the run's clock it has been stable long enough
	EDIGATE_NOW=$(( $(date +%s) + 60 )) expect_exit 0 $E run
	expect_out '1 file\(s\) taken, 1 processed: 1 accepted'
	expect_files "g.x12:accepted"
	expect_ls "$LIN" ""
}

sc_gate() {
	# --- temp-suffix, done-files, exclude, dotfiles -----------------------------
	new_home gate
	INBOX='pattern="*" exclude="*.bak"'
	COMPLETE='stable-for="10s" done-suffix=".done" temp-suffix=".tmp"'
	profile
	for n in 1 2 3 4 5; do
		mk850 "$t/e$n.x12" "00000064$n" "PO-E$n"
	done
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
	expect_ls "$LIN" ".e5.x12 .e5.x12.done e2.x12 e3.x12.tmp e3.x12.tmp.done e4.bak e4.bak.done"
	# the writer finishes: e3 renamed, done-files appear
	mv "$LIN/e3.x12.tmp" "$LIN/e3.x12"
	rm "$LIN/e3.x12.tmp.done"
	: >"$LIN/e2.x12.done"
	: >"$LIN/e3.x12.done"
	own "$LIN"
	expect_exit 0 $E run
	expect_out '2 file\(s\) taken, 2 processed: 2 accepted'
	expect_files "e1.x12:accepted e2.x12:accepted e3.x12:accepted"
	expect_ls "$LIN" ".e5.x12 .e5.x12.done e4.bak e4.bak.done"
	expect_acks 3
}

sc_probe() {
	# --- the probe ------------------------------------------------------------------
	new_home probe
	mk850 "$t/e4.bak" 000000644 PO-E4
	drop "$t/a.x12" "$t/e4.bak"
	before_in=$(lsr "$LIN") before_out=$(lsr "$LOUT")
	expect_exit 0 $E partner probe shopco
	expect_out "^  host key +$hktype $rfpr trusted"
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
	expect_out '^  outbox rename +yes'
	expect_out '^OK: shopco'
	expect_exit 0 $E partner probe shopco --json
	json_ok "probe --json"
	python3 - "$t/out" "$fpr" "$R" "$port" "$hktype" "${hostkey%% *}" <<'PYEOF' && ok || bad "probe --json fields"
import json, sys
r = json.load(open(sys.argv[1]))
fpr, R, port, ktype, kname = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
assert r["connected"] is True and r["ok"] is True and r["failed"] == [], r
assert r["error"] is None
k = r["hostKey"]
assert k["type"] == ktype and k["fingerprint"] == fpr and k["trusted"] is True, k
assert k["knownHostsLine"].startswith("[127.0.0.1]:%d %s AAAA" % (port, kname)), k
assert r["kex"] and r["cipher"] and "publickey" in r["authMethods"]
assert r["sftpVersion"] == 3
assert "fsync@openssh.com" in r["extensions"] and "posix-rename@openssh.com" in r["extensions"]
assert r["fsync"] is True and r["posixRename"] is True and r["renameOver"] is False
assert r["inbox"] == {"path": R + "/in", "listed": True, "files": 2, "matching": 1, "error": None}, r["inbox"]
o = r["outbox"]
assert o["listed"] is True and o["writable"] is True and o["renamable"] is True and o["files"] == 0, o
# the inbox as run sees it: a.x12 to take, e4.bak excluded (ignored)
assert r["inboxFiles"]["take"] == 1 and r["inboxFiles"]["ignored"] == 1, r["inboxFiles"]
PYEOF
	# it changed nothing
	[ "$(lsr "$LIN")" = "$before_in" ] && [ "$(lsr "$LOUT")" = "$before_out" ] && ok ||
		bad "probe left something: in '$(lsr "$LIN")' out '$(lsr "$LOUT")'"
	[ ! -e "$h/spool" ] && ok || bad "probe made a spool"
	# the known_hosts line it prints is the one ssh-keygen gives
	grep -qF "$hostkey" "$t/out" && ok || bad "probe's known_hosts line is the server's key"
	expect_exit 0 $E partner probe shopco --inbox-files
	expect_out '^  inbox: 1 file\(s\) to take, 0 waiting to be complete, 0 still being written, 1 ignored'
	expect_out '^    take     a\.x12$'; expect_out '^    ignored  e4\.bak$'
	# an outbox that is not there: logged in, a check failed
	OUTBOX=nonexistent profile
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
	expect_out "^  host key +$hktype $rfpr NOT trusted"
	expect_out '^FAILED: shopco: no session \(host-key\)'
	expect_err "sftp host-key: partner shopco: \\[127.0.0.1\\]:$port is not in .*known_empty: it offered $hktype key $rfpr"
	expect_err "host-key=\"$rfpr\""
	grep -qF "[127.0.0.1]:$port $hostkey" "$t/err" && ok || bad "probe prints the known_hosts line to add"
	expect_exit 3 $E partner probe shopco --json
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert not r["connected"] and r["error"]["class"]=="host-key" and r["hostKey"]["fingerprint"]==sys.argv[2] and r["hostKey"]["trusted"] is False' "$t/out" "$fpr" &&
		ok || bad "probe --json for an unknown key"
	[ "$(lsr "$LIN")" = "$before_in" ] && ok || bad "a refused probe touched the inbox"
	# no known_hosts file yet (onboarding): the same refusal, with the key to add
	KNOWN="$t/keys/not_made_yet" profile
	expect_exit 3 $E partner probe shopco
	expect_err "it offered $hktype key $rfpr"
	grep -qF "[127.0.0.1]:$port $hostkey" "$t/err" && ok || bad "probe prints the known_hosts line to add (no file yet)"
}

sc_usage() {
	# --- probe usage and a local partner: no server involved ------------
	if [ "$kind" != "${KINDS%% *}" ] && [ -z "${SFTP_ONLY:-}" ]; then
		skip "no server involved (usage, a local partner): run once, on ${KINDS%% *}"
		return
	fi
	new_home usage
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
	# the help names the rename check (a probe file renamed to a new name)
	expect_out 'renamed to a new name'
	expect_out 'outbox-rename'
	expect_out 'cannot be renamed'
	expect_exit 0 $E partner --help
	expect_out 'renamed to a new name'
}

sc_refuse() {
	# --- refused: unknown host key, wrong client key, down, changed host key --
	new_home refuse
	drop "$t/a.x12"
	KNOWN="$t/keys/known_empty" profile
	expect_exit 3 $E run
	expect_err "partner shopco: sftp host-key: .*is not in .*it offered $hktype key $rfpr"
	KEY="$t/keys/id_other" profile
	expect_exit 3 $E run
	expect_err "partner shopco: sftp auth: .*refused user $user"
	P=$(free_port) profile
	expect_exit 3 $E run
	expect_err 'partner shopco: sftp connect: .*Connection refused'
	expect_files ""
	expect_ls "$LIN" "a.x12"
	expect_ls "$LOUT" ""
	# the server is down: the partner is failing (exit 3), not merely
	# needing a look
	expect_exit 3 $E status
	expect_out 'shopco .*FAILING: last run failed: .*sftp connect'
	# the server gets a new host key
	profile
	server_down
	_k=${hk%.pub}
	mv "$_k" "$t/hostkey.orig"
	mv "$hk" "$t/hostkey.orig.pub"
	server_up || return
	newfpr=$(ssh-keygen -lf "$hk" | cut -d' ' -f2)
	rnew=$(re "$newfpr")
	[ "$newfpr" != "$fpr" ] && ok || bad "a new host key"
	expect_exit 3 $E run
	expect_err "partner shopco: sftp host-key: the host key for \\[127.0.0.1\\]:$port has changed: it offered $hktype key $rnew"
	expect_exit 3 $E partner probe shopco
	expect_out "^  host key +$hktype $rnew NOT trusted"
	expect_err "$rnew"
	expect_files ""
	expect_ls "$LIN" "a.x12"
	# the old key back: everything goes through
	server_down
	mv "$t/hostkey.orig" "$_k"
	mv "$t/hostkey.orig.pub" "$hk"
	server_up || return
	expect_exit 0 $E run
	expect_files "a.x12:accepted"
	expect_acks 1
}

# --- the connection cut mid-download, mid-upload and mid-clean-up ----------
# cutproxy.py between edigate and the server cuts the stream once N bytes
# went one way; the next run, direct, must finish the job: each file
# exactly one final state, each ack exactly once, nothing temporary left.
drop_all() {
	drop "$t/big.x12"
	for f in $smalls; do drop "$t/$f"; done
}
# cut_case NAME N COUNT [EXIT]: the cut run through the proxy in the
# current home (its output in $t/cut.out), then the profile points at
# the server again
cut_case() {
	proxy_up "$2" cut "$3"
	P=$pport profile
	expect_exit "${4:-3}" $E run
	expect_out 'sftp connect: partner shopco: .*connection lost'
	proxy_down
	cp "$t/out" "$t/cut.out"
	[ -n "${DEBUG:-}" ] && { echo "== cut $1 $2 $3 (measured up ${up:-})"; cat "$t/out"; }
	P=$port profile
}
# the run after a cut, direct: nothing lost, nothing doubled
cut_recovered() {
	expect_exit 0 $E run
	expect_files "$all_accepted"
	expect_acks 11
	expect_ls "$LIN" ""
	expect_clean_spool
}

sc_cutdown() {
	# Mid-download: half-way into the big file, fetched first.
	new_home cutdown
	drop_all
	cut_case cutdown $((big / 2)) down
	grep -q 'cannot fetch big.x12: sftp connect' "$t/cut.out" && ok ||
		bad "cut in big.x12's download"
	expect_files ""
	[ "$(lsr "$LIN")" = "big.x12 $smalls" ] && ok || bad "the inbox is untouched"
	cmp -s "$LIN/big.x12" "$t/big.x12" && ok || bad "the server's file is untouched"
	expect_clean_spool
	cut_recovered
	expect_out '11 file\(s\) taken, 11 processed: 11 accepted'
}

# Uploads and clean-ups.  How many bytes go up while files are fetched
# varies from run to run (how libssh2 batches its reads), so these runs
# fetch nothing: a first run, direct, takes and processes every file but
# can neither deliver (no outbox: the partner's run stops there) nor
# clean up (move-to under a file, should it get that far); the cut run
# only pushes the 11 acks (the big one first) and deletes.
# The first prep_push of a kind makes the home and keeps a copy of it
# and of its server folders (at rest: no process has them open); the
# later ones put that copy back, the same paths, instead of taking and
# processing the 11 files again.
prep_push() {
	if [ ! -d "$t/push-$kind.home" ]; then
		new_home push
		drop_all
		OUTBOX=nonexistent ACTION=move MOVETO=in/s01.x12/sub profile
		$E run >"$t/prep.out" 2>&1
		if grep -q "cannot create $R/nonexistent/" "$t/prep.out" &&
			[ "$(lsr "$LIN")" = "big.x12 $smalls" ]; then ok
		else bad "prep: nothing delivered or cleaned up"; sed 's/^/    /' "$t/prep.out" | tail -3; fi
		cp -a "$h" "$t/push-$kind.home"
		cp -a "$L" "$t/push-$kind.srv"
	else
		new_home push
		rm -rf "$h" "$L"
		cp -a "$t/push-$kind.home" "$h"
		cp -a "$t/push-$kind.srv" "$L"
	fi
	expect_files "$all_accepted"
	[ "$(lsr "$LIN")" = "big.x12 $smalls" ] && [ -z "$(lsr "$LOUT")" ] && ok ||
		bad "prep: the inbox holds '$(lsr "$LIN")', the outbox '$(lsr "$LOUT")'"
}
sc_cutup() {
	# measure: the bytes up in a run with nothing to do (handshake,
	# login, list), then in a run that pushes and cleans up everything
	new_home cutm0
	proxy_up 1000000000000 cut both
	P=$pport profile
	expect_exit 0 $E run
	proxy_down
	set -- $(proxy_log)
	up0=${2:-0}
	prep_push
	proxy_up 1000000000000 cut both
	P=$pport profile
	expect_exit 0 $E run
	proxy_down
	set -- $(proxy_log)
	up=${2:-0}
	acksz=$(wc -c <"$h/spool/out/shopco/acks/shopco-997-000000002.x12")
	[ -n "${DEBUG:-}" ] && echo "== measured: up0 $up0 up $up big ack $acksz"
	if [ "$acksz" -gt 20000 ] && [ "$up" -gt $((up0 + acksz)) ]; then ok
	else bad "measured: up $up0 then $up, big ack $acksz bytes"; fi
	P=$port profile
	cut_recovered

	# mid-upload: half-way into the big 997
	prep_push
	cut_case cutup $((up0 + acksz / 2)) up
	grep -q 'cannot deliver shopco-997-000000002.x12: sftp connect: partner shopco: cannot write .*/\.shopco-997-000000002\.x12\.part' "$t/cut.out" &&
		ok || bad "cut in the big ack's upload"
	expect_ls "$LOUT" ".shopco-997-000000002.x12.part"
	cut_recovered
	expect_out '0 file\(s\) taken'
	expect_out 'sent shopco-997-000000002.x12'

	# in the clean-up (11 x stat and remove, some 2 kB, then goodbye);
	# the lost session fails the partner's run (exit 3), and the
	# clean-ups left are done by the next run
	prep_push
	cut_case cutpost $((up - 1000)) up
	if grep -q 'clean-up of .* failed: sftp connect' "$t/cut.out" &&
		[ "$(grep -c '^shopco: sent ' "$t/cut.out")" -eq 11 ]; then ok
	else bad "cut 1000 bytes before the end is in the clean-up"; fi
	expect_acks 11
	[ -n "$(lsr "$LIN")" ] && ok || bad "some clean-up left for the next run"
	cut_recovered
	expect_out '0 file\(s\) taken, 0 processed'
}

sc_retry() {
	# --- retries within a run ---------------------------------------------
	# The first connection is cut half-way into the big file; with
	# retries the run opens a new session after a wait and finishes.
	new_home retry
	drop_all
	CUTPROXY_FIRST=1 proxy_up $((big / 2)) cut down
	RETRIES=2 P=$pport profile
	expect_exit 0 $E run
	proxy_down
	expect_out 'shopco: cannot fetch big.x12: sftp connect: .*connection lost'
	expect_out 'shopco: sftp connect: .*connection lost.*; trying again in [0-9.]+ s \(retry 1 of 2\)'
	expect_out '11 file\(s\) taken, 11 processed: 11 accepted.*11 ack\(s\); 1 session\(s\) retried'
	expect_files "$all_accepted"
	expect_acks 11
	expect_ls "$LIN" ""
	expect_clean_spool
	[ "$(wc -l <"$t/proxy.log")" -eq 2 ] && ok || bad "two sessions, the first cut"
}

sc_cap() {
	# --- a session cap of one, held by another process ------------------
	# The run waits for the slot up to the timeout (2 s here), fails as
	# a connect fault, retries, then gives up; once free, it goes.
	new_home cap
	drop "$t/a.x12"
	RETRIES=1 TIMEOUT=2s profile
	mkdir -p "$h/spool/locks"
	# exec: $! is the holder itself (see proxy_up)
	(exec "$PY" -c 'import fcntl, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$h/spool/locks/shopco.session.0" "$t/capheld") &
	bg_pid=$!
	i=0
	while [ ! -f "$t/capheld" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	expect_exit 3 $E run
	expect_err 'all 1 session\(s\) in use \(max-sessions\); waited 2s'
	expect_out 'trying again in'
	expect_files ""
	kill "$bg_pid" 2>/dev/null
	wait "$bg_pid" 2>/dev/null
	bg_pid=
	rm -f "$t/capheld"
	expect_exit 0 $E run
	expect_files "a.x12:accepted"
	expect_acks 1
}

sc_send() {
	# --- outbound: canonical records to a 940 over SFTP ----------------
	new_home send
	mkdir -p "$L/tplin" "$L/tplout"
	own "$L"
	awk -v blk="  <transport type=\"sftp\">
    <sftp host=\"127.0.0.1\" port=\"$P\" user=\"$user\" key-file=\"$KEY\"
          known-hosts=\"$KNOWN\" timeout=\"$TIMEOUT\" retries=\"0\"/>
    <inbox path=\"$R/tplin\" pattern=\"*.x12\"/>
    <outbox path=\"$R/tplout\"/>
    <complete stable-for=\"10s\"/>
    <after-pickup action=\"leave\"/>
  </transport>" '
		/<transport type="local">/ { print blk; skip = 1; next }
		skip && /<\/transport>/ { skip = 0; next }
		!skip' "$root/tests/fixtures/outbound/home/partners/tpl.xml" \
		>"$h/partners/tpl.xml"
	ofx="$root/tests/fixtures/outbound"
	EDIGATE_NOW=2024-01-09 expect_exit 0 $E send --partner tpl "$ofx/orders.jsonl"
	expect_out 'delivered 1 document\(s\) to tpl'
	expect_ls "$L/tplout" "tpl-940-000000001.x12"
	cmp -s "$ofx/expected/tpl-940-000000001.x12" "$L/tplout/tpl-940-000000001.x12" &&
		ok || bad "the 940 on the server is not the expected file"
	# the server is down: recorded, not delivered (exit 3), sent once later
	printf '%s\n' '{"recordType":"WarehouseOrder","purpose":"original","orderNumber":"S-2","shipTo":{"name":"X"},"lines":[{"lineNumber":"1","sku":"S","quantityOrdered":{"value":1,"uom":"EA"}}]}' >"$t/s2.jsonl"
	server_down
	EDIGATE_NOW=2024-01-09 expect_exit 3 $E send --partner tpl "$t/s2.jsonl"
	expect_err 'cannot deliver to tpl now \(the next run tries again\)'
	server_up
	EDIGATE_NOW=2024-01-09 expect_exit 0 $E run --partner tpl
	expect_out 'sent tpl-940-000000002.x12'
	expect_ls "$L/tplout" "tpl-940-000000001.x12 tpl-940-000000002.x12"
	EDIGATE_NOW=2024-01-09 expect_exit 0 $E run --partner tpl
	expect_no_out 'sent tpl-940'
	# the partner lost the first: the exact bytes again
	rm "$L/tplout/tpl-940-000000001.x12"
	expect_exit 0 $E redeliver 20240109-000001 --reason "lost on their side"
	cmp -s "$ofx/expected/tpl-940-000000001.x12" "$L/tplout/tpl-940-000000001.x12" &&
		ok || bad "redeliver over SFTP changed the bytes"
	expect_ls "$L/tplout" "tpl-940-000000001.x12 tpl-940-000000002.x12"
}

run_kinds "pull move leave grow gate probe usage refuse cutdown cutup retry cap send"

# every acknowledgement this test made us write is valid X12 (strict)
check_our_acks "$t"
echo "sftp: $pass passed, $fail failed"
r=0
[ "$fail" -eq 0 ] || r=1
# the kinds of server partners run (sshd and ProFTPD), their quirks and
# faults: tests/e2e/sftp_servers.sh
sh "$here/sftp_servers.sh" || r=1
exit $r
