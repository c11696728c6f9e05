#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build nopanic-dkms_<version>_all.deb with Debian's tooling (debhelper,
# dh-dkms) in out/deb-build/, copy it to out/ and check it with lintian:
# any E: fails the build, W: and I: are shown. Everything goes to stderr
# except the last line on stdout: the .deb's absolute path.
#
# usage: scripts/tools/deb.sh
set -eu
# shellcheck source=scripts/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

np_need_pkgs @deb
t=$(np_now)

ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$NP_TOP/dkms.conf")
debver=$(dpkg-parsechangelog -l "$NP_TOP/debian/changelog" -S Version)
if [ "$ver" != "$debver" ]; then
	echo "debian/changelog says $debver, dkms.conf PACKAGE_VERSION $ver" >&2
	exit 1
fi

# The package's source is the DKMS payload plus debian/ and the script
# that stages the payload: nothing else of the work tree, no stale object.
out=$NP_TOP/out
build=$out/deb-build
rm -rf "$build"
src=$("$NP_TOP/scripts/tools/dkms-source.sh" "$build")
cp -a "$NP_TOP/debian" "$src/"
mkdir -p "$src/scripts/tools"
cp -p "$NP_TOP/scripts/tools/dkms-source.sh" "$src/scripts/tools/"

(cd "$src" && dpkg-buildpackage -b -us -uc) >&2

name=nopanic-dkms_${ver}_all.deb
changes=$build/nopanic_${ver}_$(dpkg-architecture -qDEB_BUILD_ARCH).changes
cp -p "$build/$name" "$out/"

# The .changes brings in the .deb and the .buildinfo.
lint=$(lintian -I --color never "$changes" 2>&1 |
	grep -v '^running with root privileges') || :
[ -z "$lint" ] || echo "$lint" >&2
if echo "$lint" | grep -q '^E:'; then
	echo "lintian: errors in $name" >&2
	exit 1
fi

echo "built $name in $(np_since "$t")s" >&2
echo "$out/$name"
