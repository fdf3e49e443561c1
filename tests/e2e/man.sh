#!/bin/sh
# Manual pages and bash completion (issue 19, point 8): every command has
# a page (made by scripts/mkman.sh from its --help) that groff and man
# render without a warning and that names every option of its --help;
# the bash completion completes commands, subcommands, options, partner
# ids and categories.
#
#   EDIGATE=/abs/path/to/edigate sh tests/e2e/man.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${EDIGATE:?set EDIGATE to the edigate binary}
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
pass=0 fail=0
. "$here/lib.sh"

command -v groff >/dev/null 2>&1 || { echo "SKIP: man: groff not found"; exit 0; }

expect_exit 0 sh "$root/scripts/mkman.sh" "$bin" "$t/man" 0.1.0
cmds=$("$bin" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
n=$(echo $cmds | wc -w)
if [ "$n" -ge 20 ]; then ok; else bad "only $n commands listed"; fi
for c in "" $cmds; do
	page=$t/man/edigate${c:+-$c}.1
	if [ ! -f "$page" ]; then bad "no page for '${c:-edigate}'"; continue; fi
	# renders without a warning (groff -ww: every warning)
	groff -man -Tascii -P-cbou -ww "$page" >"$t/txt" 2>"$t/warn"
	if [ -s "$t/warn" ]; then bad "$page: groff warns"; head -3 "$t/warn" | sed 's/^/    /'; else ok; fi
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man -l "$page" >/dev/null 2>"$t/warn"
		if [ -s "$t/warn" ]; then bad "$page: man warns"; head -3 "$t/warn"; else ok; fi
	fi
	grep -q "^NAME" "$t/txt" && grep -q "^SYNOPSIS" "$t/txt" && ok || bad "$page: no NAME or SYNOPSIS"
	# every option of its --help is in the page
	if [ -n "$c" ]; then help=$("$bin" help "$c"); else help=$("$bin" --help); fi
	for o in $(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		if grep -qF -- "$o" "$t/txt"; then ok; else bad "$page lacks $o"; fi
	done
	# edigate(1) names every page
	[ -n "$c" ] && { grep -q "edigate-$c(1)" "$t/man/edigate.1" 2>/dev/null ||
		groff -man -Tascii -P-cbou "$t/man/edigate.1" 2>/dev/null | tr -d '\n ' | grep -q "edigate-$c(1)" && ok || bad "edigate.1 does not name edigate-$c"; }
done
groff -man -Tascii -P-cbou "$t/man/edigate.1" >"$t/txt" 2>/dev/null
for w in ENVIRONMENT EDIGATE_HOME EDIGATE_USER FILES 'spool/shadow'; do
	grep -q "$w" "$t/txt" && ok || bad "edigate.1 lacks $w"
done

# --- bash completion --------------------------------------------------
if command -v bash >/dev/null 2>&1; then
	mkdir -p "$t/home/partners"
	: >"$t/home/partners/acme-retail.xml"
	: >"$t/home/partners/northwh.xml"
	comp() { # WORDS... : what the completion offers for the last word
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _edigate; echo "${COMPREPLY[*]}"' \
		    - "$root/dist/bash-completion/edigate" "$@"
	}
	expect_comp() { # WANT WORDS...
		want=$1; shift
		got=$(comp "$@")
		if [ "$got" = "$want" ]; then ok; else bad "completion of '$*': got '$got', want '$want'"; fi
	}
	expect_comp "quarantine" "$bin" qu
	expect_comp "report reprocess review redeliver resend" "$bin" re
	expect_comp "--dry-run" "$bin" run --dr
	expect_comp "assign categorize discard list note release show" "$bin" quarantine ""
	expect_comp "--category" "$bin" quarantine list --cat
	expect_comp "mapping-gap missing-master-data" "$bin" quarantine list --category m
	expect_comp "acme-retail" "$bin" --home "$t/home" status --partner a
	expect_comp "compare" "$bin" shadow ""
	expect_comp "--against" "$bin" shadow compare --ag
	expect_comp "review" "$bin" help rev
	# every command is offered
	all=$(comp "$bin" "")
	for c in $cmds; do
		case " $all " in *" $c "*) ok ;; *) bad "completion does not offer $c" ;; esac
	done
else
	echo "SKIP: bash completion: no bash"
fi

echo "man: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
