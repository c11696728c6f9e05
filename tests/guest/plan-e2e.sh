# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-e2e.sh - the end-to-end plan, run by /init in dom0 (np.mode=e2e).
#
# Our module as dkms installed it: identity, ABI conformance, stress with
# bound-port accounting, hardening, a clean kernel log after each. Then the
# distro's in-tree module in its place, through the same conformance test.
#
# Kernel arguments (see init): np.ver (expected module version),
# np.stress_p and np.stress_n (evtchn-stress -p and -n).

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

INTREE=$NP_INTREE
STRESS_P=${NP_STRESS_P:-4}
STRESS_N=${NP_STRESS_N:-40000}

# Per-program deadlines (s): a hung program must not eat the boot timeout.
# The stress runs 8-25 s here with the default -n, by load.
DEADLINE=${NP_DEADLINE:-60}
STRESS_DEADLINE=${NP_STRESS_DEADLINE:-120}

# --- our module ------------------------------------------------------------

np_check ours/modprobe "modprobe xen_evtchn failed" modprobe xen_evtchn

path=$(modinfo -n xen_evtchn 2>/dev/null)
case "$path" in
*/updates/dkms/*)
	np_ok ours/module-from-dkms "path=$path"
	;;
*)
	np_fail ours/module-from-dkms "modinfo -n xen_evtchn: '$path'"
	;;
esac

ver=$(cat /sys/module/xen_evtchn/version 2>/dev/null)
if [ -n "$ver" ] && [ "$ver" = "${NP_VER:-}" ]; then
	np_ok ours/module-is-ours "version=$ver"
else
	np_fail ours/module-is-ours "version '$ver', expected '${NP_VER:-}'"
fi

np_check ours/dev-node "no /dev/xen/evtchn" test -c /dev/xen/evtchn

np_run ours/evtchn-conform-exit "$DEADLINE" ours/conform/ evtchn-conform

before=$(np_user_ports)
np_run ours/evtchn-stress-exit "$STRESS_DEADLINE" ours/stress/ evtchn-stress -p "$STRESS_P" -n "$STRESS_N"
after=$(np_user_ports)
if [ "$before" = "$after" ]; then
	np_ok ours/stress-ports-released "evtchn=$after"
else
	np_fail ours/stress-ports-released "evtchn: $before before, $after after"
fi
np_dmesg_clean ours/dmesg-clean-after-stress

np_run ours/evtchn-hardening-exit "$DEADLINE" ours/hardening/ evtchn-hardening
np_dmesg_clean ours/dmesg-clean-after-hardening

# A port gntalloc also holds (libxenvchan's unmap notify); on ours also
# closed behind the driver first, which the in-tree driver cannot survive.
np_check ours/modprobe-gntalloc "modprobe xen_gntalloc failed" \
	modprobe xen_gntalloc
np_check ours/modprobe-gntdev "modprobe xen_gntdev failed" modprobe xen_gntdev
KBINDER=/lib/nopanic/np_kbinder.ko
np_check ours/insmod-kbinder "insmod $KBINDER failed" insmod "$KBINDER"
np_run ours/evtchn-shared-exit "$DEADLINE" ours/shared/ evtchn-shared --behind --kbinder
np_dmesg_clean ours/dmesg-clean-after-shared
VCPUS_OURS=$(evtchn-shared --vcpus 2>&1)
np_info "ours: interdomain ports per vCPU: $VCPUS_OURS"

for p in /sys/module/xen_evtchn/parameters/*; do
	[ -f "$p" ] && np_info "param ${p##*/}=$(cat "$p")"
done

# --- the in-tree module ----------------------------------------------------

np_check ours/rmmod "rmmod xen_evtchn failed" rmmod xen_evtchn
np_check intree/insmod "insmod $INTREE failed" insmod "$INTREE"
# The in-tree driver has no MODULE_VERSION: no version file proves it is
# not ours.
np_check intree/module-is-intree "/sys/module/xen_evtchn/version exists" \
	test ! -e /sys/module/xen_evtchn/version

np_run intree/evtchn-conform-exit "$DEADLINE" intree/conform/ evtchn-conform
np_run intree/evtchn-shared-exit "$DEADLINE" intree/shared/ evtchn-shared --kbinder
VCPUS_INTREE=$(evtchn-shared --vcpus 2>&1)
np_info "intree: interdomain ports per vCPU: $VCPUS_INTREE"
case $VCPUS_OURS in
vcpu*)	np_check ours/shared/vcpu-placement-as-intree \
		"ours '$VCPUS_OURS', in-tree '$VCPUS_INTREE'" \
		test "$VCPUS_OURS" = "$VCPUS_INTREE" ;;
*)	np_fail ours/shared/vcpu-placement-as-intree "ours: $VCPUS_OURS" ;;
esac
np_dmesg_clean intree/dmesg-clean

np_dump_dmesg
