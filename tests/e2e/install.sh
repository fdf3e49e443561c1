#!/bin/sh
# make install PREFIX=... puts the binary, edi/ and schemas/ in place, and
# the installed binary, run from an empty home, finds the shipped guides
# there (the install data directory is compiled in).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

make -s -C "$root" B=build/install-check PREFIX="$t/prefix" install >"$t/log" 2>&1 ||
	{ cat "$t/log"; bad "make install failed"; }
bin="$t/prefix/bin/edigate"
[ -x "$bin" ] || bad "no $bin"
[ -f "$t/prefix/share/edigate/edi/x12/004010/856.xml" ] || bad "guides not installed"
[ -f "$t/prefix/share/edigate/schemas/edi-guide.xsd" ] || bad "schema not installed"
# the scheduler's units and the crontab example, pointing at the binary
for f in lib/systemd/system/edigate.service lib/systemd/system/edigate-run.service \
    lib/systemd/system/edigate-run.timer share/edigate/examples/edigate.crontab \
    share/doc/edigate/operations.md; do
	[ -f "$t/prefix/$f" ] || bad "$f not installed"
done
grep -q "^ExecStart=$t/prefix/bin/edigate serve " "$t/prefix/lib/systemd/system/edigate.service" ||
	bad "edigate.service does not start the installed binary"
grep -q "^ExecStart=$t/prefix/bin/edigate run " "$t/prefix/lib/systemd/system/edigate-run.service" ||
	bad "edigate-run.service does not start the installed binary"
grep -q "$t/prefix/bin/edigate run" "$t/prefix/share/edigate/examples/edigate.crontab" ||
	bad "the crontab example does not name the installed binary"
! grep -rq '@BINDIR@\|@DOCDIR@' "$t/prefix/lib/systemd" "$t/prefix/share/edigate/examples" ||
	bad "a placeholder is left in the installed units"
# the manual pages (one per command) and the bash completion
for c in "" run quarantine review shadow status; do
	[ -f "$t/prefix/share/man/man1/edigate${c:+-$c}.1" ] || bad "man page edigate${c:+-$c}.1 not installed"
done
[ -f "$t/prefix/share/bash-completion/completions/edigate" ] || bad "bash completion not installed"
mkdir -p "$t/home"
"$bin" --home "$t/home" info >"$t/out" 2>&1 || bad "info failed"
grep -q "^data: *$t/prefix/share/edigate\$" "$t/out" || { cat "$t/out"; bad "installed binary does not find its data"; }
"$bin" --home "$t/home" validate "$root/demo/inbound/acme-asn-856.x12" >"$t/out" 2>&1 ||
	{ cat "$t/out"; bad "installed binary cannot validate"; }
grep -q 'all sets against guides' "$t/out" || bad "installed binary did not use the guides"
[ "$fail" -eq 0 ] && echo "install-check: ok"
exit "$fail"
