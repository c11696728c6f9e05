# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# lib.sh - helpers shared by the guest test plans (busybox sh, sourced).
#
# Results are KTAP version 1 (Documentation/dev-tools/ktap.rst), written
# to the result channel $NP_OUT, not to the console: /init points it at
# dom0's second serial port, which QEMU writes to NAME.ktap on the host,
# where scripts/lib/ktap.py reads it. The kernel keeps the console (hvc0) for
# its log. /init prints the version line, and the plan line at the end
# unless the plan declared one up front (np_plan): a boot that dies
# before its end then counts the steps it never ran as failed.
#
#   np_ok NAME [INFO]         ok N NAME # INFO
#   np_fail NAME DETAIL...    not ok N NAME # DETAIL
#   np_skip NAME WHY          ok N NAME # SKIP WHY
#   np_info TEXT              # TEXT (a diagnostic line)
#   np_begin NAME / np_end    a subtest: the checks between are its own
#   np_plan N                 the current (sub)test has N tests
#
# A NAME that starts with the path of the open subtests ("ours/" inside
# np_begin ours) is written relative to it, so that the host's path of a
# check (subtests joined by "/") is the name the plan gave it. The state
# (depth, counters) lives in files: checks made in subshells and pipes
# are numbered and counted like the others.

NP_TMP=${NP_TMP:-/tmp}
NP_OUT=${NP_OUT:-/dev/console}
NP_K=${NP_K:-$NP_TMP/ktap}
NP_CR=$(printf '\r')

# The distro's in-tree xen-evtchn.ko for the running kernel or, where dkms
# 3.2 moved it aside while ours is installed, the copy the harness puts in
# /lib/nopanic/intree (scripts/tiers/matrix.sh).
NP_INTREE=/lib/modules/$(uname -r)/kernel/drivers/xen/xen-evtchn.ko
[ -e "$NP_INTREE" ] || NP_INTREE=/lib/nopanic/intree/xen-evtchn.ko

# Patterns that must never appear in a clean kernel log: the project's
# one list (scripts/conf/bad-log), installed beside the plans.
NP_BAD_LOG=$(grep -Ev '^(#|$)' /plans/bad-log | tr '\n' '|')
NP_BAD_LOG=${NP_BAD_LOG%|}

# np_channel: the result channel, in NP_OUT: the second serial port if
# the machine has one (the host gives QEMU a second -serial), else the
# console. /init holds the port open (fd 9) for the whole boot: its
# interrupt, bound once to an event channel before any test runs, stays
# bound; a port opened and closed for every line would take and give back
# an event channel each time, under the tests that count them.
np_channel()
{
	NP_OUT=/dev/console
	# ttyS1's UART type (0: no such port); 7.x has no
	# /proc/tty/driver/serial.
	if [ "$(cat /sys/class/tty/ttyS1/type 2>/dev/null || echo 0)" -gt 0 ]; then
		exec 9>> /dev/ttyS1
		stty -F /dev/ttyS1 raw -echo 2>/dev/null
		NP_OUT=/dev/ttyS1
	fi
}

# np_ktap_start: a new KTAP document on $NP_OUT (run once, by /init).
np_ktap_start()
{
	rm -rf "$NP_K"
	mkdir -p "$NP_K"
	echo 0 > "$NP_K/depth"
	echo 0 > "$NP_K/n.0"
	: > "$NP_K/path.0"
	echo "KTAP version 1" >> "$NP_OUT"
}

# np_ktap_finish: close what is open; the plan line if none was given.
np_ktap_finish()
{
	local d n

	read -r d < "$NP_K/depth"
	while [ "$d" -gt 0 ]; do
		np_end
		d=$((d - 1))
	done
	read -r n < "$NP_K/n.0"
	[ -e "$NP_K/plan.0" ] || echo "1..$n" >> "$NP_OUT"
	# The UART still holds what it was given; poweroff -f would drop it
	# (a long dmesg dump lost its tail). stty sets the line with
	# TCSADRAIN: it returns once all of it is out.
	[ "$NP_OUT" != /dev/ttyS1 ] || stty -F /dev/ttyS1 raw -echo 2>/dev/null
}

# np_ind: the indentation of the current depth, in NP_IND.
np_ind()
{
	local d

	read -r NP_D < "$NP_K/depth"
	d=$NP_D
	NP_IND=
	while [ "$d" -gt 0 ]; do
		NP_IND="$NP_IND    "
		d=$((d - 1))
	done
}

# np_put LINE: LINE to the channel, its CRs (a console's) dropped; tr
# runs only for a line that has one.
np_put()
{
	case $1 in
	*"$NP_CR"*)	echo "$1" | tr -d '\r' >> "$NP_OUT" ;;
	*)		echo "$1" >> "$NP_OUT" ;;
	esac
}

# np_rel NAME: NAME relative to the innermost open subtest whose path it
# starts with, in NP_REL ('#' would start a KTAP directive: '-').
np_rel()
{
	local d=$NP_D p

	# A plan reports hundreds of results: no command runs for a
	# name without '#'.
	case $1 in
	*'#'*)	NP_REL=$(echo "$1" | tr '#' '-') ;;
	*)	NP_REL=$1 ;;
	esac
	while [ "$d" -gt 0 ]; do
		read -r p < "$NP_K/path.$d"
		case $NP_REL in
		"$p"/?*)	NP_REL=${NP_REL#"$p"/}; return ;;
		esac
		d=$((d - 1))
	done
}

# np_result ok|"not ok" NAME [DIRECTIVE]: one numbered result line.
np_result()
{
	local n

	np_ind
	np_rel "$2"
	read -r n < "$NP_K/n.$NP_D"
	n=$((n + 1))
	echo "$n" > "$NP_K/n.$NP_D"
	[ "$1" = ok ] || echo 1 > "$NP_K/fail.$NP_D"
	np_put "$NP_IND$1 $n $NP_REL${3:+ # $3}"
}

np_ok()
{
	local name="$1"

	shift
	np_result ok "$name" "$*"
}

np_fail()
{
	local name="$1"

	shift
	np_result "not ok" "$name" "$(printf '%s' "$*" | tr '\n' ' ')"
}

np_skip()
{
	np_result ok "$1" "SKIP $2"
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
	np_ind
	np_put "$NP_IND# $*"
}

# np_info_lines PREFIX: each line of stdin as a diagnostic after PREFIX.
np_info_lines()
{
	np_ind
	tr -d '\r' | awk -v p="$NP_IND# $1" '{ print p $0 }' >> "$NP_OUT"
}

# np_begin NAME: open a subtest, named relative to the open ones.
np_begin()
{
	local p

	np_ind
	np_rel "$1"
	read -r p < "$NP_K/path.$NP_D"
	echo "$NP_IND    KTAP version 1" >> "$NP_OUT"
	echo "$NP_IND    # Subtest: $NP_REL" >> "$NP_OUT"
	NP_D=$((NP_D + 1))
	echo "$NP_D" > "$NP_K/depth"
	echo 0 > "$NP_K/n.$NP_D"
	rm -f "$NP_K/fail.$NP_D" "$NP_K/plan.$NP_D"
	echo "${p:+$p/}$NP_REL" > "$NP_K/path.$NP_D"
}

# np_end: close the innermost subtest: its plan line (unless np_plan
# gave one) and its result, not ok if any of its tests failed.
np_end()
{
	local n p name res=ok

	np_ind
	[ "$NP_D" -gt 0 ] || return 0
	read -r n < "$NP_K/n.$NP_D"
	[ -e "$NP_K/plan.$NP_D" ] || echo "${NP_IND}1..$n" >> "$NP_OUT"
	[ -e "$NP_K/fail.$NP_D" ] && res="not ok"
	read -r p < "$NP_K/path.$NP_D"
	name=${p##*/}
	echo $((NP_D - 1)) > "$NP_K/depth"
	np_result "$res" "$name"
}

# np_plan N: the current (sub)test will report N tests.
np_plan()
{
	np_ind
	: > "$NP_K/plan.$NP_D"
	echo "${NP_IND}1..$1" >> "$NP_OUT"
}

# np_hold FILE: from here on, results and diagnostics go to FILE, held
# back; np_release writes them to the channel as they are, np_drop turns
# them into diagnostics after PREFIX and takes their numbers back.
np_hold()
{
	rm -rf "$NP_K.held"
	cp -a "$NP_K" "$NP_K.held"
	NP_HELD_OUT=$NP_OUT
	NP_OUT=$1
	: > "$NP_OUT"
}

np_release()
{
	cat "$NP_OUT" >> "$NP_HELD_OUT"
	NP_OUT=$NP_HELD_OUT
	rm -rf "$NP_K.held"
}

np_drop()
{
	local held=$NP_OUT

	NP_OUT=$NP_HELD_OUT
	rm -rf "$NP_K"
	mv "$NP_K.held" "$NP_K"
	sed 's/^ *//' "$held" | np_info_lines "$1"
}

# np_ktap_indent: a program's KTAP (stdin) as a subtest's lines: indented
# one level deeper than the current depth. Anything else it prints (an
# error message) goes along as it is: KTAP readers skip such lines.
np_ktap_indent()
{
	local line

	np_ind
	while IFS= read -r line; do
		echo "$NP_IND    $line" >> "$NP_OUT"
	done
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

# np_subtest_file NAME FILE RC: a program's KTAP output, saved in FILE,
# as the subtest NAME; ok if the program exited RC 0.
np_subtest_file()
{
	np_ktap_indent < "$2"
	if [ "$3" = 0 ]; then
		np_result ok "$1"
	else
		np_result "not ok" "$1" "exit status $3"
	fi
}

# np_run NAME SECS SUBTEST CMD...: run CMD, whose own KTAP (the test
# programs print it) becomes the subtest SUBTEST, and report NAME from its
# exit status. A CMD still running after SECS seconds, or a few seconds
# after the kernel oopsed, is killed and reported as a failure; if it
# cannot be killed (an oopsed task stuck in the kernel), it is abandoned,
# so the plan still gets to its end.
np_run()
{
	local name="$1" secs="$2" sub="${3%/}" rcf="$NP_TMP/np-run.rc"
	local pidf="$NP_TMP/np-run.pid" end oopses polls=0 why='' rc t0

	shift 3
	[ -n "$sub" ] || sub=${1##*/}
	rm -f "$rcf" "$pidf"
	oopses=$(np_oopses)
	t0=$(cut -d ' ' -f 1 /proc/uptime)
	np_info "run $*"
	{
		"$@" 2>&1 &
		echo $! > "$pidf"
		wait $!
		echo $? > "$rcf"
	} | np_ktap_indent &
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
		np_result "not ok" "$sub" "$why"
		np_fail "$name" "$why"
		return 1
	fi
	wait $!		# let the indenting filter flush
	rc=$(cat "$rcf")
	np_info "ran $1 in $(awk -v t0="$t0" '{ printf "%.1f", $1 - t0 }' /proc/uptime)s"
	if [ "$rc" = 0 ] && [ -z "$why" ]; then
		np_result ok "$sub"
		np_ok "$name"
		return 0
	fi
	np_result "not ok" "$sub" "exit status $rc${why:+, $why}"
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

# np_dump_dmesg: the whole kernel log, as diagnostics, for the host.
np_dump_dmesg()
{
	np_info "dmesg-begin"
	dmesg | np_info_lines "dmesg: "
	np_info "dmesg-end"
}
