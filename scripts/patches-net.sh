#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# patches-net.sh - the skb guard as a git format-patch series per Debian
# kernel line (patches/<line>/net/), generated from the repo's sources so
# that the patches and the DKMS sources cannot drift apart.
#
# Usage:
#   scripts/patches-net.sh gen <line>          regenerate patches/<line>/net/
#   scripts/patches-net.sh check <line>        regenerate into a temp dir,
#                                              compare with patches/<line>/net/
#   scripts/patches-net.sh kunit <line> <tree> the in-tree suite under UML
#   scripts/patches-net.sh build <line> <tree> net/core objects, W=1
#
# <line> is a Debian kernel line: 5.10 (bullseye), 6.1 (bookworm), 6.12
# (trixie) or 7.2 (sid). <tree> is a kernel git work tree with the whole
# series of patches/<line>/net/ applied.
#
# What goes in-tree is marked in the sources: the lines between
# "/* in-tree: begin */" and "/* in-tree: end */" of
#   include/nopanic/skb_guard.h        -> include/linux/skbuff.h
#   drivers/net/skb_guard/skb_guard.c  -> net/core/skbuff.c
#   kunit/skb_guard_kunit.c            -> net/core/skb_guard_kunit.c
# The compatibility helpers of drivers/net/skb_guard/skb_guard_compat.h
# are expanded into the kernel interfaces the line has (its #ifdefs
# resolved against the tree, the probes those of drivers/net/skb_guard/
# Kbuild), EXPORT_SYMBOL_GPL becomes EXPORT_SYMBOL (the helpers are inline
# in skbuff.h, beside skb_put()) and the suite is named skb_guard. Only
# the commit messages, the cover letter, the Kconfig entry and the
# Makefile line are written here.
#
# The pristine tree is $NOPANIC_CACHE/patches/trees/<line>
# (scripts/kernel-tree.sh, run here only when that tree is absent: it
# resets the tree). The patches are made in a work tree of it,
# $NOPANIC_CACHE/patches/net-work/<line>, reset to the tag pristine on
# every run.

set -eu
export LC_ALL=C

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AUTHOR_NAME="nopanic developers"
AUTHOR_EMAIL="nopanic@example.org"
# Fixed, so that a regeneration of unchanged sources is byte-identical.
PATCH_DATE="2026-12-04T12:00:00Z"

log() { echo "patches-net: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n 's/^# \{0,1\}//; /^Usage:/,/^$/p' "$0" >&2
	exit 2
}

line_release() {
	case $1 in
	5.10)	echo bullseye ;;
	6.1)	echo bookworm ;;
	6.12)	echo trixie ;;
	7.2)	echo sid ;;
	*)	return 1 ;;
	esac
}

# The pristine tree of <line>: TREE and KVERSION (the linux-source
# package's Debian version). Extracted by kernel-tree.sh only if absent.
pristine_tree() {
	local line=$1 rel stamp
	rel=$(line_release "$line") || die "unknown line '$line' (5.10 6.1 6.12 7.2)"
	TREE=$NP_CACHE/patches/trees/$line
	stamp=$TREE/.git/nopanic-stamp
	if [ ! -f "$stamp" ] || ! git -C "$TREE" rev-parse -q --verify \
			pristine > /dev/null; then
		log "no pristine $line tree: scripts/kernel-tree.sh $rel"
		eval "$("$NP_TOP/scripts/kernel-tree.sh" "$rel")"
		[ "$KSRC_LINE" = "$line" ] ||
			die "$rel's linux-source is $KSRC_LINE, not $line"
	fi
	# "linux-source-<line> <version>"
	KVERSION=$(awk '{ print $2 }' "$stamp")
	KPACKAGE=$(awk '{ print $1 }' "$stamp")
	[ -n "$KVERSION" ] || die "no version in $stamp"
}

# A work tree of the pristine tree at $1, detached at pristine, clean.
work_tree() {
	local wt=$1
	if ! git -C "$wt" rev-parse -q --verify pristine > /dev/null 2>&1 ||
	   [ "$(git -C "$wt" rev-parse --show-toplevel 2>/dev/null)" != "$wt" ]; then
		rm -rf "$wt"
		git -C "$TREE" worktree prune
		mkdir -p "$(dirname "$wt")"
		git -C "$TREE" worktree add -q --detach "$wt" pristine
	fi
	git -C "$wt" am --abort > /dev/null 2>&1 || :
	git -C "$wt" checkout -q -f --detach pristine
	git -C "$wt" clean -q -fdx
}

# --- the generator ------------------------------------------------------------
# python3 -c "$GEN" <mode> <repo> <tree> <line>
#   core:  the helpers into include/linux/skbuff.h and net/core/skbuff.c
#   kunit: net/core/skb_guard_kunit.c, its Kconfig entry and Makefile line
#   features: print the compat symbols the tree has
read -r -d '' GEN <<'EOF' || :
import os, re, sys

mode, repo, tree, line = sys.argv[1:5]
BEGIN = re.compile(r'^\s*/\* in-tree: begin \*/\n$')
END = re.compile(r'^\s*/\* in-tree: end \*/\n$')

def die(msg):
    sys.stderr.write('patches-net: generator: %s\n' % msg)
    sys.exit(1)

def marked(path):
    """The lines between the in-tree markers of @path, joined."""
    out, cur, n = [], None, 0
    for l in open(os.path.join(repo, path)):
        if BEGIN.match(l):
            if cur is not None:
                die('%s: begin inside a block' % path)
            cur = []
        elif END.match(l):
            if cur is None:
                die('%s: end outside a block' % path)
            out += cur
            cur = None
            n += 1
        elif cur is not None:
            cur.append(l)
    if cur is not None or not n:
        die('%s: unbalanced or no in-tree markers' % path)
    return ''.join(out)

def tree_file(p):
    return os.path.join(tree, p)

def read(p):
    with open(tree_file(p)) as f:
        return f.read()

def write(p, s):
    with open(tree_file(p), 'w') as f:
        f.write(s)

# The compat header's symbols the tree has: the probes of the DKMS Kbuild
# (npsg-probe,<regex>,<files>,<symbol>) and, for the other #ifdef'd
# names, a #define of that name in the tree's netdevice.h or skbuff.h.
COMPAT = 'drivers/net/skb_guard/skb_guard_compat.h'

def features():
    have = set()
    kbuild = open(os.path.join(repo, 'drivers/net/skb_guard/Kbuild')).read()
    probes = {}
    for m in re.finditer(r'\$\(call npsg-probe,([^,]+),([^,]+),(\w+)\)',
                         kbuild):
        probes[m.group(3)] = (m.group(1), m.group(2).split())
    compat = open(os.path.join(repo, COMPAT)).read()
    for sym in sorted(set(re.findall(r'^#\s*ifn?def\s+(\w+)', compat, re.M))):
        if sym == 'NOPANIC_SKB_GUARD_COMPAT_H':
            continue
        if sym in probes:
            rx, files = probes[sym]
        elif sym.startswith('NOPANIC_'):
            die('%s: no Kbuild probe for %s' % (COMPAT, sym))
        else:
            rx = r'^\s*#\s*define\s+%s\b' % sym
            files = ['include/linux/netdevice.h', 'include/linux/skbuff.h']
        for f in files:
            if os.path.exists(tree_file(f)) and \
               re.search(rx, read(f), re.M):
                have.add(sym)
                break
    return have

def resolve_ifdefs(text, defined):
    out, stack, active = [], [], True
    for l in text.splitlines(True):
        m = re.match(r'\s*#\s*(ifdef|ifndef)\s+(\w+)', l)
        if m:
            cond = (m.group(2) in defined) == (m.group(1) == 'ifdef')
            stack.append((active, cond))
            active = active and cond
        elif re.match(r'\s*#\s*else\b', l):
            parent, cond = stack[-1]
            stack[-1] = (parent, not cond)
            active = parent and not cond
        elif re.match(r'\s*#\s*endif\b', l):
            active = stack.pop()[0]
        elif active:
            out.append(l)
    return ''.join(out)

def compat_defs(have):
    """name -> (params, kind, body): 'func' body is lines, 'macro' text."""
    text = resolve_ifdefs(open(os.path.join(repo, COMPAT)).read(), have)
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
    expression loses its parentheses when the argument is a plain name
    or member access (skb->dev)."""
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
    die('unbalanced call')

def expand_compat(code, defs):
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
                # the sole statement of an if/else/for/while without braces:
                # more than one statement needs them now
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
            die('%s left after expansion' % name)
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

def kunit_compat(body):
    """KUnit macros the tree names differently: a renamed one by its new
    name; the NULL checks, on a tree that predates them, as the pointer
    comparisons with NULL they stand for."""
    testh = read('include/kunit/test.h')
    # renamed since: the new name where the old one is gone
    for old, new in (('KUNIT_ASSERT_FAILURE', 'KUNIT_FAIL_AND_ABORT'),):
        if not re.search(r'#define %s\(' % old, testh):
            if not re.search(r'#define %s\(' % new, testh):
                die('neither %s nor %s in this tree' % (old, new))
            body = re.sub(r'\b%s\(' % old, new + '(', body)
    for kind in ('EXPECT', 'ASSERT'):
        for what, ptr in (('NOT_NULL', 'PTR_NE'), ('NULL', 'PTR_EQ')):
            for msg in ('_MSG', ''):
                name = 'KUNIT_%s_%s%s' % (kind, what, msg)
                if re.search(r'#define %s\(' % name, testh):
                    continue
                new = 'KUNIT_%s_%s%s' % (kind, ptr, msg)
                if not re.search(r'#define %s\(' % new, testh):
                    die('neither %s nor %s in this tree' % (name, new))
                rx = re.compile(r'^(\t*)%s\(' % name, re.M)
                while True:
                    m = rx.search(body)
                    if not m:
                        break
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
                    body = body[:m.start()] + \
                        format_call(m.group(1), new, args, tail) + \
                        body[end + len(tail):]
    return body

def insert_after(text, anchor_rx, block, what):
    m = re.search(anchor_rx, text, re.M | re.S)
    if not m:
        die('no anchor for %s: %s' % (what, anchor_rx))
    return text[:m.end()] + block + text[m.end():]

HEADER_LEAD = """
/*
 * Checked skb_put(), for lengths that come from a device or a peer: a
 * put that does not fit (less tailroom than asked, or a non-linear skb)
 * is refused instead of ending in skb_over_panic(). The helpers return
 * NULL and leave the skb exactly as it was; the refusal is counted per
 * reason and in skb->dev's rx_errors and rx_length_errors, and logged
 * (ratelimited) with the calling site. skb_guard_drop() also counts
 * rx_dropped and frees the skb; skb_guard_put_data_or_drop() does both.
 *
 *	if (!skb_guard_put_data_or_drop(skb, src, len))
 *		return;
 */
"""

if mode == 'features':
    print(' '.join(sorted(features())))

elif mode == 'core':
    have = features()
    defs = compat_defs(have)
    hdr = marked('include/nopanic/skb_guard.h')
    c = marked('drivers/net/skb_guard/skb_guard.c')
    c = expand_compat(c, defs)
    c = c.replace('EXPORT_SYMBOL_GPL(', 'EXPORT_SYMBOL(')
    skbuff_h = read('include/linux/skbuff.h')
    skbuff_h = insert_after(
        skbuff_h, r'^static inline void skb_put_u8\(.*?\n}\n',
        HEADER_LEAD + hdr, 'skbuff.h')
    write('include/linux/skbuff.h', skbuff_h)
    skbuff_c = read('net/core/skbuff.c')
    skbuff_c = insert_after(skbuff_c, r'^EXPORT_SYMBOL\(skb_put\);\n',
                            '\n' + c, 'skbuff.c')
    write('net/core/skbuff.c', skbuff_c)

elif mode == 'kunit':
    body = marked('kunit/skb_guard_kunit.c')
    body = body.replace('.name = "nopanic_skb_guard"', '.name = "skb_guard"')
    if '.name = "skb_guard"' not in body:
        die('suite name not found in kunit/skb_guard_kunit.c')
    if '#include <nopanic/' in body:
        die('a nopanic include inside the in-tree block')
    body = kunit_compat(body)
    # net/'s block comment style: the text starts on the /* line
    body = re.sub(r'^(\t*)/\*\n\1 \* ', r'\1/* ', body, flags=re.M)
    body = body.replace('MODULE_LICENSE("GPL");',
        'MODULE_DESCRIPTION("KUnit tests for the checked skb_put() helpers");\n'
        'MODULE_LICENSE("GPL");')
    lead = ("// SPDX-License-Identifier: GPL-2.0-only\n"
            "/*\n"
            " * KUnit tests for the checked skb_put() helpers of\n"
            " * <linux/skbuff.h>: skb_guard_put(), skb_guard_put_data(),\n"
            " * skb_guard_put_zero(), skb_guard_put_data_or_drop() and\n"
            " * skb_guard_drop().\n"
            " *\n"
            " * A refused put must leave the skb exactly as it was (every field\n"
            " * of the struct, its shared info and every byte of its buffer are\n"
            " * compared with a snapshot) and count once: per reason and, when\n"
            " * skb->dev is set, in the device's rx_errors and\n"
            " * rx_length_errors. The drop helpers add rx_dropped and free the\n"
            " * skb. The counters are global, so every case compares deltas.\n"
            " */\n\n")
    if os.path.exists(tree_file('net/core/skb_guard_kunit.c')):
        die('net/core/skb_guard_kunit.c exists already')
    write('net/core/skb_guard_kunit.c', lead + body)

    kconfig = read('net/Kconfig')
    entry = ("config SKB_GUARD_KUNIT_TEST\n"
             "\ttristate \"KUnit tests for the checked skb_put() helpers\" if !KUNIT_ALL_TESTS\n"
             "\tdepends on KUNIT\n"
             "\tdefault KUNIT_ALL_TESTS\n"
             "\thelp\n"
             "\t  KUnit tests for skb_guard_put() and the other checked\n"
             "\t  skb_put() helpers: puts that fit and puts that do not, on\n"
             "\t  linear, non-linear and cloned skbs, the skb left unchanged by\n"
             "\t  a refusal, and the counters a refusal updates.\n"
             "\n"
             "\t  If unsure, say N.\n\n")
    m = re.search(r'^endif\s+# if NET\n', kconfig, re.M)
    if not m:
        die('no "endif # if NET" in net/Kconfig')
    write('net/Kconfig', kconfig[:m.start()] + entry + kconfig[m.start():])

    mk = read('net/core/Makefile')
    if not mk.endswith('\n'):
        die('net/core/Makefile does not end in a newline')
    write('net/core/Makefile',
          mk + 'obj-$(CONFIG_SKB_GUARD_KUNIT_TEST) += skb_guard_kunit.o\n')
else:
    die('unknown mode ' + mode)
EOF

# --- commit messages ------------------------------------------------------------

# Prose paragraphs (and " - " list items) rewrapped at 72 columns; the
# first line, indented blocks and trailer paragraphs are left alone.
rewrap() {
	python3 -c '
import re, sys, textwrap
text = sys.stdin.read().rstrip("\n")
first, _, rest = text.partition("\n")
out = [first]
for para in re.split(r"\n[ \t]*\n+", rest.strip("\n")):
    lines = para.split("\n")
    if not para.strip():
        out.append(para)
    elif lines[0].startswith(" - "):
        items, cur = [], None
        for l in lines:
            if l.startswith(" - "):
                cur = [l[3:]]
                items.append(cur)
            else:
                cur.append(l.strip())
        out.append("\n".join(textwrap.fill(" ".join(i), 72,
            initial_indent=" - ", subsequent_indent="   ",
            break_on_hyphens=False, break_long_words=False) for i in items))
    elif lines[0][:1] in (" ", "\t") or re.match(r"[\w-]+: ", lines[0]):
        out.append(para)
    else:
        out.append(textwrap.fill(" ".join(l.strip() for l in lines), 72,
            break_on_hyphens=False, break_long_words=False))
print("\n\n".join(out))
'
}

# msg_core <features>
msg_core() {
	local feat=" $1 " stats dropped free
	case $feat in
	*" DEV_STATS_INC "*)
		stats="rx_errors and rx_length_errors of skb->dev with
DEV_STATS_INC()" ;;
	*)
		stats="rx_errors and rx_length_errors of skb->dev (dev->stats,
as the drivers of this tree count them)" ;;
	esac
	case $feat in
	*" NOPANIC_HAVE_CORE_STATS "*)
		dropped="adds rx_dropped with dev_core_stats_rx_dropped_inc()" ;;
	*)
		dropped="adds the core rx_dropped of skb->dev" ;;
	esac
	case $feat in
	*" NOPANIC_HAVE_DROP_REASON_PKT_TOO_BIG "*)
		free="frees the skb with SKB_DROP_REASON_PKT_TOO_BIG" ;;
	*)
		free="frees the skb with kfree_skb() (this tree has no drop
reason for it)" ;;
	esac
	cat <<EOM
net: skbuff: add checked skb_put() helpers

skb_put() past the end of the buffer calls skb_over_panic(), which
ends in BUG(). Where the length comes from a device or a peer, one
frame bigger than the receive buffer takes the whole machine down: an
8000-byte ping into a path sized for an MTU of 1500 hit skb_over_panic()
and took down a hypervisor, and every guest on it. A receive path can
drop such a frame and count it instead;
Documentation/process/coding-style.rst says as much ("Do not crash the kernel").

Add checked versions of skb_put(), skb_put_data() and skb_put_zero():
skb_guard_put(), skb_guard_put_data() and skb_guard_put_zero() return
NULL, and leave the skb exactly as it was, when the skb is non-linear
or has less tailroom than asked; otherwise they do what the unchecked
helper does. skb_guard_put_data_or_drop() puts the data or drops the
skb and returns false, the usual receive-path pattern in one call.

The fitting path is inline: one 64-bit compare of the length with the
tailroom (-1 for a non-linear skb, computed without a branch), so a
length near UINT_MAX cannot wrap into range. A refusal goes out of line
to skb_guard_refused(), which counts it per reason (non-linear or
tailroom, skb_guard_reason_count()), bumps $stats when there is a device,
and logs a ratelimited line with the device, the length, the tailroom
and the calling site. skb_guard_drop() $dropped and
$free.

skb_put() and its callers are left as they are: the helpers are for
the paths whose length is not under the kernel's control.

Signed-off-by: $AUTHOR_NAME <$AUTHOR_EMAIL>
EOM
}

# msg_kunit <tree>
msg_kunit() {
	local run
	if grep -q -- "'--kconfig_add'" "$1/tools/testing/kunit/kunit.py"; then
		run="  ./tools/testing/kunit/kunit.py run --kconfig_add CONFIG_NET=y \\
	--kconfig_add CONFIG_SKB_GUARD_KUNIT_TEST=y 'skb_guard'"
	else
		run="  ./tools/testing/kunit/kunit.py run

with CONFIG_KUNIT=y, CONFIG_NET=y and CONFIG_SKB_GUARD_KUNIT_TEST=y in
.kunitconfig"
	fi
	cat <<EOM
net: skbuff: add KUnit tests for the checked skb_put() helpers

The checked skb_put() helpers promise what a receive path relies on: a
put that fits does what skb_put() does, and a put that does not fit
changes nothing in the skb and is counted once. Test both, as the
skb_guard suite (CONFIG_SKB_GUARD_KUNIT_TEST):

 - a put of exactly the tailroom, and of one byte more, with every
   helper; a refused skb is compared with a snapshot of struct sk_buff,
   its shared info and every byte of its buffer;
 - empty puts on linear and non-linear skbs;
 - lengths near UINT_MAX, and lengths that would wrap a 32-bit
   "tail + len" back inside the buffer;
 - non-linear and cloned skbs;
 - the per-reason counters, and the device's rx_errors,
   rx_length_errors and rx_dropped as dev_get_stats() reports them;
 - skb_guard_put_data_or_drop() freeing the skb it refuses.

Run with

$run

Signed-off-by: $AUTHOR_NAME <$AUTHOR_EMAIL>
EOM
}

# cover <tree> <version> <package> <features> <maintainers-file>
cover_blurb() {
	local feat=" $4 " notes=""
	case $feat in
	*" DEV_STATS_INC "*) ;;
	*) notes="$notes
 - This tree has no DEV_STATS_INC(): the device counters are bumped in
   dev->stats directly, as its drivers do.";;
	esac
	case $feat in
	*" NOPANIC_HAVE_CORE_STATS "*) ;;
	*) notes="$notes
 - This tree has no dev_core_stats_rx_dropped_inc(): rx_dropped is the
   net_device's atomic rx_dropped.";;
	esac
	case $feat in
	*" NOPANIC_HAVE_DROP_REASON_PKT_TOO_BIG "*) ;;
	*) notes="$notes
 - This tree has no SKB_DROP_REASON_PKT_TOO_BIG: a dropped skb is freed
   with kfree_skb().";;
	esac
	[ -n "$notes" ] || notes="
 - None in the helpers: the tree has DEV_STATS_INC(),
   dev_core_stats_rx_dropped_inc() and SKB_DROP_REASON_PKT_TOO_BIG."
	grep -q 'define KUNIT_EXPECT_NULL(' "$1/include/kunit/test.h" ||
		notes="$notes
 - This tree's KUnit has no KUNIT_EXPECT_NULL() and friends: the tests
   compare with NULL through KUNIT_EXPECT_PTR_EQ()/_PTR_NE()."
	grep -q 'define KUNIT_ASSERT_FAILURE(' "$1/include/kunit/test.h" ||
		notes="$notes
 - This tree's KUnit calls KUNIT_ASSERT_FAILURE() KUNIT_FAIL_AND_ABORT()."
	cat <<EOM
net: skbuff: checked skb_put() instead of skb_over_panic()

skb_put() past the end of an skb's buffer calls skb_over_panic() and
BUG(). Where the length comes from a device or a peer, that turns one
oversized frame into a crash of the machine: an 8000-byte ping into a
path sized for an MTU of 1500 took down a hypervisor with its guests.
coding-style.rst: "Do not crash the kernel".

This series adds checked versions of skb_put(), skb_put_data() and
skb_put_zero() that refuse a put that does not fit, leave the skb as it
was, count the refusal (per reason, and in the device's rx_errors,
rx_length_errors and, when dropped, rx_dropped) and log it ratelimited,
and their KUnit tests. It adds an API only: no caller changes, no
Fixes: tag, not for stable.

It applies to Debian's $3 $2 (the pristine
source tree of that package, git am). The code is that of the nopanic
project's DKMS module, generated from its sources by
scripts/patches-net.sh, so the two cannot drift apart.

Differences on this kernel line:
$notes

Conversions: none in this series. A caller should be converted where
the evidence says a length from a device meets skb_put() unchecked.
Candidates examined, none converted:

 - drivers/bluetooth/virtio_bt.c, virtbt_rx_work(): the used length of
   the virtqueue went into the skb unchecked (upstream reports of a
   malicious backend panicking the guest through skb_over_panic(), a
   fix "Bluetooth: virtio_bt: clamp rx length before skb_put"). Debian's
   trees bound it (len in [1, VIRTBT_RX_BUF_SIZE]) before skb_put(), or
   do not have the driver (5.10).
 - drivers/net/ethernet/microsoft/mana/mana_en.c, mana_process_rx_cqe()
   -> mana_build_skb(): "net: mana: Fix Rx DMA datasize and
   skb_over_panic" shows the CQE's packet length overrunning the skb;
   the RX path now drops a packet longer than rxq->datasize before it
   is built (where the driver exists: not in 5.10).
 - drivers/net/wireless/ath/ath12k/dp_rx.c, the error paths that take
   msdu_len from the hardware descriptor ("ath12k: add length
   validation before skb_put call": junk lengths in stress tests): every
   such skb_put() is now preceded by a check against
   DP_RX_BUFFER_SIZE (in the trees that have the driver, 6.12 and 7.2).

In each the bound is already there; a conversion would only change how
the drop is counted, which is not worth a patch on its own.

scripts/get_maintainer.pl --no-git --no-rolestats on the patches:

$(sed 's/^/  /' "$5")

checkpatch.pl (plain and --strict) reports one warning, on patch 2:
"added, moved or deleted file(s), does MAINTAINERS need updating?" for
net/core/skb_guard_kunit.c, which "NETWORKING [GENERAL]" (F: net/)
already covers.
EOM
}

# --- gen -----------------------------------------------------------------------

# gen_into <line> <outdir>: the series into <outdir> (emptied of *.patch).
# Exit 3: generated, with checkpatch findings. Run as its own process
# (__gen_into), so that set -e holds inside it.
gen_into() {
	local line=$1 out=$2 wt feat f n rc=0 wtlock
	pristine_tree "$line"
	np_need_pkgs git python3 perl python3-ply python3-git
	wt=$NP_CACHE/patches/net-work/$line
	mkdir -p "$NP_CACHE/patches/net-work"
	wtlock=$NP_CACHE/patches/net-work/.$line.lock
	exec 8> "$wtlock"
	flock 8
	work_tree "$wt"

	feat=$(python3 -c "$GEN" features "$NP_TOP" "$wt" "$line")
	log "$line: $KPACKAGE $KVERSION, compat symbols present: ${feat:-none}"

	export GIT_AUTHOR_NAME="$AUTHOR_NAME" GIT_AUTHOR_EMAIL="$AUTHOR_EMAIL"
	export GIT_COMMITTER_NAME="$AUTHOR_NAME"
	export GIT_COMMITTER_EMAIL="$AUTHOR_EMAIL"
	export GIT_AUTHOR_DATE="$PATCH_DATE" GIT_COMMITTER_DATE="$PATCH_DATE"

	python3 -c "$GEN" core "$NP_TOP" "$wt" "$line"
	git -C "$wt" add -f include/linux/skbuff.h net/core/skbuff.c
	msg_core "$feat" | rewrap | git -C "$wt" commit -q -F -

	python3 -c "$GEN" kunit "$NP_TOP" "$wt" "$line"
	git -C "$wt" add -f net/core/skb_guard_kunit.c net/Kconfig \
		net/core/Makefile
	msg_kunit "$wt" | rewrap | git -C "$wt" commit -q -F -

	mkdir -p "$out"
	rm -f "$out"/*.patch
	git -C "$wt" -c core.abbrev=12 format-patch -q --cover-letter \
		--no-signature -o "$out" pristine..HEAD > /dev/null

	# checkpatch, both ways, in the line's own tree. Its spdxcheck.py runs
	# as "python" (5.10) or python3 and needs Debian's ply: the system's.
	mkdir -p "$out/.bin"
	ln -sf /usr/bin/python3 "$out/.bin/python"
	ln -sf /usr/bin/python3 "$out/.bin/python3"
	for f in "$out"/0[0-9][0-9][1-9]-*.patch; do
		n=$(basename "$f")
		for mode in plain strict; do
			local opt=() res
			[ "$mode" = strict ] && opt=(--strict)
			res=$(cd "$wt" && PATH=$out/.bin:/usr/bin:/bin:$PATH \
				perl scripts/checkpatch.pl "${opt[@]}" \
				--no-summary --terse --showfile "$f" 2>&1 || :)
			# the one expected finding: a new file under F: net/
			res=$(grep -v 'does MAINTAINERS need updating' <<<"$res" | grep . || :)
			if [ -z "$res" ]; then
				np_ok "$line/checkpatch/$mode/$n"
			else
				np_fail "$line/checkpatch/$mode/$n: $(head -n1 <<<"$res")"
				echo "$res" | sed 's/^/    /' >&2
				rc=3
			fi
		done
	done

	# the cover letter: subject, blurb, maintainers
	(cd "$wt" && perl scripts/get_maintainer.pl --no-git --no-rolestats \
		"$out"/0[0-9][0-9][1-9]-*.patch) > "$out/.maintainers" 2>/dev/null ||
		die "get_maintainer.pl failed"
	cover_blurb "$wt" "$KVERSION" "$KPACKAGE" "$feat" "$out/.maintainers" |
		rewrap > "$out/.blurb"
	python3 - "$out"/0000-cover-letter.patch "$out/.blurb" <<'PYEOF'
import sys
path, blurb = sys.argv[1], open(sys.argv[2]).read()
subject, body = blurb.split('\n', 1)
s = open(path).read()
assert '*** SUBJECT HERE ***' in s and '*** BLURB HERE ***' in s
s = s.replace('*** SUBJECT HERE ***', subject)
s = s.replace('*** BLURB HERE ***\n', body.lstrip('\n'))
open(path, 'w').write(s)
PYEOF
	rm -rf "$out/.blurb" "$out/.maintainers" "$out/.bin"
	exec 8>&-
	return "$rc"
}

# The stable part of a patch: no commit ids, dates or git version.
normalize() {
	sed -E -e 's/^From [0-9a-f]{40} /From <sha> /' \
		-e 's/^Date: .*/Date: <date>/' \
		-e '/^-- $/,$d' "$1"
}

cmd_gen() {
	local line=$1 t
	t=$(np_now)
	local rc=0
	"$NP_TOP/scripts/patches-net.sh" __gen_into "$line" \
		"$NP_TOP/patches/$line/net" || rc=$?
	if [ "$rc" -ne 0 ]; then
		np_fail "net-gen($line): $([ "$rc" -eq 3 ] &&
			echo "checkpatch findings" || echo "exit $rc")"
		np_timing "net-gen($line) $(np_since "$t")s"
		exit 1
	fi
	np_ok "net-gen($line): $(cd "$NP_TOP" && ls patches/"$line"/net/*.patch | wc -l) files in patches/$line/net"
	np_timing "net-gen($line) $(np_since "$t")s"
}

cmd_check() {
	local line=$1 tmp diffs f committed t
	t=$(np_now)
	committed=$NP_TOP/patches/$line/net
	tmp=$(mktemp -d /tmp/patches-net.XXXXXX)
	# shellcheck disable=SC2064 # expand now
	trap "rm -rf '$tmp'" EXIT
	if ! "$NP_TOP/scripts/patches-net.sh" __gen_into "$line" "$tmp" \
			> "$tmp/.gen.log" 2>&1; then
		cat "$tmp/.gen.log" >&2
		echo "FAIL net-drift($line): regeneration failed"
		exit 1
	fi
	diffs=
	for f in "$tmp"/*.patch; do
		if [ ! -f "$committed/$(basename "$f")" ]; then
			diffs="$diffs missing:$(basename "$f")"
		elif ! diff -u <(normalize "$committed/$(basename "$f")") \
				<(normalize "$f") >&2; then
			diffs="$diffs differs:$(basename "$f")"
		fi
	done
	for f in "$committed"/*.patch; do
		[ -e "$f" ] || continue
		[ -f "$tmp/$(basename "$f")" ] || diffs="$diffs stale:$(basename "$f")"
	done
	np_timing "net-drift($line) $(np_since "$t")s" >&2
	if [ -n "$diffs" ]; then
		echo "FAIL net-drift($line):$diffs (regenerate: scripts/patches-net.sh gen $line)"
		exit 1
	fi
	echo "ok net-drift($line)"
}

# --- kunit ---------------------------------------------------------------------

cmd_kunit() {
	local line=$1 tree=$2 bd t rc=0 args=() kcfg
	t=$(np_now)
	[ -f "$tree/net/core/skb_guard_kunit.c" ] ||
		die "$tree: no net/core/skb_guard_kunit.c (series not applied?)"
	np_need_pkgs python3 bc flex bison gcc make libc6-dev
	[ -d "$NP_CACHE/patches" ] || mkdir -p "$NP_CACHE/patches"
	bd=$NP_CACHE/patches/kunit-$line
	mkdir -p "$bd"
	exec 7> "$bd.lock"
	flock 7
	kcfg=$bd/.kunitconfig
	{
		echo CONFIG_KUNIT=y
		echo CONFIG_NET=y
		echo CONFIG_SKB_GUARD_KUNIT_TEST=y
		# KASAN watches the frees of the drop helpers, where UML has it
		if grep -q 'select HAVE_ARCH_KASAN' "$tree/arch/um/Kconfig"; then
			echo CONFIG_KASAN=y
			echo CONFIG_KASAN_GENERIC=y
		fi
		if grep -q '^config UML_PCI_OVER_VIRTIO' "$tree/arch/um/Kconfig" 2>/dev/null ||
		   grep -rqs '^config UML_PCI_OVER_VIRTIO' "$tree/arch/um/"; then
			echo '# CONFIG_UML_PCI_OVER_VIRTIO is not set'
		fi
	} > "$bd.kunitconfig.new"
	# a changed kunitconfig: start the build directory over
	if ! cmp -s "$bd.kunitconfig.new" "$kcfg"; then
		find "$bd" -mindepth 1 -delete
		mv "$bd.kunitconfig.new" "$kcfg"
	else
		rm -f "$bd.kunitconfig.new"
	fi
	args=(run --build_dir="$bd" --jobs="$(nproc)" --timeout=300 --raw_output)
	if python3 "$tree/tools/testing/kunit/kunit.py" run --help 2>/dev/null |
			grep -q -- --kunitconfig; then
		args+=(--arch=um --kunitconfig="$kcfg")
	fi
	log "$line: kunit.py ${args[*]} (log: $bd/kunit.log)"
	(cd "$tree" && nice -n 10 python3 tools/testing/kunit/kunit.py \
		"${args[@]}") < /dev/null > "$bd/kunit.log" 2>&1 || rc=$?

	python3 - "$tree/net/core/skb_guard_kunit.c" "$bd/kunit.log" "$line" \
		"$rc" <<'PYEOF' || NP_FAILED=1
import re, sys
src, logp, line, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
text = open(src).read()
suite = re.search(r'\.name = "(\w+)"', text).group(1)
cases = re.findall(r'KUNIT_CASE\((\w+)\)', text)
strip = re.compile(r'^\[\s*\d+\.\d+\]\s?')
report = re.compile(r'(BUG: |WARNING: |UBSAN: |kernel BUG at|Kernel panic|'
                    r'Oops|general protection fault|Segmentation fault)')
result, why, cur, in_suite, stray = {}, {}, None, False, []
for raw in open(logp, errors='replace'):
    l = strip.sub('', raw.rstrip('\n'))
    if re.search(r'# Subtest: %s$' % suite, l):
        in_suite = True
        continue
    if in_suite:
        m = re.match(r'^\s+(not )?ok \d+ (?:- )?(\w+)', l)
        if m and m.group(2) in cases:
            result[m.group(2)] = not m.group(1)
            if cur and m.group(2) not in why and cur[0] == 'pending':
                why[m.group(2)] = cur[1]
            cur = None
            continue
        m = re.match(r'^(not )?ok \d+ (?:- )?%s$' % suite, l.strip())
        if m and not l.startswith('    '):
            in_suite = False
            continue
        if report.search(l):
            if cur is None:
                cur = ('pending', l.strip())
            continue
        m = re.search(r'# (\w+): (EXPECTATION|ASSERTION) FAILED', l)
        if m:
            why.setdefault(m.group(1), l.strip())
    elif report.search(l) and not (
            result and 'Unable to mount root fs' in l):
        # 5.10's UML ends the run that way, after the suites
        stray.append(l.strip())
failed = 0
crash = cur[1] if cur else (stray[-1] if stray else None)
for c in cases:
    name = '%s/kunit/%s.%s' % (line, suite, c)
    if c not in result:
        failed += 1
        print('FAIL %s: did not run (%s)' % (name, 'crashed: ' + crash
              if crash else 'UML stopped, or the build failed: kunit.py '
              'exit %d, see %s' % (rc, logp)))
    elif result[c] and c not in why:
        print('ok ' + name)
    else:
        failed += 1
        print('FAIL %s: %s' % (name, why.get(c, 'failed')))
if stray:
    failed += 1
    print('FAIL %s/kunit/kernel-log: %s' % (line, stray[0]))
print('%d passed, %d failed' % (
    sum(1 for c in cases if result.get(c) and c not in why), failed))
sys.exit(1 if failed else 0)
PYEOF
	exec 7>&-
	np_timing "$line/kunit $(np_since "$t")s (kunit.py exit $rc, log $bd/kunit.log)"
	[ "$NP_FAILED" -eq 0 ] || exit 1
}

# --- build ---------------------------------------------------------------------

cmd_build() {
	local line=$1 tree=$2 bd t base rc=0 objs n
	t=$(np_now)
	[ -f "$tree/net/core/skb_guard_kunit.c" ] ||
		die "$tree: no net/core/skb_guard_kunit.c (series not applied?)"
	np_need_pkgs gcc make flex bison bc libelf-dev libssl-dev python3
	bd=$NP_CACHE/patches/build-net-$line
	mkdir -p "$bd"
	exec 7> "$bd.lock"
	flock 7
	objs=(net/core/skbuff.o net/core/skb_guard_kunit.o)
	n=$(ls "$NP_TOP/patches/$line/net/"0[0-9][0-9][1-9]-*.patch 2>/dev/null | wc -l)
	base=$(git -C "$tree" rev-parse -q --verify 'pristine^{commit}' ||
	       git -C "$tree" rev-parse "HEAD~$n")
	mk() { nice -n 10 make -s -C "$tree" O="$bd" ARCH=x86_64 "$@"; }
	{
		mk allnoconfig &&
		"$tree/scripts/config" --file "$bd/.config" -e NET -e INET \
			-e KUNIT -e SKB_GUARD_KUNIT_TEST &&
		mk olddefconfig &&
		grep -qx 'CONFIG_SKB_GUARD_KUNIT_TEST=y' "$bd/.config" &&
		mk -j"$(nproc)" prepare
	} > "$bd/prepare.log" 2>&1 || {
		np_fail "$line/build/prepare: see $bd/prepare.log"
		tail -n 20 "$bd/prepare.log" >&2
		np_timing "$line/build $(np_since "$t")s"
		exit 1
	}
	rm -f "${objs[@]/#/$bd/}"
	mk -j"$(nproc)" W=1 "${objs[@]}" > "$bd/build.log" 2>&1 || rc=$?
	python3 - "$tree" "$base" "$bd/build.log" "$line" "$rc" "${objs[@]}" <<'PYEOF' || NP_FAILED=1
import re, subprocess, sys
tree, base, logp, line, rc = sys.argv[1:6]
objs = sys.argv[6:]
files = ['include/linux/skbuff.h', 'net/core/skbuff.c',
         'net/core/skb_guard_kunit.c']
diff = subprocess.run(['git', '-C', tree, 'diff', '-U0', base, '--'] + files,
                      capture_output=True, text=True, check=True).stdout
added, cur = {}, None
for l in diff.splitlines():
    if l.startswith('+++ b/'):
        cur = l[6:]
        added[cur] = set()
    m = re.match(r'^@@ -\S+ \+(\d+)(?:,(\d+))? @@', l)
    if m and cur:
        start, cnt = int(m.group(1)), int(m.group(2) or 1)
        added[cur].update(range(start, start + cnt))
warn = re.compile(r'^(?:\S*/)?((?:include|net)/\S+?):(\d+):(?:\d+:)? (warning|error):')
ours, other = [], 0
for l in open(logp, errors='replace'):
    m = warn.match(l)
    if not m:
        continue
    f, n = m.group(1), int(m.group(2))
    if n in added.get(f, ()):
        ours.append(l.strip())
    else:
        other += 1
failed = 0
for o in objs:
    name = '%s/build/%s' % (line, o)
    if int(rc) != 0:
        failed += 1
        print('FAIL %s: make exit %s (%s)' % (name, rc, logp))
    else:
        print('ok %s (W=1)' % name)
if ours:
    failed += 1
    print('FAIL %s/build/w1-new-warnings: %d in the added lines, first: %s'
          % (line, len(ours), ours[0]))
else:
    print('ok %s/build/w1-new-warnings: none in the %d added lines '
          '(%d elsewhere, pre-existing)'
          % (line, sum(len(v) for v in added.values()), other))
sys.exit(1 if failed else 0)
PYEOF
	exec 7>&-
	np_timing "$line/build $(np_since "$t")s"
	[ "$NP_FAILED" -eq 0 ] || exit 1
}

# --- main ----------------------------------------------------------------------

[ $# -ge 2 ] || usage
cmd=$1 line=$2
line_release "$line" > /dev/null || die "unknown line '$line' (5.10 6.1 6.12 7.2)"
case $cmd in
__gen_into) gen_into "$line" "$3" ;;
gen)	[ $# -eq 2 ] || usage; cmd_gen "$line" ;;
check)	[ $# -eq 2 ] || usage; cmd_check "$line" ;;
kunit)	[ $# -eq 3 ] || usage; cmd_kunit "$line" "$(cd "$3" && pwd)" ;;
build)	[ $# -eq 3 ] || usage; cmd_build "$line" "$(cd "$3" && pwd)" ;;
*)	usage ;;
esac
