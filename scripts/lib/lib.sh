# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared by the scripts: package installs, the cache, the guest kernel,
# and the one-line-per-check result format every test tier prints.

NP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NP_CACHE=${NOPANIC_CACHE:-/var/cache/nopanic}

# apt-get update, at most once per script run.
np_apt_update_once() {
	[ -n "${NP_APT_UPDATED:-}" ] && return 0
	echo "apt-get update" >&2
	apt-get update -qq >&2
	NP_APT_UPDATED=1
}

# np_pkgs ARG...: the packages named, each @GROUP replaced by that
# group's packages in scripts/conf/packages.
np_pkgs() {
	local a g out=

	for a in "$@"; do
		case $a in
		@*)	g=$(sed -n "s/^${a#@}: *//p" "$NP_TOP/scripts/conf/packages")
			[ -n "$g" ] || { echo "no package group $a" >&2; return 1; }
			out="$out $g" ;;
		*)	out="$out $a" ;;
		esac
	done
	# shellcheck disable=SC2086 # split: one word per package
	echo $out
}

# np_need_pkgs ARG...: install the packages (and @groups) that are missing.
np_need_pkgs() {
	local missing=() p pkgs
	pkgs=$(np_pkgs "$@") || return 1
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	np_apt_update_once
	echo "installing: ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2
}

# The guest (and build) kernel: the one linux-headers-amd64 points at,
# unless KVER says otherwise. Asks apt without installing the metapackage.
np_kver() {
	local dep
	if [ -n "${KVER:-}" ]; then
		echo "$KVER"
		return
	fi
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null ||
	      apt-cache depends linux-headers-amd64 2>/dev/null |
	      sed -n 's/^ *Depends: //p')
	if [ -z "$dep" ]; then
		np_apt_update_once
		dep=$(apt-cache depends linux-headers-amd64 |
		      sed -n 's/^ *Depends: //p')
	fi
	echo "$dep" | grep -o 'linux-headers-[0-9][^ ,(]*' | head -n1 |
		sed 's/^linux-headers-//'
}

# Timing: np_now marks a moment, np_since prints the seconds since one
# (one decimal), np_timing prints a "time ..." line.
np_now() {
	echo "$EPOCHREALTIME"
}

np_since() {
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

np_timing() {
	echo "time $*"
}

# np_env CMD...: run CMD (one of scripts/tools/*.sh) and set, as shell
# variables, the NAME=VALUE lines of its stdout; its status. A value is
# taken as it is, never evaluated.
np_env() {
	local out line rc=0

	out=$("$@") || rc=$?
	while IFS= read -r line; do
		[[ $line =~ ^[A-Z_][A-Z0-9_]*= ]] || continue
		# printf -v: the caller's local of that name, if it has one
		printf -v "${line%%=*}" '%s' "${line#*=}"
	done <<< "$out"
	return "$rc"
}

# The tier skeleton. np_tier NAME [DIR] starts a tier: its name for log
# lines, its start time, and WORK, a work directory (DIR, emptied, and
# kept; else a new /tmp/nopanic-NAME.XXXXXX, removed at the end when
# nothing failed) with an empty setup.log. Then:
#   np_log MSG...     a progress line, "NAME: MSG"
#   np_run CMD...     a setup command, its output in $WORK/setup.log
#   np_fatal STEP WHY a setup step failed and nothing after it can run:
#                     one failure, the work directory kept, the summary,
#                     exit 1
#   np_tier_end       the tier's time, the work directory, the summary
np_tier() {
	NP_TIER=$1 NP_TIER_KEEP=${2:-} NP_TIER_T0=$(np_now)
	if [ -n "$NP_TIER_KEEP" ]; then
		WORK=$NP_TIER_KEEP
		rm -rf "$WORK"
		mkdir -p "$WORK"
	else
		WORK=$(mktemp -d "/tmp/nopanic-$1.XXXXXX")
	fi
	: > "$WORK/setup.log"
}

np_log() {
	echo "$NP_TIER: $*"
}

np_run() {
	echo "+ $*" >> "$WORK/setup.log"
	"$@" >> "$WORK/setup.log" 2>&1
}

np_fatal() {
	np_fail "$1: $2"
	np_log "work directory kept: $WORK"
	np_summary
	exit 1
}

np_tier_end() {
	np_timing "$NP_TIER $(np_since "$NP_TIER_T0")s"
	if [ "$NP_FAILED" -eq 0 ] && [ -z "$NP_TIER_KEEP" ]; then
		rm -rf "$WORK"
	else
		np_log "work directory kept: $WORK"
	fi
	np_summary
}

# Results: KTAP (Documentation/dev-tools/ktap.rst), one result line per
# check, the plan line last and, for people, "N passed, N failed" after
# it. scripts/check.sh reads every tier's output with scripts/lib/ktap.py.
# Checks made in a subshell are counted where their lines are printed:
# a caller that reads them re-emits them (np_relay).
NP_PASSED=0
NP_FAILED=0
NP_SKIPPED=0

# np_ktap_header: the version line, where a tier's output starts.
np_ktap_header() {
	echo "KTAP version 1"
}

# A "#" in a name would start KTAP's directive: it is written "-". No
# command is run per result (a dom0 boot reports hundreds): expansions.
np_ok() {
	local line

	NP_PASSED=$((NP_PASSED + 1))
	line="ok $((NP_PASSED + NP_FAILED + NP_SKIPPED)) $*"
	echo "${line//#/-}"
}

# np_fail "NAME: DETAIL" (or NAME alone).
np_fail() {
	local name=${*%%: *} why=

	[ "$name" = "$*" ] || why=${*#*: }
	NP_FAILED=$((NP_FAILED + 1))
	echo "not ok $((NP_PASSED + NP_FAILED + NP_SKIPPED)) ${name//#/-}${why:+ # $why}"
}

# np_skip "NAME: WHY": a check not run, and why.
np_skip() {
	local name=${*%%: *} why=

	[ "$name" = "$*" ] || why=${*#*: }
	NP_SKIPPED=$((NP_SKIPPED + 1))
	echo "ok $((NP_PASSED + NP_FAILED + NP_SKIPPED)) ${name//#/-} # SKIP ${why:-skipped}"
}

# np_check <name> <command...>: ok if the command succeeds.
np_check() {
	local name=$1
	shift
	if "$@"; then np_ok "$name"; else np_fail "$name"; fi
}

# np_relay LINE: a result line printed elsewhere (a subshell, another
# script, scripts/lib/ktap.py's listing), counted and printed here; sets
# NP_R (ok, fail or skip) and NP_RNAME for the caller. Other lines: 1.
np_relay() {
	local line=$1 rest

	case $line in
	"ok "[0-9]*" "*"# SKIP"*)
		rest=${line#ok * }
		NP_R=skip NP_RNAME=${rest%% # SKIP*}
		np_skip "$NP_RNAME: ${rest#* # SKIP }" ;;
	"ok "[0-9]*" "*)
		rest=${line#ok * }
		NP_R=ok NP_RNAME=${rest%% # *}
		np_ok "$rest" ;;
	"not ok "[0-9]*" "*)
		rest=${line#not ok * }
		NP_R=fail NP_RNAME=${rest%% # *}
		if [ "$NP_RNAME" = "$rest" ]; then
			np_fail "$NP_RNAME"
		else
			np_fail "$NP_RNAME: ${rest#* # }"
		fi ;;
	"ok "*)
		NP_R=ok NP_RNAME=${line#ok }
		np_ok "$NP_RNAME" ;;
	"FAIL "*)
		NP_R=fail NP_RNAME=${line#FAIL }
		np_fail "$NP_RNAME"
		NP_RNAME=${NP_RNAME%%: *} ;;
	"skip "*)
		NP_R=skip NP_RNAME=${line#skip }
		np_skip "$NP_RNAME"
		NP_RNAME=${NP_RNAME%%: *} ;;
	*)	return 1 ;;
	esac
}

# np_relay_tier NAME CMD...: another tier's results (CMD's KTAP)
# relayed as this tier's; one failure if CMD ended without its plan line
# (it died).
np_relay_tier() {
	local name=$1

	shift
	np_tab_relay < <("$@" 2>&1) || np_fail "$name: ended without its plan line"
}

# np_tab_relay [ROW COLUMN_FN [HOOK]]: the KTAP on stdin relayed
# (np_relay), each result also counted in the table's ROW, in the column
# COLUMN_FN NAME sets NP_COL to for the result's name (less a leading
# "ROW/"; called in this shell, not in a subshell per line), and passed
# to HOOK ROW ok|fail NAME; other lines passed through, but for the
# version, plan and summary lines. Fails if there was no plan line.
np_tab_relay() {
	local line plan=

	while IFS= read -r line; do
		case $line in
		"1.."[0-9]*)	plan=1 ;;
		"KTAP version"*|*" passed, "*" failed"*) ;;
		*)	if ! np_relay "$line"; then
				echo "$line"
			elif [ -n "${1:-}" ] && [ "$NP_R" != skip ]; then
				"$2" "${NP_RNAME#"$1"/}"
				np_tab_mark "$1" "$NP_COL" "$NP_R"
				[ -z "${3:-}" ] || "$3" "$1" "$NP_R" "$NP_RNAME"
			fi ;;
		esac
	done
	[ -n "$plan" ]
}

np_summary() {
	echo "1..$((NP_PASSED + NP_FAILED + NP_SKIPPED))"
	if [ "$NP_SKIPPED" -gt 0 ]; then
		echo "$NP_PASSED passed, $NP_FAILED failed, $NP_SKIPPED skipped"
	else
		echo "$NP_PASSED passed, $NP_FAILED failed"
	fi
	[ "$NP_FAILED" -eq 0 ]
}

# A results table: checks counted per row (a release) and column, for
# matrix.sh and patches-check.sh. np_tab_mark ROW COL ok|fail
declare -gA NP_TAB=() NP_TAB_NA=()
np_tab_mark() {
	NP_TAB[$1/$2/$3]=$(( ${NP_TAB[$1/$2/$3]:-0} + 1 ))
}

# np_tab_na ROW COL WHY: the column was not run for ROW, and why.
np_tab_na() {
	NP_TAB_NA[$1/$2]=$3
}

# np_tab_check ROW COL NAME CMD...: one check (ROW/NAME), counted in COL.
np_tab_check() {
	local row=$1 col=$2 name=$3

	shift 3
	if "$@"; then
		np_ok "$row/$name"
		np_tab_mark "$row" "$col" ok
	else
		np_fail "$row/$name"
		np_tab_mark "$row" "$col" fail
	fi
}

# np_tab_fail ROW COL NAME DETAIL: a check that failed without a command.
np_tab_fail() {
	np_fail "$1/$3: $4"
	np_tab_mark "$1" "$2" fail
}

# np_tab_cell ROW COL [NA_PREFIX]: the cell's text: "FAIL f/n", "ok n",
# NA_PREFIX and the reason it was not run, or "not run".
np_tab_cell() {
	local ok=${NP_TAB[$1/$2/ok]:-0} fail=${NP_TAB[$1/$2/fail]:-0} \
		why=${NP_TAB_NA[$1/$2]:-}

	if [ "$fail" -gt 0 ]; then
		echo "FAIL $fail/$((ok + fail))"
	elif [ "$ok" -gt 0 ]; then
		echo "ok $ok"
	elif [ -n "$why" ]; then
		echo "${3:-}$why"
	else
		echo "not run"
	fi
}

# What makes a kernel log bad (scripts/conf/bad-log, for every tier and
# the guest plans) as one extended regular expression.
NP_BAD_LOG_FILE=$NP_TOP/scripts/conf/bad-log

np_bad_log() {
	grep -Ev '^(#|$)' "$NP_BAD_LOG_FILE" | paste -sd '|'
}

# Releases (scripts/conf/releases). np_releases prints their names;
# np_release NAME sets REL_NAME, REL_DEBIAN, REL_SUITES, REL_XEN and
# REL_UPGRADE, or fails for a release the table does not have.
NP_RELEASES=$NP_TOP/scripts/conf/releases

np_releases() {
	awk '!/^#/ && NF { print $1 }' "$NP_RELEASES"
}

np_release() {
	local line
	line=$(awk -v r="$1" '!/^#/ && $1 == r' "$NP_RELEASES")
	[ -n "$line" ] || { echo "no release '$1' in $NP_RELEASES" >&2; return 1; }
	# shellcheck disable=SC2086 # the fields are single words
	set -- $line
	REL_NAME=$1 REL_DEBIAN=$2 REL_SUITES=$3 REL_XEN=$4 REL_UPGRADE=$5
}

# np_chroot ROOT CMD...: run CMD inside a release root with /proc and /sys
# mounted for the time it runs (dkms and apt need /proc). Several tiers
# may run in one root at once (KUnit's source query beside e2e's dkms
# build, the background preparation beside the matrix): the mounts stay
# while any of them runs. Each holds a shared lock while its command
# runs; the last one out, under a mutex no new one can pass, unmounts.
np_chroot() {
	local root=$1 rc=0 mx us

	shift
	exec {mx}> "$root/.nopanic-chroot.mutex" {us}> "$root/.nopanic-chroot.users"
	flock -x "$mx"
	flock -s "$us"
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	mountpoint -q "$root/sys" || mount -t sysfs sysfs "$root/sys"
	flock -u "$mx"
	DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" "$@" || rc=$?
	flock -u "$us"
	flock -x "$mx"
	if flock -xn "$us"; then
		umount "$root/sys" "$root/proc" 2>/dev/null || :
	fi
	exec {mx}>&- {us}>&-
	return "$rc"
}

# np_root_kbuild ROOT KVER DIR [MAKE ARGS...]: kbuild of the out-of-tree
# modules in the host directory DIR by ROOT's own make and gcc against
# KVER's headers there (a release root of scripts/tools/release-root.sh),
# in a copy of DIR inside ROOT; DIR gets the results back. The host's
# compiler and headers play no part: the host is not the guest.
np_root_kbuild() {
	local root=$1 kver=$2 dir=$3 in=/tmp/nopanic-kbuild.$$ rc=0
	shift 3
	rm -rf "${root:?}$in" && mkdir -p "$root$in" &&
		cp -a "$dir/." "$root$in/" || return 1
	np_chroot "$root" make -C "/usr/src/linux-headers-$kver" M="$in" "$@" ||
		rc=$?
	cp -a "$root$in/." "$dir/" || rc=1
	rm -rf "${root:?}$in"
	return "$rc"
}

# np_skbguard_src DIR: the skb guard's sources (not the objects an in-tree
# make may have left beside them) in DIR, with a top-level Kbuild that
# reaches its directory alone: xen-evtchn is not needed there, and a
# broken xen-evtchn must not fail an skb guard build.
np_skbguard_src() {
	mkdir -p "$1" &&
	(cd "$NP_TOP" && find include drivers/net/skb_guard -type f \
		\( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) -print0 |
		xargs -0 cp -p --parents -t "$1") &&
	[ -f "$1/drivers/net/skb_guard/Kbuild" ] &&
	echo 'obj-y += drivers/net/skb_guard/' > "$1/Kbuild"
}

# np_skbguard_bench_src DIR: np_skbguard_src, plus the bench module
# (tests/skbguard/skb_guard_bench.c, Kbuild) and the loops it shares with
# the KUnit bench (kunit/skb_guard_bench.h), built beside the guard.
np_skbguard_bench_src() {
	np_skbguard_src "$1" &&
	(cd "$NP_TOP" && cp -p --parents -t "$1" kunit/skb_guard_bench.h \
		tests/skbguard/Kbuild tests/skbguard/skb_guard_bench.c) &&
	echo 'obj-y += tests/skbguard/' >> "$1/Kbuild"
}
