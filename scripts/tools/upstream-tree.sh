#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# upstream-tree.sh - the pristine upstream stable release of a Debian
# kernel line, as Debian's archive serves it: the orig tarball of the
# newest linux source package of that line in the release's suites whose
# tarball the archive still holds (the linux-source-<line> binary package
# is Debian's patched tree; the orig tarball is kernel.org's release as
# it was tagged). make patches-check applies each series to it.
#
# Usage: scripts/tools/upstream-tree.sh <release> <line> DIR...
#
# DIR...: the directories of the tree to extract (those the series
# touches). The tarball is checked against the Sources index's SHA-256
# and kept in $NOPANIC_CACHE/upstream/; the directories are extracted
# into $NOPANIC_CACHE/upstream/<version>/ anew on every call.
#
# stdout: NAME=VALUE lines for np_env:
#   UPSTREAM_VERSION=...  the upstream release (6.1.176)
#   UPSTREAM_TREE=...     the directory holding DIR...
# Exit 3: the archive holds no orig tarball of the line (it drops old
# ones, and the newest are not always there yet).

set -eu
export LC_ALL=C

# shellcheck source=scripts/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

release=${1:?usage: $0 <release> <line> DIR...}
line=${2:?usage: $0 <release> <line> DIR...}
shift 2
np_release "$release"
MIRROR=${NP_MIRROR:-http://deb.debian.org/debian}
SECURITY=${NP_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE=$NP_CACHE/upstream

log() {
	echo "upstream-tree($release): $*" >&2
}

np_need_pkgs curl xz-utils >&2
mkdir -p "$CACHE"

# candidates: "VERSION BASE/DIRECTORY/FILE SHA256" of each orig tarball of
# the line in the release's Sources indices, newest first.
candidates() {
	local suite base

	for suite in ${REL_SUITES//,/ }; do
		case $suite in
		*-security)	base=$SECURITY ;;
		*)		base=$MIRROR ;;
		esac
		curl -fsS --max-time 120 "$base/dists/$suite/main/source/Sources.xz" |
			xz -dc | awk -v base="$base" '
			/^Package: /		{ pkg = $2 }
			/^Version: /		{ ver = $2 }
			/^Directory: /		{ dir = $2 }
			/^Checksums-Sha256:/	{ sums = 1; next }
			/^[^ ]/			{ sums = 0 }
			sums && $3 ~ /\.orig\.tar\.xz$/	{ orig = $3; sha = $1 }
			/^$/ {
				if (pkg == "linux" && orig != "")
					print ver, base "/" dir "/" orig, sha
				pkg = ver = dir = orig = sha = ""
			}' || log "no Sources index for $suite"
	done | awk -v l="$line" 'index($1, l ".") == 1' |
		sort -u -k1,1 | sort -rV -k1,1
}

found=
while read -r ver url sha; do
	up=${ver%-*}
	tarball=$CACHE/${url##*/}
	if [ ! -f "$tarball" ]; then
		curl -fsS --max-time 600 -o "$tarball.part" "$url" 2>/dev/null || {
			rm -f "$tarball.part"
			log "$ver: $url not in the archive"
			continue
		}
		mv "$tarball.part" "$tarball"
	fi
	if ! echo "$sha  $tarball" | sha256sum -c --status; then
		log "$ver: $tarball does not match the Sources index: removed"
		rm -f "$tarball"
		continue
	fi
	found=$up
	break
done < <(candidates)
[ -n "$found" ] || { log "no orig tarball of linux $line in the archive"; exit 3; }

tree=$CACHE/$found
rm -rf "$tree"
mkdir -p "$tree"
# Each directory once: tar finds no member of one already extracted
# with its parent.
members=()
for d in $(printf '%s\n' "$@" | sed 's|/*$||' | sort -u); do
	skip=
	for m in "${members[@]}"; do
		case "linux-$found/$d/" in "$m"*) skip=1 ;; esac
	done
	[ -n "$skip" ] || members+=("linux-$found/$d/")
done
tar -xJf "$tarball" -C "$tree" --strip-components=1 "${members[@]}" ||
	{ log "extracting ${members[*]} from $tarball failed"; exit 1; }
log "linux $found (pristine upstream, $tarball): $*"
echo "UPSTREAM_VERSION=$found"
echo "UPSTREAM_TREE=$tree"
