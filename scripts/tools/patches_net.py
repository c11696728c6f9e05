#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The skb guard as a git format-patch series per Debian kernel line
(patches/<line>/net/), generated from the repo's sources so that the
patches and the DKMS sources cannot drift apart.

Usage:
  scripts/tools/patches_net.py gen <line>          regenerate patches/<line>/net/
  scripts/tools/patches_net.py check <line> [<tree>]
                                             regenerate into a temp dir and
                                             compare with patches/<line>/net/
                                             (in <tree>, a clean pristine tree,
                                             left at pristine; no checkpatch:
                                             make patches-check runs it on
                                             the committed series)
  scripts/tools/patches_net.py kunit <line> <tree> the in-tree suite under UML
                                             (6.1: in the build of make kunit)
  scripts/tools/patches_net.py build <line> <tree> net/core objects, W=1

<line> is a Debian kernel line: 5.10 (bullseye), 6.1 (bookworm), 6.12
(trixie) or 7.2 (sid). <tree> is a kernel git work tree with the whole
series of patches/<line>/net/ applied.

What goes in-tree is marked in the sources: the lines between
"/* in-tree: begin */" and "/* in-tree: end */" of
  include/nopanic/skb_guard.h        -> include/linux/skbuff.h
  drivers/net/skb_guard/skb_guard.c  -> net/core/skbuff.c
  kunit/skb_guard_kunit.c            -> net/core/skb_guard_kunit.c
The compatibility helpers of drivers/net/skb_guard/skb_guard_compat.h are
expanded into the kernel interfaces the line has (its #ifdefs resolved
by unifdef against the tree's features, the probes those of
drivers/net/skb_guard/Kbuild, then the helpers inlined), EXPORT_SYMBOL_GPL becomes EXPORT_SYMBOL (the helpers are
inline in skbuff.h, beside skb_put()) and the suite is named skb_guard.
The words around the code, the commit messages, the cover letter, the
Kconfig entry and the leading comments, are files in
scripts/conf/patches-net/.

The pristine tree is $NOPANIC_CACHE/patches/trees/<line>
(scripts/tools/kernel-tree.sh, run only when that tree is absent). The patches
are made in a work tree of it, $NOPANIC_CACHE/patches/net-work/<line>,
reset to the tag pristine on every run.

Results are KTAP, "ok <n> <name>" or "not ok <n> <name> # <why>", the plan
line, then "N passed, N failed"; progress goes to stderr.
"""

import difflib
import fcntl
import io
import os
import re
import string
import subprocess
import sys
import tempfile
import textwrap
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'scripts', 'lib'))
import ktap  # noqa: E402  the one KTAP reader
PROSE = os.path.join(TOP, 'scripts', 'conf', 'patches-net')
CACHE = os.environ.get('NOPANIC_CACHE', '/var/cache/nopanic')
LINES = {'5.10': 'bullseye', '6.1': 'bookworm', '6.12': 'trixie',
         '7.2': 'sid'}

AUTHOR_NAME = 'nopanic developers'
AUTHOR_EMAIL = 'nopanic@example.org'
# Fixed, so that a regeneration of unchanged sources is byte-identical.
PATCH_DATE = '2026-12-04T12:00:00Z'

COMPAT = 'drivers/net/skb_guard/skb_guard_compat.h'
BEGIN = re.compile(r'^\s*/\* in-tree: begin \*/\n$')
END = re.compile(r'^\s*/\* in-tree: end \*/\n$')


class Error(Exception):
    pass


def log(msg):
    sys.stderr.write('patches-net: %s\n' % msg)


# --- results -----------------------------------------------------------------

class Results:
    """KTAP: one result line per check, the plan, then the sum."""

    def __init__(self, quiet=False):
        self.passed = self.failed = 0
        self.quiet = quiet

    def ok(self, name):
        self.passed += 1
        if not self.quiet:
            print('ok %d %s' % (self.passed + self.failed,
                                name.replace('#', '-')), flush=True)

    def fail(self, name, why):
        self.failed += 1
        if not self.quiet:
            print('not ok %d %s # %s' % (self.passed + self.failed,
                                         name.replace('#', '-'), why),
                  flush=True)

    def summary(self):
        print('1..%d' % (self.passed + self.failed))
        print('%d passed, %d failed' % (self.passed, self.failed))
        return 1 if self.failed else 0


# --- reading the repo ---------------------------------------------------------

def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def marked(text, what):
    """The lines between the in-tree markers of @text, joined."""
    out, cur, n = [], None, 0
    for line in text.splitlines(True):
        if BEGIN.match(line):
            if cur is not None:
                raise Error('%s: begin inside a block' % what)
            cur = []
        elif END.match(line):
            if cur is None:
                raise Error('%s: end outside a block' % what)
            out += cur
            cur = None
            n += 1
        elif cur is not None:
            cur.append(line)
    if cur is not None or not n:
        raise Error('%s: unbalanced or no in-tree markers' % what)
    return ''.join(out)


def repo_marked(path):
    return marked(read(os.path.join(TOP, path)), path)


# --- the compat header, resolved for a tree -------------------------------------

def features(tree, repo=TOP):
    """The compat header's symbols the tree has: the probes of the DKMS
    Kbuild (npsg-probe,<regex>,<files>,<symbol>) and, for the other
    #ifdef'd names, a #define of that name in the tree's netdevice.h or
    skbuff.h."""
    have = set()
    kbuild = read(os.path.join(repo, 'drivers/net/skb_guard/Kbuild'))
    probes = {}
    for m in re.finditer(r'\$\(call npsg-probe,([^,]+),([^,]+),(\w+)\)',
                         kbuild):
        probes[m.group(3)] = (m.group(1), m.group(2).split())
    compat = read(os.path.join(repo, COMPAT))
    for sym in sorted(set(re.findall(r'^#\s*ifn?def\s+(\w+)', compat, re.M))):
        if sym == 'NOPANIC_SKB_GUARD_COMPAT_H':
            continue
        if sym in probes:
            rx, files = probes[sym]
        elif sym.startswith('NOPANIC_'):
            raise Error('%s: no Kbuild probe for %s' % (COMPAT, sym))
        else:
            rx = r'^\s*#\s*define\s+%s\b' % sym
            files = ['include/linux/netdevice.h', 'include/linux/skbuff.h']
        for f in files:
            p = os.path.join(tree, f)
            if os.path.exists(p) and re.search(rx, read(p), re.M):
                have.add(sym)
                break
    return have


def kunit_features(tree):
    """What the tree's KUnit offers, by the names the phrases use."""
    have = set()
    testh = read(os.path.join(tree, 'include/kunit/test.h'))
    for name in ('KUNIT_EXPECT_NULL', 'KUNIT_ASSERT_FAILURE'):
        if 'define %s(' % name in testh:
            have.add(name)
    if "'--kconfig_add'" in read(os.path.join(tree,
                                              'tools/testing/kunit/kunit.py')):
        have.add('KUNIT_KCONFIG_ADD')
    return have


def resolve_ifdefs(text, defined, keep=('NOPANIC_SKB_GUARD_COMPAT_H',)):
    """The #ifdef/#ifndef blocks of @text resolved by unifdef(1): @defined
    are defined, every other name tested is not, but for @keep (the
    include guard), left as it is."""
    names = set(re.findall(r'^\s*#\s*ifn?def\s+(\w+)', text, re.M))
    args = ['-D' + n for n in sorted(names & set(defined))] + \
        ['-U' + n for n in sorted(names - set(defined) - set(keep))]
    r = subprocess.run(['unifdef'] + args, input=text, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode not in (0, 1):
        raise Error('unifdef: %s' % r.stderr.strip())
    return r.stdout


def compat_defs(text, have):
    """name -> (params, kind, body): 'func' body is lines, 'macro' text."""
    text = resolve_ifdefs(text, have)
    defs = {}
    for m in re.finditer(r'^static inline void (\w+)\(([^)]*)\)\n\{\n(.*?)\n\}',
                         text, re.M | re.S):
        params = [p.split()[-1].lstrip('*') for p in m.group(2).split(',')]
        defs[m.group(1)] = (params, 'func', m.group(3).split('\n'))
    text = re.sub(r'\\\n\s*', ' ', text)
    for m in re.finditer(r'^#define (\w+)\(([^)]*)\)[ \t]+(.+)$', text, re.M):
        params = [p.strip() for p in m.group(2).split(',')]
        defs[m.group(1)] = (params, 'macro', m.group(3).strip())
    return defs


def subst_params(text, params, args):
    """One pass: each parameter by its argument; "(param)" as a primary
    expression loses its parentheses when the argument is a plain name or
    member access (skb->dev)."""
    val = dict(zip(params, args))
    alt = '|'.join(re.escape(p) for p in params)
    rx = re.compile(r'(?<![\w)\]])\(\s*(%s)\s*\)|\b(%s)\b' % (alt, alt))

    def one(m):
        if m.group(1):
            a = val[m.group(1)]
            if re.fullmatch(r'[\w]+(?:(?:->|\.)\w+)*', a):
                return a
            return '(' + a + ')'
        return val[m.group(2)]
    return rx.sub(one, text)


def call_args(s, i):
    """Arguments of the call whose '(' is at s[i]; returns (args, end)."""
    depth, args, cur = 0, [], ''
    for j in range(i, len(s)):
        c = s[j]
        if c == '(':
            depth += 1
            if depth == 1:
                continue
        elif c == ')':
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args, j + 1
        elif c == ',' and depth == 1:
            args.append(cur.strip())
            cur = ''
            continue
        cur += c
    raise Error('unbalanced call')


def expand_compat(code, defs):
    """Every use of a compat helper replaced by its body."""
    for name, (params, kind, body) in defs.items():
        if kind == 'func':
            rx = re.compile(r'^(\t+)%s(\(.*\));\n' % name, re.M)
            while True:
                m = rx.search(code)
                if not m:
                    break
                args, _ = call_args(m.group(2), 0)
                ind = m.group(1)
                new = ''.join(ind + subst_params(b[1:], params, args) + '\n'
                              for b in body)
                start = m.start()
                # the sole statement of an if/else/for/while without
                # braces: more than one statement needs them now
                prev_start = code.rfind('\n', 0, start - 1) + 1
                prev = code[prev_start:start - 1]
                if len(body) > 1 and prev.startswith(ind[:-1]) and \
                   re.match(r'\t*(if|else|for|while)\b.*[^{;]$', prev) and \
                   not prev.startswith(ind):
                    code = code[:start - 1] + ' {\n' + new + ind[:-1] + \
                        '}\n' + code[m.end():]
                else:
                    code = code[:start] + new + code[m.end():]
        else:
            while True:
                m = re.search(r'\b%s\(' % name, code)
                if not m:
                    break
                args, end = call_args(code, m.end() - 1)
                code = code[:m.start()] + \
                    subst_params(body, params, args) + code[end:]
    for name in defs:
        if re.search(r'\b%s\b' % name, code):
            raise Error('%s left after expansion' % name)
    return code


def col(s):
    """The display width of @s, tabs to 8."""
    n = 0
    for ch in s:
        n = (n // 8 + 1) * 8 if ch == '\t' else n + 1
    return n


def format_call(indent, name, args, tail):
    """name(args)tail at @indent, continuation lines aligned with the
    open parenthesis, checkpatch's way, kept within 80 columns."""
    one = indent + name + '(' + ', '.join(args) + ')' + tail
    if col(one) <= 80:
        return one
    open_col = col(indent + name + '(')
    cont = '\t' * (open_col // 8) + ' ' * (open_col % 8)
    lines, cur = [], indent + name + '(' + args[0]
    for i, a in enumerate(args[1:], 1):
        last = i == len(args) - 1
        piece = ', ' + a + (')' + tail if last else '')
        if col(cur + piece) <= 80:
            cur += piece
        else:
            lines.append(cur + ',')
            cur = cont + a + (')' + tail if last else '')
    if len(args) == 1:
        cur += ')' + tail
    lines.append(cur)
    return '\n'.join(lines)


def kunit_compat(body, testh):
    """KUnit macros the tree names differently: a renamed one by its new
    name; the NULL checks, on a tree that predates them, as the pointer
    comparisons with NULL they stand for."""
    for old, new in (('KUNIT_ASSERT_FAILURE', 'KUNIT_FAIL_AND_ABORT'),):
        if not re.search(r'#define %s\(' % old, testh):
            if not re.search(r'#define %s\(' % new, testh):
                raise Error('neither %s nor %s in this tree' % (old, new))
            body = re.sub(r'\b%s\(' % old, new + '(', body)
    for kind in ('EXPECT', 'ASSERT'):
        for what, ptr in (('NOT_NULL', 'PTR_NE'), ('NULL', 'PTR_EQ')):
            for msg in ('_MSG', ''):
                name = 'KUNIT_%s_%s%s' % (kind, what, msg)
                if re.search(r'#define %s\(' % name, testh):
                    continue
                new = 'KUNIT_%s_%s%s' % (kind, ptr, msg)
                if not re.search(r'#define %s\(' % new, testh):
                    raise Error('neither %s nor %s in this tree' % (name, new))
                body = _null_to_ptr(body, name, new)
    return body


def _null_to_ptr(body, name, new):
    rx = re.compile(r'^(\t*)%s\(' % name, re.M)
    while True:
        m = rx.search(body)
        if not m:
            return body
        args, end = call_args(body, m.end() - 1)
        args = [re.sub(r'\s*\n\s*', ' ', a) for a in args]
        x = args[1]
        plain = re.match(r'[\w]+(?:(?:->|\.)\w+)*', x)
        if plain and plain.end() < len(x) and x[plain.end()] == '(':
            if call_args(x, plain.end())[1] != len(x):
                plain = None
        elif plain and plain.end() != len(x):
            plain = None
        args[1] = '(void *)' + (x if plain else '(' + x + ')')
        args.insert(2, 'NULL')
        tail = ';' if body[end:end + 1] == ';' else ''
        body = body[:m.start()] + format_call(m.group(1), new, args, tail) + \
            body[end + len(tail):]


def insert_after(text, anchor_rx, block, what):
    m = re.search(anchor_rx, text, re.M | re.S)
    if not m:
        raise Error('no anchor for %s: %s' % (what, anchor_rx))
    return text[:m.end()] + block + text[m.end():]


# --- the two commits' changes to a tree ----------------------------------------

def prose(name):
    return read(os.path.join(PROSE, name))


def apply_core(tree, have):
    """The helpers into include/linux/skbuff.h and net/core/skbuff.c."""
    defs = compat_defs(read(os.path.join(TOP, COMPAT)), have)
    hdr = repo_marked('include/nopanic/skb_guard.h')
    c = expand_compat(repo_marked('drivers/net/skb_guard/skb_guard.c'), defs)
    c = c.replace('EXPORT_SYMBOL_GPL(', 'EXPORT_SYMBOL(')
    p = os.path.join(tree, 'include/linux/skbuff.h')
    write(p, insert_after(read(p), r'^static inline void skb_put_u8\(.*?\n}\n',
                          prose('skbuff.h.lead') + hdr, 'skbuff.h'))
    p = os.path.join(tree, 'net/core/skbuff.c')
    write(p, insert_after(read(p), r'^EXPORT_SYMBOL\(skb_put\);\n',
                          '\n' + c, 'skbuff.c'))


def kunit_source(tree):
    """net/core/skb_guard_kunit.c for @tree."""
    body = repo_marked('kunit/skb_guard_kunit.c')
    body = body.replace('.name = "nopanic_skb_guard"', '.name = "skb_guard"')
    if '.name = "skb_guard"' not in body:
        raise Error('suite name not found in kunit/skb_guard_kunit.c')
    if '#include <nopanic/' in body:
        raise Error('a nopanic include inside the in-tree block')
    body = kunit_compat(body, read(os.path.join(tree,
                                                'include/kunit/test.h')))
    # net/'s block comment style: the text starts on the /* line
    body = re.sub(r'^(\t*)/\*\n\1 \* ', r'\1/* ', body, flags=re.M)
    body = body.replace(
        'MODULE_LICENSE("GPL");',
        'MODULE_DESCRIPTION("KUnit tests for the checked skb_put() '
        'helpers");\nMODULE_LICENSE("GPL");')
    return prose('skb_guard_kunit.c.lead') + body


def apply_kunit(tree):
    """The suite, its Kconfig entry and its Makefile line."""
    p = os.path.join(tree, 'net/core/skb_guard_kunit.c')
    if os.path.exists(p):
        raise Error('net/core/skb_guard_kunit.c exists already')
    write(p, kunit_source(tree))
    p = os.path.join(tree, 'net/Kconfig')
    kconfig = read(p)
    m = re.search(r'^endif\s+# if NET\n', kconfig, re.M)
    if not m:
        raise Error('no "endif # if NET" in net/Kconfig')
    write(p, kconfig[:m.start()] + prose('Kconfig.entry') +
          kconfig[m.start():])
    p = os.path.join(tree, 'net/core/Makefile')
    mk = read(p)
    if not mk.endswith('\n'):
        raise Error('net/core/Makefile does not end in a newline')
    write(p, mk + 'obj-$(CONFIG_SKB_GUARD_KUNIT_TEST) += skb_guard_kunit.o\n')


# --- the words --------------------------------------------------------------------

def phrases(text, have):
    """NAME -> the texts of scripts/conf/patches-net/phrases whose condition
    holds for the features @have, in file order."""
    out, cur = {}, None
    for line in text.splitlines():
        if line.startswith('@ '):
            f = line.split()
            name, ok = f[1], True
            if len(f) == 4 and f[2] in ('if', 'unless'):
                ok = (f[3] in have) == (f[2] == 'if')
            elif len(f) != 2:
                raise Error('phrases: bad line %r' % line)
            cur = [] if ok else None
            if ok:
                out.setdefault(name, []).append(cur)
        elif cur is not None:
            cur.append(line)
    return {k: ['\n'.join(t).strip('\n') for t in v] for k, v in out.items()}


def rewrap(text):
    """Prose paragraphs (and " - " list items) rewrapped at 72 columns;
    the first line, indented blocks and trailer paragraphs left alone."""
    text = text.rstrip('\n')
    first, _, rest = text.partition('\n')
    out = [first]
    for para in re.split(r'\n[ \t]*\n+', rest.strip('\n')):
        lines = para.split('\n')
        if not para.strip():
            out.append(para)
        elif lines[0].startswith(' - '):
            items, cur = [], None
            for line in lines:
                if line.startswith(' - '):
                    cur = [line[3:]]
                    items.append(cur)
                else:
                    cur.append(line.strip())
            out.append('\n'.join(textwrap.fill(
                ' '.join(i), 72, initial_indent=' - ',
                subsequent_indent='   ', break_on_hyphens=False,
                break_long_words=False) for i in items))
        elif lines[0][:1] in (' ', '\t') or re.match(r'[\w-]+: ', lines[0]):
            out.append(para)
        else:
            out.append(textwrap.fill(
                ' '.join(line.strip() for line in lines), 72,
                break_on_hyphens=False, break_long_words=False))
    return '\n\n'.join(out) + '\n'


def message(name, have, **extra):
    """Commit message or cover text @name (a .msg file), filled in."""
    words = {k: v[0] for k, v in phrases(prose('phrases'), have).items()}
    words.update(author='%s <%s>' % (AUTHOR_NAME, AUTHOR_EMAIL), **extra)
    return rewrap(string.Template(prose(name + '.msg')).substitute(words))


def cover_notes(have):
    p = phrases(prose('phrases'), have)
    notes = p.get('helper-note') or p['no-helper-note']
    return '\n'.join(notes + p.get('kunit-note', []))


# --- git, checkpatch -----------------------------------------------------------

def run(cmd, cwd=None, env=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check and r.returncode:
        raise Error('%s: exit %d: %s' % (' '.join(cmd), r.returncode,
                                         r.stderr.strip()[-300:]))
    return r


def need_pkgs(*pkgs):
    subprocess.run(['bash', '-c', '. "$1"/scripts/lib/lib.sh; shift; '
                    'np_need_pkgs "$@"', '_', TOP] + list(pkgs),
                   stdout=sys.stderr, check=True)


def lock(path):
    f = open(path, 'w')
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


def pristine_tree(line):
    """The pristine tree of @line: (tree, package, version)."""
    if line not in LINES:
        raise Error("unknown line '%s' (%s)" % (line, ' '.join(LINES)))
    tree = os.path.join(CACHE, 'patches', 'trees', line)
    stamp = os.path.join(tree, '.git', 'nopanic-stamp')
    if not os.path.isfile(stamp) or run(
            ['git', '-C', tree, 'rev-parse', '-q', '--verify', 'pristine'],
            check=False).returncode:
        log('no pristine %s tree: scripts/tools/kernel-tree.sh %s'
            % (line, LINES[line]))
        out = run([os.path.join(TOP, 'scripts', 'tools', 'kernel-tree.sh'),
                   LINES[line]]).stdout
        if 'KSRC_LINE=%s\n' % line not in out:
            raise Error("%s's linux-source is not %s" % (LINES[line], line))
    f = read(stamp).split()
    if len(f) < 2:
        raise Error('no version in ' + stamp)
    return tree, f[0], f[1]


def work_tree(tree, wt):
    """A work tree of @tree at @wt, detached at pristine, clean."""
    top = run(['git', '-C', wt, 'rev-parse', '--show-toplevel'],
              check=False) if os.path.isdir(wt) else None
    if not top or top.returncode or top.stdout.strip() != wt or run(
            ['git', '-C', wt, 'rev-parse', '-q', '--verify', 'pristine'],
            check=False).returncode:
        run(['rm', '-rf', wt])
        run(['git', '-C', tree, 'worktree', 'prune'])
        os.makedirs(os.path.dirname(wt), exist_ok=True)
        run(['git', '-C', tree, 'worktree', 'add', '-q', '--detach', wt,
             'pristine'])
    run(['git', '-C', wt, 'am', '--abort'], check=False)
    run(['git', '-C', wt, 'checkout', '-q', '-f', '--detach', 'pristine'])
    run(['git', '-C', wt, 'clean', '-q', '-fdx'])


def checkpatch(wt, patch, strict, pybin):
    """checkpatch's findings on @patch, less the one expected (a new file
    under F: net/). Its spdxcheck.py runs as "python" (5.10) or python3
    and needs Debian's ply: the system's."""
    env = dict(os.environ, PATH=pybin + ':/usr/bin:/bin:' + os.environ['PATH'])
    r = run(['perl', 'scripts/checkpatch.pl'] + (['--strict'] if strict else [])
            + ['--no-summary', '--terse', '--showfile', patch], cwd=wt,
            env=env, check=False)
    return [x for x in (r.stdout + r.stderr).splitlines()
            if x.strip() and 'does MAINTAINERS need updating' not in x]


def gen_into(line, out, res, wt=None):
    """The series of @line into @out (emptied of *.patch), made in a work
    tree of the pristine tree, or in @wt; checkpatch'd without @wt."""
    tree, package, version = pristine_tree(line)
    need_pkgs('@patches', '@python')
    if wt:
        run(['git', '-C', wt, 'checkout', '-q', '-f', '--detach', 'pristine'])
        try:
            return gen_in(line, out, res, wt, package, version, False)
        finally:
            run(['git', '-C', wt, 'checkout', '-q', '-f', '--detach',
                 'pristine'])
    wt = os.path.join(CACHE, 'patches', 'net-work', line)
    os.makedirs(os.path.dirname(wt), exist_ok=True)
    with lock(os.path.join(os.path.dirname(wt), '.%s.lock' % line)):
        work_tree(tree, wt)
        return gen_in(line, out, res, wt, package, version, True)


def gen_in(line, out, res, wt, package, version, check):
    """gen_into() in the work tree @wt, at pristine."""
    have = features(wt)
    log('%s: %s %s, compat symbols present: %s'
        % (line, package, version, ' '.join(sorted(have)) or 'none'))
    have |= kunit_features(wt)
    env = dict(os.environ, GIT_AUTHOR_NAME=AUTHOR_NAME,
               GIT_AUTHOR_EMAIL=AUTHOR_EMAIL,
               GIT_COMMITTER_NAME=AUTHOR_NAME,
               GIT_COMMITTER_EMAIL=AUTHOR_EMAIL,
               GIT_AUTHOR_DATE=PATCH_DATE, GIT_COMMITTER_DATE=PATCH_DATE)

    def commit(files, msg):
        run(['git', '-C', wt, 'add', '-f'] + files)
        subprocess.run(['git', '-C', wt, 'commit', '-q', '-F', '-'],
                       input=msg, text=True, env=env, check=True)

    apply_core(wt, have)
    commit(['include/linux/skbuff.h', 'net/core/skbuff.c'],
           message('core', have))
    apply_kunit(wt)
    commit(['net/core/skb_guard_kunit.c', 'net/Kconfig',
            'net/core/Makefile'], message('kunit', have))

    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith('.patch'):
            os.unlink(os.path.join(out, f))
    run(['git', '-C', wt, '-c', 'core.abbrev=12', 'format-patch', '-q',
         '--cover-letter', '--no-signature', '-o', out, 'pristine..HEAD'],
        env=env)
    patches = sorted(os.path.join(out, f) for f in os.listdir(out)
                     if re.match(r'0\d\d[1-9]-.*\.patch$', f))

    clean = True
    with tempfile.TemporaryDirectory() as pybin:
        for name in ('python', 'python3') if check else ():
            os.symlink('/usr/bin/python3', os.path.join(pybin, name))
        for p in patches if check else ():
            for mode in ('plain', 'strict'):
                found = checkpatch(wt, p, mode == 'strict', pybin)
                name = '%s/checkpatch/%s/%s' % (line, mode,
                                                os.path.basename(p))
                if found:
                    res.fail(name, found[0])
                    sys.stderr.write(''.join('    %s\n' % x
                                             for x in found))
                    clean = False
                else:
                    res.ok(name)

    maint = run(['perl', 'scripts/get_maintainer.pl', '--no-git',
                 '--no-rolestats'] + patches, cwd=wt).stdout
    blurb = message('cover', have, package=package, version=version,
                    notes=cover_notes(have),
                    maintainers='\n'.join('  ' + x for x in
                                          maint.rstrip('\n').split('\n')))
    subject, body = blurb.split('\n', 1)
    cover = os.path.join(out, '0000-cover-letter.patch')
    s = read(cover)
    if '*** SUBJECT HERE ***' not in s or '*** BLURB HERE ***' not in s:
        raise Error('format-patch cover letter without placeholders')
    s = s.replace('*** SUBJECT HERE ***', subject)
    s = s.replace('*** BLURB HERE ***\n', body.lstrip('\n'))
    write(cover, s)
    return clean


def normalize(text):
    """The stable part of a patch: no commit ids, dates or git version."""
    out = []
    for line in text.splitlines(True):
        if line == '-- \n':
            break
        line = re.sub(r'^From [0-9a-f]{40} ', 'From <sha> ', line)
        out.append(re.sub(r'^Date: .*', 'Date: <date>', line))
    return out


def drift(committed, fresh):
    """What differs between two directories of patches, as words."""
    diffs = []
    for f in sorted(os.listdir(fresh)):
        if not f.endswith('.patch'):
            continue
        c = os.path.join(committed, f)
        if not os.path.isfile(c):
            diffs.append('missing:' + f)
            continue
        d = list(difflib.unified_diff(normalize(read(c)),
                                      normalize(read(os.path.join(fresh, f))),
                                      c, f))
        if d:
            sys.stderr.writelines(d)
            diffs.append('differs:' + f)
    if os.path.isdir(committed):
        diffs += ['stale:' + f for f in sorted(os.listdir(committed))
                  if f.endswith('.patch') and
                  not os.path.isfile(os.path.join(fresh, f))]
    return diffs


def cmd_gen(line, res):
    t = time.time()
    out = os.path.join(TOP, 'patches', line, 'net')
    name = 'net-gen(%s)' % line
    if gen_into(line, out, res):
        res.ok('%s: %d files in patches/%s/net' % (
            name, len([f for f in os.listdir(out) if f.endswith('.patch')]),
            line))
    else:
        res.fail(name, 'checkpatch findings')
    print('time %s %.1fs' % (name, time.time() - t))


def cmd_check(line, res, tree=None):
    t = time.time()
    name = 'net-drift(%s)' % line
    with tempfile.TemporaryDirectory(prefix='patches-net.') as tmp:
        try:
            clean = gen_into(line, tmp, Results(quiet=True), tree)
        except (Error, OSError, subprocess.CalledProcessError) as e:
            res.fail(name, 'regeneration failed: %s' % e)
            return
        diffs = drift(os.path.join(TOP, 'patches', line, 'net'), tmp)
    sys.stderr.write('time %s %.1fs\n' % (name, time.time() - t))
    if not clean:
        res.fail(name, 'checkpatch findings in the regenerated series '
                 '(scripts/tools/patches_net.py gen %s shows them)' % line)
    elif diffs:
        res.fail(name, '%s (regenerate: scripts/tools/patches_net.py gen %s)'
                 % (' '.join(diffs), line))
    else:
        res.ok(name)


# --- kunit ------------------------------------------------------------------------


def kunit_results(source, logtext, line, rc, logp, res):
    """The suite's cases in @source against kunit.py's raw output, read by
    scripts/lib/ktap.py with the project's bad-log list: every case the
    source has must pass with no bad line printed while it ran, and the
    whole log must be clean (kernel-log)."""
    suite = re.search(r'\.name = "(\w+)"', source).group(1)
    # 5.10's UML ends the run with a root fs panic, after the suites.
    text = '\n'.join(x for x in logtext.splitlines()
                     if 'Unable to mount root fs' not in x)
    root = ktap.parse(io.StringIO(text), ktap.bad_log(
        os.path.join(TOP, 'scripts', 'conf', 'bad-log')))
    got = {p: (st, why) for st, p, why in ktap.leaves(root, '', True)}
    for c in re.findall(r'KUNIT_CASE\((\w+)\)', source):
        st, why = got.get('%s/%s' % (suite, c), (
            'fail', 'did not run (UML stopped, or the build failed: '
            'kunit.py exit %d, see %s)' % (rc, logp)))
        name = '%s/kunit/%s.%s' % (line, suite, c)
        if st == 'ok':
            res.ok(name)
        else:
            res.fail(name, why)
    for st, _, why in ktap.log_check(root, ''):
        if st == 'ok':
            res.ok('%s/kunit/kernel-log' % line)
        else:
            res.fail('%s/kunit/kernel-log' % line, why)


def kunitconfig(tree):
    um = os.path.join(tree, 'arch/um')
    lines = ['CONFIG_KUNIT=y', 'CONFIG_NET=y', 'CONFIG_SKB_GUARD_KUNIT_TEST=y']
    # KASAN watches the frees of the drop helpers, where UML has it
    if 'select HAVE_ARCH_KASAN' in read(os.path.join(um, 'Kconfig')):
        lines += ['CONFIG_KASAN=y', 'CONFIG_KASAN_GENERIC=y']
    if run(['grep', '-rqs', '^config UML_PCI_OVER_VIRTIO', um + '/'],
           check=False).returncode == 0:
        lines.append('# CONFIG_UML_PCI_OVER_VIRTIO is not set')
    return '\n'.join(lines) + '\n'


def kunit_shared(line, src, res):
    """The suite in the UML build of make kunit, which carries this line's
    series: scripts/tiers/kunit.sh runs it (no second build of the line)."""
    t = time.time()
    shared = os.path.join(CACHE, 'kunit', 'linux-source-' + line,
                          'net/core/skb_guard_kunit.c')
    suite = re.search(r'\.name = "(\w+)"', read(src)).group(1)
    with tempfile.TemporaryDirectory(prefix='patches-kunit.') as out:
        logp = os.path.join(CACHE, 'patches', 'kunit-%s.log' % line)
        os.makedirs(os.path.dirname(logp), exist_ok=True)
        env = dict(os.environ, KUNIT_RELEASE=LINES[line], NOPANIC_KUNIT_OUT=out,
                   NOPANIC_KUNIT_FILTER=suite)
        log('%s: %s in the tree of make kunit (log: %s)' % (line, suite, logp))
        with open(logp, 'w') as lf:
            rc = subprocess.run([os.path.join(TOP, 'scripts', 'tiers',
                                              'kunit.sh')],
                                env=env, stdin=subprocess.DEVNULL, stdout=lf,
                                stderr=subprocess.STDOUT).returncode
        raw = os.path.join(out, 'test.log')
        if os.path.isfile(shared) and read(shared) == read(src):
            res.ok('%s/kunit/same-suite' % line)
        else:
            res.fail('%s/kunit/same-suite' % line,
                     'the tree of make kunit does not carry this series\' '
                     'net/core/skb_guard_kunit.c (see %s)' % logp)
        kunit_results(read(src), read(raw) if os.path.isfile(raw) else '',
                      line, rc, logp, res)
    print('time %s/kunit %.1fs (shared build, kunit.sh exit %d, log %s)'
          % (line, time.time() - t, rc, logp))


def cmd_kunit(line, tree, res):
    t = time.time()
    src = os.path.join(tree, 'net/core/skb_guard_kunit.c')
    if not os.path.isfile(src):
        raise Error('%s: no net/core/skb_guard_kunit.c (series not applied?)'
                    % tree)
    if LINES[line] == os.environ.get('KUNIT_RELEASE', 'bookworm'):
        kunit_shared(line, src, res)
        return
    need_pkgs('@python', '@kbuild', '@cc')
    bd = os.path.join(CACHE, 'patches', 'kunit-' + line)
    os.makedirs(bd, exist_ok=True)
    with lock(bd + '.lock'):
        kcfg = os.path.join(bd, '.kunitconfig')
        want = kunitconfig(tree)
        # a changed kunitconfig: start the build directory over
        if not os.path.isfile(kcfg) or read(kcfg) != want:
            run(['find', bd, '-mindepth', '1', '-delete'])
            write(kcfg, want)
        args = ['run', '--build_dir=' + bd, '--jobs=%d' % os.cpu_count(),
                '--timeout=300', '--raw_output']
        kunit_py = os.path.join(tree, 'tools/testing/kunit/kunit.py')
        if '--kunitconfig' in run(['python3', kunit_py, 'run', '--help'],
                                  check=False).stdout:
            args += ['--arch=um', '--kunitconfig=' + kcfg]
        logp = os.path.join(bd, 'kunit.log')
        log('%s: kunit.py %s (log: %s)' % (line, ' '.join(args), logp))
        with open(logp, 'w') as lf:
            rc = subprocess.run(['nice', '-n', '10', 'python3', kunit_py] +
                                args, cwd=tree, stdin=subprocess.DEVNULL,
                                stdout=lf, stderr=subprocess.STDOUT).returncode
        with open(logp, errors='replace') as lf:
            kunit_results(read(src), lf.read(), line, rc, logp, res)
    print('time %s/kunit %.1fs (kunit.py exit %d, log %s)'
          % (line, time.time() - t, rc, logp))


# --- build ------------------------------------------------------------------------

def added_lines(diff):
    """file -> the line numbers a -U0 diff adds."""
    added, cur = {}, None
    for ln in diff.splitlines():
        if ln.startswith('+++ b/'):
            cur = ln[6:]
            added[cur] = set()
        m = re.match(r'^@@ -\S+ \+(\d+)(?:,(\d+))? @@', ln)
        if m and cur:
            start, cnt = int(m.group(1)), int(m.group(2) or 1)
            added[cur].update(range(start, start + cnt))
    return added


def new_warnings(logtext, added):
    """(warnings in the added lines, how many elsewhere)."""
    warn = re.compile(r'^(?:\S*/)?((?:include|net)/\S+?):(\d+):(?:\d+:)? '
                      r'(warning|error):')
    ours, other = [], 0
    for ln in logtext.splitlines():
        m = warn.match(ln)
        if not m:
            continue
        if int(m.group(2)) in added.get(m.group(1), ()):
            ours.append(ln.strip())
        else:
            other += 1
    return ours, other


def cmd_build(line, tree, res):
    t = time.time()
    if not os.path.isfile(os.path.join(tree, 'net/core/skb_guard_kunit.c')):
        raise Error('%s: no net/core/skb_guard_kunit.c (series not applied?)'
                    % tree)
    need_pkgs('@cc', '@kbuild', '@python')
    bd = os.path.join(CACHE, 'patches', 'build-net-' + line)
    os.makedirs(bd, exist_ok=True)
    objs = ['net/core/skbuff.o', 'net/core/skb_guard_kunit.o']
    n = len([f for f in os.listdir(os.path.join(TOP, 'patches', line, 'net'))
             if re.match(r'0\d\d[1-9]-.*\.patch$', f)])
    base = run(['git', '-C', tree, 'rev-parse', '-q', '--verify',
                'pristine^{commit}'], check=False)
    base = base.stdout.strip() if base.returncode == 0 else run(
        ['git', '-C', tree, 'rev-parse', 'HEAD~%d' % n]).stdout.strip()
    mk = ['nice', '-n', '10', 'make', '-s', '-C', tree, 'O=' + bd,
          'ARCH=x86_64']
    jobs = '-j%d' % os.cpu_count()
    with lock(bd + '.lock'):
        prep = os.path.join(bd, 'prepare.log')
        with open(prep, 'w') as lf:
            def step(cmd):
                return subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL).returncode == 0
            ok = (step(mk + ['allnoconfig']) and
                  step([os.path.join(tree, 'scripts/config'), '--file',
                        os.path.join(bd, '.config'), '-e', 'NET', '-e', 'INET',
                        '-e', 'KUNIT', '-e', 'SKB_GUARD_KUNIT_TEST']) and
                  step(mk + ['olddefconfig']) and
                  'CONFIG_SKB_GUARD_KUNIT_TEST=y\n' in
                  read(os.path.join(bd, '.config')) and
                  step(mk + [jobs, 'prepare']))
        if not ok:
            res.fail('%s/build/prepare' % line, 'see ' + prep)
            with open(prep) as lf:
                sys.stderr.writelines(lf.readlines()[-20:])
            print('time %s/build %.1fs' % (line, time.time() - t))
            return
        for o in objs:
            if os.path.exists(os.path.join(bd, o)):
                os.unlink(os.path.join(bd, o))
        logp = os.path.join(bd, 'build.log')
        with open(logp, 'w') as lf:
            rc = subprocess.run(mk + [jobs, 'W=1'] + objs, stdout=lf,
                                stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL).returncode
    files = ['include/linux/skbuff.h', 'net/core/skbuff.c',
             'net/core/skb_guard_kunit.c']
    added = added_lines(run(['git', '-C', tree, 'diff', '-U0', base, '--'] +
                            files).stdout)
    with open(logp, errors='replace') as lf:
        ours, other = new_warnings(lf.read(), added)
    for o in objs:
        name = '%s/build/%s' % (line, o)
        if rc:
            res.fail(name, 'make exit %d (%s)' % (rc, logp))
        else:
            res.ok(name + ' (W=1)')
    if ours:
        res.fail('%s/build/w1-new-warnings' % line,
                 '%d in the added lines, first: %s' % (len(ours), ours[0]))
    else:
        res.ok('%s/build/w1-new-warnings: none in the %d added lines '
               '(%d elsewhere, pre-existing)'
               % (line, sum(len(v) for v in added.values()), other))
    print('time %s/build %.1fs' % (line, time.time() - t))


# --- main ----------------------------------------------------------------------

def main(argv):
    os.environ['LC_ALL'] = 'C'
    cmds = {'gen': (2,), 'check': (2, 3), 'kunit': (3,), 'build': (3,)}
    if len(argv) < 2 or len(argv) not in cmds.get(argv[0], ()) or \
       argv[1] not in LINES:
        sys.stderr.write(__doc__.split('\n\n')[1] + '\n')
        return 2
    res = Results()
    try:
        if argv[0] == 'gen':
            cmd_gen(argv[1], res)
        elif argv[0] == 'check':
            cmd_check(argv[1], res, *[os.path.realpath(a) for a in argv[2:]])
        elif argv[0] == 'kunit':
            cmd_kunit(argv[1], os.path.realpath(argv[2]), res)
        else:
            cmd_build(argv[1], os.path.realpath(argv[2]), res)
    except (Error, OSError, subprocess.CalledProcessError) as e:
        res.fail('net-%s(%s)' % (argv[0], argv[1]), str(e))
    return res.summary()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
