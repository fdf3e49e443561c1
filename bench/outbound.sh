#!/bin/sh
# bench/outbound.sh - `edigate send` figures for `make bench` (issue 18,
# docs/outbound.md; called by bench/run.sh after the pipeline figures,
# can be run alone).  Durability stays on, as in production: staged
# documents synced before the commit (synchronous=FULL), each delivery
# written to a temporary name, fsynced, renamed, and recorded in its own
# commit.
#
# 1. BENCH_OUT_ORDERS (default 10000) canonical WarehouseOrders (one to
#    three lines each, every order number distinct) in one JSON Lines
#    input to a partner whose profile writes one interchange per
#    document: one `edigate send` writes, validates, numbers, records and
#    delivers that many 940 files into a local outbox (fresh spool).
#    Floor: bench/copyfloor copies those same 940 files into an empty
#    folder, fsync per file.  Both alternate BENCH_OUT_ROUNDS (default 2)
#    times; the best of each is kept.  Prints files/s of each and the
#    ratio floor/edigate; target: within 3x of the floor (ratio <= 3).
#    Peak RSS of the send is printed too.
# 2. One big batch: BENCH_OUT_BIG_MB MiB (default 1024, the issue's 1 GB)
#    of Shipment records in one input to one 856 interchange: MiB/s and
#    peak RSS (target < 32 MiB whatever the size: the input is read a
#    record at a time and the interchange written as it goes).
#
# Every send must write and deliver every document (exit 0, the outbox
# count checked): a failure fails the bench.  Targets are reported, not
# asserted; each is appended to BENCH_OUT as bench/pipeline.sh does.
#
# Environment: BIN, EDIGATE as bench/run.sh; BENCH_OUT_ORDERS,
# BENCH_OUT_ROUNDS, BENCH_OUT_BIG_MB, BENCH_TMPDIR; BENCH_OUTBOUND=0
# skips it; BENCH_KEEP=1 keeps the temporary folder.
set -eu

cd "$(dirname "$0")/.."

BIN=${BIN:-build/rel}
EDIGATE=${EDIGATE:-$(pwd)/edigate}
BENCH_OUT_ORDERS=${BENCH_OUT_ORDERS:-10000}
BENCH_OUT_ROUNDS=${BENCH_OUT_ROUNDS:-2}
BENCH_OUT_BIG_MB=${BENCH_OUT_BIG_MB:-1024}
BENCH_OUTBOUND=${BENCH_OUTBOUND:-1}
BENCH_TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
BENCH_OUT=${BENCH_OUT:-build/bench-results.txt}
T=$BIN/bench
MIB=1048576

die() {
	echo "bench: FAIL: $*" >&2
	exit 1
}
figure() { # NAME VALUE OP TARGET UNIT, as bench/pipeline.sh
	awk -v n="$1" -v v="$2" -v op="$3" -v t="$4" -v u="$5" \
		-v out="$BENCH_OUT" 'BEGIN {
		ok = (op == ">=") ? v >= t : (op == "<=") ? v <= t : v < t
		r = ok ? "PASS" : "MISS"
		printf "  %-34s %10s %3s %-8s %s\n", n, v, op, t " " u, r
		printf "name=%s value=%s target=%s%s unit=%s result=%s\n", \
		    n, v, op, t, u, r >> out
	}'
}

if [ "$BENCH_OUTBOUND" = 0 ]; then
	echo
	echo "bench: BENCH_OUTBOUND=0: edigate send figures skipped"
	exit 0
fi
for v in BENCH_OUT_ORDERS BENCH_OUT_ROUNDS BENCH_OUT_BIG_MB; do
	eval "x=\$$v"
	case $x in '' | *[!0-9]* | 0) die "$v must be a whole number > 0" ;; esac
done
[ -x "$EDIGATE" ] || die "no edigate binary at '$EDIGATE' (run make first)"
command -v python3 >/dev/null 2>&1 || die "python3 makes the records"
for t in copyfloor rusage; do
	[ -x "$T/$t" ] && continue
	mkdir -p "$T"
	${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-Wall -Wextra -Werror -O2 -Iinclude -o "$T/$t" "bench/$t.c" ||
		die "cannot build $T/$t"
done
T=$(cd "$T" && pwd)

W=$(mktemp -d "$BENCH_TMPDIR/edigate-bench-out.XXXXXX") ||
	die "cannot make a temporary folder in $BENCH_TMPDIR"
if [ "${BENCH_KEEP:-0}" = 1 ]; then trap 'echo "bench: kept $W"' EXIT
else trap 'rm -rf "$W"' EXIT; fi
trap 'exit 130' INT TERM
LOG=$W/log
OUT=$W/out

# a home: the 3PL (one interchange per document) and the retailer
home() { # DIR
	rm -rf "$1"
	mkdir -p "$1/partners" "$1/in" "$1/out" "$1/in856" "$1/out856"
	ln -s "$(pwd)/edi" "$1/edi"
	ln -s "$(pwd)/schemas" "$1/schemas"
	cat >"$1/partners/bench3pl.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<partner id="bench3pl" name="Bench 3PL" kind="3pl">
  <identity>
    <partner-isa qualifier="ZZ" id="BENCH3PL"/>
    <our-isa qualifier="ZZ" id="ACMEBENCH"/>
  </identity>
  <transport type="local">
    <inbox path="in" pattern="*.x12"/>
    <outbox path="out"/>
  </transport>
  <documents>
    <document direction="out" set="940" versions="004010"/>
  </documents>
  <outbound interchange="per-document" file-name="{partner}-{set}-{control}.x12"/>
</partner>
XML
	cat >"$1/partners/benchrtl.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<partner id="benchrtl" name="Bench retailer" kind="retailer">
  <identity>
    <partner-isa qualifier="ZZ" id="BENCHRTL"/>
    <our-isa qualifier="ZZ" id="ACMEBENCH"/>
  </identity>
  <transport type="local">
    <inbox path="in856" pattern="*.x12"/>
    <outbox path="out856"/>
  </transport>
  <documents>
    <document direction="out" set="856" versions="004010"/>
  </documents>
  <outbound file-name="{partner}-{set}-{control}.x12"/>
</partner>
XML
}

# timed LABEL CMD...: under rusage after a sync; wall_, rss_ (KiB)
timed() {
	label_=$1
	shift
	sync
	if ! "$T/rusage" "$@" >"$OUT" 2>"$LOG"; then
		tail -n 15 "$OUT" "$LOG" >&2
		die "$label_: '$*' failed"
	fi
	line_=$(grep '^rusage: wall=' "$LOG" | tail -n 1)
	wall_=$(echo "$line_" | sed -n 's/.* wall=\([0-9.]*\).*/\1/p')
	rss_=$(echo "$line_" | sed -n 's/.* maxrss_kb=\([0-9]*\).*/\1/p')
	[ -n "$wall_" ] && [ -n "$rss_" ] || die "cannot read rusage: '$line_'"
}

python3 - "$W/orders.jsonl" "$BENCH_OUT_ORDERS" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
with open(out, "w") as f:
    for i in range(1, n + 1):
        lines = [{"lineNumber": str(k), "sku": "SKU-%d-%d" % (i % 500, k),
                  "quantityOrdered": {"value": (i + k) % 40 + 1, "uom": "EA"}}
                 for k in range(1, i % 3 + 2)]
        f.write(json.dumps({
            "recordType": "WarehouseOrder", "purpose": "original",
            "orderNumber": "BO-%07d" % i, "purchaseOrderNumber": "PO-%07d" % i,
            "shipTo": {"id": "%04d" % (i % 900), "idQualifier": "92",
                       "name": "STORE %d" % (i % 900),
                       "addressLines": ["%d MAIN ST" % (i % 97 + 1)],
                       "city": "DENVER", "state": "CO",
                       "postalCode": "80202", "country": "US"},
            "lines": lines}, separators=(",", ":")) + "\n")
PY
fs=$(findmnt -n -o FSTYPE -T "$W" 2>/dev/null || echo unknown)
echo
echo "== outbound: edigate send, durability on; in $W ($fs) =="
[ "$fs" = tmpfs ] && echo "  warning: tmpfs: fsync is free here, set BENCH_TMPDIR to a disk"

n=$BENCH_OUT_ORDERS best_e= best_f= rss_e=
r=0
while [ "$r" -lt "$BENCH_OUT_ROUNDS" ]; do
	r=$((r + 1))
	home "$W/h"
	timed "send" "$EDIGATE" --home "$W/h" send --partner bench3pl "$W/orders.jsonl"
	got=$(ls "$W/h/out" | wc -l | tr -d ' ')
	[ "$got" = "$n" ] || die "send delivered $got files, want $n"
	grep -q "delivered $n document" "$OUT" || die "send did not deliver all"
	best_e=$(awk -v a="${best_e:-0}" -v b="$wall_" 'BEGIN { print (a == 0 || b < a) ? b : a }')
	rss_e=$rss_
	rm -rf "$W/floor"
	mkdir "$W/floor"
	timed "floor" "$T/copyfloor" "$W/h/out" "$W/floor"
	best_f=$(awk -v a="${best_f:-0}" -v b="$wall_" 'BEGIN { print (a == 0 || b < a) ? b : a }')
done
bytes=$(du -sb "$W/h/out" | cut -f1)
awk -v n="$n" -v e="$best_e" -v f="$best_f" -v b="$bytes" 'BEGIN {
	printf "  %d orders -> %d 940 files (%.1f MiB): edigate send %.2f s (%.0f files/s), copy+fsync floor %.2f s (%.0f files/s)\n", \
	    n, n, b / 1048576, e, n / e, f, n / f }'
ratio=$(awk -v e="$best_e" -v f="$best_f" 'BEGIN { printf "%.2f", e / f }')
figure "outbound 940 files: floor ratio" "$ratio" "<=" 3 "x"
echo "  peak RSS of the send: $((rss_e / 1024)) MiB"

# --- 2. one batch to one 856 --------------------------------------------
python3 - "$W/asn.jsonl" "$BENCH_OUT_BIG_MB" <<'PY'
import json, sys
out, mb = sys.argv[1], int(sys.argv[2])
def sscc(n):
    body = "0061414%010d" % n
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - s % 10) % 10)
size, i = 0, 0
with open(out, "w") as f:
    while size < mb * 1048576:
        i += 1
        rec = {"recordType": "Shipment", "purpose": "original",
               "shipmentId": "BS-%08d" % i, "shipDate": "2024-01-09",
               "carrier": {"scac": "ABCD"},
               "orders": [{"purchaseOrderNumber": "PO-%08d" % i,
                           "packs": [{"sscc": sscc(i * 4 + p),
                                      "items": [{"sku": "SKU-%d" % (i % 97),
                                                 "quantityShipped": {"value": 2, "uom": "EA"}}]}
                                     for p in range(3)]}]}
        line = json.dumps(rec, separators=(",", ":")) + "\n"
        f.write(line)
        size += len(line)
print("  %d Shipment records in the batch" % i)
PY
home "$W/h"
mib=$(awk -v b="$(wc -c <"$W/asn.jsonl")" 'BEGIN { printf "%.1f", b / 1048576 }')
timed "856" "$EDIGATE" --home "$W/h" send --partner benchrtl "$W/asn.jsonl"
grep -q 'delivered 1 document' "$OUT" || { cat "$OUT"; die "the 856 batch was not sent"; }
awk -v m="$mib" -v w="$wall_" 'BEGIN { printf "  %s MiB of Shipments -> one 856: %.2f s, %.1f MiB/s\n", m, w, m / w }'
figure "outbound 856 batch: peak RSS" "$((rss_ / 1024))" "<" 32 "MiB"
