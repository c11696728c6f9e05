# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# dom0.sh - the one boot harness, sourced by the test tiers: an initramfs
# (busybox, the guest plans, the test programs, a module tree), a Xen PV
# dom0 booted under QEMU (TCG) with it, and its results read back as
# checks: the plans' KTAP from the second serial port ($WORK/NAME.ktap,
# through scripts/lib/ktap.py), the kernel's log from the console
# ($WORK/NAME.log).
#
#   dom0_initramfs DIR [PROG...] busybox root with /init, the plans and
#                               the test programs tests/PROG in /bin
#   dom0_modules DIR TREE KVER  TREE's Xen drivers and updates/ into DIR's
#                               /lib/modules/KVER, decompressed (busybox
#                               loads only plain .ko), depmod run on them
#   dom0_iproute2 DIR           the host's iproute2 ip in DIR
#   dom0_toolstack DIR TOOLS K  Xen's tools, their configuration and a
#                               PV guest (kernel K) into DIR
#                               (DOM0_XENSTORED=c: C xenstored)
#   dom0_pack DIR OUT           DIR as a gzipped newc cpio
#   boots NAME ARGS...          boot one after the other (E2E_PARALLEL=1:
#                               at once) with $WORK/initrd.cpio.gz: Xen
#                               and its dom0, or (BOOT_BARE=1) the kernel
#                               alone
#   boot_checks, guest_checks, log_clean NAME   the checks of one boot
#
# Callers set WORK and the GUEST_* variables of scripts/tools/e2e-guest.sh, and
# source scripts/lib/lib.sh first. Environment: E2E_TIMEOUT (one boot's hard
# limit, s), E2E_PARALLEL, V=1 (consoles to stdout as they run), DOM0_PVH=1
# (dom0 as a PVH guest, for a KASAN kernel: see boot_start), BOOT_NIC
# (BOOT_BARE: QEMU's network options, default -nic none).

E2E_TIMEOUT=${E2E_TIMEOUT:-420}
E2E_PARALLEL=${E2E_PARALLEL:-0}
V=${V:-0}

# Kernel log lines that make a boot unclean (scripts/conf/bad-log).
BAD_LOG=$(np_bad_log)
# The in-tree driver's crash, which a negative control must reach.
INTREE_BUG='kernel BUG at drivers/xen/evtchn.c'

# dom0_initramfs DIR [PROG...]: a busybox root, /init, the guest plans and
# the test programs tests/PROG (as /bin/<basename>).
dom0_initramfs()
{
	local ird=$1 applet p

	mkdir -p "$ird"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,plans}
	cp /bin/busybox "$ird/bin/busybox"
	for applet in $(/bin/busybox --list-full); do
		[ -e "$ird/$applet" ] || ln -s /bin/busybox "$ird/$applet"
	done
	# The kernel opens /dev/console before /init runs, devtmpfs or not.
	mknod -m 600 "$ird/dev/console" c 5 1
	install -m 755 "$NP_TOP/tests/guest/init" "$ird/init"
	install -m 644 "$NP_TOP"/tests/guest/*.sh "$ird/plans/"
	install -m 644 "$NP_BAD_LOG_FILE" "$ird/plans/bad-log"
	for p in "${@:2}"; do
		install -m 755 "$NP_TOP/tests/$p" "$ird/bin/${p##*/}" || return
	done
}

# dom0_modules DIR TREE KVER: only what dom0 loads: the Xen drivers
# (xen-evtchn, xen-privcmd, xenfs: none needs a module outside
# drivers/xen) and whatever dkms put under updates/, plus xen-blkfront for
# the clients' PV guest with a disk (plan-clients.sh). Releases that ship
# .ko.xz or .ko.zst get them decompressed, and depmod indexes the result.
dom0_modules()
{
	local ird=$1 tree=$2 kver=$3 dst ko

	dst=$ird/lib/modules/$kver
	mkdir -p "$dst/kernel/drivers"
	cp -a "$tree"/modules.builtin* "$tree/modules.order" "$dst/"
	cp -a "$tree/kernel/drivers/xen" "$dst/kernel/drivers/"
	if [ -d "$tree/kernel/drivers/block" ]; then
		mkdir -p "$dst/kernel/drivers/block"
		find "$tree/kernel/drivers/block" -maxdepth 1 -name 'xen-blkfront.ko*' \
			-exec cp -a {} "$dst/kernel/drivers/block/" \;
	fi
	[ ! -d "$tree/updates" ] || cp -a "$tree/updates" "$dst/"
	while IFS= read -r ko; do
		dom0_ko_plain "$ko"
	done < <(find "$dst" -name '*.ko.xz' -o -name '*.ko.zst')
	depmod -b "$ird" "$kver"
}

# dom0_ko_plain KO: a .ko.xz or .ko.zst decompressed in place (busybox
# insmod loads only plain modules); a plain .ko is left as it is.
dom0_ko_plain()
{
	case $1 in
	*.xz)	xz -df "$1" ;;
	*.zst)	zstd -dqf --rm "$1" ;;
	esac
}

# dom0_iproute2 DIR: the host's iproute2 ip (busybox ip has no -s) as
# /opt/iproute2/ip, run by the host's loader on the host's libraries in
# /opt/iproute2/lib: another release's libraries in /lib (its Xen tools)
# cannot break it.
dom0_iproute2()
{
	local ird=$1 ip2 lib

	ip2=$(command -v ip) && "$ip2" -V 2>&1 | grep -q iproute2 || return 1
	mkdir -p "$ird/opt/iproute2/bin" "$ird/opt/iproute2/lib"
	install -m 755 "$ip2" "$ird/opt/iproute2/bin/ip"
	for lib in $(ldd "$ip2" | grep -o '/[^ ]*'); do
		cp -L "$lib" "$ird/opt/iproute2/lib/"
	done
	cat > "$ird/opt/iproute2/ip" <<-'EOF'
	#!/bin/sh
	exec /opt/iproute2/lib/ld-linux-x86-64.so.2 --library-path /opt/iproute2/lib /opt/iproute2/bin/ip "$@"
	EOF
	chmod 755 "$ird/opt/iproute2/ip"
}

# dom0_toolstack DIR TOOLS KERNEL: Xen's tools (a tree of
# scripts/tools/xen-tools.sh) into DIR, with what an
# operator's dom0 has around them: /etc/default/xen as Debian installs it
# plus guest console logs (the plan reads each guest's marker through
# xenconsoled), the daemons' directories, and a minimal PV guest for
# tests/guest/plan-toolstack.sh: KERNEL (a vmlinux) with a busybox
# initramfs printing a marker (tests/guest/domu-init). A file of TOOLS
# replaces a busybox applet link rather than write through it.
dom0_toolstack()
{
	local ird=$1 tools=$2 kernel=$3 d a

	cp -a --remove-destination "$tools/." "$ird/" || return 1
	mkdir -p "$ird/etc/default" "$ird/run" "$ird/var/lib/xen" \
		"$ird/var/lib/xenstored" "$ird/var/log/xen/console" \
		"$ird/var/lock" "$ird/var/lib/nopanic/domu"
	[ -e "$ird/var/run" ] || ln -s /run "$ird/var/run"
	cp "$tools/usr/share/xen-utils-common/default.xen" \
		"$ird/etc/default/xen" || return 1
	# guest: the guests' markers; hv: Xen's own console, which
	# xenconsoled reads on VIRQ_CON_RING (plan-clients.sh).
	echo 'XENCONSOLED_ARGS="--log=all --log-dir=/var/log/xen/console"' \
		>> "$ird/etc/default/xen"
	# DOM0_XENSTORED=c: C xenstored instead of Debian's default,
	# oxenstored (both come with xen-utils).
	if [ "${DOM0_XENSTORED:-}" = c ]; then
		[ -x "$ird/usr/sbin/xenstored" ] || return 1
		echo 'XENSTORED=/usr/sbin/xenstored' >> "$ird/etc/default/xen"
	fi

	d=$(mktemp -d /tmp/nopanic-domu.XXXXXX)
	mkdir -p "$d"/{bin,sbin,dev,proc,sys}
	cp /bin/busybox "$d/bin/busybox"
	for a in sh mount cat echo sleep dmesg cut tr; do
		ln -s busybox "$d/bin/$a"
	done
	mknod -m 600 "$d/dev/console" c 5 1
	install -m 755 "$NP_TOP/tests/guest/domu-init" "$d/init"
	install -m 755 "$NP_TOP/tests/guest/domu-vchan" "$d/domu-vchan"
	install -m 755 "$NP_TOP/tests/guest/domu-qdisk" "$d/domu-qdisk"
	# The kernel's xenbus shutdown watch runs /sbin/poweroff
	# (orderly_poweroff); busybox's plain poweroff would only signal
	# PID 1, a shell here.
	printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' > "$d/sbin/poweroff"
	chmod 755 "$d/sbin/poweroff"
	dom0_pack "$d" "$ird/var/lib/nopanic/domu/initrd.cpio.gz"
	rm -rf "$d"
	# Uncompressed: no decompression in dom0 for every guest.
	case $kernel in
	*vmlinux) ln "$kernel" "$ird/var/lib/nopanic/domu/kernel" 2>/dev/null ||
			cp "$kernel" "$ird/var/lib/nopanic/domu/kernel" ;;
	*)	echo "dom0_toolstack: $kernel is not a vmlinux" >&2; return 1 ;;
	esac
}

# dom0_pack DIR OUT
dom0_pack()
{
	(cd "$1" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
		gzip -1 > "$2"
}

XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all noreboot"

# Each boot's state, by its name: the timeout process's pid while it
# runs, its arguments, when it started, reached /init (seconds after the
# start) and ended, its exit status, a crash seen, the retries.
declare -gA BOOT_PID=() BOOT_ARGS=() BOOT_T0=() BOOT_TINIT=() BOOT_T=() \
	BOOT_RC=() BOOT_CRASH=() BOOT_RETRIED=() BOOT_HALTED=()

# stop_boots: on our way out, stop the boots still running (their timeout
# process, which passes the signal on to QEMU).
stop_boots()
{
	local pid

	for pid in "${BOOT_PID[@]}"; do
		[ -z "$pid" ] || kill "$pid" 2>/dev/null || :
	done
}
trap stop_boots EXIT
trap 'exit 130' INT TERM

# boot_start NAME ARGS: start one boot in the background: Xen with the
# kernel as its dom0 (ARGS: dom0's command line), or with BOOT_BARE=1 the
# kernel alone (make e2e-skbguard; a panic ends QEMU there). The serial
# console goes to $WORK/NAME.log.
boot_start()
{
	local name=$1 args=$2 ser

	BOOT_ARGS[$name]=$2

	# The console (Xen's com1, or the bare kernel's ttyS0) on stdio;
	# the plans' results on a second serial port of their own.
	ser=(-serial mon:stdio -serial "file:$WORK/$name.ktap")
	if [ "${BOOT_BARE:-0}" = 1 ]; then
		# shellcheck disable=SC2086 # BOOT_NIC: several words
		set -- timeout "$E2E_TIMEOUT" qemu-system-x86_64 -m 1024 -smp 2 \
			-nographic -no-reboot ${BOOT_NIC:--nic none} "${ser[@]}" \
			-kernel "$GUEST_KERNEL" -initrd "$WORK/initrd.cpio.gz" \
			-append "console=ttyS0 panic=-1 oops=panic $args"
	else
		# QEMU's default CPU model: -cpu max crashes a PV dom0 (SMAP).
		# A PVH dom0 needs hardware-assisted paging, and QEMU's software
		# emulation has SVM with nested paging, not VMX; Linux stalls
		# in its ACPI setup there (after "ACPI: Core revision"), so it
		# runs without, and cannot power the machine off: Xen halts
		# ("Hardware Dom0 halted") and boot_wait ends QEMU.
		local cpu=() xargs=$XEN_ARGS
		if [ "${DOM0_PVH:-0}" = 1 ]; then
			cpu=(-cpu "qemu64,+svm,+npt")
			xargs="$xargs dom0=pvh dom0-iommu=none"
			args="acpi=off $args"
		fi
		# In QEMU's multiboot -initrd a literal comma is written ",,".
		args="$GUEST_KERNEL console=hvc0 earlyprintk=xen ${args//,/,,}"
		set -- timeout "$E2E_TIMEOUT" qemu-system-x86_64 -m 2048 -smp 2 \
			"${cpu[@]}" -nographic -no-reboot -nic none "${ser[@]}" \
			-kernel "$GUEST_XEN" -append "$xargs" \
			-initrd "$args,$WORK/initrd.cpio.gz"
	fi
	echo "+ $(printf '%q ' "$@")> $name.log"
	: > "$WORK/$name.log"
	: > "$WORK/$name.ktap"
	"$@" < /dev/null > "$WORK/$name.log" 2>&1 &
	BOOT_PID[$name]=$! BOOT_T0[$name]=$(np_now) BOOT_TINIT[$name]=
	BOOT_CRASH[$name]= BOOT_RETRIED[$name]= BOOT_HALTED[$name]=
	if [ "$V" = 1 ]; then
		tail -f --pid=$! "$WORK/$name.log" | sed -u "s/^/[$name] /" &
	fi
}

# A dead dom0 makes Xen wait forever (noreboot): spot it, stop early.
CRASH_LOG='Kernel panic - not syncing|Panic on CPU|Dom(ain )?0 crashed'

# Two crashes are not the project's and end in a new boot, up to
# BOOT_RETRIES times, each crashed console kept; the crash after that is
# reported as usual:
# - any crash before /init: no module of ours is loaded yet;
# - an int3 trap as the first report, with no frame of our modules: the
#   kernel patching its own text (a static key, an alternative) racing
#   with another vCPU under QEMU's software emulation. Seen on Debian's
#   7.2 PV dom0 in sched_clock_cpu before /init (2 of 9 sid boots on
#   2026-12-06), and after /init on 6.1 and 7.2 in crng_make_state as
#   the CRNG became ready (2 of ~40 CI boots on 2026-12-07). Nothing of
#   ours traps with int3: BUG() is ud2, a WARN with panic_on_warn panics.
BOOT_RETRIES=${BOOT_RETRIES:-3}
OUR_FRAME='\[(xen_evtchn|skb_guard|np_[a-z0-9_]+)\]'

# boot_foreign NAME: the crash in NAME's console is one of the above.
boot_foreign()
{
	local first

	[ -n "${BOOT_TINIT[$1]:-}" ] || return 0
	first=$(tr -d '\r' < "$WORK/$1.log" |
		grep -Eam1 'Oops|BUG:|kernel BUG|general protection|int3: ')
	case $first in *'int3: '*) ;; *) return 1 ;; esac
	! grep -Eaq "$OUR_FRAME" "$WORK/$1.log"
}

# boot_retry NAME: stop a boot whose crash was not ours; start it again.
boot_retry()
{
	local name=$1 pid=${BOOT_PID[$1]} n=${BOOT_RETRIED[$1]:-0}

	kill "$pid" 2>/dev/null || :
	wait "$pid" 2>/dev/null || :
	n=$((n + 1))
	mv "$WORK/$name.log" "$WORK/$name.crash-$n.log"
	mv "$WORK/$name.ktap" "$WORK/$name.crash-$n.ktap"
	echo "# $name: the kernel crashed ${BOOT_TINIT[$name]:+after /init }in" \
		"none of our code; booting it again ($WORK/$name.crash-$n.log:" \
		"$(grep -Eam1 'Oops|BUG:|int3: |Kernel panic' "$WORK/$name.crash-$n.log" |
			tr -d '\r' | cut -c1-100))"
	boot_start "$name" "${BOOT_ARGS[$name]}"
	BOOT_RETRIED[$name]=$n
}

# boot_wait NAME...: wait for the boots to end; note when each reached
# /init and whether a crash ended it.
boot_wait()
{
	local name running pid rc

	while :; do
		running=
		for name in "$@"; do
			pid=${BOOT_PID[$name]:-}
			[ -n "$pid" ] || continue
			if ! kill -0 "$pid" 2>/dev/null; then
				# Callers run with or without errexit: keep theirs.
				rc=0
				wait "$pid" || rc=$?
				[ -z "${BOOT_HALTED[$name]}" ] || rc=0
				BOOT_RC[$name]=$rc
				BOOT_T[$name]=$(np_since "${BOOT_T0[$name]}")
				BOOT_PID[$name]=
				continue
			fi
			running=1
			if [ -z "${BOOT_TINIT[$name]}" ] &&
			   grep -q '# init-reached' "$WORK/$name.ktap"; then
				BOOT_TINIT[$name]=$(np_since "${BOOT_T0[$name]}")
			fi
			# A PVH dom0's poweroff (boot_start).
			if [ "${DOM0_PVH:-0}" = 1 ] &&
			   [ -z "${BOOT_HALTED[$name]}${BOOT_CRASH[$name]}" ] &&
			   grep -aq 'Hardware Dom0 halted' "$WORK/$name.log"; then
				sleep 1
				BOOT_HALTED[$name]=1
				kill "$pid" 2>/dev/null || :
				continue
			fi
			if [ -z "${BOOT_CRASH[$name]}" ] &&
			   grep -Eaiq "$CRASH_LOG" "$WORK/$name.log"; then
				# Let the crash dump reach the log, then stop QEMU.
				sleep 2
				if [ "${BOOT_RETRIED[$name]:-0}" -lt "$BOOT_RETRIES" ] &&
				   boot_foreign "$name"; then
					boot_retry "$name"
					running=1
					continue
				fi
				BOOT_CRASH[$name]=1
				kill "$pid" 2>/dev/null || :
			fi
		done
		[ -n "$running" ] || break
		sleep 0.2
	done
}

# dom0_log NAME: the console without the hypervisor's own lines, carriage
# returns removed, each kernel message on a line of its own.
dom0_log()
{
	tr -d '\r\000' < "$WORK/$1.log" | grep -av '^(XEN)' |
		sed -E 's/(.)(\[ *[0-9]+\.[0-9]+\] )/\1\n\2/g'
}

# guest_info NAME: the diagnostics of the boot's KTAP ("# TEXT", at any
# depth), as TEXT.
guest_info()
{
	tr -d '\r\000' < "$WORK/$1.ktap" 2>/dev/null |
		sed -n 's/^ *# \{0,1\}//p' | grep -v '^Subtest: '
}

# kernel_log NAME: what the kernel said: on the console, and in the dmesg
# the plan dumps at its end (np_dump_dmesg).
kernel_log()
{
	dom0_log "$1"
	guest_info "$1" | sed -n 's/^dmesg: //p'
}

# boot_checks NAME: checks every boot must pass: QEMU ended by the guest's
# poweroff (not the timeout, not a crash), and the plan reached its end.
boot_checks()
{
	local name=$1 rc=${BOOT_RC[$1]:-} crash=${BOOT_CRASH[$1]:-} \
		tinit=${BOOT_TINIT[$1]:-} tboot=${BOOT_T[$1]:-} \
		retried=${BOOT_RETRIED[$1]:-}

	np_timing "boot $name ${tboot}s (QEMU start to /init ${tinit:-never}${tinit:+s}${retried:+; booted again after a crash not ours})"
	# The guest's own clock: its plan from /init to its end.
	guest_info "$name" | awk '
		/^init-reached uptime=/	{ split($2, a, "="); t0 = a[2] }
		/^end uptime=/		{ split($2, a, "="); t1 = a[2] }
		END { if (t0 != "" && t1 != "")
			printf "time plan %s %.1fs (dom0 uptime %.1f to %.1f)\n",
				name, t1 - t0, t0, t1 }' name="$name"
	guest_info "$name" | sed -n 's/^\(stress .*seconds=.*\)/time \1/p'
	guest_info "$name" | sed -n "s/^time /time $name /p"
	if [ -n "$crash" ]; then
		np_fail "$name/qemu-exit: dom0 or Xen crashed (log: $WORK/$name.log)"
	elif [ "$rc" = 124 ]; then
		np_fail "$name/qemu-exit: timed out after ${E2E_TIMEOUT}s (log: $WORK/$name.log)"
	elif [ "$rc" != 0 ]; then
		np_fail "$name/qemu-exit: QEMU exit status $rc (log: $WORK/$name.log)"
	else
		np_ok "$name/qemu-exit"
	fi
	if [ -z "$tinit" ]; then
		np_fail "$name/reached-init: no init-reached in $WORK/$name.ktap"
	else
		np_ok "$name/reached-init"
	fi
	if guest_info "$name" | grep -q '^end uptime='; then
		np_ok "$name/reached-end"
	else
		np_fail "$name/reached-end: the plan did not end ($WORK/$name.ktap)"
	fi
}

# guest_checks NAME [--partial]: the boot's KTAP, through scripts/lib/ktap.py,
# as host checks under NAME/ (--partial: a boot that is meant to crash,
# what it reported counts). A boot cut short has no plan line; then each
# of the top-level tests the last complete boot of the same plan and
# kernel reported (remembered in the cache) and this one did not counts
# as failed.
guest_checks()
{
	local name=$1 line n=0 expect

	guest_plan_memory "$name"

	while IFS= read -r line; do
		case $line in *" passed, "*) continue ;; esac
		np_relay "$line" || np_fail "$name/ktap: '$line'"
		n=$((n + 1))
	done < <(python3 "$NP_TOP/scripts/lib/ktap.py" --name "$name" ${2:+"$2"} \
			"${expect[@]}" "$WORK/$name.ktap")
	[ "$n" -gt 0 ] || np_fail "$name/guest-checks: the guest reported no check"
}

# guest_plan_memory NAME: sets expect (--expect N, from the last complete
# boot of NAME's plan and kernel) and remembers this boot's plan if it
# has one.
guest_plan_memory()
{
	local name=$1 key mem plan

	key=$(echo "${BOOT_ARGS[$name]} ${GUEST_KERNEL:-}" | md5sum | cut -c1-16)
	mem=$NP_CACHE/ktap-plans/$key
	plan=$(tr -d '\r' < "$WORK/$name.ktap" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | tail -n 1)
	expect=()
	if [ -n "$plan" ]; then
		mkdir -p "${mem%/*}" && echo "$plan" > "$mem"
	elif [ -s "$mem" ]; then
		expect=(--expect "$(cat "$mem")")
	fi
}

# log_clean NAME: no oops, BUG or warning anywhere in dom0's output (live
# console and the dmesg the plan dumps at its end).
log_clean()
{
	local name=$1 hits

	hits=$(kernel_log "$name" | grep -E "$BAD_LOG" | head -n 3 | tr '\n' '|')
	if [ -z "$hits" ]; then
		np_ok "$name/kernel-log-clean"
	else
		np_fail "$name/kernel-log-clean: $hits"
	fi
}

# log_expect NAME CHECK ERE: the check NAME/CHECK passes when the kernel
# log of boot NAME matches ERE (its first match quoted): what a control
# boot must show.
log_expect()
{
	local name=$1 check=$2 re=$3 hit

	hit=$(kernel_log "$name" | grep -Eo "$re" | head -n 1)
	if [ -n "$hit" ]; then
		np_ok "$name/$check $hit"
	else
		np_fail "$name/$check: no '$re' in $WORK/$name.log"
	fi
}

# expect_intree_bug NAME: the negative control's one check.
expect_intree_bug()
{
	local name=$1

	if kernel_log "$name" | grep -q "$INTREE_BUG"; then
		np_ok "$name/intree-abuse-hits-kernel-BUG"
	else
		np_fail "$name/intree-abuse-hits-kernel-BUG: no '$INTREE_BUG' in $WORK/$name.log"
	fi
}

# boots NAME ARGS NAME ARGS...: run boots one after the other, or all at
# once when E2E_PARALLEL is 1.
boots()
{
	local names=

	while [ $# -gt 0 ]; do
		boot_start "$1" "$2"
		names="$names $1"
		# shellcheck disable=SC2086
		[ "$E2E_PARALLEL" = 1 ] || boot_wait $1
		shift 2
	done
	# shellcheck disable=SC2086
	boot_wait $names
}

