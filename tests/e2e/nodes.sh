#!/bin/sh
# nodes.sh - several gateway nodes on one PostgreSQL ledger (issue 20),
# with a real PostgreSQL (pglib.sh: initdb/pg_ctl in a temporary
# directory on 127.0.0.1, stopped at exit) and real processes.
#
#   1. The ledger API on both backends (test_ledger_nodes, run with
#      EDIGATE_TEST_PG): schema and migrations, leases and fencing tokens
#      (a stale token's commit is refused and writes nothing), claims,
#      control numbers from two connections; and test_ledger_query (the
#      support commands' questions) on PostgreSQL.
#   2. Three nodes (EDIGATE_NODE=n1 n2 n3), each an `edigate run` loop,
#      on one home (a shared spool) and one ledger, over the same inboxes
#      of two partners (shopco: 850s, after-pickup delete; depot: 940s,
#      leave): every file taken and processed exactly once, one archive
#      and one acknowledgement each, no ISA13 or GS06 used twice, the
#      control-number sequence at the last number used, each node's
#      heartbeat in the ledger, `status` readable with --ledger.
#   3. A node stopped (SIGSTOP) past its lease: its lease is expired in
#      the ledger (as the database clock would after the lease's
#      seconds: no sleep), another node takes the partner over with the
#      next fencing token and finishes it; the stopped node, continued
#      (SIGCONT), writes nothing more: its commit is refused (stale
#      token) or its connection was ended by the server's
#      idle_in_transaction_session_timeout; afterwards still exactly once.
#   3b. A node killed (SIGKILL) mid-run: its partner stays its own until
#      the lease expires (another node leaves it), then another node
#      takes it over and finishes: still exactly once.
#   3c. NODES_KILLS (4) rounds of the three nodes at once, one of them
#      killed at a random moment (NODES_SEED repeats a campaign), its
#      lease then run out: afterwards still exactly once.
#   4. The support commands on the PostgreSQL ledger: files, show,
#      quarantine (list, show, assign, note, categorize, discard), review,
#      report, alerts, sent, reprocess --force, audited there; run
#      --dry-run refused with a message.
#   5. `ledger migrate --to URL`: a SQLite ledger copied into an empty
#      PostgreSQL one, every table counted the same, a second copy
#      refused; runs on the copy go on after its ids and control numbers
#      and take nothing again.
#
# SKIP (exit 0) with a message when PostgreSQL is not installed.
#   EDIGATE=/abs/path/to/build/asan/edigate UNIT=/abs/.../test_ledger_nodes \
#       sh tests/e2e/nodes.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
. "$here/pglib.sh"
. "$here/lib.sh"
unset EDIGATE_HOME EDIGATE_SPOOL EDIGATE_CRASH_AT EDIGATE_NOW EDIGATE_LEDGER \
	EDIGATE_NODE
pass=0 fail=0

for tool in sqlite3 python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: nodes: $tool not found"
		exit 0
	fi
done
if ! pg_find; then
	echo "SKIP: nodes: $pg_why"
	exit 0
fi
t=$(mktemp -d)
chmod 755 "$t"
trap 'pg_stop; if [ "${NODES_KEEP:-0}" = 1 ]; then echo "nodes: kept $t"; else rm -rf "$t"; fi' EXIT
if ! pg_start; then
	echo "FAIL: nodes: cannot start PostgreSQL: $pg_why"
	exit 1
fi

is() { # GOT WANT TEXT
	if [ "$1" = "$2" ]; then ok; else bad "$3 (got '$1', want '$2')"; fi
}
no_sanitizer() { # FILE WHAT
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"; then
		bad "$2: sanitizer report"; head -20 "$1" | sed 's/^/    /'
	else ok; fi
}

# --- 1. the ledger API on both backends -----------------------------------
# UNIT: test_ledger_nodes (both backends) and test_ledger_query (every
# question of the support commands, here on PostgreSQL)
k=0
for u in ${UNIT:-}; do
	k=$((k + 1))
	url=$(pg_newdb unit$k)
	if (cd "$root/tests/unit" && EDIGATE_TEST_PG=$url "$u") >"$t/unit.out" 2>&1; then
		ok; echo "ok: ${u##*/} with PostgreSQL ($(grep -c 'OK \]' "$t/unit.out") cases)"
	else
		bad "${u##*/} failed with PostgreSQL"; grep -v '^\[ *\(RUN\|OK\) ' "$t/unit.out" | tail -20 | sed 's/^/    /'
	fi
done

# --- a home shared by the nodes --------------------------------------------
fx="$root/tests/fixtures/map"
h="$t/home"
mkdir -p "$h/partners" "$h/drop/shopco/in" "$h/drop/depot/in"
ln -s "$root/edi" "$h/edi"
ln -s "$root/schemas" "$h/schemas"
sed 's|<after-pickup action="leave"/>|<after-pickup action="delete"/>|' \
	"$fx/home/partners/shopco.xml" >"$h/partners/shopco.xml"
cp "$fx/home/partners/depot.xml" "$h/partners/depot.xml"
NS=${NODES_SHOPCO:-18} ND=${NODES_DEPOT:-9}
# v850 N / v940 N: another interchange (ISA13, GS06, GE02) and document
v850() {
	sed -e "s/000000501/000000$1/" -e "s/^\(GS\*.*\)\*501\*X\*/\1*$1*X*/" \
	    -e "s/^GE\*1\*501~/GE*1*$1~/" -e "s/PO-9001/PO-9$1/" "$fx/850-good.x12"
}
v940() {
	sed -e "s/000000401/000000$1/" -e "s/^\(GS\*.*\)\*401\*X\*/\1*$1*X*/" \
	    -e "s/^GE\*1\*401~/GE*1*$1~/" -e "s/D-5001/D-5$1/" "$fx/940-good.x12"
}
i=0
while [ $i -lt "$NS" ]; do v850 $((100 + i)) >"$h/drop/shopco/in/po$i.x12"; i=$((i + 1)); done
i=0
while [ $i -lt "$ND" ]; do v940 $((100 + i)) >"$h/drop/depot/in/ship$i.x12"; i=$((i + 1)); done
touch -d '1 hour ago' "$h"/drop/*/in/*
url=$(pg_newdb nodes)
pg() { pg_sql nodes "$1"; }

# node NAME: `edigate run` until nothing is left to take or finish (at
# most 40 runs); its output in $t/NAME.log
node_loop() {
	_n=0
	while [ $_n -lt 40 ]; do
		_n=$((_n + 1))
		EDIGATE_NODE=$1 "$bin" --home "$h" --ledger "$url" run >>"$t/$1.log" 2>&1
		echo "exit $?" >>"$t/$1.log"
		[ -z "$(ls "$h/drop/shopco/in")" ] || continue
		_left=$(pg "SELECT count(*) FROM files WHERE state IN ('received','processed','unpacked')")
		_taken=$(pg "SELECT count(*) FROM files WHERE partner='depot'")
		[ "$_left" = 0 ] && [ "$_taken" -ge "$ND" ] && break
	done
}

# --- 2. three nodes, one ledger, the same inboxes --------------------------
# the first run makes the schema (the others would wait on its lock)
node_loop n1 &
p1=$!
node_loop n2 &
p2=$!
node_loop n3 &
p3=$!
wait $p1 $p2 $p3
for n in n1 n2 n3; do no_sanitizer "$t/$n.log" "node $n"; done
if grep -qE '^exit ([^01]|[0-9][0-9])' "$t"/n?.log; then
	bad "a run exited other than 0 or 1"; grep -B5 -E '^exit ([^01]|[0-9][0-9])' "$t"/n?.log | head -20 | sed 's/^/    /'
else ok; fi

check_once() { # WHAT: every file exactly once, no control number twice
	is "$(pg "SELECT count(*) FROM files WHERE partner='shopco'")" "$NS" "$1: shopco files recorded once each"
	is "$(pg "SELECT count(DISTINCT name) FROM files WHERE partner='shopco'")" "$NS" "$1: shopco names distinct"
	is "$(pg "SELECT count(*) FROM files WHERE partner='depot'")" "$ND" "$1: depot files recorded once each"
	is "$(pg "SELECT count(*) FROM files WHERE state<>'accepted'")" 0 "$1: every file accepted"
	is "$(find "$h/spool/archive" -type f | wc -l | tr -d ' ')" $((NS + ND)) "$1: one archive per file"
	is "$(ls "$h/drop/shopco/in" | wc -l | tr -d ' ')" 0 "$1: shopco's inbox emptied (delete)"
	is "$(ls "$h/drop/depot/in" | wc -l | tr -d ' ')" "$ND" "$1: depot's inbox left as it was"
	is "$(ls "$h/drop/shopco/out" | wc -l | tr -d ' ')" "$NS" "$1: one 997 per shopco file"
	is "$(ls "$h/drop/depot/out" | wc -l | tr -d ' ')" "$ND" "$1: one 997 per depot file"
	for p in shopco depot; do
		cat "$h/drop/$p/out"/* | tr '~' '\n' | awk -F'*' '$1=="ISA"{print $14}' | sort >"$t/isa.$p"
		cat "$h/drop/$p/out"/* | tr '~' '\n' | awk -F'*' '$1=="GS"{print $7}' | sort >"$t/gs.$p"
		is "$(uniq -d "$t/isa.$p" | wc -l | tr -d ' ')" 0 "$1: $p: no ISA13 used twice"
		is "$(uniq -d "$t/gs.$p" | wc -l | tr -d ' ')" 0 "$1: $p: no GS06 used twice"
		is "$(pg "SELECT last FROM control_numbers WHERE partner='$p' AND kind='isa'")" \
			"$(sort -n "$t/isa.$p" "$t/gs.$p" | tail -1 | sed 's/^0*//')" \
			"$1: $p: the sequence stands at the last number used"
	done
}
check_once "three nodes"
is "$(pg "SELECT count(*) FROM nodes")" 3 "three nodes have a heartbeat"
is "$(pg "SELECT count(*) FROM leases WHERE expires>0")" 0 "every lease released"
echo "ok: three nodes: $NS+$ND files once each; runs by node:" \
	"$(for n in n1 n2 n3; do printf '%s=%s ' $n "$(pg "SELECT count(*) FROM files WHERE node='$n'")"; done)"
expect_exit 0 "$bin" --home "$h" --ledger "$url" status
expect_out '^shopco .* ok '
expect_out '^NODE +HOST +PID +LAST HEARTBEAT'
expect_out '^n3 '
expect_exit 0 "$bin" --home "$h" --ledger "$url" status --json
json_ok "status --json"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["nodes"]), len(d["leases"]), len(d["partners"]))' "$t/out" 2>&1)" \
	"3 0 2" "status --json: three nodes, no lease held, two partners"

# --- 3. a node stopped past its lease --------------------------------------
i=0
while [ $i -lt 30 ]; do v850 $((300 + i)) >"$h/drop/shopco/in/late$i.x12"; i=$((i + 1)); done
touch -d '1 hour ago' "$h"/drop/shopco/in/*
NS=$((NS + 30))
# a session stopped inside a transaction holds its row locks: the server
# ends it after this (docs/nodes.md recommends it beside the lease); for
# the sessions of this part only, a healthy node may be slow elsewhere
pg "ALTER DATABASE nodes SET idle_in_transaction_session_timeout = '5s'" >/dev/null
# n1 is caught mid-run: the test holds shopco's control-number row for
# two seconds, so n1 waits there, with the lease, until it is stopped
pg "BEGIN; SELECT last FROM control_numbers WHERE partner='shopco' FOR UPDATE; SELECT pg_sleep(2); COMMIT" >/dev/null &
pl=$!
n=0
while [ $n -lt 50 ] && [ "$(pg "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' AND state='active' AND pid<>pg_backend_pid()")" -lt 1 ]; do
	n=$((n + 1)); sleep 0.05
done
EDIGATE_NODE=n1 "$bin" --home "$h" --ledger "$url" run >"$t/stale.log" 2>&1 &
pa=$!
n=0
while [ $n -lt 100 ] && [ "$(pg "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type='Lock'")" -lt 1 ]; do
	n=$((n + 1)); sleep 0.02
done
kill -STOP $pa
wait $pl
is "$(pg "SELECT node FROM leases WHERE name='partner:shopco' AND expires>0")" n1 "n1 holds shopco's lease when stopped"
tok=$(pg "SELECT token FROM leases WHERE name='partner:shopco'")
# the lease's time passes while n1 sleeps (the UPDATE waits for n1's
# transaction, if it is in one, until the server ends that session)
pg "UPDATE leases SET expires=1 WHERE name='partner:shopco'" >/dev/null
EDIGATE_NODE=n2 "$bin" --home "$h" --ledger "$url" run >"$t/takeover.log" 2>&1
is "$?" 0 "n2 takes shopco over and finishes it"
is "$(pg "SELECT token FROM leases WHERE name='partner:shopco'")" $((tok + 1)) "n2 took the lease with the next fencing token"
kill -CONT $pa
wait $pa
rc=$?
# (refused at its next commit or delivery: exit 3; or, stopped after its
# last file, at the commit that records its run: noted, exit 0)
if grep -qE 'lost its lease|terminat|server closed|connection' "$t/stale.log"; then
	ok; echo "ok: the stopped node, continued, wrote nothing more (exit $rc: $(grep -oE 'lost its lease|terminating connection[^:]*|server closed the connection' "$t/stale.log" | head -1))"
else
	bad "the stale node: exit $rc, no refusal"; tail -8 "$t/stale.log" | sed 's/^/    /'
fi
no_sanitizer "$t/stale.log" "stale node"
pg "ALTER DATABASE nodes RESET idle_in_transaction_session_timeout" >/dev/null
# whatever n1 left (a fetched file not yet recorded) the next run finds
EDIGATE_NODE=n3 "$bin" --home "$h" --ledger "$url" run >"$t/after.log" 2>&1
check_once "after a stale node"

# --- 3b. a node killed (SIGKILL) mid-run ------------------------------------
i=0
while [ $i -lt 30 ]; do v850 $((400 + i)) >"$h/drop/shopco/in/kill$i.x12"; i=$((i + 1)); done
touch -d '1 hour ago' "$h"/drop/shopco/in/*
NS=$((NS + 30))
EDIGATE_NODE=n2 "$bin" --home "$h" --ledger "$url" run >"$t/killed.log" 2>&1 &
pk=$!
n=0
while [ $n -lt 300 ] && [ "$(pg "SELECT count(*) FROM files WHERE name LIKE 'kill%'")" -lt 1 ]; do
	n=$((n + 1)); sleep 0.05
done
kill -KILL $pk
wait $pk 2>/dev/null
# before its lease expires the partner stays n2's
EDIGATE_NODE=n3 "$bin" --home "$h" --ledger "$url" run >"$t/early.log" 2>&1
if grep -q 'node n2 holds the lease partner:shopco' "$t/early.log"; then ok
else bad "n3 took shopco while n2's lease ran"; tail -5 "$t/early.log" | sed 's/^/    /'; fi
pg "UPDATE leases SET expires=1 WHERE name='partner:shopco'" >/dev/null
EDIGATE_NODE=n3 "$bin" --home "$h" --ledger "$url" run >"$t/late.log" 2>&1
is "$?" 0 "n3 takes shopco over after the dead node's lease expired"
check_once "after a node killed"

# --- 3c. nodes killed at random moments ------------------------------------
# NODES_KILLS rounds: the three nodes run at once and one of them, picked
# at random, is killed after a random delay; its lease then runs out (set
# in the ledger).  Then a node finishes: still every file once.
# NODES_SEED=S repeats a campaign (its seed is printed).
NK=${NODES_KILLS:-4}
seed=${NODES_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
i=0
while [ $i -lt 18 ]; do v850 $((500 + i)) >"$h/drop/shopco/in/rnd$i.x12"; i=$((i + 1)); done
i=0
while [ $i -lt 8 ]; do v940 $((500 + i)) >"$h/drop/depot/in/rnd$i.x12"; i=$((i + 1)); done
# only the new ones: depot's earlier files stay as they were (leave)
touch -d '1 hour ago' "$h"/drop/*/in/rnd*
NS=$((NS + 18)) ND=$((ND + 8))
awk -v s="$seed" -v n="$NK" 'BEGIN { srand(s); for (i = 0; i < n; i++)
	printf "%d %d.%d\n", 1 + int(rand() * 3), int(rand() * 2), int(rand() * 10) }' >"$t/kills"
while read -r victim delay; do
	for n in 1 2 3; do
		EDIGATE_NODE=n$n "$bin" --home "$h" --ledger "$url" run >>"$t/rnd.log" 2>&1 &
		eval "pr$n=\$!"
	done
	sleep "$delay"
	eval "kill -KILL \$pr$victim" 2>/dev/null
	wait
	pg "UPDATE leases SET expires=1 WHERE expires>0" >/dev/null
done <"$t/kills"
no_sanitizer "$t/rnd.log" "random kills"
node_loop n1
check_once "after $NK random kills (NODES_SEED=$seed)"
echo "ok: $NK random kills (NODES_SEED=$seed)"

# --- 4. the support commands on the PostgreSQL ledger ----------------------
cp "$fx/850-unmapped-uom.x12" "$h/drop/shopco/in/uom.x12"
touch -d '1 hour ago' "$h/drop/shopco/in/uom.x12"
E() { "$bin" --home "$h" --ledger "$url" "$@"; }
sup() { # CODE ARGS...: exit CODE and no error of the database
	want=$1; shift
	expect_exit "$want" E "$@"
	if grep -q 'ledger postgresql' "$t/err"; then
		bad "$*: $(head -2 "$t/err")"; else ok; fi
	no_sanitizer "$t/err" "$*"
}
sup 1 run
q=$(pg "SELECT id FROM files WHERE name='uom.x12'")
acc=$(pg "SELECT id FROM files WHERE name='po0.x12'")
sup 0 files --partner shopco --state rejected
expect_out "$q"
sup 0 files --json
json_ok "files --json"
sup 0 show "$acc"
sup 0 show "$q" --json
json_ok "show --json"
sup 0 quarantine list
expect_out "$q"
sup 0 quarantine show "$q"
sup 0 quarantine assign "$q" --to ann
sup 0 quarantine note "$q" "asked the buyer for the UOM"
sup 0 quarantine categorize "$q" --as mapping-gap
sup 0 quarantine list --owner ann --json
json_ok "quarantine list --json"
sup 0 review
sup 0 report --html -o "$t/report.html"
sup 0 alerts
sup 0 sent list
sup 0 reprocess "$acc" --reason "node test" --force
sup 0 quarantine discard "$q" --reason "node test"
is "$(pg "SELECT state FROM files WHERE id='$q'")" discarded "discarded on the shared ledger"
is "$(pg "SELECT count(*) FROM audit WHERE action IN ('assign','note','categorize','reprocess','discard')")" 5 \
	"the support actions audited in PostgreSQL"
sup 2 run --dry-run --partner shopco
expect_err 'not supported'
# the home's configuration names the ledger; --ledger and the
# environment win over it
echo "$url" >"$h/ledger.url"
expect_exit 0 "$bin" --home "$h" files --partner shopco --state discarded
expect_out "$q"
expect_exit 2 env EDIGATE_LEDGER=mysql://x "$bin" --home "$h" status
expect_err "not a postgresql:// URL"
rm -f "$h/ledger.url"

# --- 5. a single-node site grows: its SQLite ledger into PostgreSQL ---------
g="$t/grow"
mkdir -p "$g/partners" "$g/drop/shopco/in" "$g/drop/depot/in"
ln -s "$root/edi" "$g/edi"
ln -s "$root/schemas" "$g/schemas"
cp "$h/partners/shopco.xml" "$h/partners/depot.xml" "$g/partners/"
v850 501 >"$g/drop/shopco/in/a.x12"
v850 502 >"$g/drop/shopco/in/b.x12"
cp "$fx/850-unmapped-uom.x12" "$g/drop/shopco/in/c.x12"
v940 501 >"$g/drop/depot/in/d.x12"
touch -d '1 hour ago' "$g"/drop/*/in/*
expect_exit 1 "$bin" --home "$g" run
"$bin" --home "$g" quarantine assign "$(sqlite3 "$g/spool/ledger.db" "SELECT id FROM files WHERE name='c.x12'")" --to ann >/dev/null 2>&1
gurl=$(pg_newdb grow)
expect_exit 0 "$bin" --home "$g" ledger migrate --to "$gurl"
expect_out 'copied [0-9]+ table\(s\), [0-9]+ row\(s\) .* counted again there: the same'
for tb in files file_events transactions business_keys outputs control_numbers audit quarantine_work; do
	is "$(pg_sql grow "SELECT count(*) FROM $tb")" "$(sqlite3 "$g/spool/ledger.db" "SELECT count(*) FROM $tb")" "migrate: $tb counted the same"
done
expect_exit 2 "$bin" --home "$g" ledger migrate --to "$gurl"
expect_err 'already holds 4 file\(s\)'
# the nodes go on from there: new ids and numbers after the old ones,
# depot's file (leave) not taken again
v850 503 >"$g/drop/shopco/in/e.x12"
touch -d '1 hour ago' "$g/drop/shopco/in/e.x12"
expect_exit 0 env EDIGATE_NODE=n1 "$bin" --home "$g" --ledger "$gurl" run
is "$(pg_sql grow "SELECT count(*) FROM files")" 5 "after the move: one new file, nothing taken again"
is "$(pg_sql grow "SELECT max(n) FROM files")" 5 "file ids go on after the copied ones"
is "$(ls "$g/drop/shopco/out" | sort | tail -1)" shopco-997-000000008.x12 "the ack numbers go on after the copied ones"
expect_exit 0 "$bin" --home "$g" --ledger "$gurl" quarantine list --owner ann
expect_out 'c.x12'

# --- 6. outbound on the shared ledger ---------------------------------------
# `send` byte for byte as on SQLite (tests/e2e/outbound.sh), then four
# nodes sending at once: each document its own control number, each
# delivery under the partner's lease
fo="$root/tests/fixtures/outbound"
o="$t/outhome"
mkdir -p "$o/drop/tpl/in" "$o/drop/tpl/out"
ln -s "$root/edi" "$o/edi"
ln -s "$root/schemas" "$o/schemas"
mkdir -p "$o/partners" && cp "$fo/home/partners/tpl.xml" "$o/partners/"
ourl=$(pg_newdb outbound)
expect_exit 0 env EDIGATE_NOW=2024-01-09 "$bin" --home "$o" --ledger "$ourl" send --partner tpl "$fo/orders.jsonl"
expect_out 'delivered 1 document'
if cmp -s "$fo/expected/tpl-940-000000001.x12" "$o/drop/tpl/out/tpl-940-000000001.x12"; then ok
else bad "send on PostgreSQL: the 940 differs from the expected file"; fi
for n in 1 2 3 4; do
	# other orders (the same bytes again would be a duplicate)
	sed -e "s/\"D-50/\"D-$n/g" -e "s/\"PO-8/\"PO-$n/g" "$fo/orders.jsonl" >"$t/orders$n.jsonl"
done
for n in 1 2 3 4; do
	EDIGATE_NOW=2024-01-09 EDIGATE_NODE=n$n "$bin" --home "$o" --ledger "$ourl" \
	    send --partner tpl "$t/orders$n.jsonl" >"$t/send$n.log" 2>&1 &
done
wait
is "$(ls "$o/drop/tpl/out" | wc -l | tr -d ' ')" 5 "five 940 files from five sends"
cat "$o/drop/tpl/out"/* | tr '~' '\n' | awk -F'*' '$1=="ISA"{print $14}' | sort >"$t/isa.out"
is "$(sort -u "$t/isa.out" | wc -l | tr -d ' ')" 5 "five sends on four nodes: five ISA13s, none twice"
is "$(pg_sql outbound "SELECT last FROM control_numbers WHERE partner='tpl' AND kind='isa'")" 5 \
	"the isa sequence at 5"
# each delivery held the partner's lease, one after the other
is "$(pg_sql outbound "SELECT token||' '||expires FROM leases WHERE name='partner:tpl'")" "5 0" \
	"five deliveries under the partner's lease, each released"

echo "nodes: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
