# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-bench.sh - what the skb guard costs on the production kernel
# (np.mode=bench), run by tests/skbguard/init as /plans/plan.sh in the
# bench boot of scripts/tiers/e2e-skbguard.sh (make bench). np.rounds rounds;
# in each:
#   1. skb_guard_bench.ko loaded once (its loops run at load: ns per put
#      for every kind of put, ns per refusal), the kinds in reverse order
#      every other round, then unloaded;
#   2. np_vnic loaded with guard=1, guard=0, guard=0, guard=1 in turn
#      (0, 1, 1, 0 every other round: drift within a round favours
#      neither), MTU 1500 on both sides, and np_sendframes -c
#      sending np.frames fitting UDP frames of 1500 and of 64 bytes
#      through npv0 -> npv1 (after a tenth as many to warm up), timed:
#      frames per second.
# Every figure is an "# skbbench round=<r> ..." diagnostic:
#   # skbbench round=R put kind=K len=64 n=N ns=T ns_per_op=X
#   # skbbench round=R refusal dev=0|1 n=N ns=T ns_per_op=X
#   # skbbench round=R vnic run=I guard=G len=L warmup=W frames=N
#           ns=T fps=F
# The checks: every load, every loop and every frame went through (all
# sent, all counted received by npv1, none dropped); nothing on time.
#
# np.scale multiplies the frame count (default 1: 20000 per length).

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

MODDIR=/lib/nopanic
ROUNDS=${NP_ROUNDS:-5}
SCALE=${NP_SCALE:-1}
FRAMES=${NP_FRAMES:-$((20000 * SCALE))}

# stat DEV NAME: a counter from /sys/class/net/DEV/statistics.
stat()
{
	cat "/sys/class/net/$1/statistics/$2" 2>/dev/null || echo x
}

# loops R: one load of the bench module, its figures as diagnostics.
loops()
{
	local r=$1 rev=$(($1 % 2 == 0)) n

	if insmod "$MODDIR/skb_guard_bench.ko" round="$r" reverse="$rev" \
		2> "$NP_TMP/insmod.err"; then
		np_ok "r$r/put-loops"
	else
		np_fail "r$r/put-loops" "insmod skb_guard_bench.ko: $(cat "$NP_TMP/insmod.err")"
	fi
	dmesg | grep -o "skb_guard_bench: round=$r .* ns_per_op=[0-9.]*" |
		sed 's/^skb_guard_bench: //' > "$NP_TMP/loops.out"
	np_info_lines "skbbench " < "$NP_TMP/loops.out"
	n=$(grep -c . "$NP_TMP/loops.out")
	# 6 kinds of put, 2 refusal measures.
	if [ "$n" = 8 ]; then
		np_ok "r$r/put-figures"
	else
		np_fail "r$r/put-figures" "$n figures in the kernel log, not 8"
	fi
	rmmod skb_guard_bench 2>/dev/null
}

# vnic R G I: np_vnic guard=G, FRAMES frames of 1500 and of 64 bytes,
# timed; I: which of the round's four runs.
vnic()
{
	local r=$1 g=$2 i=$3 rx0 rx1 td0 td1 rc line

	if ! insmod "$MODDIR/np_vnic.ko" guard="$g" 2> "$NP_TMP/insmod.err" ||
	   ! ip link set npv0 up || ! ip link set npv1 up; then
		np_fail "r$r/vnic$i-guard=$g/setup" "np_vnic guard=$g: $(cat "$NP_TMP/insmod.err")"
		rmmod np_vnic 2>/dev/null
		return 1
	fi
	rx0=$(stat npv1 rx_packets)
	td0=$(stat npv0 tx_dropped)
	timeout 600 np_sendframes -t npv0 -r npv1 -c "$FRAMES" -b 1500 -s 64 \
		-k udp > "$NP_TMP/rate.out" 2> "$NP_TMP/rate.err"
	rc=$?
	rx1=$(stat npv1 rx_packets)
	td1=$(stat npv0 tx_dropped)
	sed -n 's/^rate //p' "$NP_TMP/rate.out" |
		np_info_lines "skbbench round=$r vnic run=$i guard=$g "
	while read -r line; do np_info "np_sendframes: $line"; done \
		< "$NP_TMP/rate.err"
	if [ "$rc" = 0 ] && [ "$(grep -c '^rate ' "$NP_TMP/rate.out")" = 2 ] &&
	   [ $((rx1 - rx0)) = $((2 * (FRAMES + FRAMES / 10))) ] &&
	   [ "$td1" = "$td0" ]; then
		np_ok "r$r/vnic$i-guard=$g/frames" "$((rx1 - rx0)) received"
	else
		np_fail "r$r/vnic$i-guard=$g/frames" "exit $rc, $((2 * (FRAMES + FRAMES / 10))) sent, npv1 received $((rx1 - rx0)), npv0 tx_dropped +$((td1 - td0))"
	fi
	np_check "r$r/vnic$i-guard=$g/rmmod" "rmmod np_vnic failed" rmmod np_vnic
}

# No IPv6 on the new devices: no DAD or router solicitation frames in
# npv1's counters.
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6

np_info "skbbench rounds=$ROUNDS frames=$FRAMES kernel=$(uname -r) cpus=$(nproc)"
if np_check insmod-skb_guard "insmod skb_guard.ko failed" \
	insmod "$MODDIR/skb_guard.ko"; then
	r=1
	while [ $r -le "$ROUNDS" ]; do
		loops $r
		if [ $((r % 2)) = 1 ]; then order="1 0 0 1"; else order="0 1 1 0"; fi
		i=1
		for g in $order; do
			vnic $r "$g" $i
			i=$((i + 1))
		done
		r=$((r + 1))
	done
	np_check rmmod-skb_guard "rmmod skb_guard failed" rmmod skb_guard
fi
np_dmesg_clean dmesg-clean
np_dump_dmesg
