#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# release-root.sh - a Debian release's own root, as an operator's dom0
# has it before installing nopanic: debootstrap --variant=minbase, that
# release's apt sources, and its dkms, gcc, make, linux-image-amd64 and
# linux-headers-amd64, installed by that release's apt. Cached in
# $NOPANIC_CACHE/roots/<release>, rebuilt when absent or stale.
#
# Usage: scripts/tools/release-root.sh <release>     (a name in scripts/conf/releases)
#
# Progress goes to stderr. stdout gets NAME=VALUE lines for np_env:
#   ROOT=...   the root directory
#   RKVER=...  the kernel release linux-image-amd64 installed in it
#
# The root is a test fixture, not a system: update-initramfs is diverted
# to true (no initrd is built; the tests boot their own initramfs).

set -eu
export DEBIAN_FRONTEND=noninteractive

. "$(dirname "$0")/../lib/lib.sh"

release=${1:?usage: $0 <release>}
np_release "$release"

MIRROR=${NP_MIRROR:-http://deb.debian.org/debian}
SECURITY=${NP_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# Bump when what goes into a root changes, so old roots are rebuilt.
ROOT_FORMAT=1
PKGS="linux-image-amd64 linux-headers-amd64 dkms gcc make kmod xz-utils"

log() {
	echo "release-root($release): $*" >&2
}

die() {
	log "error: $*"
	exit 1
}

np_need_pkgs @roots

DIR=$NP_CACHE/roots
ROOT=$DIR/$release
mkdir -p "$DIR"
exec 9> "$DIR/.$release.lock"
flock 9

stamp="format=$ROOT_FORMAT suites=$REL_SUITES pkgs=$PKGS"

emit() {
	echo "ROOT=$ROOT"
	echo "RKVER=$(cat "$ROOT/.nopanic-kver")"
}

if [ -f "$ROOT/.nopanic-stamp" ] &&
   [ "$(cat "$ROOT/.nopanic-stamp")" = "$stamp" ]; then
	log "cached: $ROOT"
	emit
	exit 0
fi

t=$(np_now)
log "building $ROOT (suites $REL_SUITES)"
umount "$ROOT/proc" "$ROOT/sys" 2>/dev/null || :
rm -rf "$ROOT"
debootstrap --variant=minbase "$release" "$ROOT" "$MIRROR" \
	> "$DIR/$release.debootstrap.log" 2>&1 || {
	tail -n 20 "$DIR/$release.debootstrap.log" >&2
	die "debootstrap failed (log: $DIR/$release.debootstrap.log)"
}
log "debootstrap $(np_since "$t")s"

{
	IFS=, read -ra suites <<< "$REL_SUITES"
	for s in "${suites[@]}"; do
		case $s in
		*-security) echo "deb $SECURITY $s main" ;;
		*) echo "deb $MIRROR $s main" ;;
		esac
	done
} > "$ROOT/etc/apt/sources.list"
# The archive copy this runs against can be older than a suite's
# Valid-Until (sid's, seen here): accept it rather than fail.
cat > "$ROOT/etc/apt/apt.conf.d/90nopanic" <<'APT'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT
chroot "$ROOT" dpkg-divert --quiet --local --rename \
	--add /usr/sbin/update-initramfs
ln -sf /bin/true "$ROOT/usr/sbin/update-initramfs"

t=$(np_now)
# shellcheck disable=SC2086 # $PKGS is a list
np_chroot "$ROOT" sh -c "apt-get update -qq && apt-get install -y -qq $PKGS && apt-get clean" \
	> "$DIR/$release.apt.log" 2>&1 || {
	tail -n 20 "$DIR/$release.apt.log" >&2
	die "apt-get install failed (log: $DIR/$release.apt.log)"
}
log "packages $(np_since "$t")s"

kver=$(np_chroot "$ROOT" dpkg-query -W -f='${Depends}' linux-image-amd64 |
	grep -o 'linux-image-[0-9][^ ,(]*' | head -n1 | sed 's/^linux-image-//')
[ -d "$ROOT/lib/modules/$kver" ] || [ -d "$ROOT/usr/lib/modules/$kver" ] ||
	die "no module tree for '$kver' in $ROOT"
echo "$kver" > "$ROOT/.nopanic-kver"
echo "$stamp" > "$ROOT/.nopanic-stamp"
log "ready: $ROOT (kernel $kver, $(du -sm "$ROOT" | cut -f1) MiB)"
emit
