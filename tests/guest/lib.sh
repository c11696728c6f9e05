# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - helpers shared by the guest test plans (busybox sh, sourced).
#
# Output protocol, read by scripts/e2e.sh from the serial console:
#   NPTEST ok <name>[ <info>]     a check passed
#   NPTEST FAIL <name>: <detail>  a check failed
#   NPINFO <anything>             information only

NP_TMP=${NP_TMP:-/tmp}

# Patterns that must never appear in a clean kernel log.
NP_BAD_LOG='Oops|BUG:|kernel BUG|WARNING:|Call Trace'

np_ok()
{
	echo "NPTEST ok $*"
}

np_fail()
{
	local name=$1

	shift
	echo "NPTEST FAIL $name: $*"
}

# np_check NAME DETAIL CMD...: one check from a command's exit status.
np_check()
{
	local name=$1 detail=$2

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
# distinct names.
np_prefix()
{
	sed -E "s/^NPTEST (ok|FAIL) /NPTEST \\1 $1/"
}

# np_run NAME SECS PREFIX CMD...: run CMD with its checks prefixed, and
# report NAME from its exit status. A CMD still running after SECS seconds
# is reported as a failure and abandoned (it may be stuck in the kernel
# where no signal reaches it), so the plan still gets to its end.
np_run()
{
	local name=$1 secs=$2 prefix=$3 rcf=$NP_TMP/np-run.rc t=0 rc

	shift 3
	rm -f "$rcf"
	np_info "run $*"
	{
		"$@" 2>&1
		echo $? > "$rcf"
	} | np_prefix "$prefix" &
	# Ten polls a second: TCG is slow enough that 1 s steps add up.
	while [ ! -s "$rcf" ] && [ $t -lt $((secs * 10)) ]; do
		sleep 0.1
		t=$((t + 1))
	done
	if [ ! -s "$rcf" ]; then
		np_fail "$name" "still running after ${secs}s"
		return 1
	fi
	wait $!		# let the prefix filter flush
	rc=$(cat "$rcf")
	if [ "$rc" = 0 ]; then
		np_ok "$name"
		return 0
	fi
	np_fail "$name" "exit status $rc"
	return 1
}

# np_dmesg_clean NAME: check the kernel log holds none of NP_BAD_LOG.
np_dmesg_clean()
{
	local hits

	hits=$(dmesg | grep -E "$NP_BAD_LOG" | head -n 3 | tr '\n' '|')
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
