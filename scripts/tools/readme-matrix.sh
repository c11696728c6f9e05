#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# readme-matrix.sh - put the latest `make matrix` table (written by
# scripts/tiers/matrix.sh to $NOPANIC_CACHE/matrix/latest.md) into README,
# between its two marker lines. The table is never typed by hand.
set -eu

. "$(dirname "$0")/../lib/lib.sh"

latest=${1:-$NP_CACHE/matrix/latest.md}
readme=$NP_TOP/README
begin='[matrix: written by `make readme-matrix` from the latest `make matrix`]'
end='[matrix: end]'

[ -f "$latest" ] || { echo "no $latest: run make matrix first" >&2; exit 1; }
grep -Fxq "$begin" "$readme" && grep -Fxq "$end" "$readme" ||
	{ echo "README has no matrix markers" >&2; exit 1; }

awk -v b="$begin" -v e="$end" -v f="$latest" '
	$0 == b	{ print; print ""; while ((getline l < f) > 0) print "    " l; print ""; skip = 1; next }
	$0 == e	{ skip = 0 }
	!skip' "$readme" > "$readme.tmp"
mv "$readme.tmp" "$readme"
echo "README: matrix table from $latest"
