#!/bin/sh
# Hostile partners and unlucky operators (issue 21), end to end with the
# real binary: damaged compressed files are refused (gzip CRC-32 and
# length), nested bundles share one budget and a depth limit, entities in
# profiles and guides are refused in well under a second, and `leave`
# mode takes a same-size rewrite that kept the mtime (hash) or the second
# (nanosecond mtime); an order's lines are kept in bounded memory (a
# 940 of 10,000 lines) and an 850 to too many stores is refused.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/hostile.sh
# POSIX sh; needs python3 (fixtures) and sqlite3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"

for tool in python3 sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: hostile: $tool not found"; exit 0; }
done

new_home() {
	h="$t/$1"
	rm -rf "$h"
	for p in shopco northwh depot southwh; do mkdir -p "$h/drop/$p/in"; done
	ln -s "$root/edi" "$h/edi"
	ln -s "$root/schemas" "$h/schemas"
	cp -R "$fx/home/partners" "$h/partners"
	E="$bin --home $h"
	db="$h/spool/ledger.db"
}
q() { sqlite3 "$db" "$1"; }
expect_sql() { # SQL WANT
	got=$(q "$1")
	if [ "$got" = "$2" ]; then ok; else bad "sql: $1: got '$got', want '$2'"; fi
}
# An 850 like 850-good with another ISA13/GS06 and PO number (same size
# for the same lengths).
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
# Seconds a command took, to the millisecond.
timed() {
	s0=$(date +%s.%N)
	"$@" >"$t/out" 2>"$t/err"
	rc=$?
	s1=$(date +%s.%N)
	secs=$(python3 -c "print('%.3f' % ($s1 - $s0))")
	return $rc
}

# --- 1. a damaged gzip is refused, never processed (21.3) ------------------
new_home h1
mk850 "$t/q1.x12" 000000611 PO-Q1
python3 - "$t/q1.x12" "$h/drop/shopco/in" <<'EOF'
import gzip, sys, os
src, d = sys.argv[1:3]
data = open(src, "rb").read()
# the same interchange with a changed quantity: the trailer's CRC says no
bad = data.replace(b"PO1*1*10*", b"PO1*1*90*", 1)
assert bad != data
good_gz = gzip.compress(data)
bad_gz = gzip.compress(bad)
# the damaged one: the changed data under the original's trailer
open(d + "/crc-gz.x12", "wb").write(bad_gz[:-8] + good_gz[-8:])
open(d + "/len-gz.x12", "wb").write(good_gz[:-1] + bytes([good_gz[-1] ^ 1]))
open(d + "/junk-gz.x12", "wb").write(good_gz + b"junk")
EOF
touch -d '1 hour ago' "$h/drop/shopco/in/"*
expect_exit 1 $E run
expect_out '3 file\(s\) taken, 3 processed: 0 accepted, 0 partial, 3 rejected'
expect_sql "SELECT state FROM files WHERE name='crc-gz.x12'" rejected
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='crc-gz.x12' AND f.rule='bundle-bad' AND f.message LIKE '%CRC-32%'" 1
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='len-gz.x12' AND f.message LIKE '%length%'" 1
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='junk-gz.x12' AND f.message LIKE '%after the end%'" 1
expect_sql "SELECT count(*) FROM files WHERE parent_id IS NOT NULL AND parent_id<>''" 0
expect_sql "SELECT count(*) FROM business_keys" 0
[ -z "$(ls -A "$h/drop/shopco/out" 2>/dev/null)" ] && ok || bad "a damaged gzip is not acknowledged"

# --- 2. nested bundles: one budget, a depth limit (21.7) -------------------
new_home h2
mk850 "$t/n1.x12" 000000621 PO-N1
mk850 "$t/n2.x12" 000000622 PO-N2
python3 - "$t" "$h/drop/shopco/in" <<'EOF'
import io, sys, zipfile
t, d = sys.argv[1:3]
def zbytes(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()
n1 = open(t + "/n1.x12", "rb").read()
n2 = open(t + "/n2.x12", "rb").read()
# two levels: taken; three levels: refused by default
open(d + "/two.x12", "wb").write(zbytes([("in.zip", zbytes([("n1.x12", n1)]))]))
l1 = zbytes([("n2.x12", n2)])
open(d + "/three.x12", "wb").write(zbytes([("l2.zip", zbytes([("l1.zip", l1)]))]))
# the issue's fan-out: 16 x 16 x 16, about 16 KB
leaf = zbytes([("f%02d.x12" % i, b"x" * 80000) for i in range(16)])
mid = zbytes([("m%02d.zip" % i, leaf) for i in range(16)])
open(d + "/fan.x12", "wb").write(zbytes([("t%02d.zip" % i, mid) for i in range(16)]))
EOF
touch -d '1 hour ago' "$h/drop/shopco/in/"*
expect_exit 1 $E run
expect_sql "SELECT state FROM files WHERE name='two.x12'" unpacked
expect_sql "SELECT name || ':' || state FROM files WHERE parent_id=(SELECT id FROM files WHERE name='two.x12')" "in.zip!n1.x12:accepted"
expect_sql "SELECT state FROM files WHERE name='three.x12'" rejected
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='three.x12' AND f.rule='bundle-limit' AND f.message LIKE '%max-bundle-depth%'" 1
expect_sql "SELECT state FROM files WHERE name='fan.x12'" rejected
expect_sql "SELECT count(*) FROM files WHERE parent_id=(SELECT id FROM files WHERE name='fan.x12')" 0
expect_sql "SELECT count(*) FROM files" 4
# the profile lifts the depth: the three-level file is taken again
sed -i 's#  <codemap name="uom">#  <limits max-bundle-depth="3"/>\n  <codemap name="uom">#' "$h/partners/shopco.xml"
expect_exit 0 $E partner check shopco
rm "$h/drop/shopco/in/"*
python3 - "$t" "$h/drop/shopco/in" <<'EOF'
import io, sys, zipfile
t, d = sys.argv[1:3]
def zbytes(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()
n2 = open(t + "/n2.x12", "rb").read()
l1 = zbytes([("l1.zip", zbytes([("n2.x12", n2)]))])
open(d + "/three-b.x12", "wb").write(zbytes([("l2.zip", l1)]))
EOF
touch -d '1 hour ago' "$h/drop/shopco/in/"*
expect_exit 0 $E run
expect_sql "SELECT name || ':' || state FROM files WHERE parent_id=(SELECT id FROM files WHERE name='three-b.x12')" "l2.zip!l1.zip!n2.x12:accepted"
sed -i 's#max-bundle-depth="3"#max-bundle-depth="9"#' "$h/partners/shopco.xml"
expect_exit 2 $E partner check shopco
expect_out 'max-bundle-depth'

# --- 3. entities in profiles and guides: refused at once (21.10) -----------
# What proves the refusal is the message naming the declaration: the
# parse stops there, before any expansion.  The time is only a guard
# against the old hang (4,000 references took 14-61 s), compared with
# the same command on the clean file and loose enough never to depend on
# the machine's load; the < 1 s figure of a release build is measured by
# hand (docs/limits.md), not asserted here.
under_base() { # WHAT BASE
	if python3 -c "import sys; sys.exit(0 if $secs < $2 + 8.0 else 1)"; then ok
	else bad "$1 took $secs s, the clean file $2 s (it hangs again?)"; fi
}
new_home h3
timed $E partner check shopco; b_check=$secs
timed $E run; b_run=$secs
timed $E guide check "$root/edi/x12/004010/850.xml"; b_guide=$secs
python3 - "$h/partners/shopco.xml" "$t/guide.xml" "$root/edi/x12/004010/850.xml" <<'EOF2'
import sys
prof, guide, g850 = sys.argv[1:4]
s = open(prof).read()
ent = '<!DOCTYPE partner [<!ENTITY e "%s">]>\n' % ("x" * 5000)
s = s.replace('<partner id="shopco" name="Shop Co. (test)"',
              ent + '<partner id="shopco" name="' + "&e;" * 4000 + '"', 1)
open(prof, "w").write(s)
g = open(g850).read()
i = g.index("?>") + 2
g = g[:i] + '\n<!DOCTYPE guide [<!ENTITY e "%s">]>' % ("y" * 5000) + g[i:]
open(guide, "w").write(g.replace('name="', 'name="' + "&e;" * 4000, 1))
EOF2
timed $E partner check shopco
[ $rc -eq 2 ] && ok || bad "partner check: exit $rc, want 2"
under_base "partner check on an entity profile" $b_check
expect_out "entity declaration 'e' refused"
timed $E run
[ $rc -ne 0 ] && ok || bad "run with an entity profile: exit 0"
under_base "run on an entity profile" $b_run
timed $E guide check "$t/guide.xml"
[ $rc -ne 0 ] && ok || bad "guide check on an entity guide: exit 0"
under_base "guide check on an entity guide" $b_guide
grep -q "entity declaration 'e' refused" "$t/out" "$t/err" && ok || bad "guide check names the entity"

# --- 4. leave mode sees a rewrite (21.11) -----------------------------------
new_home h4
mk850 "$t/r1.x12" 000000631 PO-R1
mk850 "$t/r2.x12" 000000632 PO-R2
cmp -s "$t/r1.x12" "$t/r2.x12" && bad "fixtures differ"
[ "$(wc -c <"$t/r1.x12")" = "$(wc -c <"$t/r2.x12")" ] && ok || bad "same size"
f="$h/drop/shopco/in/r.x12"
cp "$t/r1.x12" "$f"; touch -d '2026-01-01 10:00:00' "$f"
expect_exit 0 $E run
expect_out '1 file\(s\) taken'
# the same size and the very same mtime: only the bytes tell
cp "$t/r2.x12" "$f"; touch -d '2026-01-01 10:00:00' "$f"
expect_exit 0 $E run
expect_out '1 file\(s\) taken'
expect_sql "SELECT count(*) FROM files WHERE name='r.x12' AND state='accepted'" 2
expect_sql "SELECT count(DISTINCT file_id) FROM business_keys WHERE value='PO-R2'" 1
# still there, unchanged: not taken again
expect_exit 0 $E run
expect_out '0 file\(s\) taken'
# within the same second, another nanosecond: taken
cp "$t/r1.x12" "$f"; touch -d '2026-01-01 10:00:00.250' "$f"
expect_exit 0 $E run
expect_out '1 file\(s\) taken'
expect_sql "SELECT count(*) FROM files WHERE name='r.x12'" 3

# --- 5. an order's lines in bounded memory (21.4) ---------------------------
# A 940 of 10,000 lines: its lines are a run (record.h), the ledger keeps
# them one at a time and the records file takes the record in pieces (its
# JSON is over the 1 MiB the pipeline buffers): one record, every line,
# every quantity.  An 850 to 1,001 stores is more than one order is split
# into: refused by name.
new_home h5
python3 - "$h/drop/depot/in/big.x12" "$h/drop/shopco/in/stores.x12" <<'EOF'
import sys
def env(snd, fn, st, body):
    segs = [st] + body
    segs.append("SE*%d*0001" % (len(segs) + 1))
    return ("ISA*00*          *00*          *ZZ*%-15s*ZZ*ACMETEST       "
            "*240110*0800*U*00401*000000771*0*P*>~\n"
            "GS*%s*%s*ACMETEST*20240110*0800*771*X*004010~\n" % (snd, fn, snd)
            + "~\n".join(segs) + "~\nGE*1*771~\nIEA*1*000000771~\n")
body = ["W05*N*ORD-BIG*PO-BIG", "N1*ST*BIG RETAIL STORE 0668*92*0668",
        "W66*PP*U***UPS GROUND*****UPSN"]
for i in range(10000):
    body += ["LX*%d" % (i + 1),
             "W01*%d*EA*084512100007*VN*SKU-%05d" % (1 + i % 9, i),
             "G69*MENS CREW TEE BLACK XS"]
body.append("W76*1*1*LB")
open(sys.argv[1], "w").write(env("DEPOTTEST", "OW", "ST*940*0001", body))
body = ["BEG*00*SA*PO-STORES**20240107", "N1*BT*SHOPCO INC*92*HQ"]
for i in range(1001):
    body += ["PO1*%d*6*EA*5**UP*012345678905*VN*SKU-RED-M" % (i + 1),
             "N1*ST*SHOPCO STORE %d*92*S%d" % (i, i)]
body.append("CTT*1001")
open(sys.argv[2], "w").write(env("SHOPCOTEST", "PO", "ST*850*0001", body))
EOF
touch -d '1 hour ago' "$h/drop/depot/in/"* "$h/drop/shopco/in/"*
expect_exit 1 $E run
expect_out '2 file\(s\) taken, 2 processed: 1 accepted, 0 partial, 1 rejected'
expect_sql "SELECT state FROM files WHERE name='big.x12'" accepted
expect_sql "SELECT count(*), sum(CAST(quantity AS INTEGER)) FROM ref_lines" "10000|49996"
rec=$(find "$h/spool/out/depot" -name '*.jsonl' | head -n 1)
python3 - "$rec" <<'EOF' && ok || bad "the 940's record holds its 10,000 lines"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 1, len(recs)
lines = recs[0]["lines"]
assert len(lines) == 10000, len(lines)
assert [l["lineNumber"] for l in lines] == [str(i + 1) for i in range(10000)]
assert sum(l["quantityOrdered"]["value"] for l in lines) == 49996
EOF
expect_sql "SELECT state FROM files WHERE name='stores.x12'" rejected
expect_sql "SELECT count(*) FROM findings f JOIN files x ON x.id=f.file_id WHERE x.name='stores.x12' AND f.rule='map-too-large' AND f.message LIKE '%more than 1000 ship-to destinations%'" 1

echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
