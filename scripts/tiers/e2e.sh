#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e.sh - end-to-end test: our xen-evtchn, installed by the real dkms for
# Debian's kernel, in a real Xen 4.17 PV dom0 booted under QEMU (TCG).
# Debian 12's kernel, Xen and dkms, from its release root whatever the
# host runs (scripts/tools/e2e-guest.sh).
#
# Usage: scripts/tiers/e2e.sh [e2e|demo|toolstack|bench]
#
#   e2e   (default) two boots:
#         - np.mode=e2e: our module's identity, conformance, stress with
#           port accounting, hardening; then the in-tree module in its
#           place through the same conformance test. The boot must reach
#           its end with a clean kernel log.
#         - negative control: the hardening abuse on the in-tree module;
#           passes only if it hits "kernel BUG at drivers/xen/evtchn.c",
#           which proves the abuse reaches the bug our module survives.
#   demo  the same abuse on ours, then on the in-tree module, shown side
#         by side.
#   toolstack  Xen's own tools (np.mode=toolstack) on the in-tree module
#         (control), then on ours; called by scripts/tiers/e2e-toolstack.sh,
#         which supplies the tools through E2E_TOOLS.
#   fuzz  one boot: tests/evtchn-fuzz on ours (np.mode=fuzz), FUZZ_N
#         operations from FUZZ_P processes of FUZZ_T threads, FUZZ_SEED
#         (default: the fuzzer picks one and prints it), ports closed
#         behind the driver FUZZ_C per mille of the operations (on 6.1
#         serialized with releases unless FUZZ_RACE=1); a clean kernel
#         log. make fuzz.
#   bench one boot, the in-tree module and ours interleaved through
#         tests/evtchn-bench (np.mode=bench); called by scripts/tiers/bench.sh,
#         which gets the raw figures in BENCH_RAW.
#
# Prints one line per check (`ok <name>` or `FAIL <name>: <detail>`), the
# time each phase took, and as its last line `N passed, N failed`. Exits 0
# iff nothing failed.
#
# Environment:
#   E2E_RELEASE, NOPANIC_CACHE     see scripts/tools/e2e-guest.sh
#   E2E_WORK       work directory (default: a new /tmp/nopanic-e2e.XXXXXX,
#                  removed after a run that passed unless E2E_KEEP=1)
#   E2E_TIMEOUT    hard limit for one boot in seconds (default 420: above
#                  the plan's own per-program deadlines, 300 s in all)
#   E2E_STRESS_P   evtchn-stress -p (default 4)
#   E2E_STRESS_N   evtchn-stress -n (default 40000: 8-25 s here, by load)
#   E2E_TOOLS      a tree of Xen's tools for the toolstack boots (see
#                  dom0_toolstack in scripts/lib/dom0.sh)
#   E2E_PLAN_ARGS  extra kernel arguments for the toolstack boots (np.*=...)
#   E2E_PARALLEL   1: run the two boots of a mode at the same time. Off by
#                  default: on 2 cores it saves little, and oversubscribed
#                  vCPUs risk soft-lockup or RCU-stall reports in dom0,
#                  which would fail the clean-log check
#   V=1            copy the serial consoles to stdout as they run

set -eu

# Byte-wise text tools: the serial log carries terminal escapes and the
# odd stray byte, which grep would take for binary in a UTF-8 locale.
export LC_ALL=C

MODE=${1:-e2e}
case "$MODE" in
e2e|demo|toolstack|bench|fuzz) ;;
-h|--help)
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	echo "usage: $0 [e2e|demo|toolstack|bench|fuzz]" >&2
	exit 2
	;;
esac

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib/lib.sh
. "$SRCDIR/scripts/lib/lib.sh"
# shellcheck source=scripts/lib/dom0.sh
. "$SRCDIR/scripts/lib/dom0.sh"
E2E_STRESS_P=${E2E_STRESS_P:-4}
E2E_STRESS_N=${E2E_STRESS_N:-40000}

# --- reporting -------------------------------------------------------------

# --- work directory --------------------------------------------------------

np_tier e2e "${E2E_WORK:-}"
# The host builds the guest's test programs; the rest comes from the root.
np_need_pkgs @boot @cc @python >> "$WORK/setup.log" 2>&1 ||
	np_fatal packages "cannot install the host's packages (log: $WORK/setup.log)"
[ "${E2E_KEEP:-0}" != 1 ] || NP_TIER_KEEP=$WORK

# --- guest: Xen and the dom0 kernel (cached) -------------------------------

t=$(np_now)
np_env "$SRCDIR/scripts/tools/e2e-guest.sh" ||
	np_fatal guest "scripts/tools/e2e-guest.sh failed"
np_timing "guest $(np_since "$t")s (KVER=$KVER, cache $GUEST_CACHE)"

ROOT=$GUEST_ROOT
KDIR=/usr/src/linux-headers-$KVER	# in $ROOT
[ -d "$ROOT$KDIR" ] || np_fatal headers "no $KDIR in $ROOT"

# QEMU splits -initrd at commas (",," is a literal one) and at spaces.
case "$GUEST_XEN$GUEST_KERNEL$WORK" in
*[,\ ]*)
	np_fatal paths "no commas or spaces allowed in $GUEST_CACHE or $WORK"
	;;
esac

# --- our module, through the release's dkms, into a staging module tree ---

t=$(np_now)
np_run "$SRCDIR/scripts/tools/dkms-source.sh" "$WORK/src" ||
	np_fatal dkms-source "scripts/tools/dkms-source.sh failed"
set -- "$WORK"/src/nopanic-*/dkms.conf
[ -f "$1" ] || np_fatal dkms-source "no nopanic-*/dkms.conf in $WORK/src"
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$1")
[ -n "$VERSION" ] || np_fatal dkms-source "no PACKAGE_VERSION in $1"

# Staging root: what the guest's /lib/modules/$KVER is before the operator
# runs dkms -- the image package's tree, cut down to what dom0 loads here.
MODROOT=$WORK/modroot
MODDIR=$MODROOT/lib/modules/$KVER
mkdir -p "$MODDIR/kernel/drivers"
cp -a "$GUEST_MODULES"/modules.builtin* "$GUEST_MODULES/modules.order" \
	"$MODDIR/"
cp -a "$GUEST_MODULES/kernel/drivers/xen" "$MODDIR/kernel/drivers/"

# dkms state, sources and install target all live in a directory of the
# release root, copied back to $WORK: nothing else changes. dkms signs the
# module when it can; point it at a key there instead of creating
# /var/lib/dkms/mok.key.
RD=/tmp/nopanic-e2e-dkms.$$
rm -rf "${ROOT:?}$RD"
mkdir -p "$ROOT$RD/dkms"
cp -a "$WORK/src" "$MODROOT" "$ROOT$RD/"
dkms_trees="--dkmstree $RD/dkms --sourcetree $RD/src --installtree $RD/modroot/lib/modules"
np_run np_chroot "$ROOT" env mok_signing_key="$RD/mok.key" \
	mok_certificate="$RD/mok.pub" sh -ec "
	dkms add -m nopanic -v $VERSION $dkms_trees
	dkms build -m nopanic -v $VERSION -k $KVER $dkms_trees --kernelsourcedir $KDIR
	dkms install -m nopanic -v $VERSION -k $KVER $dkms_trees --kernelsourcedir $KDIR --no-depmod" || {
	tail -n 30 "$WORK/setup.log"
	make_log=$ROOT$RD/dkms/nopanic/$VERSION/build/make.log
	[ -f "$make_log" ] && tail -n 30 "$make_log"
	np_fatal dkms "dkms add/build/install in the $ROOT root failed (log: $WORK/setup.log)"
}
rm -rf "$MODROOT"
cp -a "$ROOT$RD/modroot" "$MODROOT"
rm -rf "${ROOT:?}$RD"
np_run depmod -b "$MODROOT" "$KVER" || np_fatal depmod "depmod -b $MODROOT failed"

ko=$MODDIR/updates/dkms/xen-evtchn.ko
if [ -f "$ko" ] &&
   [ "$(modinfo -F version "$ko")" = "$VERSION" ] &&
   modinfo -F vermagic "$ko" | grep -q "^$KVER "; then
	np_ok "dkms-install updates/dkms/xen-evtchn.ko version=$VERSION"
else
	np_fatal dkms-install "no $ko with version $VERSION for $KVER"
fi
if grep -q '^updates/dkms/xen-evtchn.ko:' "$MODDIR/modules.dep"; then
	np_ok "depmod-prefers-dkms"
else
	np_fail "depmod-prefers-dkms: modules.dep does not point at updates/dkms"
fi
np_timing "dkms $(np_since "$t")s"

# --- test programs -----------------------------------------------------------

t=$(np_now)
PROGS="evtchn-conform evtchn-hardening evtchn-stress evtchn-shared evtchn-bench evtchn-fuzz"
np_run make -C "$SRCDIR/tests" || {
	tail -n 30 "$WORK/setup.log"
	np_fatal tests "make -C tests failed"
}
for p in $PROGS; do
	[ -x "$SRCDIR/tests/$p" ] || np_fatal tests "make -C tests made no tests/$p"
done
# The kernel-side binder of evtchn-shared --kbinder, for the dom0 kernel.
rm -rf "$WORK/kbinder"
cp -r "$SRCDIR/tests/kbinder" "$WORK/kbinder"
np_run np_root_kbuild "$ROOT" "$KVER" "$WORK/kbinder" modules ||
	np_fatal tests "tests/kbinder does not build against $KDIR"
np_timing "tests $(np_since "$t")s"

# --- initramfs ---------------------------------------------------------------

t=$(np_now)
IRD=$WORK/initramfs
# shellcheck disable=SC2086 # a list of programs
dom0_initramfs "$IRD" $PROGS
install -D -m 644 "$WORK/kbinder/np_kbinder.ko" "$IRD/lib/nopanic/np_kbinder.ko"
# Xen's tools, for scripts/tiers/e2e-toolstack.sh.
if [ -n "${E2E_TOOLS:-}" ]; then
	np_run dom0_toolstack "$IRD" "$E2E_TOOLS" "$GUEST_KERNEL" ||
		np_fatal initramfs "dom0_toolstack failed"
fi
np_run dom0_modules "$IRD" "$MODDIR" "$KVER" || np_fatal initramfs "dom0_modules failed"
dom0_pack "$IRD" "$WORK/initrd.cpio.gz"
np_timing "initramfs $(np_since "$t")s ($(du -k "$WORK/initrd.cpio.gz" | cut -f1) KiB)"

# --- boots -----------------------------------------------------------------

# demo_view NAME: what the demo shows of one boot, folded to $COLW
# columns: the plan's results and notes (its KTAP, less numbers and
# structure), then what the kernel said about the event channel driver,
# from the dmesg the plan dumps at its end (the console shows an oops only
# from its second line on).
COLW=76
demo_view()
{
	tr -d '\r' < "$WORK/$1.ktap" | sed 's/^ *//' | awk '
		/^# dmesg-begin/	{ dmesg = 1; print "kernel log:"; next }
		/^# dmesg-end/		{ dmesg = 0; next }
		/^# init-reached/	{ go = 1; next }
		/^# end uptime/		{ print "(plan finished; dom0 still up)"; next }
		!go || /^# (plan|run|ran) / || /^KTAP|^1\.\.|^# Subtest/ { next }
		/^(not )?ok [0-9]+ /	{ sub(/^ok [0-9]+ /, "ok ")
					  sub(/^not ok [0-9]+ /, "FAIL ")
					  sub(/ # /, ": ")
					  print; next }
		!dmesg			{ sub(/^# /, "  "); print; next }
		/Modules linked in|RIP: 0033/ { next }
		/evtchn|nopanic|genirq|kernel BUG|invalid opcode|RIP:|Oops/ {
			sub(/^# dmesg: /, "")
			sub(/^\[ *[0-9.]*\] /, "")
			print "  " $0
		}' | fold -s -w "$COLW"
}

# side_by_side LEFT RIGHT: two files as two columns.
side_by_side()
{
	awk -v w="$COLW" '
		NR == FNR	{ l[FNR] = $0; nl = FNR; next }
				{ r[FNR] = $0; nr = FNR }
		END {
			n = nl > nr ? nl : nr
			for (i = 1; i <= n; i++)
				printf "%-*s | %s\n", w, l[i], r[i]
		}' "$1" "$2"
}

t=$(np_now)
common="np.ver=$VERSION"
case "$MODE" in
e2e)
	boots e2e "np.mode=e2e $common np.stress_p=$E2E_STRESS_P np.stress_n=$E2E_STRESS_N" \
	      control "np.mode=demo np.target=intree $common"
	boot_checks e2e
	guest_checks e2e
	log_clean e2e
	boot_checks control
	expect_intree_bug control
	;;
demo)
	boots ours "np.mode=demo np.target=ours $common" \
	      intree "np.mode=demo np.target=intree $common"
	demo_view ours > "$WORK/ours.view"
	demo_view intree > "$WORK/intree.view"
	echo
	printf '%-*s | %s\n' "$COLW" "OURS: nopanic xen-evtchn $VERSION (dkms)" \
		"IN-TREE: Debian $KVER xen-evtchn"
	printf '%*s-+-%s\n' "$COLW" "" "" | tr ' ' '-'
	side_by_side "$WORK/ours.view" "$WORK/intree.view"
	echo
	boot_checks ours
	guest_checks ours
	log_clean ours
	boot_checks intree
	expect_intree_bug intree
	;;
bench)
	boots bench "np.mode=bench $common ${E2E_PLAN_ARGS:-}"
	boot_checks bench
	guest_checks bench
	log_clean bench
	# The raw figures, for scripts/tiers/bench.sh.
	guest_info bench | sed -n 's/^bench \(drv=\)/\1/p' > "${BENCH_RAW:-$WORK/bench.raw}"
	;;
fuzz)
	boots fuzz "np.mode=fuzz $common np.fuzz_n=${FUZZ_N:-100000} np.fuzz_p=${FUZZ_P:-4} np.fuzz_t=${FUZZ_T:-2} np.fuzz_c=${FUZZ_C:-3}${FUZZ_RACE:+ np.fuzz_race=$FUZZ_RACE} np.fuzz_leaked=${FUZZ_LEAKED:-0}${FUZZ_SEED:+ np.fuzz_seed=$FUZZ_SEED}"
	boot_checks fuzz
	guest_checks fuzz
	log_clean fuzz
	guest_info fuzz | grep '^\(fuzz\|counter\)' | sed 's/^/  /'
	;;
toolstack)
	boots control "np.mode=toolstack np.target=intree $common ${E2E_PLAN_ARGS:-}" \
	      ours "np.mode=toolstack np.target=ours $common ${E2E_PLAN_ARGS:-}"
	for name in control ours; do
		boot_checks $name
		guest_checks $name
		log_clean $name
	done
	;;
esac
np_timing "boots $(np_since "$t")s"
np_tier_end
