#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""KTAP (Documentation/dev-tools/ktap.rst) read back into counts.

Usage:
  scripts/lib/ktap.py [--name NAME] [--expect N] [--partial] [--quiet]
                      [--bad-log PATTERNS] FILE...        (- for stdin)

Reads KTAP version 1 (or TAP version 13) documents, nested to any depth
by indentation, and prints every leaf test as a line

  ok <path>                  passed
  FAIL <path>: <why>         failed, or missing
  skip <path>: <why>         skipped (a "# SKIP" directive)

where <path> joins the names of the tests above it with '/' (under
NAME, or with several files and no --name each file's name less its
extension), then the sum as the last line: "N passed, N failed[, N
skipped]". --quiet leaves out the "ok" lines. Exit status 1 when
anything failed.

What counts:
  - a test with subtests counts as its subtests; it adds one failure of
    its own when it is "not ok" although none of its subtests failed (a
    parent may fail for a reason of its own: a dirty kernel log);
  - a plan "1..N" promises N tests: each one not reported is a failure
    ("did not run"), so a document cut short by a crash counts what it
    lost, and more than N is one failure; a subtest with no result line
    of its own fails ("no result");
  - a document without a plan is a failure ("no plan"); with --expect N
    (what a complete run of it reported), each of the N it did not
    report is one instead;
  - --partial: the document is expected to end early (a boot that must
    crash): what it reported counts, what it did not is not a failure;
  - --bad-log PATTERNS (a file of regular expressions, one per line, #
    comments: scripts/conf/bad-log) for a KTAP document inside a kernel's
    console (KUnit): a console line that matches fails the test whose
    result line comes next (the case that was running), and one more
    test, kernel-log, passes only if no line matched at all (its why:
    the first one, with where it was).

Anything else (the kernel's own console, diagnostics) is ignored: the
KTAP may be mixed with other output as long as its lines are whole.
"""

import os
import re
import sys

VERSION = re.compile(r'^(\s*)(?:KTAP version 1|TAP version 1[34])\s*$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
RESULT = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)(?:\s+-)?(?:\s+([^#]*?))?\s*'
                    r'(?:#\s*(.*))?$')
SUBTEST = re.compile(r'^(\s*)#\s*Subtest:\s*(.*?)\s*$')
DIAG = re.compile(r'^\s*#\s*(\S.*?)\s*$')
STAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')     # printk time, if on


class Test:
    """One test: its result line and, for a parent, its subtests."""

    def __init__(self, name='', indent=0):
        self.name = name
        self.indent = indent        # of its own lines: plan, subtests
        self.plan = None
        self.subtests = []
        self.ok = None              # None: no result line (yet)
        self.directive = ''
        self.report = None          # a bad console line while it ran
        self.diag = ''              # its first "# " line (KUnit's why)
        self.reports = []           # root only: every one, with where

    def __repr__(self):
        return 'Test(%r, ok=%r, %d subtests)' % (self.name, self.ok,
                                                 len(self.subtests))


def bad_log(path):
    """The patterns file @path as one regular expression."""
    with open(path) as f:
        return re.compile('|'.join(x.rstrip('\n') for x in f
                                   if x.strip() and not x.startswith('#')))


def parse(lines, bad=None):
    """The test document in @lines (an iterable of str), as a Test whose
    subtests are its results. One document per stream, at indentation 0;
    nested ones are found by their deeper indentation. @bad: a compiled
    regular expression of bad console lines (see --bad-log)."""
    root = Test()
    stack = [root]
    pending, started, diag = None, False, ''
    for raw in lines:
        line = STAMP.sub('', raw.rstrip('\r\n')).replace('\t', '        ')
        if bad is not None and bad.search(line):
            if pending is None:
                pending = line.strip()
            root.reports.append(line.strip() if started else
                                'before the tests: ' + line.strip())
            continue
        started = started or any(rx.match(line) for rx in
                                 (VERSION, SUBTEST, PLAN, RESULT))
        ind = len(line) - len(line.lstrip(' '))
        top = stack[-1]
        if VERSION.match(line) or SUBTEST.match(line):
            while len(stack) > 1 and top.indent > ind:
                stack.pop()
                top = stack[-1]
            fresh = top.indent == ind and top is not root and \
                not top.subtests and top.plan is None
            if top.indent == ind and top is not root and not fresh:
                # a sibling begins: the open one ended without a result
                stack.pop()
                top = stack[-1]
            if ind > top.indent:
                child = Test('', ind)
                top.subtests.append(child)
                stack.append(child)
                top = child
            m = SUBTEST.match(line)
            if m and top.indent == ind:
                top.name = top.name or m.group(2)
            continue
        m = DIAG.match(line)
        if m:
            diag = diag or m.group(1)
            continue
        m = PLAN.match(line)
        if m:
            for t in reversed(stack):
                if t.indent == ind:
                    t.plan = int(m.group(2))
                    break
            continue
        m = RESULT.match(line)
        if not m:
            continue
        # a test's result line is at its parent's indentation: close the
        # documents deeper than it; the last one closed is the test
        closed = None
        while len(stack) > 1 and stack[-1].indent > ind:
            closed = stack.pop()
        parent = stack[-1]
        if parent.indent != ind:
            continue            # not at any open document's level
        if closed is not None and closed in parent.subtests and \
           closed.ok is None:
            test = closed
        else:
            test = Test('', ind + 4)
            parent.subtests.append(test)
        _finish(test, m)
        test.diag, diag = diag, ''
        if pending is not None:
            test.report, pending = pending, None
    return root


def _finish(test, m):
    test.ok = m.group(2) == 'ok'
    name = (m.group(4) or '').strip()
    if name:
        test.name = name
    test.directive = (m.group(5) or '').strip()


def leaves(test, path='', top=True, expect=None, partial=False):
    """(status, path, why) for every leaf of @test; status is 'ok',
    'fail' or 'skip'."""
    out = []
    subs = test.subtests
    for i, t in enumerate(subs, 1):
        p = '/'.join(x for x in (path, t.name or str(i)) if x)
        skip = re.match(r'(?i)skip\b\s*(.*)', t.directive)
        if not t.subtests:
            if t.ok is None:
                if not partial:
                    out.append(('fail', p, 'no result'))
            elif t.report:
                out.append(('fail', p, 'the kernel logged: ' + t.report))
            elif skip:
                out.append(('skip', p, skip.group(1) or 'skipped'))
            elif t.ok:
                out.append(('ok', p, ''))
            else:
                out.append(('fail', p, t.directive or t.diag or 'not ok'))
            continue
        sub = leaves(t, p, False, None, partial)
        out += sub
        if t.ok is None:
            if partial:
                continue
            out.append(('fail', p, 'no result: the output ends inside it'))
        elif t.report:
            out.append(('fail', p, 'the kernel logged: ' + t.report))
        elif not t.ok and not skip and not any(s == 'fail' for s, _, _ in sub):
            out.append(('fail', p, t.directive or
                        'not ok, though no subtest failed'))
    if test.plan is None and expect is not None and not partial:
        # cut short: count what a complete run reports as not run
        for n in range(len(subs) + 1, expect + 1):
            out.append(('fail', '/'.join(x for x in (path, 'not-run-%d' % n) if x),
                        'did not run (a complete run reports %d, this one '
                        'ended after %d)' % (expect, len(subs))))
        if len(subs) >= expect:
            out.append(('fail', path or 'ktap', 'no plan: the output may '
                        'have been cut short'))
        return out
    plan = test.plan
    if partial and (plan is None or len(subs) < plan):
        return out
    if plan is not None and len(subs) > plan:
        out.append(('fail', path or 'ktap', 'plan 1..%d, but %d reported'
                    % (plan, len(subs))))
    if plan is not None:
        for n in range(len(subs) + 1, plan + 1):
            out.append(('fail', '/'.join(x for x in (path, 'not-run-%d' % n) if x),
                        'did not run (plan 1..%d, %d reported)'
                        % (plan, len(subs))))
    elif top or subs:
        out.append(('fail', path or 'ktap', 'no plan: the output may have '
                    'been cut short'))
    return out


def summarize(results, out=None, quiet=False):
    """Print one line per leaf and the sum; return the failure count."""
    out = out or sys.stdout
    n = {'ok': 0, 'fail': 0, 'skip': 0}
    for status, path, why in results:
        n[status] += 1
        if status == 'ok':
            if not quiet:
                out.write('ok %s\n' % path)
        else:
            out.write('%s %s: %s\n' % ('FAIL' if status == 'fail' else 'skip',
                                       path, why))
    out.write('%d passed, %d failed%s\n' % (
        n['ok'], n['fail'], ', %d skipped' % n['skip'] if n['skip'] else ''))
    return n['fail']


def log_check(root, path):
    """The kernel-log test of a document read with --bad-log."""
    p = '/'.join(x for x in (path, 'kernel-log') if x)
    if not root.reports:
        return [('ok', p, '')]
    return [('fail', p, '%d bad line(s), the first: %s'
             % (len(root.reports), root.reports[0]))]


def main(argv):
    name, expect, partial, quiet, files = None, None, False, False, []
    bad = None
    args = iter(argv)
    for a in args:
        if a == '--bad-log':
            bad = bad_log(next(args))
        elif a == '--partial':
            partial = True
        elif a == '--quiet':
            quiet = True
        elif a == '--name':
            name = next(args)
        elif a == '--expect':
            expect = int(next(args))
        else:
            files.append(a)
    if not files:
        sys.stderr.write(__doc__)
        return 2
    results = []
    for f in files:
        n = name
        if n is None:
            n = '' if len(files) == 1 or f == '-' else \
                os.path.basename(f).rsplit('.', 1)[0]
        fh = sys.stdin if f == '-' else open(f, errors='replace')
        with fh:
            root = parse(fh, bad)
            results += leaves(root, n, True, expect, partial)
            if bad is not None:
                results += log_check(root, n)
    return 1 if summarize(results, quiet=quiet) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
