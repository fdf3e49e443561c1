#!/bin/sh
# sshd.sh - a loopback OpenSSH sshd for the SFTP tests (and demos).
#
#   sh tests/sftp/sshd.sh start DIR PORT [OWNER]
#                                          start it, detached; returns once
#                                          it listens on 127.0.0.1:PORT; with
#                                          OWNER (a pid), it is stopped when
#                                          that process is gone (a crashed
#                                          test leaves no server behind)
#   sh tests/sftp/sshd.sh stop DIR         stop it (the pid in DIR/sshd.pid)
#
# DIR is a scratch directory of the caller's: the server's host key
# (DIR/host_ed25519, made on first start), its authorized keys
# (DIR/authorized_keys, which the caller fills), sshd_config, sshd.pid and
# sshd.log all live there.  SFTP is internal-sftp without chroot: the
# caller uses absolute paths under DIR.  $SFTP_SERVER_FLAGS, when set,
# go to internal-sftp (e.g. "-P rename" refuses renames).  Works as root (login as root by
# key or password) and as any other user (sshd then logs in only that
# user, and needs no privilege separation).
set -eu

usage() {
	echo "usage: $0 start DIR PORT [OWNER] | stop DIR" >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
SSHD=${SSHD:-/usr/sbin/sshd}

case $cmd in
start)
	[ $# -ge 3 ] || usage
	port=$3
	[ -x "$SSHD" ] || { echo "sshd.sh: no $SSHD" >&2; exit 1; }
	[ -f "$dir/host_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C edigate-test-host \
			-f "$dir/host_ed25519"
	touch "$dir/authorized_keys"
	rm -f "$dir/sshd.pid"
	{
		echo "ListenAddress 127.0.0.1:$port"
		echo "HostKey $dir/host_ed25519"
		# more host keys for the tests that want them
		for k in host_ecdsa host_rsa; do
			[ -f "$dir/$k" ] && echo "HostKey $dir/$k"
		done
		echo "PidFile $dir/sshd.pid"
		echo "AuthorizedKeysFile $dir/authorized_keys"
		echo "StrictModes no"
		echo "UsePAM no"
		echo "PermitRootLogin yes"
		echo "PasswordAuthentication yes"
		echo "KbdInteractiveAuthentication no"
		# SFTP_SERVER_FLAGS: -P/-p request lists, a test's refused
		# rename, chmod or remove
		echo "Subsystem sftp internal-sftp ${SFTP_SERVER_FLAGS:-}"
		echo "LogLevel VERBOSE"
		echo "MaxStartups 100"
		echo "UseDNS no"
		[ -f "$dir/sshd_extra" ] && cat "$dir/sshd_extra"
	} >"$dir/sshd_config"
	# as root sshd wants its privilege separation directory (the
	# Debian service makes it at boot; a container may not have it)
	if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd
		chmod 755 /run/sshd
	fi
	"$SSHD" -f "$dir/sshd_config" -E "$dir/sshd.log"
	# it writes the pid file once it listens
	i=0
	while [ ! -s "$dir/sshd.pid" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "sshd.sh: sshd did not start; see $dir/sshd.log" >&2
			exit 1
		fi
		sleep 0.05
	done
	if [ $# -ge 4 ]; then
		owner=$4
		pid=$(cat "$dir/sshd.pid")
		(
			# a zombie owner is gone too (where init does not reap)
			while kill -0 "$owner" 2>/dev/null &&
				! grep -q '^[0-9]* (.*) Z' "/proc/$owner/stat" \
					2>/dev/null &&
				kill -0 "$pid" 2>/dev/null; do
				sleep 1
			done
			kill "$pid" 2>/dev/null
		) </dev/null >/dev/null 2>&1 &
	fi
	;;
stop)
	[ -s "$dir/sshd.pid" ] || exit 0
	pid=$(cat "$dir/sshd.pid")
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null &&
		! grep -q '^[0-9]* (.*) Z' "/proc/$pid/stat" 2>/dev/null &&
		[ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	rm -f "$dir/sshd.pid"
	;;
*)
	usage
	;;
esac
