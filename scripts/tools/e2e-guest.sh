#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e-guest.sh - fetch and unpack what the end-to-end test boots: Debian's
# Xen hypervisor and a dom0 kernel.
#
# Usage: scripts/tools/e2e-guest.sh [<release>]
#
# The release (a name in scripts/conf/releases; default $E2E_RELEASE, or
# bookworm: Debian 12, whose 6.1 and Xen 4.17 the e2e, demo, torture and
# bench tiers run) comes from its own root (scripts/tools/release-root.sh),
# whatever the host runs: its installed kernel and module tree --
# /lib/modules as dkms left it -- are booted as they are, its own apt
# downloads its Xen hypervisor, and modules for it are built there
# (np_root_kbuild in scripts/lib/lib.sh). Nothing comes from the host's apt
# but the tools that boot it.
#
# A warm cache is reused as it is: no apt call, no download, no unpack.
#
# Environment:
#   E2E_RELEASE     the release without an argument (default bookworm)
#   NOPANIC_CACHE   cache root (default /var/cache/nopanic); the guest
#                   goes in its guest/<release>-$KVER
#
# Progress goes to stderr. stdout gets NAME=VALUE lines for np_env:
#   KVER=...         the kernel release
#   GUEST_CACHE=...  the cache directory
#   GUEST_XEN=...    the gunzipped Xen ELF (what QEMU's -kernel wants)
#   GUEST_KERNEL=... the dom0 kernel: vmlinux cut out of the bzImage, or
#                    the bzImage itself if that failed
#   GUEST_MODULES=...the release root's /lib/modules/$KVER
#   GUEST_ROOT=...   the release root

set -eu

export DEBIAN_FRONTEND=noninteractive

. "$(dirname "$0")/../lib/lib.sh"

# Bump when the cache layout below changes, so old caches are rebuilt.
CACHE_FORMAT=2

log()
{
	echo "e2e-guest: $*" >&2
}

die()
{
	log "error: $*"
	exit 1
}

# extract_vmlinux BZIMAGE OUT: cut the uncompressed kernel ELF out of a
# bzImage. Debian's payload is xz up to 6.1 and zstd from 6.12: try each
# stream header in the file until one decompresses to an ELF. Whatever
# follows the payload (the bzImage trailer) is not part of it: xz stops at
# the end of its stream; zstd complains about it after it has written the
# whole frame, so its status says nothing and the ELF check decides.
extract_vmlinux()
{
	local img=$1 out=$2 off

	for off in $(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$img" | cut -d: -f1); do
		tail -c +$((off + 1)) "$img" |
			xz -dc --single-stream > "$out.tmp" 2>/dev/null || continue
		is_elf "$out.tmp" && mv "$out.tmp" "$out" && return 0
	done
	for off in $(LC_ALL=C grep -abo $'\x28\xb5\x2f\xfd' "$img" | cut -d: -f1); do
		tail -c +$((off + 1)) "$img" | zstd -dcq > "$out.tmp" 2>/dev/null
		is_elf "$out.tmp" && mv "$out.tmp" "$out" && return 0
	done
	rm -f "$out.tmp"
	return 1
}

# is_elf FILE: an ELF of more than a MiB (a kernel, not a stray match).
is_elf()
{
	[ "$(head -c 4 "$1")" = $'\x7fELF' ] &&
		[ "$(stat -c %s "$1")" -gt 1048576 ]
}

# --- host packages -------------------------------------------------------

RELEASE=${1:-${E2E_RELEASE:-bookworm}}
np_release "$RELEASE"
np_env "$NP_TOP/scripts/tools/release-root.sh" "$RELEASE" ||
	die "no root for $RELEASE"
KVER=$RKVER
XEN_PKG=xen-hypervisor-$REL_XEN-amd64
np_need_pkgs @boot @python
CACHE=$NP_CACHE/guest/$RELEASE-$KVER
mkdir -p "$CACHE"

# One fetch at a time per cache: several harness runs may start at once.
exec 9> "$CACHE/.lock"
flock 9

stamp="format=$CACHE_FORMAT kver=$KVER xen=$XEN_PKG root=$ROOT"

# cached NAME: a path the cache recorded, relative to it unless absolute.
cached()
{
	local p

	p=$(cat "$CACHE/$1")
	case $p in
	/*) echo "$p" ;;
	*) echo "$CACHE/$p" ;;
	esac
}

emit()
{
	echo "KVER=$KVER"
	echo "GUEST_CACHE=$CACHE"
	echo "GUEST_XEN=$CACHE/xen"
	echo "GUEST_KERNEL=$(cached kernel-name)"
	echo "GUEST_MODULES=$(cached modules-path)"
	echo "GUEST_ROOT=$ROOT"
}

if [ -f "$CACHE/.stamp" ] && [ "$(cat "$CACHE/.stamp")" = "$stamp" ]; then
	log "cache warm: $CACHE"
	emit
	exit 0
fi

# --- cold: fetch and unpack ----------------------------------------------

log "filling cache $CACHE (KVER=$KVER, $XEN_PKG, $RELEASE root)"
rm -rf "$CACHE/debs" "$CACHE/root" "$CACHE/.stamp"
mkdir -p "$CACHE/debs" "$CACHE/root"

# The release's own apt, inside its root, fetches its hypervisor.
rm -rf "$ROOT/tmp/nopanic-debs"
mkdir -p "$ROOT/tmp/nopanic-debs"
np_chroot "$ROOT" sh -c "cd /tmp/nopanic-debs &&
	apt-get download -qq $XEN_PKG" >&2 ||
	die "cannot download $XEN_PKG in the $RELEASE root"
mv "$ROOT"/tmp/nopanic-debs/*.deb "$CACHE/debs/"
rmdir "$ROOT/tmp/nopanic-debs"
bzimage=$ROOT/boot/vmlinuz-$KVER
if [ -d "$ROOT/lib/modules/$KVER" ]; then
	echo "$ROOT/lib/modules/$KVER" > "$CACHE/modules-path"
else
	echo "$ROOT/usr/lib/modules/$KVER" > "$CACHE/modules-path"
fi

for deb in "$CACHE"/debs/*.deb; do
	log "unpack ${deb##*/}"
	dpkg-deb -x "$deb" "$CACHE/root"
done
cd "$CACHE"

# The hypervisor: QEMU's multiboot loader wants the ELF, not the .gz.
set -- root/boot/xen-*.gz
[ -f "$1" ] || die "no xen-*.gz in $XEN_PKG"
gzip -dc "$1" > xen

[ -f "$bzimage" ] || die "no $bzimage"
# An uncompressed vmlinux saves ~10 s of decompression under TCG.
if extract_vmlinux "$bzimage" vmlinux; then
	echo vmlinux > kernel-name
else
	log "warning: cannot extract vmlinux, booting the bzImage"
	echo "$bzimage" > kernel-name
fi

[ -d "$(cached modules-path)" ] || die "no module tree $(cached modules-path)"

echo "$stamp" > .stamp
log "cache filled: $CACHE"
emit
