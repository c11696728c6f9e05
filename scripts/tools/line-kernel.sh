#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# line-kernel.sh - a release's Debian kernel source built as a Xen PV dom0
# kernel for QEMU. Twice: as Debian ships it (the control) and with
# patches/<line>/xen applied, for make patches-check's proof of the
# events-core patch, which no module build can carry. Or (--debug) once,
# with the kernel's own bug finders on, for make torture.
#
# Usage: scripts/tools/line-kernel.sh [--cached] [--debug|--kasan] <release>
#
# --cached: build nothing; print the assignments below if the cache holds
# the kernels for today's source, recipe and series, else exit 3.
# --debug: scripts/conf/debug-kernel.config merged last, the series left
# out; cached apart, in $NOPANIC_CACHE/line-kernel/<line>-debug.
# --kasan: the same, with scripts/conf/kasan-kernel.config merged after
# it (KASAN, generic and inline): a kernel for a PVH dom0, since a PV
# one cannot run KASAN; cached in $NOPANIC_CACHE/line-kernel/<line>-kasan.
#
# The source is the release's linux-source-<line> (scripts/tools/kernel-
# tree.sh), exported into $NOPANIC_CACHE/line-kernel/<line>/linux and
# configured from x86_64_defconfig + xen.config + scripts/conf/dom0-
# kernel.config with the kernel's own merge_config.sh. The unpatched build
# comes first; the series is then applied with patch(1) in the same tree
# and make rebuilds what it touched. Each result is kept under a stamp
# (source version, a hash of the recipe; the patched one adds a hash of
# the series): a warm cache builds nothing, a new series rebuilds only
# the patched kernel (the tree is unpatched first), a new source or
# recipe both.
#
# The build runs on the host's gcc under nice -n 10 with make
# -j$LINE_KERNEL_JOBS (default: the number of CPUs); its output goes to
# $NOPANIC_CACHE/line-kernel/<line>/build.log, progress to stderr.
# stdout gets NAME=VALUE lines for np_env:
#   LK_KVER=...        the kernel release (both builds)
#   LK_UNPATCHED=...   vmlinux and lib/modules/$LK_KVER of the control
#   LK_PATCHED=...     the same, with the series
# or, with --debug:
#   DEBUG_KVER=...     the kernel release
#   DEBUG_KERNEL=...   its vmlinux (what Xen boots as dom0)
#   DEBUG_MODULES=...  its lib/modules/$DEBUG_KVER
#   DEBUG_BUILD=...    the build tree: KDIR for out-of-tree modules
#   DEBUG_SANITIZERS=... the bug finders its .config has (names as in
#                      tests/guest/plan-torture.sh)
# (the same names with --kasan).

set -eu
export LC_ALL=C

# shellcheck source=scripts/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

CACHED_ONLY= DEBUG= KASAN=
while :; do
	case ${1:-} in
	--cached)	CACHED_ONLY=1 ;;
	--debug)	DEBUG=1 ;;
	--kasan)	DEBUG=1 KASAN=1 ;;
	*)		break ;;
	esac
	shift
done
release=${1:?usage: $0 [--cached] [--debug|--kasan] <release>}
JOBS=${LINE_KERNEL_JOBS:-$(nproc)}
FRAGMENT=$NP_TOP/scripts/conf/dom0-kernel.config
DEBUG_FRAGMENT=$NP_TOP/scripts/conf/debug-kernel.config
KASAN_FRAGMENT=$NP_TOP/scripts/conf/kasan-kernel.config
FLAVOUR=${KASAN:+kasan}
FLAVOUR=${FLAVOUR:-${DEBUG:+debug}}

log() {
	echo "line-kernel($release): $*" >&2
}

die() {
	log "error: $*"
	exit 1
}

# configure: run in the tree; what makes .config. Its text and the
# fragment's are part of the stamp.
configure() {
	make -s x86_64_defconfig
	make -s xen.config
	scripts/kconfig/merge_config.sh -m .config "$FRAGMENT"
	make -s olddefconfig
}

# What the plans need, checked after configure.
REQUIRED="XEN_DOM0=y XEN_DEV_EVTCHN=m XEN_PRIVCMD=m XENFS=m XEN_GNTDEV=m
	XEN_GRANT_DEV_ALLOC=m HVC_XEN=y BLK_DEV_INITRD=y MODULE_UNLOAD=y
	IKCONFIG_PROC=y"

# With --debug, the bug finders too (their other options follow from
# these), and KASAN stays off (see the fragment) unless --kasan.
DEBUG_REQUIRED="KFENCE=y PROVE_LOCKING=y DEBUG_ATOMIC_SLEEP=y DEBUG_OBJECTS=y
	DEBUG_KMEMLEAK=y UBSAN=y UBSAN_BOUNDS=y"
SANITIZERS="KFENCE PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_OBJECTS DEBUG_KMEMLEAK UBSAN"
KASAN_REQUIRED="KASAN=y KASAN_GENERIC=y KASAN_INLINE=y"
if [ -n "$KASAN" ]; then
	DEBUG_REQUIRED="$DEBUG_REQUIRED $KASAN_REQUIRED"
	SANITIZERS="KASAN $SANITIZERS"
fi

configure_debug() {
	configure
	scripts/kconfig/merge_config.sh -m .config "$DEBUG_FRAGMENT"
	make -s olddefconfig
}

# A PVH dom0 runs C code before kasan_early_init() maps the shadow, and
# an instrumented access there triple-faults: xen_pvh_init() with what it
# calls (the EFI probe, the dom0 console), and the first hypercall, which
# picks its instruction by CPU vendor (xen_get_vendor(), in Debian's 6.12
# since XSA-466: init_cpu_devs(), get_cpu_vendor(), strcmp()). Those
# objects are left uninstrumented, found one triple fault at a time
# (Xen's register dump, addr2line). lib/string.o is upstream's own
# exemption for SME's early boot, here for every config.
configure_kasan() {
	configure_debug
	scripts/kconfig/merge_config.sh -m .config "$KASAN_FRAGMENT"
	make -s olddefconfig
	printf '%s\n' '# nopanic: run by a PVH dom0 before kasan_early_init()' \
		'KASAN_SANITIZE_enlighten.o := n' \
		'KASAN_SANITIZE_enlighten_pvh.o := n' \
		'KASAN_SANITIZE_efi.o := n' \
		'KASAN_SANITIZE_vga.o := n' >> arch/x86/xen/Makefile
	printf '%s\n' '# nopanic: xen_get_vendor() runs it before kasan_early_init()' \
		'KASAN_SANITIZE_common.o := n' >> arch/x86/kernel/cpu/Makefile
	printf '%s\n' '# nopanic: get_cpu_vendor() runs strcmp() before kasan_early_init()' \
		'KASAN_SANITIZE_string.o := n' >> lib/Makefile
}

check_config() {
	local opt have bad=0

	if [ -z "$KASAN" ] && grep -q '^CONFIG_KASAN=y' .config; then
		log "config KASAN=y, want unset"
		bad=1
	fi
	for opt in $REQUIRED ${DEBUG:+$DEBUG_REQUIRED}; do
		have=$(sed -n "s/^CONFIG_${opt%=*}=//p" .config)
		[ "$have" = "${opt#*=}" ] && continue
		log "config ${opt%=*}=${have:-unset}, want ${opt#*=}"
		bad=1
	done
	return $bad
}

# series_files DIR: the xen patches of DIR/series, in order.
series_files() {
	sed -n 's/^\(xen\/[^ #]*\.patch\).*/\1/p' "$1/series"
}

np_env "$NP_TOP/scripts/tools/kernel-tree.sh" --no-reset "$release" ||
	die "no kernel tree for $release"
PDIR=$NP_TOP/patches/$KSRC_LINE
[ -f "$PDIR/series" ] || die "no $PDIR/series"
CACHE=$NP_CACHE/line-kernel/$KSRC_LINE${FLAVOUR:+-$FLAVOUR}
TREE_OUT=$CACHE/linux
mkdir -p "$CACHE"
exec 8> "$CACHE/.lock"
flock 8

if [ -z "$DEBUG" ]; then
	recipe=$( { declare -f configure; echo "$REQUIRED"; cat "$FRAGMENT"; } |
		sha256sum | cut -c1-16)
	series=$(cd "$PDIR" && series_files . | xargs cat | sha256sum | cut -c1-16)
	want="series=$series"
else
	recipe=$( { declare -f configure configure_debug ${KASAN:+configure_kasan}
		    echo "$REQUIRED $DEBUG_REQUIRED"
		    cat "$FRAGMENT" "$DEBUG_FRAGMENT" ${KASAN:+"$KASAN_FRAGMENT"}; } |
		sha256sum | cut -c1-16)
	want=$FLAVOUR
fi
base="linux-source-$KSRC_LINE=$KSRC_VERSION recipe=$recipe"

emit() {
	local kver

	kver=$(cat "$CACHE/kernelrelease")
	if [ -z "$DEBUG" ]; then
		echo "LK_KVER=$kver"
		echo "LK_UNPATCHED=$CACHE/unpatched"
		echo "LK_PATCHED=$CACHE/patched"
		return
	fi
	echo "DEBUG_KVER=$kver"
	echo "DEBUG_KERNEL=$CACHE/debug/vmlinux"
	echo "DEBUG_MODULES=$CACHE/debug/lib/modules/$kver"
	echo "DEBUG_BUILD=$TREE_OUT"
	echo "DEBUG_SANITIZERS=$SANITIZERS"
}

current() {
	[ "$(cat "$CACHE/$1/.stamp" 2>/dev/null)" = "$2" ] &&
		[ -f "$CACHE/$1/vmlinux" ]
}

if { [ -n "$DEBUG" ] && current debug "$base"; } ||
   { [ -z "$DEBUG" ] && current unpatched "$base" &&
     current patched "$base $want"; }; then
	log "cache warm: $CACHE ($base $want)"
	emit
	exit 0
fi
[ -z "$CACHED_ONLY" ] || {
	log "not in the cache: $CACHE ($base $want); scripts/tools/line-kernel.sh ${FLAVOUR:+--$FLAVOUR }$release builds it"
	exit 3
}
np_need_pkgs @build @kbuild >&2

# build NAME STAMP: make, then vmlinux and the modules into $CACHE/NAME.
build() {
	local t

	t=$(np_now)
	log "building $1: nice -n 10 make -j$JOBS vmlinux modules (log: $CACHE/build.log)"
	(cd "$TREE_OUT" && nice -n 10 make -j"$JOBS" vmlinux modules) \
		>> "$CACHE/build.log" 2>&1 ||
		{ tail -n 30 "$CACHE/build.log" >&2; die "the $1 build failed"; }
	rm -rf "${CACHE:?}/$1"
	mkdir -p "$CACHE/$1"
	(cd "$TREE_OUT" && make -s modules_install INSTALL_MOD_PATH="$CACHE/$1") \
		>> "$CACHE/build.log" 2>&1 || die "modules_install ($1) failed"
	cp "$TREE_OUT/vmlinux" "$CACHE/$1/vmlinux"
	cat "$TREE_OUT/include/config/kernel.release" > "$CACHE/kernelrelease"
	echo "$2" > "$CACHE/$1/.stamp"
	log "$(np_timing "line-kernel $KSRC_LINE $1 build $(np_since "$t")s")"
}

# unapply: take the series the tree carries back out.
unapply() {
	local p

	[ -f "$CACHE/applied/list" ] || return 0
	for p in $(tac "$CACHE/applied/list"); do
		patch -s -R -p1 -d "$TREE_OUT" < "$CACHE/applied/$(basename "$p")" ||
			return 1
	done
	rm -rf "$CACHE/applied"
}

if [ "$(cat "$CACHE/.tree" 2>/dev/null)" != "$base" ] || [ ! -f "$TREE_OUT/.config" ] ||
   ! unapply; then
	log "exporting $KSRC_LINE ($KSRC_VERSION) into $TREE_OUT, recipe $recipe"
	rm -rf "$TREE_OUT" "$CACHE/applied" "$CACHE/unpatched" "$CACHE/patched" \
		"$CACHE/.tree"
	mkdir -p "$TREE_OUT"
	git -C "$TREE" archive pristine | tar -x -C "$TREE_OUT"
	(cd "$TREE_OUT" && configure${FLAVOUR:+_$FLAVOUR}) > "$CACHE/config.log" 2>&1 ||
		{ tail -n 20 "$CACHE/config.log" >&2; die "configuration failed"; }
	(cd "$TREE_OUT" && check_config) || die "the configuration lacks options the plans need"
	echo "$base" > "$CACHE/.tree"
fi
: > "$CACHE/build.log"

if [ -n "$DEBUG" ]; then
	build debug "$base"
	emit
	exit 0
fi
current unpatched "$base" || build unpatched "$base"

mkdir -p "$CACHE/applied"
for p in $(series_files "$PDIR"); do
	patch -s -p1 -d "$TREE_OUT" < "$PDIR/$p" ||
		die "$p does not apply to $TREE_OUT"
	cp "$PDIR/$p" "$CACHE/applied/"
	echo "$p" >> "$CACHE/applied/list"
done
build patched "$base $want"
emit
