#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build-level checks against Debian's kernel headers (KVER, default the
# one linux-headers-amd64 depends on): the DKMS payload builds alone with
# no W=1 warning, sparse (C=2) is clean, checkpatch --strict is clean, no
# BUG()/BUG_ON() in our code, and the module's metadata is what dkms and
# an operator expect.
set -eu
. "$(dirname "$0")/../lib/lib.sh"

# The host's own kernel source (linux-source-6.1 on Debian 12, 6.12 on 13)
# for checkpatch, and its own headers: build checks, not the guest's.
np_need_pkgs @build @python @patches cpio xz-utils linux-source
kver=$(np_kver)
np_need_pkgs "linux-headers-$kver"
kdir=/usr/src/linux-headers-$kver
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$NP_TOP/dkms.conf")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "build checks against $kver ($kdir)"

# checkpatch comes with the kernel source, not the headers.
src_tar=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
src_top=$(basename "$src_tar" .tar.xz)
cp_dir=$NP_CACHE/checkpatch-${src_top#linux-source-}
if [ ! -f "$cp_dir/scripts/checkpatch.pl" ]; then
	mkdir -p "$cp_dir"
	tar -xf "$src_tar" -C "$cp_dir" --strip-components=1 \
		"$src_top/scripts/checkpatch.pl" "$src_top/scripts/spelling.txt" \
		"$src_top/scripts/const_structs.checkpatch"
fi

# The payload exactly as dkms receives it must be sources only and build
# alone; everything (the skb guard too) must build without a W=1 warning
# and pass sparse.
src=$("$NP_TOP/scripts/tools/dkms-source.sh" "$work")
extra=$(cd "$src" && find . -path ./drivers -prune -o -type f \
	! -name Kbuild ! -name Makefile ! -name dkms.conf -print)
np_check "dkms-payload-is-sources-only" test -z "$extra"
if make -C "$kdir" M="$src" modules >"$work/payload.log" 2>&1; then
	np_ok "dkms-payload-builds"
else
	tail -n 30 "$work/payload.log"
	np_fail "dkms-payload-builds"
fi

full=$work/full
mkdir -p "$full"
(cd "$NP_TOP" && git ls-files -co --exclude-standard Kbuild Makefile \
	drivers include kunit/skb_guard_bench.h tests/skbguard/Kbuild \
	tests/skbguard/skb_guard_bench.c | grep -v '\.mod\.c$' |
	cpio -pdm --quiet "$full")
# make bench's module (the KUnit bench's loops for kernels without KUnit)
# is built and checked with the rest, though nothing installs it.
echo 'obj-y += tests/skbguard/' >> "$full/Kbuild"

build_log=$work/build.log
if make -C "$kdir" M="$full" W=1 modules >"$build_log" 2>&1 &&
   ! grep -E 'warning:|error:' "$build_log"; then
	np_ok "build-w1-clean"
else
	tail -n 30 "$build_log"
	np_fail "build-w1-clean"
fi

# Sparse: every file rechecked; warnings become errors.
sparse_log=$work/sparse.log
if make -C "$kdir" M="$full" C=2 CF=-Wsparse-error modules \
	>"$sparse_log" 2>&1 && ! grep -E 'warning:|error:' "$sparse_log"; then
	np_ok "sparse-c2-clean"
else
	grep -E 'warning:|error:' "$sparse_log" | head -n 30
	np_fail "sparse-c2-clean"
fi

for m in drivers/net/skb_guard/skb_guard drivers/net/skb_guard/np_vnic \
	 tests/skbguard/skb_guard_bench; do
	np_check "modinfo-${m##*/}-license-gpl" \
		test "$(modinfo -F license "$full/$m.ko")" = GPL
done

ko=$src/drivers/xen/evtchn/xen-evtchn.ko
field() { modinfo -F "$1" "$ko" 2>/dev/null; }
np_check "modinfo-name-xen_evtchn" test "$(field name)" = xen_evtchn
np_check "modinfo-license-gpl" test "$(field license)" = GPL
np_check "modinfo-version-$ver-matches-dkms.conf" test "$(field version)" = "$ver"
np_check "modinfo-vermagic-$kver" \
	bash -c '[[ "$1" == "$2 "* ]]' _ "$(field vermagic)" "$kver"
echo "  vermagic: $(field vermagic)"

# ENOSYS is the in-tree driver's answer to an unknown ioctl: the ABI.
files=$(cd "$NP_TOP" && git ls-files -co --exclude-standard \
	'drivers/*.[ch]' 'include/*.[ch]' 'kunit/*.[ch]' \
	tests/skbguard/skb_guard_bench.c | grep -v '\.mod\.c$' |
	while read -r f; do [ -L "$NP_TOP/$f" ] || echo "$f"; done)	# kunit/'s links
cp_log=$work/checkpatch.log
if (cd "$NP_TOP" && perl "$cp_dir/scripts/checkpatch.pl" --no-tree -f \
	--strict --quiet --ignore ENOSYS $files) >"$cp_log" 2>&1; then
	np_ok "checkpatch-strict-clean ($(echo "$files" | wc -w) files)"
else
	head -n 40 "$cp_log"
	np_fail "checkpatch-strict-clean"
fi
# The vmxnet3 tier's liar uses the driver's own names (rcd->rqID): VMware's.
if (cd "$NP_TOP" && perl "$cp_dir/scripts/checkpatch.pl" --no-tree -f \
	--strict --quiet --ignore CAMELCASE tests/vmxnet3/np_vmxlie.c) >"$cp_log" 2>&1; then
	np_ok "checkpatch-strict-clean (tests/vmxnet3/np_vmxlie.c, but CamelCase)"
else
	head -n 40 "$cp_log"
	np_fail "checkpatch-strict-clean (tests/vmxnet3/np_vmxlie.c)"
fi

bugs=$(cd "$NP_TOP" && grep -rnE '\bBUG(_ON)?\(' drivers/ include/ 2>/dev/null || true)
if [ -z "$bugs" ]; then
	np_ok "no-BUG-in-drivers-include"
else
	echo "$bugs"
	np_fail "no-BUG-in-drivers-include"
fi

# The harness's own Python (scripts/tests/test_*.py, standard library
# only): one check per unit test.
while IFS= read -r line; do
	name=${line#*(}
	name=${name%%)*}
	case $line in
	*" ... ok")	np_ok "harness/$name" ;;
	*)		np_fail "harness/$name: ${line##* ... }" ;;
	esac
done < <(cd "$NP_TOP/scripts" && python3 -B -m unittest discover -s tests -v 2>&1 |
	 tee "$work/unittest.log" | grep -E ' \.\.\. ')
grep -q '^OK' "$work/unittest.log" ||
	{ tail -n 30 "$work/unittest.log"; np_fail "harness-unit-tests-all-pass"; }

np_summary
