# SPDX-License-Identifier: GPL-2.0-only
"""Unit tests of scripts/tools/patches_net.py: the pieces that turn the repo's
sources and words into a kernel series, on small inputs whose right
answer is known. The whole generator is checked against real trees by
`scripts/tools/patches_net.py check <line>` (make patches-check)."""

import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'tools'))
import patches_net as pn  # noqa: E402


class Marked(unittest.TestCase):
    def test_blocks_joined(self):
        text = ('a\n/* in-tree: begin */\nb\n/* in-tree: end */\nc\n'
                '\t/* in-tree: begin */\nd\n\t/* in-tree: end */\n')
        self.assertEqual(pn.marked(text, 'x'), 'b\nd\n')

    def test_unbalanced(self):
        for text in ('/* in-tree: begin */\nb\n',
                     'b\n/* in-tree: end */\n', 'no markers\n',
                     '/* in-tree: begin */\n/* in-tree: begin */\n'):
            with self.assertRaises(pn.Error):
                pn.marked(text, 'x')


class Ifdefs(unittest.TestCase):
    TEXT = ('#ifdef A\na\n#else\nnot-a\n#endif\n'
            '#ifndef B\nnot-b\n#ifdef A\nnot-b-a\n#endif\n#endif\nend\n')

    def test_resolved(self):
        self.assertEqual(pn.resolve_ifdefs(self.TEXT, {'A'}),
                         'a\nnot-b\nnot-b-a\nend\n')
        self.assertEqual(pn.resolve_ifdefs(self.TEXT, {'B'}),
                         'not-a\nend\n')
        self.assertEqual(pn.resolve_ifdefs(self.TEXT, set()),
                         'not-a\nnot-b\nend\n')

    def test_guard_kept(self):
        text = '#ifndef G\n#define G\n#ifdef A\na\n#endif\n#endif\n'
        self.assertEqual(pn.resolve_ifdefs(text, set(), keep=('G',)),
                         '#ifndef G\n#define G\n#endif\n')

    def test_unbalanced(self):
        with self.assertRaises(pn.Error):
            pn.resolve_ifdefs('#ifdef A\na\n', set())


class Expand(unittest.TestCase):
    COMPAT = ('#ifdef HAVE_X\n'
              '#define np_inc(dev, f) X_INC(dev, f)\n'
              '#else\n'
              '#define np_inc(dev, f) ((dev)->stats.f++)\n'
              '#endif\n'
              'static inline void np_two(struct net_device *dev)\n'
              '{\n'
              '\tnp_inc(dev, a);\n'
              '\tnp_inc(dev, b);\n'
              '}\n')

    def test_call_args(self):
        self.assertEqual(pn.call_args('f(a, g(b, c), (d))', 1),
                         (['a', 'g(b, c)', '(d)'], 18))
        with self.assertRaises(pn.Error):
            pn.call_args('f(a, (b)', 1)

    def test_subst_keeps_parens_for_expressions(self):
        self.assertEqual(pn.subst_params('(dev)->x + dev', ['dev'],
                                         ['skb->dev']),
                         'skb->dev->x + skb->dev')
        self.assertEqual(pn.subst_params('(dev)->x', ['dev'], ['a + b']),
                         '(a + b)->x')

    def test_macro_by_feature(self):
        code = '\tnp_inc(skb->dev, rx_errors);\n'
        defs = pn.compat_defs(self.COMPAT, {'HAVE_X'})
        self.assertEqual(pn.expand_compat(code, {'np_inc': defs['np_inc']}),
                         '\tX_INC(skb->dev, rx_errors);\n')
        defs = pn.compat_defs(self.COMPAT, set())
        self.assertEqual(pn.expand_compat(code, {'np_inc': defs['np_inc']}),
                         '\t(skb->dev->stats.rx_errors++);\n')

    def test_function_body_gets_braces(self):
        defs = pn.compat_defs(self.COMPAT, {'HAVE_X'})
        code = '\tif (dev)\n\t\tnp_two(dev);\n\treturn;\n'
        self.assertEqual(pn.expand_compat(code, defs),
                         '\tif (dev) {\n\t\tX_INC(dev, a);\n'
                         '\t\tX_INC(dev, b);\n\t}\n\treturn;\n')

    def test_leftover_is_an_error(self):
        defs = pn.compat_defs(self.COMPAT, set())
        with self.assertRaises(pn.Error):
            pn.expand_compat('\tp = &np_two;\n', defs)


class KunitCompat(unittest.TestCase):
    def test_null_checks_become_ptr_compares(self):
        testh = ('#define KUNIT_EXPECT_PTR_EQ(t, a, b)\n'
                 '#define KUNIT_EXPECT_PTR_NE(t, a, b)\n'
                 '#define KUNIT_EXPECT_PTR_EQ_MSG(t, a, b, f, ...)\n'
                 '#define KUNIT_EXPECT_PTR_NE_MSG(t, a, b, f, ...)\n'
                 '#define KUNIT_ASSERT_PTR_EQ(t, a, b)\n'
                 '#define KUNIT_ASSERT_PTR_NE(t, a, b)\n'
                 '#define KUNIT_ASSERT_PTR_EQ_MSG(t, a, b, f, ...)\n'
                 '#define KUNIT_ASSERT_PTR_NE_MSG(t, a, b, f, ...)\n'
                 '#define KUNIT_FAIL_AND_ABORT(t, f, ...)\n')
        body = ('\tKUNIT_EXPECT_NULL(test, skb_guard_put(skb, 1));\n'
                '\tKUNIT_ASSERT_NOT_NULL(test, p + 1);\n'
                '\tKUNIT_ASSERT_FAILURE(test, "x");\n')
        self.assertEqual(
            pn.kunit_compat(body, testh),
            '\tKUNIT_EXPECT_PTR_EQ(test, (void *)skb_guard_put(skb, 1), '
            'NULL);\n'
            '\tKUNIT_ASSERT_PTR_NE(test, (void *)(p + 1), NULL);\n'
            '\tKUNIT_FAIL_AND_ABORT(test, "x");\n')

    def test_long_call_wrapped_at_the_parenthesis(self):
        out = pn.format_call('\t', 'KUNIT_EXPECT_PTR_EQ',
                             ['test', '(void *)' + 'x' * 40, 'NULL'], ';')
        lines = out.split('\n')
        self.assertGreater(len(lines), 1)
        self.assertTrue(all(x.endswith(',') for x in lines[:-1]))
        self.assertTrue(lines[-1].endswith('NULL);'))
        for x in lines[1:]:
            self.assertEqual(pn.col(x[:len(x) - len(x.lstrip())]),
                             pn.col('\tKUNIT_EXPECT_PTR_EQ('))
        self.assertTrue(all(pn.col(x) <= 80 for x in lines))


class Words(unittest.TestCase):
    PHRASES = ('# comment\n\n@ w if A\nwith a\n@ w unless A\nwithout a\n'
               '@ note unless A\n - no a\n@ note unless B\n - no b\n'
               '@ none\n - nothing\n')

    def test_conditions(self):
        p = pn.phrases(self.PHRASES, {'A'})
        self.assertEqual(p['w'], ['with a'])
        self.assertEqual(p['note'], [' - no b'])
        self.assertEqual(pn.phrases(self.PHRASES, set())['note'],
                         [' - no a', ' - no b'])
        self.assertNotIn('note', pn.phrases(self.PHRASES, {'A', 'B'}))

    def test_bad_line(self):
        with self.assertRaises(pn.Error):
            pn.phrases('@ w when A\n', set())

    def test_rewrap(self):
        text = ('subject: stays as it is even when it is long enough to '
                'need wrapping\n\n' + 'word ' * 20 + '\n\n - item ' +
                'x ' * 40 + '\n\n  indented\n  block\n\nFixes: abc\n')
        out = pn.rewrap(text).split('\n')
        self.assertEqual(out[0], text.split('\n')[0])
        self.assertTrue(all(len(x) <= 72 for x in out[1:]))
        self.assertIn('  indented', out)
        self.assertIn('   x x', '\n'.join(out))
        self.assertEqual(out[-2], 'Fixes: abc')

    def test_real_phrases_cover_every_feature_set(self):
        text = pn.prose('phrases')
        for have in (set(), {'DEV_STATS_INC', 'NOPANIC_HAVE_CORE_STATS',
                             'NOPANIC_HAVE_DROP_REASON_PKT_TOO_BIG',
                             'KUNIT_EXPECT_NULL', 'KUNIT_ASSERT_FAILURE',
                             'KUNIT_KCONFIG_ADD'}):
            p = pn.phrases(text, have)
            for name in ('stats', 'dropped', 'free', 'run'):
                self.assertEqual(len(p[name]), 1, name)
            for msg in ('core', 'kunit'):
                self.assertIn('Signed-off-by: ', pn.message(msg, have))
            self.assertTrue(pn.cover_notes(have).startswith(' - '))


class Drift(unittest.TestCase):
    PATCH = ('From 1111111111111111111111111111111111111111 Mon Sep 17 '
             '00:00:00 2001\nDate: Fri, 4 Dec 2026\nSubject: x\n\n'
             'body\n-- \n2.39.5\n')

    def test_only_stable_parts_compared(self):
        with tempfile.TemporaryDirectory() as a, \
             tempfile.TemporaryDirectory() as b:
            pn.write(os.path.join(a, '0001-x.patch'), self.PATCH)
            pn.write(os.path.join(b, '0001-x.patch'), self.PATCH.replace(
                '1111', '2222').replace('4 Dec', '5 Dec').replace(
                '2.39.5', '2.47.3'))
            self.assertEqual(pn.drift(a, b), [])
            pn.write(os.path.join(b, '0001-x.patch'),
                     self.PATCH.replace('body', 'other'))
            pn.write(os.path.join(b, '0002-y.patch'), self.PATCH)
            pn.write(os.path.join(a, '0003-z.patch'), self.PATCH)
            err = io.StringIO()
            stderr, sys.stderr = sys.stderr, err
            try:
                d = pn.drift(a, b)
            finally:
                sys.stderr = stderr
            self.assertEqual(d, ['differs:0001-x.patch',
                                 'missing:0002-y.patch',
                                 'stale:0003-z.patch'])
            self.assertIn('+other', err.getvalue())


class KunitLog(unittest.TestCase):
    SRC = ('static struct kunit_case c[] = {\n\tKUNIT_CASE(put_fits),\n'
           '\tKUNIT_CASE(put_refused),\n\tKUNIT_CASE(drop),\n};\n'
           'static struct kunit_suite s = {\n\t.name = "skb_guard",\n};\n')

    def results(self, log):
        res = pn.Results()
        out = io.StringIO()
        with redirect_stdout(out):
            pn.kunit_results(self.SRC, log, '6.1', 0, 'kunit.log', res)
        return res, out.getvalue()

    def test_all_pass(self):
        res, out = self.results(
            '[ 0.1] KTAP version 1\n[ 0.1] 1..1\n'
            '[ 0.2]     # Subtest: skb_guard\n[ 0.2]     1..3\n'
            '[ 0.3]     ok 1 put_fits\n[ 0.3]     ok 2 put_refused\n'
            '[ 0.4]     ok 3 drop\n[ 0.4] ok 1 skb_guard\n')
        self.assertEqual((res.passed, res.failed), (4, 0))
        self.assertIn('ok 3 6.1/kunit/skb_guard.drop', out)
        self.assertIn('ok 4 6.1/kunit/kernel-log', out)

    def test_failure_crash_and_missing(self):
        res, out = self.results(
            '    # Subtest: skb_guard\n    1..3\n'
            '    # put_fits: EXPECTATION FAILED at net/core/x.c:10\n'
            '    not ok 1 put_fits\n'
            '    BUG: KASAN: use-after-free in skb_guard_drop\n'
            '    ok 2 put_refused\n')
        self.assertEqual((res.passed, res.failed), (0, 4))
        self.assertIn('not ok 1 6.1/kunit/skb_guard.put_fits # put_fits: '
                      'EXPECTATION FAILED', out)
        self.assertIn('not ok 2 6.1/kunit/skb_guard.put_refused # the kernel '
                      'logged: BUG: KASAN', out)
        self.assertIn('not ok 3 6.1/kunit/skb_guard.drop # did not run', out)
        self.assertIn('not ok 4 6.1/kunit/kernel-log # 1 bad line(s)', out)

    def test_report_outside_the_suite_fails(self):
        res, out = self.results(
            '    # Subtest: skb_guard\n    ok 1 put_fits\n'
            '    ok 2 put_refused\n    ok 3 drop\nok 1 skb_guard\n'
            'WARNING: CPU: 0 PID: 1 at lib/x.c:1\n')
        self.assertEqual((res.passed, res.failed), (3, 1))
        self.assertIn('not ok 4 6.1/kunit/kernel-log # 1 bad line(s), the '
                      'first: WARNING', out)


class BadLog(unittest.TestCase):
    """scripts/conf/bad-log, the one list every tier uses."""

    def test_reports_match(self):
        rx = pn.ktap.bad_log(os.path.join(pn.TOP, 'scripts', 'conf', 'bad-log'))
        for line in ('kernel BUG at drivers/xen/evtchn.c:264!',
                     'WARNING: CPU: 1 PID: 42 at kernel/x.c:10 f+0x1/0x2',
                     'BUG: KASAN: slab-use-after-free in evtchn_release',
                     'UBSAN: shift-out-of-bounds in drivers/x.c:3:9',
                     'kmemleak: 2 new suspected memory leaks',
                     'WARNING: possible circular locking dependency',
                     'INFO: task evtchn-fuzz:99 blocked for more than 120 s',
                     'Oops: 0000 [#1] SMP NOPTI'):
            self.assertTrue(rx.search(line), line)

    def test_clean_boot_lines_do_not(self):
        rx = pn.ktap.bad_log(os.path.join(pn.TOP, 'scripts', 'conf', 'bad-log'))
        for line in ('kmemleak: Kernel memory leak detector initialized',
                     'RCU lockdep checking is enabled.',
                     'KernelAddressSanitizer initialized (generic)',
                     'Command line: np.sanitizers=kasan,kfence,ubsan',
                     'xen:events: Using FIFO-based ABI',
                     'ok 12 evtchn_core_release_bugless'):
            self.assertFalse(rx.search(line), line)


class Warnings(unittest.TestCase):
    def test_only_added_lines_count(self):
        diff = ('+++ b/net/core/skbuff.c\n@@ -10,0 +11,3 @@\n+a\n+b\n+c\n'
                '+++ b/include/linux/skbuff.h\n@@ -5 +5 @@\n-x\n+y\n')
        added = pn.added_lines(diff)
        self.assertEqual(added, {'net/core/skbuff.c': {11, 12, 13},
                                 'include/linux/skbuff.h': {5}})
        log = ('../net/core/skbuff.c:12:5: warning: unused variable\n'
               'net/core/skbuff.c:40:1: warning: old one\n'
               'include/linux/skbuff.h:5: error: bad\n'
               'CC net/core/skbuff.o\n')
        ours, other = pn.new_warnings(log, added)
        self.assertEqual(len(ours), 2)
        self.assertEqual(other, 1)


if __name__ == '__main__':
    unittest.main()
