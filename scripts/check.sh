#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make check`: every test tier, one after the other, each printing one
# line per check; then the sum over all of them as the last line:
# "N passed, N failed". A tier that dies before its own summary counts as
# one failure.
set -u
. "$(dirname "$0")/lib.sh"

tiers=${NOPANIC_TIERS:-"check-build kunit e2e e2e-skbguard e2e-toolstack torture matrix patches-check"}
total_pass=0
total_fail=0
total_skip=0
times=
start=$(date +%s)

for tier in $tiers; do
	case $tier in
	check-build)	cmd=("$NP_TOP/scripts/check-build.sh") ;;
	kunit)		cmd=("$NP_TOP/scripts/kunit.sh") ;;
	e2e)		cmd=("$NP_TOP/scripts/e2e.sh" e2e) ;;
	e2e-skbguard)	cmd=("$NP_TOP/scripts/e2e-skbguard.sh") ;;
	# Three guest lifecycles show what ten do (destroy, destroy,
	# shutdown); make e2e-toolstack runs ten.
	e2e-toolstack)	cmd=(env "E2E_CYCLES=${E2E_CYCLES:-3}"
			     "$NP_TOP/scripts/e2e-toolstack.sh") ;;
	torture)	cmd=("$NP_TOP/scripts/torture.sh" --ci) ;;
	matrix)		cmd=("$NP_TOP/scripts/matrix.sh") ;;
	# Every line's series, but the net KUnit suite (a UML kernel build
	# per line) on Debian 12's line only: make patches-check runs it on
	# every line.
	patches-check)	cmd=(env "PATCHES_KUNIT=${PATCHES_KUNIT:-bookworm}"
			     "$NP_TOP/scripts/patches-check.sh") ;;
	*)		echo "unknown tier $tier"; exit 2 ;;
	esac
	echo "=== $tier"
	t0=$(date +%s)
	log=$(mktemp)
	"${cmd[@]}" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	rm -f "$log"
	if [ -z "$sum" ]; then
		echo "FAIL $tier: exited $rc without a summary"
		total_fail=$((total_fail + 1))
		times="$times$(printf '  %-14s %5d s  no summary (exit %d)' "$tier" $(($(date +%s) - t0)) "$rc")
"
		continue
	fi
	p=${sum%% passed*}
	f=${sum#*passed, }
	f=${f%% failed*}
	case $sum in
	*" skipped"*)	sk=${sum##*failed, }
			total_skip=$((total_skip + ${sk%% skipped*})) ;;
	esac
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $tier: exited $rc"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	echo "=== $tier: $sum ($(($(date +%s) - t0)) s)"
	times="$times$(printf '  %-14s %5d s  %s' "$tier" $(($(date +%s) - t0)) "$sum")
"
done

echo "stage times:"
printf '%s' "$times"
echo "make check: $(($(date +%s) - start)) s"
if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
