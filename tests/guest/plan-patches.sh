# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-patches.sh - make patches-check's dom0s (np.mode=patches), one of
# three by np.patches:
#
# module (default): Debian's own kernel, with the in-tree xen-evtchn.ko
#   built from that line's source with patches/<line> applied, then the
#   same file built from the unpatched source as the control. Both are
#   the kernel's own driver, not ours: no version file, no counters.
#   patched   /lib/nopanic/patched/xen-evtchn.ko: evtchn-conform (the ABI
#             unchanged), a clean kernel log. Not the hardening cases: a
#             close behind the driver ends in the events core's close,
#             which only the series' core patch keeps from BUG()ing, and
#             Debian's kernel does not have it (kernel-patched does).
#   control   /lib/nopanic/unpatched/xen-evtchn.ko: evtchn-conform must
#             pass too (the control binary is sound), then the hardening
#             cases must fail: some case fails, or the kernel logs a BUG
#             or a WARNING. Its checks are reported as "# control:" lines,
#             for the table, and as one check: control/hardening-fails.
#             It runs last: it may leave the kernel oopsed.
#   Kernel arguments: np.patched_md5 and np.unpatched_md5, the md5sum of
#   each file as the host built it.
#
# kernel-patched: the line's kernel built with the whole series
#   (scripts/tools/line-kernel.sh), its own xen-evtchn: evtchn-conform,
#   evtchn-hardening --intree (ports closed behind the driver, in the
#   same file and across files, released, a static port bound twice where
#   the kernel has static ports) and evtchn-shared --held-behind (a port
#   gntalloc or gntdev also holds; one closed behind while gntalloc alone
#   holds it) pass, the kernel logs the refused closes and nothing bad.
#
# kernel-control: the same kernel built without the series: evtchn-conform
#   passes, the hardening cases must fail, as for the module's control.

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

# control_hardening NAME: evtchn-hardening --intree on a driver that must
# fail it (NAME/hardening-fails); the case results as "# control: " lines.
control_hardening()
{
	local name=$1 oopses oopses0 pid end failed passed names logged

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
		np_ok "$name/hardening-fails" "$passed checks passed, $failed failed ($names), $logged new kernel report lines"
	else
		np_fail "$name/hardening-fails" "every hardening case passed on the unpatched driver and the kernel log is clean"
	fi
	dmesg | grep -E "$NP_BAD_LOG" | sed 's/^\[[^]]*\] //' | head -n 5 |
		np_info_lines "control-log "
}

# kernel_modules NAME: the kernel's own Xen drivers, evtchn first.
kernel_modules()
{
	np_check "$1/not-nopanic" "xen_evtchn is loaded already" \
		test ! -e /sys/module/xen_evtchn
	np_check "$1/modprobe" "modprobe xen_evtchn failed" modprobe xen_evtchn &&
	np_check "$1/modprobe-gntalloc" "modprobe xen_gntalloc failed" \
		modprobe xen_gntalloc &&
	np_check "$1/modprobe-gntdev" "modprobe xen_gntdev failed" \
		modprobe xen_gntdev
}

case ${NP_PATCHES:-module} in
module)
	if load patched "$PATCHED" "${NP_PATCHED_MD5:-}"; then
		np_run patched/evtchn-conform-exit "$DEADLINE" patched/conform/ \
			evtchn-conform
		np_dmesg_clean patched/dmesg-clean
		np_check patched/rmmod "rmmod xen_evtchn failed" rmmod xen_evtchn
	fi
	np_info "patched-done"
	# The control: the same file from the unpatched tree.
	if load control "$UNPATCHED" "${NP_UNPATCHED_MD5:-}"; then
		np_run control/evtchn-conform-exit "$DEADLINE" control/conform/ \
			evtchn-conform
		np_dmesg_clean control/dmesg-clean-after-conform
		control_hardening control
	fi
	;;
kernel-patched)
	if kernel_modules kpatched; then
		np_run kpatched/evtchn-conform-exit "$DEADLINE" kpatched/conform/ \
			evtchn-conform
		np_run kpatched/evtchn-hardening-exit "$DEADLINE" \
			kpatched/hardening/ evtchn-hardening --intree --race-release
		np_run kpatched/evtchn-shared-exit "$DEADLINE" kpatched/shared/ \
			evtchn-shared --held-behind
		# The errno's companion: each close Xen refused, logged.
		n=$(dmesg | grep -c 'closing event channel [0-9]* failed: -22')
		np_check kpatched/refused-close-logged "no refused close in the log" \
			test "$n" -gt 0
		np_info "refused closes logged: $n"
		dmesg | grep -E 'closing event channel|port [0-9]* has no irq' |
			sed 's/^\[[^]]*\] //' | head -n 3 | np_info_lines "kernel-log "
		np_dmesg_clean kpatched/dmesg-clean
	fi
	np_info "patched-done"
	;;
kernel-control)
	if kernel_modules kcontrol; then
		np_run kcontrol/evtchn-conform-exit "$DEADLINE" kcontrol/conform/ \
			evtchn-conform
		np_dmesg_clean kcontrol/dmesg-clean-after-conform
		control_hardening kcontrol
	fi
	;;
*)
	np_fail patches/mode "np.patches=${NP_PATCHES:-}: module, kernel-patched or kernel-control"
	;;
esac

np_dump_dmesg
