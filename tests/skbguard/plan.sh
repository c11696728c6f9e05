# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan.sh - the skb guard e2e inside the guest (busybox sh), run by
# tests/skbguard/init. Its results are KTAP (tests/guest/lib.sh), read by
# scripts/tiers/e2e-skbguard.sh from the result channel.
#
# np.mode=guarded: np_vnic with guard=1, sender npv0 at MTU 9000, receiver
#   npv1 at MTU 1500; NP_N (np.n=, default 5) 8000-byte ICMP and UDP frames
#   and as many 1000-byte ones. Every oversized frame must be refused and
#   counted exactly once (npv1's rx_length_errors and rx_dropped in sysfs
#   and in `ip -s -s link`, the guard's debugfs reasons and sites), every
#   normal frame delivered, npv0's TX counters must add up, the modules
#   unload, and the kernel log stays clean.
# np.mode=control: np_vnic with guard=0, one 8000-byte frame: the kernel is
#   expected to die in skb_over_panic; the host checks the serial log.

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

N=${NP_N:-5}
BIG=8000
SMALL=1000
MODDIR=/lib/nopanic
DBG=/sys/kernel/debug/skb_guard
# iproute2's ip (with -s -s), copied in by the host; busybox ip has no -s.
IP2=/opt/iproute2/ip

# stat DEV NAME: a counter from /sys/class/net/DEV/statistics.
stat()
{
	cat "/sys/class/net/$1/statistics/$2" 2>/dev/null || echo x
}

# ipstat DEV: "rx_bytes rx_packets rx_errors rx_dropped rx_length_errors"
# as `ip -s -s link show` prints them.
ipstat()
{
	"$IP2" -s -s link show dev "$1" 2>/dev/null | awk '
		/^ *RX: /	{ getline; b = $1; p = $2; e = $3; d = $4 }
		/^ *RX errors:/	{ getline; l = $1 }
		END { if (l == "") print "x x x x x"; else print b, p, e, d, l }'
}

# reason NAME: the guard's module-wide count for NAME.
reason()
{
	awk -v r="$1" '$1 == r { print $2; f = 1 } END { if (!f) print "x" }' \
		"$DBG/reasons" 2>/dev/null || echo x
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

# delta BEFORE AFTER: AFTER - BEFORE, or "x" when either is not a number.
delta()
{
	case "$1$2" in
	*[!0-9]*|'') echo x ;;
	*) echo $(($2 - $1)) ;;
	esac
}

# field KEY: KEY=<value> from the sender's summary line.
field()
{
	tr ' ' '\n' < "$NP_TMP/send.out" | sed -n "s/^$1=//p" | head -n 1
}

setup()
{
	local guard=$1

	np_check insmod-skb_guard "insmod skb_guard.ko failed" \
		insmod "$MODDIR/skb_guard.ko" || return 1
	np_check insmod-np_vnic "insmod np_vnic.ko guard=$guard failed" \
		insmod "$MODDIR/np_vnic.ko" guard="$guard" || return 1
	np_check devices "no npv0/npv1" \
		test -d /sys/class/net/npv0 -a -d /sys/class/net/npv1 || return 1
	np_check mtu "cannot set MTU 9000 on npv0 / 1500 on npv1" \
		sh -c 'ip link set npv0 mtu 9000 && ip link set npv1 mtu 1500 &&
		       [ "$(cat /sys/class/net/npv0/mtu)" = 9000 ] &&
		       [ "$(cat /sys/class/net/npv1/mtu)" = 1500 ]' || return 1
	np_check up "cannot bring npv0/npv1 up" \
		sh -c 'ip link set npv0 up && ip link set npv1 up' || return 1
}

guarded()
{
	local s0 s1 i0 i1 r0 r1 n0 rc big small sites line

	# No IPv6 on the new devices: no DAD or router solicitation frames
	# in the counters we check to the frame.
	echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
	echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6

	setup 1 || return 1
	[ -x "$IP2" ] || np_fail ip-s-link "no iproute2 ip in the initramfs"

	# Counters before.
	s0="$(stat npv1 rx_packets) $(stat npv1 rx_bytes) $(stat npv1 rx_length_errors) $(stat npv1 rx_dropped) $(stat npv1 rx_errors) $(stat npv0 tx_packets) $(stat npv0 tx_bytes) $(stat npv0 tx_dropped)"
	i0=$(ipstat npv1)
	r0="$(reason tailroom) $(reason nonlinear)"
	np_info "before: sysfs $s0; ip -s -s npv1 $i0; reasons $r0"

	np_info "run np_sendframes -t npv0 -r npv1 -n $N -b $BIG -s $SMALL"
	timeout 60 np_sendframes -t npv0 -r npv1 -n "$N" -b "$BIG" \
		-s "$SMALL" -w 10 > "$NP_TMP/send.out" 2> "$NP_TMP/send.err"
	rc=$?
	while read -r line; do np_info "np_sendframes: $line"; done \
		< "$NP_TMP/send.out"
	while read -r line; do np_info "np_sendframes stderr: $line"; done \
		< "$NP_TMP/send.err"
	expect sendframes-exit 0 "$rc"

	s1="$(stat npv1 rx_packets) $(stat npv1 rx_bytes) $(stat npv1 rx_length_errors) $(stat npv1 rx_dropped) $(stat npv1 rx_errors) $(stat npv0 tx_packets) $(stat npv0 tx_bytes) $(stat npv0 tx_dropped)"
	i1=$(ipstat npv1)
	r1="$(reason tailroom) $(reason nonlinear)"
	np_info "after: sysfs $s1; ip -s -s npv1 $i1; reasons $r1"

	big=$((2 * N))
	small=$((2 * N))

	# What the sender sent and the ETH_P_ALL socket on npv1 saw.
	expect sent-oversized "$big" "$(field sent_big)"
	expect sent-normal "$small" "$(field sent_small)"
	expect npv1-received-normal "$small" "$(field recv_small)"
	expect npv1-received-oversized 0 "$(field recv_big)"
	expect npv1-received-last 1 "$(field recv_last)"
	expect npv1-received-duplicates 0 "$(field recv_dup)"
	expect npv1-socket-drops 0 "$(field sock_drops)"

	# npv1's standard counters, from sysfs.
	# shellcheck disable=SC2086 # split into numbers on purpose
	set -- $s0
	n0="$1 $2 $3 $4 $5 $6 $7 $8"
	# shellcheck disable=SC2086 # split into numbers on purpose
	set -- $s1 $n0
	expect sysfs-npv1-rx_packets "$small" "$(delta "$9" "$1")"
	expect sysfs-npv1-rx_bytes "$((small * SMALL))" "$(delta "${10}" "$2")"
	expect sysfs-npv1-rx_length_errors "$big" "$(delta "${11}" "$3")"
	expect sysfs-npv1-rx_dropped "$big" "$(delta "${12}" "$4")"
	expect sysfs-npv1-rx_errors "$big" "$(delta "${13}" "$5")"
	expect sysfs-npv0-tx_packets "$((big + small))" "$(delta "${14}" "$6")"
	expect sysfs-npv0-tx_bytes "$((big * BIG + small * SMALL))" \
		"$(delta "${15}" "$7")"
	expect sysfs-npv0-tx_dropped 0 "$(delta "${16}" "$8")"

	# The same, as `ip -s -s link show npv1` prints them.
	# shellcheck disable=SC2086 # split into numbers on purpose
	set -- $i1 $i0
	expect ip-s-link-npv1-rx_packets "$small" "$(delta "$7" "$2")"
	expect ip-s-link-npv1-rx_errors "$big" "$(delta "$8" "$3")"
	expect ip-s-link-npv1-rx_dropped "$big" "$(delta "$9" "$4")"
	expect ip-s-link-npv1-rx_length_errors "$big" "$(delta "${10}" "$5")"

	# The guard's module-wide counters (debugfs).
	# shellcheck disable=SC2086 # split into numbers on purpose
	set -- $r1 $r0
	expect guard-reasons-tailroom "$big" "$(delta "$3" "$1")"
	expect guard-reasons-nonlinear 0 "$(delta "$4" "$2")"
	sites=$(cat "$DBG/sites" 2>/dev/null)
	echo "$sites" | while read -r line; do np_info "sites: $line"; done
	# The module was loaded for this boot: the site's count is all ours.
	if echo "$sites" | grep -Eq "^$big tailroom npv_[a-z_]+\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[np_vnic\\]\$"; then
		np_ok guard-sites-np_vnic
	else
		np_fail guard-sites-np_vnic "no '$big tailroom npv_...+0x../0x.. [np_vnic]' line in $DBG/sites"
	fi
	if dmesg | grep -Eq "skb_guard: npv1: refused put of $BIG bytes, tailroom [0-9]+, from npv_[a-z_]+\\+0x"; then
		np_ok guard-log-line
	else
		np_fail guard-log-line "no 'skb_guard: npv1: refused put of $BIG bytes, tailroom N, from npv_...' in dmesg"
	fi

	seed_ping

	np_check rmmod "rmmod np_vnic skb_guard failed" \
		sh -c 'rmmod np_vnic && rmmod skb_guard'
	np_dmesg_clean kernel-log-clean
}

# ping_sent OUTPUT: how many echo requests busybox ping says it sent.
ping_sent()
{
	sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$1"
}

# seed_ping: the seed's own test, through the kernel's ICMP path rather
# than crafted frames: `ping -s` from npv0 (10.99.0.1, MTU 9000) towards
# npv1's MAC (a static neighbour entry; npv1 itself has no address, so
# nothing answers and only npv1's counters tell what arrived). 8000-byte
# frames (ping -s 7958) must each count one rx_length_error; 1000-byte
# ones (-s 958) must each arrive.
seed_ping()
{
	local mac le0 le1 rp0 rp1 n line

	mac=$(cat /sys/class/net/npv1/address)
	if ! { "$IP2" addr add 10.99.0.1/24 dev npv0 &&
	       "$IP2" neigh replace 10.99.0.2 lladdr "$mac" dev npv0 \
			nud permanent; } > "$NP_TMP/ip.err" 2>&1
	then
		np_fail seed-ping "cannot configure 10.99.0.1 and a neighbour on npv0: $(cat "$NP_TMP/ip.err")"
		return 1
	fi
	le0=$(stat npv1 rx_length_errors)
	ping -c 3 -i 0.2 -W 1 -s 7958 10.99.0.2 > "$NP_TMP/ping-big.out" 2>&1
	le1=$(stat npv1 rx_length_errors)
	rp0=$(stat npv1 rx_packets)
	ping -c 3 -i 0.2 -W 1 -s 958 10.99.0.2 > "$NP_TMP/ping-small.out" 2>&1
	rp1=$(stat npv1 rx_packets)
	while read -r line; do np_info "ping: $line"; done \
		< "$NP_TMP/ping-big.out"
	n=$(ping_sent "$NP_TMP/ping-big.out")
	expect seed-ping-8000-sent 3 "$n"
	expect seed-ping-8000-rx_length_errors 3 "$(delta "$le0" "$le1")"
	n=$(ping_sent "$NP_TMP/ping-small.out")
	expect seed-ping-1000-sent 3 "$n"
	expect seed-ping-1000-rx_packets 3 "$(delta "$rp0" "$rp1")"
}

control()
{
	setup 0 || return 1
	np_info "control: one $BIG-byte frame into the unguarded receive path; expect skb_over_panic"
	sync
	timeout 60 np_sendframes -t npv0 -r - -n 1 -b "$BIG" -s 0 -k icmp
	np_fail control-survived "np_vnic guard=0 took a $BIG-byte frame on an MTU 1500 receiver without skb_over_panic"
}

# random: tests/skbguard/np_randframes, frames of random lengths (60 up to
# npv0's largest MTU) at random receive MTUs on npv1: every frame either
# delivered or refused and counted, exactly; the fitting ones delivered;
# the refused ones the longest. np.rounds, np.n (frames per round),
# np.rseed (replay). The guard's own tailroom count must equal the
# refusals the program saw.
random()
{
	local r0 r1 rc line refused

	# A kernel without IPv6 (the debug kernel) sends no such frames.
	echo 1 2>/dev/null > /proc/sys/net/ipv6/conf/default/disable_ipv6
	echo 1 2>/dev/null > /proc/sys/net/ipv6/conf/all/disable_ipv6
	setup 1 || return 1
	np_check mtu-max "cannot set npv0's MTU to 65517" \
		ip link set npv0 mtu 65517 || return 1
	r0=$(reason tailroom)
	set -- -t npv0 -r npv1 -R "${NP_ROUNDS:-20}" -n "${NP_N:-50}"
	[ -z "${NP_RSEED:-}" ] || set -- "$@" -s "$NP_RSEED"
	np_info "run np_randframes $*"
	timeout 900 np_randframes "$@" > "$NP_TMP/rand.out" 2> "$NP_TMP/rand.err"
	rc=$?
	np_subtest_file frames "$NP_TMP/rand.out" "$rc"
	while read -r line; do np_info "np_randframes stderr: $line"; done \
		< "$NP_TMP/rand.err"
	expect randframes-exit 0 "$rc"
	r1=$(reason tailroom)
	refused=$(sed -n 's/.* delivered, \([0-9]*\) refused and counted$/\1/p' \
		"$NP_TMP/rand.out")
	expect guard-reasons-tailroom-equals-refusals "${refused:-?}" \
		"$(delta "$r0" "$r1")"
	np_check rmmod "rmmod np_vnic skb_guard failed" \
		sh -c 'rmmod np_vnic && rmmod skb_guard'
	np_dmesg_clean kernel-log-clean
}

# tests/guest/plan-torture.sh sources this file for random() alone.
[ -z "${NP_SKBG_LIB:-}" ] || return 0

case "${NP_MODE:-}" in
guarded)	guarded ;;
control)	control ;;
random)		random ;;
*)		np_fail plan "unknown np.mode=${NP_MODE:-}" ;;
esac
np_dump_dmesg
