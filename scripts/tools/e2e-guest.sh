#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e-guest.sh - fetch and unpack what the end-to-end test boots: Debian's
# Xen hypervisor and a dom0 kernel.
#
# Usage: scripts/tools/e2e-guest.sh [<release>]
#
# Without a release: the host's own Debian 12. Installs the host packages
# the e2e harness needs (apt-get update runs only when one is missing),
# downloads linux-image-$KVER (matching the host's linux-headers) and the
# Xen hypervisor with `apt-get download` and unpacks them with `dpkg-deb
# -x` into a cache directory -- never into the host's /boot or /lib/modules.
#
# With a release (a name in scripts/conf/releases): that release's root
# (scripts/tools/release-root.sh) is the dom0's disk. Its installed kernel and
# module tree -- /lib/modules as dkms left it -- are booted as they are;
# its own apt downloads its Xen hypervisor.
#
# A warm cache is reused as it is: no apt call, no download, no unpack.
#
# Environment:
#   KVER            guest kernel release without a release (default: the
#                   one linux-headers-amd64 depends on, i.e. the headers
#                   installed on this host)
#   NOPANIC_CACHE   cache root (default /var/cache/nopanic); the guest
#                   packages go in its guest/$KVER (guest/<release>-$KVER)
#   XEN_PKG         hypervisor package without a release (default
#                   xen-hypervisor-4.17-amd64)
#
# Progress goes to stderr. stdout gets shell assignments for `eval`:
#   KVER=...         the kernel release
#   GUEST_CACHE=...  the cache directory
#   GUEST_XEN=...    the gunzipped Xen ELF (what QEMU's -kernel wants)
#   GUEST_KERNEL=... the dom0 kernel: vmlinux cut out of the bzImage, or
#                    the bzImage itself if that failed
#   GUEST_MODULES=...the unpacked /lib/modules/$KVER of the image package,
#                    or the release root's
#   GUEST_ROOT=...   the release root (empty without a release)

set -eu

export DEBIAN_FRONTEND=noninteractive

. "$(dirname "$0")/../lib/lib.sh"

XEN_PKG=${XEN_PKG:-xen-hypervisor-4.17-amd64}

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

RELEASE=${1:-}
ROOT=
if [ -n "$RELEASE" ]; then
	np_release "$RELEASE"
	root_env=$("$NP_TOP/scripts/tools/release-root.sh" "$RELEASE") ||
		die "no root for $RELEASE"
	eval "$root_env"
	KVER=$RKVER
	XEN_PKG=xen-hypervisor-$REL_XEN-amd64
	np_need_pkgs @boot @python
	CACHE=$NP_CACHE/guest/$RELEASE-$KVER
else
	KVER=$(np_kver)
	[ -n "$KVER" ] || die "cannot tell the kernel release from linux-headers-amd64; set KVER"
	np_need_pkgs @boot @cc @python dkms "linux-headers-$KVER"
	CACHE=$NP_CACHE/guest/$KVER
fi
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

log "filling cache $CACHE (KVER=$KVER, $XEN_PKG${RELEASE:+, $RELEASE root})"
rm -rf "$CACHE/debs" "$CACHE/root" "$CACHE/.stamp"
mkdir -p "$CACHE/debs" "$CACHE/root"

if [ -n "$RELEASE" ]; then
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
else
	cd "$CACHE/debs"
	download "linux-image-$KVER" ||
		download "linux-image-$KVER-unsigned" ||
		die "cannot download linux-image-$KVER(-unsigned)"
	download "$XEN_PKG" || die "cannot download $XEN_PKG"
	bzimage=$CACHE/root/boot/vmlinuz-$KVER
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

if [ -n "$RELEASE" ]; then
	:
elif [ -d "root/lib/modules/$KVER" ]; then
	echo "root/lib/modules/$KVER" > modules-path
elif [ -d "root/usr/lib/modules/$KVER" ]; then
	echo "root/usr/lib/modules/$KVER" > modules-path
else
	die "no module tree for $KVER in linux-image-$KVER"
fi
[ -d "$(cached modules-path)" ] || die "no module tree $(cached modules-path)"

echo "$stamp" > .stamp
log "cache filled: $CACHE"
emit
