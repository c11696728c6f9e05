# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-patches.sh - make patches-check's dom0 (np.mode=patches): the
# in-tree xen-evtchn.ko built from a Debian kernel line's own source with
# patches/<line> applied, then the same file built from the unpatched
# source as the control. Both are the kernel's own driver, not ours: no
# version file, no nopanic counters.
#
#   patched   /lib/nopanic/patched/xen-evtchn.ko: evtchn-conform (the ABI
#             unchanged), evtchn-hardening --intree (ports closed behind
#             the driver, in the same file and across files: must pass),
#             a clean kernel log
#   control   /lib/nopanic/unpatched/xen-evtchn.ko: evtchn-conform must
#             pass too (the control binary is sound), then the hardening
#             cases must fail: some case fails, or the kernel logs a BUG
#             or a WARNING. Its checks are reported as NPCTRL lines, for
#             the table, and as one check: control/hardening-fails.
#
# The control runs last: it may leave the kernel oopsed.
#
# Kernel arguments (see init): np.patched_src and np.unpatched_src, the
# srcversion modinfo read from each file on the host.

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

DEADLINE=${NP_DEADLINE:-90}
PATCHED=/lib/nopanic/patched/xen-evtchn.ko
UNPATCHED=/lib/nopanic/unpatched/xen-evtchn.ko

# load NAME KO SRCVERSION: insmod KO; it is the kernel's driver (no
# MODULE_VERSION) and the very file the host built (its srcversion).
load()
{
	local name=$1 ko=$2 want=$3 got

	np_check "$name/insmod" "insmod $ko failed" insmod "$ko" || return 1
	np_check "$name/not-nopanic" "/sys/module/xen_evtchn/version exists" \
		test ! -e /sys/module/xen_evtchn/version
	got=$(cat /sys/module/xen_evtchn/srcversion 2>/dev/null)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		np_ok "$name/srcversion" "$got"
	else
		np_fail "$name/srcversion" "loaded '$got', built '$want'"
	fi
}

# --- the patched driver ----------------------------------------------------

if load patched "$PATCHED" "${NP_PATCHED_SRC:-}"; then
	np_run patched/evtchn-conform-exit "$DEADLINE" patched/conform/ \
		evtchn-conform
	np_run patched/evtchn-hardening-exit "$DEADLINE" patched/hardening/ \
		evtchn-hardening --intree
	np_dmesg_clean patched/dmesg-clean
	np_check patched/rmmod "rmmod xen_evtchn failed" rmmod xen_evtchn
fi
np_info "patched-done"

# --- the control: the same file from the unpatched tree --------------------

if load control "$UNPATCHED" "${NP_UNPATCHED_SRC:-}"; then
	np_run control/evtchn-conform-exit "$DEADLINE" control/conform/ \
		evtchn-conform
	np_dmesg_clean control/dmesg-clean-after-conform
	oopses=$(dmesg | grep -cE "$NP_BAD_LOG")
	# Its own checks are expected to fail: NPCTRL, not NPTEST.
	np_run control/hardening "$DEADLINE" control/hardening/ \
		evtchn-hardening --intree 2>&1 |
		sed -u 's/^NPTEST /NPCTRL /' > "$NP_TMP/control.out"
	cat "$NP_TMP/control.out"
	failed=$(grep -c '^NPCTRL FAIL control/hardening/' "$NP_TMP/control.out")
	names=$(sed -n 's/^NPCTRL FAIL control\/hardening\/\([^:]*\):.*/\1/p' \
		"$NP_TMP/control.out" | tr '\n' ' ')
	logged=$(($(dmesg | grep -cE "$NP_BAD_LOG") - oopses))
	if [ "$failed" -gt 0 ] || [ "$logged" -gt 0 ]; then
		np_ok control/hardening-fails "$failed cases failed, $logged new kernel report lines: $names"
	else
		np_fail control/hardening-fails "every hardening case passed on the unpatched driver and the kernel log is clean"
	fi
	dmesg | grep -E "$NP_BAD_LOG" | sed 's/^\[[^]]*\] /NPINFO control-log /' |
		head -n 5
fi

np_dump_dmesg
