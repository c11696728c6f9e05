#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# debug-kernel.sh - build, once, a Xen PV dom0 kernel with the kernel's
# own bug finders on (KFENCE, lockdep, atomic-sleep checks, debugobjects,
# kmemleak, UBSAN), for scripts/tiers/torture.sh.
#
# No KASAN: 6.1 cannot run it as a Xen PV guest. Its shadow memory is set
# up from the native entry (kasan_early_init() in x86_64_start_kernel(),
# kasan_init() writing page tables directly); a PV kernel enters at
# xen_start_kernel() with page tables Xen validates, and nothing in
# arch/x86/xen maps a shadow ("basic KASAN support for Xen PV domains",
# posted in 2020, was not merged). An instrumented dom0 faults on its
# first checked access. KFENCE, which needs no shadow, is the
# use-after-free and out-of-bounds detector here.
#
# Usage: scripts/tools/debug-kernel.sh [--cached]
#
# --cached: build nothing; print the assignments below if the cache holds
# the kernel this recipe and the installed source make, else exit 3.
#
# The source is Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz),
# unpacked into a tree of our own under $NOPANIC_CACHE/debug-kernel/ and
# configured from x86_64_defconfig + xen.config + what dom0 and our tests
# need, less the big subsystems nothing here uses, plus the debug options
# (see config_recipe). The build is keyed by a stamp (source package
# version + a hash of the recipe): a warm cache does nothing. A build that
# stopped half way is resumed (make is incremental) if the recipe did not
# change, restarted from a fresh tree if it did.
#
# Environment:
#   NOPANIC_CACHE   cache root (default /var/cache/nopanic)
#   DEBUG_JOBS      make -j (default 2); the build runs under nice -n 10
#
# Progress goes to stderr, the build's output to
# $NOPANIC_CACHE/debug-kernel/build.log. stdout gets NAME=VALUE lines for
# np_env:
#   DEBUG_KVER=...     the kernel release
#   DEBUG_KERNEL=...   the uncompressed vmlinux (what Xen boots as dom0)
#   DEBUG_MODULES=...  the installed module tree, .../lib/modules/$DEBUG_KVER
#   DEBUG_BUILD=...    the build tree: KDIR for out-of-tree modules
#                      (make -C $DEBUG_BUILD M=...)

set -eu

export LC_ALL=C

# shellcheck source=scripts/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

SRC_PKG=linux-source-6.1
TARBALL=/usr/src/$SRC_PKG.tar.xz
LOCALVERSION=-nopanic-debug
DEBUG_JOBS=${DEBUG_JOBS:-2}
CACHE=$NP_CACHE/debug-kernel
TREE=$CACHE/linux
MODROOT=$CACHE/modroot

log()
{
	echo "debug-kernel: $*" >&2
}

die()
{
	log "error: $*"
	exit 1
}

# --- the configuration -------------------------------------------------------

# Options that must end up built in (y) or as a module (m) -- the check
# after olddefconfig. NAME=y accepts only y, NAME=m only m, NAME=ym either.
REQUIRED="
	XEN=y XEN_PV=y XEN_DOM0=y XEN_DEV_EVTCHN=m XEN_PRIVCMD=m XENFS=m
	XEN_COMPAT_XENFS=y HVC_XEN=y
	SERIAL_8250=y SERIAL_8250_CONSOLE=y
	BLK_DEV_INITRD=y RD_GZIP=y DEVTMPFS=y TMPFS=y PROC_FS=y SYSFS=y
	MODULES=y MODULE_UNLOAD=y
	NET=y INET=y NETDEVICES=y
	IKCONFIG=y IKCONFIG_PROC=y DEBUG_FS=y KALLSYMS=y
	KFENCE=y
	PROVE_LOCKING=y LOCKDEP=y DEBUG_SPINLOCK=y DEBUG_MUTEXES=y
	DEBUG_ATOMIC_SLEEP=y
	DEBUG_OBJECTS=y DEBUG_OBJECTS_FREE=y DEBUG_OBJECTS_TIMERS=y
	DEBUG_OBJECTS_WORK=y DEBUG_OBJECTS_RCU_HEAD=y
	DEBUG_OBJECTS_PERCPU_COUNTER=y
	DEBUG_KMEMLEAK=y
	UBSAN=y UBSAN_BOUNDS=y UBSAN_SHIFT=y UBSAN_SANITIZE_ALL=y
"

# config_recipe: run in the tree; what makes .config. Its text is part of
# the cache stamp: change it and the next run rebuilds.
config_recipe()
{
	make -s x86_64_defconfig
	make -s xen.config
	# The dom0 tests: Xen's drivers as modules (the plans modprobe them),
	# the consoles, an initramfs root, our modules built out of tree.
	scripts/config \
		--enable XEN --enable XEN_PV --enable XEN_DOM0 \
		--module XEN_DEV_EVTCHN --module XEN_PRIVCMD --module XENFS \
		--enable XEN_COMPAT_XENFS --enable HVC_XEN \
		--enable SERIAL_8250 --enable SERIAL_8250_CONSOLE \
		--enable BLK_DEV_INITRD --enable RD_GZIP \
		--enable DEVTMPFS --enable TMPFS --enable PROC_FS --enable SYSFS \
		--enable MODULES --enable MODULE_UNLOAD \
		--disable MODULE_SIG --disable MODVERSIONS \
		--enable NET --enable INET --enable NETDEVICES \
		--enable IKCONFIG --enable IKCONFIG_PROC --enable DEBUG_FS \
		--enable KALLSYMS --enable KALLSYMS_ALL \
		--set-str LOCALVERSION "$LOCALVERSION" \
		--disable LOCALVERSION_AUTO
	# Build time: what a busybox dom0 under QEMU never touches.
	scripts/config \
		--disable DRM --disable FB --disable SOUND --disable SND \
		--disable USB_SUPPORT --disable WLAN --disable WIRELESS \
		--disable CFG80211 --disable MAC80211 --disable RFKILL \
		--disable BT --disable MEDIA_SUPPORT --disable AGP \
		--disable INFINIBAND --disable ETHERNET --disable WAN \
		--disable ATA --disable SCSI --disable MD --disable NETFILTER \
		--disable IPV6 --disable NFS_FS --disable ROOT_NFS \
		--disable NETWORK_FILESYSTEMS --disable SECURITY_SELINUX \
		--disable AUDIT --disable HID --disable INPUT_JOYSTICK \
		--disable INPUT_TABLET --disable INPUT_TOUCHSCREEN \
		--disable HIBERNATION --disable KVM --disable VIRTUALIZATION \
		--disable HAMRADIO --disable CPU_FREQ --disable EFI \
		--disable NET_SCHED --disable XFRM_USER --disable NETLABEL \
		--disable IP_PNP --disable EXT4_FS --disable QUOTA \
		--disable AUTOFS_FS --disable ISO9660_FS --disable VFAT_FS \
		--disable MSDOS_FS --disable FAT_FS --disable HOTPLUG_PCI \
		--disable PCCARD --disable VIRTIO_MENU --disable VIRTIO_PCI \
		--disable VIRTIO_BLK --disable VIRTIO_NET \
		--disable VIRTIO_CONSOLE --disable VIRTIO_INPUT \
		--disable PHYLIB --disable I2C --disable DMADEVICES \
		--disable IOMMU_SUPPORT --disable KPROBES --disable FTRACE \
		--disable PROFILING --disable KEXEC --disable CRASH_DUMP \
		--disable SUSPEND --disable ACPI_VIDEO --disable NUMA \
		--disable CGROUPS --disable SECURITY --disable BLK_DEV_LOOP \
		--disable PPS --disable PTP_1588_CLOCK --disable RTC_CLASS \
		--disable WATCHDOG --disable HWMON --disable THERMAL \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
		--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 \
		--enable DEBUG_INFO_NONE --disable DEBUG_INFO_BTF
	# The bug finders. panic_on_warn is a boot argument, not set here.
	scripts/config \
		--disable KASAN --enable KFENCE \
		--enable PROVE_LOCKING --enable DEBUG_ATOMIC_SLEEP \
		--enable DEBUG_OBJECTS --enable DEBUG_OBJECTS_FREE \
		--enable DEBUG_OBJECTS_TIMERS --enable DEBUG_OBJECTS_WORK \
		--enable DEBUG_OBJECTS_RCU_HEAD \
		--enable DEBUG_OBJECTS_PERCPU_COUNTER \
		--set-val DEBUG_OBJECTS_ENABLE_DEFAULT 1 \
		--enable DEBUG_KMEMLEAK --disable DEBUG_KMEMLEAK_AUTO_SCAN \
		--disable DEBUG_KMEMLEAK_DEFAULT_OFF \
		--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 16000 \
		--enable UBSAN --enable UBSAN_BOUNDS --enable UBSAN_SHIFT \
		--enable UBSAN_SANITIZE_ALL --disable UBSAN_ALIGNMENT \
		--disable UBSAN_TRAP
	make -s olddefconfig
}

# Options that must stay off (see the top of this file).
ABSENT="KASAN"

# The bug finders of tests/guest/plan-torture.sh's list this kernel has.
SANITIZERS="KFENCE PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_OBJECTS DEBUG_KMEMLEAK UBSAN"

# check_config: every REQUIRED option has its value in .config, no ABSENT
# one is set. Prints each, fails if one is wrong.
check_config()
{
	local opt name want have bad=0

	for name in $ABSENT; do
		have=$(sed -n "s/^CONFIG_$name=//p" .config)
		log "config $name=${have:-unset}${have:+, want unset}"
		[ -z "$have" ] || bad=1
	done

	for opt in $REQUIRED; do
		name=${opt%=*} want=${opt#*=}
		have=$(sed -n "s/^CONFIG_$name=//p" .config)
		case "$want:$have" in
		y:y|m:m|ym:y|ym:m)
			log "config $name=$have"
			;;
		*)
			log "config $name=${have:-unset}, want $want"
			bad=1
			;;
		esac
	done
	return $bad
}

# --- stamp ---------------------------------------------------------------------

CACHED_ONLY=0
case "${1:-}" in
--cached)	CACHED_ONLY=1 ;;
'')		;;
*)		echo "usage: $0 [--cached]" >&2; exit 2 ;;
esac

if [ "$CACHED_ONLY" = 0 ]; then
	np_need_pkgs "$SRC_PKG" @build @kbuild cpio
	[ -f "$TARBALL" ] || die "no $TARBALL from $SRC_PKG"
fi

mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9

src_ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) || src_ver=none
recipe_hash=$( { declare -f config_recipe; echo "$REQUIRED $ABSENT"; } |
	sha256sum | cut -c1-16)
stamp="$SRC_PKG=$src_ver recipe=$recipe_hash"

emit()
{
	local kver

	kver=$(cat "$CACHE/kernelrelease")
	echo "DEBUG_KVER=$kver"
	echo "DEBUG_KERNEL=$TREE/vmlinux"
	echo "DEBUG_MODULES=$MODROOT/lib/modules/$kver"
	echo "DEBUG_BUILD=$TREE"
	echo "DEBUG_SANITIZERS='$SANITIZERS'"
}

if [ -f "$CACHE/.stamp" ] && [ "$(cat "$CACHE/.stamp")" = "$stamp" ] &&
   [ -f "$TREE/vmlinux" ]; then
	log "cache warm: $CACHE ($stamp)"
	emit
	exit 0
fi
if [ "$CACHED_ONLY" = 1 ]; then
	log "not in the cache: $CACHE ($stamp); scripts/tools/debug-kernel.sh builds it"
	exit 3
fi
rm -f "$CACHE/.stamp"

# --- source tree and .config ---------------------------------------------------

if [ -f "$CACHE/.tree-stamp" ] && [ "$(cat "$CACHE/.tree-stamp")" = "$stamp" ] &&
   [ -f "$TREE/.config" ]; then
	log "resuming the build in $TREE"
else
	rm -f "$CACHE/.tree-stamp"
fi
if [ -f "$CACHE/.tree-stamp" ]; then
	:
elif [ -f "$CACHE/.tree-src" ] && [ "$(cat "$CACHE/.tree-src")" = "$src_ver" ] &&
     [ -f "$TREE/Makefile" ]; then
	# Same source, another recipe: configure again; make rebuilds what
	# the new .config changes.
	log "reconfiguring $TREE (recipe $recipe_hash)"
	(cd "$TREE" && config_recipe) > "$CACHE/config.log" 2>&1 ||
		{ tail -n 20 "$CACHE/config.log" >&2; die "configuration failed"; }
	echo "$stamp" > "$CACHE/.tree-stamp"
else
	log "unpacking $TARBALL ($src_ver) into $TREE"
	rm -rf "$TREE" "$CACHE/.tree-src" "$CACHE/src.tmp"
	mkdir -p "$CACHE/src.tmp"
	tar -xJf "$TARBALL" -C "$CACHE/src.tmp"
	set -- "$CACHE"/src.tmp/*/Makefile
	[ -f "$1" ] || die "no top-level Makefile in $TARBALL"
	mv "${1%/Makefile}" "$TREE"
	rmdir "$CACHE/src.tmp"
	echo "$src_ver" > "$CACHE/.tree-src"
	log "configuring (recipe $recipe_hash)"
	(cd "$TREE" && config_recipe) > "$CACHE/config.log" 2>&1 ||
		{ tail -n 20 "$CACHE/config.log" >&2; die "configuration failed"; }
	echo "$stamp" > "$CACHE/.tree-stamp"
fi

cd "$TREE"
check_config || die "the configuration lacks required options (above)"

# --- build -----------------------------------------------------------------------

log "building: nice -n 10 make -j$DEBUG_JOBS vmlinux modules (log: $CACHE/build.log)"
t=$(np_now)
nice -n 10 make -j"$DEBUG_JOBS" vmlinux modules > "$CACHE/build.log" 2>&1 ||
	{ tail -n 30 "$CACHE/build.log" >&2; die "build failed (log: $CACHE/build.log)"; }
log "$(np_timing "debug-kernel build $(np_since "$t")s")"
# The release as the build made it: before the first build, make
# kernelrelease does not know CONFIG_LOCALVERSION yet.
kver=$(cat include/config/kernel.release)

rm -rf "$MODROOT"
make -s modules_install INSTALL_MOD_PATH="$MODROOT" >> "$CACHE/build.log" 2>&1 ||
	die "modules_install failed"
[ -f "$MODROOT/lib/modules/$kver/kernel/drivers/xen/xen-evtchn.ko" ] ||
	die "no xen-evtchn.ko in $MODROOT/lib/modules/$kver"
[ -f vmlinux ] || die "no vmlinux"

echo "$kver" > "$CACHE/kernelrelease"
echo "$stamp" > "$CACHE/.stamp"
log "cache filled: $CACHE"
emit
