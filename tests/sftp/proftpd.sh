#!/bin/sh
# proftpd.sh - a loopback ProFTPD with mod_sftp (Debian's proftpd-core and
# proftpd-mod-crypto) for the SFTP tests and benchmarks: the second kind
# of server partners run, beside OpenSSH (tests/sftp/sshd.sh).
#
#   sh tests/sftp/proftpd.sh start DIR PORT [OWNER]
#                                 start it in the foreground of a child
#                                 of ours (proftpd -n), its pid in
#                                 DIR/proftpd.pid; returns once it
#                                 listens on 127.0.0.1:PORT; with OWNER
#                                 (a pid) it is killed when that process
#                                 is gone (a crashed test leaves no
#                                 server behind)
#   sh tests/sftp/proftpd.sh stop DIR
#                                 kill that pid (TERM, then KILL; a
#                                 stopped server is continued first)
#
# DIR is the caller's scratch directory.  This script writes there:
#   host_ecdsa           the host key (made on first start; PEM, which is
#                        what ProFTPD 1.3.8 reads)
#   user_keys            the virtual user's authorized key, in RFC 4716
#                        form (ssh-keygen -e), from DIR/authorized_keys
#                        (OpenSSH form, which the caller fills)
#   passwd, group        the virtual user "partner" (uid and gid of
#                        nobody), home DIR/root, chrooted there
#   root/in, root/out    its inbound and outbound folders
#   proftpd.conf, proftpd.log, sftp.log, proftpd.pid
# DIR/proftpd_extra, when there, is appended inside the server's
# configuration (a test's AllowOverwrite, <Limit>, MaxStoreFileSize ...).
# DIR/quota_bytes, when there, sets a per-user byte quota (mod_quotatab
# with file tables; an upload over it is deleted after its close).
set -eu

usage() {
	echo "usage: $0 start DIR PORT [OWNER] | stop DIR" >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
PROFTPD=${PROFTPD:-/usr/sbin/proftpd}
MODS=${PROFTPD_MODULES:-/usr/lib/proftpd}

start() {
	port=$1
	[ -x "$PROFTPD" ] || { echo "proftpd.sh: no $PROFTPD" >&2; exit 1; }
	[ -f "$MODS/mod_sftp.so" ] ||
		{ echo "proftpd.sh: no $MODS/mod_sftp.so" >&2; exit 1; }
	[ -f "$dir/host_ecdsa" ] ||
		ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' \
			-C edigate-test-host -f "$dir/host_ecdsa"
	chmod 600 "$dir/host_ecdsa"
	touch "$dir/authorized_keys"
	: >"$dir/user_keys"
	# RFC 4716, one block per key: what SFTPAuthorizedUserKeys reads
	tmpk="$dir/.key.pub"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		printf '%s\n' "$line" >"$tmpk"
		ssh-keygen -e -f "$tmpk" >>"$dir/user_keys"
	done <"$dir/authorized_keys"
	rm -f "$tmpk"
	uid=$(id -u nobody)
	gid=$(id -g nobody)
	# the server reaches the chroot as nobody: DIR (and its parents,
	# the caller's) must be searchable
	chmod a+x "$dir"
	mkdir -p "$dir/root/in" "$dir/root/out"
	chown -R "$uid:$gid" "$dir/root"
	echo "partner:x:$uid:$gid:edigate test partner:$dir/root:/bin/false" \
		>"$dir/passwd"
	echo "partner:x:$gid:" >"$dir/group"
	chmod 600 "$dir/passwd" "$dir/group"
	chmod 644 "$dir/user_keys"
	quota=""
	if [ -f "$dir/quota_bytes" ]; then
		q=$(cat "$dir/quota_bytes")
		rm -f "$dir/ftpquota.limittab" "$dir/ftpquota.tallytab"
		( cd "$dir" &&
		  ftpquota --create-table --type=limit \
			--table-path="$dir/ftpquota.limittab" >/dev/null &&
		  ftpquota --create-table --type=tally \
			--table-path="$dir/ftpquota.tallytab" >/dev/null &&
		  ftpquota --add-record --type=limit --name=partner \
			--quota-type=user --bytes-upload="$q" --units=B \
			--table-path="$dir/ftpquota.limittab" >/dev/null )
		quota="yes"
	fi
	rm -f "$dir/proftpd.pid"
	{
		echo "ModulePath $MODS"
		echo "LoadModule mod_sftp.c"
		[ -n "$quota" ] && echo "LoadModule mod_quotatab.c"
		[ -n "$quota" ] && echo "LoadModule mod_quotatab_file.c"
		echo "ServerType standalone"
		echo "ServerName \"edigate test\""
		echo "DefaultServer on"
		echo "DefaultAddress 127.0.0.1"
		echo "SocketBindTight on"
		echo "UseIPv6 off"
		echo "UseReverseDNS off"
		echo "Port $port"
		echo "PidFile $dir/proftpd.pid"
		echo "ScoreboardFile $dir/proftpd.scoreboard"
		echo "DelayTable none"
		echo "WtmpLog off"
		echo "TransferLog none"
		echo "SystemLog $dir/proftpd.log"
		echo "User nobody"
		echo "Group nogroup"
		echo "MaxInstances 100"
		echo "Umask 022"
		echo "AuthOrder mod_auth_file.c"
		echo "AuthUserFile $dir/passwd"
		echo "AuthGroupFile $dir/group"
		echo "RequireValidShell off"
		echo "DefaultRoot ~"
		echo "SFTPEngine on"
		echo "SFTPLog $dir/sftp.log"
		echo "SFTPHostKey $dir/host_ecdsa"
		echo "SFTPAuthMethods publickey"
		echo "SFTPAuthorizedUserKeys file:$dir/user_keys"
		echo "SFTPCompression off"
		echo "TimeoutIdle 600"
		if [ -n "$quota" ]; then
			echo "QuotaEngine on"
			echo "QuotaLimitTable file:$dir/ftpquota.limittab"
			echo "QuotaTallyTable file:$dir/ftpquota.tallytab"
		fi
		[ -f "$dir/proftpd_extra" ] && cat "$dir/proftpd_extra"
		true
	} >"$dir/proftpd.conf"
	: >"$dir/proftpd.log"
	# -n: the foreground, so that the pid we keep is the server's
	"$PROFTPD" -n -q -c "$dir/proftpd.conf" </dev/null \
		>>"$dir/proftpd.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/proftpd.pid.ours"
	i=0
	until "${PY:-python3}" -c 'import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)
s.close()' "$port" 2>/dev/null; do
		i=$((i + 1))
		if ! kill -0 "$pid" 2>/dev/null || [ $i -gt 100 ]; then
			kill "$pid" 2>/dev/null || true
			echo "proftpd.sh: proftpd did not start; see $dir/proftpd.log" >&2
			tail -5 "$dir/proftpd.log" >&2
			exit 1
		fi
		sleep 0.05
	done
	if [ -n "${OWNER:-}" ]; then
		(
			while kill -0 "$OWNER" 2>/dev/null &&
				! grep -q '^[0-9]* (.*) Z' "/proc/$OWNER/stat" \
					2>/dev/null &&
				kill -0 "$pid" 2>/dev/null; do
				sleep 1
			done
			kill -CONT "$pid" 2>/dev/null
			kill "$pid" 2>/dev/null
		) </dev/null >/dev/null 2>&1 &
	fi
}

stop() {
	[ -s "$dir/proftpd.pid.ours" ] || exit 0
	pid=$(cat "$dir/proftpd.pid.ours")
	# a test may have stopped it (SIGSTOP): TERM waits for CONT
	kill -CONT "$pid" 2>/dev/null || true
	kill "$pid" 2>/dev/null || true
	i=0
	# a zombie is gone too (where init is slow to reap it)
	while kill -0 "$pid" 2>/dev/null &&
		! grep -q '^[0-9]* (.*) Z' "/proc/$pid/stat" 2>/dev/null &&
		[ $i -lt 60 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$dir/proftpd.pid.ours" "$dir/proftpd.pid"
}

case $cmd in
start)
	[ $# -ge 3 ] || usage
	OWNER=${4:-}
	start "$3"
	;;
stop)
	stop
	;;
*)
	usage
	;;
esac
