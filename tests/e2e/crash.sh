#!/bin/sh
# crash.sh - crash safety of `edigate run`, end to end.
#
# A test home (the profiles of tests/fixtures/map/home, local transports,
# shopco's after-pickup changed to "delete" so the clean-up is exercised;
# depot and northwh "leave" theirs) gets a mixed batch made at test time
# from tests/fixtures/map: good, split, partial and duplicate files, files
# rejected by mapping, by a rule, by syntax (SE01, GE02), a file that is
# not X12 and a zip bundle of two 850s; and, for a fourth partner
# (westfood, last in the batch), UN/EDIFACT from tests/fixtures/edifact/map:
# a DESADV and an ORDERS mapped, a DESADV rejected by its map, each
# answered with a CONTRL -- a mixed X12 + EDIFACT batch.  A reference run
# without a crash says what the outcome must be.
#
# Then, for every crash point of the pipeline (EDIGATE_CRASH_AT=NAME or
# NAME:N, the Nth time it is reached: the process kills itself with
# SIGKILL there; also mid-batch with --batch 2 and 3, and four crashes in
# a row, each in the run that finishes the last) and on a fresh copy of
# the home: one run dies at the point (exit 137), one plain run finishes
# the work, and then:
#   - every file is in a final state (none left received / processed), one
#     files row per input (no double ingest);
#   - the same (partner, name, state) rows as the reference, the same
#     record files and record lines, the same quarantine (by original
#     name), the same acknowledgements in the outboxes (compared without
#     ISA09/ISA10/GS04/GS05 and the control numbers) -- so none lost and
#     none written twice; every ack output is 'sent' and is the outbox file;
#   - no control number reused: ISA13s and GS06s distinct in each outbox,
#     control_numbers.last at least the largest one used;
#   - nothing lost: every input's sha256 in the ledger, every archive there
#     and gunzipping to the original bytes, no spool/work or spool/in
#     leftovers, shopco's inbox emptied, the leave inboxes untouched, and
#     a third run takes nothing new and sends nothing new.
# The same invariants hold for the reference run, which also checks that
# a records file is written only for an accepted or partial file and is
# never empty (said once there; a crash must not add another).  Also: a
# second run while the spool's lock is held exits 3 naming the lock, and
# --wait waits (needs flock(1); SKIP otherwise).
#
# A nightly master-data batch (tests/fixtures/masterdata) is killed around
# its delta and publication (after-receive, after-delta, before-commit,
# after-commit, after-publish): last night's baseline stays until the
# deciding commit, and the recovery run ends as a run without a crash
# (CRASH_ONLY=masterdata runs only these).
#
# The home, the inputs, the reference and the checks are in crashlib.sh
# (shared with chaos.sh, which kills runs at random moments).
#
# Prints one line per scenario whose checks all pass, one per failed
# check, and the totals; exit 1 on any failure.
#
#   EDIGATE=/abs/path/to/build/asan/edigate sh tests/e2e/crash.sh
#   CRASH_ONLY='after-ack after-push:7' ...  only these scenarios
#   CRASH_VERBOSE=1 ...  one line per check
#   CRASH_KEEP=1 ...     keep the temporary homes (the last scenario's)
# Needs sqlite3, python3 (the zip bundle), gzip, sha256sum.  POSIX sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
me=crash
. "$here/crashlib.sh"
# --- crash scenarios ------------------------------------------------------------

# scenario "[--batch N] POINT[:N] [POINT[:N]...]": a run dies at each point
# in turn, then one run finishes.
scenario() {
	spec=$1 opts=""
	case $spec in --batch\ *)
		spec=${spec#--batch }; opts="--batch ${spec%% *}"; spec=${spec#* } ;;
	esac
	if [ -n "${CRASH_ONLY:-}" ]; then
		case " $CRASH_ONLY " in *" $1 "*) ;; *) return ;; esac
	fi
	begin "crash $1"
	h="$t/home"
	check_our_acks "$h"
	rm -rf "$h"
	cp -R -p "$tmpl" "$h"
	for pt in $spec; do
		# shellcheck disable=SC2086
		run_crash "$pt" $opts
	done
	# shellcheck disable=SC2086
	run_plain "recovery run" $opts
	invariants
	snapshot "$t/snap"
	if cmp -s "$t/ref.snap" "$t/snap"; then good "same outcome as the reference"
	else no "outcome differs from the reference (< reference, > after the crash)"
		diff "$t/ref.snap" "$t/snap" | grep '^[<>]' | cut -c1-200 | sed 's/^/    /' | head -12
	fi
	third_run
	end
}

# How often each point is reached in a run (partners in name order):
# fetch and publish depot 2, northwh 2, shopco 8 + the bundle's 2
# entries, westfood 3; validate the same but the bundle and notes.x12
# (the entries are 11 and 12); receive once per partner; commit once per partner and
# once more for the entries; acks and pushes depot 2, northwh 2, shopco
# 8, westfood 3 (CONTRL); deliveries (a batch of acks made visible) one
# per partner; clean-ups: shopco 8.
for sc in \
	after-fetch after-fetch:3 after-fetch:8 \
	after-receive after-receive:3 \
	after-validate after-validate:7 after-validate:11 \
	after-ack after-ack:8 \
	before-commit before-commit:3 before-commit:4 \
	after-commit after-commit:3 after-commit:4 \
	after-publish after-publish:8 \
	after-push after-push:7 after-deliver after-deliver:3 \
	before-cleanup before-cleanup:5 \
	"--batch 2 after-receive:5" "--batch 2 before-commit:6" \
	"--batch 3 after-publish:6" \
	"after-commit:3 after-publish:2 after-push:3 before-cleanup:2"; do
	scenario "$sc"
done

# A crash between delivering an ack and noting it: the partner may take
# it from the outbox before the next run, which delivers it again -- the
# same file, byte for byte (same ISA13), never a new interchange.
if [ -z "${CRASH_ONLY:-}" ]; then
	begin "crash after-deliver:2, the acks taken meanwhile"
	h="$t/home"
	check_our_acks "$h"
	rm -rf "$h"
	cp -R -p "$tmpl" "$h"
	run_crash after-deliver:2   # depot's batch, then northwh's
	mkdir -p "$t/taken"
	rm -f "$t/taken"/*
	mv "$h/drop/northwh/out"/* "$t/taken/"
	is "$(ls -A "$h/drop/northwh/out" | wc -l | tr -d ' ')" 0 \
	    "northwh: no temporary file left in the outbox"
	is "$(ls "$t/taken" | wc -l | tr -d ' ')" 2 "northwh: its two acks delivered before the crash"
	run_plain "recovery run"
	redo=""
	for f in "$t/taken"/*; do
		cmp -s "$f" "$h/drop/northwh/out/${f##*/}" || redo="$redo ${f##*/}"
	done
	is "$redo" "" "northwh: the ack delivered again is the same file"
	is "$(ls "$h/drop/northwh/out" | wc -l | tr -d ' ')" 2 "northwh: both acks in the outbox"
	is "$(q "SELECT count(*) FROM outputs WHERE kind='ack' AND state<>'sent'")" 0 \
	    "every ack output is sent"
	end

	# Killed between link(tmp, final) and unlink(tmp) while an ack is
	# published: both names are in the outbox.  The next run finds the
	# ack already there and must take the temporary name away (a chaos
	# round once left '.northwh-997-000000002.x12.part' behind).
	begin "crash after-deliver:2, the temporary name left beside the ack"
	rm -rf "$h"
	cp -R -p "$tmpl" "$h"
	run_crash after-deliver:2
	for f in "$h/drop/northwh/out"/*; do
		ln "$f" "$h/drop/northwh/out/.${f##*/}.part"
	done
	is "$(ls -A "$h/drop/northwh/out" | grep -c '\.part$')" 2 "northwh: two temporary names made"
	run_plain "recovery run"
	is "$(ls -A "$h/drop/northwh/out" | grep -c '\.part$')" 0 "northwh: no temporary name left"
	is "$(ls "$h/drop/northwh/out" | wc -l | tr -d ' ')" 2 "northwh: both acks in the outbox"
	end
fi

# --- a nightly master-data batch (issue 16) ------------------------------------
# The ERP of tests/fixtures/masterdata has an accepted night 1; night 2
# (changes, a delete, an add, one bad row left out) is killed at each
# point around the delta and its publication.  Until the commit that
# decides it, the baseline must be night 1's (ledger row and file, byte
# for byte) and nothing of night 2 published; after the recovery run,
# the changes, the new baseline and the ledger are those of a run that
# never crashed, and spool/work is empty.
md_gen() { # OUT N [changes]
	awk -v n="$2" -v ch="${3:-}" 'BEGIN {
		print "sku,description,uom,weight_kg,case_qty,hazmat,status"
		for (i = 1; i <= n; i++) {
			w = i % 7 + 1; q = i % 12 + 1
			if (ch && i == 5) continue
			if (ch && i == 9) w = 77
			if (ch && i == 11) q = "bad"
			printf "SKU-%04d,\"Item %d, blue\",EA,%d.5,%s,false,active\n",
			    i, i, w, q
		}
		if (ch) print "SKU-9999,\"New item\",PK,1.5,6,true,active"
	}' >"$1"
}
md_snap() { # OUT: what a finished night 2 leaves
	{
		q "SELECT name, state FROM files ORDER BY name"
		q "SELECT partner, document, file_id FROM baselines"
		q "SELECT file_id, base_id, verdict, rows, added, changed, deleted, unchanged, rejected, baseline FROM batches ORDER BY file_id"
		q "SELECT kind, path, state FROM outputs ORDER BY path"
		for f in $(cd "$h/spool" && find out baseline quarantine -type f | sort); do
			echo "$f $(sha256sum <"$h/spool/$f" | cut -c1-16)"
		done
		ls -A "$h/spool/work" 2>/dev/null
	} >"$1"
}
if [ -z "${CRASH_ONLY:-}" ] || [ "${CRASH_ONLY#*masterdata}" != "$CRASH_ONLY" ]; then
	begin "masterdata: setup and reference"
	mdt="$t/mdtmpl"
	rm -rf "$mdt"
	mkdir -p "$mdt/drop/erp/in" "$mdt/drop/erp/out"
	ln -s "$root/edi" "$mdt/edi"
	ln -s "$root/schemas" "$mdt/schemas"
	cp -R "$root/tests/fixtures/masterdata/home/partners" \
	    "$root/tests/fixtures/masterdata/home/layouts" "$mdt/"
	md_gen "$mdt/drop/erp/in/items-1.csv" 200
	touch -d '1 hour ago' "$mdt/drop/erp/in/items-1.csv"
	h="$mdt"
	run_plain "night 1"
	b1=$(q "SELECT file_id FROM baselines")
	# a copy of the home is another inbox path: taken again otherwise
	rm "$mdt/drop/erp/in/items-1.csv"
	is "$(q "SELECT added FROM batches WHERE file_id='$b1'")" 200 "night 1: 200 added"
	cp "$mdt/spool/baseline/erp/items/$b1.rows.gz" "$t/md.b1"
	md_gen "$t/md.n2" 200 changes
	h="$t/mdref"
	rm -rf "$h"
	cp -R -p "$mdt" "$h"
	cp "$t/md.n2" "$h/drop/erp/in/items-2.csv"
	touch -d '1 hour ago' "$h/drop/erp/in/items-2.csv"
	run_plain "night 2, no crash"
	md_snap "$t/md.ref"
	is "$(q "SELECT added || ' ' || changed || ' ' || deleted || ' ' || rejected FROM batches ORDER BY file_id DESC LIMIT 1")" \
	    "1 1 1 1" "night 2: 1 added, 1 changed, 1 deleted, 1 bad row"
	end
	for pt in after-receive after-delta before-commit \
	    after-commit after-publish; do
		begin "masterdata: crash $pt"
		h="$t/mdhome"
		rm -rf "$h"
		cp -R -p "$mdt" "$h"
		cp "$t/md.n2" "$h/drop/erp/in/items-2.csv"
		touch -d '1 hour ago' "$h/drop/erp/in/items-2.csv"
		run_crash "$pt"
		case $pt in after-commit|after-publish) ;; *)
			is "$(q "SELECT file_id FROM baselines")" "$b1" \
			    "before the commit: the baseline is night 1's"
			if cmp -s "$t/md.b1" "$h/spool/baseline/erp/items/$b1.rows.gz"
			then good "night 1's baseline file untouched"
			else no "night 1's baseline file changed"; fi
			is "$(ls "$h/spool/out/erp" | wc -l | tr -d ' ')" 1 \
			    "before the commit: nothing of night 2 published"
			;;
		esac
		run_plain "recovery run"
		md_snap "$t/md.snap"
		if cmp -s "$t/md.ref" "$t/md.snap"; then good "same as the run without a crash"
		else no "differs from the run without a crash (< reference, > after the crash)"
			diff "$t/md.ref" "$t/md.snap" | grep '^[<>]' | cut -c1-200 | sed 's/^/    /' | head -12
		fi
		end
	done
fi

# --- outbound (issue 18) -------------------------------------------------------
# Two inputs in tpl's outbound drop folder (tests/fixtures/outbound: 940s
# over a local outbox) are taken by `run`, then the first is resent under
# new numbers.  A run (or the resend) is killed between numbering and the
# commit, after the commit, before the input is moved to done/, after a
# put (not yet durable), after the delivered batch is durable and before
# its record; a plain run (and resend) finishes.
# Then the outbox is the reference's byte for byte (nothing lost, nothing
# sent twice, the same control numbers: a killed run consumed none),
# every ISA13 is used once, every input is in a final state and out of
# the drop folder, every document output is sent, and a third run sends
# nothing (CRASH_ONLY=outbound runs only these).
ob_home() { # DIR: a home with tpl and its two inputs
	rm -rf "$1"
	mkdir -p "$1/drop/tpl/in" "$1/drop/tpl/out" "$1/drop/tpl/orders"
	ln -s "$root/edi" "$1/edi"
	ln -s "$root/schemas" "$1/schemas"
	mkdir "$1/partners"
	cp "$root/tests/fixtures/outbound/home/partners/tpl.xml" "$1/partners/"
	cp "$root/tests/fixtures/outbound/orders.jsonl" "$1/drop/tpl/orders/release-1.jsonl"
	printf '%s\n' '{"recordType":"WarehouseOrder","purpose":"original","orderNumber":"K-1","shipTo":{"name":"X"},"lines":[{"lineNumber":"1","sku":"S","quantityOrdered":{"value":3,"uom":"EA"}}]}' \
	    >"$1/drop/tpl/orders/release-2.jsonl"
	touch -d '1 hour ago' "$1/drop/tpl/orders/"*.jsonl
}
ob_resend() { # [CRASH POINT]
	EDIGATE_CRASH_AT=${1:-} "$bin" --home "$h" resend 20240109-000001 \
	    --reason "crash test" >"$t/out" 2>"$t/err"
}
ob_snap() { # OUT
	{
		q "SELECT name, state FROM files WHERE state<>'duplicate' ORDER BY id"
		q "SELECT kind, name, state FROM outputs ORDER BY name"
		q "SELECT kind, last FROM control_numbers ORDER BY kind"
		for f in $(ls "$h/drop/tpl/out"); do
			echo "$f $(sha256sum <"$h/drop/tpl/out/$f" | cut -c1-16)"
		done
		ls "$h/drop/tpl/orders"
	} >"$1"
}
ob_check() {
	ob_snap "$t/ob.snap"
	if cmp -s "$t/ob.ref" "$t/ob.snap"; then good "same outbox, ledger and numbers as without a crash"
	else no "differs from the run without a crash (< reference, > after the crash)"
		diff "$t/ob.ref" "$t/ob.snap" | grep '^[<>]' | cut -c1-200 | sed 's/^/    /' | head -12
	fi
	is "$(q "SELECT count(*) FROM files WHERE state NOT IN ('sent','duplicate')")" 0 \
	    "every input in a final state"
	is "$(q "SELECT count(DISTINCT isa13) = count(*) FROM interchanges WHERE status='sent'")" 1 \
	    "no ISA13 used twice"
	is "$(q "SELECT count(*) FROM outputs WHERE kind='document' AND state<>'sent'")" 0 \
	    "every document output is sent"
	is "$(ls "$h/drop/tpl/orders"/*.jsonl 2>/dev/null | wc -l | tr -d ' ')" 0 \
	    "no input left in the drop folder"
	"$bin" --home "$h" run >"$t/out" 2>"$t/err"
	ob_snap "$t/ob.snap3"
	if cmp -s "$t/ob.snap" "$t/ob.snap3"; then good "a third run sends nothing"
	else no "a third run changed something"; fi
}
if [ -z "${CRASH_ONLY:-}" ] || [ "${CRASH_ONLY#*outbound}" != "$CRASH_ONLY" ]; then
	EDIGATE_NOW=2024-01-09
	export EDIGATE_NOW
	begin "outbound: reference"
	h="$t/obref"
	ob_home "$h"
	run_plain "send both inputs"
	ob_resend
	is "$?" 0 "resend: exit 0"
	ob_snap "$t/ob.ref"
	is "$(ls "$h/drop/tpl/out" | wc -l | tr -d ' ')" 3 "three documents delivered"
	end
	# how often a point is reached: out-before-commit, out-after-commit
	# and out-before-move once per input (2), out-after-put once per
	# document (2), out-after-deliver once per delivered batch (1)
	for pt in out-before-commit out-before-commit:2 out-after-commit:2 \
	    out-before-move out-after-put out-after-put:2 out-after-deliver \
	    "out-before-commit:2 out-after-put:2 out-after-deliver" resend; do
		begin "outbound: crash $pt"
		h="$t/obhome"
		ob_home "$h"
		if [ "$pt" = resend ]; then
			run_plain "send both inputs"
			ob_resend out-resend-before-commit
			is "$?" 137 "resend killed before its commit (exit 137)"
			is "$(q "SELECT count(*) FROM files WHERE name LIKE 'resend-of-%'")" 0 \
			    "the killed resend left no row"
		else
			for p1 in $pt; do run_crash "$p1"; done
			run_plain "recovery run"
		fi
		ob_resend
		is "$?" 0 "resend: exit 0"
		ob_check
		end
	done
	unset EDIGATE_NOW
fi

# --- the run lock ------------------------------------------------------------

begin lock
if command -v flock >/dev/null 2>&1; then
	h="$t/lockhome"
	rm -rf "$h"
	cp -R -p "$tmpl" "$h"
	lock="$h/spool/run.lock"
	(flock -x 9; : >"$t/locked"; sleep 3; : >"$t/released") 9>"$lock" &
	holder=$!
	i=0
	while [ ! -f "$t/locked" ] && [ $i -lt 100 ]; do
		sleep 0.1 2>/dev/null || sleep 1; i=$((i + 1))
	done
	expect_exit 75 "$bin" --home "$h" run
	if grep -q 'run.lock' "$t/err"; then good "run while locked: exit 75, names the lock"
	else no "run while locked: the message does not name run.lock"; sed 's/^/    /' "$t/err" | head -3; fi
	is "$(q "SELECT count(*) FROM files WHERE source='local'")" 0 \
	    "run while locked: nothing taken"
	"$bin" --home "$h" run --wait >"$t/out" 2>"$t/err"
	rc=$?
	is "$rc" 1 "run --wait: exit 1 (some files rejected)"
	if [ -f "$t/released" ]; then good "run --wait waited for the lock"
	else no "run --wait did not wait for the lock"; fi
	is "$(q "SELECT count(*) FROM files WHERE source='local'")" "$ninputs" \
	    "run --wait: took every input"
	wait "$holder"
	end
else
	echo "SKIP: crash: flock(1) not found: the run lock is not checked"
fi

# every acknowledgement this test made us write is valid X12 (strict)
check_our_acks "$t"
echo "crash: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
