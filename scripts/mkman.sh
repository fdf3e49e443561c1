#!/bin/sh
# Make the manual pages, one per command, from the commands' own --help
# (the single source: what `edigate help CMD` prints is what the page
# says), plus docs/man/edigate.extra for edigate(1) (environment, files).
#
#   sh scripts/mkman.sh BINARY OUTDIR [VERSION]
#
# Writes OUTDIR/edigate.1 and OUTDIR/edigate-CMD.1 for every command
# `BINARY --help` lists.  POSIX sh and awk; the pages are plain man(7).
set -eu
bin=$1
out=$2
version=${3:-$("$bin" --version | sed 's/^edigate //')}
here=$(cd "$(dirname "$0")/.." && pwd)
date=${SOURCE_DATE:-$(date -u -r "$here/Makefile" +%Y-%m-%d 2>/dev/null || date -u +%Y-%m-%d)}
mkdir -p "$out"

# The commands and their one-line summaries, from the usage's list.
cmds=$("$bin" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
summary() {
	"$bin" --help | awk -v c="$1" '/^Commands:/ {on=1; next}
	    on && $1 == c {sub(/^  [a-z-]+ +/, ""); print; exit}'
}

# help text on stdin -> roff on stdout.  The first paragraph (Usage:)
# is the synopsis; "Word words:" lines alone are sections; the rest is
# kept as written (no fill), escaped for roff.
to_roff() { # NAME SECTION-TITLE SUMMARY
	awk -v name="$1" -v title="$2" -v summ="$3" -v ver="$version" \
	    -v date="$date" '
	function esc(s) {
		gsub(/\\/, "\\e", s)
		if (s ~ /^[.\047]/) s = "\\&" s
		return s
	}
	function sect(s) {
		if (nf) { print ".fi"; nf = 0 }
		print ".SH " s
	}
	function text(s) {
		if (!nf) { print ".nf"; nf = 1 }
		if (s == "") print ".sp"; else print esc(s)
	}
	BEGIN {
		print ".\\\" Made by scripts/mkman.sh from `" name " --help`: edit the help text, not this page."
		print ".TH " toupper(title) " 1 \"" date "\" \"edigate " ver "\" \"edigate manual\""
		print ".nh"
		print ".SH NAME"
		print name " \\- " esc(summ)
		state = "syn"
	}
	state == "syn" && /^$/ { state = "body"; pending = 0; next }
	state == "syn" {
		if (!started) { sect("SYNOPSIS"); started = 1 }
		sub(/^Usage: /, ""); sub(/^       /, "")
		text($0); next
	}
	state == "body" && /^[A-Z][A-Za-z ]*:$/ {
		s = substr($0, 1, length($0) - 1)
		if (s == "Exit codes") s = "EXIT STATUS"
		sect(toupper(s)); blank = 0; body = 1; next
	}
	state == "body" {
		if (!body) { sect("DESCRIPTION"); body = 1 }
		if ($0 == "") { blank = 1; next }
		if (blank) { text(""); blank = 0 }
		text($0)
	}
	END { if (nf) print ".fi" }'
}

see_also() { # the other pages
	echo ".SH SEE ALSO"
	first=1
	for c in "" $cmds; do
		n=${c:+edigate-$c}; n=${n:-edigate}
		[ "$n" = "$1" ] && continue
		[ $first -eq 1 ] || echo ","
		printf '.BR %s (1)' "$n"
		first=0
	done
	echo
	echo ".PP"
	echo "The guides in PREFIX/share/doc/edigate and the docs/ folder of the"
	echo "source: operations.md, profiles.md, ledger.md, architecture.md."
}

"$bin" --help | to_roff edigate edigate "an EDI and file gateway: validate, map, acknowledge, run" >"$out/edigate.1"
[ -f "$here/docs/man/edigate.extra" ] && cat "$here/docs/man/edigate.extra" >>"$out/edigate.1"
see_also edigate >>"$out/edigate.1"
for c in $cmds; do
	"$bin" help "$c" | to_roff "edigate-$c" "edigate-$c" "$(summary "$c")" \
	    >"$out/edigate-$c.1"
	see_also "edigate-$c" >>"$out/edigate-$c.1"
done
echo "mkman: $(ls "$out"/*.1 | wc -l) page(s) in $out"
