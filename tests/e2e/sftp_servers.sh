#!/bin/sh
# SFTP end to end against the kinds of server partners run: OpenSSH's
# sshd (tests/sftp/sshd.sh) and ProFTPD with mod_sftp (tests/sftp/
# proftpd.sh: chrooted virtual user, RFC 4716 user key).  Each scenario
# runs the real `edigate run` / `partner probe` against both, on
# 127.0.0.1 ports this script picks, with each server's own configuration
# for the scenario; every server is stopped by its pid on exit.
#
# Scenarios (both kinds unless said):
#   pull, process, push, delete; sessions end with a clean disconnect
#     (the server's log has no "Broken pipe" / reset over 10 sessions)
#   a cut upload's leftover .part (ProFTPD: AllowOverwrite off, its
#     default) does not block the next delivery
#   refused renames: the probe fails on outbox-rename; the run's
#     delivery fails alone, of the permission class, not retried
#   refused chmod: the probe passes, deliveries go
#   a full disk (a 16 kB tmpfs on the outbox; root only) and, ProFTPD
#     only, a quota (mod_quotatab deletes the upload after its close)
#     and a size limit (MaxStoreFileSize): a failed delivery of that
#     ack, permission class, no .part left, the count of acks sent
#     true, the inbox still cleaned up
#   a file gone between listing and fetch: skipped alone, noted, the
#     rest of the batch taken
#   client-alive checks (sshd ClientAliveInterval, ProFTPD
#     SFTPClientAlive) during long processing: the push still goes, no
#     failed session
#   a stalled server (SIGSTOP) and a server silent mid-session: a
#     timeout error after the configured time, within 20 %
#   a clean-up refused run after run: `status` and `status --json` show
#     it from the profile's attention-after on
#
# Scenarios with the servers' default configuration (basic, vanish,
# stall; leftover on sshd) share one server of each kind, each in its
# own folders; the others start a server configured for them.  The
# servers, homes, fixtures and assertions: tests/e2e/sftplib.sh.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/sftp_servers.sh
# SFTP_ONLY="stall alive" runs only those scenarios (sc_NAME below).
# SFTP_KINDS="sshd proftpd" picks the kinds (a kind whose server is not
# installed is skipped, said so).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
tag=sftp-servers
. "$here/sftplib.sh"

# shared_server: the server of the kind with its default configuration,
# started once and used by the scenarios that need nothing else.
shared_server() {
	[ -n "$srv" ] && [ "$srv" = "$t/$kind-shared" ] && return 0
	start_server shared
}
# log_mark, then server_log_since: what the server logged in between.
log_mark() { _mark=$(server_log | wc -c); }
server_log_since() { server_log | tail -c +$((_mark + 1)); }

sc_basic() {
	# --- pull, process, push, delete; clean disconnects -----------------
	shared_server || return
	log_mark
	new_home basic
	mk850 "$t/a.x12" 000000701 PO-A7
	mk850 "$t/b.x12" 000000702 PO-B7
	drop "$t/a.x12" "$t/b.x12"
	expect_exit 0 $E run
	expect_out '2 file\(s\) taken, 2 processed: 2 accepted'
	expect_files "a.x12:accepted b.x12:accepted"
	expect_acks 2
	expect_ls "$LIN" ""
	expect_exit 0 $E partner probe shopco
	expect_out 'outbox rename +yes'
	expect_out '^OK: shopco'
	# ten more sessions: none ends in a reset on the server's side.
	# ProFTPD logs "Broken pipe" when the client closes before reading
	# its last replies (closing without the drain after the SSH
	# disconnect failed this on ProFTPD in 2 runs of 2); sshd stops at
	# the client's disconnect message and logs nothing either way, so
	# there this is only a guard against other resets.
	i=0
	while [ $i -lt 5 ]; do
		$E run >/dev/null 2>&1
		$E partner probe shopco >/dev/null 2>&1
		i=$((i + 1))
	done
	sleep 0.3
	if server_log_since | grep -qiE 'broken pipe|reset by peer|connection reset'; then
		bad "the server logged a reset for a clean session:"
		server_log_since | grep -iE 'broken pipe|reset' | head -3 | sed 's/^/    /'
	else ok; fi
}

sc_vanish() {
	# --- a file gone between listing and fetch --------------------------
	shared_server || return
	new_home vanish
	head -c 16000000 /dev/zero | tr '\0' 'x' >"$t/a-big.x12"
	mk850 "$t/b-gone.x12" 000000711 PO-G1
	mk850 "$t/c.x12" 000000712 PO-C7
	drop "$t/a-big.x12" "$t/b-gone.x12" "$t/c.x12"
	# b goes once the fetch of a (first by name) has begun
	(
		i=0
		while [ $i -lt 400 ]; do
			if ls -A "$h/spool/in/shopco" 2>/dev/null | grep -q '^\.fetch-'; then
				rm -f "$LIN/b-gone.x12"
				exit 0
			fi
			sleep 0.01
			i=$((i + 1))
		done
	) &
	bg_pid=$!
	$E run >"$t/out" 2>"$t/err"
	wait "$bg_pid"
	bg_pid=
	expect_out 'cannot fetch b-gone.x12: .*gone since it was listed; skipped'
	expect_out 'received c.x12'
	expect_no_out 'sftp not-found'
	expect_files "a-big.x12:rejected c.x12:accepted"
	expect_ls "$LIN" ""
}

sc_leftover() {
	# --- a cut upload's leftover, on a server that does not overwrite ----
	# (ProFTPD's default is AllowOverwrite off; sshd always overwrites)
	shared_server || return
	if [ "$kind" = proftpd ] &&
		grep -qi '^ *AllowOverwrite *on' "$srv/proftpd.conf"; then
		bad "the shared ProFTPD allows overwriting (test set-up)"
	fi
	new_home leftover
	mkbig "$t/big.x12" 000000721 1000
	drop "$t/big.x12"
	proxy_up 20000 cut up
	P=$pport profile
	# the cut may come in the pull or the push: run until the push was
	# cut, leaving a .part behind
	expect_exit 3 $E run
	proxy_down
	P=$port profile
	if [ -z "$(ls -A "$LOUT" | grep '\.part$')" ]; then
		bad "the cut upload left no .part (test set-up)"
	else ok; fi
	expect_exit 0 $E run
	expect_acks 1
	expect_ls "$LIN" ""
}

sc_norename() {
	# --- refused renames -------------------------------------------------
	if [ "$kind" = proftpd ]; then
		start_server norename '<Directory ~/norename/out>
  <Limit RNFR RNTO>
    DenyAll
  </Limit>
</Directory>' || return
	else
		SFTP_SERVER_FLAGS="-P rename,posix-rename@openssh.com" \
			start_server norename || return
	fi
	new_home norename
	expect_exit 1 $E partner probe shopco
	expect_out 'outbox write +yes'
	expect_out 'outbox rename +no: no delivery can be published'
	expect_out 'FAILED: shopco: logged in; failed: outbox-rename'
	expect_ls "$LOUT" ""
	$E partner probe shopco --json >"$t/out" 2>/dev/null
	json_ok "probe json"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["failed"]==["outbox-rename"] and d["outbox"]["renamable"] is False and d["outbox"]["renameError"] else 1)' "$t/out" &&
		ok || bad "probe --json: outbox-rename"
	mk850 "$t/a.x12" 000000731 PO-R1
	drop "$t/a.x12"
	RETRIES=2 profile
	$E run >"$t/out" 2>"$t/err"
	expect_out 'cannot deliver shopco-997-.*sftp permission'
	expect_no_out 'trying again'
	expect_acks 0 1
	expect_ls "$LIN" ""
	expect_ls "$LOUT" ""
	stop_server
}

sc_nochmod() {
	# --- refused chmod ---------------------------------------------------
	if [ "$kind" = proftpd ]; then
		start_server nochmod '<Limit SITE_CHMOD>
  DenyAll
</Limit>' || return
	else
		SFTP_SERVER_FLAGS="-P setstat,fsetstat" start_server nochmod || return
	fi
	new_home nochmod
	expect_exit 0 $E partner probe shopco
	expect_out 'outbox write +yes'
	mk850 "$t/a.x12" 000000741 PO-M1
	drop "$t/a.x12"
	expect_exit 0 $E run
	expect_acks 1
	stop_server
}

sc_limits() {
	# --- a full disk (both), a quota and a size limit (ProFTPD) ----------
	# OpenSSH has no quota or size limit of its own; a full disk needs a
	# small tmpfs mounted on the outbox (root).
	_limits=disk
	[ "$kind" = proftpd ] && _limits="quota size disk"
	_skips=
	for limit in $_limits; do
		case $limit in
		quota) QUOTA=20000 start_server quota || return ;;
		size) start_server size 'MaxStoreFileSize 20000 B' || return ;;
		disk) shared_server || return ;;
		esac
		new_home "$limit"
		if [ $limit = disk ]; then
			# 16 kB: the small acks fit, the big one does not
			if [ "$(id -u)" = 0 ] &&
				mount -t tmpfs -o size=16k,mode=0755 tmpfs "$LOUT" 2>/dev/null; then
				mnt=$LOUT
				own "$LOUT"
			else
				_skips="disk (needs root to mount a small tmpfs)"
				continue
			fi
		fi
		mk850 "$t/a.x12" 000000751 PO-Q1
		mkbig "$t/b.x12" 000000752 1000
		mk850 "$t/c.x12" 000000753 PO-Q3
		drop "$t/a.x12" "$t/b.x12" "$t/c.x12"
		RETRIES=2 profile
		expect_exit 3 $E run
		expect_no_out 'trying again'
		if [ $limit = quota ]; then
			expect_out 'cannot deliver shopco-997-.*: sftp permission: .*removed by the server .*quota'
		elif [ $limit = disk ] && [ "$kind" = proftpd ]; then
			# ProFTPD takes a short write on a full disk for a
			# whole one: the size of the upload tells
			expect_out 'cannot deliver shopco-997-.*: sftp permission: .*kept [0-9]+ of its [0-9]+ bytes without a refusal'
		else
			expect_out 'cannot deliver shopco-997-.*: sftp permission: .*refused the bytes'
		fi
		# that one ack failed, not the partner; 3 made
		expect_out '3 ack\(s\); 1 file\(s\) and 0 partner\(s\) failed'
		# a and c delivered, b's big 997 not; no .part left
		expect_acks 2 1
		expect_ls "$LIN" ""
		# the ledger's count: 2 sent, 1 pending
		$E status --json >"$t/out" 2>/dev/null
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["partners"][0]; sys.exit(0 if d["acksPending"]==1 and d["acksSentToday"]==2 else 1)' "$t/out" &&
			ok || bad "$limit: status: $(head -c 300 "$t/out")"
		if [ $limit = disk ]; then
			umount "$mnt" && mnt=
		else
			stop_server
		fi
	done
	if [ -n "$_skips" ]; then
		[ "$kind" = sshd ] && skip "$_skips; OpenSSH has no quota or size limit of its own"
		[ "$kind" = proftpd ] && echo "$tag: proftpd limits: skip $_skips"
	fi
	return 0
}

sc_alive() {
	# --- client-alive checks during long processing -----------------------
	if [ "$kind" = proftpd ]; then
		start_server alive 'SFTPClientAlive 1 1' || return
	else
		start_server alive 'ClientAliveInterval 1
ClientAliveCountMax 1' || return
	fi
	new_home alive
	# processing must outlast the servers' ~2 s of patience: a file's
	# processing is made to take 4 s more (a pause where it is
	# validated; a big file's time shrank as the mapper got faster)
	mk850 "$t/alive.x12" 000000761 PO-A1
	drop "$t/alive.x12"
	a0=$(now_ms)
	expect_exit 0 env EDIGATE_CRASH_AT='after-validate~4000' $E run
	a1=$(now_ms)
	expect_out '1 file\(s\) taken, 1 processed: 1 accepted'
	expect_no_out 'retried|trying again|cannot deliver'
	expect_acks 1
	expect_ls "$LIN" ""
	# the server did drop the first session while edigate processed
	if server_log | grep -qiE 'client not responding|client alive threshold'; then ok
	else bad "the server never dropped the idle session (processing took $((a1 - a0)) ms): the scenario tested nothing"; fi
	stop_server
}

sc_stall() {
	# --- stalled server --------------------------------------------------
	# 6 s: libssh2 counts whole seconds (a wait may end up to 1 s early),
	# so 20 % holds from 5 s on.
	# The time the client waited is measured by the proxy in between
	# (accept or stall to the client's goodbye): the client's own
	# start-up, slow on a loaded machine, does not count.
	shared_server || return
	new_home stall
	mk850 "$t/a.x12" 000000771 PO-S1
	drop "$t/a.x12"
	spid=$(server_pid)
	# SIGSTOP: the kernel still accepts the connection; no banner comes
	proxy_up 100000000 cut both
	TIMEOUT=6s P=$pport profile
	kill -STOP "$spid"
	expect_exit 3 $E run
	kill -CONT "$spid"
	set -- $(proxy_log)
	proxy_down
	expect_err 'sftp timeout: .*no answer within 6 s'
	expect_near "${6:-0}" 6000 "stopped server: time to the timeout"
	# silent mid-session: the proxy stops forwarding once 40 kB came
	# down (the listing is done, the 1 MB fetch under way)
	head -c 1000000 /dev/zero | tr '\0' 'y' >"$LIN/z.x12"
	touch -d '1 hour ago' "$LIN/z.x12"
	own "$LIN"
	proxy_up 40000 stall down
	TIMEOUT=6s P=$pport profile
	expect_exit 3 $E run
	set -- $(proxy_log)
	proxy_down
	expect_err 'sftp timeout: .*no answer within 6 s'
	expect_near "${8:-0}" 6000 "silent server mid-session: time to the timeout"
}

sc_nodelete() {
	# --- a clean-up refused run after run ----------------------------------
	if [ "$kind" = proftpd ]; then
		start_server nodelete '<Directory ~/nodelete/in>
  <Limit DELE>
    DenyAll
  </Limit>
</Directory>' || return
	else
		SFTP_SERVER_FLAGS="-P remove" start_server nodelete || return
	fi
	new_home nodelete
	ATTN='attention-after="2"' profile
	mk850 "$t/a.x12" 000000781 PO-D1
	drop "$t/a.x12"
	expect_exit 0 $E run
	expect_out 'clean-up of .*a.x12 failed \(retried next run\): sftp permission'
	expect_exit 0 $E status
	expect_no_out 'clean-up refused'
	expect_exit 0 $E run
	expect_out 'clean-up of .*a.x12 refused 2 times: needs attention'
	expect_exit 1 $E status
	expect_out "shopco .*clean-up refused again and again for 1 file\(s\)"
	$E status --json >"$t/out" 2>/dev/null
	json_ok "status json"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["partners"][0]["cleanupRefused"]; sys.exit(0 if d["files"]==1 and d["lastPath"].endswith("a.x12") and "permission" in d["lastError"] else 1)' "$t/out" &&
		ok || bad "status --json cleanupRefused: $(head -c 400 "$t/out")"
	# the partner allows it again: done, nothing to see
	stop_server
	expect_files "a.x12:accepted"
}

# the shared server's scenarios first
run_kinds "basic vanish stall leftover norename nochmod limits alive nodelete"

echo "sftp-servers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
