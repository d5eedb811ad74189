#!/bin/sh
# Usage: install-deps.sh PKGCONFIG_NAME|cmd:COMMAND|py:MODULE... -- DEBIAN_PACKAGE...
# Installs the Debian packages when any pkg-config module, command (cmd:NAME),
# Python module of python3 (py:NAME) or the C compiler is missing.
set -eu
mods=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do mods="$mods $1"; shift; done
[ $# -gt 0 ] && shift
debs="$*"
missing=""
command -v cc >/dev/null 2>&1 || missing="$missing cc"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
for m in $mods; do
	case "$m" in
	cmd:*) command -v "${m#cmd:}" >/dev/null 2>&1 || missing="$missing ${m#cmd:}" ;;
	py:*) python3 -c "import ${m#py:}" >/dev/null 2>&1 || missing="$missing python3:${m#py:}" ;;
	*) if command -v pkg-config >/dev/null 2>&1; then
		pkg-config --exists "$m" || missing="$missing $m"
	fi ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: missing:$missing"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: no apt-get here; install the equivalents of: $debs" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "deps: not root and no sudo; as root run: apt-get install $debs" >&2
		exit 1
	fi
fi
echo "deps: installing $debs"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $debs
