# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-fuzz.sh - evtchn-fuzz on our module as dkms installed it
# (np.mode=fuzz, make fuzz): random and structured misuse from several
# processes and threads, ports closed behind the driver now and then.
# The fuzzer checks its own calls, the driver's bound ports and Xen's
# view of dom0's ports afterwards; this plan adds the kernel log and the
# driver's counters.
#
# Kernel arguments (see init): np.ver, np.fuzz_seed, np.fuzz_p,
# np.fuzz_t, np.fuzz_n, np.fuzz_c (close-behind per mille),
# np.fuzz_leaked (ports it may leave open in Xen), np.fuzz_deadline (s).

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

np_check ours/modprobe "modprobe xen_evtchn failed" modprobe xen_evtchn
# The fuzzer's other holders of its ports: gntalloc's unmap notify.
np_check ours/modprobe-gntalloc "modprobe xen_gntalloc failed" \
	modprobe xen_gntalloc
ver=$(cat /sys/module/xen_evtchn/version 2>/dev/null)
if [ -n "$ver" ] && [ "$ver" = "${NP_VER:-}" ]; then
	np_ok ours/module-is-ours "version=$ver"
else
	np_fail ours/module-is-ours "version '$ver', expected '${NP_VER:-}'"
fi

set -- -p "${NP_FUZZ_P:-4}" -t "${NP_FUZZ_T:-2}" -n "${NP_FUZZ_N:-100000}" \
	-c "${NP_FUZZ_C:-3}" --allow-leaked "${NP_FUZZ_LEAKED:-0}"
[ -z "${NP_FUZZ_SEED:-}" ] || set -- -s "$NP_FUZZ_SEED" "$@"
# np.fuzz_race=1: closes behind race with releases even where the
# kernel's unmap then BUG()s (6.1; README, Known limits).
[ "${NP_FUZZ_RACE:-0}" = 0 ] || set -- "$@" --race-close
np_run ours/evtchn-fuzz-exit "${NP_FUZZ_DEADLINE:-600}" ours/fuzz/ \
	evtchn-fuzz "$@"
for c in /sys/class/misc/xen!evtchn/nopanic/*; do
	[ -f "$c" ] && np_info "counter ${c##*/}=$(cat "$c")"
done
np_dmesg_clean ours/dmesg-clean-after-fuzz
np_dump_dmesg
