# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# lib.sh - helpers shared by the guest test plans (busybox sh, sourced).
#
# Output protocol, read by scripts/e2e.sh from the serial console:
#   NPTEST ok <name>[ <info>]     a check passed
#   NPTEST FAIL <name>: <detail>  a check failed
#   NPINFO <anything>             information only

NP_TMP=${NP_TMP:-/tmp}

# The distro's in-tree xen-evtchn.ko for the running kernel or, where dkms
# 3.2 moved it aside while ours is installed, the copy the harness puts in
# /lib/nopanic/intree (scripts/matrix.sh).
NP_INTREE=/lib/modules/$(uname -r)/kernel/drivers/xen/xen-evtchn.ko
[ -e "$NP_INTREE" ] || NP_INTREE=/lib/nopanic/intree/xen-evtchn.ko

# Patterns that must never appear in a clean kernel log: the project's
# one list (scripts/conf/bad-log), installed beside the plans.
NP_BAD_LOG=$(grep -Ev '^(#|$)' /plans/bad-log | tr '\n' '|')
NP_BAD_LOG=${NP_BAD_LOG%|}

np_ok()
{
	echo "NPTEST ok $*"
}

np_fail()
{
	local name="$1"

	shift
	echo "NPTEST FAIL $name: $*"
}

# np_check NAME DETAIL CMD...: one check from a command's exit status.
np_check()
{
	local name="$1" detail="$2"

	shift 2
	if "$@"; then
		np_ok "$name"
	else
		np_fail "$name" "$detail"
	fi
}

np_info()
{
	echo "NPINFO $*"
}

# np_prefix PREFIX: filter that puts PREFIX before every check name, so
# the same program run twice (our module, the in-tree one) reports
# distinct names. PREFIX must not contain '#'.
np_prefix()
{
	sed -E "s#^NPTEST (ok|FAIL) #NPTEST \\1 $1#"
}

# np_now: seconds since boot, whole.
np_now()
{
	cut -d . -f 1 /proc/uptime
}

# np_oopses: how many oopses and BUGs the kernel has logged so far.
np_oopses()
{
	dmesg | grep -cE 'Oops|BUG:|kernel BUG'
}

# np_run NAME SECS PREFIX CMD...: run CMD with its checks prefixed, and
# report NAME from its exit status. A CMD still running after SECS seconds,
# or a few seconds after the kernel oopsed, is killed and reported as a
# failure; if it cannot be killed (an oopsed task stuck in the kernel), it
# is abandoned, so the plan still gets to its end.
np_run()
{
	local name="$1" secs="$2" prefix="$3" rcf="$NP_TMP/np-run.rc"
	local pidf="$NP_TMP/np-run.pid" end oopses polls=0 why='' rc t0

	shift 3
	rm -f "$rcf" "$pidf"
	oopses=$(np_oopses)
	t0=$(cut -d ' ' -f 1 /proc/uptime)
	np_info "run $*"
	{
		"$@" 2>&1 &
		echo $! > "$pidf"
		wait $!
		echo $? > "$rcf"
	} | np_prefix "$prefix" &
	end=$(($(np_now) + secs + 1))
	while [ ! -s "$rcf" ]; do
		if [ "$(np_now)" -ge "$end" ]; then
			why=${why:-"still running after ${secs}s"}
			break
		fi
		# Once a second, look for a new oops; give the task 3 s to
		# end after one (it usually cannot: it dies holding locks).
		polls=$((polls + 1))
		if [ -z "$why" ] && [ $((polls % 10)) = 0 ] &&
		   [ "$(np_oopses)" != "$oopses" ]; then
			why="the kernel oopsed while it ran"
			end=$(($(np_now) + 3))
		fi
		sleep 0.1
	done
	if [ ! -s "$rcf" ]; then
		kill -9 "$(cat "$pidf")" 2>/dev/null
		np_fail "$name" "$why"
		return 1
	fi
	wait $!		# let the prefix filter flush
	rc=$(cat "$rcf")
	np_info "ran $1 in $(awk -v t0="$t0" '{ printf "%.1f", $1 - t0 }' /proc/uptime)s"
	if [ "$rc" = 0 ] && [ -z "$why" ]; then
		np_ok "$name"
		return 0
	fi
	np_fail "$name" "exit status $rc${why:+, $why}"
	return 1
}

# np_dmesg_clean NAME: check the kernel log holds none of NP_BAD_LOG.
np_dmesg_clean()
{
	local hits

	# Without timestamps: the host splits lines at them.
	hits=$(dmesg | grep -E "$NP_BAD_LOG" | sed 's/^\[[^]]*\] //' |
	       head -n 3 | tr '\n' '|')
	if [ -z "$hits" ]; then
		np_ok "$1"
	else
		np_fail "$1" "kernel log: $hits"
	fi
}

# np_user_ports: event channels bound through /dev/xen/evtchn right now;
# the driver names their interrupts "evtchn:<comm>".
np_user_ports()
{
	grep -c 'evtchn:' /proc/interrupts
}

# np_dump_dmesg: the whole kernel log, between markers, for the host.
np_dump_dmesg()
{
	np_info "dmesg-begin"
	dmesg
	np_info "dmesg-end"
}
