#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make check`: every test tier, one after the other, but KUnit, which
# runs beside the guests' tiers (below). Each prints KTAP
# (one result line per check, its plan line last); scripts/lib/ktap.py reads
# each tier's output for its counts and all of them for the sum, the last
# line: "N passed, N failed[, N skipped]". A tier that dies before its
# plan line counts as failed each check its last complete run reported
# and it did not (the count is remembered in the cache), or one failure
# without that memory; one that exits non-zero without a failed check,
# one failure.
set -u
. "$(dirname "$0")/lib/lib.sh"
# Every package group the tiers use, installed once here (ktap.py reads
# every tier's results): no apt-get runs beside the background work below.
np_need_pkgs @python @cc @build @kbuild @patches @boot @net @roots @deb

# Xen's toolstack on Debian 12 runs in the matrix (Debian 12's dom0, ours
# and the in-tree control), not in a tier of its own: make e2e-toolstack
# is the same on the host's kernel with ten guest lifecycles.
tiers=${NOPANIC_TIERS:-"check-build kunit e2e e2e-skbguard torture matrix patches-check"}
times=
start=$(date +%s)
logs=$(mktemp -d /tmp/nopanic-check.XXXXXX)
prep=
trap '[ -z "$prep" ] || pkill -P "$prep"; [ -z "$bg" ] || pkill -P "$bg"
	rm -rf "$logs"' EXIT

# What the matrix and patches-check need and no earlier tier does -- the
# other releases' roots, guests and kernel sources (Debian 12's are made
# by the kunit and e2e tiers) -- is made in the background at a low CPU
# and I/O priority (nice 10), in the time the guests under QEMU leave
# idle. A tier that needs one first waits for it (the tools lock what
# they make), so it comes before KUnit's build (nice 19), which nothing
# waits for. patches-check starts when all are done. No QEMU runs in it.
# It starts after check-build, the last tier that installs host packages.
prepare()
{
	local rel t0=$SECONDS

	for rel in $(np_releases); do
		[ "$rel" = bookworm ] || "$NP_TOP/scripts/tools/e2e-guest.sh" "$rel"
	done
	for rel in $(np_releases); do
		[ "$rel" = bookworm ] ||
			"$NP_TOP/scripts/tools/kernel-tree.sh" --no-reset "$rel"
	done
	echo "prepared in $((SECONDS - t0)) s"
}
prepare_start()
{
	case " $tiers " in
	*" matrix "*|*" patches-check "*)
		(trap - EXIT; renice -n 10 -p "$BASHPID" > /dev/null
		 ionice -c 2 -n 7 -p "$BASHPID"; prepare) > "$logs/prepare.log" 2>&1 &
		prep=$!
		;;
	esac
}
[ "${tiers%% *}" = check-build ] || prepare_start

# tier_cmd TIER: the command that runs TIER, in cmd.
tier_cmd()
{
	case $1 in
	check-build)	cmd=("$NP_TOP/scripts/tiers/check-build.sh") ;;
	# In the background at the lowest priority (below), its UML kernel
	# may wait for the CPU: 900 s for the run rather than 300.
	kunit)		cmd=(env "KUNIT_TIMEOUT=${KUNIT_TIMEOUT:-900}"
			     "$NP_TOP/scripts/tiers/kunit.sh") ;;
	e2e)		cmd=("$NP_TOP/scripts/tiers/e2e.sh" e2e) ;;
	e2e-skbguard)	cmd=("$NP_TOP/scripts/tiers/e2e-skbguard.sh") ;;
	# Two guest lifecycles show each thing ten do once (a guest
	# destroyed, one shut down, the ports back after each); make
	# e2e-toolstack runs ten, make matrix three.
	e2e-toolstack)	cmd=(env "E2E_CYCLES=${E2E_CYCLES:-2}"
			     "$NP_TOP/scripts/tiers/e2e-toolstack.sh") ;;
	torture)	cmd=("$NP_TOP/scripts/tiers/torture.sh" --ci) ;;
	matrix)		cmd=(env "MATRIX_CONTROL=${MATRIX_CONTROL-bookworm trixie sid}"
			     "MATRIX_CYCLES=${MATRIX_CYCLES:-2}"
			     "MATRIX_SAVE_RESTORE=${MATRIX_SAVE_RESTORE-bookworm}"
			     "$NP_TOP/scripts/tiers/matrix.sh") ;;
	# Every line's series, but the vmxnet3 proof (two boots of its own)
	# on Debian 12's line only; make patches-check runs every line. The
	# same for the line kernels (the events-core patch built in): Debian
	# 12's boot if they are cached.
	patches-check)	cmd=(env "PATCHES_VMXNET3=${PATCHES_VMXNET3:-bookworm}"
			     "PATCHES_KERNEL_ON=${PATCHES_KERNEL_ON:-bookworm}"
			     "$NP_TOP/scripts/tiers/patches-check.sh") ;;
	*)		echo "unknown tier $1"; return 1 ;;
	esac
}

# tier_sum TIER RC SECONDS: TIER's counts from its KTAP ($logs/TIER.ktap)
# and its exit status, printed and added to the stage times.
tier_sum()
{
	local tier=$1 rc=$2 secs=$3 mem plan sum expect=()

	mem=$NP_CACHE/ktap-plans/tier-$tier
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$logs/$tier.ktap" | tail -n 1)
	if [ -n "$plan" ]; then
		mkdir -p "${mem%/*}" && echo "$plan" > "$mem"
	elif [ -s "$mem" ]; then
		expect=(--expect "$(cat "$mem")")
		cp "$mem" "$logs/$tier.expect"
	fi
	sum=$(python3 "$NP_TOP/scripts/lib/ktap.py" --quiet --name "$tier" \
		"${expect[@]}" "$logs/$tier.ktap" | tail -n 1)
	if [ "$rc" -ne 0 ] && [ "${sum#*passed, 0 failed}" != "$sum" ]; then
		printf 'not ok 1 %s # exited %d\n1..1\n' "$tier" "$rc" \
			> "$logs/$tier-exit.ktap"
		sum="$sum; exited $rc: 1 failure more"
	fi
	echo "=== $tier: $sum ($secs s)"
	times="$times$(printf '  %-14s %5d s  %s' "$tier" "$secs" "$sum")
"
}

# KUnit runs no QEMU: it is started in the background at the lowest CPU
# and I/O priority (the guests and the preparation above come first: a
# tier waits for what the preparation makes, none for KUnit) and its
# results are printed at the end. The guests leave a core idle: a cold
# make check sampled /proc/stat 40-48 % idle through the matrix and
# patches-check, while the UML kernel's build ran alone before them.
# The skb guard benchmark's figures it prints are taken beside the guests
# then; make kunit alone gives quiet ones.
bg='' bg_tier=''
bg_join()
{
	local rc secs

	[ -n "$bg" ] || return 0
	wait "$bg"
	read -r rc secs < "$logs/$bg_tier.rc" || { rc=1 secs=0; }
	echo "=== $bg_tier"
	cat "$logs/$bg_tier.ktap"
	tier_sum "$bg_tier" "$rc" "$secs"
	bg='' bg_tier=''
}

for tier in $tiers; do
	tier_cmd "$tier" || exit 2
	if [ "$tier" = kunit ] && [ "${tiers##* }" != kunit ]; then
		echo "=== kunit: started in the background"
		(trap - EXIT; renice -n 19 -p "$BASHPID" > /dev/null
		 ionice -c 3 -p "$BASHPID"; t0=$(date +%s)
		 "${cmd[@]}" > "$logs/kunit.ktap" 2>&1
		 echo "$? $(($(date +%s) - t0))" > "$logs/kunit.rc") &
		bg=$! bg_tier=kunit
		continue
	fi
	if [ "$tier" = patches-check ] && [ -n "$prep" ]; then
		wait "$prep" || echo "background preparation failed (the tiers make what they need)"
		tail -n 1 "$logs/prepare.log"
		prep=
	fi
	echo "=== $tier"
	t0=$(date +%s)
	"${cmd[@]}" 2>&1 | tee "$logs/$tier.ktap"
	tier_sum "$tier" "${PIPESTATUS[0]}" $(($(date +%s) - t0))
	[ "$tier" != check-build ] || prepare_start
done
bg_join

echo "stage times:"
printf '%s' "$times"
echo "make check: $(($(date +%s) - start)) s"
# Every tier's failures again, then the sum.
sums=()
for f in "$logs"/*.ktap; do
	t=${f##*/}
	t=${t%.ktap}
	expect=()
	[ ! -s "$logs/$t.expect" ] || expect=(--expect "$(cat "$logs/$t.expect")")
	python3 "$NP_TOP/scripts/lib/ktap.py" --quiet --name "$t" "${expect[@]}" "$f" \
		> "$logs/$t.sum"
	grep -v ' passed, ' "$logs/$t.sum"
	sums+=("$(tail -n 1 "$logs/$t.sum")")
done
printf '%s\n' "${sums[@]}" | awk '
	{ p += $1; f += $3; if ($5 != "") s += $5 }
	END {
		printf "%d passed, %d failed", p, f
		if (s) printf ", %d skipped", s
		printf "\n"
		exit f > 0
	}'
