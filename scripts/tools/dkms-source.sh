#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Stage the DKMS payload: what `dkms add` should copy, and nothing else
# (xen-evtchn only: no skb guard, kunit/, tests/, patches/ or scripts/).
#
# usage: scripts/tools/dkms-source.sh <outdir>   -> <outdir>/nopanic-<version>/
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: $0 <outdir>}
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
dest=$out/nopanic-$ver

rm -rf "$dest"
mkdir -p "$dest"
cd "$top"
# Sources only: objects left by an in-place build must not travel.
find Kbuild Makefile dkms.conf drivers/xen \
	\( -name '*.c' -o -name '*.h' -o -name Kbuild -o -name Makefile \
	   -o -name dkms.conf \) ! -name '*.mod.c' -print0 2>/dev/null |
	xargs -0 cp -p --parents -t "$dest"
echo "$dest"
