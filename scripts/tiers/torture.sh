#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# torture.sh - our xen-evtchn under the kernel's own bug finders: a
# release's Debian kernel source built as a debug dom0 kernel
# (scripts/tools/line-kernel.sh --debug: KFENCE, lockdep, atomic-sleep
# checks, debugobjects, kmemleak, UBSAN; no KASAN, which a Xen PV guest
# cannot run), booted under that release's Xen in QEMU (TCG) with
# panic_on_warn=1, runs tests/guest/plan-torture.sh (np.mode=torture):
# conformance, stress and hardening on our module, then a kmemleak scan
# and a kernel log with no report in it.
#
# Usage: scripts/tiers/torture.sh        (make torture)
#        scripts/tiers/torture.sh --ci   (make check's form: the same boot with
#                   fewer frames and a 15-minute limit; without a cached
#                   debug kernel, the fuzzer and the random frames on the
#                   production kernel, the debug boot skipped)
#
# Prints one line per check (`ok <name>` or `FAIL <name>: <detail>`), the
# time each phase took, any bug finder's report from dom0's log, and as its
# last line `N passed, N failed`. Exits 0 iff nothing failed.
#
# Environment:
#   TORTURE_RELEASE  the release whose kernel source and Xen are used
#                    (default bookworm: 6.1 and Xen 4.17; trixie: 6.12
#                    and Xen 4.20)
#   TORTURE_FLAVOUR  debug (default): the debug kernel as a PV dom0; kasan:
#                    the same with KASAN (line-kernel.sh --kasan), booted
#                    as a PVH dom0 (DOM0_PVH=1 in scripts/lib/dom0.sh),
#                    with smaller default counts (below)
#   NOPANIC_CACHE    cache root (default /var/cache/nopanic): the debug
#                    kernel (line-kernel/<line>-debug/), Xen (guest/)
#   TORTURE_WORK     work directory (default: a new
#                    /tmp/nopanic-torture.XXXXXX, removed after a run that
#                    passed unless TORTURE_KEEP=1)
#   E2E_TIMEOUT      hard limit for the boot in seconds (default 2400: the
#                    debug kernel boots and runs several times slower)
#   TORTURE_STRESS_P evtchn-stress -p (default 4)
#   TORTURE_STRESS_N evtchn-stress -n (default 20000; kasan: 2000)
#   TORTURE_FUZZ_N   evtchn-fuzz operations (default 20000, kasan 2000;
#                    the long run: 1000000)
#   TORTURE_FUZZ_SEED replay a fuzzer run
#   TORTURE_FUZZ_C   ports the fuzzer closes behind the driver, per mille
#                    of operations (default 3)
#   TORTURE_FUZZ_RACE=1  let those closes race with releases on 6.1 too
#                    (the fuzzer serializes them there by default: the
#                    kernel's unmap BUG()s on such a race; README)
#   TORTURE_SKB_ROUNDS, TORTURE_SKB_N  np_randframes rounds and frames per
#                    round (default 20 x 50; kasan: 10 x 50)
#   TORTURE_SKB_SEED replay the random frames
#   TORTURE_ARGS     extra dom0 kernel arguments
#   V=1              copy the serial console to stdout as it runs

set -eu

# Byte-wise text tools: the serial log is not clean UTF-8.
export LC_ALL=C

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib/lib.sh
. "$SRCDIR/scripts/lib/lib.sh"

CI_FORM=0
TORTURE_RELEASE=${TORTURE_RELEASE:-bookworm}
TORTURE_FLAVOUR=${TORTURE_FLAVOUR:-debug}
case $TORTURE_FLAVOUR in
debug)	;;
kasan)	export DOM0_PVH=1
	# KASAN in a PVH dom0 (nested paging emulated by TCG) runs about 35
	# times slower than the debug PV kernel (evtchn-conform: 257 s
	# against 6.4 s; 2000 stress operations 435 s): a tenth of the
	# stress and of the fuzzer, half the frames.
	TORTURE_STRESS_N=${TORTURE_STRESS_N:-2000}
	TORTURE_FUZZ_N=${TORTURE_FUZZ_N:-2000}
	TORTURE_SKB_ROUNDS=${TORTURE_SKB_ROUNDS:-10}
	;;
*)	echo "$0: TORTURE_FLAVOUR is debug or kasan" >&2; exit 2 ;;
esac
case "${1:-}" in
--ci)	CI_FORM=1 ;;
'')	;;
*)	echo "usage: $0 [--ci]" >&2; exit 2 ;;
esac

# ci_cold: the CI form without a cached debug kernel (a cold machine: its
# build alone takes longer than CI's budget). The same fuzzer and random
# frames run on Debian's production 6.1 dom0 kernel instead (make fuzz,
# make skbguard-random), without bug finders; the debug boot is reported
# as skipped. Prints the two tiers' output and one summary line.
ci_cold()
{
	echo "torture: no cached debug kernel (scripts/tools/line-kernel.sh --cached --debug $TORTURE_RELEASE);" \
		"the fuzzer and the random frames run on the production kernel" \
		"instead; make torture builds it (about 15 minutes on 2 idle cores)"
	np_ktap_header
	echo "=== torture --ci: fuzz"
	np_relay_tier torture/fuzz env FUZZ_N="${TORTURE_FUZZ_N:-40000}" \
		FUZZ_C="${TORTURE_FUZZ_C:-3}" "$SRCDIR/scripts/tiers/e2e.sh" fuzz
	echo "=== torture --ci: skbguard-random"
	np_relay_tier torture/skbguard-random \
		env SKBG_ROUNDS="${TORTURE_SKB_ROUNDS:-10}" \
		"$SRCDIR/scripts/tiers/e2e-skbguard.sh" random
	np_skip "torture/debug-kernel-boot: no cached debug kernel"
	np_summary
}

if [ "$CI_FORM" = 1 ]; then
	if ! "$SRCDIR/scripts/tools/line-kernel.sh" --cached "--$TORTURE_FLAVOUR" \
		"$TORTURE_RELEASE" > /dev/null 2>&1; then
		ci_cold
		exit
	fi
	# Warm: the debug boot, time-boxed (about 5 minutes here).
	TORTURE_SKB_ROUNDS=${TORTURE_SKB_ROUNDS:-10}
	E2E_TIMEOUT=${E2E_TIMEOUT:-900}
fi

TORTURE_FUZZ_N=${TORTURE_FUZZ_N:-20000}
# The fuzzer's own limit in the guest: about 2.6 ms per operation measured
# on the debug kernel under TCG, twice that, at least 20 minutes.
FUZZ_DEADLINE=$((TORTURE_FUZZ_N / 200))
[ "$FUZZ_DEADLINE" -ge 1200 ] || FUZZ_DEADLINE=1200
E2E_TIMEOUT=${E2E_TIMEOUT:-$((1800 + FUZZ_DEADLINE))}
# shellcheck source=scripts/lib/dom0.sh
. "$SRCDIR/scripts/lib/dom0.sh"

TORTURE_STRESS_P=${TORTURE_STRESS_P:-4}
TORTURE_STRESS_N=${TORTURE_STRESS_N:-20000}
PROGS="evtchn-conform evtchn-stress evtchn-hardening evtchn-fuzz"

# --- reporting -------------------------------------------------------------

# --- steps -------------------------------------------------------------------

# debug_kernel: build (once) and find the debug kernel: DEBUG_* variables.
debug_kernel()
{
	local t

	t=$(np_now)
	np_env "$SRCDIR/scripts/tools/line-kernel.sh" "--$TORTURE_FLAVOUR" "$TORTURE_RELEASE" \
		2>> "$WORK/setup.log" || {
		tail -n 30 "$WORK/setup.log"
		np_fatal debug-kernel "scripts/tools/line-kernel.sh --$TORTURE_FLAVOUR $TORTURE_RELEASE failed (log: $WORK/setup.log)"
	}
	sed -n 's/^line-kernel([^)]*): time /time /p' "$WORK/setup.log" || :
	np_timing "debug-kernel $(np_since "$t")s (DEBUG_KVER=$DEBUG_KVER)"
	GUEST_KERNEL=$DEBUG_KERNEL
}

# xen: the release's Xen hypervisor, as the e2e tier gets it.
xen()
{
	local t env

	t=$(np_now)
	env=$("$SRCDIR/scripts/tools/e2e-guest.sh" "$TORTURE_RELEASE" 2>> "$WORK/setup.log") ||
		np_fatal guest "scripts/tools/e2e-guest.sh failed (log: $WORK/setup.log)"
	GUEST_XEN=$(echo "$env" | sed -n 's/^GUEST_XEN=//p')
	[ -f "$GUEST_XEN" ] || np_fatal guest "no hypervisor '$GUEST_XEN'"
	np_timing "xen $(np_since "$t")s ($GUEST_XEN)"
}

# modules: our xen-evtchn (the DKMS payload) and the skb guard built
# against the debug kernel's tree; xen-evtchn.ko staged under updates/ of
# a module tree cut down to what dom0 loads.
modules()
{
	local t src ko

	t=$(np_now)
	src=$(run_out "$SRCDIR/scripts/tools/dkms-source.sh" "$WORK/src") ||
		np_fatal dkms-source "scripts/tools/dkms-source.sh failed"
	VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$src/dkms.conf")
	[ -n "$VERSION" ] || np_fatal dkms-source "no PACKAGE_VERSION in $src/dkms.conf"
	if np_run make -C "$DEBUG_BUILD" M="$src" modules; then
		ko=$src/drivers/xen/evtchn/xen-evtchn.ko
		if [ -f "$ko" ] &&
		   modinfo -F vermagic "$ko" | grep -q "^$DEBUG_KVER "; then
			np_ok "build/xen-evtchn version=$VERSION"
		else
			np_fatal build/xen-evtchn "no $ko for $DEBUG_KVER"
		fi
	else
		tail -n 30 "$WORK/setup.log"
		np_fatal build/xen-evtchn "make -C $DEBUG_BUILD M=$src failed"
	fi

	# The skb guard: its random frames run in the same boot.
	if np_skbguard_src "$WORK/skbguard" &&
	   np_run make -C "$DEBUG_BUILD" M="$WORK/skbguard" modules &&
	   [ -f "$WORK/skbguard/drivers/net/skb_guard/skb_guard.ko" ] &&
	   [ -f "$WORK/skbguard/drivers/net/skb_guard/np_vnic.ko" ]; then
		np_ok build/skb-guard
		SKB_KOS="$WORK/skbguard/drivers/net/skb_guard/skb_guard.ko $WORK/skbguard/drivers/net/skb_guard/np_vnic.ko"
	else
		tail -n 20 "$WORK/setup.log"
		np_fail "build/skb-guard: make -C $DEBUG_BUILD M=$WORK/skbguard failed"
	fi

	MODDIR=$WORK/modroot/lib/modules/$DEBUG_KVER
	mkdir -p "$MODDIR/kernel/drivers" "$MODDIR/updates"
	cp -a "$DEBUG_MODULES"/modules.builtin* "$DEBUG_MODULES/modules.order" \
		"$MODDIR/"
	cp -a "$DEBUG_MODULES/kernel/drivers/xen" "$MODDIR/kernel/drivers/"
	cp "$ko" "$MODDIR/updates/"
	np_timing "modules $(np_since "$t")s"
}

# run_out CMD...: run CMD with its stderr in $WORK/setup.log; its stdout
# is the caller's.
run_out()
{
	echo "+ $*" >> "$WORK/setup.log"
	"$@" 2>> "$WORK/setup.log"
}

# initramfs: busybox, the plans, the test programs, the module tree.
initramfs()
{
	local t ird

	t=$(np_now)
	# shellcheck disable=SC2086 # a list of targets
	np_run make -C "$SRCDIR/tests" $PROGS || {
		tail -n 30 "$WORK/setup.log"
		np_fatal tests "make -C tests failed"
	}
	ird=$WORK/initramfs
	# The skb guard's random frames (tests/skbguard/plan.sh's random()).
	np_run make -C "$SRCDIR/tests" skbguard/np_randframes ||
		np_fatal tests "np_randframes does not build"
	# shellcheck disable=SC2086 # a list of programs
	dom0_initramfs "$ird" $PROGS skbguard/np_randframes
	install -m 644 "$SRCDIR/tests/skbguard/plan.sh" "$ird/plans/skbguard.sh"
	if [ -n "${SKB_KOS:-}" ]; then
		mkdir -p "$ird/lib/nopanic"
		# shellcheck disable=SC2086 # a list of files
		install -m 644 $SKB_KOS "$ird/lib/nopanic/"
	fi
	np_run dom0_modules "$ird" "$MODDIR" "$DEBUG_KVER" ||
		np_fatal initramfs "dom0_modules failed"
	grep -q '^updates/xen-evtchn.ko:' "$ird/lib/modules/$DEBUG_KVER/modules.dep" ||
		np_fatal initramfs "modules.dep does not point at updates/xen-evtchn.ko"
	dom0_pack "$ird" "$WORK/initrd.cpio.gz"
	np_timing "initramfs $(np_since "$t")s ($(du -k "$WORK/initrd.cpio.gz" | cut -f1) KiB)"
}

# wait_qemu: one QEMU at a time on this machine: wait for any other boot
# (another tier, another engineer's) to end first.
wait_qemu()
{
	local t

	t=$(np_now)
	while pgrep -f qemu-system-x86 > /dev/null; do
		sleep 5
	done
	np_timing "qemu-wait $(np_since "$t")s"
}

# sanitizer_report NAME: every bug finder's report in dom0's log,
# verbatim, from its first line on (at most 40 lines each).
sanitizer_report()
{
	kernel_log "$1" | grep -E -A 40 "$BAD_LOG" > "$WORK/$1.reports" || :
	[ -s "$WORK/$1.reports" ] || return 0
	np_log "kernel reports in $WORK/$1.log:"
	head -n 200 "$WORK/$1.reports" | sed 's/^/  | /'
}

# kmemleak_report NAME: the leaks the plan's scan found.
kmemleak_report()
{
	guest_info "$1" | sed -n 's/^kmemleak: /  | /p' > "$WORK/$1.kmemleak"
	[ -s "$WORK/$1.kmemleak" ] || return 0
	np_log "kmemleak:"
	head -n 200 "$WORK/$1.kmemleak"
}

# torture_boot: the one boot and its checks.
torture_boot()
{
	local t sanitizers

	sanitizers=$(echo "$DEBUG_SANITIZERS" | tr ' ' ',')
	wait_qemu
	t=$(np_now)
	boots torture "np.mode=torture np.ver=$VERSION np.sanitizers=$sanitizers np.stress_p=$TORTURE_STRESS_P np.stress_n=$TORTURE_STRESS_N np.fuzz_n=$TORTURE_FUZZ_N np.fuzz_c=${TORTURE_FUZZ_C:-3}${TORTURE_FUZZ_RACE:+ np.fuzz_race=$TORTURE_FUZZ_RACE} np.fuzz_deadline=$FUZZ_DEADLINE${TORTURE_FUZZ_SEED:+ np.fuzz_seed=$TORTURE_FUZZ_SEED} np.skb_rounds=${TORTURE_SKB_ROUNDS:-20} np.skb_n=${TORTURE_SKB_N:-50}${TORTURE_SKB_SEED:+ np.skb_seed=$TORTURE_SKB_SEED} panic_on_warn=1 ${TORTURE_ARGS:-}"
	boot_checks torture
	guest_checks torture
	log_clean torture
	sanitizer_report torture
	kmemleak_report torture
	np_timing "boots $(np_since "$t")s"
}

# summary NAME: what ran and what the bug finders said, in a few lines:
# the booted kernel and its debug options, the fuzzer's operations and
# seed, the skb frames, the reports found.
summary()
{
	local reports leaks

	np_log "kernel $(guest_info "$1" | sed -n 's/^kernel //p' | head -n 1)" \
		"($(guest_info "$1" | sed -n 's/^guest-type //p' | head -n 1) dom0)," \
		"debug options: $(guest_info "$1" |
			sed -n 's/^debug-option //p' | tr '\n' ' ')"
	guest_info "$1" |
		sed -n 's/^fuzz \(seed=\|done: \|counters:\)/fuzzer: \1/p
			s/^fuzz: closes behind /fuzzer: closes behind /p' |
		sed 's/^/torture: /'
	guest_info "$1" | sed -n 's/^randframes \(seed=\|total: \)/skb frames: \1/p' |
		sed 's/^/torture: /'
	leaks=$(grep -c '^  | unreferenced object' "$WORK/$1.kmemleak" 2>/dev/null || :)
	reports=$(kernel_log "$1" | grep -cE "$BAD_LOG" || :)
	np_log "reports found: ${reports:-0} in the kernel log, ${leaks:-0} kmemleak"
}

# --- main ----------------------------------------------------------------------

np_tier torture "${TORTURE_WORK:-}"
np_need_pkgs @boot @cc @python >> "$WORK/setup.log" 2>&1 ||
	np_fatal packages "cannot install the host's packages (log: $WORK/setup.log)"
[ "${TORTURE_KEEP:-0}" != 1 ] || NP_TIER_KEEP=$WORK
np_log "$TORTURE_RELEASE, $TORTURE_FLAVOUR kernel${DOM0_PVH:+ as a PVH dom0}; work directory $WORK; tree $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo unknown)"

debug_kernel
xen
# QEMU splits -initrd at commas (",," is a literal one) and at spaces.
case "$GUEST_XEN$GUEST_KERNEL$WORK" in
*[,\ ]*)
	np_fatal paths "no commas or spaces allowed in $GUEST_XEN, $GUEST_KERNEL or $WORK"
	;;
esac
modules
initramfs
torture_boot
summary torture
np_tier_end
