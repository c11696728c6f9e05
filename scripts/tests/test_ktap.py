# SPDX-License-Identifier: GPL-2.0-only
"""Unit tests of scripts/lib/ktap.py, the one reader of every tier's KTAP."""

import io
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'lib'))
import ktap  # noqa: E402


def run(text, name='', expect=None, partial=False):
    res = ktap.leaves(ktap.parse(io.StringIO(text)), name, True, expect,
                      partial)
    out = io.StringIO()
    failed = ktap.summarize(res, out)
    return failed, out.getvalue().splitlines()


class Flat(unittest.TestCase):
    def test_all_pass(self):
        failed, out = run('KTAP version 1\n1..2\nok 1 a\nok 2 - b\n')
        self.assertEqual(failed, 0)
        self.assertEqual(out, ['ok a', 'ok b', '2 passed, 0 failed'])

    def test_fail_skip_and_reason(self):
        failed, out = run('KTAP version 1\n1..3\nnot ok 1 a # ENOENT, not EBUSY\n'
                          'ok 2 b # SKIP no xenstored\nok 3 c\n')
        self.assertEqual(failed, 1)
        self.assertEqual(out, ['FAIL a: ENOENT, not EBUSY',
                               'skip b: no xenstored', 'ok c',
                               '1 passed, 1 failed, 1 skipped'])

    def test_plan_at_the_end(self):
        failed, out = run('KTAP version 1\nok 1 a\nok 2 b\n1..2\n')
        self.assertEqual(out[-1], '2 passed, 0 failed')

    def test_cut_short_counts_what_it_lost(self):
        failed, out = run('KTAP version 1\n1..4\nok 1 a\nok 2 b\n')
        self.assertEqual(failed, 2)
        self.assertIn('FAIL not-run-3: did not run (plan 1..4, 2 reported)', out)
        self.assertEqual(out[-1], '2 passed, 2 failed')

    def test_more_than_the_plan(self):
        failed, out = run('KTAP version 1\n1..1\nok 1 a\nok 2 b\n')
        self.assertEqual(failed, 1)
        self.assertIn('FAIL ktap: plan 1..1, but 2 reported', out)

    def test_no_plan_is_a_failure_unless_expected(self):
        failed, out = run('KTAP version 1\nok 1 a\n')
        self.assertEqual(failed, 1)
        self.assertTrue(out[1].startswith('FAIL ktap: no plan'))
        failed, out = run('KTAP version 1\nok 1 a\n', expect=3)
        self.assertEqual(out[-1], '1 passed, 2 failed')
        self.assertIn('FAIL not-run-2: did not run (a complete run reports 3, '
                      'this one ended after 1)', out)
        failed, out = run('KTAP version 1\nok 1 a\n', expect=1)
        self.assertEqual(out[-1], '1 passed, 1 failed')

    def test_mixed_with_a_console(self):
        text = ('[    3.1] xen:events: Using FIFO-based ABI\n'
                'KTAP version 1\n1..2\nok 1 a\n'
                'random console line: ok 7 not a result\n'
                '[   10.2] evtchn: something\nnot ok 2 b\n')
        failed, out = run(text, 'e2e')
        self.assertEqual(out, ['ok e2e/a', 'FAIL e2e/b: not ok',
                               '1 passed, 1 failed'])

    def test_empty_input(self):
        failed, out = run('')
        self.assertEqual(failed, 1)


class Nested(unittest.TestCase):
    KUNIT = ('KTAP version 1\n1..2\n'
             '    KTAP version 1\n    # Subtest: evtchn_core\n    1..2\n'
             '    ok 1 bind\n    not ok 2 rebind\n'
             'not ok 1 evtchn_core\n'
             '    # Subtest: skb_guard\n    1..1\n    ok 1 put\n'
             'ok 2 skb_guard\n')

    def test_kunit_shape(self):
        failed, out = run(self.KUNIT, 'kunit')
        self.assertEqual(out, ['ok kunit/evtchn_core/bind',
                               'FAIL kunit/evtchn_core/rebind: not ok',
                               'ok kunit/skb_guard/put',
                               '2 passed, 1 failed'])

    def test_parent_failing_on_its_own(self):
        failed, out = run('KTAP version 1\n1..1\n'
                          '    KTAP version 1\n    1..1\n    ok 1 a\n'
                          'not ok 1 boot # kernel log: BUG: x\n')
        self.assertEqual(out, ['ok boot/a', 'FAIL boot: kernel log: BUG: x',
                               '1 passed, 1 failed'])

    def test_crash_inside_a_subtest(self):
        # the boot died in its second step: step 2 has no result, its
        # plan promised 3, and step 3 never started
        failed, out = run('KTAP version 1\n1..3\n'
                          '    # Subtest: conform\n    1..1\n    ok 1 a\n'
                          'ok 1 conform\n'
                          '    # Subtest: stress\n    1..3\n    ok 1 x\n'
                          '[  5.0] kernel BUG at drivers/xen/evtchn.c:264!\n')
        self.assertEqual(failed, 4)
        self.assertIn('FAIL stress/not-run-2: did not run (plan 1..3, 1 reported)',
                      out)
        self.assertIn('FAIL stress: no result: the output ends inside it',
                      out)
        self.assertIn('FAIL not-run-3: did not run (plan 1..3, 2 reported)', out)
        self.assertEqual(out[-1], '2 passed, 4 failed')

    def test_partial_counts_only_what_was_reported(self):
        text = ('KTAP version 1\n1..3\n    # Subtest: setup\n    ok 1 a\n'
                '    not ok 2 b\n')
        failed, out = run(text, 'control', partial=True)
        self.assertEqual(out, ['ok control/setup/a',
                               'FAIL control/setup/b: not ok',
                               '1 passed, 1 failed'])

    def test_sibling_starts_without_the_result_of_the_first(self):
        failed, out = run('KTAP version 1\n1..2\n'
                          '    KTAP version 1\n    1..1\n    ok 1 a\n'
                          '    KTAP version 1\n    1..1\n    ok 1 b\n'
                          'ok 2 second\n')
        self.assertIn('FAIL 1: no result: the output ends inside it', out)
        self.assertIn('ok second/b', out)

    def test_skipped_parent(self):
        failed, out = run('KTAP version 1\n1..1\n'
                          '    KTAP version 1\n    1..0\n'
                          'ok 1 net # SKIP not in PATCHES_KUNIT\n')
        self.assertEqual(out, ['skip net: not in PATCHES_KUNIT',
                               '0 passed, 0 failed, 1 skipped'])

    def test_three_levels(self):
        failed, out = run('KTAP version 1\n1..1\n'
                          '    KTAP version 1\n    1..1\n'
                          '        KTAP version 1\n        1..2\n'
                          '        ok 1 x\n        ok 2 y\n'
                          '    ok 1 inner\nok 1 outer\n', 'm')
        self.assertEqual(out, ['ok m/outer/inner/x', 'ok m/outer/inner/y',
                               '2 passed, 0 failed'])


class Cli(unittest.TestCase):
    def test_files_named_by_their_names(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            for tier, text in (('kunit', 'ok 1 a\n1..1\n'),
                               ('e2e', 'not ok 1 b # x\n')):
                with open(os.path.join(d, tier + '.log'), 'w') as f:
                    f.write(text)
            out = io.StringIO()
            stdout, sys.stdout = sys.stdout, out
            try:
                rc = ktap.main(['--quiet', os.path.join(d, 'e2e.log'),
                                os.path.join(d, 'kunit.log')])
            finally:
                sys.stdout = stdout
        self.assertEqual(rc, 1)
        self.assertEqual(out.getvalue().splitlines(),
                         ['FAIL e2e/b: x',
                          'FAIL e2e: no plan: the output may have been cut '
                          'short', '1 passed, 2 failed'])

    def test_exit_status(self):
        import tempfile
        with tempfile.NamedTemporaryFile('w', suffix='.ktap') as f:
            f.write('KTAP version 1\n1..1\nnot ok 1 a\n')
            f.flush()
            out = io.StringIO()
            stdout, sys.stdout = sys.stdout, out
            try:
                rc = ktap.main(['--name', 't', f.name])
            finally:
                sys.stdout = stdout
        self.assertEqual(rc, 1)
        self.assertEqual(out.getvalue().splitlines()[-1],
                         '0 passed, 1 failed')



KUNIT_LOG = """Linux version 6.1
KTAP version 1
1..2
    KTAP version 1
    # Subtest: suite_a
    1..2
    ok 1 - a1
BUG: KASAN: slab-use-after-free in a2_helper
    ok 2 - a2
ok 1 - suite_a
    KTAP version 1
    # Subtest: suite_b
    1..1
    ok 1 - b1
ok 2 - suite_b
"""


class BadLog(unittest.TestCase):
    """--bad-log: a KTAP document inside a kernel's console (KUnit)."""

    def run_bad(self, text):
        bad = re.compile(r'BUG:|WARNING:|Kernel panic')
        root = ktap.parse(io.StringIO(text), bad)
        res = ktap.leaves(root, '', True) + ktap.log_check(root, '')
        out = io.StringIO()
        return ktap.summarize(res, out), out.getvalue().splitlines()

    def test_report_fails_the_running_case_and_the_log(self):
        failed, out = self.run_bad(KUNIT_LOG)
        self.assertEqual(failed, 2)
        self.assertIn('FAIL suite_a/a2: the kernel logged: BUG: KASAN: '
                      'slab-use-after-free in a2_helper', out)
        self.assertIn('ok suite_a/a1', out)
        self.assertTrue(any(x.startswith('FAIL kernel-log: 1 bad line(s)')
                            for x in out))

    def test_clean_log_is_one_more_pass(self):
        text = KUNIT_LOG.replace(
            'BUG: KASAN: slab-use-after-free in a2_helper\n', '')
        failed, out = self.run_bad(text)
        self.assertEqual(failed, 0)
        self.assertEqual(out[-2:], ['ok kernel-log', '4 passed, 0 failed'])

    def test_crash_counts_the_cases_it_cut_off(self):
        text = KUNIT_LOG.split('    ok 2 - a2')[0]
        failed, out = self.run_bad(text)
        self.assertIn('ok suite_a/a1', out)
        self.assertTrue(any(x.startswith('FAIL suite_a/not-run-2: did not run')
                            for x in out))
        self.assertTrue(any(x.startswith('FAIL kernel-log: 1 bad line(s), '
                                         'the first: BUG: KASAN') for x in out))
        self.assertTrue(any(x.startswith('FAIL not-run-2: did not run')
                            for x in out))

    def test_before_the_tests(self):
        failed, out = self.run_bad('WARNING: at boot\n' + KUNIT_LOG)
        self.assertTrue(any('before the tests: WARNING: at boot' in x
                            for x in out))

if __name__ == '__main__':
    unittest.main()
