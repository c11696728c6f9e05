#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# debian-form.sh - a line's series (xen, net) as Debian's kernel team carries
# patches: debian/patches/bugfix/all/<name>.patch, each with DEP-3 headers
# (Origin, Forwarded) after the From:, Date: and Subject: of git
# format-patch, and the lines to append to debian/patches/series.
#
# Usage: scripts/tools/debian-form.sh <line> <outdir>
#
# Writes <outdir>/bugfix/all/*.patch and <outdir>/series (QUILT_PATCHES=
# <outdir> applies them to the linux-source-<line> tree, which is the
# Debian source package with its own series applied already: ours go at
# the end of it). There is no Bug: header: no bug report exists yet, and
# whoever forwards the series adds Forwarded: and Bug: with the list's
# and the tracker's addresses.

set -eu

line=${1:?usage: $0 <line> <outdir>}
out=${2:?usage: $0 <line> <outdir>}
top=$(cd "$(dirname "$0")/../.." && pwd)
pdir=$top/patches/$line

[ -f "$pdir/series" ] || { echo "debian-form: no $pdir/series" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/bugfix/all"
: > "$out/series"
for p in $(sed -n 's/^\(\(xen\|net\)\/[^ #]*\.patch\).*/\1/p' "$pdir/series"); do
	# 0001-xen-evtchn-keep-....patch -> xen-evtchn-keep-....patch,
	# 0001-vmxnet3-drop-....patch -> vmxnet3-drop-....patch
	name=$(basename "$p" | sed 's/^[0-9]*-//')
	# The mbox header: From:, Date:, Subject: (folded lines included),
	# then DEP-3's own fields, then the message and the diff as they are.
	awk -v origin="other, nopanic patches/$line/$p" '
		NR == 1 && /^From [0-9a-f]+ / { next }
		!done && /^Subject: \[PATCH[^]]*\] / { sub(/\[PATCH[^]]*\] /, "") }
		!done && /^$/ {
			print "Origin: " origin
			print "Forwarded: no"
			done = 1
		}
		{ print }
	' "$pdir/$p" > "$out/bugfix/all/$name"
	echo "bugfix/all/$name" >> "$out/series"
done
