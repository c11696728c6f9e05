#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e-toolstack.sh - Xen's own toolstack on our xen-evtchn: Debian's
# xen-utils-4.17 (oxenstored, xenconsoled, xl, xenstore-*) in the QEMU
# dom0 of scripts/e2e.sh, creating and destroying PV guests.
#
# Usage: scripts/e2e-toolstack.sh
#
# Builds (or reuses) a cached root of Debian's Xen tools and their shared
# libraries -- `apt-get download` + `dpkg-deb -x`, nothing installed on
# the host -- and a tiny domU initramfs (tests/guest/domu-init), then runs
# `scripts/e2e.sh toolstack`: two dom0 boots, the in-tree module first
# (control), then ours as dkms installed it, each running
# tests/guest/plan-toolstack.sh: /etc/init.d/xen start, xl info, xenstore
# round trips, E2E_CYCLES guest lifecycles (xl create, console marker
# through xenconsoled, xl destroy or xl shutdown), bound event channels
# back at baseline after each, clean kernel log at the end.
#
# Last line `N passed, N failed`; exit 0 iff nothing failed.
#
# Environment (and those of scripts/e2e.sh):
#   E2E_CYCLES        guest lifecycles per boot (default 10)
#   TOOLSTACK_CACHE   cache (default /var/cache/nopanic/toolstack)
#   XEN_VER           Xen tools version (default 4.17, as the hypervisor)

set -eu
export LC_ALL=C

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
E2E_CYCLES=${E2E_CYCLES:-10}
XEN_VER=${XEN_VER:-4.17}
TOOLSTACK_CACHE=${TOOLSTACK_CACHE:-${NOPANIC_CACHE:-/var/cache/nopanic}/toolstack}

# Bump when the cache layout changes.
CACHE_FORMAT=1

# Debian's Xen tools and the shared libraries they need (checked below:
# every ELF in the root must resolve inside the root).
PKGS="xen-utils-$XEN_VER xen-utils-common xenstore-utils libxenmisc$XEN_VER
libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4
libxentoollog1 libxenhypfs1 libxendevicemodel1 libxentoolcore1 libyajl2
libc6 libncurses6 libtinfo6 libuuid1 libext2fs2 libcom-err2 liblzma5
libzstd1 zlib1g libgcc-s1"
# Packages of which the root takes only some files: /etc/init.d/xen needs
# choom (util-linux), the LSB init helpers (sysvinit-utils) and Debian's
# start-stop-daemon (dpkg: busybox's starts the daemon on --test) run
# by dash, Debian's /bin/sh (busybox sh runs its own applets before
# anything on PATH, which would bring busybox's start-stop-daemon back,
# and with it a second xenconsoled without its arguments); the rest
# of them would replace busybox applets with binaries whose libraries are
# not in the root.
PARTIAL="util-linux:usr/bin/choom
sysvinit-utils:lib/lsb/init-functions
sysvinit-utils:lib/lsb/init-functions.d/00-verbose
sysvinit-utils:lib/init/vars.sh
dpkg:sbin/start-stop-daemon
dash:bin/dash"

log()
{
	echo "e2e-toolstack: $*" >&2
}

die()
{
	log "error: $*"
	echo "FAIL toolstack-setup: $*"
	echo "0 passed, 1 failed"
	exit 1
}

t_all=$EPOCHREALTIME

# --- the guest kernel (shared with e2e.sh's cache) ---------------------------

guest_env=$("$SRCDIR/scripts/e2e-guest.sh") || die "scripts/e2e-guest.sh failed"
eval "$guest_env"

# --- Debian's Xen tools, cached --------------------------------------------

CACHE=$TOOLSTACK_CACHE/$XEN_VER
mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9
stamp="format=$CACHE_FORMAT pkgs=$(echo "$PKGS" | tr '\n' ' ') partial=$(echo "$PARTIAL" | tr '\n' ' ')"

apt_updated=
download()
{
	apt-get download -qq -o APT::Sandbox::User=root "$@" >&2 && return 0
	[ -n "$apt_updated" ] && return 1
	log "apt-get update"
	apt-get update -qq >&2
	apt_updated=1
	apt-get download -qq -o APT::Sandbox::User=root "$@" >&2
}

if [ -f "$CACHE/.stamp" ] && [ "$(cat "$CACHE/.stamp")" = "$stamp" ]; then
	log "cache warm: $CACHE"
else
	t=$EPOCHREALTIME
	log "filling cache $CACHE"
	rm -rf "$CACHE/debs" "$CACHE/root" "$CACHE/partial" "$CACHE/.stamp" \
		"$CACHE/versions"
	mkdir -p "$CACHE/debs" "$CACHE/root" "$CACHE/partial"
	partial_pkgs=$(echo "$PARTIAL" | cut -d: -f1 | sort -u)
	# shellcheck disable=SC2086
	(cd "$CACHE/debs" && download $PKGS $partial_pkgs) ||
		die "apt-get download failed"
	for p in $PKGS; do
		set -- "$CACHE"/debs/"${p}"_*.deb
		[ -f "$1" ] || die "no $p deb"
		dpkg-deb -x "$1" "$CACHE/root"
		echo "$p $(dpkg-deb -f "$1" Version)" >> "$CACHE/versions"
	done
	for p in $partial_pkgs; do
		set -- "$CACHE"/debs/"${p}"_*.deb
		[ -f "$1" ] || die "no $p deb"
		dpkg-deb -x "$1" "$CACHE/partial/$p"
		echo "$p $(dpkg-deb -f "$1" Version) (part)" >> "$CACHE/versions"
	done
	for e in $PARTIAL; do
		p=${e%%:*} f=${e#*:}
		[ -e "$CACHE/partial/$p/$f" ] || die "no /$f in $p"
		mkdir -p "$CACHE/root/$(dirname "$f")"
		cp -a "$CACHE/partial/$p/$f" "$CACHE/root/$f"
	done
	rm -rf "$CACHE/partial" "$CACHE/root/usr/share/doc" \
		"$CACHE/root/usr/share/man" "$CACHE/root/usr/share/locale"
	# Every ELF must find its libraries inside the root.
	missing=$(cd "$CACHE/root" &&
		find usr/lib/xen-*/bin usr/bin usr/sbin bin sbin usr/lib/x86_64-linux-gnu \
			lib/x86_64-linux-gnu -type f 2>/dev/null |
		while read -r f; do
			[ "$(head -c 4 "$f")" = $'\x7fELF' ] || continue
			chroot . /lib64/ld-linux-x86-64.so.2 --list "/$f" 2>&1 |
				sed -n "s|^\t*\(.*not found\)|/$f: \1|p"
		done | sort -u)
	[ -z "$missing" ] || die "unresolved libraries: $missing"
	echo "$stamp" > "$CACHE/.stamp"
	log "cache filled in $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"
fi
sed 's/^/e2e-toolstack: deb /' "$CACHE/versions" >&2

# --- the per-run tree: configuration and the domU ----------------------------

WORK=$(mktemp -d /tmp/nopanic-toolstack.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
X=$WORK/extra
mkdir -p "$X/etc/default" "$X/run" "$X/var/lib/xen" "$X/var/lib/xenstored" \
	"$X/var/log/xen/console" "$X/var/lock" "$X/var/lib/nopanic/domu"
ln -s /run "$X/var/run"
# What the operator's /etc/default/xen would say (Debian installs it from
# default.xen): the package defaults plus guest console logs, which is how
# the plan reads each guest's marker through xenconsoled.
cp "$CACHE/root/usr/share/xen-utils-common/default.xen" "$X/etc/default/xen"
echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' \
	>> "$X/etc/default/xen"

# The domU: Debian's same kernel, a busybox initramfs printing a marker.
D=$WORK/domu
mkdir -p "$D"/{bin,sbin,dev,proc,sys}
cp /bin/busybox "$D/bin/busybox"
for a in sh mount cat echo sleep dmesg cut tr; do
	ln -s busybox "$D/bin/$a"
done
mknod -m 600 "$D/dev/console" c 5 1
install -m 755 "$SRCDIR/tests/guest/domu-init" "$D/init"
# The kernel's xenbus shutdown watch runs /sbin/poweroff (orderly_poweroff);
# busybox's plain poweroff would only signal PID 1, a shell here.
printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' > "$D/sbin/poweroff"
chmod 755 "$D/sbin/poweroff"
(cd "$D" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 > "$X/var/lib/nopanic/domu/initrd.cpio.gz"
# The uncompressed vmlinux: no xz decompression in dom0 for every guest.
case "$GUEST_KERNEL" in
*vmlinux) ln "$GUEST_KERNEL" "$X/var/lib/nopanic/domu/kernel" 2>/dev/null ||
		cp "$GUEST_KERNEL" "$X/var/lib/nopanic/domu/kernel" ;;
*)	die "no vmlinux in $GUEST_CACHE" ;;
esac

echo "time toolstack-setup $(awk -v a="$t_all" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"
log "tools $(grep '^xen-utils-[0-9]' "$CACHE/versions"), $E2E_CYCLES cycles per boot"
E2E_EXTRA_ROOTS="$CACHE/root $X" E2E_PLAN_ARGS="np.cycles=$E2E_CYCLES" \
	"$SRCDIR/scripts/e2e.sh" toolstack
