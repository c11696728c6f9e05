#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vmxnet3.sh - patches/<line>/net against a lying device: Debian's kernel
# of each release booted directly under QEMU (TCG, no Xen) with QEMU's
# emulated vmxnet3 on user networking, and tests/vmxnet3/np_vmxlie.ko
# rewriting receive completions as a device that lies about their length
# would.
#
# Usage: scripts/tiers/vmxnet3.sh [<release>...]   (make vmxnet3;
#        default: bookworm, the line make check proves)
#
# Per release, three boots, one after the other:
#   patched  vmxnet3.ko built from the release's linux-source with
#            patches/<line>/net/ applied, against its linux-headers in its
#            root (scripts/tools/release-root.sh): traffic passes, every
#            lying completion is dropped and counted once (ethtool -S,
#            sysfs, ip -s link) and logged, traffic passes after; a
#            completion for a queue that is not the driver's is refused,
#            counted, logged, the device reset and traffic passes again;
#            the modules unload, the kernel log stays clean
#            (tests/vmxnet3/plan.sh).
#   control  Debian's own vmxnet3.ko, the same lies: passes only when the
#            one-byte lie goes through uncounted and the long one ends in
#            skb_over_panic and the kernel BUG, with vmxnet3_rq_rx_complete
#            in the trace.
#   control-queue  Debian's own vmxnet3.ko, the wrong queue id: passes
#            only when it ends in the driver's BUG_ON() and a panic.
#
# Prints one KTAP line per check, the time each phase took, and as its
# last line `N passed, N failed`. Exits 0 iff nothing failed.
#
# Environment:
#   VMX_N        long lies in the patched boot (default 3)
#   VMX_TIMEOUT  hard limit for one boot in seconds (default 300)
#   VMX_WORK     work directory (default: a new /tmp/nopanic-vmxnet3.XXXXXX,
#                removed after a run that passed)
#   V=1          copy the serial consoles to stdout as they run

set -eu
export LC_ALL=C

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib/lib.sh
. "$SRCDIR/scripts/lib/lib.sh"

case "${1:-}" in
-h|--help)
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0"
	exit 0
	;;
esac

E2E_TIMEOUT=${VMX_TIMEOUT:-300}
BOOT_BARE=1
BOOT_NIC="-netdev user,id=n0 -device vmxnet3,netdev=n0"
# shellcheck source=scripts/lib/dom0.sh
. "$SRCDIR/scripts/lib/dom0.sh"

np_tier vmxnet3 "${VMX_WORK:-}"

[ $# -gt 0 ] || set -- bookworm

np_need_pkgs @boot @cc @net @patches >> "$WORK/setup.log" 2>&1 ||
	np_fatal packages "cannot install the host's packages (log: $WORK/setup.log)"
np_run make -C "$SRCDIR/tests" vmxnet3/np_ethstats ||
	np_fatal build "tests/vmxnet3/np_ethstats does not build"

# debian_module OUT: the release's own vmxnet3.ko as OUT, uncompressed.
debian_module()
{
	local ko

	for ko in "$GUEST_MODULES"/kernel/drivers/net/vmxnet3/vmxnet3.ko*; do
		cp "$ko" "$1${ko##*.ko}" && dom0_ko_plain "$1${ko##*.ko}"
		return
	done
	return 1
}

# build DIR KO: kbuild in DIR by the release root's compiler against
# its headers; KO must come out with the kernel's vermagic.
build()
{
	np_run np_root_kbuild "$GUEST_ROOT" "$KVER" "$1" -j2 modules &&
		modinfo -F vermagic "$1/$2" | grep -q "^$KVER "
}

# release_run REL: build, boot and check one release.
release_run()
{
	local rel=$1 t RW TREE KSRC_LINE KSRC_VERSION img p

	t=$(np_now)
	RW=$WORK/$rel
	mkdir -p "$RW"
	np_env "$SRCDIR/scripts/tools/e2e-guest.sh" "$rel" 2>> "$WORK/setup.log" ||
		{ np_fail "$rel/guest: scripts/tools/e2e-guest.sh failed (log: $WORK/setup.log)"; return; }
	np_env "$SRCDIR/scripts/tools/kernel-tree.sh" --no-reset "$rel" 2>> "$WORK/setup.log" ||
		{ np_fail "$rel/tree: scripts/tools/kernel-tree.sh failed (log: $WORK/setup.log)"; return; }
	# np_vmxlie reads the driver's private structures: the source must be
	# the booted kernel's.
	# shellcheck disable=SC2016 # dpkg-query's format
	img=$(np_chroot "$GUEST_ROOT" dpkg-query -W -f='${Version}' "linux-image-$KVER" 2>/dev/null)
	if [ "$img" = "$KSRC_VERSION" ]; then
		np_ok "$rel/source-is-the-kernel's linux $img"
	else
		np_fail "$rel/source-is-the-kernel's: linux-source $KSRC_VERSION, kernel $KVER $img"
		return
	fi
	np_timing "$rel guest+tree $(np_since "$t")s (kernel $KVER, linux-source-$KSRC_LINE $KSRC_VERSION)"

	# The driver, patched, and the liar, beside the pristine headers.
	t=$(np_now)
	mkdir -p "$RW/src" "$RW/lie"
	git -C "$TREE" archive pristine drivers/net/vmxnet3 | tar -x -C "$RW/src"
	for p in "$SRCDIR/patches/$KSRC_LINE"/net/0[0-9][0-9][1-9]-vmxnet3-*.patch; do
		if np_run patch -d "$RW/src" -p1 -i "$p"; then
			np_ok "$rel/applies(${p##*/})"
		else
			np_fail "$rel/applies(${p##*/}): (log: $WORK/setup.log)"
			return
		fi
	done
	cp "$SRCDIR/tests/vmxnet3/np_vmxlie.c" "$SRCDIR/tests/vmxnet3/Kbuild" "$RW/lie/"
	git -C "$TREE" archive pristine drivers/net/vmxnet3 |
		tar -x -C "$RW/lie" --strip-components=3 --wildcards '*.h'
	if build "$RW/src/drivers/net/vmxnet3" vmxnet3.ko; then
		np_ok "$rel/build-vmxnet3.ko-patched"
	else
		np_fail "$rel/build-vmxnet3.ko-patched: (log: $WORK/setup.log)"
		return
	fi
	if build "$RW/lie" np_vmxlie.ko; then
		np_ok "$rel/build-np_vmxlie.ko"
	else
		np_fail "$rel/build-np_vmxlie.ko: (log: $WORK/setup.log)"
		return
	fi
	np_timing "$rel build $(np_since "$t")s"

	# The initramfs: dom0.sh's busybox root, the skb guard's /init.
	t=$(np_now)
	rm -rf "$RW/ird"
	dom0_initramfs "$RW/ird" vmxnet3/np_ethstats
	install -m 755 "$SRCDIR/tests/skbguard/init" "$RW/ird/init"
	install -m 644 "$SRCDIR/tests/vmxnet3/plan.sh" "$RW/ird/plans/plan.sh"
	mkdir -p "$RW/ird/lib/nopanic"
	install -m 644 "$RW/src/drivers/net/vmxnet3/vmxnet3.ko" \
		"$RW/lie/np_vmxlie.ko" "$RW/ird/lib/nopanic/"
	debian_module "$RW/ird/lib/nopanic/vmxnet3-debian.ko" ||
		{ np_fail "$rel/initramfs: no vmxnet3.ko in $GUEST_MODULES"; return; }
	dom0_iproute2 "$RW/ird" || { np_fail "$rel/initramfs: no iproute2 ip on the host"; return; }
	dom0_pack "$RW/ird" "$WORK/initrd.cpio.gz"
	np_timing "$rel initramfs $(np_since "$t")s"

	t=$(np_now)
	boots "$rel-patched" "quiet np.mode=patched np.n=${VMX_N:-3}" >> "$WORK/setup.log"
	boot_checks "$rel-patched"
	guest_checks "$rel-patched"
	log_clean "$rel-patched"

	boots "$rel-control" "np.mode=control" >> "$WORK/setup.log"
	np_timing "boot $rel-control ${BOOT_T[$rel-control]}s"
	guest_checks "$rel-control" --partial
	log_expect "$rel-control" skb_over_panic 'skb_over_panic: .*len:[0-9]+ put:[0-9]+'
	log_expect "$rel-control" kernel-BUG 'kernel BUG at net/core/skbuff.c:[0-9]+'
	log_expect "$rel-control" crash-in-vmxnet3 \
		'vmxnet3_rq_rx_complete\+0x[0-9a-f]+/0x[0-9a-f]+ \[vmxnet3\]'
	log_expect "$rel-control" panic 'Kernel panic - not syncing'

	boots "$rel-control-queue" "np.mode=control np.lie=queue" >> "$WORK/setup.log"
	np_timing "boot $rel-control-queue ${BOOT_T[$rel-control-queue]}s"
	guest_checks "$rel-control-queue" --partial
	log_expect "$rel-control-queue" kernel-BUG \
		'kernel BUG at drivers/net/vmxnet3/vmxnet3_drv.c:[0-9]+'
	log_expect "$rel-control-queue" panic 'Kernel panic - not syncing'
	np_timing "$rel boots $(np_since "$t")s"
}

for rel in "$@"; do
	release_run "$rel"
done
np_tier_end
