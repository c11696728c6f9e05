#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# prev-deb.sh - the package of the previous nopanic version, for the
# operator's upgrade in make matrix: built by that version's own
# scripts/tools/deb.sh from the newest commit whose dkms.conf carries a version
# other than the work tree's (there are no release tags yet). Cached in
# $NOPANIC_CACHE/prev-deb/ by commit.
#
# Progress goes to stderr; stdout gets the .deb's path, or nothing (exit
# 1) when the history has no earlier version (a shallow clone, say).

set -eu
. "$(dirname "$0")/../lib/lib.sh"

version_at() {
	git -C "$NP_TOP" show "$1:dkms.conf" 2>/dev/null |
		sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p'
}

cur=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$NP_TOP/dkms.conf")
commit=
for c in $(git -C "$NP_TOP" log --format=%H -- dkms.conf 2>/dev/null); do
	v=$(version_at "$c")
	if [ -n "$v" ] && [ "$v" != "$cur" ]; then
		commit=$c
		break
	fi
done
if [ -z "$commit" ]; then
	echo "prev-deb: no commit with a version other than $cur" >&2
	exit 1
fi
prev=$(version_at "$commit")

dir=$NP_CACHE/prev-deb/$commit
deb=$dir/nopanic-dkms_${prev}_all.deb
if [ ! -f "$deb" ]; then
	echo "prev-deb: building $prev from ${commit:0:12}" >&2
	rm -rf "$dir"
	mkdir -p "$dir/src"
	git -C "$NP_TOP" archive "$commit" | tar -x -C "$dir/src"
	# Its own deb.sh, where that version kept it.
	deb_sh=$dir/src/scripts/tools/deb.sh
	[ -x "$deb_sh" ] || deb_sh=$dir/src/scripts/deb.sh
	built=$(NOPANIC_CACHE=$NP_CACHE "$deb_sh" | tail -n1)
	[ -f "$built" ] || { echo "prev-deb: $prev's deb.sh built nothing" >&2; exit 1; }
	cp "$built" "$deb"
	rm -rf "$dir/src"
fi
echo "$deb"
