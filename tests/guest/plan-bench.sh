# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-bench.sh - the in-tree xen-evtchn against ours in one dom0 boot
# (np.mode=bench), run by /init. np.rounds rounds; in each, both modules
# in turn (which goes first alternates, so that drift in the emulation
# favours neither), each through the same evtchn-bench runs: round trips;
# bind+unbind with 1, 2, 4 and 8 processes on their own fds and 4 threads
# on one; delivery with 1, 64 and 1024 ports on one fd; open, bind 1024
# ports, close. Every result line is tagged with the module and the
# round: "# bench drv=<intree|ours> round=<r> <test> <params> rate=".
#
# np.scale multiplies every operation count (default 1).

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

KVER=$(uname -r)
INTREE=$NP_INTREE
ROUNDS=${NP_ROUNDS:-5}
SCALE=${NP_SCALE:-1}
DEADLINE=${NP_DEADLINE:-300}

# use DRV: that module loaded, alone.
use()
{
	rmmod xen_evtchn 2>/dev/null
	if [ "$1" = intree ]; then
		insmod "$INTREE" && [ ! -e /sys/module/xen_evtchn/version ]
	else
		modprobe xen_evtchn &&
			[ "$(cat /sys/module/xen_evtchn/version 2>/dev/null)" = "${NP_VER:-}" ]
	fi
}

# bench DRV ROUND ARGS...: one evtchn-bench run, its lines tagged. Not
# through np_run: its once-a-tenth-of-a-second watch would be measured
# too; the boot's own timeout stands behind the per-run one.
bench()
{
	local drv=$1 r=$2 rc

	shift 2
	timeout "$DEADLINE" evtchn-bench "$@" > "$NP_TMP/bench.out" 2>&1
	rc=$?
	sed "s/^# bench /# bench drv=$drv round=$r /" "$NP_TMP/bench.out" \
		> "$NP_TMP/bench.ktap"
	np_subtest_file "$drv/r$r/$1" "$NP_TMP/bench.ktap" "$rc"
	[ $rc = 0 ] || np_fail "$drv/r$r/bench-exit" "evtchn-bench $*: exit $rc"
}

suite()
{
	local drv=$1 r=$2 p k

	bench "$drv" "$r" rt -n $((2000 * SCALE))
	for p in 1 2 4 8; do
		bench "$drv" "$r" bind -p $p -n $((1000 * SCALE / p))
	done
	bench "$drv" "$r" bind -t -p 4 -n $((250 * SCALE))
	for k in 1 64 1024; do
		bench "$drv" "$r" deliver -k $k -n $((20000 * SCALE))
	done
	bench "$drv" "$r" openclose -k 1024 -n $((2 * SCALE))
}

np_info "bench rounds=$ROUNDS scale=$SCALE kernel=$KVER cpus=$(nproc)"
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then order="intree ours"; else order="ours intree"; fi
	for drv in $order; do
		if use "$drv"; then
			np_ok "$drv/r$r/loaded"
			suite "$drv" "$r"
		else
			np_fail "$drv/r$r/loaded" "cannot load the $drv module"
		fi
	done
	r=$((r + 1))
done
rmmod xen_evtchn 2>/dev/null
np_dmesg_clean bench/dmesg-clean
np_dump_dmesg
