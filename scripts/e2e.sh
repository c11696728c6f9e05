#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e.sh - end-to-end test: our xen-evtchn, installed by the real dkms for
# Debian's kernel, in a real Xen 4.17 PV dom0 booted under QEMU (TCG).
#
# Usage: scripts/e2e.sh [e2e|demo|toolstack]
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
#         (control), then on ours; called by scripts/e2e-toolstack.sh,
#         which supplies the tools through E2E_EXTRA_ROOTS.
#
# Prints one line per check (`ok <name>` or `FAIL <name>: <detail>`), the
# time each phase took, and as its last line `N passed, N failed`. Exits 0
# iff nothing failed.
#
# Environment:
#   KVER, NOPANIC_CACHE, XEN_PKG   see scripts/e2e-guest.sh
#   E2E_WORK       work directory (default: a new /tmp/nopanic-e2e.XXXXXX,
#                  removed after a run that passed unless E2E_KEEP=1)
#   E2E_TIMEOUT    hard limit for one boot in seconds (default 420: above
#                  the plan's own per-program deadlines, 300 s in all)
#   E2E_STRESS_P   evtchn-stress -p (default 4)
#   E2E_STRESS_N   evtchn-stress -n (default 40000: 8-25 s here, by load)
#   E2E_EXTRA_ROOTS directories merged over the initramfs root (default none)
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
e2e|demo|toolstack) ;;
-h|--help)
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	echo "usage: $0 [e2e|demo|toolstack]" >&2
	exit 2
	;;
esac

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$SRCDIR/scripts/lib.sh"
E2E_TIMEOUT=${E2E_TIMEOUT:-420}
E2E_STRESS_P=${E2E_STRESS_P:-4}
E2E_STRESS_N=${E2E_STRESS_N:-40000}
E2E_PARALLEL=${E2E_PARALLEL:-0}
V=${V:-0}

# Kernel log lines that make a boot unclean.
BAD_LOG='Oops|BUG:|kernel BUG|WARNING:|Call Trace'
# The in-tree driver's crash, which the negative control must reach.
INTREE_BUG='kernel BUG at drivers/xen/evtchn.c'

# --- reporting -------------------------------------------------------------

log()
{
	echo "e2e: $*"
}

# fatal STEP DETAIL: a setup step failed; nothing can boot. Report it as a
# failed check so CI sees a count, keep the work directory, stop.
fatal()
{
	np_fail "$1: $2"
	log "work directory kept: $WORK"
	np_summary || exit 1
}

# run CMD...: print a command, then run it with its output in $WORK/setup.log.
run()
{
	echo "+ $*"
	echo "+ $*" >> "$WORK/setup.log"
	"$@" >> "$WORK/setup.log" 2>&1
}

# --- work directory --------------------------------------------------------

t_all=$(np_now)
np_workdir "${E2E_WORK:-}" nopanic-e2e

# --- guest: Xen and the dom0 kernel (cached) -------------------------------

t=$(np_now)
guest_env=$("$SRCDIR/scripts/e2e-guest.sh") || fatal guest "scripts/e2e-guest.sh failed"
eval "$guest_env"
np_timing "guest $(np_since "$t")s (KVER=$KVER, cache $GUEST_CACHE)"

KDIR=/usr/src/linux-headers-$KVER
[ -d "$KDIR" ] || fatal headers "no $KDIR"

# QEMU splits -initrd at commas (",," is a literal one) and at spaces.
case "$GUEST_XEN$GUEST_KERNEL$WORK" in
*[,\ ]*)
	fatal paths "no commas or spaces allowed in $GUEST_CACHE or $WORK"
	;;
esac

# --- our module, through the real dkms, into a staging module tree --------

t=$(np_now)
run "$SRCDIR/scripts/dkms-source.sh" "$WORK/src" ||
	fatal dkms-source "scripts/dkms-source.sh failed"
set -- "$WORK"/src/nopanic-*/dkms.conf
[ -f "$1" ] || fatal dkms-source "no nopanic-*/dkms.conf in $WORK/src"
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$1")
[ -n "$VERSION" ] || fatal dkms-source "no PACKAGE_VERSION in $1"

# Staging root: what the guest's /lib/modules/$KVER is before the operator
# runs dkms -- the image package's tree, cut down to what dom0 loads here.
MODROOT=$WORK/modroot
MODDIR=$MODROOT/lib/modules/$KVER
mkdir -p "$MODDIR/kernel/drivers"
cp -a "$GUEST_MODULES"/modules.builtin* "$GUEST_MODULES/modules.order" \
	"$MODDIR/"
cp -a "$GUEST_MODULES/kernel/drivers/xen" "$MODDIR/kernel/drivers/"

# dkms state, sources and install target all live in $WORK: nothing on the
# host changes. dkms signs the module when it can; point it at a key in
# $WORK instead of creating /var/lib/dkms/mok.key on the host.
export mok_signing_key=$WORK/mok.key mok_certificate=$WORK/mok.pub
dkms_trees="--dkmstree $WORK/dkms --sourcetree $WORK/src --installtree $MODROOT/lib/modules"
mkdir -p "$WORK/dkms"
# shellcheck disable=SC2086 # $dkms_trees is a list of options
{
	run dkms add -m nopanic -v "$VERSION" $dkms_trees &&
	run dkms build -m nopanic -v "$VERSION" -k "$KVER" $dkms_trees \
		--kernelsourcedir "$KDIR" &&
	run dkms install -m nopanic -v "$VERSION" -k "$KVER" $dkms_trees \
		--kernelsourcedir "$KDIR" --no-depmod
} || {
	tail -n 30 "$WORK/setup.log"
	make_log=$WORK/dkms/nopanic/$VERSION/build/make.log
	[ -f "$make_log" ] && tail -n 30 "$make_log"
	fatal dkms "dkms add/build/install failed (log: $WORK/setup.log)"
}
run depmod -b "$MODROOT" "$KVER" || fatal depmod "depmod -b $MODROOT failed"

ko=$MODDIR/updates/dkms/xen-evtchn.ko
if [ -f "$ko" ] &&
   [ "$(modinfo -F version "$ko")" = "$VERSION" ] &&
   modinfo -F vermagic "$ko" | grep -q "^$KVER "; then
	np_ok "dkms-install updates/dkms/xen-evtchn.ko version=$VERSION"
else
	fatal dkms-install "no $ko with version $VERSION for $KVER"
fi
if grep -q '^updates/dkms/xen-evtchn.ko:' "$MODDIR/modules.dep"; then
	np_ok "depmod-prefers-dkms"
else
	np_fail "depmod-prefers-dkms: modules.dep does not point at updates/dkms"
fi
np_timing "dkms $(np_since "$t")s"

# --- test programs -----------------------------------------------------------

t=$(np_now)
PROGS="evtchn-conform evtchn-hardening evtchn-stress"
run make -C "$SRCDIR/tests" || {
	tail -n 30 "$WORK/setup.log"
	fatal tests "make -C tests failed"
}
for p in $PROGS; do
	[ -x "$SRCDIR/tests/$p" ] || fatal tests "make -C tests made no tests/$p"
done
np_timing "tests $(np_since "$t")s"

# --- initramfs ---------------------------------------------------------------

t=$(np_now)
IRD=$WORK/initramfs
mkdir -p "$IRD"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,plans}
cp /bin/busybox "$IRD/bin/busybox"
for applet in $(/bin/busybox --list-full); do
	[ -e "$IRD/$applet" ] || ln -s /bin/busybox "$IRD/$applet"
done
# The kernel opens /dev/console before /init runs, devtmpfs or not.
mknod -m 600 "$IRD/dev/console" c 5 1

install -m 755 "$SRCDIR/tests/guest/init" "$IRD/init"
install -m 644 "$SRCDIR"/tests/guest/*.sh "$IRD/plans/"
for p in $PROGS; do
	install -m 755 "$SRCDIR/tests/$p" "$IRD/bin/$p"
done
# Trees other harnesses add (scripts/e2e-toolstack.sh: Xen's tools). A
# file replaces a busybox applet link rather than write through it.
for d in ${E2E_EXTRA_ROOTS:-}; do
	cp -a --remove-destination "$d/." "$IRD/"
done

# Only what dom0 loads: the Xen drivers (xen-evtchn, xen-privcmd, xenfs:
# none needs a module outside drivers/xen) and ours under updates/dkms.
mkdir -p "$IRD/lib/modules/$KVER/kernel/drivers"
cp -a "$MODDIR"/modules.* "$MODDIR/updates" "$IRD/lib/modules/$KVER/"
cp -a "$MODDIR/kernel/drivers/xen" "$IRD/lib/modules/$KVER/kernel/drivers/"

(cd "$IRD" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 > "$WORK/initrd.cpio.gz"
np_timing "initramfs $(np_since "$t")s ($(du -k "$WORK/initrd.cpio.gz" | cut -f1) KiB)"

# --- boots -----------------------------------------------------------------

XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all noreboot"

started=

# stop_boots: on our way out, stop the boots still running (their timeout
# process, which passes the signal on to QEMU).
stop_boots()
{
	local name pid

	for name in $started; do
		eval "pid=\${pid_$name:-}"
		[ -z "$pid" ] || kill "$pid" 2>/dev/null || :
	done
}
trap stop_boots EXIT
trap 'exit 130' INT TERM

# boot_start NAME DOM0ARGS: start one boot in the background. The serial
# console goes to $WORK/NAME.log.
boot_start()
{
	local name=$1 args=$2

	started="$started $name"

	# In QEMU's multiboot -initrd a literal comma is written ",,".
	args="$GUEST_KERNEL console=hvc0 earlyprintk=xen ${args//,/,,}"
	# QEMU's default CPU model: -cpu max crashes a PV dom0 (SMAP).
	set -- timeout "$E2E_TIMEOUT" qemu-system-x86_64 -m 2048 -smp 2 \
		-nographic -no-reboot -nic none \
		-kernel "$GUEST_XEN" -append "$XEN_ARGS" \
		-initrd "$args,$WORK/initrd.cpio.gz"
	echo "+ $(printf '%q ' "$@")> $name.log"
	: > "$WORK/$name.log"
	"$@" < /dev/null > "$WORK/$name.log" 2>&1 &
	eval "pid_$name=$!"
	eval "t0_$name=\$(np_now)"
	eval "tinit_$name="
	eval "crash_$name="
	if [ "$V" = 1 ]; then
		tail -f --pid=$! "$WORK/$name.log" | sed -u "s/^/[$name] /" &
	fi
}

# A dead dom0 makes Xen wait forever (noreboot): spot it, stop early.
CRASH_LOG='Kernel panic - not syncing|Panic on CPU|Dom(ain )?0 crashed'

# boot_wait NAME...: wait for the boots to end; note when each reached
# /init and whether a crash ended it.
boot_wait()
{
	local name running pid

	while :; do
		running=
		for name in "$@"; do
			eval "pid=\$pid_$name"
			[ -n "$pid" ] || continue
			if ! kill -0 "$pid" 2>/dev/null; then
				set +e
				wait "$pid"
				eval "rc_$name=$?"
				set -e
				eval "t_$name=\$(np_since \$t0_$name)"
				eval "pid_$name="
				continue
			fi
			running=1
			if [ -z "$(eval echo "\$tinit_$name")" ] &&
			   grep -q 'NPINFO init-reached' "$WORK/$name.log"; then
				eval "tinit_$name=\$(np_since \$t0_$name)"
			fi
			if [ -z "$(eval echo "\$crash_$name")" ] &&
			   grep -Eiq "$CRASH_LOG" "$WORK/$name.log"; then
				eval "crash_$name=1"
				# Let the crash dump reach the log, then stop QEMU.
				sleep 2
				kill "$pid" 2>/dev/null || :
			fi
		done
		[ -n "$running" ] || break
		sleep 0.2
	done
}

# dom0_log NAME: the serial log without the hypervisor's own lines, with
# carriage returns removed and each protocol line and each kernel message
# on a line of its own (an oops printed while a test writes can land in
# the middle of the test's line).
dom0_log()
{
	tr -d '\r\000' < "$WORK/$1.log" | grep -av '^(XEN)' |
		sed -E 's/(.)(NP(TEST|INFO|END))/\1\n\2/g;
			s/(.)(\[ *[0-9]+\.[0-9]+\] )/\1\n\2/g'
}

# kernel_log NAME: dom0's output less the test protocol: what the kernel
# said on the console and in the dmesg the plan dumps at its end.
kernel_log()
{
	dom0_log "$1" | grep -Ev '^NP(TEST|INFO|END)'
}

# boot_checks NAME: checks every boot must pass: QEMU ended by the guest's
# poweroff (not the timeout, not a crash), and the plan reached NPEND.
boot_checks()
{
	local name=$1 rc crash tinit tboot

	eval "rc=\$rc_$name crash=\$crash_$name tinit=\$tinit_$name tboot=\$t_$name"
	np_timing "boot $name ${tboot}s (QEMU start to /init ${tinit:-never}${tinit:+s})"
	# The guest's own clock: its plan from /init to NPEND.
	dom0_log "$name" | awk '
		/^NPINFO init-reached uptime=/	{ split($3, a, "="); t0 = a[2] }
		/^NPINFO end uptime=/		{ split($3, a, "="); t1 = a[2] }
		END { if (t0 != "" && t1 != "")
			printf "time plan %s %.1fs (dom0 uptime %.1f to %.1f)\n",
				name, t1 - t0, t0, t1 }' name="$name"
	dom0_log "$name" | sed -n 's/^NPINFO \(stress .*seconds=.*\)/time \1/p'
	dom0_log "$name" | sed -n "s/^NPINFO time /time $name /p"
	if [ -n "$crash" ]; then
		np_fail "$name/qemu-exit: dom0 or Xen crashed (log: $WORK/$name.log)"
	elif [ "$rc" = 124 ]; then
		np_fail "$name/qemu-exit: timed out after ${E2E_TIMEOUT}s (log: $WORK/$name.log)"
	elif [ "$rc" != 0 ]; then
		np_fail "$name/qemu-exit: QEMU exit status $rc (log: $WORK/$name.log)"
	else
		np_ok "$name/qemu-exit"
	fi
	if [ -z "$tinit" ]; then
		np_fail "$name/reached-init: no NPINFO init-reached in the log"
	else
		np_ok "$name/reached-init"
	fi
	if dom0_log "$name" | grep -q '^NPEND'; then
		np_ok "$name/reached-end"
	else
		np_fail "$name/reached-end: no NPEND in the log"
	fi
}

# guest_checks NAME: the guest's own NPTEST lines, as host checks.
guest_checks()
{
	local name=$1 line n=0

	while IFS= read -r line; do
		n=$((n + 1))
		case "$line" in
		"NPTEST ok "*)
			np_ok "$name/${line#NPTEST ok }"
			;;
		"NPTEST FAIL "*)
			np_fail "$name/${line#NPTEST FAIL }"
			;;
		*)
			np_fail "$name/protocol: bad line '$line'"
			;;
		esac
	done < <(dom0_log "$name" | grep '^NPTEST ')
	[ "$n" -gt 0 ] || np_fail "$name/guest-checks: the guest reported no check"
}

# log_clean NAME: no oops, BUG or warning anywhere in dom0's output (live
# console and the dmesg the plan dumps at its end).
log_clean()
{
	local name=$1 hits

	hits=$(kernel_log "$name" | grep -E "$BAD_LOG" | head -n 3 | tr '\n' '|')
	if [ -z "$hits" ]; then
		np_ok "$name/kernel-log-clean"
	else
		np_fail "$name/kernel-log-clean: $hits"
	fi
}

# expect_intree_bug NAME: the negative control's one check.
expect_intree_bug()
{
	local name=$1

	if kernel_log "$name" | grep -q "$INTREE_BUG"; then
		np_ok "$name/intree-abuse-hits-kernel-BUG"
	else
		np_fail "$name/intree-abuse-hits-kernel-BUG: no '$INTREE_BUG' in $WORK/$name.log"
	fi
}

# demo_view NAME: what the demo shows of one boot, folded to $COLW
# columns: the plan's lines, shortened, then what the kernel said about
# the event channel driver, from the dmesg the plan dumps at its end (the
# console shows an oops only from its second line on).
COLW=76
demo_view()
{
	dom0_log "$1" | awk '
		/^NPINFO dmesg-begin/	{ dmesg = 1; print "kernel log:"; next }
		/^NPINFO dmesg-end/	{ dmesg = 0; next }
		/^NPINFO init-reached/	{ go = 1; next }
		!go || /^NPINFO (plan|end) / { next }
		/^NPTEST /		{ sub(/^NPTEST /, ""); print; next }
		/^NPINFO /		{ sub(/^NPINFO /, "  "); print; next }
		/^NPEND/		{ print; next }
		!dmesg || /Modules linked in|RIP: 0033/ { next }
		/evtchn|nopanic|genirq|kernel BUG|invalid opcode|RIP:|Oops/ {
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

# boots NAME ARGS NAME ARGS...: run boots one after the other, or all at
# once when E2E_PARALLEL is 1.
boots()
{
	local names=

	while [ $# -gt 0 ]; do
		boot_start "$1" "$2"
		names="$names $1"
		# shellcheck disable=SC2086
		[ "$E2E_PARALLEL" = 1 ] || boot_wait $1
		shift 2
	done
	# shellcheck disable=SC2086
	boot_wait $names
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
np_timing "total $(np_since "$t_all")s"

if [ "$NP_FAILED" -eq 0 ] && [ "${E2E_KEEP:-0}" != 1 ] && [ -z "${E2E_WORK:-}" ]; then
	rm -rf "$WORK"
else
	log "work directory kept: $WORK"
fi
np_summary
