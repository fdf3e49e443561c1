#!/bin/sh
# Install the Debian packages edigate needs to build, test, fuzz and demo.
# Does nothing (and needs no network or root) when all are present.
set -eu
PKGS="build-essential pkg-config libssh2-1-dev libxml2-dev libxml2-utils
libarchive-dev zlib1g-dev libssl-dev libsqlite3-dev sqlite3 libcmocka-dev
openssh-server openssh-client clang python3 proftpd-core proftpd-mod-crypto
chromium postgresql libpq-dev"

installed() {
	case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" in
	*"install ok installed"*) return 0 ;;
	*) return 1 ;;
	esac
}

# libFuzzer's runtime is named after clang's major version
# (libclang-rt-14-dev); empty when clang is not there yet.
clang_rt() {
	v=$(clang --version 2>/dev/null |
		sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -n1)
	[ -n "$v" ] && echo "libclang-rt-$v-dev"
	return 0
}

missing=""
for p in $PKGS $(clang_rt); do
	installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# clang may have come in just now: its fuzzer runtime in a second pass.
rt=$(clang_rt)
if [ -n "$rt" ] && ! installed "$rt"; then
	$SUDO apt-get install -y -qq --no-install-recommends "$rt" >/dev/null ||
		echo "deps: $rt not available: make fuzz will not link" >&2
fi
