#!/bin/sh
# robust.sh - hostile files and unlucky operators, end to end (issue 21:
# points 1, 9, 12 and 13).
#
#   1. every byte accounted for: an interchange followed by junk, by an
#      unreadable ISA, or by a stray line and another interchange is
#      quarantined (partial), never accepted; `validate` agrees; the
#      interchange after the stray line gets a TA1 R;
#   9. `status` tells the truth: a profile that does not load or a run
#      that failed shows as failing, exit 3; --partner nosuch is exit 2;
#  12. a full spool (a small tmpfs): the run fails naming the full disk,
#      its summary counts nothing that was rolled back, and a run on a
#      healthy spool completes the work (needs root to mount; SKIP else);
#  13. smaller doors: `ack` on an unreadable ISA is not silent; UTF-16 (both
#      byte orders, with or without a BOM) is refused by name by validate,
#      parse, ack, map and run; the TA1 for an interchange claiming
#      another sender goes to the quarantine, not the partner's outbox; a
#      newline in a file name is escaped by `files`; `ack --counter` wraps
#      after 999999999 as the run's sequence does.
#
#   EDIGATE=/abs/path/to/build/asan/edigate sh tests/e2e/robust.sh
# Needs sqlite3 and iconv.  POSIX sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
E=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
mnt=""
cleanup() {
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
pass=0 fail=0
. "$here/lib.sh"
unset EDIGATE_HOME EDIGATE_SPOOL EDIGATE_CRASH_AT EDIGATE_NOW

for tool in sqlite3 iconv; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: robust: $tool not found"
		exit 0
	fi
done

is() { # GOT WANT TEXT
	if [ "$1" = "$2" ]; then ok; else bad "$3 (got '$1', want '$2')"; fi
}

# v850 N: 850-good.x12 as another interchange (ISA13, GS06, PO number)
v850() {
	sed -e "s/000000501/000000$1/" -e "s/^\(GS\*.*\)\*501\*X\*/\1*$1*X*/" \
	    -e "s/^GE\*1\*501~/GE*1*$1~/" -e "s/PO-9001/PO-9$1/" \
	    "$fx/850-good.x12"
}

# mkhome DIR: the test profiles, local folders, nothing else
mkhome() {
	mkdir -p "$1"
	ln -s "$root/edi" "$1/edi"
	ln -s "$root/schemas" "$1/schemas"
	cp -R "$fx/home/partners" "$1/partners"
	for p in depot northwh shopco southwh; do mkdir -p "$1/drop/$p/in"; done
}
old() { touch -d '1 hour ago' "$@"; }

# --- 1: what follows the first interchange --------------------------------

h="$t/h1"
mkhome "$h"
in="$h/drop/shopco/in"
{ v850 101; printf 'JUNK JUNK JUNK\n'; } >"$in/a-junk.x12"
{ v850 102; v850 103 | sed '1s/\*U\*00401\*/*U*0040*/'; } >"$in/b-badisa.x12"
{ v850 104; printf 'HELLO\n'; v850 105; } >"$in/c-stray.x12"
v850 106 >"$in/d-good.x12"
old "$in"/*
for f in a-junk b-badisa c-stray; do
	expect_exit 1 "$E" validate "$in/$f.x12"
	expect_out '^INVALID'
done
expect_exit 1 "$E" --home "$h" run --partner shopco --json
q() { sqlite3 "$h/spool/ledger.db" "$1"; }
is "$(q "SELECT group_concat(name || ':' || state, ' ') FROM
    (SELECT name, state FROM files ORDER BY name)")" \
    "a-junk.x12:partial b-badisa.x12:partial c-stray.x12:partial d-good.x12:accepted" \
    "run: a file with an unread part is partial, not accepted"
expect_out '"accepted":1,"partial":3'
for f in a-junk b-badisa c-stray; do
	n=$(ls "$h/spool/quarantine/shopco"/*/"$f.x12" 2>/dev/null | wc -l)
	is "$n" 1 "$f: quarantined"
	is "$(q "SELECT count(*) FROM findings i JOIN files f ON f.id=i.file_id
	    WHERE f.name='$f.x12' AND i.rule='reader'")" 1 "$f: a reader finding"
done
is "$(q "SELECT i.isa13 FROM findings i JOIN files f ON f.id=i.file_id
    WHERE f.name='c-stray.x12' AND i.rule='unread-interchange'")" 000000105 \
    "c-stray: the interchange after the stray line is named"
# the good sets' records went out; the unread interchange's did not
is "$(cat "$h/spool/out/shopco"/*.jsonl | grep -c 'PO-9105')" 0 \
    "c-stray: no record for the unread interchange"
is "$(cat "$h/spool/out/shopco"/*.jsonl | grep -c 'PO-9104')" 1 \
    "c-stray: the first interchange's record"
ta1=$(grep -l 'TA1\*000000105\*' "$h/drop/shopco/out"/* 2>/dev/null | wc -l)
is "$ta1" 1 "c-stray: a TA1 for interchange 105 in the outbox"
if grep -h 'TA1\*000000105\*' "$h/drop/shopco/out"/* 2>/dev/null |
	grep -q 'TA1\*000000105\*[0-9]*\*[0-9]*\*R\*024~'; then ok
else bad "c-stray: the TA1 for 105 is not R 024"; fi
# a 997 for every readable interchange, none for the junk or bad ISA
is "$(grep -l 'AK1\*PO\*10[1246]~' "$h/drop/shopco/out"/* | wc -l)" 4 \
    "997s for the readable interchanges (not 103)"

# --- 9: status tells the truth --------------------------------------------

h="$t/h9"
mkhome "$h"
"$E" --home "$h" run >/dev/null 2>&1
expect_exit 0 "$E" --home "$h" status
expect_exit 2 "$E" --home "$h" status --partner nosuch
expect_err 'nosuch'
# a profile that does not load
printf '<partner id="southwh"><oops>\n' >"$h/partners/southwh.xml"
expect_exit 3 "$E" --home "$h" status
expect_out 'southwh .*FAILING'
expect_out 'profile'
expect_exit 3 "$E" --home "$h" status --json
json_ok "status --json"
expect_out '"failing":true'
expect_exit 0 "$E" --home "$h" status --partner depot
cp "$fx/home/partners/southwh.xml" "$h/partners/southwh.xml"
# a transport that is down: the inbox is gone, the run fails
mv "$h/drop/depot/in" "$h/drop/depot/gone"
"$E" --home "$h" run --partner depot >/dev/null 2>&1
expect_exit 3 "$E" --home "$h" status
expect_out 'depot .*FAILING'
expect_exit 3 "$E" --home "$h" status --partner depot
mv "$h/drop/depot/gone" "$h/drop/depot/in"
"$E" --home "$h" run --partner depot >/dev/null 2>&1
expect_exit 0 "$E" --home "$h" status

# --- 12: a spool that fills up ------------------------------------------------

# many FIRST N: N interchanges of 850-good.x12 in one file, ISA13 / GS06 /
# PO number FIRST, FIRST+1, ...
many() {
	awk -v first="$1" -v n="$2" '{ t = t $0 "\n" }
	END { for (k = 0; k < n; k++) { id = first + k; s = t
		gsub(/000000501/, sprintf("%09d", id), s)
		gsub(/\*501\*X\*/, "*" id "*X*", s)
		gsub(/GE\*1\*501~/, "GE*1*" id "~", s)
		gsub(/PO-9001/, "PO-" id, s); printf "%s", s } }' "$fx/850-good.x12"
}
if [ "$(id -u)" = 0 ] && command -v mount >/dev/null 2>&1; then
	h="$t/h12"
	mkhome "$h"
	in="$h/drop/shopco/in"
	i=0
	while [ $i -lt 8 ]; do
		many $((1000 + i * 100)) 100 >"$in/big-$i.x12"
		i=$((i + 1))
	done
	old "$in"/*
	mnt="$h/spool"
	mkdir -p "$mnt"
	# room for the spool copies and a few files' outputs, not all
	if mount -t tmpfs -o size=2600k tmpfs "$mnt" 2>/dev/null; then
		"$E" --home "$h" run --partner shopco --json >"$t/out" 2>"$t/err"
		is "$?" 3 "full spool: run exits 3"
		if grep -q 'disk holding the spool is full' "$t/err"; then ok
		else bad "full spool: the error does not name the full disk"
			sed 's/^/    /' "$t/err" | head -5; fi
		if grep -q 'savepoint' "$t/err"; then
			bad "full spool: the error is about a savepoint"; else ok; fi
		# the summary counts only what was committed
		q() { sqlite3 "$h/spool/ledger.db" "$1"; }
		for k in accepted records acks; do
			got=$(sed -n "s/.*\"$k\":\([0-9]*\).*/\1/p" "$t/out")
			case $k in
			accepted) want=$(q "SELECT count(*) FROM files WHERE state='accepted'") ;;
			records) want=$(q "SELECT COALESCE(sum(records),0) FROM transactions") ;;
			acks) want=$(q "SELECT count(*) FROM outputs WHERE kind='ack'") ;;
			esac
			is "$got" "$want" "full spool: --json $k counts what was committed"
		done
		is "$(ls "$h/drop/shopco/out" 2>/dev/null | wc -l | tr -d ' ')" \
		    "$(q "SELECT count(*) FROM outputs WHERE kind='ack' AND state='sent'")" \
		    "full spool: only committed acks delivered"
		# room again: the next run completes the work, once
		mount -o remount,size=64m "$mnt"
		expect_exit 0 "$E" --home "$h" run --partner shopco
		is "$(q "SELECT count(*) FROM files WHERE state='accepted'")" 8 \
		    "healthy spool: every file accepted"
		is "$(ls "$h/drop/shopco/out" | wc -l | tr -d ' ')" 800 \
		    "healthy spool: one 997 per interchange"
		is "$(cat "$h/drop/shopco/out"/* | grep -c '^AK1\*PO\*')" 800 \
		    "healthy spool: each interchange acknowledged once"
		is "$(cat "$h/drop/shopco/out"/* | grep '^AK1\*PO\*' | sort -u | wc -l | tr -d ' ')" 800 \
		    "healthy spool: no interchange acknowledged twice"
		umount "$mnt"
		mnt=""
	else
		echo "SKIP: robust: cannot mount a tmpfs"
	fi
else
	echo "SKIP: robust: full spool (needs root to mount a tmpfs)"
fi

# --- 13: smaller doors ----------------------------------------------------------

# ack on an unreadable ISA: a message, exit 1
h="$t/h13"
mkhome "$h"
sed '1s/\*U\*00401\*/*U*0040*/' "$fx/850-good.x12" >"$t/badisa.x12"
mkdir -p "$t/acks"
expect_exit 1 "$E" ack -o "$t/acks" --first-control 5 "$t/badisa.x12"
# never silent: a TA1 R naming the ISA field, or a message saying why not
if grep -h '^TA1\*' "$t/acks"/* 2>/dev/null | grep -q '\*R\*017~' ||
	grep -q 'badisa.x12: .*ISA' "$t/err"; then ok
else bad "ack on an unreadable ISA: neither a TA1 R 017 nor a message"
	sed 's/^/    /' "$t/out" "$t/err" | head -5; fi
rm -f "$t/acks"/*

# UTF-16, both byte orders, with and without a BOM
iconv -f UTF-8 -t UTF-16LE "$fx/850-good.x12" >"$t/le.x12"
iconv -f UTF-8 -t UTF-16BE "$fx/850-good.x12" >"$t/be.x12"
{ printf '\377\376'; cat "$t/le.x12"; } >"$t/lebom.x12"
{ printf '\376\377'; cat "$t/be.x12"; } >"$t/bebom.x12"
for f in le be lebom bebom; do
	expect_exit 1 "$E" validate "$t/$f.x12"
	expect_out 'UTF-16'
	expect_exit 1 "$E" parse "$t/$f.x12"
	expect_err 'UTF-16'
	expect_exit 1 "$E" ack -o "$t/acks" "$t/$f.x12"
	expect_err 'UTF-16'
	expect_exit 1 "$E" --home "$h" map --partner shopco "$t/$f.x12"
	grep -q 'UTF-16' "$t/out" "$t/err" && ok || bad "map $f: UTF-16 not named"
	cp "$t/$f.x12" "$h/drop/shopco/in/$f.x12"
done
old "$h/drop/shopco/in"/*
expect_exit 1 "$E" --home "$h" run --partner shopco
is "$(sqlite3 "$h/spool/ledger.db" "SELECT count(*) FROM findings WHERE
    message LIKE '%UTF-16%'")" 4 "run: each UTF-16 file refused by name"

# the TA1 for a second interchange claiming another sender
h="$t/h13b"
mkhome "$h"
{ v850 301; v850 302 | sed '1s/SHOPCOTEST     /DEPOTTEST      /'; } \
    >"$h/drop/shopco/in/other.x12"
old "$h/drop/shopco/in"/*
expect_exit 1 "$E" --home "$h" run --partner shopco
is "$(grep -l 'DEPOTTEST' "$h/drop/shopco/out"/* 2>/dev/null | wc -l | tr -d ' ')" 0 \
    "no ack addressed to another sender in this partner's outbox"
is "$(grep -l 'TA1\*000000302\*' "$h/spool/quarantine/shopco"/*/* 2>/dev/null |
    wc -l | tr -d ' ')" 1 "the TA1 for it waits in the quarantine"
is "$(grep -l 'AK1\*PO\*301~' "$h/drop/shopco/out"/* | wc -l | tr -d ' ')" 1 \
    "the partner's own interchange is acknowledged"

# a newline in a file name: one line per file in `files`
h="$t/h13c"
mkhome "$h"
v850 401 >"$h/drop/shopco/in/two
lines.x12"
old "$h/drop/shopco/in"/*
"$E" --home "$h" run --partner shopco >/dev/null 2>&1
expect_exit 0 "$E" --home "$h" files
is "$(wc -l <"$t/out" | tr -d ' ')" 2 "files: a header and one line"
expect_out 'two\\nlines\.x12'
expect_exit 0 "$E" --home "$h" files --json
json_ok "files --json"

# ack --counter wraps after 999999999, as the run's sequence does
echo 999999999 >"$t/counter"
rm -rf "$t/acks"; mkdir -p "$t/acks"
v850 501 >"$t/c1.x12"
v850 502 >"$t/c2.x12"
expect_exit 0 "$E" ack -o "$t/acks" --counter "$t/counter" "$t/c1.x12" "$t/c2.x12"
# (ISA13 and GS06 share the counter: GS06 999999999, ISA13 1, then 2, 3)
is "$(ls "$t/acks" | tr '\n' ' ')" \
    "000000501-000000001.ack.x12 000000502-000000003.ack.x12 " \
    "ack --counter: after 999999999 comes 1"
grep -q '^GS\*FA\*.*\*999999999\*X\*' "$t/acks/000000501-000000001.ack.x12" &&
    ok || bad "ack --counter: GS06 999999999 used before the wrap"
is "$(cat "$t/counter" | tr -d '\n')" 4 "ack --counter: the next number after the wrap"

echo "robust: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
