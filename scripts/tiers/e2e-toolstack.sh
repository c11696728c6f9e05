#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e-toolstack.sh - Xen's own toolstack on our xen-evtchn: Debian 12's
# xen-utils-4.17 (oxenstored, xenconsoled, xl, xenstore-*) in the QEMU
# dom0 of scripts/tiers/e2e.sh, creating and destroying PV guests.
#
# Usage: scripts/tiers/e2e-toolstack.sh
#
# The tools come from scripts/tools/xen-tools.sh bookworm (installed by
# bookworm's apt in its release root, the tree cached); scripts/lib/dom0.sh
# (dom0_toolstack) adds their configuration and a tiny PV guest. Then
# `scripts/tiers/e2e.sh toolstack`: two dom0 boots, the in-tree module first
# (control), then ours as dkms installed it, each running
# tests/guest/plan-toolstack.sh: /etc/init.d/xen start, xl info, xenstore
# round trips, E2E_CYCLES guest lifecycles (xl create, console marker
# through xenconsoled, xl destroy or xl shutdown), bound event channels
# back at baseline after each, clean kernel log at the end.
#
# Last line `N passed, N failed`; exit 0 iff nothing failed.
#
# Environment (and those of scripts/tiers/e2e.sh):
#   E2E_CYCLES        guest lifecycles per boot (default 10)

set -eu
export LC_ALL=C

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
E2E_CYCLES=${E2E_CYCLES:-10}

die()
{
	echo "e2e-toolstack: error: $*" >&2
	echo "not ok 1 toolstack-setup # $*"
	echo "1..1"
	echo "0 passed, 1 failed"
	exit 1
}

t_all=$EPOCHREALTIME
np_env "$SRCDIR/scripts/tools/xen-tools.sh" bookworm ||
	die "scripts/tools/xen-tools.sh bookworm failed"
echo "time toolstack-setup $(awk -v a="$t_all" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"
echo "e2e-toolstack: xen-utils $TOOLS_VERSION, $E2E_CYCLES cycles per boot" >&2
E2E_TOOLS=$TOOLS_ROOT E2E_PLAN_ARGS="np.cycles=$E2E_CYCLES" \
	exec "$SRCDIR/scripts/tiers/e2e.sh" toolstack
