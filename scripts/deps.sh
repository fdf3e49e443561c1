#!/bin/sh
# Install the Debian packages edigate needs to build, test, fuzz and demo.
# Does nothing (and needs no network or root) when all are present.
set -eu
PKGS="build-essential pkg-config libssh2-1-dev libxml2-dev libxml2-utils libarchive-dev
zlib1g-dev libssl-dev libsqlite3-dev sqlite3 libcmocka-dev openssh-server
openssh-client clang libclang-rt-dev"
missing=""
for p in $PKGS; do
	if [ "$p" = libclang-rt-dev ]; then
		# Debian names the runtime after the clang major version.
		v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)
		[ -n "$v" ] || continue
		p="libclang-rt-$v-dev"
		apt-cache show "$p" >/dev/null 2>&1 || continue
	fi
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# clang may only now be installed: its runtime comes in a second pass.
if [ -z "$(dpkg-query -W -f='${Status}' "libclang-rt-$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)-dev" 2>/dev/null | grep 'ok installed')" ]; then
	v=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)
	$SUDO apt-get install -y -qq --no-install-recommends "libclang-rt-$v-dev" >/dev/null || true
fi
