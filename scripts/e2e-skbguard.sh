#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e-skbguard.sh - end-to-end test of the skb guard: Debian's kernel
# booted directly under QEMU (TCG, plain x86_64, no Xen), our skb_guard.ko
# and np_vnic.ko built against its linux-headers, the seed's 8000-byte
# frames sent into a receiver sized for MTU 1500.
#
# Usage: scripts/e2e-skbguard.sh        (make e2e-skbguard)
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
# Prints one line per check (`ok <name>` or `FAIL <name>: <detail>`), the
# time each phase took, and as its last line `N passed, N failed`. Exits 0
# iff nothing failed.
#
# Environment:
#   KVER, NOPANIC_CACHE   see scripts/e2e-guest.sh (it fetches the kernel)
#   SKBG_N         frames of each kind and size (default 5)
#   SKBG_TIMEOUT   hard limit for one boot in seconds (default 240)
#   SKBG_WORK      work directory (default: a new /tmp/nopanic-skbg.XXXXXX,
#                  removed after a run that passed unless SKBG_KEEP=1)
#   V=1            copy the serial consoles to stdout as they run

set -eu
export LC_ALL=C

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$SRCDIR/scripts/lib.sh"

SKBG_N=${SKBG_N:-5}
SKBG_TIMEOUT=${SKBG_TIMEOUT:-240}
V=${V:-0}

# Kernel log lines that make the guarded boot unclean.
BAD_LOG='Oops|BUG:|kernel BUG|WARNING:|Call Trace|Kernel panic'

case "${1:-}" in
-h|--help)
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0"
	exit 0
	;;
esac

log()
{
	echo "e2e-skbguard: $*"
}

# fatal STEP DETAIL: setup failed, nothing can boot. Count it, keep the
# work directory, stop.
fatal()
{
	np_fail "$1: $2"
	log "work directory kept: $WORK"
	np_summary || exit 1
	exit 1
}

# run CMD...: run a setup command with its output in $WORK/setup.log.
run()
{
	echo "+ $*" >> "$WORK/setup.log"
	"$@" >> "$WORK/setup.log" 2>&1
}

t_all=$(np_now)
np_workdir "${SKBG_WORK:-}" nopanic-skbg

# --- guest kernel (cached; Xen is fetched too but not booted here) ---------

t=$(np_now)
guest_env=$("$SRCDIR/scripts/e2e-guest.sh" 2>> "$WORK/setup.log") ||
	fatal guest "scripts/e2e-guest.sh failed (log: $WORK/setup.log)"
eval "$guest_env"
KDIR=/usr/src/linux-headers-$KVER
[ -d "$KDIR" ] || fatal headers "no $KDIR"
np_need_pkgs iproute2 >> "$WORK/setup.log" 2>&1 ||
	fatal packages "cannot install iproute2"
np_timing "guest $(np_since "$t")s (KVER=$KVER, kernel $GUEST_KERNEL)"

# --- our modules, built in a copy (the source tree stays clean) -----------

t=$(np_now)
BUILD=$WORK/build
mkdir -p "$BUILD"
# Sources only: not the objects an in-tree `make` may have left beside them.
(cd "$SRCDIR" && find include drivers/net/skb_guard -type f \
	\( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) -print0 |
	cpio --null -pdm --quiet "$BUILD") ||
	fatal build "cannot copy the sources to $BUILD"
[ -f "$BUILD/drivers/net/skb_guard/Kbuild" ] ||
	fatal build "no drivers/net/skb_guard/Kbuild"
# The skb guard's directory alone, as the top-level Kbuild reaches it:
# xen-evtchn is not needed here, and a broken xen-evtchn must not fail
# this test.
echo 'obj-y += drivers/net/skb_guard/' > "$BUILD/Kbuild"
run make -C "$KDIR" M="$BUILD" -j2 modules || {
	tail -n 30 "$WORK/setup.log"
	fatal build "make -C $KDIR M=$BUILD modules failed"
}
KOS="$BUILD/drivers/net/skb_guard/skb_guard.ko $BUILD/drivers/net/skb_guard/np_vnic.ko"
for ko in $KOS; do
	if [ -f "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$KVER "; then
		np_ok "build ${ko##*/}"
	else
		fatal build "no ${ko##*/} for $KVER"
	fi
done
run gcc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -static \
	-o "$WORK/np_sendframes" "$SRCDIR/tests/skbguard/np_sendframes.c" || {
	tail -n 30 "$WORK/setup.log"
	fatal build "np_sendframes does not build"
}
np_ok "build np_sendframes"
np_timing "build $(np_since "$t")s"

# --- initramfs -----------------------------------------------------------------

t=$(np_now)
IRD=$WORK/initramfs
mkdir -p "$IRD"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,plans,lib/nopanic,opt/iproute2}
cp /bin/busybox "$IRD/bin/busybox"
for applet in $(/bin/busybox --list-full); do
	[ -e "$IRD/$applet" ] || ln -s /bin/busybox "$IRD/$applet"
done
mknod -m 600 "$IRD/dev/console" c 5 1
install -m 755 "$SRCDIR/tests/skbguard/init" "$IRD/init"
install -m 644 "$SRCDIR/tests/skbguard/plan.sh" "$IRD/plans/plan.sh"
install -m 644 "$SRCDIR/tests/guest/lib.sh" "$IRD/plans/lib.sh"
install -m 755 "$WORK/np_sendframes" "$IRD/bin/np_sendframes"
# shellcheck disable=SC2086
install -m 644 $KOS "$IRD/lib/nopanic/"
# iproute2's ip and the libraries it links (busybox ip has no -s).
ip2=$(command -v ip) || :
if [ -z "$ip2" ] || ! "$ip2" -V 2>&1 | grep -q iproute2; then
	fatal initramfs "no iproute2 ip on the host"
fi
install -m 755 "$ip2" "$IRD/opt/iproute2/ip"
for lib in $(ldd "$ip2" | grep -o '/[^ ]*'); do
	mkdir -p "$IRD$(dirname "$lib")"
	cp -L "$lib" "$IRD$lib"
done
(cd "$IRD" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 > "$WORK/initrd.cpio.gz"
np_timing "initramfs $(np_since "$t")s ($(du -k "$WORK/initrd.cpio.gz" | cut -f1) KiB)"

# --- boots -------------------------------------------------------------------

pid=
rc_guarded=
rc_control=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || :' EXIT
trap 'exit 130' INT TERM

# boot NAME ARGS: boot the kernel with ARGS, serial console to
# $WORK/NAME.log; sets rc_NAME (QEMU's exit status, 124 on timeout) and
# prints the boot's time. panic=-1 and -no-reboot: a panic ends QEMU.
boot()
{
	local name=$1 args=$2 t0 tail_pid=

	set -- timeout "$SKBG_TIMEOUT" qemu-system-x86_64 -m 1024 -smp 2 \
		-nographic -no-reboot -nic none \
		-kernel "$GUEST_KERNEL" -initrd "$WORK/initrd.cpio.gz" \
		-append "console=ttyS0 panic=-1 oops=panic $args"
	echo "+ $(printf '%q ' "$@")> $name.log" >> "$WORK/setup.log"
	: > "$WORK/$name.log"
	t0=$(np_now)
	"$@" < /dev/null > "$WORK/$name.log" 2>&1 &
	pid=$!
	if [ "$V" = 1 ]; then
		tail -f --pid=$pid "$WORK/$name.log" | sed -u "s/^/[$name] /" &
		tail_pid=$!
	fi
	set +e
	wait "$pid"
	eval "rc_$name=$?"
	set -e
	pid=
	[ -z "$tail_pid" ] || wait "$tail_pid" 2>/dev/null || :
	np_timing "boot $name $(np_since "$t0")s"
}

# guest_log NAME: the serial log with carriage returns removed and each
# protocol line and each kernel message on a line of its own.
guest_log()
{
	tr -d '\r\000' < "$WORK/$1.log" |
		sed -E 's/(.)(NP(TEST|INFO|END))/\1\n\2/g;
			s/(.)(\[ *[0-9]+\.[0-9]+\] )/\1\n\2/g'
}

kernel_log()
{
	guest_log "$1" | grep -Ev '^NP(TEST|INFO|END)'
}

# guest_times NAME: QEMU start to /init, and the plan's own duration.
guest_times()
{
	guest_log "$1" | awk -v name="$1" '
		/^NPINFO init-reached uptime=/	{ split($3, a, "="); t0 = a[2] }
		/^NPINFO end uptime=/		{ split($3, a, "="); t1 = a[2] }
		END {
			if (t0 != "") printf "time %s kernel uptime at /init %.1fs\n", name, t0
			if (t0 != "" && t1 != "") printf "time %s plan %.1fs\n", name, t1 - t0
		}'
}

# guest_checks NAME: the guest's NPTEST lines as host checks.
guest_checks()
{
	local name=$1 line n=0

	while IFS= read -r line; do
		n=$((n + 1))
		case "$line" in
		"NPTEST ok "*)		np_ok "$name/${line#NPTEST ok }" ;;
		"NPTEST FAIL "*)	np_fail "$name/${line#NPTEST FAIL }" ;;
		*)			np_fail "$name/protocol: bad line '$line'" ;;
		esac
	done < <(guest_log "$name" | grep '^NPTEST ')
	[ "$n" -gt 0 ] || np_fail "$name/guest-checks: the guest reported no check (log: $WORK/$name.log)"
}

t=$(np_now)

# Guarded boot: the plan's checks, a clean exit, a clean log.
boot guarded "quiet np.mode=guarded np.n=$SKBG_N"
guest_times guarded
if [ "$rc_guarded" = 124 ]; then
	np_fail "guarded/qemu-exit: timed out after ${SKBG_TIMEOUT}s (log: $WORK/guarded.log)"
elif kernel_log guarded | grep -q 'Kernel panic'; then
	np_fail "guarded/qemu-exit: the kernel panicked (log: $WORK/guarded.log)"
elif [ "$rc_guarded" != 0 ]; then
	np_fail "guarded/qemu-exit: QEMU exit status $rc_guarded (log: $WORK/guarded.log)"
else
	np_ok "guarded/qemu-exit"
fi
if guest_log guarded | grep -q '^NPEND'; then
	np_ok "guarded/reached-end"
else
	np_fail "guarded/reached-end: no NPEND in $WORK/guarded.log"
fi
guest_checks guarded
hits=$(kernel_log guarded | grep -E "$BAD_LOG" | head -n 3 | tr '\n' '|')
if [ -z "$hits" ]; then
	np_ok "guarded/serial-log-clean"
else
	np_fail "guarded/serial-log-clean: $hits"
fi

# Control boot: guard off, one 8000-byte frame; must crash as the seed did.
boot control "np.mode=control"
guest_times control
clog=$(kernel_log control)
if echo "$clog" | grep -q 'skb_over_panic'; then
	np_ok "control/skb_over_panic $(echo "$clog" | grep -o 'skb_over_panic: .*len:[0-9]* put:[0-9]*' | head -n 1)"
else
	np_fail "control/skb_over_panic: not in $WORK/control.log"
fi
if echo "$clog" | grep -q 'kernel BUG at net/core/skbuff.c'; then
	np_ok "control/kernel-BUG $(echo "$clog" | grep -o 'kernel BUG at [^ ]*' | head -n 1)"
else
	np_fail "control/kernel-BUG: no 'kernel BUG at net/core/skbuff.c' in $WORK/control.log"
fi
if [ "$rc_control" = 124 ]; then
	np_fail "control/panic-ends-qemu: timed out after ${SKBG_TIMEOUT}s"
elif echo "$clog" | grep -q 'Kernel panic - not syncing'; then
	np_ok "control/panic-ends-qemu"
else
	np_fail "control/panic-ends-qemu: QEMU exit status $rc_control without a kernel panic"
fi
# The crash is in our driver's receive copy, not anywhere else.
if echo "$clog" | grep -Eq '^\[ *[0-9.]+\] +npv_[a-z_]+\+0x[0-9a-f]+/0x[0-9a-f]+ \[np_vnic\]'; then
	np_ok "control/crash-in-np_vnic $(echo "$clog" | grep -Eo 'npv_[a-z_]+\+0x[0-9a-f]+/0x[0-9a-f]+ \[np_vnic\]' | head -n 1)"
else
	np_fail "control/crash-in-np_vnic: no npv_*() [np_vnic] frame in the call trace"
fi
# The plan's setup checks; a control-survived FAIL if the frame went in.
guest_checks control

np_timing "boots $(np_since "$t")s"
np_timing "total $(np_since "$t_all")s"

if [ "$NP_FAILED" -eq 0 ] && [ "${SKBG_KEEP:-0}" != 1 ] && [ -z "${SKBG_WORK:-}" ]; then
	rm -rf "$WORK"
else
	log "work directory kept: $WORK"
fi
np_summary
