#!/bin/sh
# bench/sftp.sh - edigate's SFTP transport against OpenSSH's sftp, for
# `make bench` (run after bench/run.sh; can be run alone).
#
# A loopback OpenSSH sshd (tests/sftp/sshd.sh) is started in a temporary
# folder (under BENCH_TMPDIR, default $TMPDIR or /tmp) and stopped at the
# end, whatever happens.  One client key (ed25519, no passphrase) and one
# known_hosts serve both contenders, over the same server:
#
#   edigate: bench/sftpxfer, linked against libedigate.a, drives the sftp
#            transport as `edigate run` does: pull = open, list, fetch each
#            listed file into a local file; push = open, put each local
#            file (temporary name, fsync@openssh.com, rename, size check);
#   sftp:    `sftp -b BATCH` with the same key, known_hosts and port,
#            BatchMode, no user config: pull = `get *`, push = `put *`.
#
# Cases: (a) pull of BENCH_SFTP_FILES small files (default 1000, 2 to 5
# KiB of random bytes each), (b) push of the same files, (c) pull of one
# BENCH_SFTP_BIG_MB MiB file (default 1024) and (d) push of it.  Each is
# run BENCH_SFTP_RUNS times per tool (default 3), alternating, into fresh
# folders; the best wall time counts.  Every transferred copy is compared
# with its source (diff -r: same names, same bytes, nothing more), so a
# tool that drops, truncates or leaves a file behind fails the bench.
#
# Prints a table: case, edigate seconds, sftp seconds, ratio edigate/sftp
# and PASS when the ratio is at most 1.5 (a target, reported, not
# asserted).  Note that edigate's push does more than `put`: it syncs
# each file on the server (fsync@openssh.com), renames it from a
# temporary name and checks the size that arrived: for scale, an info
# row times (b) against `put -f` too (sftp syncing each file).
#
# Units: MiB = 2^20 bytes; wall times from bench/rusage, process start-up,
# connection and login included for both.  Each timed command is preceded
# by sync(1).
#
# A second table has the pulls (a) and (c) against each kind of server
# partners run -- OpenSSH's sshd and ProFTPD with mod_sftp -- edigate
# next to sftp, with the cipher each negotiated named on every row.
#
# Environment: BIN (build dir holding bench/{sftpxfer,rusage}, default
# build/rel), BENCH_SFTP_FILES, BENCH_SFTP_BIG_MB, BENCH_SFTP_RUNS,
# BENCH_TMPDIR, SSHD (default /usr/sbin/sshd), PROFTPD (default
# /usr/sbin/proftpd); BENCH_SFTP=0 skips it all.
set -eu

cd "$(dirname "$0")/.."

BIN=${BIN:-build/rel}
BENCH_SFTP=${BENCH_SFTP:-1}
BENCH_SFTP_FILES=${BENCH_SFTP_FILES:-1000}
BENCH_SFTP_BIG_MB=${BENCH_SFTP_BIG_MB:-1024}
BENCH_SFTP_RUNS=${BENCH_SFTP_RUNS:-3}
BENCH_TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
SSHD=${SSHD:-/usr/sbin/sshd}
export SSHD

T=$BIN/bench
TARGET=1.5
SMALL_MIN=2048
SMALL_MAX=5120

die() {
	echo "bench: FAIL: $*" >&2
	exit 1
}

whole() {
	case $2 in
	'' | *[!0-9]*) die "$1 must be a whole number, not '$2'" ;;
	esac
	[ "$2" -gt 0 ] || die "$1 must be at least 1"
}

if [ "$BENCH_SFTP" = 0 ]; then
	echo
	echo "bench: BENCH_SFTP=0: SFTP figures skipped"
	exit 0
fi

whole BENCH_SFTP_FILES "$BENCH_SFTP_FILES"
whole BENCH_SFTP_BIG_MB "$BENCH_SFTP_BIG_MB"
whole BENCH_SFTP_RUNS "$BENCH_SFTP_RUNS"
for c in sftp ssh-keygen python3 diff; do
	command -v "$c" >/dev/null 2>&1 || die "no $c (make deps installs it)"
done
[ -x "$SSHD" ] || die "no $SSHD (make deps installs openssh-server)"

# The Makefile builds the tools; when run by hand, build what is missing.
if [ ! -x "$T/sftpxfer" ]; then
	make --no-print-directory "$T/sftpxfer" >/dev/null ||
		die "cannot build $T/sftpxfer"
fi
if [ ! -x "$T/rusage" ]; then
	make --no-print-directory "$T/rusage" >/dev/null ||
		die "cannot build $T/rusage"
fi
T=$(cd "$T" && pwd)

W=$(mktemp -d "$BENCH_TMPDIR/edigate-sftp.XXXXXX") ||
	die "cannot make a temporary folder in $BENCH_TMPDIR"
S=$W/server
trap 'sh tests/sftp/sshd.sh stop "$S" >/dev/null 2>&1; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
H=$W/home
LOG=$W/run.log
OUT=$W/run.out
RESULTS=$W/results.txt
: >"$RESULTS"
mkdir -p "$S/small" "$S/big" "$H" "$W/src/small" "$W/src/big"
ln -s "$(pwd)/schemas" "$H/schemas"

# ---- the server and the client's credentials ----------------------------

PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || die "no free port"
USER_=$(id -un)
ssh-keygen -q -t ed25519 -N '' -C edigate-bench -f "$W/id_ed25519" ||
	die "ssh-keygen failed"
sh tests/sftp/sshd.sh start "$S" "$PORT" $$ >/dev/null ||
	die "cannot start sshd (see $S/sshd.log)"
cat "$W/id_ed25519.pub" >>"$S/authorized_keys"
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$S/host_ed25519.pub")" \
	>"$W/known_hosts"

# profile DIR-ON-SERVER: the sftp profile edigate uses (inbox and outbox
# both DIR; nothing removed after pickup, as `get` removes nothing).
profile() {
	cat >"$H/bench.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<partner id="benchsftp" name="SFTP bench" kind="other">
  <identity>
    <partner-isa qualifier="ZZ" id="BENCHSFTP"/>
    <our-isa qualifier="ZZ" id="BIGRETAILCO"/>
    <gs partner="BENCHSFTP" ours="BIGRETAILCO"/>
  </identity>
  <transport type="sftp">
    <sftp host="127.0.0.1" port="$PORT" user="$USER_"
          key-file="$W/id_ed25519" known-hosts="$W/known_hosts"
          timeout="60s"/>
    <inbox path="$1" pattern="*"/>
    <outbox path="$1"/>
    <complete stable-for="0s"/>
    <after-pickup action="leave"/>
  </transport>
  <documents><document direction="in" set="856" versions="004010"/></documents>
</partner>
EOF
}

SFTP_OPTS="-q -F /dev/null -P $PORT -i $W/id_ed25519 -o IdentitiesOnly=yes
 -o UserKnownHostsFile=$W/known_hosts -o GlobalKnownHostsFile=/dev/null
 -o StrictHostKeyChecking=yes -o BatchMode=yes"

# ---- the data -------------------------------------------------------------

N=$BENCH_SFTP_FILES
echo
echo "== SFTP: loopback sshd on 127.0.0.1:$PORT, data in $W =="
echo "  sftp: $(ssh -V 2>&1 | head -n 1); edigate: libssh2" \
	"$(pkg-config --modversion libssh2 2>/dev/null || echo '?')"
python3 - "$W/src/small" "$N" "$SMALL_MIN" "$SMALL_MAX" <<'EOF' ||
import os, random, sys
d, n, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(1)
for i in range(1, n + 1):
    with open(os.path.join(d, "f%06d.dat" % i), "wb") as f:
        f.write(rnd.randbytes(rnd.randint(lo, hi)))
EOF
	die "cannot write the small files"
SMALL_BYTES=$(cat "$W"/src/small/* | wc -c | tr -d ' ')
head -c $((BENCH_SFTP_BIG_MB * 1048576)) /dev/urandom >"$W/src/big/big.dat" ||
	die "cannot write the big file"
BIG_BYTES=$(wc -c <"$W/src/big/big.dat" | tr -d ' ')
# the server's copies of what is pulled: the same inodes
ln "$W"/src/small/* "$S/small/"
ln "$W/src/big/big.dat" "$S/big/"
awk -v n="$N" -v b="$SMALL_BYTES" -v m="$BENCH_SFTP_BIG_MB" 'BEGIN {
	printf "  %d small files (%.1f MiB, %d bytes), one %d MiB file;" \
	    " random bytes\n", n, b / 1048576, b, m }'

# timed LABEL CMD...: one run under rusage after a sync; appends "LABEL
# wall" to $RESULTS.
timed() {
	label_=$1
	shift
	sync
	if "$T/rusage" "$@" >"$OUT" 2>"$LOG"; then
		rc_=0
	else
		rc_=$?
	fi
	if [ "$rc_" -ne 0 ]; then
		{
			echo "---- '$*' exited $rc_; its output:"
			tail -n 15 "$OUT"
			tail -n 25 "$LOG"
			echo "---- sshd.log:"
			tail -n 10 "$S/sshd.log"
			echo "----"
		} >&2
		die "$label_: '$*' exited $rc_"
	fi
	wall_=$(sed -n 's/^rusage: wall=\([0-9.]*\).*/\1/p' "$LOG" | tail -n 1)
	[ -n "$wall_" ] || die "cannot read rusage output in $LOG"
	echo "$label_ $wall_" >>"$RESULTS"
	printf '  %-22s %9.3f s\n' "$label_" "$wall_"
}

# same SRC DST: DST holds exactly SRC's files, byte for byte.
same() {
	diff -rq "$1" "$2" >"$LOG" 2>&1 || {
		head -n 10 "$LOG" >&2
		die "$2 is not a copy of $1"
	}
}

# pull CASE SERVER-DIR SRC: both tools fetch SERVER-DIR into fresh folders.
pull() {
	profile "$2"
	i_=1
	while [ "$i_" -le "$BENCH_SFTP_RUNS" ]; do
		rm -rf "$W/got"
		mkdir "$W/got"
		timed "$1-edigate" "$T/sftpxfer" pull "$H/bench.xml" "$H" "$W/got"
		same "$3" "$W/got"
		rm -rf "$W/got"
		mkdir "$W/got"
		printf 'lcd %s\ncd %s\nget *\n' "$W/got" "$2" >"$W/batch"
		# shellcheck disable=SC2086
		timed "$1-sftp" sftp $SFTP_OPTS -b "$W/batch" "$USER_@127.0.0.1"
		same "$3" "$W/got"
		rm -rf "$W/got"
		i_=$((i_ + 1))
	done
}

# push CASE SRC: both tools put SRC's files into fresh server folders.
push() {
	i_=1
	while [ "$i_" -le "$BENCH_SFTP_RUNS" ]; do
		rm -rf "$S/put"
		mkdir "$S/put"
		profile "$S/put"
		timed "$1-edigate" "$T/sftpxfer" push "$H/bench.xml" "$H" "$2"
		same "$2" "$S/put"
		rm -rf "$S/put"
		mkdir "$S/put"
		printf 'lcd %s\ncd %s\nput *\n' "$2" "$S/put" >"$W/batch"
		# shellcheck disable=SC2086
		timed "$1-sftp" sftp $SFTP_OPTS -b "$W/batch" "$USER_@127.0.0.1"
		same "$2" "$S/put"
		rm -rf "$S/put"
		if [ "$1" = push-small ]; then
			# for scale: sftp syncing each file, as edigate does
			mkdir "$S/put"
			printf 'lcd %s\ncd %s\nput -f *\n' "$2" "$S/put" >"$W/batch"
			# shellcheck disable=SC2086
			timed "$1-sftpf" sftp $SFTP_OPTS -b "$W/batch" \
				"$USER_@127.0.0.1"
			same "$2" "$S/put"
			rm -rf "$S/put"
		fi
		i_=$((i_ + 1))
	done
}

echo
echo "== timing (best of $BENCH_SFTP_RUNS runs each, alternating) =="
pull pull-small "$S/small" "$W/src/small"
push push-small "$W/src/small"
pull pull-big "$S/big" "$W/src/big"
push push-big "$W/src/big"

awk -v n="$N" -v sb="$SMALL_BYTES" -v bb="$BIG_BYTES" -v rt="$TARGET" \
	-v runs="$BENCH_SFTP_RUNS" '
	{ if (!($1 in best) || $2 < best[$1]) best[$1] = $2 }
	END {
		split("pull-small push-small pull-big push-big", c, " ")
		desc["pull-small"] = sprintf("(a) pull %d small files", n)
		desc["push-small"] = sprintf("(b) push %d small files", n)
		desc["pull-big"] = sprintf("(c) pull one %.0f MiB file", bb / 1048576)
		desc["push-big"] = sprintf("(d) push one %.0f MiB file", bb / 1048576)
		printf "\n== SFTP transfers: edigate vs OpenSSH sftp -b, loopback," \
		    " best of %d ==\n", runs
		printf "  %-28s %10s %10s %7s %8s %7s\n", "case", "edigate s", \
		    "sftp s", "ratio", "target", "result"
		line = "bench: result"
		for (i = 1; i <= 4; i++) {
			k = c[i]
			e = best[k "-edigate"]; s = best[k "-sftp"]
			r = e / s
			printf "  %-28s %10.3f %10.3f %7.2f %8s %7s\n", desc[k], \
			    e, s, r, "<= " rt, (r <= rt ? "PASS" : "MISS")
			gsub("-", "_", k)
			line = line sprintf(" sftp_%s_edigate_s=%.3f" \
			    " sftp_%s_sftp_s=%.3f", k, e, k, s)
		}
		e = best["push-small-edigate"]; s = best["push-small-sftpf"]
		printf "  %-28s %10.3f %10.3f %7.2f %8s %7s\n", \
		    "(b) with sftp put -f", e, s, e / s, "", "info"
		line = line sprintf(" sftp_push_small_sftp_fsync_s=%.3f", s)
		printf "  (small: %.0f files/s edigate, %.0f files/s sftp;" \
		    " big: %.1f MiB/s pull, %.1f MiB/s push edigate,", \
		    n / best["pull-small-edigate"], n / best["pull-small-sftp"], \
		    bb / 1048576 / best["pull-big-edigate"], \
		    bb / 1048576 / best["push-big-edigate"]
		printf " %.1f and %.1f sftp)\n", \
		    bb / 1048576 / best["pull-big-sftp"], \
		    bb / 1048576 / best["push-big-sftp"]
		print "\n" line
	}' "$RESULTS"

# ---- the kinds of server partners run: pulls, cipher named per row --------
# The same pulls (a) and (c) against OpenSSH's sshd (above) and ProFTPD
# with mod_sftp (tests/sftp/proftpd.sh, chrooted virtual user "partner",
# the files hard-linked into its inbound folder), edigate next to
# OpenSSH's sftp, each row naming the cipher each client negotiated:
# OpenSSH's sftp takes chacha20-poly1305 where the server offers it
# (sshd), libssh2 1.10 has no chacha20 and takes aes128-ctr; one more
# sshd row has sftp on aes128-ctr too, cipher for cipher.  Skipped
# (said so) without /usr/sbin/proftpd.
PROFTPD=${PROFTPD:-/usr/sbin/proftpd}
P=$W/proftpd
KINDS_RES=$W/kinds.txt
: >"$KINDS_RES"
# as SFTP_OPTS, without the port (ssh keeps the first -P it is given)
KOPTS="-F /dev/null -i $W/id_ed25519 -o IdentitiesOnly=yes
 -o UserKnownHostsFile=$W/known_hosts -o GlobalKnownHostsFile=/dev/null
 -o StrictHostKeyChecking=yes -o BatchMode=yes"
chmod 711 "$W" # ProFTPD reaches its chroot as nobody
if [ -x "$PROFTPD" ]; then
	PPORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || die "no free port"
	mkdir -p "$P"
	cat "$W/id_ed25519.pub" >"$P/authorized_keys"
	sh tests/sftp/proftpd.sh start "$P" "$PPORT" $$ >/dev/null ||
		die "cannot start proftpd (see $P/proftpd.log)"
	trap 'sh tests/sftp/proftpd.sh stop "$P" >/dev/null 2>&1
sh tests/sftp/sshd.sh stop "$S" >/dev/null 2>&1; rm -rf "$W"' EXIT
	mkdir -p "$P/root/in/small" "$P/root/in/big"
	ln "$W"/src/small/* "$P/root/in/small/"
	ln "$W/src/big/big.dat" "$P/root/in/big/"
	chown -R nobody:nogroup "$P/root"
	printf '[127.0.0.1]:%s %s\n' "$PPORT" \
		"$(cut -d' ' -f1,2 "$P/host_ecdsa.pub")" >>"$W/known_hosts"
fi

# kind_cipher KIND: "edigate-cipher sftp-cipher" for that server.
kind_cipher() {
	"$T/sftpxfer" cipher "$H/bench.xml" "$H" 2>>"$LOG" |
		sed -n 's/^cipher=\([^ ]*\).*/\1/p'
}
sftp_cipher() { # USER PORT [SFTP OPTIONS]: what sftp negotiates
	u_=$1 p_=$2
	shift 2
	echo bye >"$W/batch"
	# shellcheck disable=SC2086
	sftp $KOPTS -P "$p_" "$@" -v -b "$W/batch" "$u_@127.0.0.1" 2>&1 |
		sed -n 's/.*kex: server->client cipher: \([^ ]*\).*/\1/p' |
		head -n 1
}

# kind_pull KIND CASE SERVER-DIR SRC USER PORT [SFTP OPTIONS]
kind_pull() {
	k_=$1 c_=$2 d_=$3 src_=$4 u_=$5 p_=$6
	shift 6
	port_save=$PORT user_save=$USER_
	PORT=$p_
	USER_=$u_
	profile "$d_"
	PORT=$port_save
	USER_=$user_save
	i_=1
	while [ "$i_" -le "$BENCH_SFTP_RUNS" ]; do
		rm -rf "$W/got"
		mkdir "$W/got"
		timed "$k_-$c_-edigate" "$T/sftpxfer" pull "$H/bench.xml" "$H" \
			"$W/got"
		same "$src_" "$W/got"
		rm -rf "$W/got"
		mkdir "$W/got"
		printf 'lcd %s\ncd %s\nget *\n' "$W/got" "$d_" >"$W/batch"
		# shellcheck disable=SC2086
		timed "$k_-$c_-sftp" sftp -q $KOPTS -P "$p_" "$@" \
			-b "$W/batch" "$u_@127.0.0.1"
		same "$src_" "$W/got"
		rm -rf "$W/got"
		i_=$((i_ + 1))
	done
	: >>"$RESULTS"
	printf '%s %s %s %s\n' "$k_" "$c_" "$(kind_cipher)" \
		"$(sftp_cipher "$u_" "$p_" "$@")" >>"$KINDS_RES"
}

echo
echo "== timing against each kind of server (best of $BENCH_SFTP_RUNS) =="
kind_pull sshd small "$S/small" "$W/src/small" "$USER_" "$PORT"
kind_pull sshd big "$S/big" "$W/src/big" "$USER_" "$PORT"
kind_pull sshd-aes small "$S/small" "$W/src/small" "$USER_" "$PORT" \
	-c aes128-ctr
kind_pull sshd-aes big "$S/big" "$W/src/big" "$USER_" "$PORT" -c aes128-ctr
if [ -x "$PROFTPD" ]; then
	kind_pull proftpd small /in/small "$W/src/small" partner "$PPORT"
	kind_pull proftpd big /in/big "$W/src/big" partner "$PPORT"
else
	echo "  proftpd: skipped: no $PROFTPD (make deps installs proftpd-core)"
fi

awk -v n="$N" -v bb="$BIG_BYTES" -v runs="$BENCH_SFTP_RUNS" '
	FNR == NR { ce[$1 " " $2] = $3; cs[$1 " " $2] = $4; next }
	{ if (!($1 in best) || $2 < best[$1]) best[$1] = $2 }
	END {
		printf "\n== SFTP pulls by kind of server: edigate vs OpenSSH" \
		    " sftp -b, loopback, best of %d ==\n", runs
		printf "  %-9s %-22s %9s %-18s %9s %-30s %6s\n", "server", \
		    "case", "edigate s", "(cipher)", "sftp s", "(cipher)", \
		    "ratio"
		split("sshd sshd-aes proftpd", k, " ")
		split("small big", c, " ")
		desc["small"] = sprintf("(a) %d small files", n)
		desc["big"] = sprintf("(c) one %.0f MiB file", bb / 1048576)
		line = "bench: result"
		for (i = 1; i <= 3; i++)
			for (j = 1; j <= 2; j++) {
				key = k[i] "-" c[j]
				if (!((key "-edigate") in best))
					continue
				e = best[key "-edigate"]; s = best[key "-sftp"]
				printf "  %-9s %-22s %9.3f %-18s %9.3f %-30s %6.2f\n", \
				    k[i], desc[c[j]], e, "(" ce[k[i] " " c[j]] ")", \
				    s, "(" cs[k[i] " " c[j]] ")", e / s
				gsub("-", "_", key)
				line = line sprintf(" sftp_kind_%s_edigate_s=%.3f" \
				    " sftp_kind_%s_sftp_s=%.3f", key, e, key, s)
			}
		print "\n" line
	}' "$KINDS_RES" "$RESULTS"
