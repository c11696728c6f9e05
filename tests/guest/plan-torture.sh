# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-torture.sh - our module on the debug dom0 kernel of
# scripts/tools/line-kernel.sh --debug (np.mode=torture), booted with
# panic_on_warn=1: the kernel's bug finders watch conformance, stress and
# hardening.
#
# Which bug finders the kernel has (one check each for those the build
# promises, np.sanitizers), our module from updates/, the three programs
# as in plan-e2e.sh, the fuzzer, the skb guard's random frames, a kmemleak
# scan that must find nothing, and a kernel log free of any report.
#
# Kernel arguments (see init): np.ver (expected module version),
# np.sanitizers (comma-separated config options the kernel must have),
# np.stress_p and np.stress_n (evtchn-stress -p and -n), np.deadline and
# np.stress_deadline (per-program limits, s).

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

STRESS_P=${NP_STRESS_P:-4}
STRESS_N=${NP_STRESS_N:-20000}
# The bug finders slow everything down, TCG more so.
DEADLINE=${NP_DEADLINE:-300}
STRESS_DEADLINE=${NP_STRESS_DEADLINE:-600}

DEBUGFS=/sys/kernel/debug
KMEMLEAK=$DEBUGFS/kmemleak

# --- the kernel --------------------------------------------------------------

np_info "kernel $(uname -r)"
# PV or PVH (make torture's KASAN kernel boots as a PVH dom0).
np_info "guest-type $(cat /sys/hypervisor/guest_type 2>/dev/null || echo unknown)"

# config_check: one check per bug finder the build promises; the others
# are reported as information.
config_check()
{
	local opt have want

	want=" $(echo "${NP_SANITIZERS:-}" | tr ',' ' ') "
	for opt in KASAN KFENCE PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_OBJECTS \
		   DEBUG_KMEMLEAK UBSAN; do
		have=$(zcat /proc/config.gz 2>/dev/null |
		       sed -n "s/^CONFIG_$opt=//p")
		np_info "debug-option $opt=${have:-unset}"
		case "$want" in
		*" $opt "*)
			if [ "$have" = y ]; then
				np_ok "config/$opt"
			else
				np_fail "config/$opt" "CONFIG_$opt=${have:-unset} in /proc/config.gz"
			fi
			;;
		esac
	done
}

np_check config/proc-config-gz "no /proc/config.gz" test -r /proc/config.gz
config_check

mountpoint -q "$DEBUGFS" || mount -t debugfs debugfs "$DEBUGFS"

# --- our module --------------------------------------------------------------

np_check ours/modprobe "modprobe xen_evtchn failed" modprobe xen_evtchn
# The fuzzer's other holders of its ports: gntalloc's unmap notify.
np_check ours/modprobe-gntalloc "modprobe xen_gntalloc failed" \
	modprobe xen_gntalloc

path=$(modinfo -n xen_evtchn 2>/dev/null)
case "$path" in
*/updates/*)
	np_ok ours/module-from-updates "path=$path"
	;;
*)
	np_fail ours/module-from-updates "modinfo -n xen_evtchn: '$path'"
	;;
esac

ver=$(cat /sys/module/xen_evtchn/version 2>/dev/null)
if [ -n "$ver" ] && [ "$ver" = "${NP_VER:-}" ]; then
	np_ok ours/module-is-ours "version=$ver"
else
	np_fail ours/module-is-ours "version '$ver', expected '${NP_VER:-}'"
fi

np_check ours/dev-node "no /dev/xen/evtchn" test -c /dev/xen/evtchn

# --- the programs, as in plan-e2e.sh ----------------------------------------

np_run ours/evtchn-conform-exit "$DEADLINE" ours/conform/ evtchn-conform
np_dmesg_clean ours/dmesg-clean-after-conform

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

# The fuzzer (tests/evtchn-fuzz): np.fuzz_n operations, np.fuzz_seed to
# replay; no port may be left in Xen.
set -- -p "${NP_FUZZ_P:-4}" -t "${NP_FUZZ_T:-2}" -n "${NP_FUZZ_N:-20000}" \
	-c "${NP_FUZZ_C:-3}" --allow-leaked 0
[ -z "${NP_FUZZ_SEED:-}" ] || set -- -s "$NP_FUZZ_SEED" "$@"
# np.fuzz_race=1: closes behind race with releases even where the
# kernel's unmap then BUG()s (6.1; README, Known limits).
[ "${NP_FUZZ_RACE:-0}" = 0 ] || set -- "$@" --race-close
np_run ours/evtchn-fuzz-exit "${NP_FUZZ_DEADLINE:-1200}" ours/fuzz/ \
	evtchn-fuzz "$@"
np_dmesg_clean ours/dmesg-clean-after-fuzz
# What the ports closed behind the driver cost (counters since the load).
c=
for n in release_quarantined quarantine_reused quarantined_ports close_failed; do
	c="$c $n=$(cat "/sys/class/misc/xen!evtchn/nopanic/$n" 2>/dev/null || echo ?)"
done
np_info "fuzz counters:$c"

# --- the skb guard -------------------------------------------------------------

# The random frames of tests/skbguard/plan.sh (random(), sourced in a
# subshell: it brings its own lib.sh) through np_vnic's pair: every frame
# delivered or refused and counted exactly. np.skb_rounds, np.skb_n
# (frames per round), np.skb_seed (replay). Its checks are the subtest
# skb.
skb_random()
{
	np_begin skb
	(
		# shellcheck disable=SC2034 # read by the sourced plan
		NP_SKBG_LIB=1
		. /plans/skbguard.sh
		# shellcheck disable=SC2034 # the three are random()'s arguments
		NP_ROUNDS=${NP_SKB_ROUNDS:-20} NP_N=${NP_SKB_N:-50} \
			NP_RSEED=${NP_SKB_SEED:-}
		random
	)
	np_end
}

if [ -f /plans/skbguard.sh ] && [ -f /lib/nopanic/np_vnic.ko ]; then
	skb_random
else
	np_fail skb-staged "no /plans/skbguard.sh or /lib/nopanic/np_vnic.ko"
fi

for p in /sys/module/xen_evtchn/parameters/*; do
	[ -f "$p" ] && np_info "param ${p##*/}=$(cat "$p")"
done

# --- kmemleak ------------------------------------------------------------------

# kmemleak_check: two scans (an object must stay unreferenced for a few
# seconds, and across scans, before kmemleak reports it), then the report,
# which must be empty. Each suspected leak's lines go out as diagnostics.
kmemleak_check()
{
	local report=$NP_TMP/kmemleak n

	if [ ! -w "$KMEMLEAK" ]; then
		np_fail kmemleak-clean "no $KMEMLEAK"
		return
	fi
	echo scan > "$KMEMLEAK"
	sleep 6
	echo scan > "$KMEMLEAK"
	cat "$KMEMLEAK" > "$report"
	n=$(grep -c '^unreferenced object' "$report")
	if [ "$n" = 0 ]; then
		np_ok kmemleak-clean
		return
	fi
	np_info_lines "kmemleak: " < "$report"
	np_fail kmemleak-clean "$n suspected leaks (the kmemleak: lines)"
}

# bug_counters: what the bug finders counted themselves. Lockdep turns
# itself off (debug_locks 0) after its first report; KFENCE counts the
# bugs it found.
bug_counters()
{
	local v

	v=$(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats 2>/dev/null)
	if [ "$v" = 1 ]; then
		np_ok lockdep-still-on
	else
		np_fail lockdep-still-on "/proc/lockdep_stats debug_locks: '${v}'"
	fi
	v=$(sed -n 's/^total bugs: *//p' "$DEBUGFS/kfence/stats" 2>/dev/null)
	if [ "$v" = 0 ]; then
		np_ok kfence-no-bugs
	else
		np_fail kfence-no-bugs "$DEBUGFS/kfence/stats total bugs: '${v}'"
	fi
}

kmemleak_check
bug_counters
np_dmesg_clean dmesg-clean

np_dump_dmesg
