#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e-skbguard.sh - end-to-end test of the skb guard: Debian's kernel
# booted directly under QEMU (TCG, plain x86_64, no Xen), our skb_guard.ko
# and np_vnic.ko built against its linux-headers, the seed's 8000-byte
# frames sent into a receiver sized for MTU 1500.
#
# Usage: scripts/tiers/e2e-skbguard.sh        (make e2e-skbguard)
#        scripts/tiers/e2e-skbguard.sh bench  (from scripts/tiers/bench.sh, make bench)
#        scripts/tiers/e2e-skbguard.sh random (make skbguard-random)
#
# Two boots, one after the other:
#   guarded  np_vnic guard=1, npv0 MTU 9000 -> npv1 MTU 1500;
#            tests/skbguard/np_sendframes sends N 8000-byte and N 1000-byte
#            frames of each kind (IPv4+ICMP echo, IPv4+UDP) on npv0 and
#            counts what arrives on npv1. Every oversized frame must be
#            dropped and counted exactly once (npv1 rx_length_errors and
#            rx_dropped in sysfs and `ip -s -s link`, the guard's debugfs
#            reasons and sites, its log line), every normal frame
#            delivered, npv0's TX counters must add up, the modules must
#            unload, and the kernel log must stay clean.
#   control  np_vnic guard=0, one 8000-byte frame: passes only when the
#            serial log shows skb_over_panic and the kernel BUG, i.e. the
#            test really reaches the crash the guard prevents.
#
# bench: one boot instead (tests/skbguard/plan-bench.sh): the guard's cost
# on this production kernel, skb_guard_bench.ko (the KUnit bench's loops
# as a plain module) and np_vnic's frames per second with guard=1 and
# guard=0, interleaved rounds. Its checks are that every operation went
# through; the figures go to SKBG_BENCH_RAW for scripts/tiers/bench.sh.
#
# random: one boot, tests/skbguard/np_randframes (plan.sh, np.mode=random):
# SKBG_ROUNDS rounds (default 20) of SKBG_N_RANDOM frames (default 50) of
# random length at a random receive MTU, each delivered or refused and
# counted exactly; SKBG_SEED replays a run.
#
# Prints one line per check (`ok <name>` or `FAIL <name>: <detail>`), the
# time each phase took, and as its last line `N passed, N failed`. Exits 0
# iff nothing failed.
#
# Environment:
#   E2E_RELEASE, NOPANIC_CACHE   see scripts/tools/e2e-guest.sh (the kernel)
#   SKBG_N         frames of each kind and size (default 5)
#   SKBG_TIMEOUT   hard limit for one boot in seconds (default 240; 1800
#                  for bench)
#   SKBG_PLAN_ARGS bench: more kernel arguments (np.rounds=, np.scale=)
#   SKBG_BENCH_RAW bench: where the figures go (default $WORK/bench.raw)
#   SKBG_WORK      work directory (default: a new /tmp/nopanic-e2e-skbguard.XXXXXX,
#                  removed after a run that passed unless SKBG_KEEP=1)
#   V=1            copy the serial consoles to stdout as they run

set -eu
export LC_ALL=C

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib/lib.sh
. "$SRCDIR/scripts/lib/lib.sh"

SKBG_N=${SKBG_N:-5}
MODE=guarded
case "${1:-}" in
bench|random)	MODE=$1 ;;
esac
if [ "$MODE" = bench ]; then
	E2E_TIMEOUT=${SKBG_TIMEOUT:-1800}
elif [ "$MODE" = random ]; then
	E2E_TIMEOUT=${SKBG_TIMEOUT:-900}
else
	E2E_TIMEOUT=${SKBG_TIMEOUT:-240}
fi
BOOT_BARE=1
# shellcheck source=scripts/lib/dom0.sh
. "$SRCDIR/scripts/lib/dom0.sh"

case "${1:-}" in
-h|--help)
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0"
	exit 0
	;;
esac

np_tier e2e-skbguard "${SKBG_WORK:-}"
[ "${SKBG_KEEP:-0}" != 1 ] || NP_TIER_KEEP=$WORK

# --- guest kernel (cached; Xen is fetched too but not booted here) ---------

t=$(np_now)
np_env "$SRCDIR/scripts/tools/e2e-guest.sh" 2>> "$WORK/setup.log" ||
	np_fatal guest "scripts/tools/e2e-guest.sh failed (log: $WORK/setup.log)"
KDIR=/usr/src/linux-headers-$KVER	# in the release root
[ -d "$GUEST_ROOT$KDIR" ] || np_fatal headers "no $KDIR in $GUEST_ROOT"
np_need_pkgs @boot @cc @net >> "$WORK/setup.log" 2>&1 ||
	np_fatal packages "cannot install the host's packages (log: $WORK/setup.log)"
np_timing "guest $(np_since "$t")s (KVER=$KVER, kernel $GUEST_KERNEL)"

# --- our modules, built in a copy (the source tree stays clean) -----------

t=$(np_now)
BUILD=$WORK/build
KOS="$BUILD/drivers/net/skb_guard/skb_guard.ko $BUILD/drivers/net/skb_guard/np_vnic.ko"
[ "$MODE" != bench ] || KOS="$KOS $BUILD/tests/skbguard/skb_guard_bench.ko"
if [ "$MODE" = bench ]; then
	np_skbguard_bench_src "$BUILD"
else
	np_skbguard_src "$BUILD"
fi || np_fatal build "cannot stage the sources in $BUILD"
np_run np_root_kbuild "$GUEST_ROOT" "$KVER" "$BUILD" -j2 modules || {
	tail -n 30 "$WORK/setup.log"
	np_fatal build "make -C $KDIR M=$BUILD modules failed"
}
for ko in $KOS; do
	if [ -f "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$KVER "; then
		np_ok "build ${ko##*/}"
	else
		np_fatal build "no ${ko##*/} for $KVER"
	fi
done
np_run make -C "$SRCDIR/tests" skbguard/np_sendframes skbguard/np_randframes || {
	tail -n 30 "$WORK/setup.log"
	np_fatal build "np_sendframes or np_randframes does not build"
}
np_ok "build np_sendframes"
np_ok "build np_randframes"
np_timing "build $(np_since "$t")s"

# --- initramfs -----------------------------------------------------------------

t=$(np_now)
IRD=$WORK/initramfs
# dom0.sh's busybox root, with the skb guard's own /init and plan.
dom0_initramfs "$IRD" skbguard/np_sendframes skbguard/np_randframes
install -m 755 "$SRCDIR/tests/skbguard/init" "$IRD/init"
if [ "$MODE" = bench ]; then
	install -m 644 "$SRCDIR/tests/skbguard/plan-bench.sh" "$IRD/plans/plan.sh"
else
	install -m 644 "$SRCDIR/tests/skbguard/plan.sh" "$IRD/plans/plan.sh"
fi
mkdir -p "$IRD/lib/nopanic"
# shellcheck disable=SC2086
install -m 644 $KOS "$IRD/lib/nopanic/"
dom0_iproute2 "$IRD" || np_fatal initramfs "no iproute2 ip on the host"
dom0_pack "$IRD" "$WORK/initrd.cpio.gz"
np_timing "initramfs $(np_since "$t")s ($(du -k "$WORK/initrd.cpio.gz" | cut -f1) KiB)"

# --- boots (scripts/lib/dom0.sh, the kernel alone) -------------------------------

# finish: the times, the work directory kept only when asked or on a
# failure, and the summary as the exit status.
finish()
{
	np_timing "boots $(np_since "$t")s"
	np_tier_end
	exit
}

t=$(np_now)

if [ "$MODE" = bench ]; then
	boots bench "quiet np.mode=bench ${SKBG_PLAN_ARGS:-}" >> "$WORK/setup.log"
	boot_checks bench
	guest_checks bench
	log_clean bench
	guest_info bench | sed -n 's/^skbbench \(round=\)/\1/p' \
		> "${SKBG_BENCH_RAW:-$WORK/bench.raw}"
	finish
fi

if [ "$MODE" = random ]; then
	boots random "quiet np.mode=random np.rounds=${SKBG_ROUNDS:-20} np.n=${SKBG_N_RANDOM:-50}${SKBG_SEED:+ np.rseed=$SKBG_SEED}" \
		>> "$WORK/setup.log"
	boot_checks random
	guest_checks random
	log_clean random
	guest_info random | grep '^randframes' | sed 's/^/  /'
	finish
fi

# Guarded boot: the plan's checks, a clean exit, a clean log.
boots guarded "quiet np.mode=guarded np.n=$SKBG_N" >> "$WORK/setup.log"
boot_checks guarded
guest_checks guarded
log_clean guarded

# Control boot: guard off, one 8000-byte frame; must crash as the seed did.
boots control "np.mode=control" >> "$WORK/setup.log"
np_timing "boot control ${BOOT_T[control]}s"
log_expect control skb_over_panic 'skb_over_panic: .*len:[0-9]+ put:[0-9]+'
log_expect control kernel-BUG 'kernel BUG at net/core/skbuff.c:[0-9]+'
clog=$(kernel_log control)
if [ "${BOOT_RC[control]}" = 124 ]; then
	np_fail "control/panic-ends-qemu: timed out after ${E2E_TIMEOUT}s"
elif echo "$clog" | grep -q 'Kernel panic - not syncing'; then
	np_ok "control/panic-ends-qemu"
else
	np_fail "control/panic-ends-qemu: QEMU exit status ${BOOT_RC[control]} without a kernel panic"
fi
# The crash is in our driver's receive copy, not anywhere else.
if echo "$clog" | grep -Eq '^\[ *[0-9.]+\] +npv_[a-z_]+\+0x[0-9a-f]+/0x[0-9a-f]+ \[np_vnic\]'; then
	np_ok "control/crash-in-np_vnic $(echo "$clog" | grep -Eo 'npv_[a-z_]+\+0x[0-9a-f]+/0x[0-9a-f]+ \[np_vnic\]' | head -n 1)"
else
	np_fail "control/crash-in-np_vnic: no npv_*() [np_vnic] frame in the call trace"
fi
# The plan's setup checks; a control-survived FAIL if the frame went in.
guest_checks control --partial

finish
