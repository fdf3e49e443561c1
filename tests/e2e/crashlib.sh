# crashlib.sh - what crash.sh and chaos.sh share: a test home with a mixed
# batch (see crash.sh for what it holds), the reference run without a
# crash, and the checks that every later run must pass (invariants,
# snapshot, third_run).  Sourced after `set -u`, with $here, $root and
# $me (the script's name, for messages) set.
bin=${EDIGATE:?set EDIGATE to the edigate binary}
fx="$root/tests/fixtures/map"
t=$(mktemp -d)
# $cleanup_more (a function name) runs first at exit: chaos.sh unmounts
crash_cleanup() {
	${cleanup_more:-:}
	if [ "${CRASH_KEEP:-0}" = 1 ]; then echo "$me: kept $t"
	else rm -rf "$t"; fi
}
trap crash_cleanup EXIT
pass=0 fail=0
. "$here/lib.sh"
unset EDIGATE_HOME EDIGATE_SPOOL EDIGATE_CRASH_AT EDIGATE_NOW

for tool in sqlite3 python3 gzip sha256sum; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $me: $tool not found"
		exit 0
	fi
done

scen=-      # the scenario being checked, for the messages
# one line per scenario when all its checks pass (CRASH_VERBOSE=1: one
# per check), one per failed check
good() { ok; [ "${CRASH_VERBOSE:-0}" = 1 ] && echo "ok: $scen: $*"; :; }
begin() { scen=$1 pass0=$pass fail0=$fail; }
end() {
	if [ "$fail" -eq "$fail0" ]; then echo "ok: $scen ($((pass - pass0)) checks)"; fi
}
no() { bad "$scen: $*"; }
# is GOT WANT TEXT
is() {
	if [ "$1" = "$2" ]; then good "$3"; else no "$3 (got '$1', want '$2')"; fi
}

partners="depot northwh shopco westfood"
leave_partners="depot northwh westfood"

# --- inputs --------------------------------------------------------------

begin setup
in="$t/inputs"
mkdir -p "$in/depot" "$in/northwh" "$in/shopco" "$in/westfood"
# v850 N: 850-good as another interchange: ISA13, GS06/GE02 and PO N
v850() {
	sed -e "s/000000501/000000$1/" -e "s/^\(GS\*.*\)\*501\*X\*/\1*$1*X*/" \
	    -e "s/^GE\*1\*501~/GE*1*$1~/" -e "s/PO-9001/PO-9$1/" \
	    "$fx/850-good.x12"
}
cp "$fx/940-good.x12" "$fx/940-two-sets.x12" "$in/depot/"      # accepted, partial
cp "$fx/945-good.x12" "$fx/945-over-tolerance.x12" "$in/northwh/" # accepted, rejected (rule)
# UN/EDIFACT beside the X12 (a European retailer, last in the batch):
# a DESADV and an ORDERS mapped, a DESADV rejected by its map (a GTIN
# with a wrong check digit); a CONTRL for each
efx="$root/tests/fixtures/edifact/map"
cp "$efx/desadv_full.edi" "$efx/orders_full.edi" "$efx/desadv_badgtin.edi" \
    "$in/westfood/"
s="$in/shopco"
cp "$fx/850-good.x12" "$fx/850-split.x12" "$fx/850-unmapped-uom.x12" "$s/"
cp "$fx/850-good.x12" "$s/850-good-copy.x12"   # the same bytes: a duplicate
v850 701 | sed 's/^SE\*28\*/SE*27*/' >"$s/850-bad-se01.x12"  # set rejected
v850 801 | sed 's/^GE\*1\*801~/GE*1*802~/' >"$s/850-bad-ge02.x12" # group rejected
printf 'PO 9999: two pallets of blue widgets, please.\n' >"$s/notes.x12"
v850 601 >"$t/850-bundled.x12"
python3 - "$s/bundle.x12" "$fx/850-good-005010.x12" "$t/850-bundled.x12" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[2], "850-good-005010.x12")
    z.write(sys.argv[3], "850-bundled.x12")
EOF
if ! cmp -s "$fx/850-good.x12" "$s/850-bad-se01.x12" &&
	grep -q '^SE\*27\*' "$s/850-bad-se01.x12" &&
	grep -q '^GE\*1\*802~' "$s/850-bad-ge02.x12" &&
	grep -q '^GS\*.*\*801\*X\*' "$s/850-bad-ge02.x12"; then good "inputs made"
else no "inputs: the sed edits of 850-good.x12 did not apply"; fi
ninputs=$(find "$in" -type f | wc -l | tr -d ' ')
for p in $partners; do
	for f in "$in/$p"/*; do
		echo "$p ${f##*/} $(sha256sum <"$f" | cut -c1-64)"
	done
done | sort >"$t/inputs.sha"

# --- the template home -----------------------------------------------------

tmpl="$t/tmpl"
mkdir -p "$tmpl"
ln -s "$root/edi" "$tmpl/edi"
ln -s "$root/schemas" "$tmpl/schemas"
cp -R "$fx/home/partners" "$tmpl/partners"
sed 's|<after-pickup action="leave"/>|<after-pickup action="delete"/>|' \
    "$fx/home/partners/shopco.xml" >"$tmpl/partners/shopco.xml"
if grep -q 'action="delete"' "$tmpl/partners/shopco.xml"; then ok
else no "shopco profile: after-pickup not changed to delete"; fi
sed 's/eurofood/westfood/g' "$efx/partners/eurofood.xml" \
    >"$tmpl/partners/westfood.xml"
for p in depot northwh shopco southwh westfood; do mkdir -p "$tmpl/drop/$p/in"; done
# only run makes a spool: one run on the empty inboxes, so that `sent`
# below has a ledger
"$bin" --home "$tmpl" run >/dev/null 2>&1
for p in $partners; do cp "$in/$p"/* "$tmpl/drop/$p/in/"; done
# older than the profiles' stable-for
touch -d '1 hour ago' "$tmpl"/drop/*/in/* 2>/dev/null ||
	touch -t "$(date -d '1 hour ago' +%Y%m%d%H%M 2>/dev/null || echo 202001010000)" \
	    "$tmpl"/drop/*/in/*
# the 940 the 945s answer
expect_exit 0 "$bin" --home "$tmpl" sent --partner northwh "$fx/940-sent.x12"
end

# --- helpers -------------------------------------------------------------

q() { sqlite3 "$h/spool/ledger.db" "$1"; }

# sanitizers report on stderr (ASan exits 1, like a rejected file)
no_sanitizer() { # WHAT
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$t/err"; then
		no "$1: sanitizer report"; sed 's/^/    /' "$t/err" | head -20
	else ok; fi
}

# run_plain WHAT [run options]: a run without a crash point: 0 or 1
run_plain() {
	what=$1; shift
	"$bin" --home "$h" run "$@" >"$t/out" 2>"$t/err"
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then good "$what: exit $rc"
	else no "$what: exit $rc, want 0 or 1"; sed 's/^/    /' "$t/out" "$t/err" | tail -15; fi
	no_sanitizer "$what"
}

# run_crash POINT [run options]: the run must die at the point (SIGKILL)
run_crash() {
	pt=$1; shift
	EDIGATE_CRASH_AT=$pt "$bin" --home "$h" run "$@" >"$t/out" 2>"$t/err"
	rc=$?
	if [ "$rc" -eq 137 ]; then good "run killed at $pt (exit 137)"
	else no "crash point $pt not reached: exit $rc, want 137"
		sed 's/^/    /' "$t/out" "$t/err" | tail -8; fi
	no_sanitizer "crash run $pt"
}

# An ack without what changes from run to run: ISA09/ISA10, GS04/GS05
# and the control numbers (ISA13, GS06, GE02, IEA02); a CONTRL's UNB
# date and time and its reference (UNB and UNZ 0020); one line.
ack_norm() {
	if head -c 3 "$1" | grep -q '^UN[AB]'; then
		awk 'BEGIN { RS = "\047"; ORS = "" }
		{ sub(/^[\r\n]+/, ""); if ($0 == "") next
		  n = split($0, f, "+")
		  if (f[1] == "UNB") { f[5] = "D"; f[6] = "N" }
		  else if (f[1] == "UNZ") f[3] = "N"
		  s = f[1]; for (i = 2; i <= n; i++) s = s "+" f[i]
		  print s "\047" }
		END { print "\n" }' "$1"
		return
	fi
	awk 'BEGIN { RS = "~"; ORS = "" }
	{ sub(/^[\r\n]+/, ""); if ($0 == "") next
	  n = split($0, f, "*")
	  if (f[1] == "ISA") { f[10] = "D"; f[11] = "T"; f[14] = "N" }
	  else if (f[1] == "GS") { f[5] = "D"; f[6] = "T"; f[7] = "N" }
	  else if (f[1] == "GE" || f[1] == "IEA") f[3] = "N"
	  s = f[1]; for (i = 2; i <= n; i++) s = s "*" f[i]
	  print s "~" }
	END { print "\n" }' "$1"
}
# ISA13 or GS06 (WHICH) of an ack file, without leading zeros (a
# CONTRL: its UNB 0020 as "isa")
ack_ctl() { # WHICH FILE
	if head -c 3 "$2" | grep -q '^UN[AB]'; then
		awk -v w="$1" 'BEGIN { RS = "\047" }
		{ sub(/^[\r\n]+/, ""); split($0, f, "+")
		  if (w == "isa" && f[1] == "UNB") print f[6] + 0 }' "$2"
		return
	fi
	awk -v w="$1" 'BEGIN { RS = "~" }
	{ sub(/^[\r\n]+/, ""); split($0, f, "*")
	  if (w == "isa" && f[1] == "ISA") print f[14] + 0
	  if (w == "gs" && f[1] == "GS") print f[7] + 0 }' "$2"
}

# What the outcome is, for comparing with the reference.
snapshot() { # OUT
	{
		echo "# files (partner name state)"
		q "SELECT partner, name, state FROM files WHERE source IN
		   ('local','bundle') ORDER BY 1, 2, 3"
		echo "# records (partner files lines)"
		for p in $partners; do
			n=0 l=0
			for f in "$h/spool/out/$p"/*.jsonl; do
				[ -f "$f" ] || continue
				n=$((n + 1)) l=$((l + $(wc -l <"$f")))
			done
			echo "$p $n $l"
		done
		echo "# quarantine (partner/original name)"
		for p in $partners; do
			for f in "$h/spool/quarantine/$p"/*/*; do
				[ -f "$f" ] || continue
				case ${f##*/} in report.txt|report.json) continue ;; esac
				echo "$p/${f##*/}"
			done
		done | sort
		echo "# outbox (partner files)"
		for p in $partners; do
			echo "$p $(ls "$h/drop/$p/out" 2>/dev/null | wc -l | tr -d ' ')"
		done
		echo "# acks (partner, normalised content)"
		for p in $partners; do
			for f in "$h/drop/$p/out"/*; do
				[ -f "$f" ] && echo "$p $(ack_norm "$f")"
			done
		done | sort
	} >"$1"
}

# Everything final and consistent in home $h.
invariants() {
	is "$(q "SELECT count(*) FROM files WHERE state IN ('received','processed')")" 0 \
	    "no file left received or processed"
	is "$(q "SELECT count(*) FROM files WHERE source IN ('local','bundle') AND
	    state NOT IN ('accepted','partial','rejected','duplicate','unpacked')")" 0 \
	    "every file in a final state"
	is "$(q "SELECT count(*) FROM files WHERE source='local'")" "$ninputs" \
	    "one files row per input (source local)"
	is "$(q "SELECT count(*) FROM (SELECT 1 FROM files WHERE source='local'
	    GROUP BY partner, remote_path HAVING count(*) > 1)")" 0 \
	    "no inbox file ingested twice"

	# every input's bytes are known, by its name (the inputs' sha256s
	# are taken once, in $t/inputs.sha)
	q "SELECT partner || ' ' || name || ' ' || sha256 FROM files WHERE
	   source='local' ORDER BY 1" >"$t/ledger.sha"
	miss=$(diff "$t/inputs.sha" "$t/ledger.sha" | grep '^[<>]' | tr '\n' ' ')
	is "$miss" "" "every input's sha256 in the ledger once"

	# archives: there, and the original bytes (one python3 for all)
	q "SELECT partner, name, source, sha256, COALESCE(archive_path,'')
	   FROM files WHERE source IN ('local','bundle')" >"$t/rows"
	nar=$(wc -l <"$t/rows" | tr -d ' ')
	arch=$(python3 - "$h/spool" "$in" "$t/rows" <<'PYEOF'
import gzip, hashlib, os, sys
spool, inputs, rows = sys.argv[1:4]
bad = []
for line in open(rows, encoding="utf-8"):
    p, name, src, sha, ap = line.rstrip("\n").split("|")
    a = os.path.join(spool, ap)
    if not ap or not os.path.isfile(a):
        bad.append(f"{p}/{name}:missing")
        continue
    data = gzip.open(a).read()
    if hashlib.sha256(data).hexdigest() != sha:
        bad.append(f"{p}/{name}:sha")
    if src == "local":
        with open(os.path.join(inputs, p, name), "rb") as f:
            if f.read() != data:
                bad.append(f"{p}/{name}:bytes")
print(" ".join(bad))
PYEOF
)
	is "$arch" "" "every file archived ($nar), gunzips to its original"

	# outputs: none left staged, acks all sent, every one in place
	is "$(q "SELECT count(*) FROM outputs WHERE state NOT IN ('published','sent')")" 0 \
	    "no output left staged"
	is "$(q "SELECT count(*) FROM outputs WHERE kind='ack' AND state<>'sent'")" 0 \
	    "every ack output is sent"
	gone=""
	for r in $(q "SELECT path FROM outputs"); do
		[ -f "$h/spool/$r" ] || gone="$gone $r"
	done
	is "$gone" "" "every output where the ledger says"

	# records files: only for accepted / partial files, never empty
	recbad=""
	for p in $partners; do
		for f in "$h/spool/out/$p"/*.jsonl; do
			[ -f "$f" ] || continue
			id=${f##*/}; id=${id%.jsonl}
			st=$(q "SELECT name || ':' || state FROM files WHERE id='$id'")
			case $st in *:accepted|*:partial) ;; *) recbad="$recbad $st" ;; esac
			[ -s "$f" ] || recbad="$recbad $st:empty"
		done
	done
	# (said once, by the reference; a crash must not add to it)
	if [ "$scen" = reference ]; then
		recbad_ref=$recbad
		is "$recbad" "" "records files only for accepted/partial files, none empty"
	else
		is "$recbad" "$recbad_ref" "records files: no anomaly but the reference's"
	fi
	lines=0
	for f in "$h/spool/out"/*/*.jsonl; do
		[ -f "$f" ] && lines=$((lines + $(wc -l <"$f")))
	done
	is "$lines" "$(q "SELECT COALESCE(sum(t.records),0) FROM transactions t
	    JOIN files f ON f.id=t.file_id WHERE f.source IN ('local','bundle')")" \
	    "record lines = the ledger's records"

	# outboxes: exactly the ledger's acks, control numbers never reused
	for p in $partners; do
		o="$h/drop/$p/out"
		tmps=""
		for f in "$o"/.[!.]* "$o"/..?*; do
			[ -e "$f" ] && tmps="$tmps ${f##*/}"
		done
		is "$tmps" "" "$p: no temporary file in the outbox"
		is "$(ls "$o" 2>/dev/null | tr '\n' ' ')" \
		    "$(q "SELECT o.name FROM outputs o JOIN files f ON f.id=o.file_id
		       WHERE f.partner='$p' AND o.kind='ack' ORDER BY o.name" | tr '\n' ' ')" \
		    "$p: the outbox holds exactly the ledger's acks"
		diffs=""
		for f in "$o"/*; do
			[ -f "$f" ] || continue
			cmp -s "$f" "$h/spool/out/$p/acks/${f##*/}" || diffs="$diffs ${f##*/}"
		done
		is "$diffs" "" "$p: each outbox ack is the spool's copy"
		: >"$t/isa"; : >"$t/gs"
		for f in "$o"/*; do
			[ -f "$f" ] || continue
			ack_ctl isa "$f" >>"$t/isa"; ack_ctl gs "$f" >>"$t/gs"
		done
		is "$(sort "$t/isa" | uniq -d | tr '\n' ' ')" "" "$p: ISA13 never reused"
		is "$(sort "$t/gs" | uniq -d | tr '\n' ' ')" "" "$p: GS06 never reused"
		max=$(cat "$t/isa" "$t/gs" | sort -n | tail -1)
		last=$(q "SELECT last FROM control_numbers WHERE partner='$p' AND kind='isa'")
		if [ -z "$max" ] || { [ -n "$last" ] && [ "$last" -ge "$max" ]; }; then
			good "$p: control_numbers.last ($last) >= largest used ($max)"
		else no "$p: control_numbers.last '$last' < largest used $max"; fi
	done

	# two acks alike but for dates and control numbers: only the one
	# re-acknowledging the duplicate 850-good.x12 (the profile's default)
	same=$(for p in $partners; do
		for f in "$h/drop/$p/out"/*; do
			[ -f "$f" ] && echo "$p $(ack_norm "$f")"
		done
	done | sort | uniq -d | wc -l | tr -d ' ')
	is "$same" 1 "no ack sent twice (one pair alike: the duplicate's re-ack)"

	# nothing left behind in the spool
	is "$(ls -A "$h/spool/work" 2>/dev/null | tr '\n' ' ')" "" "spool/work empty"
	left=""
	for p in $partners southwh; do
		left="$left$(ls -A "$h/spool/in/$p" 2>/dev/null | sed "s|^| $p/|" | tr -d '\n')"
	done
	is "$left" "" "spool/in empty"

	# the inboxes: delete emptied it, leave left every input as it was
	is "$(ls -A "$h/drop/shopco/in" | tr '\n' ' ')" "" "shopco (delete): inbox emptied"
	kept=""
	for p in $leave_partners; do
		for f in "$in/$p"/*; do
			cmp -s "$f" "$h/drop/$p/in/${f##*/}" || kept="$kept $p/${f##*/}"
		done
	done
	is "$kept" "" "depot, northwh, westfood (leave): inputs left in place"
}

# A run after everything is final takes nothing and sends nothing.
third_run() {
	nf=$(q "SELECT count(*) FROM files")
	ls "$h"/drop/*/out >"$t/outbox.before" 2>&1
	"$bin" --home "$h" run >"$t/out" 2>"$t/err"
	rc=$?
	is "$rc" 0 "one more run: exit 0"
	no_sanitizer "one more run"
	if grep -q '^run: 0 file(s) taken, 0 processed' "$t/out"; then good "one more run: nothing taken"
	else no "one more run took something"; sed 's/^/    /' "$t/out" | tail -5; fi
	is "$(q "SELECT count(*) FROM files")" "$nf" "one more run: files count unchanged"
	ls "$h"/drop/*/out >"$t/outbox.after" 2>&1
	if cmp -s "$t/outbox.before" "$t/outbox.after"; then good "one more run: nothing more sent"
	else no "one more run: the outboxes changed"
		diff "$t/outbox.before" "$t/outbox.after" | sed 's/^/    /' | head -5; fi
}

# --- the reference ------------------------------------------------------------

begin reference
h="$t/ref"
cp -R -p "$tmpl" "$h"
run_plain "reference run"
is "$rc" 1 "reference run: exit 1 (some files rejected)"
invariants
snapshot "$t/ref.snap"
third_run
# the reference is what the inputs were made for
is "$(q "SELECT group_concat(name || ':' || state, ' ') FROM (SELECT name, state
    FROM files WHERE source IN ('local','bundle') ORDER BY partner, name)")" \
    "940-good.x12:accepted 940-two-sets.x12:partial 945-good.x12:accepted 945-over-tolerance.x12:rejected 850-bad-ge02.x12:rejected 850-bad-se01.x12:rejected 850-bundled.x12:accepted 850-good-005010.x12:accepted 850-good-copy.x12:accepted 850-good.x12:duplicate 850-split.x12:accepted 850-unmapped-uom.x12:rejected bundle.x12:unpacked notes.x12:rejected desadv_badgtin.edi:rejected desadv_full.edi:accepted orders_full.edi:accepted" \
    "reference outcome per file"
is "$(sed -n '/^# outbox/,/^#/p' "$t/ref.snap" | grep -v '^#' | tr '\n' ' ')" \
    "depot 2 northwh 2 shopco 8 westfood 3 " "acks in the outboxes"
end

