# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan.sh - vmxnet3 against a lying device, inside the guest (busybox sh),
# run by tests/skbguard/init; results KTAP (tests/guest/lib.sh), read by
# scripts/tiers/vmxnet3.sh from the result channel.
#
# The guest has QEMU's emulated vmxnet3 on user networking (the gateway
# 10.0.2.2 answers pings) and np_vmxlie.ko, which rewrites the next
# receive completions as a lying device would (tests/vmxnet3/np_vmxlie.c).
#
# np.mode=patched: the driver built from the line's source with
#   patches/<line>/net applied. Traffic passes; a completion one byte
#   longer than the posted buffer, then NP_N (np.n=, default 3) far longer
#   ones, are each dropped and counted once (ethtool -S "drv dropped rx
#   total" and "err", rx_dropped in sysfs and `ip -s link`), logged, and
#   traffic still passes; then a completion for a queue that is not the
#   driver's is refused, counted and logged, the device reset, and
#   traffic passes again; the modules unload; the log stays clean.
# np.mode=control: Debian's own vmxnet3.ko, the same lies: np.lie=len
#   (default): one byte too long is handed to the stack uncounted (one
#   byte the device never wrote), the long one ends in skb_over_panic;
#   np.lie=queue: the wrong queue id ends in a BUG_ON(). The host checks
#   the serial log.

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

N=${NP_N:-3}
FAR=14000
BADQ=63		# rcd->rqID is 10 bits; the queues here have ids below 16
MODDIR=/lib/nopanic
LIE=/sys/module/np_vmxlie/parameters
# iproute2's ip, copied in by the host; busybox ip has no -s.
IP2=/opt/iproute2/ip
GW=10.0.2.2
DEV=

# ethstat NAME: ethtool statistic NAME of $DEV, summed over its queues.
ethstat()
{
	np_ethstats "$DEV" 2>/dev/null |
		awk -v n="$1" '$1 == n { s += $2; f = 1 } END { print f ? s : "x" }'
}

# ipdropped: rx dropped as `ip -s link show` prints it.
ipdropped()
{
	"$IP2" -s link show dev "$DEV" 2>/dev/null |
		awk '/^ *RX: / { getline; print $4; f = 1 } END { if (!f) print "x" }'
}

# counters: "drop_total err sysfs_rx_dropped ip_rx_dropped rx_packets"
counters()
{
	echo "$(ethstat drv_dropped_rx_total) $(ethstat err)" \
		"$(cat "/sys/class/net/$DEV/statistics/rx_dropped")" \
		"$(ipdropped)" \
		"$(cat "/sys/class/net/$DEV/statistics/rx_packets")"
}

# delta BEFORE AFTER: AFTER - BEFORE, or "x" when either is not a number.
delta()
{
	case "$1$2" in
	*[!0-9]*|'') echo x ;;
	*) echo $(($2 - $1)) ;;
	esac
}

# expect NAME WANT GOT: one check on an exact number.
expect()
{
	if [ "$2" = "$3" ]; then
		np_ok "$1" "$3"
	else
		np_fail "$1" "expected $2, got $3"
	fi
}

# pings N: ping the gateway N times; prints the replies received.
pings()
{
	ping -c "$1" -i 0.3 -W 2 "$GW" > "$NP_TMP/ping.out" 2>&1
	sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$NP_TMP/ping.out"
}

setup()
{
	local ko=$1 d i

	echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
	echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
	np_check insmod-vmxnet3 "insmod ${ko##*/} failed" insmod "$ko" ||
		return 1
	for i in 1 2 3 4 5 6 7 8 9 10; do
		for d in /sys/class/net/*; do
			case "$(readlink "$d/device/driver" 2>/dev/null)" in
			*/vmxnet3) DEV=${d##*/} ;;
			esac
		done
		[ -z "$DEV" ] || break
		sleep 1
	done
	np_check device "no network device bound to vmxnet3" test -n "$DEV" ||
		return 1
	np_info "device $DEV ($(cat "/sys/class/net/$DEV/address"))"
	np_check up "cannot configure $DEV" sh -c "ip link set $DEV up &&
		ip addr add 10.0.2.15/24 dev $DEV" || return 1
	expect traffic-before 3 "$(pings 3)"
	np_check insmod-np_vmxlie "insmod np_vmxlie.ko failed" \
		insmod "$MODDIR/np_vmxlie.ko" || return 1
}

# lie N OVER [QUEUE]: the next N frames' completions claim OVER bytes more
# than the buffer posted for them (and QUEUE as their queue id); ping
# until they have come (at most 20).
lie()
{
	local n=$1 i=0 want

	want=$(($(cat "$LIE/lied") + n))
	echo "$2" > "$LIE/over"
	echo "${3:-0}" > "$LIE/rqid"
	echo "$n" > "$LIE/arm"
	while [ "$(cat "$LIE/lied")" -lt "$want" ] && [ "$i" -lt 20 ]; do
		ping -c 1 -W 1 "$GW" > /dev/null 2>&1
		i=$((i + 1))
	done
	echo 0 > "$LIE/arm"
}

# dropped NAME N OVER: N lies of OVER bytes, each dropped and counted
# once, and logged.
dropped()
{
	local name=$1 n=$2 c0 c1 lied0 posted

	c0=$(counters)
	lied0=$(cat "$LIE/lied")
	lie "$n" "$3"
	c1=$(counters)
	expect "$name/lied" "$n" "$(delta "$lied0" "$(cat "$LIE/lied")")"
	np_info "$name: counters before $c0, after $c1"
	# shellcheck disable=SC2086 # split into numbers on purpose
	set -- $c0 $c1
	expect "$name/ethtool-drv-dropped-rx-total" "$n" "$(delta "$1" "$6")"
	expect "$name/ethtool-err" "$n" "$(delta "$2" "$7")"
	expect "$name/sysfs-rx_dropped" "$n" "$(delta "$3" "$8")"
	expect "$name/ip-s-link-rx-dropped" "$n" "$(delta "$4" "$9")"
	posted=$(cat "$LIE/posted")
	if dmesg | grep -q "$DEV: rxRing\[0\]\[[0-9]*\]: length [0-9]* exceeds the $posted-byte buffer, frame dropped"; then
		np_ok "$name/log-line"
	else
		np_fail "$name/log-line" "no '$DEV: rxRing[0][N]: length L exceeds the $posted-byte buffer, frame dropped' in dmesg"
	fi
}

# bad_queue: one completion for a queue that is not the driver's: refused,
# counted, logged, the device reset, traffic back.
bad_queue()
{
	local c0 c1 r0 r1 i=0 got lied0

	c0=$(counters)
	r0=$(dmesg | grep -c "$DEV: resetting")
	lied0=$(cat "$LIE/lied")
	lie 1 0 "$BADQ"
	expect bad-queue/lied 1 "$(delta "$lied0" "$(cat "$LIE/lied")")"
	# The poll stops at the completion until the reset: each poll that
	# meets it counts it.
	got=0
	while [ "$got" != 3 ] && [ "$i" -lt 10 ]; do
		got=$(pings 3)
		i=$((i + 1))
	done
	c1=$(counters)
	r1=$(dmesg | grep -c "$DEV: resetting")
	np_info "bad-queue: counters before $c0, after $c1; resets $r0 -> $r1"
	# shellcheck disable=SC2086 # split into numbers on purpose
	set -- $c0 $c1
	if [ "$(delta "$1" "$6")" != x ] && [ "$(delta "$1" "$6")" -ge 1 ] &&
	   [ "$(delta "$2" "$7")" -ge 1 ]; then
		np_ok bad-queue/counted "drop_total +$(delta "$1" "$6"), err +$(delta "$2" "$7")"
	else
		np_fail bad-queue/counted "drop_total and err did not go up: $c0 -> $c1"
	fi
	if dmesg | grep -q "$DEV: rxq [0-9]*: completion for another queue, resetting"; then
		np_ok bad-queue/log-line
	else
		np_fail bad-queue/log-line "no '$DEV: rxq N: completion for another queue, resetting' in dmesg"
	fi
	# One reset, or two if a poll met the completion again while the
	# first was starting.
	if [ "$(delta "$r0" "$r1")" != x ] && [ "$(delta "$r0" "$r1")" -ge 1 ]; then
		np_ok bad-queue/device-reset "$(delta "$r0" "$r1")"
	else
		np_fail bad-queue/device-reset "no '$DEV: resetting' in dmesg"
	fi
	expect bad-queue/traffic-after-reset 3 "$got"
}

patched()
{
	setup "$MODDIR/vmxnet3.ko" || return 1
	dropped one-byte-over 1 1
	dropped far-over "$N" "$FAR"
	expect traffic-after 3 "$(pings 3)"
	bad_queue
	np_check rmmod "rmmod np_vmxlie vmxnet3 failed" \
		sh -c 'rmmod np_vmxlie && rmmod vmxnet3'
	np_dmesg_clean dmesg-clean
}

control()
{
	local c0 c1

	setup "$MODDIR/vmxnet3-debian.ko" || return 1
	if [ "${NP_LIE:-len}" = queue ]; then
		np_info "control: a completion for queue $BADQ; expect a BUG_ON()"
		sync
		lie 1 0 "$BADQ"
		np_fail control-survived "Debian's vmxnet3 took a completion for queue $BADQ without a BUG"
		return
	fi
	# One byte past the buffer fits the skb's slack: Debian's driver
	# hands it on as a frame, with a byte the device never wrote.
	c0=$(counters)
	lie 1 1
	c1=$(counters)
	expect one-byte-over/lied 1 "$(cat "$LIE/lied")"
	# shellcheck disable=SC2086 # split into numbers on purpose
	set -- $c0 $c1
	expect one-byte-over/not-counted 0 "$(delta "$1" "$6")"
	np_info "control: a completion $FAR bytes past its buffer; expect skb_over_panic"
	sync
	lie 1 "$FAR"
	np_fail control-survived "Debian's vmxnet3 took a completion $FAR bytes past its buffer without skb_over_panic"
}

case "${NP_MODE:-}" in
patched)	patched ;;
control)	control ;;
*)		np_fail plan "unknown np.mode=${NP_MODE:-}" ;;
esac
np_dump_dmesg
