#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# patches-check.sh - make patches-check: every series in patches/ proven
# on its own Debian kernel line.
#
# Usage: scripts/tiers/patches-check.sh [<release>...]   (default: every release
#                                                   in scripts/conf/releases)
#
# Per release, its Debian kernel line (linux-source-<line>) and the series
# in patches/<line>/ (the quilt `series` file: xen/ then net/):
#
#   applies     the pristine Debian source (scripts/tools/kernel-tree.sh) takes
#               every patch the series file names with `git am`, in order;
#               `quilt push -a` of the series file applies too (--fuzz=0);
#               the series applies with git apply (no fuzz) to the
#               pristine upstream stable release of the line that
#               Debian's archive still serves (scripts/tools/upstream-
#               tree.sh: an orig tarball; skipped when there is none);
#               the series file names every patch there is, each cover
#               letter names this exact source version, and that version
#               is the one the release's dom0 kernel was built from
#   checkpatch  that tree's own scripts/checkpatch.pl --strict on every
#               patch: no error, warning or check, but for
#               UNKNOWN_COMMIT_ID (the tree has no upstream history to
#               look ids up in: every Fixes: tag must instead name a
#               commit listed, id and subject, in patches/upstream-commits)
#               CAMELCASE (vmxnet3's descriptor fields are VMware's
#               names: rcd->rqID), FILE_PATH_CHANGES and MISSING_FIXES_TAG
#   (first)     5.10's and 6.1's xen series make the same changes, and so
#               do 6.12's and 7.2's (the lines each patch adds and
#               removes, context aside): the copies have not drifted
#   builds      drivers/xen/evtchn.c and drivers/net/vmxnet3/, unpatched
#               and patched, built as xen-evtchn.ko and vmxnet3.ko in the
#               release's root (scripts/tools/release-root.sh) by its gcc
#               against its kernel's headers: that kernel's config,
#               Module.symvers and release; W=1, and the patched source
#               warns about nothing the unpatched one does not
#   conformance the release's Xen and Debian's kernel booted under QEMU
#   control     (tests/guest/plan-patches.sh, np.patches=module) with the
#               patched module: evtchn-conform passes, the log stays
#               clean; then the unpatched module: evtchn-conform passes,
#               evtchn-hardening --intree must fail (a case fails or the
#               kernel logs a BUG or WARNING). The patched module is not
#               put through the hardening cases there: they end in the
#               events core's close, which only the series' core patch
#               keeps from BUG()ing
#   kernel      the series built into the line's kernel (scripts/tools/
#   kcontrol    line-kernel.sh: Debian's source, a dom0 config) and booted
#               as the dom0 (np.patches=kernel-patched): evtchn-conform,
#               evtchn-hardening --intree --race-release and evtchn-shared
#               pass, the refused closes are logged, nothing bad is; the
#               same kernel built without the series (kcontrol,
#               np.patches=kernel-control) must fail the hardening cases.
#               make check runs them where the kernels are cached and says
#               "skipped" elsewhere; PATCHES_KERNEL=build (make
#               patches-check) builds what is missing first
#   vmxnet3     the net series against a lying device
#               (scripts/tiers/vmxnet3.sh): Debian's kernel under QEMU
#               with its emulated vmxnet3, receive completions rewritten
#               to claim more than the posted buffer; the patched driver
#               drops, counts and keeps passing traffic, Debian's own
#               panics. PATCHES_VMXNET3 limits it to some releases
#
# Prints one line per check, the table release x column (also written to
# $NOPANIC_CACHE/patches/latest.md), each stage's time and, last,
# `N passed, N failed` (`, N skipped` when a column was left out somewhere).
#
# Environment: PATCHES_VMXNET3 (releases whose vmxnet3 proof runs; default
# all, "none" for none), PATCHES_KERNEL (build: build the line kernels
# that are not cached; default: use the cached ones only),
# PATCHES_KERNEL_ON (releases whose line kernels boot; default all),
# PATCHES_WORK
# (keep the work directory there),
# E2E_TIMEOUT (one boot's limit, default 600 s), V, NOPANIC_CACHE.

set -u
export LC_ALL=C

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib/lib.sh
. "$SRCDIR/scripts/lib/lib.sh"
E2E_TIMEOUT=${E2E_TIMEOUT:-600}
# shellcheck source=scripts/lib/dom0.sh
. "$SRCDIR/scripts/lib/dom0.sh"

COLS="applies checkpatch builds conformance control kernel kcontrol vmxnet3"
PROGS="evtchn-conform evtchn-hardening evtchn-shared"
declare -gA SRC_OF=()	# release -> "line version" of its kernel source
declare -gA UPSTREAM_OF=()	# release -> the pristine upstream it applies to
UPSTREAM=$SRCDIR/patches/upstream-commits

# pok REL COL NAME [INFO]
pok()
{
	np_ok "$1/$3${4:+ $4}"
	np_tab_mark "$1" "$2" ok
}

# in_root ROOT CMD...: a command in the root, its output in the setup log.
in_root()
{
	np_chroot "$@" >> "$WORK/setup.log" 2>&1
}

# series_patches DIR: the patches the quilt series file names, in order.
series_patches()
{
	sed -e 's/#.*//' -e 's/[[:space:]].*//' "$1/series" | grep -v '^$'
}

# series_complete DIR: the series file names every patch in DIR (cover
# letters aside), and only patches that exist.
series_complete()
{
	local dir=$1 p listed found

	listed=$(series_patches "$dir" | sort)
	found=$(cd "$dir" && find . -name '*.patch' ! -name '0000-cover-letter.patch' |
		sed 's#^\./##' | sort)
	for p in $listed; do
		[ -f "$dir/$p" ] || { echo "series names $p, which is not there"; return 1; }
	done
	[ "$listed" = "$found" ] || { echo "series file and patch files differ"; return 1; }
}

# covers_name DIR VERSION: every cover letter names the source version.
covers_name()
{
	local c n=0

	for c in "$1"/*/0000-cover-letter.patch; do
		[ -f "$c" ] || continue
		n=$((n + 1))
		grep -Fq "$2" "$c" || { echo "$c does not name $2"; return 1; }
	done
	[ "$n" -gt 0 ]
}

# fixes_known PATCH: every Fixes: tag names a commit in upstream-commits,
# with its subject as listed there.
fixes_known()
{
	local line id subj

	while IFS= read -r line; do
		id=${line#Fixes: }
		id=${id%% *}
		subj=${line#*(\"}
		subj=${subj%\")}
		[ ${#id} -ge 12 ] || { echo "$line: id shorter than 12"; return 1; }
		grep -q "^$id[0-9a-f]* $subj\$" "$UPSTREAM" ||
			{ echo "$line: not in patches/upstream-commits"; return 1; }
	done < <(grep '^Fixes: ' "$1")
}

# quilt_applies TREE DIR: `quilt push -a` of DIR's series applies cleanly
# (no fuzz, no offset warnings treated as failure by --fuzz=0), and the
# tree is back at pristine afterwards.
quilt_applies()
{
	local rc=0

	(cd "$1" && QUILT_PATCHES=$2 QUILT_PC=.pc quilt push -a -q --fuzz=0 \
		>> "$WORK/setup.log" 2>&1) || rc=1
	git -C "$1" checkout -q -f pristine -- . && git -C "$1" clean -q -fdx
	return "$rc"
}

# Lines whose xen series are the same changes in another context: each
# patch of one changes exactly the lines its namesake in the other does.
XEN_TWINS="5.10:6.1 6.12:7.2"

# code_lines PATCH: the lines a patch adds and removes, context aside.
code_lines()
{
	grep -E '^[-+]' "$1" | grep -vE '^(\+\+\+|---)( |$)'
}

# xen_twins A B: patches/A/xen and patches/B/xen hold the same patch
# names and make the same changes (no drift between the copies).
xen_twins()
{
	local a=$SRCDIR/patches/$1/xen b=$SRCDIR/patches/$2/xen p n

	[ "$(cd "$a" && ls 000[1-9]*.patch)" = "$(cd "$b" && ls 000[1-9]*.patch)" ] ||
		{ echo "patches/$1/xen and patches/$2/xen hold different patches"; return 1; }
	for p in "$a"/000[1-9]*.patch; do
		n=$(basename "$p")
		cmp -s <(code_lines "$p") <(code_lines "$b/$n") ||
			{ echo "$n: patches/$1 and patches/$2 change different lines"; return 1; }
	done
}

# debian_form LINE TREE: the series (xen, net) in Debian's kernel team's form
# (scripts/tools/debian-form.sh: bugfix/all/, DEP-3 headers) applies with
# quilt on top of the tree, every patch carrying Origin: and Forwarded:.
debian_form()
{
	local d=$RW/debian p

	"$SRCDIR/scripts/tools/debian-form.sh" "$1" "$d" || return 1
	for p in "$d"/bugfix/all/*.patch; do
		grep -q '^Origin: ' "$p" && grep -q '^Forwarded: ' "$p" ||
			{ echo "$p: no DEP-3 Origin:/Forwarded:"; return 1; }
	done
	quilt_applies "$2" "$d"
}

# checkpatch TREE PATCH: the tree's own checkpatch, --strict, clean.
checkpatch()
{
	local out

	# Debian's python3 (with python3-ply) as python and python3 first:
	# checkpatch runs the tree's spdxcheck.py with whichever PATH finds
	# (python on 5.10, python3 later), and another one (pyenv's, say)
	# lacks ply: its traceback would fail every patch that adds a file.
	mkdir -p "$WORK/pybin"
	ln -sf /usr/bin/python3 "$WORK/pybin/python"
	ln -sf /usr/bin/python3 "$WORK/pybin/python3"
	out=$(cd "$1" && PATH=$WORK/pybin:/usr/bin:/bin:$PATH \
		perl scripts/checkpatch.pl --strict \
		--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES,MISSING_FIXES_TAG,CAMELCASE \
		--no-summary --terse "$2" 2>&1)
	[ -z "$out" ] || { echo "$out" | head -n 5; return 1; }
}

# build_module ROOT KVER SRC KO OUT: SRC (a directory with its Kbuild)
# built in the root against KVER's headers, W=1; the module KO to OUT, the
# compiler's warnings (positions stripped) to OUT.warnings.
build_module()
{
	np_root_kbuild "$1" "$2" "$3" W=1 modules > "$5.log" 2>&1 ||
		{ tail -n 20 "$5.log"; return 1; }
	grep -E 'warning:' "$5.log" | sed -E 's/^[^ ]*:[0-9]+:[0-9]+: //' |
		sort -u > "$5.warnings"
	cp "$3/$4" "$5"
}

# evtchn_src TREE DIR: the tree's drivers/xen/evtchn.c as a module source.
evtchn_src()
{
	mkdir -p "$2" && cp "$1/drivers/xen/evtchn.c" "$2/" &&
		printf 'obj-m := xen-evtchn.o\nxen-evtchn-y := evtchn.o\n' > "$2/Kbuild"
}

# no_new_warnings OUT_PATCHED OUT_PRISTINE
no_new_warnings()
{
	local new

	new=$(comm -23 "$1.warnings" "$2.warnings")
	[ -z "$new" ] || { echo "$new" | head -n 5; return 1; }
}

# md5_of FILE
md5_of()
{
	md5sum "$1" | cut -d ' ' -f 1
}

# vmxnet3_col CHECK: make vmxnet3's checks all count in one column.
vmxnet3_col()
{
	NP_COL=vmxnet3
}

# vmxnet3_wanted REL
vmxnet3_wanted()
{
	case " ${PATCHES_VMXNET3:-all} " in
	*" all "*|*" $1 "*)	return 0 ;;
	*)			return 1 ;;
	esac
}

# patches_initramfs REL OUT: dom0's initramfs: the plans, the test
# programs, the release's Xen modules (no xen-evtchn: the plan loads the
# two built here), and the two modules.
patches_initramfs()
{
	local ird=$1

	rm -rf "$ird"
	# shellcheck disable=SC2086 # a list of programs
	dom0_initramfs "$ird" $PROGS || return 1
	dom0_modules "$ird" "$GUEST_MODULES" "$KVER" || return 1
	rm -rf "$ird/lib/modules/$KVER/updates"
	find "$ird/lib/modules/$KVER" -name 'xen-evtchn.ko*' -delete
	depmod -b "$ird" "$KVER" || return 1
	mkdir -p "$ird/lib/nopanic/patched" "$ird/lib/nopanic/unpatched"
	cp "$RW/patched.ko" "$ird/lib/nopanic/patched/xen-evtchn.ko" &&
	cp "$RW/unpatched.ko" "$ird/lib/nopanic/unpatched/xen-evtchn.ko" &&
	dom0_pack "$ird" "$WORK/initrd.cpio.gz"
}

# dom0_run REL NAME ARGS: boot the release's dom0 (GUEST_KERNEL with
# $WORK/initrd.cpio.gz) with plan-patches.sh's ARGS; its checks into the
# columns; the control's own case results kept in $RW/NAME.control. The
# boot must reach /init and finish the patched run; a control may crash
# dom0 after that (on every line it does: kernel BUG).
dom0_run()
{
	local rel=$1 name=$2 args=$3 t

	# /init's own checks (privcmd-loaded) count in the boot's column.
	case $name in
	kpatched_*)	BOOT_COL=kernel ;;
	kcontrol_*)	BOOT_COL=kcontrol ;;
	*)		BOOT_COL=conformance ;;
	esac
	t=$(np_now)
	boots "$name" "np.mode=patches $args" >> "$WORK/setup.log"
	np_timing "$rel boot $name $(np_since "$t")s"
	cp "$WORK/$name.log" "$RW/$name.console.log"
	guest_info "$name" | sed -n 's/^control: //p' > "$RW/$name.control"
	if ! guest_info "$name" | grep -q '^init-reached'; then
		np_fail "$rel/$name/reached-init (log: $WORK/$name.log)"
		col_of "$name/"
		np_tab_mark "$rel" "$NP_COL" fail
	elif [ "${args#*np.patches=kernel-control}" = "$args" ] &&
	     ! guest_info "$name" | grep -q '^patched-done'; then
		np_fail "$rel/$name/patched-run did not finish (log: $WORK/$name.log)"
		col_of "$name/"
		np_tab_mark "$rel" "$NP_COL" fail
	fi
	np_tab_relay "$rel" col_of < <(python3 "$SRCDIR/scripts/lib/ktap.py" \
		--name "$rel" "$WORK/$name.ktap" | tee "$RW/$name.txt") || :
}

# col_of CHECK: the column a guest check counts in, in NP_COL; what
# names no column counts in the boot's (BOOT_COL, set by dom0_run).
col_of()
{
	case $1 in
	kpatched/*|kernel_*)			NP_COL=kernel ;;
	kcontrol/*|kcontrol_*)			NP_COL=kcontrol ;;
	control/conform/*|control/evtchn-conform*) NP_COL=conformance ;;
	control/*)				NP_COL=control ;;
	*)					NP_COL=${BOOT_COL:-conformance} ;;
	esac
}

# line_kernel_initramfs MODROOT KVER: dom0's initramfs for a line kernel:
# the plans, the test programs, the kernel's own Xen modules.
line_kernel_initramfs()
{
	local ird=$RW/initramfs

	rm -rf "$ird"
	# shellcheck disable=SC2086 # a list of programs
	dom0_initramfs "$ird" $PROGS || return 1
	dom0_modules "$ird" "$1" "$2" &&
	dom0_pack "$ird" "$WORK/initrd.cpio.gz"
}

# kernel_proof REL: the series in the line's kernel, and the control.
kernel_proof()
{
	local rel=$1 t side dir LK_KVER LK_UNPATCHED LK_PATCHED cached=--cached

	case " ${PATCHES_KERNEL_ON:-all} " in
	*" all "*|*" $rel "*)	;;
	*)	np_tab_na "$rel" kernel "skipped (PATCHES_KERNEL_ON)"
		np_tab_na "$rel" kcontrol "skipped (PATCHES_KERNEL_ON)"
		np_skip "$rel/kernel: not in PATCHES_KERNEL_ON=$PATCHES_KERNEL_ON"
		return ;;
	esac
	[ "${PATCHES_KERNEL:-}" != build ] || cached=
	t=$(np_now)
	np_env "$SRCDIR/scripts/tools/line-kernel.sh" $cached "$rel" \
		2>> "$WORK/setup.log"
	case $? in
	0)	;;
	3)	np_tab_na "$rel" kernel "skipped (no cached kernel)"
		np_tab_na "$rel" kcontrol "skipped (no cached kernel)"
		np_skip "$rel/kernel: no cached line kernel; make patches-check (PATCHES_KERNEL=build) builds it"
		return ;;
	*)	np_tab_fail "$rel" kernel line-kernel "scripts/tools/line-kernel.sh $rel failed (log: $WORK/setup.log)"
		return ;;
	esac
	np_timing "$rel line-kernel $(np_since "$t")s ($LK_KVER)"
	for side in patched control; do
		dir=$LK_PATCHED
		[ "$side" = patched ] || dir=$LK_UNPATCHED
		if ! line_kernel_initramfs "$dir/lib/modules/$LK_KVER" "$LK_KVER" \
			>> "$WORK/setup.log" 2>&1; then
			col_of "k$side/"
			np_tab_fail "$rel" "$NP_COL" initramfs "cannot build it (log: $WORK/setup.log)"
			continue
		fi
		GUEST_KERNEL=$dir/vmlinux dom0_run "$rel" "k${side}_$rel" \
			"np.patches=kernel-$side"
	done
	rm -rf "$RW/initramfs"
}

# upstream_apply REL LINE PDIR: the series, patch by patch, with git apply
# (no fuzz) to the pristine upstream release of the line, as far as the
# archive holds one (scripts/tools/upstream-tree.sh).
upstream_apply()
{
	local rel=$1 line=$2 pdir=$3 p dirs rc=0 UPSTREAM_VERSION UPSTREAM_TREE

	dirs=$(series_patches "$pdir" | sed "s|^|$pdir/|" |
		xargs sed -n 's|^+++ b/\(.*\)/[^/]*$|\1|p' | sort -u)
	# shellcheck disable=SC2086 # a list of directories
	np_env "$SRCDIR/scripts/tools/upstream-tree.sh" "$rel" "$line" $dirs \
		2>> "$WORK/setup.log" || rc=$?
	case $rc in
	0)	;;
	3)	np_skip "$rel/upstream: the archive holds no orig tarball of linux $line"
		return ;;
	*)	np_tab_fail "$rel" applies upstream "scripts/tools/upstream-tree.sh failed (log: $WORK/setup.log)"
		return ;;
	esac
	rm -rf "$RW/upstream"
	cp -a "$UPSTREAM_TREE" "$RW/upstream"
	for p in $(series_patches "$pdir"); do
		if (cd "$RW/upstream" && git apply "$pdir/$p") >> "$WORK/setup.log" 2>&1; then
			pok "$rel" applies "upstream-v$UPSTREAM_VERSION($p)"
		else
			np_tab_fail "$rel" applies "upstream-v$UPSTREAM_VERSION($p)" \
				"does not apply to pristine v$UPSTREAM_VERSION (log: $WORK/setup.log)"
			break
		fi
	done
	UPSTREAM_OF[$rel]=v$UPSTREAM_VERSION
}

# --- one release -----------------------------------------------------------

release_run()
{
	local rel=$1 t t_rel TREE KSRC_LINE KSRC_VERSION PDIR p RW \
		ROOT RKVER KVER img_src hdr_src

	t_rel=$(np_now)
	np_release "$rel" || { np_tab_fail "$rel" applies release "not in scripts/conf/releases"; return; }
	echo "=== $rel"
	RW=$WORK/$rel
	mkdir -p "$RW"

	t=$(np_now)
	np_env "$SRCDIR/scripts/tools/kernel-tree.sh" "$rel" 2>> "$WORK/setup.log" || {
		np_tab_fail "$rel" applies tree "scripts/tools/kernel-tree.sh $rel failed (log: $WORK/setup.log)"
		return
	}
	SRC_OF[$rel]="$KSRC_LINE $KSRC_VERSION"
	np_timing "$rel tree $(np_since "$t")s (linux-source-$KSRC_LINE $KSRC_VERSION)"
	PDIR=$SRCDIR/patches/$KSRC_LINE
	if [ ! -f "$PDIR/series" ]; then
		np_tab_fail "$rel" applies series "no patches/$KSRC_LINE/series"
		return
	fi

	# The release's root: its kernel, headers and compiler.
	t=$(np_now)
	np_env "$SRCDIR/scripts/tools/release-root.sh" "$rel" 2>> "$WORK/setup.log" || {
		np_tab_fail "$rel" builds root "scripts/tools/release-root.sh $rel failed (log: $WORK/setup.log)"
		return
	}
	KVER=$RKVER
	np_timing "$rel root $(np_since "$t")s (kernel $KVER)"

	# The series against the tree.
	t=$(np_now)
	np_tab_check "$rel" applies series-complete series_complete "$PDIR"
	np_tab_check "$rel" applies "cover-letters-name-$KSRC_VERSION" \
		covers_name "$PDIR" "$KSRC_VERSION"
	# The image's and the headers' version is that of the linux source
	# package they were built from (the signed image's own source is
	# linux-signed-amd64, versioned 6.1.192+3 for linux 6.1.192-3).
	img_src=$(np_chroot "$ROOT" dpkg-query -W -f='${Version}' \
		"linux-image-$KVER" 2>/dev/null)
	hdr_src=$(np_chroot "$ROOT" dpkg-query -W -f='${Version}' \
		"linux-headers-$KVER" 2>/dev/null)
	if [ "$img_src" = "$KSRC_VERSION" ] && [ "$hdr_src" = "$KSRC_VERSION" ]; then
		pok "$rel" applies "source-is-the-dom0-kernel's" "linux $img_src"
	else
		np_tab_fail "$rel" applies "source-is-the-dom0-kernel's" \
			"linux-source $KSRC_VERSION, dom0 kernel $KVER $img_src, headers $hdr_src"
	fi
	evtchn_src "$TREE" "$RW/evtchn.unpatched"
	cp -r "$TREE/drivers/net/vmxnet3" "$RW/vmxnet3.unpatched"
	# The Debian kernel team's way: quilt, from the series file.
	np_tab_check "$rel" applies quilt-push-a quilt_applies "$TREE" "$PDIR"
	np_tab_check "$rel" applies debian-form-quilt debian_form "$KSRC_LINE" "$TREE"
	for p in $(series_patches "$PDIR"); do
		if git -C "$TREE" am -q --keep-cr "$PDIR/$p" >> "$WORK/setup.log" 2>&1; then
			pok "$rel" applies "git-am($p)"
		else
			np_tab_fail "$rel" applies "git-am($p)" "does not apply (log: $WORK/setup.log)"
			git -C "$TREE" am --abort > /dev/null 2>&1
			break
		fi
		np_tab_check "$rel" checkpatch "checkpatch($p)" checkpatch "$TREE" "$PDIR/$p"
		np_tab_check "$rel" checkpatch "fixes-tags-known($p)" fixes_known "$PDIR/$p"
	done
	np_timing "$rel apply+checkpatch $(np_since "$t")s"
	t=$(np_now)
	upstream_apply "$rel" "$KSRC_LINE" "$PDIR"
	np_timing "$rel upstream $(np_since "$t")s (${UPSTREAM_OF[$rel]:-none})"
	evtchn_src "$TREE" "$RW/evtchn.patched"
	cp -r "$TREE/drivers/net/vmxnet3" "$RW/vmxnet3.patched"

	# Builds: the driver for the dom0 kernel, pristine and patched.
	t=$(np_now)
	np_tab_check "$rel" builds "xen-evtchn.ko-unpatched($KVER)" \
		build_module "$ROOT" "$KVER" "$RW/evtchn.unpatched" xen-evtchn.ko "$RW/unpatched.ko"
	np_tab_check "$rel" builds "xen-evtchn.ko-patched($KVER)" \
		build_module "$ROOT" "$KVER" "$RW/evtchn.patched" xen-evtchn.ko "$RW/patched.ko"
	if [ -f "$RW/patched.ko" ] && [ -f "$RW/unpatched.ko" ]; then
		np_tab_check "$rel" builds "xen-evtchn-W=1-no-new-warning" \
			no_new_warnings "$RW/patched.ko" "$RW/unpatched.ko"
		np_tab_check "$rel" builds "patched-differs-from-unpatched" \
			test "$(md5_of "$RW/patched.ko")" != "$(md5_of "$RW/unpatched.ko")"
	fi
	np_tab_check "$rel" builds "vmxnet3.ko-unpatched($KVER)" \
		build_module "$ROOT" "$KVER" "$RW/vmxnet3.unpatched" vmxnet3.ko "$RW/vmxnet3.unpatched.ko"
	np_tab_check "$rel" builds "vmxnet3.ko-patched($KVER)" \
		build_module "$ROOT" "$KVER" "$RW/vmxnet3.patched" vmxnet3.ko "$RW/vmxnet3.patched.ko"
	if [ -f "$RW/vmxnet3.patched.ko" ] && [ -f "$RW/vmxnet3.unpatched.ko" ]; then
		np_tab_check "$rel" builds "vmxnet3-W=1-no-new-warning" \
			no_new_warnings "$RW/vmxnet3.patched.ko" "$RW/vmxnet3.unpatched.ko"
	fi
	np_timing "$rel builds $(np_since "$t")s"

	# The dom0.
	t=$(np_now)
	if [ ! -f "$RW/patched.ko" ] || [ ! -f "$RW/unpatched.ko" ]; then
		np_tab_fail "$rel" conformance dom0 "no modules to boot with"
	elif ! np_env "$SRCDIR/scripts/tools/e2e-guest.sh" "$rel" 2>> "$WORK/setup.log"; then
		np_tab_fail "$rel" conformance guest "scripts/tools/e2e-guest.sh $rel failed (log: $WORK/setup.log)"
	else
		if patches_initramfs "$RW/initramfs" >> "$WORK/setup.log" 2>&1; then
			np_timing "$rel guest $(np_since "$t")s"
			dom0_run "$rel" "patches_$rel" \
				"np.patched_md5=$(md5_of "$RW/patched.ko") np.unpatched_md5=$(md5_of "$RW/unpatched.ko")"
			grep -q "^\\(ok\\|FAIL\\) $rel/control/hardening-fails" "$RW/patches_$rel.txt" ||
				np_tab_fail "$rel" control hardening-fails "the control did not report (log: $WORK/patches_$rel.ktap)"
			kernel_proof "$rel"
		else
			np_tab_fail "$rel" conformance initramfs "cannot build it (log: $WORK/setup.log)"
		fi
		rm -rf "$RW/initramfs"
	fi
	np_timing "$rel dom0 $(np_since "$t")s"

	# The net series against a lying vmxnet3.
	if ! vmxnet3_wanted "$rel"; then
		np_tab_na "$rel" vmxnet3 "skipped (PATCHES_VMXNET3)"
		np_skip "$rel/vmxnet3: not in PATCHES_VMXNET3=${PATCHES_VMXNET3:-}"
	else
		t=$(np_now)
		np_tab_relay "$rel" vmxnet3_col < <(VMX_WORK=$RW/vmxnet3 \
			"$SRCDIR/scripts/tiers/vmxnet3.sh" "$rel" 2>> "$WORK/setup.log") ||
			np_tab_fail "$rel" vmxnet3 vmxnet3 "the tier ended without its plan line"
		np_timing "$rel vmxnet3 $(np_since "$t")s"
	fi

	# Leave the cached tree as the package ships it.
	"$SRCDIR/scripts/tools/kernel-tree.sh" "$rel" > /dev/null 2>> "$WORK/setup.log" || :
	np_timing "$rel total $(np_since "$t_rel")s"
}

# --- the table ---------------------------------------------------------------

row()
{
	local rel=$1 col l v

	read -r l v <<< "${SRC_OF[$rel]:-? ?}"
	printf '| %s | %s | %s | %s |' "$l" "$rel" "$v" "${UPSTREAM_OF[$rel]:--}"
	for col in $COLS; do
		printf ' %s |' "$(np_tab_cell "$rel" "$col")"
	done
	echo
}

header()
{
	echo "| line | release | linux-source | upstream | $(echo "$COLS" | sed 's/ / | /g') |"
	echo "|$(for _ in line release source upstream $COLS; do printf -- '---|'; done)"
}

# --- main --------------------------------------------------------------------

np_tier patches-check "${PATCHES_WORK:-}"
RELEASES=${*:-$(np_releases)}

np_need_pkgs @boot @cc @patches @python >> "$WORK/setup.log" 2>&1

t=$(np_now)
np_run make -C "$SRCDIR/tests" ||
	np_fatal test-programs "build failed (log: $WORK/setup.log)"
np_ok test-programs
np_timing "tests $(np_since "$t")s"

for pair in $XEN_TWINS; do
	if out=$(xen_twins "${pair%:*}" "${pair#*:}"); then
		np_ok "xen-series-same-changes(${pair%:*},${pair#*:})"
	else
		np_fail "xen-series-same-changes(${pair%:*},${pair#*:}): $out"
	fi
done

for rel in $RELEASES; do
	release_run "$rel"
done

echo
mkdir -p "$NP_CACHE/patches"
{
	echo "make patches-check, $(date -u +%Y-%m-%d), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1), $(nproc) cores, QEMU without KVM:"
	echo
	header
	for rel in $RELEASES; do
		row "$rel"
	done
} | tee "$NP_CACHE/patches/latest.md"
echo
echo "the controls (unpatched driver; unpatched line kernel), the hardening cases:"
for rel in $RELEASES; do
	for f in "$WORK/$rel"/*.control; do
		[ -s "$f" ] || continue
		echo "  $rel $(basename "$f" .control): $(grep -c '^ok control/hardening/' "$f") passed," \
			"$(grep -c '^not ok control/hardening/' "$f") failed:" \
			"$(sed -n 's/^not ok control\/hardening\/\([^ ]*\) #.*/\1/p' "$f" | tr '\n' ' ')"
	done
done
np_tier_end
