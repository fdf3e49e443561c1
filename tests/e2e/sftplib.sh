# sftplib.sh - shared by tests/e2e/sftp.sh and tests/e2e/sftp_servers.sh:
# the servers (OpenSSH sshd, tests/sftp/sshd.sh; ProFTPD mod_sftp,
# tests/sftp/proftpd.sh) started and stopped by their pid, the client
# keys and known_hosts, homes with partner shopco over SFTP, the fixture
# makers, the assertions on remote folders, spool and ledger, the
# cutting proxy, and the scenario runner with its kind x scenario table.
#
# The caller sets here, root, bin and tag (the name its lines start
# with), then sources this file; it defines sc_NAME functions and calls
# run_kinds "NAME NAME ...".  SFTP_KINDS="sshd proftpd" picks the kinds
# (a kind whose server is not installed is skipped, said so);
# SFTP_ONLY="NAME ..." runs only those scenarios.  KEEP=1 keeps $t.
fx="$root/tests/fixtures/map"
PROXY="$root/tests/sftp/cutproxy.py"
KINDS=${SFTP_KINDS:-sshd proftpd}

for tool in ssh-keygen python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$tag: skip: $tool not found"
		exit 0
	fi
done
# The interpreter itself, once: a version manager's shim (pyenv) costs
# a second a call on a loaded machine, and these tests call it often.
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "${PY:-}" ] || PY=$(command -v python3)
python3() { "$PY" "$@"; }
export PY

t=$(mktemp -d)
chmod 711 "$t" # ProFTPD reaches its chroot below as nobody
srv= kind= port= sc= proxy_pid= bg_pid= mnt=
stop_server() {
	[ -n "$srv" ] && sh "$root/tests/sftp/$kind.sh" stop "$srv" 2>/dev/null
	srv=
}
cleanup() {
	# a test's mount (a full disk) goes before its folder is removed
	[ -n "${mnt:-}" ] && umount "$mnt" 2>/dev/null
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
	stop_server
	[ -n "${KEEP:-}" ] || rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
pass=0 fail=0
. "$here/lib.sh"
# every failure names the server kind and the scenario
bad() { echo "FAIL: [$kind $sc] $*"; fail=$((fail + 1)); }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
now_ms() { python3 -c 'import time; print(int(time.monotonic()*1000))'; }
# a fingerprint in a grep -E pattern: base64 has + and /
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }

mkdir -p "$t/keys"
ssh-keygen -q -t ed25519 -N '' -C edigate-e2e -f "$t/keys/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C edigate-e2e-other -f "$t/keys/id_other"
: >"$t/keys/known_empty"

# --- servers -------------------------------------------------------------
# start_server NAME [EXTRA]: a fresh server of $kind in $t/KIND-NAME, with
# EXTRA appended to its configuration (sshd_config or proftpd.conf) and
# $SFTP_SERVER_FLAGS given to sshd's internal-sftp, $QUOTA bytes as
# ProFTPD's quota.  Sets srv, port, user, LROOT (the server's root as
# this machine sees it) and RROOT (as the profile names it); the host
# key: hk (its .pub), hktype, hostkey ("type base64"), fpr and rfpr (as a
# pattern); known_hosts $t/keys/kh trusts it on its port.
start_server() {
	stop_server
	srv="$t/$kind-$1"
	rm -rf "$srv"
	mkdir -p "$srv"
	cp "$t/keys/id_ed25519.pub" "$srv/authorized_keys"
	[ -n "${QUOTA:-}" ] && echo "$QUOTA" >"$srv/quota_bytes"
	printf '%s\n' "${2:-}" >"$srv/${kind}_extra"
	port=$(free_port)
	LROOT="$srv/root"
	case $kind in
	sshd)
		user=$(id -un)
		mkdir -p "$LROOT"
		RROOT=$LROOT
		hk="$srv/host_ed25519.pub" hktype=ED25519
		;;
	proftpd)
		user=partner # chrooted to $srv/root
		RROOT=
		hk="$srv/host_ecdsa.pub" hktype=ECDSA
		;;
	esac
	server_up || return 1
	hostkey=$(cut -d' ' -f1,2 "$hk")
	fpr=$(ssh-keygen -lf "$hk" | cut -d' ' -f2)
	rfpr=$(re "$fpr")
	printf '[127.0.0.1]:%s %s\n' "$port" "$hostkey" >"$t/keys/kh"
	return 0
}
# (Re)start the server in $srv on $port; a failure is a test failure.
server_up() {
	if ! sh "$root/tests/sftp/$kind.sh" start "$srv" "$port" $$ \
		>"$t/start.out" 2>&1; then
		bad "$kind did not start"
		sed 's/^/    /' "$t/start.out" | tail -5
		srv=
		return 1
	fi
}
server_down() { sh "$root/tests/sftp/$kind.sh" stop "$srv" 2>/dev/null; }
# The server's own log of sessions.
server_log() {
	case $kind in
	sshd) cat "$srv/sshd.log" ;;
	proftpd) cat "$srv/sftp.log" "$srv/proftpd.log" 2>/dev/null ;;
	esac
}
server_pid() { cat "$srv/sshd.pid" 2>/dev/null || cat "$srv/proftpd.pid.ours"; }
# Files the server's user can write (ProFTPD runs the session as nobody).
own() {
	[ "$kind" = proftpd ] && chown -R nobody:nogroup "$@"
	return 0
}

# --- homes -----------------------------------------------------------------
# new_home NAME: a home with partner shopco on the current server; its
# folders there are $L/in and $L/out on this machine, $R/in and $R/out
# as the profile names them (LIN, LOUT: the same as $L/in, $L/out).
new_home() {
	h="$t/home-$kind-$1"
	L="$LROOT/$1" R="$RROOT/$1"
	rm -rf "$h" "$L"
	mkdir -p "$h/partners" "$L/in" "$L/out"
	own "$L"
	LIN="$L/in" LOUT="$L/out"
	ln -s "$root/edi" "$h/edi"
	ln -s "$root/schemas" "$h/schemas"
	E="$bin --home $h"
	P=$port KEY="$t/keys/id_ed25519" KNOWN="$t/keys/kh" TIMEOUT=5s
	ACTION=delete COMPLETE='stable-for="10s"' INBOX='pattern="*.x12"' ATTN=
	profile
}
# Write $h/partners/shopco.xml: the map test's shopco with an SFTP
# transport made of $P, $KEY, $KNOWN, $TIMEOUT, $RETRIES, $INBOX,
# $OUTBOX, $COMPLETE, $ACTION, $MOVETO and $ATTN.
profile() {
	_mv=
	[ "$ACTION" = move ] && _mv=" move-to=\"$R/${MOVETO:-archive}\""
	awk -v blk="  <transport type=\"sftp\">
    <sftp host=\"127.0.0.1\" port=\"$P\" user=\"$user\" key-file=\"$KEY\"
          known-hosts=\"$KNOWN\" timeout=\"$TIMEOUT\" retries=\"${RETRIES:-0}\"
          retry-wait=\"1s\" retry-max-wait=\"2s\"/>
    <inbox path=\"$R/in\" $INBOX/>
    <outbox path=\"$R/${OUTBOX:-out}\"/>
    <complete $COMPLETE/>
    <after-pickup action=\"$ACTION\"$_mv $ATTN/>
  </transport>" '
		/<transport type="local">/ { print blk; skip = 1; next }
		skip && /<\/transport>/ { skip = 0; next }
		!skip' "$fx/home/partners/shopco.xml" >"$h/partners/shopco.xml"
}

# --- fixtures ----------------------------------------------------------------
# An 850 like 850-good with another ISA13/GS06 and PO number.
mk850() { # OUT ISA13 PO
	_gs=$(expr "$2" + 0)
	sed -e "s/000000501/$2/g; s/PO-9001/$3/g; s/\*501\*X\*/*$_gs*X*/g; s/GE\*1\*501/GE*1*$_gs/g" \
		"$fx/850-good.x12" >"$1"
}
# An 850 interchange of N sets (each its own PO): big both ways, the
# file fetched and the 997 sent back, and slow to process.
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
		cp "$f" "$LIN/"
		touch -d '1 hour ago' "$LIN/$(basename "$f")"
	done
	own "$LIN"
}

# --- assertions ----------------------------------------------------------------
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
# N acks in the remote outbox, each byte for byte the spool's copy,
# once; no temporary names; UNSENT more in the spool not delivered.
expect_acks() { # N [UNSENT]
	n=0 okk=1
	for f in "$LOUT"/* "$LOUT"/.[!.]*; do
		[ -e "$f" ] || continue
		b=$(basename "$f")
		n=$((n + 1))
		cmp -s "$f" "$h/spool/out/shopco/acks/$b" || { okk=0; echo "    $b differs from the spool's"; }
	done
	s=$(ls "$h/spool/out/shopco/acks" 2>/dev/null | wc -l)
	if [ "$okk" = 1 ] && [ "$n" -eq "$1" ] && [ "$s" -eq $(($1 + ${2:-0})) ]; then ok
	else bad "acks: $n in the outbox, $s in the spool, want $1 (+${2:-0}): $(lsr "$LOUT")"; fi
}
# Nothing of ours left half-done in the spool.
expect_clean_spool() {
	if [ -z "$(ls -A "$h/spool/in/shopco" 2>/dev/null)" ] &&
		[ -z "$(ls -A "$h/spool/work" 2>/dev/null)" ]; then ok
	else bad "spool/in or spool/work not empty: $(lsr "$h/spool/in/shopco") / $(lsr "$h/spool/work")"; fi
}
# $1 within 20 % of $2 (ms)
expect_near() {
	if [ "$1" -ge $(($2 * 8 / 10)) ] && [ "$1" -le $(($2 * 12 / 10)) ]; then ok
	else bad "$3: $1 ms, want $2 ms +-20 %"; fi
}

# --- the cutting proxy ----------------------------------------------------------
# proxy_up LIMIT MODE COUNT: tests/sftp/cutproxy.py on $pport in front of
# the server, trusted in known_hosts; its log of each connection in
# $t/proxy.log.  proxy_down stops it.
proxy_up() {
	pport=$(free_port)
	rm -f "$t/proxy.log" "$t/proxy.out"
	# exec: $! must be the proxy's own pid (with a trap set, dash
	# would otherwise keep a shell in between, and kill only that)
	(CUTPROXY_LOG="$t/proxy.log" exec "$PY" "$PROXY" "$pport" "$port" "$@" \
		>"$t/proxy.out" 2>&1) &
	proxy_pid=$!
	i=0
	while ! grep -q ready "$t/proxy.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && { bad "cutproxy did not start"; break; }
		sleep 0.05
	done
	printf '[127.0.0.1]:%s %s\n' "$pport" "$hostkey" >>"$t/keys/kh"
}
proxy_down() {
	kill "$proxy_pid" 2>/dev/null
	wait "$proxy_pid" 2>/dev/null
	proxy_pid=
}
# The proxy's log line of its last connection, once written.
proxy_log() {
	i=0
	while [ ! -s "$t/proxy.log" ] && [ $i -lt 100 ]; do
		sleep 0.02; i=$((i + 1))
	done
	tail -n1 "$t/proxy.log"
}

# --- the runner -------------------------------------------------------------------
# A scenario that cannot run on a kind says why: skip REASON, then return.
skip() { skipped=$*; }
# run_kinds "NAME ...": sc_NAME for each kind in $KINDS ($SFTP_ONLY
# narrows the names; before_kind and after_kind, when the caller defines
# them, run around each kind), one line per scenario, then the table.
run_kinds() {
	_table=
	for kind in $KINDS; do
		case $kind in
		sshd) _exe=/usr/sbin/sshd ;;
		proftpd) _exe=/usr/sbin/proftpd ;;
		*) echo "$tag: unknown kind $kind"; exit 2 ;;
		esac
		if [ ! -x "$_exe" ]; then
			echo "$tag: skip $kind: $_exe not installed (make deps)"
			_table="$_table$kind: all: skip ($_exe not installed)
"
			continue
		fi
		_k0=$(now_ms)
		command -v before_kind >/dev/null 2>&1 && before_kind
		for sc in ${SFTP_ONLY:-$1}; do
			_f0=$fail skipped= _s0=$(now_ms)
			"sc_$sc"
			if [ -n "$skipped" ]; then _r="skip: $skipped"
			elif [ "$fail" -eq "$_f0" ]; then _r=pass
			else _r="FAIL ($((fail - _f0)))"; fi
			_line=$(printf '%-8s %-10s %s' "$kind" "$sc" "$_r")
			_ms=$(($(now_ms) - _s0))
			echo "$tag: $_line ($((_ms / 1000)).$((_ms % 1000 / 100)) s)"
			_table="$_table$_line
"
		done
		command -v after_kind >/dev/null 2>&1 && after_kind
		stop_server
		echo "$tag: $kind done in $(( ($(now_ms) - _k0) / 1000 )) s"
	done
	sc=
	printf '%s' "$_table" | sed "s/^/$tag: matrix: /"
}
