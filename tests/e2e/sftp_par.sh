#!/bin/sh
# sftp_par.sh - `make sftp-e2e`: tests/e2e/sftp.sh (and with it
# sftp_servers.sh) once per server kind, the kinds side by side.  Most of
# a scenario's time is spent waiting on a server, a timeout or a cut
# connection, so two kinds at once take little more than one.  Each
# kind's lines are printed together when it is done; the exit status is
# 1 if either failed.  SFTP_KINDS set by the caller runs sftp.sh as it is.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${SFTP_KINDS:-}" ]; then
	exec sh "$here/sftp.sh"
fi
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
trap 'exit 1' INT TERM HUP
for k in sshd proftpd; do
	(SFTP_KINDS=$k sh "$here/sftp.sh" >"$d/$k.out" 2>&1; echo $? >"$d/$k.rc") &
done
wait
r=0
for k in sshd proftpd; do
	echo "== sftp tests on $k"
	cat "$d/$k.out"
	[ "$(cat "$d/$k.rc" 2>/dev/null)" = 0 ] || { echo "sftp: $k: FAILED"; r=1; }
done
exit $r
