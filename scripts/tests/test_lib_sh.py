# SPDX-License-Identifier: GPL-2.0-only
"""Unit tests of scripts/lib/lib.sh, the shell side of the harness: each
case runs a bash snippet with the library sourced."""

import os
import subprocess
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def bash(snippet):
    """stdout of @snippet, run by bash after sourcing lib.sh."""
    with tempfile.TemporaryDirectory() as cache:
        r = subprocess.run(
            ['bash', '-c', '. "$1/scripts/lib/lib.sh"; ' + snippet, '_', TOP],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, NOPANIC_CACHE=cache))
    return r.returncode, r.stdout


class Env(unittest.TestCase):
    """np_env: a tool's NAME=VALUE lines as variables, never evaluated."""

    def test_values_are_taken_as_they_are(self):
        rc, out = bash(r"""
            tool() { echo 'ROOT=/a b/c'; echo 'X=$(echo run)'; echo 'junk';
                     echo 'lower=1'; }
            np_env tool; echo "[$ROOT][$X][${lower:-unset}]" """)
        self.assertEqual(out, '[/a b/c][$(echo run)][unset]\n')

    def test_sets_the_callers_locals(self):
        rc, out = bash(r"""
            tool() { echo KVER=6.1; }
            f() { local KVER; np_env tool; echo "in: $KVER"; }
            f; echo "out: ${KVER:-unset}" """)
        self.assertEqual(out, 'in: 6.1\nout: unset\n')

    def test_status_is_the_tools(self):
        rc, out = bash('tool() { echo A=1; return 3; }; '
                       'np_env tool; echo "$? $A"')
        self.assertEqual(out, '3 1\n')


class Table(unittest.TestCase):
    """np_tab_*: checks counted per row and column."""

    def test_cells(self):
        rc, out = bash(r"""
            np_tab_check sid load a true > /dev/null
            np_tab_check sid load b false > /dev/null
            np_tab_check sid stress c true > /dev/null
            np_tab_na sid kunit 'skipped (PATCHES_KUNIT)'
            for c in load stress kunit remove; do
                np_tab_cell sid $c 'n/a: '
            done""")
        self.assertEqual(out.splitlines(), [
            'FAIL 1/2', 'ok 1', 'n/a: skipped (PATCHES_KUNIT)', 'not run'])


class Skeleton(unittest.TestCase):
    """np_tier ... np_tier_end: the work directory goes when all passed."""

    def test_work_directory_removed_after_a_pass(self):
        rc, out = bash('np_tier t; d=$WORK; np_run echo hi; np_ok x > /dev/null; '
                       'np_tier_end > /dev/null; [ -d "$d" ] || echo gone')
        self.assertEqual((rc, out), (0, 'gone\n'))

    def test_kept_after_a_failure(self):
        rc, out = bash('np_tier t; d=$WORK; np_fail x > /dev/null; '
                       'np_tier_end | tail -n 2; grep -c . "$d/setup.log"; '
                       'rm -rf "$d"')
        self.assertEqual(out.splitlines()[-3:],
                         ['1..1', '0 passed, 1 failed', '0'])

    def test_fatal_counts_and_exits(self):
        rc, out = bash('np_tier t; d=$WORK; np_fatal build "no gcc"; '
                       'echo not-reached')
        self.assertEqual(rc, 1)
        self.assertIn('not ok 1 build # no gcc', out)
        self.assertNotIn('not-reached', out)
        self.assertIn('work directory kept', out)
        subprocess.run(['rm', '-rf'] + [w.split(': ')[-1] for w in
                                         out.splitlines()
                                         if 'work directory kept' in w])


class ForeignCrash(unittest.TestCase):
    """dom0.sh's boot_foreign: which crashes end in a new boot."""

    def crash(self, log, tinit='3'):
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, 'b.log'), 'w') as f:
                f.write(log)
            rc, out = bash('. "$1/scripts/lib/dom0.sh"; WORK=' + work +
                           '; BOOT_TINIT[b]=' + tinit +
                           '; boot_foreign b && echo retry || echo report')
        return out.strip()

    def test_any_crash_before_init(self):
        self.assertEqual(self.crash('kernel BUG at x.c:1!\n', tinit=''),
                         'retry')

    def test_text_patching_trap_after_init(self):
        self.assertEqual(self.crash(
            '[ 12.9] int3: 0000 [#1] PREEMPT SMP NOPTI\r\n'
            '[ 12.9] RIP: e030:crng_make_state+0x22/0x2e0\n'
            'Modules linked in: xen_gntalloc xen_evtchn(O)\n'), 'retry')
        self.assertEqual(self.crash(
            '[ 1.3] Oops: int3: 0000 [#1] SMP NOPTI\n'), 'retry')

    def test_our_crashes_are_reported(self):
        self.assertEqual(self.crash(
            '[ 5.0] kernel BUG at drivers/xen/evtchn.c:264!\n'
            '[ 5.0] Oops: invalid opcode: 0000 [#1]\n'), 'report')
        self.assertEqual(self.crash(
            '[ 5.0] int3: 0000 [#1] SMP\n'
            '[ 5.0]  evtchn_ioctl+0x10/0x90 [xen_evtchn]\n'), 'report')
        self.assertEqual(self.crash(
            '[ 5.0] BUG: kernel NULL pointer dereference\n'
            '[ 5.1] int3: 0000 [#2] SMP\n'), 'report')


class Relay(unittest.TestCase):
    """np_tab_relay and np_relay_tier: another tool's KTAP counted here."""

    def test_results_counted_in_their_columns(self):
        rc, out = bash(r"""
            col() { case $1 in a/*) NP_COL=colA ;; *) NP_COL=colB ;; esac; }
            hook() { echo "$*" >&2; }
            np_tab_relay sid col hook 2> hooked < <(printf '%s\n' 'KTAP version 1' \
                'ok 1 sid/a/x' 'not ok 2 b # why' 'ok 3 c # SKIP no' \
                'noise' '1..3' '1 passed, 1 failed') > /dev/null
            echo "plan $?"
            np_tab_cell sid colA; np_tab_cell sid colB; np_summary | tail -n 1
            cat hooked; rm hooked""")
        self.assertEqual(out.splitlines(), [
            'plan 0', 'ok 1', 'FAIL 1/1', '1 passed, 1 failed, 1 skipped',
            'sid ok sid/a/x', 'sid fail b'])

    def test_a_tool_that_died_is_a_failure(self):
        rc, out = bash(r"""
            np_relay_tier t printf '%s\n' 'ok 1 one' 'ok 2 two'
            np_summary | tail -n 1""")
        self.assertIn('not ok 3 t # ended without its plan line', out)
        self.assertEqual(out.splitlines()[-1], '2 passed, 1 failed')



@unittest.skipUnless(os.geteuid() == 0 and os.path.exists('/bin/busybox'),
                     'needs root (mount, chroot) and /bin/busybox')
class Chroot(unittest.TestCase):
    """np_chroot: two commands in one root at once; the one that ends first
    leaves /proc mounted for the other, the last one unmounts."""

    def test_mounts_stay_while_another_runs(self):
        with tempfile.TemporaryDirectory() as root:
            for d in ('bin', 'proc', 'sys'):
                os.mkdir(os.path.join(root, d))
            subprocess.run(['cp', '/bin/busybox', root + '/bin/'], check=True)
            os.symlink('busybox', root + '/bin/sh')
            rc, out = bash(r"""
                r=$2
                np_chroot "$r" /bin/busybox sh -c \
                    '/bin/busybox sleep 2; /bin/busybox test -e /proc/self/stat' &
                a=$!
                /bin/busybox sleep 0.5
                np_chroot "$r" /bin/busybox true; echo "short $?"
                wait $a; echo "long $?"
                mountpoint -q "$r/proc" && echo mounted || echo unmounted
                """.replace('$2', root))
            subprocess.run(['umount', root + '/proc', root + '/sys'],
                           stderr=subprocess.DEVNULL)
        self.assertEqual(out.splitlines(), ['short 0', 'long 0', 'unmounted'])


if __name__ == '__main__':
    unittest.main()
