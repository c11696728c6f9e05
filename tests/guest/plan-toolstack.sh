# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-toolstack.sh - Xen's own toolstack on one xen-evtchn module
# (np.mode=toolstack), run by /init in dom0. The tools come from Debian's
# packages (scripts/tiers/e2e-toolstack.sh merges them into the initramfs).
#
# np.target=intree  the distro's in-tree module (insmod of its file): control
# np.target=ours    our module as dkms installed it (modprobe), version checked
# np.cycles=N       guest lifecycles (default 10)
#
# Starts the daemons with Debian's own /etc/init.d/xen (oxenstored,
# xenconsoled), runs `xl info` and xenstore write/read/watch round trips,
# then N times: xl create of a minimal PV guest (the same kernel, the
# busybox initramfs tests/guest/domu-init), its marker read from the
# console log xenconsoled writes, xl destroy (every second cycle xl
# shutdown -w), dom0's bound event channels back at their baseline.
# Before the guests, Xen's other clients (plan-clients.sh): libxenvchan's
# vchan-socket-proxy with an end killed, xenconsoled's hypervisor log,
# xen-lowmemd.

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

INTREE=$NP_INTREE
TARGET=${NP_TARGET:-ours}
CYCLES=${NP_CYCLES:-10}
P=$TARGET/
DOMU=/var/lib/nopanic/domu
CONLOG=/var/log/xen/console

# uptime_f: seconds since boot, with decimals.
uptime_f()
{
	cut -d ' ' -f 1 /proc/uptime
}

# dt T0 T1: T1 - T0, one decimal.
dt()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

# wait_for SECS CMD...: run CMD every 0.5 s until it succeeds, at most SECS.
wait_for()
{
	local end=$(($(np_now) + $1))

	shift
	while ! "$@"; do
		[ "$(np_now)" -lt "$end" ] || return 1
		sleep 0.5
	done
}

# domain_gone NAME: no domain NAME any more.
domain_gone()
{
	! xl domid "$1" > /dev/null 2>&1
}

# ports_at N: dom0 has N event channels bound through /dev/xen/evtchn.
ports_at()
{
	[ "$(np_user_ports)" = "$1" ]
}

# --- the module ------------------------------------------------------------

case "$TARGET" in
ours)
	np_check "${P}modprobe" "modprobe xen_evtchn failed" modprobe xen_evtchn
	path=$(modinfo -n xen_evtchn 2>/dev/null)
	case "$path" in
	*/updates/dkms/*) np_ok "${P}module-from-dkms" "path=$path" ;;
	*) np_fail "${P}module-from-dkms" "modinfo -n xen_evtchn: '$path'" ;;
	esac
	ver=$(cat /sys/module/xen_evtchn/version 2>/dev/null)
	if [ -n "$ver" ] && [ "$ver" = "${NP_VER:-}" ]; then
		np_ok "${P}module-is-ours" "version=$ver"
	else
		np_fail "${P}module-is-ours" "version '$ver', expected '${NP_VER:-}'"
	fi
	;;
intree)
	np_check "${P}insmod" "insmod $INTREE failed" insmod "$INTREE"
	np_check "${P}module-is-intree" "/sys/module/xen_evtchn/version exists" \
		test ! -e /sys/module/xen_evtchn/version
	;;
*)
	np_fail target "unknown np.target=$TARGET"
	exit 0
	;;
esac

# --- the daemons, as Debian starts them ------------------------------------

mkdir -p /dev/pts
mount -t devpts devpts /dev/pts 2>/dev/null	# xenconsoled's ptys
np_info "versions $(xl_v=$(ls -d /usr/lib/xen-* 2>/dev/null); echo "$xl_v")" \
	"hypervisor $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra)"

t0=$(uptime_f)
# With dash, Debian's /bin/sh: busybox sh would run its own
# start-stop-daemon applet, whose --test starts the daemon.
timeout 90 dash /etc/init.d/xen start > "$NP_TMP/initd.out" 2>&1
rc=$?
np_info "init.d/xen start: rc=$rc in $(dt "$t0" "$(uptime_f)")s: $(tr '\n' ' ' < "$NP_TMP/initd.out")"
np_check "${P}initd-xen-start" "/etc/init.d/xen start: rc=$rc" test "$rc" = 0

xsd=$(pidof oxenstored xenstored)
np_check "${P}xenstored-running" "no oxenstored/xenstored process" test -n "$xsd"
# shellcheck disable=SC2009 # busybox has no pgrep -a here
np_info "daemons: $(ps -o pid,args | grep -E '[x]en' | tr -s ' ' | tr '\n' ';')"
np_info "xenstored $(for p in $xsd; do readlink "/proc/$p/exe"; done | tr '\n' ' ')"
n=$(pidof xenconsoled | wc -w)
np_check "${P}one-xenconsoled" "$n xenconsoled processes" test "$n" = 1
if grep -qiE 'fatal|error|fail' "$NP_TMP/initd.out"; then
	np_fail "${P}initd-xen-quiet" "$(tr '\n' ' ' < "$NP_TMP/initd.out")"
else
	np_ok "${P}initd-xen-quiet"
fi

if timeout 60 xl info > "$NP_TMP/xlinfo" 2>&1; then
	np_ok "${P}xl-info" "$(grep -E '^(xen_version|free_memory|xen_commandline)' "$NP_TMP/xlinfo" | tr -s ' ' | tr '\n' ' ')"
else
	np_fail "${P}xl-info" "$(tail -n 3 "$NP_TMP/xlinfo" | tr '\n' ' ')"
fi

# --- xenstore round trips --------------------------------------------------

bad=0
i=1
while [ $i -le 20 ]; do
	xenstore-write /nopanic/test/key$i "value-$i" || bad=$((bad + 1))
	[ "$(xenstore-read /nopanic/test/key$i 2>/dev/null)" = "value-$i" ] ||
		bad=$((bad + 1))
	i=$((i + 1))
done
np_check "${P}xenstore-write-read" "$bad of 20 round trips failed" test "$bad" = 0

# xenstore-watch reports the path once when the watch is set, then once
# per change: -n 3 exits after the initial event and two writes.
xenstore-write /nopanic/watch start
timeout 30 xenstore-watch -n 3 /nopanic/watch > "$NP_TMP/watch" 2>&1 &
wpid=$!
sleep 1
xenstore-write /nopanic/watch one
sleep 0.5
xenstore-write /nopanic/watch two
wait $wpid
rc=$?
n=$(grep -c '^/nopanic/watch' "$NP_TMP/watch")
np_check "${P}xenstore-watch" "rc=$rc, $n events (want 3): $(tr '\n' ' ' < "$NP_TMP/watch")" \
	test "$rc" = 0 -a "$n" = 3
xenstore-rm /nopanic

# --- Xen's other clients of the event channel driver -----------------------

. /plans/plan-clients.sh

# --- guest lifecycles ------------------------------------------------------

sleep 1
base=$(np_user_ports)
np_info "evtchn baseline $base"
grep 'evtchn:' /proc/interrupts | tr -s ' ' | np_info_lines "  "

retries=0
# cycle I [SUFFIX]: one guest lifecycle; sets good=1 if all of it passed.
cycle()
{
	local i=$1
	name=np-$TARGET-$i$2
	c=${P}cycle$i
	cat > "$NP_TMP/$name.cfg" <<-EOF
	name = "$name"
	type = "pv"
	kernel = "$DOMU/kernel"
	ramdisk = "$DOMU/initrd.cpio.gz"
	extra = "console=hvc0 quiet np.token=$name"
	memory = 128
	vcpus = 1
	on_poweroff = "destroy"
	on_reboot = "destroy"
	on_crash = "destroy"
	EOF
	if [ $((i % 2)) = 0 ]; then how=shutdown; else how=destroy; fi
	good=1
	t0=$(uptime_f)
	if timeout 120 xl create "$NP_TMP/$name.cfg" > "$NP_TMP/create.out" 2>&1; then
		np_ok "$c/xl-create"
	else
		np_fail "$c/xl-create" "$(tail -n 4 "$NP_TMP/create.out" | tr '\n' ' ')"
		good=0
	fi
	t1=$(uptime_f)
	if [ $good = 1 ] && wait_for 120 grep -q "NPDOMU-READY token=$name" \
	   "$CONLOG/guest-$name.log" 2>/dev/null; then
		np_ok "$c/console-marker" "$(grep -o 'NPDOMU-READY.*' "$CONLOG/guest-$name.log" | tr -d '\r')"
	else
		np_fail "$c/console-marker" "no marker in $CONLOG/guest-$name.log:" \
			"$(tail -c 300 "$CONLOG/guest-$name.log" 2>/dev/null | tr -d '\r' | tr '\n' ' ')"
		good=0
		np_info "diag: xl list: $(xl list 2>&1 | tr -s ' ' | tr '\n' ';')"
		# shellcheck disable=SC2012 # a listing for a human
		np_info "diag: console dir: $(ls -la "$CONLOG" 2>&1 | tr -s ' ' | tr '\n' ';')"
		domid=$(xl domid "$name" 2>/dev/null)
		np_info "diag: xenstore console: $(xenstore-ls -f "/local/domain/$domid/console" 2>&1 | tr '\n' ';')"
		# shellcheck disable=SC2009
		np_info "diag: daemons: $(ps -o pid,args | grep -E '[x]en' | tr -s ' ' | tr '\n' ';')"
		np_info "diag: xl dmesg: $(xl dmesg 2>&1 | tail -n 5 | tr '\n' ';')"
		# The guest's own console: a guest kernel that died says why.
		tr -d '\r' < "$CONLOG/guest-$name.log" 2>/dev/null | tail -n 60 |
			np_info_lines "diag: domU: "
	fi
	# While the guest lives, xenstored and xenconsoled hold a channel
	# to it each, bound through the module under test.
	during=$(np_user_ports)
	if [ $good = 1 ] && [ "$during" -gt "$base" ]; then
		np_ok "$c/evtchn-bound" "evtchn=$during"
	elif [ $good = 1 ]; then
		np_fail "$c/evtchn-bound" "evtchn=$during, baseline $base"
		good=0
	fi
	t2=$(uptime_f)
	if [ $how = shutdown ]; then
		timeout 90 xl shutdown -w "$name" > "$NP_TMP/stop.out" 2>&1
	else
		timeout 60 xl destroy "$name" > "$NP_TMP/stop.out" 2>&1
	fi
	rc=$?
	# xl shutdown -w returns once the domain has shut down; the xl
	# process watching it (on_poweroff) destroys it a moment later.
	if [ $rc = 0 ] && wait_for 30 domain_gone "$name"; then
		np_ok "$c/xl-$how"
	else
		np_fail "$c/xl-$how" "rc=$rc $(tail -n 3 "$NP_TMP/stop.out" | tr '\n' ' ')"
		good=0
		xl destroy "$name" > /dev/null 2>&1
	fi
	t3=$(uptime_f)
	if wait_for 30 ports_at "$base"; then
		np_ok "$c/evtchn-baseline" "evtchn=$base"
	else
		np_fail "$c/evtchn-baseline" "evtchn: $base before, $(np_user_ports) after"
		good=0
	fi
	t4=$(uptime_f)
	np_info "time cycle $i $how create=$(dt "$t0" "$t1")s marker=$(dt "$t1" "$t2")s $how=$(dt "$t2" "$t3")s ports=$(dt "$t3" "$t4")s total=$(dt "$t0" "$t4")s"
}

i=1
cycles_ok=0
while [ $i -le "$CYCLES" ]; do
	# The cycle's results are held back (np_hold) until it is known
	# whether they count: a guest whose own kernel panicked on the way
	# up (seen once in 21 cycles with 6.12 as the domU under QEMU) did
	# not get far enough to test dom0: its results become diagnostics
	# and the cycle runs once more, counted.
	np_hold "$NP_TMP/cycle.out"
	cycle "$i"
	if [ $good = 0 ] && grep -q 'Kernel panic' "$CONLOG/guest-np-$TARGET-$i.log" 2>/dev/null; then
		np_drop "first attempt: "
		np_info "cycle $i: the domU's own kernel panicked; running the cycle again"
		retries=$((retries + 1))
		np_hold "$NP_TMP/cycle.out"
		cycle "$i" -again
	fi
	np_release
	[ $good = 1 ] && cycles_ok=$((cycles_ok + 1))
	i=$((i + 1))
done
np_info "cycles $cycles_ok of $CYCLES clean, $retries run again after a domU kernel panic"

# --- xl save and xl restore ------------------------------------------------

# alive_lines NAME: heartbeat lines the guest NAME has printed so far.
alive_lines()
{
	grep -c "NPDOMU-ALIVE token=$1" "$CONLOG/guest-$1.log" 2>/dev/null
}

# more_alive NAME N: the guest printed more than N heartbeats.
more_alive()
{
	[ "$(alive_lines "$1")" -gt "$2" ]
}

# The guest's suspend and the restored guest's channels: xenstored and
# xenconsoled bind new ports to it through the module under test, and
# its console must come back (a heartbeat after the restore).
# guest_text: a guest's console text on one line, without the kernel's
# timestamps (dom0's own log is split at those, and scanned).
guest_text()
{
	tr -d '\r' | sed 's/\[ *[0-9]*\.[0-9]*\] //g' | tr '\n' ' '
}

# guest_release_after_restore NAME: the restored guest's process that
# held a port through its xen_evtchn is killed (domu-vchan's hold). After
# a restore the kernel maps none of the old ports, and its own VIRQs and
# IPIs were bound again, from the lowest free ports up. The in-tree
# driver's release hits BUG_ON(irq < 0), or, where a kernel binding got
# the number, frees that binding's interrupt with the wrong dev_id (the
# control must show one or the other); ours frees its own binding
# (resume_released), leaks no interrupt, nothing goes wrong in its code,
# and the module unloads. (libxenvchan's gntalloc then WARNs in the
# kernel's evtchn_put() of the forgotten port, with either driver.)
guest_release_after_restore()
{
	local name=$1 c=${P}save-restore domid log line
	local bug='kernel BUG at|invalid opcode'

	log=$CONLOG/guest-$name.log
	domid=$(xl domid "$name" 2>/dev/null)
	np_check "$c/guest-held-port" "no 'phase=r holding' on the guest's console" \
		grep -q 'phase=r holding irqs=[1-9]' "$log"
	xenstore-write "/local/domain/$domid/data/np-restored" 1
	if [ "$TARGET" = ours ]; then
		if wait_for 30 grep -q 'phase=r rmmod rc=' "$log"; then
			line=$(grep -a 'phase=r released' "$log" | guest_text)
			np_check "$c/guest-release-after-restore" "guest: $line" \
				grep -q 'phase=r released irqs=0 resume_released=1 backend_error=0 module-oops=0' "$log"
			# Not the module's: gntalloc's evtchn_put() of the
			# forgotten port WARNs (README, Known limits).
			np_info "save-restore: the guest's kernel after the release: ${line#*dmesg-bad=}"
			np_check "$c/guest-module-unloads" \
				"guest: $(grep -a 'phase=r rmmod' "$log" | tr -d '\r')" \
				grep -q 'phase=r rmmod rc=0' "$log"
		else
			np_fail "$c/guest-release-after-restore" \
				"$(grep -av NPDOMU-ALIVE "$log" | tail -n 12 | guest_text)"
		fi
	# The guest's console shows KERN_EMERG only (dmesg -n 1): of a BUG,
	# the oops that follows "kernel BUG at".
	elif wait_for 30 grep -Eq "$bug|phase=r released" "$log" &&
	     grep -Eq "$bug|phase=r released .*dmesg-bad=[1-9]" "$log"; then
		np_ok "$c/intree-guest-release-after-restore-misbehaves" \
			"$(grep -aE "$bug|RIP:|phase=r released" "$log" | head -n 2 | guest_text)"
	else
		np_fail "$c/intree-guest-release-after-restore-misbehaves" \
			"$(grep -av NPDOMU-ALIVE "$log" | tail -n 12 | guest_text)"
	fi
	np_info "diag: xenstore data: $(xenstore-ls -f "/local/domain/$domid/data" 2>&1 | tr '\n' ';')"
}

save_restore()
{
	local name=np-$TARGET-save c=${P}save-restore img=$NP_TMP/np.save n rc hold

	# With the vchan guest's initramfs (plan-clients.sh): the guest's
	# own xen_evtchn (the module under test) holds a port across the
	# save and restore, and releases it afterwards.
	hold=
	if [ -f "${VG_DIR:-}/initrd.cpio" ]; then
		hold=1
		vg_cfg "$NP_TMP/$name.cfg" "$name" \
			"np.vchan=$VG_EVTCHN+r,hold,data/vchan-r"
	else
		sed "s/^name = .*/name = \"$name\"/; s/np.token=[^ \"]*/np.token=$name/" \
			"$NP_TMP/np-$TARGET-1.cfg" > "$NP_TMP/$name.cfg"
	fi
	if ! timeout 120 xl create "$NP_TMP/$name.cfg" > "$NP_TMP/create.out" 2>&1 ||
	   ! wait_for 120 more_alive "$name" 0; then
		np_fail "$c/guest-up" "$(tail -n 3 "$NP_TMP/create.out" | tr '\n' ' ')"
		xl destroy "$name" > /dev/null 2>&1
		return
	fi
	np_ok "$c/guest-up"
	timeout 180 xl save "$name" "$img" > "$NP_TMP/save.out" 2>&1
	rc=$?
	if [ $rc = 0 ] && wait_for 30 domain_gone "$name"; then
		np_ok "$c/xl-save" "$(du -k "$img" | cut -f 1) KiB"
	else
		np_fail "$c/xl-save" "rc=$rc $(tail -n 3 "$NP_TMP/save.out" | tr '\n' ' ')"
		xl destroy "$name" > /dev/null 2>&1
		rm -f "$img"
		return
	fi
	np_check "$c/ports-at-baseline-while-saved" \
		"dom0 bound ports: $base before, $(np_user_ports) now" \
		wait_for 30 ports_at "$base"
	n=$(alive_lines "$name")
	timeout 180 xl restore "$img" > "$NP_TMP/restore.out" 2>&1
	rc=$?
	rm -f "$img"
	if [ $rc = 0 ] && wait_for 60 more_alive "$name" "$n"; then
		np_ok "$c/xl-restore" "console alive again, ports $(np_user_ports)"
		[ -z "$hold" ] || guest_release_after_restore "$name"
	else
		np_fail "$c/xl-restore" "rc=$rc, heartbeats $n -> $(alive_lines "$name"): $(tail -n 3 "$NP_TMP/restore.out" | tr '\n' ' ')"
		np_info "diag: xl list: $(xl list 2>&1 | tr -s ' ' | tr '\n' ';')"
		np_info "diag: dom0 ports $(np_user_ports); $(grep 'evtchn:' /proc/interrupts | tr -s ' ' | tr '\n' ';')"
		domid=$(xl domid "$name" 2>/dev/null)
		np_info "diag: xenstore console: $(xenstore-ls -f "/local/domain/$domid/console" 2>&1 | tr '\n' ';')"
		tr -d '\r' < "$CONLOG/guest-$name.log" 2>/dev/null | tail -n 20 |
			np_info_lines "diag: domU: "
	fi
	timeout 60 xl destroy "$name" > /dev/null 2>&1
	if wait_for 30 domain_gone "$name" && wait_for 30 ports_at "$base"; then
		np_ok "$c/ports-at-baseline" "evtchn=$base"
	else
		np_fail "$c/ports-at-baseline" "evtchn: $base before, $(np_user_ports) after"
	fi
}

# np.save_restore=0 leaves it out (make check's matrix; see matrix.sh).
if [ "${NP_SAVE_RESTORE:-1}" = 1 ]; then
	save_restore
fi

list=$(xl list 2>&1 | awk 'NR > 1 { print $1 }' | tr '\n' ' ')
np_check "${P}xl-list-only-dom0" "xl list: $list" test "$list" = "Domain-0 "

np_info "daemons still running: xenstored=$(pidof oxenstored xenstored) xenconsoled=$(pidof xenconsoled)"
np_dmesg_clean "${P}dmesg-clean"
np_dump_dmesg
