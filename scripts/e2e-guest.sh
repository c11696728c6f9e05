#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e-guest.sh - fetch and unpack what the end-to-end test boots: Debian's
# Xen hypervisor and the dom0 kernel matching the host's linux-headers.
#
# Usage: scripts/e2e-guest.sh
#
# Installs the host packages the e2e harness needs (apt-get update runs
# only when one is missing), downloads linux-image-$KVER and the Xen
# hypervisor with `apt-get download` and unpacks them with `dpkg-deb -x`
# into a cache directory -- never into the host's /boot or /lib/modules.
# A warm cache is reused as it is: no apt call, no download, no unpack.
#
# Environment:
#   KVER            guest kernel release (default: the one linux-headers-amd64
#                   depends on, i.e. the headers installed on this host)
#   NOPANIC_CACHE   cache root (default /var/cache/nopanic); the guest
#                   packages go in its guest/$KVER
#   XEN_PKG         hypervisor package (default xen-hypervisor-4.17-amd64)
#
# Progress goes to stderr. stdout gets shell assignments for `eval`:
#   KVER=...         the kernel release
#   GUEST_CACHE=...  the cache directory
#   GUEST_XEN=...    the gunzipped Xen ELF (what QEMU's -kernel wants)
#   GUEST_KERNEL=... the dom0 kernel: vmlinux cut out of the bzImage, or
#                    the bzImage itself if that failed
#   GUEST_MODULES=...the unpacked /lib/modules/$KVER of the image package

set -eu

export DEBIAN_FRONTEND=noninteractive

. "$(dirname "$0")/lib.sh"

XEN_PKG=${XEN_PKG:-xen-hypervisor-4.17-amd64}

# Bump when the cache layout below changes, so old caches are rebuilt.
CACHE_FORMAT=1

log()
{
	echo "e2e-guest: $*" >&2
}

die()
{
	log "error: $*"
	exit 1
}

# download PKG...: apt-get download into the current directory, updating
# the package lists once if the archive does not know the package yet.
download()
{
	# Downloading into a root-owned directory: skip apt's _apt sandbox
	# rather than print a warning about it.
	apt-get download -qq -o APT::Sandbox::User=root "$@" >&2 && return 0
	[ -n "${NP_APT_UPDATED:-}" ] && return 1
	np_apt_update_once
	apt-get download -qq -o APT::Sandbox::User=root "$@" >&2
}

# extract_vmlinux BZIMAGE OUT: cut the uncompressed kernel ELF out of a
# bzImage. Debian's 6.1 payload is xz: try each xz stream header in the
# file until one decompresses to an ELF. --single-stream makes xz stop at
# the end of the stream and ignore what follows it (the bzImage trailer).
extract_vmlinux()
{
	local img=$1 out=$2 off

	for off in $(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$img" | cut -d: -f1); do
		if tail -c +$((off + 1)) "$img" |
		   xz -dc --single-stream > "$out.tmp" 2>/dev/null &&
		   [ "$(head -c 4 "$out.tmp")" = $'\x7fELF' ]; then
			mv "$out.tmp" "$out"
			return 0
		fi
	done
	rm -f "$out.tmp"
	return 1
}

# --- host packages -------------------------------------------------------

KVER=$(np_kver)
[ -n "$KVER" ] || die "cannot tell the kernel release from linux-headers-amd64; set KVER"

np_need_pkgs qemu-system-x86 busybox-static dkms "linux-headers-$KVER" cpio \
	    xz-utils kmod gcc libc6-dev make gzip util-linux

CACHE=${NOPANIC_CACHE:-/var/cache/nopanic}/guest/$KVER
mkdir -p "$CACHE"

# One fetch at a time per cache: several harness runs may start at once.
exec 9> "$CACHE/.lock"
flock 9

stamp="format=$CACHE_FORMAT kver=$KVER xen=$XEN_PKG"

emit()
{
	echo "KVER=$KVER"
	echo "GUEST_CACHE=$CACHE"
	echo "GUEST_XEN=$CACHE/xen"
	echo "GUEST_KERNEL=$CACHE/$(cat "$CACHE/kernel-name")"
	echo "GUEST_MODULES=$CACHE/$(cat "$CACHE/modules-path")"
}

if [ -f "$CACHE/.stamp" ] && [ "$(cat "$CACHE/.stamp")" = "$stamp" ]; then
	log "cache warm: $CACHE"
	emit
	exit 0
fi

# --- cold: fetch and unpack ----------------------------------------------

log "filling cache $CACHE (KVER=$KVER, $XEN_PKG)"
rm -rf "$CACHE/debs" "$CACHE/root" "$CACHE/.stamp"
mkdir -p "$CACHE/debs" "$CACHE/root"

cd "$CACHE/debs"
download "linux-image-$KVER" ||
	download "linux-image-$KVER-unsigned" ||
	die "cannot download linux-image-$KVER(-unsigned)"
download "$XEN_PKG" || die "cannot download $XEN_PKG"

for deb in "$CACHE"/debs/*.deb; do
	log "unpack ${deb##*/}"
	dpkg-deb -x "$deb" "$CACHE/root"
done
cd "$CACHE"

# The hypervisor: QEMU's multiboot loader wants the ELF, not the .gz.
set -- root/boot/xen-*.gz
[ -f "$1" ] || die "no xen-*.gz in $XEN_PKG"
gzip -dc "$1" > xen

bzimage=root/boot/vmlinuz-$KVER
[ -f "$bzimage" ] || die "no $bzimage in linux-image-$KVER"
# An uncompressed vmlinux saves ~10 s of decompression under TCG.
if extract_vmlinux "$bzimage" vmlinux; then
	echo vmlinux > kernel-name
else
	log "warning: cannot extract vmlinux, booting the bzImage"
	echo "$bzimage" > kernel-name
fi

if [ -d "root/lib/modules/$KVER" ]; then
	echo "root/lib/modules/$KVER" > modules-path
elif [ -d "root/usr/lib/modules/$KVER" ]; then
	echo "root/usr/lib/modules/$KVER" > modules-path
else
	die "no module tree for $KVER in linux-image-$KVER"
fi

echo "$stamp" > .stamp
log "cache filled: $CACHE"
emit
