#!/usr/bin/env python3
"""canon_ref.py - weft's canonical ABI checked against the spec's reference.

Imports definitions.py of the Component Model spec (from $WEFT_SHARED/spec/
component-model, or ../shared/spec/component-model beside the repository) and
computes, for a fixed set of cases, what lowering and lifting must produce:
flat core values, the exact realloc calls, the bytes of linear memory and the
values lifted back, or a trap. The cases are written to a text file that
test_canon.c reads (`unit_canon FILE`), which repeats every case in weft and
compares. Without definitions.py the test is skipped (exit status 77).

    canon_ref.py [--exe PATH/unit_canon] [--out FILE] [--seed N] [--count N]

File format (one item per line; types and values are s-expressions, the same
syntax test_canon.c parses):
  layout TYPE size S align A flat K,K,...|-|over
  case NAME / mode lower|lift / enc E / src E / base N / maxflat N /
  outptr N / force N / type T / val V / in K:HEX... / setmem OFF HEX /
  expect ok|trap / flat K:HEX... / realloc A B C D / mem OFF HEX /
  lifted V / end
Types: bool s8 u8 s16 u16 s32 u32 s64 u64 f32 f64 char string, (list T),
(record T...), (tuple T...), (variant T|_ ...), (enum N), (option T),
(result T|_ T|_), (flags N); labels are l0, l1, ...
Values: true/false, integers, floats as hex bits, chars as code points,
strings s:HEX (UTF-8; t:HEX = held as UTF-16 by a latin1+utf16 source),
[a b c] for lists/records/tuples, (case payload?) for variants/enums/
options/results, flags as an integer.

The reference runs realloc as a canon-lifted function on a real thread (its
stack-switching model); here LiftLowerContext.reallocate is replaced by a
direct call with the same arguments, the same may_leave handling and the
same result, since a Trap raised on that thread would deadlock the harness.
"""
import argparse
import os
import random
import re
import struct
import subprocess
import sys

MEM_SIZE = 65536


def find_spec():
    cands = []
    if os.environ.get('WEFT_SHARED'):
        cands.append(os.path.join(os.environ['WEFT_SHARED'], 'spec', 'component-model'))
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    cands.append(os.path.join(repo, '..', 'shared', 'spec', 'component-model'))
    for c in cands:
        if os.path.isfile(os.path.join(c, 'definitions.py')):
            return os.path.normpath(c)
    return None


if sys.version_info < (3, 10):
    print('SKIP: definitions.py needs Python 3.10 or newer')
    sys.exit(77)
SPEC = find_spec()
if SPEC is None:
    print('SKIP: definitions.py of the Component Model spec not found '
          '(set WEFT_SHARED, or put the shared data at ../shared)')
    sys.exit(77)
sys.dont_write_bytecode = True   # the spec directory may be read-only
sys.path.insert(0, SPEC)
import definitions as d  # noqa: E402

d.DETERMINISTIC_PROFILE = True


class Cx(d.LiftLowerContext):
    def reallocate(self, old, old_byte_length, alignment, new_byte_length):
        assert self.inst.may_leave
        self.inst.may_leave = False
        [ptr] = self.opts.realloc([old, old_byte_length, alignment, new_byte_length])
        self.inst.may_leave = True
        return ptr


class Heap:
    """The bump allocator of run_tests.py, with a log, a start address and
    an optional forced result (what the wasm realloc of test_canon.c does)."""

    def __init__(self, memory, base, force=None):
        self.memory = memory
        self.last_alloc = base
        self.force = force
        self.log = []

    def realloc(self, args):
        self.log.append(tuple(args))
        if self.force is not None:
            return [self.force]
        original_ptr, original_size, alignment, new_size = args
        if original_ptr != 0 and new_size < original_size:
            return [d.align_to(original_ptr, alignment)]
        ret = d.align_to(self.last_alloc, alignment)
        self.last_alloc = ret + new_size
        if self.last_alloc > len(self.memory):
            d.trap()
        self.memory[ret:ret + original_size] = self.memory[original_ptr:original_ptr + original_size]
        return [ret]


def mk_cx(memory, enc, realloc=None):
    opts = d.CanonicalOptions()
    opts.memory = d.MemInst(memory, 'i32')
    opts.string_encoding = enc
    opts.realloc = realloc
    return Cx(opts, d.ComponentInstance(d.Store()))


# ---------------------------------------------------------------- s-exprs

def tokenize(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c.isspace():
            i += 1
        elif c in '()[]':
            out.append(c)
            i += 1
        else:
            j = i
            while j < len(s) and not s[j].isspace() and s[j] not in '()[]':
                j += 1
            out.append(s[i:j])
            i = j
    return out


def parse_sx(s):
    toks = tokenize(s)
    pos = 0

    def one():
        nonlocal pos
        t = toks[pos]
        pos += 1
        if t in '([':
            close = ')' if t == '(' else ']'
            items = []
            while toks[pos] != close:
                items.append(one())
            pos += 1
            return (t, items)
        return t
    v = one()
    assert pos == len(toks), s
    return v


PRIMS = {
    'bool': d.BoolType, 's8': d.S8Type, 'u8': d.U8Type, 's16': d.S16Type,
    'u16': d.U16Type, 's32': d.S32Type, 'u32': d.U32Type, 's64': d.S64Type,
    'u64': d.U64Type, 'f32': d.F32Type, 'f64': d.F64Type, 'char': d.CharType,
    'string': d.StringType,
}
LABELS = ['l%d' % i for i in range(70000)]


def mk_type(sx):
    if isinstance(sx, str):
        return PRIMS[sx]()
    _, items = sx
    head, args = items[0], items[1:]
    opt = lambda a: None if a == '_' else mk_type(a)
    if head == 'list':
        return d.ListType(mk_type(args[0]))
    if head == 'record':
        return d.RecordType([d.FieldType(LABELS[i], mk_type(a)) for i, a in enumerate(args)])
    if head == 'tuple':
        return d.TupleType([mk_type(a) for a in args])
    if head == 'variant':
        return d.VariantType([d.CaseType(LABELS[i], opt(a)) for i, a in enumerate(args)])
    if head == 'enum':
        return d.EnumType(LABELS[:int(args[0])])
    if head == 'option':
        return d.OptionType(mk_type(args[0]))
    if head == 'result':
        return d.ResultType(opt(args[0]), opt(args[1]))
    if head == 'flags':
        return d.FlagsType(LABELS[:int(args[0])])
    raise ValueError(head)


def f32_of_bits(b):
    return struct.unpack('<f', struct.pack('<I', b))[0]


def f64_of_bits(b):
    return struct.unpack('<d', struct.pack('<Q', b))[0]


def bits_of_f32(f):
    return struct.unpack('<I', struct.pack('<f', f))[0]


def bits_of_f64(f):
    return struct.unpack('<Q', struct.pack('<d', f))[0]


def string_value(tok, src):
    s = bytes.fromhex(tok[2:]).decode('utf-8')
    if src == 'utf8':
        return (s, 'utf8', len(s.encode('utf-8')))
    if src == 'utf16':
        return (s, 'utf16', len(s.encode('utf-16-le')) // 2)
    if tok.startswith('t:') or any(ord(c) >= 256 for c in s):
        return (s, 'latin1+utf16', (len(s.encode('utf-16-le')) // 2) | (1 << 31))
    return (s, 'latin1+utf16', len(s))


def mk_val(tsx, vsx, src):
    """Python value of the reference from the value text."""
    if isinstance(tsx, str):
        if tsx == 'bool':
            return vsx == 'true'
        if tsx in ('f32',):
            return f32_of_bits(int(vsx, 0))
        if tsx in ('f64',):
            return f64_of_bits(int(vsx, 0))
        if tsx == 'char':
            return chr(int(vsx, 0))
        if tsx == 'string':
            return string_value(vsx, src)
        return int(vsx, 0)
    head, args = tsx[1][0], tsx[1][1:]
    if head == 'list':
        return [mk_val(args[0], x, src) for x in vsx[1]]
    if head == 'record':
        return {LABELS[i]: mk_val(a, x, src) for i, (a, x) in enumerate(zip(args, vsx[1], strict=True))}
    if head == 'tuple':
        return {str(i): mk_val(a, x, src) for i, (a, x) in enumerate(zip(args, vsx[1], strict=True))}
    if head == 'flags':
        bits = int(vsx, 0)
        return {LABELS[i]: bool(bits >> i & 1) for i in range(int(args[0]))}
    disc = int(vsx[1][0])
    payload = vsx[1][1] if len(vsx[1]) > 1 else None
    cases = case_types(tsx)
    ct = cases[disc]
    pv = None if ct is None else mk_val(ct, payload, src)
    if head == 'option':
        return {('none', 'some')[disc]: pv}
    if head == 'result':
        return {('ok', 'error')[disc]: pv}
    return {LABELS[disc]: pv}


def case_types(tsx):
    head, args = tsx[1][0], tsx[1][1:]
    if head == 'variant':
        return [None if a == '_' else a for a in args]
    if head == 'enum':
        return [None] * int(args[0])
    if head == 'option':
        return [None, args[0]]
    if head == 'result':
        return [None if a == '_' else a for a in args]
    raise ValueError(head)


def fmt_val(tsx, v):
    """Value text of a value lifted by the reference."""
    if isinstance(tsx, str):
        if tsx == 'bool':
            return 'true' if v else 'false'
        if tsx == 'f32':
            return '0x%08x' % bits_of_f32(v)
        if tsx == 'f64':
            return '0x%016x' % bits_of_f64(v)
        if tsx == 'char':
            return str(ord(v))
        if tsx == 'string':
            return 's:' + v[0].encode('utf-8').hex()
        return str(v)
    head, args = tsx[1][0], tsx[1][1:]
    if head == 'list':
        return '[' + ' '.join(fmt_val(args[0], x) for x in v) + ']'
    if head == 'record':
        return '[' + ' '.join(fmt_val(a, v[LABELS[i]]) for i, a in enumerate(args)) + ']'
    if head == 'tuple':
        return '[' + ' '.join(fmt_val(a, v[str(i)]) for i, a in enumerate(args)) + ']'
    if head == 'flags':
        return str(sum(1 << i for i in range(int(args[0])) if v[LABELS[i]]))
    [(label, pv)] = v.items()
    if head == 'option':
        disc = ('none', 'some').index(label)
    elif head == 'result':
        disc = ('ok', 'error').index(label)
    else:
        disc = int(label[1:])
    ct = case_types(tsx)[disc]
    if ct is None:
        return '(%d)' % disc
    return '(%d %s)' % (disc, fmt_val(ct, pv))


# ---------------------------------------------------------------- generators

INT_EDGES = {
    'u8': [0, 1, 127, 128, 255], 's8': [-128, -1, 0, 1, 127],
    'u16': [0, 255, 32768, 65535], 's16': [-32768, -1, 0, 32767],
    'u32': [0, 1, 0x7fffffff, 0x80000000, 0xffffffff],
    's32': [-2**31, -1, 0, 2**31 - 1],
    'u64': [0, 1, 2**63, 2**64 - 1], 's64': [-2**63, -1, 0, 2**63 - 1],
}
INT_RANGE = {'u8': (0, 255), 's8': (-128, 127), 'u16': (0, 65535), 's16': (-32768, 32767),
             'u32': (0, 2**32 - 1), 's32': (-2**31, 2**31 - 1), 'u64': (0, 2**64 - 1),
             's64': (-2**63, 2**63 - 1)}
F32_EDGES = [0, 0x80000000, 0x3f800000, 0x4048f5c3, 0x7f800000, 0xff800000, 0x7fc00000,
             0x7fc00001, 0xffffffff, 0x7fa00000, 0x00000001, 0x7f7fffff]
F64_EDGES = [0, 0x8000000000000000, 0x3ff0000000000000, 0x7ff0000000000000,
             0x7ff8000000000000, 0x7ff8000000000001, 0xfff0000000000001, 0xffffffffffffffff,
             0x0000000000000001, 0x400921fb54442d18]


def gen_char(r):
    k = r.random()
    if k < 0.4:
        return r.randrange(0x20, 0x7f)
    if k < 0.6:
        return r.randrange(0x80, 0x100)
    if k < 0.85:
        c = r.randrange(0x100, 0xfffe)
        return c if not 0xd800 <= c <= 0xdfff else 0xfffd
    return r.randrange(0x10000, 0x110000)


def gen_string(r):
    n = r.choice([0, 1, 2, 3, 5, 8, 13])
    k = r.random()
    if k < 0.3:
        cs = [r.randrange(0x20, 0x7f) for _ in range(n)]
    elif k < 0.5:
        cs = [r.randrange(0x20, 0x100) for _ in range(n)]
    else:
        cs = [gen_char(r) for _ in range(n)]
    s = ''.join(chr(c) for c in cs)
    tag = 't:' if r.random() < 0.15 else 's:'
    return tag + s.encode('utf-8').hex()


def gen_type(r, depth=0):
    if depth >= 3 or r.random() < 0.35:
        return r.choice(list(PRIMS))
    k = r.choice(['list', 'list', 'record', 'tuple', 'variant', 'variant', 'enum', 'option',
                  'result', 'flags'])
    if k == 'list':
        return '(list %s)' % gen_type(r, depth + 1)
    if k in ('record', 'tuple'):
        return '(%s %s)' % (k, ' '.join(gen_type(r, depth + 1) for _ in range(r.randint(1, 4))))
    if k == 'variant':
        cs = ['_' if r.random() < 0.3 else gen_type(r, depth + 1) for _ in range(r.randint(1, 4))]
        return '(variant %s)' % ' '.join(cs)
    if k == 'enum':
        return '(enum %d)' % r.choice([1, 2, 3, 256, 257])
    if k == 'option':
        return '(option %s)' % gen_type(r, depth + 1)
    if k == 'result':
        o = lambda: '_' if r.random() < 0.3 else gen_type(r, depth + 1)
        return '(result %s %s)' % (o(), o())
    return '(flags %d)' % r.choice([1, 3, 8, 9, 16, 17, 31, 32])


def gen_val(r, tsx):
    if isinstance(tsx, str):
        if tsx == 'bool':
            return r.choice(['true', 'false'])
        if tsx in INT_EDGES:
            if r.random() < 0.5:
                return str(r.choice(INT_EDGES[tsx]))
            return str(r.randint(*INT_RANGE[tsx]))
        if tsx == 'f32':
            return '0x%08x' % (r.choice(F32_EDGES) if r.random() < 0.6 else r.getrandbits(32))
        if tsx == 'f64':
            return '0x%016x' % (r.choice(F64_EDGES) if r.random() < 0.6 else r.getrandbits(64))
        if tsx == 'char':
            return str(gen_char(r))
        return gen_string(r)
    head, args = tsx[1][0], tsx[1][1:]
    if head == 'list':
        return '[' + ' '.join(gen_val(r, args[0]) for _ in range(r.choice([0, 1, 2, 3]))) + ']'
    if head in ('record', 'tuple'):
        return '[' + ' '.join(gen_val(r, a) for a in args) + ']'
    if head == 'flags':
        return str(r.getrandbits(int(args[0])))
    cases = case_types(tsx)
    disc = r.randrange(len(cases))
    if cases[disc] is None:
        return '(%d)' % disc
    return '(%d %s)' % (disc, gen_val(r, cases[disc]))


# ---------------------------------------------------------------- cases

def flat_types(ts):
    opts = d.CanonicalOptions()
    opts.memory = d.MemInst(bytearray(), 'i32')
    return d.flatten_types([mk_type(t) for t in ts], opts)


def fmt_flat(kinds, vals):
    out = []
    for k, v in zip(kinds, vals, strict=True):
        if k == 'f32' and isinstance(v, float):
            v = bits_of_f32(v)
        elif k == 'f64' and isinstance(v, float):
            v = bits_of_f64(v)
        out.append('%s:%x' % (k, v))
    return ' '.join(out)


def to_core(kind, v):
    if kind == 'f32':
        return f32_of_bits(v)
    if kind == 'f64':
        return f64_of_bits(v)
    return v


def mem_runs(mem):
    """Runs of non-zero bytes (single zero bytes inside a run kept)."""
    return [(m.start(), m.group().hex())
            for m in re.finditer(rb'[^\x00]+(?:\x00[^\x00]+)*', bytes(mem))]


class Out:
    def __init__(self):
        self.lines = []
        self.ncases = 0

    def w(self, s):
        self.lines.append(s)


def lower_case(o, name, enc, src, ts_text, vs_text, base=1024, maxflat=16, outptr=None,
               force=None):
    """Lowers vs into a fresh memory, lifts them back; returns (memory,
    flat kinds, flat values) for mutation, or None after a trap."""
    tsx = [parse_sx(t) for t in ts_text]
    ts = [mk_type(t) for t in tsx]
    vs = [mk_val(t, parse_sx(v), src) for t, v in zip(tsx, vs_text)]
    mem = bytearray(MEM_SIZE)
    heap = Heap(mem, base, force)
    cx = mk_cx(mem, enc, heap.realloc)
    o.ncases += 1
    o.w('case %s' % name)
    o.w('mode lower')
    o.w('enc %s' % enc)
    o.w('src %s' % src)
    o.w('base %d' % base)
    o.w('maxflat %d' % maxflat)
    if outptr is not None:
        o.w('outptr %d' % outptr)
    if force is not None:
        o.w('force %d' % force)
    for t, v in zip(ts_text, vs_text):
        o.w('type %s' % t)
        o.w('val %s' % v)
    kinds = flat_types(tsx)
    over = len(kinds) > maxflat
    try:
        out_param = d.CoreValueIter([outptr]) if outptr is not None else None
        flat = d.lower_flat_values(cx, maxflat, vs, ts, out_param)
    except d.Trap:
        o.w('expect trap')
        for a in heap.log:
            o.w('realloc %d %d %d %d' % a)
        o.w('end')
        return None
    fk = (['i32'] if outptr is None else []) if over else kinds
    o.w('expect ok')
    o.w('flat ' + fmt_flat(fk, flat))
    for a in heap.log:
        o.w('realloc %d %d %d %d' % a)
    for off, hx in mem_runs(mem):
        o.w('mem %d %s' % (off, hx))
    lift_in = flat if outptr is None or not over else [outptr]
    lift_kinds = fk if outptr is None or not over else ['i32']
    got = d.lift_flat_values(mk_cx(mem, enc), maxflat, d.CoreValueIter(list(lift_in)), ts)
    for t, v in zip(tsx, got):
        o.w('lifted ' + fmt_val(t, v))
    o.w('end')
    return bytearray(mem), lift_kinds, list(lift_in)


def lift_case(o, name, enc, ts_text, kinds, flat, mem, maxflat=16):
    tsx = [parse_sx(t) for t in ts_text]
    ts = [mk_type(t) for t in tsx]
    o.ncases += 1
    o.w('case %s' % name)
    o.w('mode lift')
    o.w('enc %s' % enc)
    o.w('maxflat %d' % maxflat)
    for t in ts_text:
        o.w('type %s' % t)
    o.w('in ' + fmt_flat(kinds, flat))
    for off, hx in mem_runs(mem):
        o.w('setmem %d %s' % (off, hx))
    try:
        core = [to_core(k, v) if not isinstance(v, float) else v for k, v in zip(kinds, flat)]
        got = d.lift_flat_values(mk_cx(bytearray(mem), enc), maxflat, d.CoreValueIter(core), ts)
    except d.Trap:
        o.w('expect trap')
        o.w('end')
        return
    o.w('expect ok')
    for t, v in zip(tsx, got):
        o.w('lifted ' + fmt_val(t, v))
    o.w('end')


def layout_line(o, t):
    ty = mk_type(parse_sx(t))
    opts = d.CanonicalOptions()
    opts.memory = d.MemInst(bytearray(), 'i32')
    fl = d.flatten_type(ty, opts)
    f = 'over' if len(fl) > 16 else (','.join(fl) if fl else '-')
    o.w('layout %s size %d align %d flat %s' % (t, d.elem_size(ty, 'i32'), d.alignment(ty, 'i32'), f))


def hx(s):
    return s.encode('utf-8').hex()


ENCS = ['utf8', 'utf16', 'latin1+utf16']
SAMPLE_STRINGS = ['', 'a', 'hello', 'h\u00e9', '\u00ff\u00e9', 'z\u0100', '\u20ac!',
                  'a\U0001F600b', '\U0001F600', '\u00e9t\u00e9 \u6771\u4eac', 'x' * 40,
                  '\u00e9' * 20 + '\u0101']


def handwritten(o):
    # layouts of interesting types
    for t in ['bool', 'u64', 'string', '(list u8)', '(record u8 u16 u32)', '(record u8 u64 u8)',
              '(tuple u8 (tuple u16 u8))', '(variant u8 f32 _)', '(variant u64 f32)',
              '(variant f64 f32)', '(variant f32 f32)', '(variant _ _)', '(enum 256)',
              '(enum 257)', '(enum 1)', '(option string)', '(result _ _)', '(result u8 _)',
              '(result (tuple u8 u64) string)', '(flags 1)', '(flags 8)', '(flags 9)',
              '(flags 16)', '(flags 17)', '(flags 32)',
              '(record u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64)',
              '(record u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u64 u8)',
              '(variant (record u8 f32) (tuple f64 u8) s64)', '(option (option (option u8)))',
              '(list (record string (variant u8 (list char) _)))']:
        layout_line(o, t)
    # strings: every source and destination encoding, non-ASCII text
    n = 0
    for enc in ENCS:
        for src in ENCS:
            for s in SAMPLE_STRINGS:
                lower_case(o, 'str%d' % n, enc, src, ['string'], ['s:' + hx(s)])
                n += 1
                if src == 'latin1+utf16' and all(ord(c) < 256 for c in s):
                    lower_case(o, 'str%d' % n, enc, src, ['string'], ['t:' + hx(s)])
                    n += 1
    # realloc returning bad pointers
    for enc in ENCS:
        for force in [1001, 65535, 65530, 3]:
            for s in ['h\u00e9llo', 'abc', '\U0001F600']:
                lower_case(o, 'force%d' % n, enc, 'utf8', ['string'], ['s:' + hx(s)], force=force)
                n += 1
        lower_case(o, 'forcelist%d' % n, enc, 'utf8', ['(list u32)'], ['[1 2]'], force=1002)
        n += 1
        lower_case(o, 'forcelist%d' % n, enc, 'utf8', ['(list u32)'], ['[1 2]'], force=65532)
        n += 1
    # out of heap: the realloc traps
    lower_case(o, 'heapfull', 'utf8', 'utf8', ['string'], ['s:' + hx('x' * 100)], base=65500)
    # narrow integers, bools, chars, floats lifted from flat values
    for t, vals in [('u8', [300, 255, 256, 0xffffffff, 0xffffff80]),
                    ('s8', [300, 255, 128, 127, 0xffffffff, 0xffffff7f]),
                    ('u16', [65536 + 5, 0xffff8000]), ('s16', [0x8000, 0xffff, 0x12345678]),
                    ('bool', [0, 1, 2, 0xffffffff]),
                    ('char', [0, 0x41, 0xd7ff, 0xd800, 0xdfff, 0xe000, 0x10ffff, 0x110000,
                              0xffffffff]),
                    ('u32', [0xffffffff]), ('s32', [0x80000000]),
                    ('(flags 3)', [0xff, 0xfffffff8, 5]), ('(flags 32)', [0xffffffff]),
                    ('(enum 3)', [0, 2, 3, 0xffffffff])]:
        for v in vals:
            lift_case(o, 'int%d' % n, 'utf8', [t], ['i32'], [v], bytearray(MEM_SIZE))
            n += 1
    for v in [0x7fc00001, 0xffc00000, 0x7f800001, 0x7f800000, 0x3f800000]:
        lift_case(o, 'f32_%d' % n, 'utf8', ['f32'], ['f32'], [v], bytearray(MEM_SIZE))
        n += 1
    for v in [0x7ff8000000000001, 0xfff8000000000000, 0x7ff0000000000001, 1]:
        lift_case(o, 'f64_%d' % n, 'utf8', ['f64'], ['f64'], [v], bytearray(MEM_SIZE))
        n += 1
    for v in [0, 2**63, 2**64 - 1]:
        lift_case(o, 'i64_%d' % n, 'utf8', ['s64', 'u64'], ['i64', 'i64'], [v, v],
                  bytearray(MEM_SIZE))
        n += 1
    # variants: joined flat types, coercions, bad discriminants
    for t, kinds, flat in [
            ('(variant u8 f32 _)', ['i32', 'i32'], [0, 256]),
            ('(variant u8 f32 _)', ['i32', 'i32'], [1, 0x4048f5c3]),
            ('(variant u8 f32 _)', ['i32', 'i32'], [1, 0x7fc12345]),
            ('(variant u8 f32 _)', ['i32', 'i32'], [2, 0xffffffff]),
            ('(variant u8 f32 _)', ['i32', 'i32'], [3, 0]),
            ('(variant u64 f32)', ['i32', 'i64'], [1, 0xdeadbeef7fc00001]),
            ('(variant u64 f32)', ['i32', 'i64'], [0, 0xdeadbeef7fc00001]),
            ('(variant f64 f32)', ['i32', 'i64'], [0, 0x7ff0000000000001]),
            ('(variant f64 f32)', ['i32', 'i64'], [1, 0x123456783f800000]),
            ('(variant s8 u64)', ['i32', 'i64'], [0, 0xffffffff000000ff]),
            ('(variant (tuple f32 u32) (tuple u64 f64))', ['i32', 'i64', 'i64'],
             [0, 0x400000003f800000, 0xffffffff12345678]),
            ('(variant (tuple f32 u32) (tuple u64 f64))', ['i32', 'i64', 'i64'],
             [1, 0x400000003f800000, 0x7ff0000000000001]),
            ('(option (variant char _))', ['i32', 'i32', 'i32'], [1, 0, 0xd800]),
            ('(option (variant char _))', ['i32', 'i32', 'i32'], [1, 0, 0x1f600]),
            ('(option (variant char _))', ['i32', 'i32', 'i32'], [1, 2, 0]),
            ('(result u8 _)', ['i32', 'i32'], [1, 77]),
            ('(result u8 _)', ['i32', 'i32'], [2, 77]),
            ('(enum 257)', ['i32'], [256]), ('(enum 257)', ['i32'], [257])]:
        lift_case(o, 'var%d' % n, 'utf8', [t], kinds, flat, bytearray(MEM_SIZE))
        n += 1
    # strings lifted from memory: every encoding, malformed input, bounds
    def put(mem, off, b):
        mem[off:off + len(b)] = b
    tag = 1 << 31
    for enc, ptr, units, data in [
            ('utf8', 100, 3, b'h\xc3\xa9'), ('utf8', 100, 2, b'\xc0\x80'),
            ('utf8', 100, 3, b'\xed\xa0\x80'), ('utf8', 100, 4, b'\xf4\x90\x80\x80'),
            ('utf8', 100, 4, b'\xf0\x9f\x98\x80'), ('utf8', 100, 2, b'\xe2\x82'),
            ('utf8', 100, 1, b'\x80'), ('utf8', 100, 1, b'\xff'), ('utf8', 101, 0, b''),
            ('utf8', 65535, 1, b'z'), ('utf8', 65535, 2, b'z'), ('utf8', 65536, 0, b''),
            ('utf8', 65537, 0, b''), ('utf8', 0, 2**28, b''), ('utf8', 0, 2**28 - 1, b''),
            ('utf8', 0xffffffff, 1, b''),
            ('utf16', 100, 2, 'h\u00e9'.encode('utf-16-le')),
            ('utf16', 100, 2, '\U0001F600'.encode('utf-16-le')),
            ('utf16', 101, 1, b'a\x00'), ('utf16', 100, 1, b'\x00\xd8'),
            ('utf16', 100, 2, b'\x00\xd8a\x00'), ('utf16', 100, 1, b'\x00\xdc'),
            ('utf16', 100, 2, b'\x00\xdc\x00\xd8'), ('utf16', 65534, 1, b'a\x00'),
            ('utf16', 65534, 2, b'a\x00'), ('utf16', 0, 2**27, b''),
            ('utf16', 0, 2**27 - 1, b''), ('utf16', 0, 2**31, b''),
            ('latin1+utf16', 100, 3, b'h\xe9\xff'), ('latin1+utf16', 101, 1, b'a'),
            ('latin1+utf16', 100, 2 | tag, 'h\u0101'.encode('utf-16-le')),
            ('latin1+utf16', 100, 1 | tag, b'\x00\xd8'), ('latin1+utf16', 100, 0 | tag, b''),
            ('latin1+utf16', 0, 2**28, b''), ('latin1+utf16', 0, (2**27) | tag, b''),
            ('latin1+utf16', 65535, 1, b'\xe9'), ('latin1+utf16', 65534, 1 | tag, b'\xe9\x00')]:
        mem = bytearray(MEM_SIZE)
        put(mem, ptr if ptr < MEM_SIZE else 0, data if ptr < MEM_SIZE else b'')
        lift_case(o, 'lstr%d' % n, enc, ['string'], ['i32', 'i32'], [ptr, units], mem)
        n += 1
    # lists lifted from memory: alignment, bounds, lengths
    for t, ptr, length, data in [
            ('(list u8)', 200, 3, b'\x01\x02\x03'), ('(list u32)', 202, 1, b''),
            ('(list u32)', 200, 2, b'\x01\x00\x00\x00\x02\x00\x00\x00'),
            ('(list u32)', 65532, 1, b'\x07\x00\x00\x00'), ('(list u32)', 65532, 2, b''),
            ('(list u64)', 2**31, 2**29, b''), ('(list u8)', 0, 2**28 - 1, b''),
            ('(list u8)', 0, 2**28, b''), ('(list u16)', 0, 2**27, b''),
            ('(list (record u8 u16))', 200, 2, b'\x01\x00\x02\x00\x03\x00\x04\x00'),
            ('(list bool)', 200, 3, b'\x00\x01\x02'), ('(list char)', 200, 1, b'\x00\xd8\x00\x00'),
            ('(list (enum 3))', 200, 2, b'\x02\x03'), ('(list (option u8))', 200, 2, b'\x01\x09\x02\x09'),
            ('(list (flags 9))', 200, 1, b'\xff\xff'), ('(list f32)', 200, 1, b'\x01\x00\xc0\x7f'),
            ('(list (list u8))', 200, 1, b'\xcc\x00\x00\x00\x02\x00\x00\x00'),
            ('(list (list u8))', 200, 1, b'\xff\xff\x00\x00\x02\x00\x00\x00'),
            ('(list string)', 200, 1, b'\xd0\x00\x00\x00\x01\x00\x00\x00'),
            ('(list (enum 300))', 201, 1, b''), ('(list (enum 300))', 200, 1, b'\x2c\x01')]:
        mem = bytearray(MEM_SIZE)
        put(mem, 200 if ptr == 200 else ptr if ptr < MEM_SIZE else 0, data)
        if t == '(list (list u8))' or t == '(list string)':
            put(mem, 0xcc, b'\x05\x06')
            put(mem, 0xd0, b'Z')
        lift_case(o, 'llist%d' % n, 'utf8', [t], ['i32', 'i32'], [ptr, length], mem)
        n += 1
    # values passed through memory (more than 16 flat values)
    big = ['u64'] * 17
    mem = bytearray(MEM_SIZE)
    for i in range(17):
        put(mem, 1000 + 8 * i, struct.pack('<Q', i * 0x0101010101010101))
    for ptr in [1000, 1004, 65536 - 8 * 17, 65536 - 8 * 16]:
        lift_case(o, 'lbig%d' % n, 'utf8', big, ['i32'], [ptr], mem)
        n += 1
    lift_case(o, 'lres%d' % n, 'utf8', ['string'], ['i32'], [1000], mem, maxflat=1)
    n += 1
    lift_case(o, 'lres%d' % n, 'utf8', ['(tuple u8 u32)'], ['i32'], [1002], mem, maxflat=1)
    n += 1
    lower_case(o, 'big%d' % n, 'utf8', 'utf8', big, [str(i) for i in range(17)])
    n += 1
    lower_case(o, 'outp%d' % n, 'utf16', 'utf8', ['(tuple string u8)'], ['[s:%s 7]' % hx('\u00e9!')],
               maxflat=1, outptr=64)
    n += 1
    lower_case(o, 'outp%d' % n, 'utf8', 'utf8', ['u32'], ['7'], maxflat=1, outptr=64)
    n += 1
    lower_case(o, 'outp%d' % n, 'utf8', 'utf8', ['(tuple u8 u32)'], ['[1 2]'], maxflat=1,
               outptr=66)
    n += 1
    lower_case(o, 'outp%d' % n, 'utf8', 'utf8', ['(tuple u8 u32)'], ['[1 2]'], maxflat=1,
               outptr=65532)
    n += 1
    # a nested value of everything
    lower_case(o, 'nested', 'latin1+utf16', 'utf8',
               ['(list (record string (variant u8 (list char) _ f64) (option (flags 9))))'],
               ['[[s:%s (1 [233 128512]) (1 257)] [s:%s (3 0x7ff8000000000001) (0)] '
                '[s: (2) (1 0)]]' % (hx('caf\u00e9'), hx('\u6771'))])


def generated(o, r, count):
    for i in range(count):
        enc = r.choice(ENCS)
        src = 'utf8' if r.random() < 0.7 else r.choice(ENCS)
        nt = r.randint(1, 3)
        ts = [gen_type(r) for _ in range(nt)]
        vs = [gen_val(r, parse_sx(t)) for t in ts]
        maxflat = 16
        outptr = None
        if nt == 1 and r.random() < 0.3:
            maxflat, outptr = 1, 64
        base = 1024 + r.randrange(8)
        res = lower_case(o, 'gen%d' % i, enc, src, ts, vs, base=base, maxflat=maxflat,
                         outptr=outptr)
        if res is None:
            continue
        mem, kinds, flat = res
        # mutants: lift corrupted memory / core values
        for j in range(3):
            m = bytearray(mem)
            f = list(flat)
            if r.random() < 0.7:
                lo = min(base, outptr) if outptr is not None else base
                for _ in range(r.randint(1, 3)):
                    at = r.randrange(lo, lo + 96)
                    m[at] = r.choice([0, 0xff, 0x80, 0xd8, 0xdc, 0xc0, 0xed, 1, 2, 3,
                                      r.randrange(256)])
            if f and r.random() < 0.5:
                k = r.randrange(len(f))
                kind = kinds[k]
                if kind == 'i32':
                    f[k] = r.choice([0, 1, 2, 3, 0xffffffff, 0x80000000, 65535, 65536,
                                     f[k] + 1, f[k] ^ 0x80000000, r.getrandbits(32)]) & 0xffffffff
                elif kind == 'i64':
                    f[k] = r.getrandbits(64)
                elif kind == 'f32':
                    f[k] = r.choice([0x7fc00001, 0xffffffff, r.getrandbits(32)])
                else:
                    f[k] = r.choice([0x7ff0000000000001, r.getrandbits(64)])
                f = [to_core(kk, vv) if kk in ('f32', 'f64') and not isinstance(vv, float)
                     else vv for kk, vv in zip(kinds, f)]
            lift_case(o, 'gen%d_m%d' % (i, j), enc, ts, kinds, f, m, maxflat=maxflat)
        # layouts of the generated types
        for t in ts:
            layout_line(o, t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--exe', help='unit_canon executable to run on the cases')
    ap.add_argument('--out', default='canon_ref.txt', help='cases file to write')
    ap.add_argument('--seed', type=int, default=20240601)
    ap.add_argument('--count', type=int, default=400)
    a = ap.parse_args()
    o = Out()
    handwritten(o)
    generated(o, random.Random(a.seed), a.count)
    with open(a.out, 'w') as fh:
        fh.write('\n'.join(o.lines) + '\n')
    print('canon_ref: %d cases from %s written to %s' % (o.ncases, SPEC, a.out))
    sys.stdout.flush()
    if a.exe:
        return subprocess.call([a.exe, a.out])
    return 0


if __name__ == '__main__':
    sys.exit(main())
