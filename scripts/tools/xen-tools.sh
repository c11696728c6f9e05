#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# xen-tools.sh - a release's own Xen toolstack (xen-utils-<xen>,
# xenstore-utils: oxenstored, xenconsoled, xl, xenstore-*) as a tree to
# merge into a dom0 initramfs, for tests/guest/plan-toolstack.sh.
#
# Usage: scripts/tools/xen-tools.sh <release>      (a name in scripts/conf/releases)
#
# XEN_TOOLS_QEMU=1 adds the release's qemu-system-xen (the device model
# libxl starts as a PV guest's qdisk backend; about 40 MiB with its
# libraries), in a tree of its own.
#
# The tools are installed by the release's own apt in its root
# (scripts/tools/release-root.sh: a dom0 has them installed anyway); the tree
# takes their packages' files, the few files of other packages that
# Debian's /etc/init.d/xen needs, and every shared library the ELF files
# among them link, as the root's loader resolves them. Cached in
# $NOPANIC_CACHE/toolstack/<release>; rebuilt when the root changed.
#
# Progress on stderr; stdout: TOOLS_ROOT=<tree> and TOOLS_VERSION=<version
# of xen-utils>, for np_env.

set -eu
export LC_ALL=C

. "$(dirname "$0")/../lib/lib.sh"

release=${1:?usage: $0 <release>}
np_release "$release"

# Bump when what goes into a tree changes.
TOOLS_FORMAT=2
PKGS="xen-utils-$REL_XEN xen-utils-common xenstore-utils"
suffix=
if [ "${XEN_TOOLS_QEMU:-0}" = 1 ]; then
	PKGS="$PKGS qemu-system-xen"
	suffix=-qemu
fi
# Files of other packages: /etc/init.d/xen needs choom (util-linux), the
# LSB init helpers (sysvinit-utils) and Debian's start-stop-daemon (dpkg:
# busybox's starts the daemon on --test), run by dash (busybox sh would
# run its own start-stop-daemon applet before anything on PATH). Named by
# the path the scripts use; the root's merged /usr resolves them. And
# libgcc_s, which glibc loads at run time for pthread_cancel (xl,
# xenstore-watch): no ldd shows it.
EXTRA="/usr/bin/choom /lib/lsb/init-functions /lib/lsb/init-functions.d
/lib/init/vars.sh /sbin/start-stop-daemon /bin/dash
/lib/x86_64-linux-gnu/libgcc_s.so.1"
# QEMU reads a keymap even with -vnc none (qemu-system-data).
[ -z "$suffix" ] || EXTRA="$EXTRA /usr/share/qemu/keymaps"

log()
{
	echo "xen-tools($release): $*" >&2
}

die()
{
	log "error: $*"
	exit 1
}

np_env "$NP_TOP/scripts/tools/release-root.sh" "$release" ||
	die "scripts/tools/release-root.sh $release failed"

CACHE=$NP_CACHE/toolstack/$release$suffix
TREE=$CACHE/root
mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9
stamp="format=$TOOLS_FORMAT pkgs=$PKGS extra=$(echo "$EXTRA" | tr '\n' ' ') root=$(cat "$ROOT/.nopanic-stamp") kver=$RKVER"

emit()
{
	echo "TOOLS_ROOT=$TREE"
	echo "TOOLS_VERSION=$(cat "$CACHE/version")"
}

if [ -f "$CACHE/.stamp" ] && [ "$(cat "$CACHE/.stamp")" = "$stamp" ]; then
	log "cached: $TREE"
	emit
	exit 0
fi

t=$(np_now)
rm -rf "$TREE" "$CACHE/.stamp"
mkdir -p "$TREE"
# shellcheck disable=SC2086 # $PKGS is a list
np_chroot "$ROOT" sh -c "apt-get install -y -qq $PKGS && apt-get clean" \
	> "$CACHE/apt.log" 2>&1 || {
	tail -n 20 "$CACHE/apt.log" >&2
	die "apt-get install $PKGS failed in $ROOT (log: $CACHE/apt.log)"
}
log "installed in the root: $(np_since "$t")s"

# put PATH: the root's file at PATH (resolved inside the root, a
# directory with what it holds) into the tree, at PATH.
put()
{
	local real

	real=$(chroot "$ROOT" readlink -f "$1") && [ -e "$ROOT$real" ] ||
		die "no $1 in $ROOT"
	mkdir -p "$TREE$(dirname "$1")"
	if [ -d "$ROOT$real" ]; then
		mkdir -p "$TREE$1"
		cp -a "$ROOT$real/." "$TREE$1/"
	else
		cp -L --remove-destination "$ROOT$real" "$TREE$1"
	fi
}

# The packages' own files, symlinks as they are (xl's, for one).
for p in $PKGS; do
	np_chroot "$ROOT" dpkg-query -L "$p" |
		grep -Ev '^/usr/share/(doc|man|locale|lintian|bug)/' |
		while IFS= read -r f; do
			[ -d "$ROOT$f" ] && [ ! -L "$ROOT$f" ] && continue
			mkdir -p "$TREE$(dirname "$f")"
			cp -a --remove-destination "$ROOT$f" "$TREE$f"
		done
done
for f in $EXTRA; do
	put "$f"
done

# Every ELF's libraries and loader, where the root's loader finds them.
libs=$(cd "$TREE" && find . -type f | while IFS= read -r f; do
		[ "$(head -c 4 "$f")" = $'\x7fELF' ] || continue
		chroot "$ROOT" ldd "${f#.}" 2>/dev/null
	done | grep -o '/[^ ]*\.so[^ ]*' | sort -u)
for l in $libs; do
	[ -e "$TREE$l" ] || put "$l"
done
missing=$(cd "$TREE" && find . -type f | while IFS= read -r f; do
		[ "$(head -c 4 "$f")" = $'\x7fELF' ] || continue
		chroot . /lib64/ld-linux-x86-64.so.2 --list "${f#.}" 2>&1 |
			sed -n "s|^\t*\(.*not found\)|${f#.}: \1|p"
	done | sort -u)
[ -z "$missing" ] || die "unresolved in the tree: $missing"

np_chroot "$ROOT" dpkg-query -W -f='${Version}' "xen-utils-$REL_XEN" \
	> "$CACHE/version"
echo "$stamp" > "$CACHE/.stamp"
log "ready: $TREE (xen-utils-$REL_XEN $(cat "$CACHE/version"), $(du -sm "$TREE" | cut -f1) MiB, $(np_since "$t")s)"
emit
