# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-demo.sh - the abuse, on one module (np.mode=demo), run by /init.
#
# np.target=ours   our module as dkms installed it (modprobe)
# np.target=intree the distro's in-tree module (insmod of its file)
#
# evtchn-hardening --abuse closes a port behind the driver's back through
# /dev/xen/privcmd, then binds again on a fresh file. Ours must survive
# and count it; the in-tree 6.1 driver dies with
# "kernel BUG at drivers/xen/evtchn.c". The host shows both boots side by
# side and, in e2e mode, uses the in-tree boot as a negative control.

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

INTREE=$NP_INTREE
TARGET=${NP_TARGET:-ours}

case "$TARGET" in
ours)
	np_check modprobe "modprobe xen_evtchn failed" modprobe xen_evtchn
	np_info "module $(modinfo -n xen_evtchn)" \
		"version=$(cat /sys/module/xen_evtchn/version 2>/dev/null)"
	;;
intree)
	np_check insmod "insmod $INTREE failed" insmod "$INTREE"
	np_info "module $INTREE (in-tree, no version)"
	;;
*)
	np_fail target "unknown np.target=$TARGET"
	exit 0
	;;
esac

# The in-tree run is expected to oops: the process dies, the shell lives.
np_run evtchn-hardening-abuse-exit 60 "" evtchn-hardening --abuse

if [ "$TARGET" = ours ]; then
	for p in /sys/module/xen_evtchn/parameters/*; do
		[ -f "$p" ] && np_info "param ${p##*/}=$(cat "$p")"
	done
fi
np_dmesg_clean dmesg-clean

np_dump_dmesg
