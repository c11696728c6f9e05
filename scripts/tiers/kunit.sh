#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make kunit: the KUnit suites of kunit/ under User-Mode Linux, with KASAN,
# lockdep (PROVE_LOCKING, whose wait-context check stands in for
# DEBUG_ATOMIC_SLEEP, which UML lacks) and UBSAN watching.
#
# The kernel tree is Debian's linux-source of $KUNIT_RELEASE (default
# bookworm: 6.1), as scripts/tools/kernel-tree.sh gets it from that
# release's own apt for make patches-check too, copied once into a cache
# outside the repo. Our sources sit in it the way an in-tree driver would:
# drivers/nopanic/ is a symlink to kunit/, whose own symlinks reach the
# sources under test (drivers/xen/evtchn/evtchn_core.[ch],
# drivers/net/skb_guard/skb_guard.c and skb_guard_compat.h) and, as
# nopanic-include, include/; drivers/Kconfig and drivers/Makefile reach
# that directory. kunit.py builds and boots UML.
#
# Prints one ok/FAIL line per test case, one for the kernel log scan (any
# KASAN, lockdep, UBSAN, WARNING or BUG report fails the run, and the case
# that was running when it was printed), the wall time, and last
# "N passed, N failed". The skb guard benchmark's figures (log lines
# "skb_guard bench: ...") are repeated before the summary; they are not
# checks. Exit status 0 iff nothing failed.
#
# Environment:
#   NOPANIC_CACHE            cache root (default /var/cache/nopanic)
#   KUNIT_RELEASE            Debian release whose kernel source is used
#                            (default bookworm)
#   NOPANIC_KUNIT_OUT        where the results are copied at the end
#                            (default /tmp/nopanic-kunit)
#   KUNIT_TIMEOUT            seconds the UML kernel may run (default 300)
#   NOPANIC_KUNIT_FILTER     run only matching suites/cases, kunit.py's
#                            filter_glob (default 'nopanic_*': our suites;
#                            e.g. 'nopanic_evtchn_race.*')

set -eu

# shellcheck source=scripts/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

T0=$(date +%s%N)

# Whatever stops this script early, the last line is still the summary.
summary_done=
trap 'rc=$?; [ -n "$summary_done" ] || {
	np_fail "kunit: stopped before the results (exit $rc)"
	np_summary; }' EXIT

log() { echo "kunit: $*" >&2; }

np_need_pkgs @python @kbuild @cc
# The release's pristine kernel source (a git tree, tag pristine).
KUNIT_RELEASE=${KUNIT_RELEASE:-bookworm}
np_env "$NP_TOP/scripts/tools/kernel-tree.sh" --no-reset "$KUNIT_RELEASE" || {
	log "scripts/tools/kernel-tree.sh $KUNIT_RELEASE failed"
	exit 1
}
SRC_TREE=$TREE KUNIT_KLINE=$KSRC_LINE SRC_VERSION=$KSRC_VERSION
KCACHE=$NP_CACHE/kunit
TREE=$KCACHE/linux-source-$KUNIT_KLINE
BUILD=$KCACHE/build-$KUNIT_KLINE
OUT=${NOPANIC_KUNIT_OUT:-/tmp/nopanic-kunit}
KUNITCONFIG=$NP_TOP/kunit/.kunitconfig
SUBDIR=nopanic			# drivers/$SUBDIR in the kernel tree
TOOL_LOG=$KCACHE/kunit.py-$KUNIT_KLINE.log
RAW_LOG=$BUILD/test.log		# kunit.py tees the whole kernel console here

# One run at a time per cache: the tree and the build directory are shared.
# (kunit.py also wants the parent of --build_dir to exist.)
mkdir -p "$KCACHE"
exec 9>"$KCACHE/.lock"
flock 9

# --- the kernel tree, extracted once per source version ----------------------
want_stamp=$SRC_VERSION
stamp=$TREE/.nopanic-extracted
if [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
	log "copying $SRC_TREE ($want_stamp) into $KCACHE"
	rm -rf "$TREE" "$TREE.partial"
	mkdir "$TREE.partial"
	git -C "$SRC_TREE" archive pristine | tar -x -C "$TREE.partial"
	mv "$TREE.partial" "$TREE"
	# A fresh tree: the build directory's objects are stale.
	rm -rf "$BUILD"
	echo "$want_stamp" >"$stamp"
fi

# --- our sources, linked in as drivers/$SUBDIR -----------------------------
# drivers/nopanic is kunit/ itself: its Kbuild, Kconfig, the suites and
# (committed symlinks) the sources under test and include/.
kdir=$TREE/drivers/$SUBDIR
if [ "$(readlink "$kdir")" != "$NP_TOP/kunit" ]; then
	[ -L "$kdir" ] || rm -rf "$kdir"
	ln -sfn "$NP_TOP/kunit" "$kdir"
	# make compares modification times: another clone's sources may be
	# older than the objects built from this one's.
	rm -f "$BUILD/drivers/$SUBDIR"/*.o "$BUILD/drivers/$SUBDIR"/*.a
fi

append_once() { # file line
	grep -qxF "$2" "$1" || printf '%s\n' "$2" >>"$1"
}
append_once "$TREE/drivers/Kconfig" "source \"drivers/$SUBDIR/Kconfig\""
append_once "$TREE/drivers/Makefile" "obj-y += $SUBDIR/"

# --- build and run under UML -------------------------------------------------
# One .config for every run, so that no run rebuilds what another built.
kcfg=$KCACHE/kunitconfig-$KUNIT_KLINE
cat "$KUNITCONFIG" >"$kcfg.new"
if cmp -s "$kcfg.new" "$kcfg"; then rm -f "$kcfg.new"; else mv "$kcfg.new" "$kcfg"; fi
rm -f "$RAW_LOG"
log "building and running UML in $BUILD (log: $TOOL_LOG)"
rc=0
(cd "$TREE" && python3 tools/testing/kunit/kunit.py run \
	--arch=um \
	--kunitconfig="$kcfg" \
	--build_dir="$BUILD" \
	--jobs="$(nproc)" \
	--timeout="${KUNIT_TIMEOUT:-300}" \
	"${NOPANIC_KUNIT_FILTER:-nopanic_*}") </dev/null >"$TOOL_LOG" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	log "kunit.py exited $rc; its last lines:"
	tail -n 40 "$TOOL_LOG" >&2
fi

# --- results: per case, plus the kernel log scan ----------------------------
# kunit.py's raw console is KTAP inside the kernel's log: the one reader
# counts it, a bad line (scripts/conf/bad-log) printed while a case runs
# fails that case, and one more check, kernel-log, fails on any.
if [ -f "$RAW_LOG" ]; then
	while IFS= read -r line; do
		np_relay "$line" || echo "$line"
	done < <(python3 "$NP_TOP/scripts/lib/ktap.py" --bad-log "$NP_BAD_LOG_FILE" \
		"$RAW_LOG" | sed '$d')
else
	np_fail "kunit: no kernel log at $RAW_LOG (build or boot failed)"
fi
if [ "$rc" -ne 0 ] && [ "$NP_FAILED" -eq 0 ]; then
	np_fail "kunit.py run (exit $rc, see $TOOL_LOG)"
fi

# The benchmark's figures, as printed by the nopanic_skb_guard_bench suite.
if [ -f "$RAW_LOG" ]; then
	grep -o 'skb_guard bench: .*' "$RAW_LOG" || true
fi

mkdir -p "$OUT"
[ -f "$RAW_LOG" ] && cp "$RAW_LOG" "$OUT/test.log"
echo "kernel log: $OUT/test.log (kunit.py's: $TOOL_LOG)"
T1=$(date +%s%N)
echo "wall time: $(( (T1 - T0) / 1000000000 )).$(( (T1 - T0) / 100000000 % 10 )) s"
summary_done=1
np_summary
