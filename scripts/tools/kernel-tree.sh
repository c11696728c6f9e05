#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernel-tree.sh - a release's Debian kernel source as a git tree whose
# one commit is the pristine linux-source, for `git am` of patches/.
#
# Usage: scripts/tools/kernel-tree.sh [--no-reset] <release>
#
# The source is the package the release's `linux-source` metapackage
# points at (linux-source-<line>), downloaded by the release's own apt in
# its root (scripts/tools/release-root.sh), whatever the host runs, its
# tarball extracted once into
# $NOPANIC_CACHE/patches/trees/<line> and committed there with a fixed
# author and date, tagged pristine. Every call resets the tree to that tag
# and removes everything else (git clean), so a run starts from the
# package as Debian ships it; a new package version rebuilds the tree.
# --no-reset leaves the work tree as it is, for a reader of the tag only
# (make kunit copies it with git archive while make patches-check may
# have its series applied there).
#
# Progress goes to stderr. stdout gets NAME=VALUE lines for np_env:
#   TREE=...          the git work tree
#   KSRC_LINE=...     the kernel line (6.1, 6.12, ...)
#   KSRC_VERSION=...  the linux-source package's Debian version

set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

. "$(dirname "$0")/../lib/lib.sh"

reset=1
[ "${1:-}" != --no-reset ] || { reset=; shift; }
release=${1:?usage: $0 [--no-reset] <release>}
np_release "$release"

log() {
	echo "kernel-tree($release): $*" >&2
}

die() {
	log "error: $*"
	exit 1
}

np_need_pkgs git xz-utils

np_env "$NP_TOP/scripts/tools/release-root.sh" "$release" ||
	die "no release root for $release"
run_apt() { np_chroot "$ROOT" "$@"; }

pkg=$(run_apt apt-cache depends linux-source 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-source-[0-9][^ ]*\)$/\1/p' | head -n1)
[ -n "$pkg" ] || die "no linux-source-<line> behind linux-source in $release's apt"
line=${pkg#linux-source-}
version=$(run_apt apt-cache policy "$pkg" 2>/dev/null |
	sed -n 's/^ *Candidate: //p')
[ -n "$version" ] && [ "$version" != "(none)" ] || die "no candidate for $pkg"

DIR=$NP_CACHE/patches/trees
TREE=$DIR/$line
mkdir -p "$DIR"
exec 9> "$DIR/.$line.lock"
flock 9

stamp="$pkg $version"
if [ "$(cat "$TREE/.git/nopanic-stamp" 2>/dev/null)" != "$stamp" ]; then
	t=$(np_now)
	log "extracting $pkg $version into $TREE"
	dl=$(mktemp -d "$DIR/.dl.XXXXXX")
	chmod 755 "$dl"
	rm -rf "$ROOT/tmp/nopanic-src"
	mkdir -p "$ROOT/tmp/nopanic-src"
	np_chroot "$ROOT" sh -c "cd /tmp/nopanic-src && apt-get download -q $pkg=$version" >&2
	mv "$ROOT"/tmp/nopanic-src/*.deb "$dl/"
	rm -rf "$ROOT/tmp/nopanic-src"
	deb=$(ls "$dl"/*.deb)
	rm -rf "$TREE"
	mkdir -p "$TREE"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$TREE" --strip-components=1
	rm -rf "$dl"
	[ -f "$TREE/Makefile" ] || die "$pkg has no kernel tree"
	log "extracted $(np_since "$t")s"
	t=$(np_now)
	git -C "$TREE" init -q
	git -C "$TREE" config user.name nopanic
	git -C "$TREE" config user.email nopanic@example.org
	git -C "$TREE" config core.autocrlf false
	git -C "$TREE" config gc.auto 0
	git -C "$TREE" add -A -f .
	GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' \
	GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
		git -C "$TREE" commit -q -m "Debian $pkg $version, pristine"
	git -C "$TREE" tag -f pristine > /dev/null
	echo "$stamp" > "$TREE/.git/nopanic-stamp"
	log "committed $(np_since "$t")s"
fi

# Back to the package as shipped: an earlier run's am, build, or failure.
if [ -n "$reset" ]; then
	git -C "$TREE" am --abort > /dev/null 2>&1 || :
	git -C "$TREE" checkout -q -f --detach pristine
	git -C "$TREE" clean -q -fdx
fi

echo "TREE=$TREE"
echo "KSRC_LINE=$line"
echo "KSRC_VERSION=$version"
