#!/bin/sh
# chaos.sh - `edigate run` killed at random moments, and run on a spool
# that fills up or whose archive or outbox is read-only (issue 24,
# point 10).  The home, the mixed batch, the reference run and the checks
# are crash.sh's (crashlib.sh).
#
# 1. Random kills.  A campaign of CHAOS_KILLS SIGKILLs (default 200;
#    `make chaos` sends 1000) from a seeded generator (CHAOS_SEED, default
#    from the clock, always printed).  Rounds on a fresh copy of the home:
#    a run (--batch 1, 2, 3 or the default, drawn) is started and killed
#    after a drawn delay between 0 and the reference run's duration T
#    (T * u^6, u uniform: most kills early in a run, some anywhere), again
#    and again until a run finishes by itself or the round has had its
#    kills; then one plain run, and the crash test's invariants and
#    outcome: every file final, none ingested twice, the same records,
#    quarantine and acknowledgements as the reference, no ack sent twice,
#    no control number reused, every original archived, nothing left in
#    the spool, and a further run takes and sends nothing.  A failing
#    round prints the seed and the round to run again:
#      CHAOS_SEED=S CHAOS_ROUND=R sh tests/e2e/chaos.sh
# 2. A full spool (needs root: a small tmpfs mounted on spool/, several
#    sizes): each run that runs out of room exits 3 naming the full disk;
#    then the tmpfs is given room (remount) and the next run completes the
#    work with the same invariants and outcome.
# 3. A read-only archive (chattr +i on spool/archive, or a read-only bind
#    mount) and a read-only outbox (a tmpfs remounted read-only): the run
#    exits 3 with the reason, acknowledges nothing twice, and once the
#    folder is writable again the next run completes the work.
#
#   EDIGATE=/abs/path/to/build/asan/edigate sh tests/e2e/chaos.sh
#   CHAOS_KILLS=1000 CHAOS_SEED=42 ...
#   CHAOS_FAULTS=0 ...   only the random kills
#   CHAOS_FULL_SIZES="300k 450k" ...  the tmpfs sizes of the full spools
# Needs what crash.sh needs; parts 2 and 3 need root (SKIP otherwise).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
me=chaos
mounts=""
unmount_all() {
	for m in $mounts; do
		umount "$m" 2>/dev/null
	done
	[ -n "${immutable:-}" ] && chattr -i "$immutable" 2>/dev/null
	:
}
cleanup_more=unmount_all
# As root, everything happens on a tmpfs of its own: a SIGKILL does not
# drop the page cache, so the disk adds nothing to what is tested, and
# each run's syncfs would otherwise wait for whatever else the machine
# is writing (CHAOS_ON_DISK=1 to use $TMPDIR all the same).
outer=""
if [ "$(id -u)" = 0 ] && [ "${CHAOS_ON_DISK:-0}" != 1 ]; then
	outer=$(mktemp -d)
	if mount -t tmpfs -o size=256m tmpfs "$outer" 2>/dev/null; then
		TMPDIR=$outer
		export TMPDIR
	else
		rmdir "$outer"
		outer=""
	fi
fi
. "$here/crashlib.sh"
trap 'crash_cleanup; [ -n "$outer" ] && umount "$outer" && rmdir "$outer"' EXIT

kills_wanted=${CHAOS_KILLS:-200}
seed=${CHAOS_SEED:-$(date +%s)}
only_round=${CHAOS_ROUND:-}
echo "chaos: seed $seed, $kills_wanted kills (CHAOS_SEED=$seed to repeat)"

# A linear congruential generator in shell arithmetic: rnd N sets $r to a
# number in 0..N-1.
x=$((seed % 2147483648))
rnd() {
	x=$(( (x * 1103515245 + 12345) % 2147483648 ))
	r=$(( (x / 65536) % $1 ))
}

# ms since the epoch
now_ms() { date +%s%3N; }

# the reference run's duration, the range of the kill delays
h="$t/timing"
cp -R -p "$tmpl" "$h"
t0=$(now_ms)
"$bin" --home "$h" run >/dev/null 2>&1
span=$(( $(now_ms) - t0 ))
[ "$span" -lt 200 ] && span=200
echo "chaos: a run takes ${span} ms here: kills fall within it"
rm -rf "$h"

# one kill: start a run, wait D ms, SIGKILL it.  $killed 1 when it was
# killed, 0 when it ended first (its exit code in $rc).
kill_after() { # DELAY_MS [run options]
	d=$1; shift
	"$bin" --home "$h" run "$@" >"$t/out" 2>"$t/err" &
	pid=$!
	sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
	kill -9 "$pid" 2>/dev/null
	# (the shell's "Killed" job notice is not ours to print)
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	if [ "$rc" -eq 137 ]; then killed=1; else killed=0; fi
	no_sanitizer "run killed after $d ms"
}

# --- 1. random kills ---------------------------------------------------------

kills=0 round=0 rounds_failed=""
while [ "$kills" -lt "$kills_wanted" ]; do
	round=$((round + 1))
	rnd 8    # --batch 1 half the time (more commits, more moments)
	case $r in 0|1|2|3) opts="--batch 1" ;; 4|5) opts="--batch 2" ;;
		   6) opts="--batch 3" ;; *) opts="" ;; esac
	rnd 31; per=$((r + 30))   # 30..60 kills in this round
	if [ -n "$only_round" ] && [ "$round" != "$only_round" ]; then
		# draw as the round would, without running it
		i=0; while [ $i -lt "$per" ]; do rnd 1000; i=$((i + 1)); done
		kills=$((kills + per))
		continue
	fi
	begin "chaos seed $seed round $round ($opts${opts:+, }up to $per kills)"
	h="$t/home"
	rm -rf "$h"
	cp -R -p "$tmpl" "$h"
	i=0 delays=""
	while [ $i -lt "$per" ]; do
		rnd 1000
		# span * u^6: most kills fall early in a run -- where it
		# finishes what the killed one left, and where a run that
		# only got that far leaves the next one the most to mend --
		# and some anywhere in it; each kill makes little progress,
		# so a round holds many of them
		d=$span k=0
		while [ $k -lt 6 ]; do d=$((d * r / 1000)); k=$((k + 1)); done
		# shellcheck disable=SC2086
		kill_after "$d" $opts
		[ "$killed" = 1 ] || break
		delays="$delays $d"
		kills=$((kills + 1))
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	run_plain "recovery run after kills at$delays ms" $opts
	invariants
	snapshot "$t/snap"
	if cmp -s "$t/ref.snap" "$t/snap"; then good "same outcome as the reference"
	else no "outcome differs from the reference (< reference, > after the kills)"
		diff "$t/ref.snap" "$t/snap" | grep '^[<>]' | cut -c1-200 | sed 's/^/    /' | head -12
	fi
	third_run
	if [ "$fail" -ne "$fail0" ]; then
		rounds_failed="$rounds_failed $round"
		echo "chaos: round $round failed: CHAOS_SEED=$seed CHAOS_ROUND=$round sh tests/e2e/chaos.sh"
	fi
	end
done
echo "chaos: $kills kills in $round rounds (seed $seed)"

# --- 2. and 3. a spool that fills up, a read-only archive or outbox ----------

if [ "${CHAOS_FAULTS:-1}" = 0 ] || [ -n "$only_round" ]; then
	:
elif [ "$(id -u)" != 0 ] || ! command -v mount >/dev/null 2>&1; then
	echo "SKIP: chaos: full and read-only spools need root (mount)"
else
	# after a fault, a run on the healthy spool completes the work
	healthy() { # WHAT
		run_plain "$1: the next run on a healthy spool"
		invariants
		snapshot "$t/snap"
		if cmp -s "$t/ref.snap" "$t/snap"; then good "same outcome as the reference"
		else no "outcome differs from the reference"
			diff "$t/ref.snap" "$t/snap" | grep '^[<>]' | cut -c1-200 | sed 's/^/    /' | head -12
		fi
		third_run
	}
	# the faulty run: exit 3 and its reason on stderr
	faulty() { # WHAT PATTERN
		"$bin" --home "$h" run >"$t/out" 2>"$t/err"
		rc=$?
		no_sanitizer "$1"
		is "$rc" 3 "$1: run exits 3"
		if grep -qiE "$2" "$t/err"; then good "$1: the error names it"
		else no "$1: stderr lacks /$2/"; sed 's/^/    /' "$t/err" | head -5; fi
		if grep -q 'savepoint' "$t/err"; then no "$1: a savepoint error"; fi
	}

	# 2. full: the spool on a tmpfs too small for the batch
	nfull=0
	for size in ${CHAOS_FULL_SIZES:-300k 450k}; do
		begin "full spool ($size)"
		h="$t/home"
		rm -rf "$h"
		cp -R -p "$tmpl" "$h"
		mkdir -p "$h/spool"
		if ! mount -t tmpfs -o "size=$size" tmpfs "$h/spool"; then
			echo "SKIP: chaos: cannot mount a tmpfs"; break
		fi
		mounts="$h/spool"
		# the template's ledger (the 940 sent) goes in first
		cp -R -p "$tmpl/spool/." "$h/spool/"
		"$bin" --home "$h" run >"$t/out" 2>"$t/err"
		rc=$?
		no_sanitizer "full spool run"
		if [ "$rc" -eq 3 ]; then
			nfull=$((nfull + 1))
			if grep -q 'full' "$t/err"; then good "full: the error names the full disk"
			else no "full: stderr does not name the full disk"
				sed 's/^/    /' "$t/err" | head -5; fi
			if grep -q 'savepoint' "$t/err"; then no "full: a savepoint error"; fi
		elif [ "$rc" -ne 1 ]; then
			no "full spool run: exit $rc, want 3 (or 1: room enough)"
		fi
		mount -o remount,size=64m "$h/spool"
		healthy "full spool ($size)"
		umount "$h/spool"
		mounts=""
		end
	done
	if [ "$nfull" -gt 0 ]; then echo "ok: $nfull of the spools filled up during a run"
	else no "no spool filled up: make the sizes smaller"; fi

	# 3a. read-only archive
	begin "read-only archive"
	h="$t/home"
	rm -rf "$h"
	cp -R -p "$tmpl" "$h"
	mkdir -p "$h/spool/archive"
	if chattr +i "$h/spool/archive" 2>/dev/null; then
		immutable="$h/spool/archive"
		faulty "read-only archive" 'archive|not permitted|read-only'
		chattr -i "$h/spool/archive"
		immutable=""
	else
		mount --bind "$h/spool/archive" "$h/spool/archive" &&
		    mount -o remount,bind,ro "$h/spool/archive"
		mounts="$h/spool/archive"
		faulty "read-only archive" 'archive|read-only|cross-device'
		umount "$h/spool/archive"
		mounts=""
	fi
	is "$(ls "$h"/drop/*/out 2>/dev/null | grep -c x12)" 0 \
	    "read-only archive: nothing acknowledged before the archive is written"
	healthy "read-only archive"
	end

	# 3b. read-only outbox (shopco's): the other partners go on
	begin "read-only outbox"
	h="$t/home"
	rm -rf "$h"
	cp -R -p "$tmpl" "$h"
	mkdir -p "$h/drop/shopco/out"
	mount -t tmpfs -o size=4m tmpfs "$h/drop/shopco/out"
	mounts="$h/drop/shopco/out"
	mount -o remount,ro "$h/drop/shopco/out"
	faulty "read-only outbox" 'shopco: .*left for the next run: .*Read-only'
	is "$(ls "$h/drop/depot/out" | wc -l | tr -d ' ')" 2 \
	    "read-only outbox: depot's acks delivered all the same"
	is "$(q "SELECT count(*) FROM outputs o JOIN files f ON f.id=o.file_id
	    WHERE f.partner='shopco' AND o.kind='ack' AND o.state='sent'")" 0 \
	    "read-only outbox: no shopco ack noted as sent"
	mount -o remount,rw "$h/drop/shopco/out"
	healthy "read-only outbox"
	umount "$h/drop/shopco/out"
	mounts=""
	end
fi

echo "chaos: $pass passed, $fail failed${rounds_failed:+ (rounds$rounds_failed, seed $seed)}"
[ "$fail" -eq 0 ]
