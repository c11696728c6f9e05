# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-control.sh - the in-tree control of the matrix's toolstack column
# (np.mode=control), run by /init: plan-toolstack.sh (the daemons, xl,
# xenstore, Xen's other clients in plan-clients.sh, guest lifecycles,
# save and restore) on the distro's in-tree module, its checks under
# control/, to compare with toolstack/ (ours) in the same release.

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

np_begin control
NP_TARGET=intree sh /plans/plan-toolstack.sh
np_end
