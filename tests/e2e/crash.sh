#!/bin/sh
# crash.sh - crash safety of `edigate run`, end to end.
#
# A test home (the profiles of tests/fixtures/map/home, local transports,
# shopco's after-pickup changed to "delete" so the clean-up is exercised;
# depot and northwh "leave" theirs) gets a mixed batch made at test time
# from tests/fixtures/map: good, split, partial and duplicate files, files
# rejected by mapping, by a rule, by syntax (SE01, GE02), a file that is
# not X12 and a zip bundle of two 850s.  A reference run without a crash
# says what the outcome must be.
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
# entries; validate the same but the bundle and notes.x12 (the entries
# are 11 and 12); receive once per partner; commit once per partner and
# once more for the entries; acks and pushes depot 2, northwh 2, shopco
# 8; deliveries (a batch of acks made visible) one per partner; clean-ups:
# shopco 8.
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
