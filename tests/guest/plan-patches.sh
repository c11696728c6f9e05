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
#             or a WARNING. Its checks are reported as "# control:" lines, for
#             the table, and as one check: control/hardening-fails.
#
# The control runs last: it may leave the kernel oopsed.
#
# Kernel arguments (see init): np.patched_md5 and np.unpatched_md5, the
# md5sum of each file as the host built it.

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

DEADLINE=${NP_DEADLINE:-90}
PATCHED=/lib/nopanic/patched/xen-evtchn.ko
UNPATCHED=/lib/nopanic/unpatched/xen-evtchn.ko

# load NAME KO MD5: insmod KO, which is the very file the host built (its
# md5sum) and the kernel's driver, not nopanic's (no MODULE_VERSION). No
# xen_evtchn may be loaded before: then the loaded one is KO.
load()
{
	local name=$1 ko=$2 want=$3 got

	got=$(md5sum "$ko" 2>/dev/null | cut -d ' ' -f 1)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		np_ok "$name/file-is-the-one-built" "md5 $got"
	else
		np_fail "$name/file-is-the-one-built" "md5 of $ko '$got', built '$want'"
	fi
	np_check "$name/none-loaded-before" "xen_evtchn is loaded already" \
		test ! -e /sys/module/xen_evtchn
	np_check "$name/insmod" "insmod $ko failed" insmod "$ko" || return 1
	np_check "$name/not-nopanic" "/sys/module/xen_evtchn/version exists" \
		test ! -e /sys/module/xen_evtchn/version
}

# --- the patched driver ----------------------------------------------------

if load patched "$PATCHED" "${NP_PATCHED_MD5:-}"; then
	np_run patched/evtchn-conform-exit "$DEADLINE" patched/conform/ \
		evtchn-conform
	np_run patched/evtchn-hardening-exit "$DEADLINE" patched/hardening/ \
		evtchn-hardening --intree
	np_dmesg_clean patched/dmesg-clean
	np_check patched/rmmod "rmmod xen_evtchn failed" rmmod xen_evtchn
fi
np_info "patched-done"

# --- the control: the same file from the unpatched tree --------------------

if load control "$UNPATCHED" "${NP_UNPATCHED_MD5:-}"; then
	np_run control/evtchn-conform-exit "$DEADLINE" control/conform/ \
		evtchn-conform
	np_dmesg_clean control/dmesg-clean-after-conform
	oopses=$(dmesg | grep -cE "$NP_BAD_LOG")
	oopses0=$(np_oopses)
	# Its own checks are expected to fail: diagnostics ("# control: ..."),
	# not results.
	# Straight to a file (the program's stdout is line-buffered), not
	# through a pipe or np_run's filter: a task an oops leaves stuck in
	# the kernel would hold a pipe open, and its filter's output, for
	# good. Stopped at the deadline or 3 s after a new oops.
	evtchn-hardening --intree > "$NP_TMP/control.raw" 2>&1 &
	pid=$!
	end=$(($(np_now) + DEADLINE))
	while kill -0 "$pid" 2>/dev/null && [ "$(np_now)" -lt "$end" ]; do
		if [ "$(np_oopses)" != "$oopses0" ]; then
			end=$(($(np_now) + 3))
			oopses0=$(np_oopses)
		fi
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null
		np_info "control: evtchn-hardening still running at its end, killed"
	fi
	sed -nE 's/^(not ok|ok) [0-9]+ /\1 control\/hardening\//p' \
		"$NP_TMP/control.raw" > "$NP_TMP/control.out"
	np_info_lines "control: " < "$NP_TMP/control.out"
	failed=$(grep -c '^not ok control/hardening/' "$NP_TMP/control.out")
	passed=$(grep -c '^ok control/hardening/' "$NP_TMP/control.out")
	names=$(sed -n 's/^not ok control\/hardening\/\([^ ]*\) #.*/\1/p' \
		"$NP_TMP/control.out" | tr '\n' ' ')
	logged=$(($(dmesg | grep -cE "$NP_BAD_LOG") - oopses))
	if [ "$failed" -gt 0 ] || [ "$logged" -gt 0 ]; then
		np_ok control/hardening-fails "$passed checks passed, $failed failed ($names), $logged new kernel report lines"
	else
		np_fail control/hardening-fails "every hardening case passed on the unpatched driver and the kernel log is clean"
	fi
	dmesg | grep -E "$NP_BAD_LOG" | sed 's/^\[[^]]*\] //' | head -n 5 |
		np_info_lines "control-log "
fi

np_dump_dmesg
