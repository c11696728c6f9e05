# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-matrix.sh - one release's dom0 in the matrix (np.mode=matrix), run
# by /init: the skb guard's guarded run (tests/skbguard/plan.sh, installed
# here as /plans/skbguard.sh, its modules in /lib/nopanic), its checks
# under skbguard/; the end-to-end plan on the xen-evtchn that the
# release's own dkms installed from the package (plan-e2e.sh, which ends
# on the in-tree module); then, where the initramfs has the release's Xen
# tools, plan-toolstack.sh on our module again, its checks under
# toolstack/ (np.cycles guest lifecycles).

# shellcheck source=tests/guest/lib.sh
. /plans/lib.sh

mountpoint -q /sys/kernel/debug ||
	mount -t debugfs debugfs /sys/kernel/debug ||
	np_fail skbguard-debugfs "cannot mount debugfs"
np_begin skbguard
NP_MODE=guarded sh /plans/skbguard.sh
np_end

sh /plans/plan-e2e.sh

if [ -x /etc/init.d/xen ]; then
	np_check toolstack/rmmod-intree "rmmod xen_evtchn failed" rmmod xen_evtchn
	np_begin toolstack
	NP_TARGET=ours sh /plans/plan-toolstack.sh
	np_end
else
	np_info "no Xen tools in this initramfs: no toolstack run"
fi
