# Shared by the end-to-end scripts: run a command, then assert on its exit
# code, stdout and stderr.  The caller sets $t (a temporary directory) and
# counts with $pass and $fail.
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

# expect_exit CODE CMD... : run, keep stdout in $t/out and stderr in $t/err
expect_exit() {
	want=$1; shift
	"$@" >"$t/out" 2>"$t/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else
		bad "exit $got, want $want: $*"
		sed 's/^/    /' "$t/out" "$t/err" | head -12
	fi
}
expect_out() { # PATTERN: stdout must match (grep -E)
	if grep -qE -- "$1" "$t/out"; then ok; else
		bad "output lacks /$1/"; head -c 600 "$t/out" | sed 's/^/    /'
	fi
}
expect_no_out() { # PATTERN: stdout must not match
	if grep -qE -- "$1" "$t/out"; then
		bad "output has /$1/"; grep -E -- "$1" "$t/out" | head -3 | sed 's/^/    /'
	else ok; fi
}
expect_err() {
	if grep -qE -- "$1" "$t/err"; then ok; else
		bad "stderr lacks /$1/"; sed 's/^/    /' "$t/err" | head -5
	fi
}
json_ok() {
	if command -v python3 >/dev/null 2>&1; then
		if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$t/out"; then ok
		else bad "invalid JSON: $*"; fi
	fi
}

# --- our acknowledgements check themselves ----------------------------------
# is_ack FILE: FILE is an X12 interchange holding a TA1, 997 or 999 (the
# element separator is the ISA's fourth byte).
is_ack() {
	[ "$(head -c 3 "$1" 2>/dev/null)" = ISA ] || return 1
	_d=$(head -c 4 "$1" | tail -c 1)
	grep -qF -e "TA1$_d" -e "ST${_d}997$_d" -e "ST${_d}999$_d" "$1"
}
# check_acks DIR|FILE...: every acknowledgement among them (found by its
# content, whatever its name) passes `edigate validate --strict` against
# the shipped guides ($root/edi).  Uses $bin, $root and $t; counts the
# files checked in $acks_checked.  An invalid acknowledgement fails.
acks_checked=0
check_acks() {
	[ $# -gt 0 ] || return 0
	_acks=
	for _f in $(find "$@" -type f 2>/dev/null | sort); do
		is_ack "$_f" && _acks="$_acks $_f"
	done
	[ -n "$_acks" ] || return 0
	# one run over them all (a start-up of the binary per file is most
	# of the cost); one per file only to name the failing ones
	if "$bin" --home "$root" validate --strict $_acks \
	    >"$t/strict.out" 2>&1; then
		for _f in $_acks; do
			acks_checked=$((acks_checked + 1))
			ok
		done
		return 0
	fi
	for _f in $_acks; do
		acks_checked=$((acks_checked + 1))
		if "$bin" --home "$root" validate --strict "$_f" \
		    >"$t/strict.out" 2>&1; then ok
		else
			bad "our acknowledgement $_f fails validate --strict"
			grep -E 'ERROR' "$t/strict.out" | head -5 | sed 's/^/    /'
		fi
	done
}
# check_our_acks DIR: check_acks on what we wrote under DIR (files below a
# folder named out, acks or outbox; a partner's own 997s arrive in inboxes
# and are not ours to check).
check_our_acks() {
	check_acks $(find "$1" -type f \( -path '*/out/*' -o -path '*/acks/*' \
	    -o -path '*/outbox/*' \) 2>/dev/null | sort)
}

# --- metrics (serve.sh, alerts.sh) ---------------------------------------
# parse_metrics FILE: the Prometheus text format, checked line by line;
# prints "name{labels} value" per sample, sorted
parse_metrics() {
	python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
name_re = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
sample = re.compile(r'^(' + name_re + r')(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$')
types, helps, out, seen = {}, set(), [], set()
hist = {}
for line in text.split('\n'):
    if not line:
        continue
    if line.startswith('# HELP '):
        helps.add(line.split(' ')[2]); continue
    if line.startswith('# TYPE '):
        _, _, n, ty = line.split(' ')
        assert ty in ('counter', 'gauge', 'histogram'), line
        assert n not in types, 'family twice: ' + n
        types[n] = ty; continue
    m = sample.match(line)
    assert m, 'not a sample line: ' + repr(line)
    n, labels, v = m.group(1), m.group(2) or '', float(m.group(3))
    fam = re.sub(r'_(bucket|sum|count)$', '', n) if n not in types else n
    assert fam in types and fam in helps, 'sample before its TYPE/HELP: ' + line
    if types[fam] == 'counter':
        assert n.endswith('_total') and v >= 0, line
    key = n + labels
    assert key not in seen, 'sample twice: ' + key
    seen.add(key)
    if types[fam] == 'histogram':
        base = re.sub(r',?le="[^"]*"', '', labels).replace('{}', '')
        hist.setdefault((fam, base), []).append((n, labels, v))
    out.append('%s %s' % (key, int(v) if v == int(v) else v))
for (fam, base), rows in hist.items():
    buckets = [v for n, l, v in rows if n.endswith('_bucket')]
    count = [v for n, l, v in rows if n.endswith('_count')][0]
    assert buckets == sorted(buckets), 'buckets not cumulative: ' + fam + base
    assert 'le="+Inf"' in [l for n, l, v in rows if n.endswith('_bucket')][-1]
    assert buckets[-1] == count, '+Inf bucket is not the count: ' + fam
print('\n'.join(sorted(out)))
EOF
}
# scrape PATH: GET http://127.0.0.1:$port/PATH -> $t/page (the body),
# $t/status ("200 Content-Type", or the error code)
scrape() {
	python3 - "$port" "$1" "$t/page" >"$t/status" <<'EOF'
import sys, urllib.request, urllib.error
port, path, out = sys.argv[1:4]
try:
    r = urllib.request.urlopen('http://127.0.0.1:%s%s' % (port, path), timeout=10)
    open(out, 'wb').write(r.read())
    print(r.status, r.headers.get('Content-Type'))
except urllib.error.HTTPError as e:
    print(e.code)
EOF
}
expect_metric() { # FILE SAMPLE VALUE
	if grep -qxF -- "$2 $3" "$1"; then ok; else
		bad "metrics lack '$2 $3'"; grep -F -- "${2%%\{*}" "$1" | head -5 | sed 's/^/    /'
	fi
}
