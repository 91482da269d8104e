// Case generators of the fuzz harness (docs/fuzz.md). A case is data: the argv given to
// `main(argv, io)` and the files it names, written into the case's own directory. Case i of
// seed s depends only on (s, i), so any case can be regenerated from its number.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, Scalar, visit, YAMLMap, YAMLSeq } from 'yaml';

/** mulberry32: small, fast, good enough to pick mutations. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    /** A size from `list` (ascending); only the three smallest in a small (CI) run. */
    size: (list) => list[Math.floor(next() * (r.small ? Math.min(3, list.length) : list.length))],
    small: false,
  };
  return r;
}

export function caseSeed(seed, i) {
  let h = (seed * 0x9e3779b1) ^ (i * 0x85ebca77);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The inputs mutations start from: every spec in specs/ and every ELF under fixtures/. */
export function corpus(root) {
  const specs = readdirSync(join(root, 'specs')).filter((f) => f.endsWith('.yaml')).sort()
    .map((f) => ({ name: f, text: readFileSync(join(root, 'specs', f), 'utf8') }));
  const elfs = [];
  for (const dir of ['fixtures/elf', 'fixtures/patchable']) {
    for (const f of readdirSync(join(root, dir)).filter((x) => x.endsWith('.elf')).sort()) {
      elfs.push({ name: `${dir}/${f}`, bytes: new Uint8Array(readFileSync(join(root, dir, f))) });
    }
  }
  const litmus = readdirSync(join(root, 'test/litmus')).filter((f) => f.endsWith('.litmus')).sort()
    .map((f) => ({ name: f, text: readFileSync(join(root, 'test/litmus', f), 'utf8') }));
  return { specs, elfs, litmus };
}

// ---- values -------------------------------------------------------------------------------

const EXTREME_NUMBERS = [0, -1, 1, 2, 3, 7, 8, 9, 63, 64, 65, 255, 256, 4095, 65536, 1048576, 1048577, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, 0.5];
const EXTREME_TEXT = [
  '0x', '0xffffffffffffffffffffffffffffffff', '0x_', '-0x1', '1e9999', 'NaN', '.inf', '-.inf', '~', 'null', 'true',
  'f+', 'f+0x', 'f + 99999999999999999999999', 'f-0x8000000000000000', 'tramp_a+1', '$', '.', '_', '∀x', '\u0000', '\ud800',
  'é'.repeat(3), '🙂', 'x'.repeat(300), '%hi(nope)', 'a b c', '\t', '', ' ', '[', '{', '*', '&a', '!!binary', '0o777', '0b101',
];
const HUGE = ['1048576', '1048575', '0x100000', '65536', '16', '17', '64', '4294967296', '99999999999999999999', '-1', 'foo', 'end-start', '1<<20'];

const ASM_ADVERSARIAL = (r) => [
  'nosuchop a0, a1',
  '.space 1048576',
  `.space ${r.pick(HUGE)}`,
  `.zero ${r.pick(HUGE)}, 0xff`,
  `.fill ${r.pick(HUGE)}, 8, 0x13`,
  `.fill ${r.pick(HUGE)}, ${r.pick(HUGE)}`,
  `.align ${r.pick(HUGE)}`,
  `.p2align ${r.pick(HUGE)}, 0`,
  `.balign ${r.pick(HUGE)}`,
  '.balign 65536',
  '.equ a, b\n.equ b, a\n  li a0, a',
  'x: .equ y, x+1\n  j y',
  'lui a0, %hi(undefined_sym)\naddi a0, a0, %lo(undefined_sym)',
  'auipc t0, %pcrel_hi(nowhere)\njalr t0, %pcrel_lo(1b)(t0)',
  '1: j 1b\n2: j 2f',
  'l: beq a0, a1, l+0x100000',
  'li a0, 0x' + 'f'.repeat(40),
  '.dword ' + Array(50).fill('0xffffffffffffffff').join(','),
  '.ascii "' + 'A'.repeat(500) + '"',
  '.option norvc\n.option arch, +c\n.option pop\n.option pop',
  '.insn r 0x33, 0, 0, a0, a1, a2',
  '.insn i 0x7f, 9, a0, a1, 99999',
  'csrrw a0, nosuchcsr, a1',
  'c.addi x0, 0',
  'jalr',
  ',,,,',
  '"unterminated',
  'la a0, ' + 'x'.repeat(5000),
  'j ' + '1f\n'.repeat(3) + '1:',
];


// ---- YAML documents -----------------------------------------------------------------------

function allPaths(doc) {
  const out = [];
  const walk = (node, path, depth) => {
    if (depth > 12) return;
    if (isMap(node)) {
      for (const p of node.items) {
        const k = isScalar(p.key) ? p.key.value : null;
        if (k === null || typeof k === 'object') continue;
        out.push({ parent: node, path: [...path, k], pair: p });
        walk(p.value, [...path, k], depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((v, i) => {
        out.push({ parent: node, path: [...path, i], index: i });
        walk(v, [...path, i], depth + 1);
      });
    }
  };
  walk(doc.contents, [], 0);
  return out;
}

function randomValue(r, doc) {
  switch (r.int(9)) {
    case 0: return r.pick(EXTREME_NUMBERS);
    case 1: return r.pick(EXTREME_TEXT);
    case 2: return null;
    case 3: return r.chance(0.5);
    case 4: return [r.pick(EXTREME_NUMBERS), r.pick(EXTREME_TEXT)];
    case 5: return { [r.pick(['at', 'name', 'kind', 'asm', 'write', 'harts', 'x'])]: r.pick(EXTREME_TEXT) };
    case 6: return r.pick(ASM_ADVERSARIAL(r));
    case 7: return BigInt(r.pick(['18446744073709551615', '-9223372036854775809', '340282366920938463463374607431768211456']));
    default: return r.pick(['any', 'others', 'all', 'patchable-entries', 'full', 'none', 'fence.i', 'safe', 'unsafe', 'code', 'data', 'patchable']);
  }
}

/** One structure-aware mutation of a parsed spec document. */
function mutateDoc(doc, r, extra) {
  const paths = allPaths(doc);
  if (!paths.length) return;
  const t = r.pick(paths);
  const op = r.int(14);
  try {
    switch (op) {
      case 0: // delete
        doc.deleteIn(t.path);
        break;
      case 1: { // retype / extreme value
        doc.setIn(t.path, doc.createNode(randomValue(r, doc)));
        break;
      }
      case 2: { // duplicate a list entry, many times
        const seqs = paths.filter((p) => p.index !== undefined);
        if (!seqs.length) break;
        const s = r.pick(seqs);
        if (s.parent.items.length > 64) break; // once per list: repeated, it grows without bound
        const item = s.parent.items[s.index];
        const n = Math.min(r.size([1, 2, 7, 64, 300, 2000, 20000]), item && typeof item === 'object' && 'items' in item ? 20 : 2000);
        for (let k = 0; k < n; k++) s.parent.items.push(item && typeof item === 'object' && 'clone' in item ? item.clone() : item);
        break;
      }
      case 3: { // move a key to another map
        const maps = paths.filter((p) => p.pair && isMap(p.pair.value));
        const pairs = paths.filter((p) => p.pair);
        if (!maps.length || !pairs.length) break;
        const from = r.pick(pairs), to = r.pick(maps);
        if (from.pair.value === to.pair.value) break;
        doc.deleteIn(from.path);
        to.pair.value.items.push(from.pair);
        break;
      }
      case 4: { // copy a key into another map (duplicate keys are an error, not a crash)
        const maps = paths.filter((p) => p.pair && isMap(p.pair.value));
        const pairs = paths.filter((p) => p.pair);
        if (!maps.length || !pairs.length) break;
        r.pick(maps).pair.value.items.push(r.pick(pairs).pair.clone());
        break;
      }
      case 5: { // adversarial asm into an asm field
        const asm = paths.filter((p) => p.path[p.path.length - 1] === 'asm' || p.path[p.path.length - 1] === 'initial');
        const at = asm.length ? r.pick(asm) : t;
        const lines = Array.from({ length: 1 + r.int(3) }, () => r.pick(ASM_ADVERSARIAL(r)));
        const rep = r.size([1, 1, 1, 4, 50, 2000]);
        doc.setIn(at.path, Array(rep).fill(lines.join('\n')).join('\n') + '\n');
        break;
      }
      case 6: { // harts the model does not have
        const v = r.pick([0, 1, 3, 8, 9, 64, -1, [7], [0, 9], 'any', [5, 6, 7]]);
        const where = r.pick([['harts'], ['kernel', 'interrupts', 'harts'], ['tasks', 0, 'hart'], ['tasks', 1, 'hart']]);
        doc.setIn(where, doc.createNode(v));
        if (r.chance(0.5)) {
          const patch = paths.filter((p) => p.path[p.path.length - 1] === 'patch');
          if (patch.length) {
            const pp = r.pick(patch).path;
            const seq = doc.getIn(pp);
            if (isSeq(seq)) seq.items.push(doc.createNode({ remote_fence_i: { harts: r.pick([[7], [2], [0, 1, 2, 3, 4, 5, 6, 7], 'all']), wait: r.chance(0.5) } }));
          }
        }
        break;
      }
      case 7: { // extreme number in a numeric field
        const nums = paths.filter((p) => p.pair && isScalar(p.pair.value) && typeof p.pair.value.value !== 'string');
        const at = nums.length ? r.pick(nums) : t;
        doc.setIn(at.path, doc.createNode(r.pick(EXTREME_NUMBERS)));
        break;
      }
      case 8: { // address strings
        const strs = paths.filter((p) => p.pair && isScalar(p.pair.value) && typeof p.pair.value.value === 'string');
        const at = strs.length ? r.pick(strs) : t;
        doc.setIn(at.path, r.pick(EXTREME_TEXT));
        break;
      }
      case 9: { // unicode and control characters in names
        const names = paths.filter((p) => p.path[p.path.length - 1] === 'name');
        const at = names.length ? r.pick(names) : t;
        doc.setIn(at.path, r.pick(['tâche', 'ϕ', '名字', 'a\u202eb', 'x\u0007', 'a'.repeat(10000), '0abc', 'f', 'tramp_a']));
        break;
      }
      case 10: { // nested stop_machine / many steps
        const patch = paths.filter((p) => p.path[p.path.length - 1] === 'patch');
        if (!patch.length) break;
        const pp = r.pick(patch).path;
        let node = { stop_machine: { steps: ['fence.i'] } };
        for (let k = r.size([1, 10, 60, 200]); k > 0; k--) node = { stop_machine: { steps: [node] } };
        doc.setIn(pp, doc.createNode(r.chance(0.5) ? [node] : Array(r.size([100, 5000, 30000])).fill('fence.i')));
        break;
      }
      case 11: { // explore options
        doc.setIn(['explore', r.pick(['bound', 'max-states', 'max-time', 'max-memory', 'max-steps', 'exhaustive', 'reduction'])], doc.createNode(r.pick([...EXTREME_NUMBERS, true, 'naive'])));
        break;
      }
      case 12: { // elf: specs pointing at odd files
        doc.setIn(['elf', 'file'], r.pick(['/dev/zero', '/dev/urandom', '.', '/', 'fifo', 'missing.elf', 'x.elf', extra?.elf ?? 'x.elf']));
        break;
      }
      default: { // symbols: many, huge
        const n = r.size([1, 100, 5000]);
        const syms = {};
        for (let k = 0; k < n; k++) syms[`s${k}`] = r.chance(0.9) ? k : r.pick(EXTREME_TEXT);
        doc.setIn(['symbols'], doc.createNode(syms));
      }
    }
  } catch {
    // Some mutations do not apply to some shapes (setIn through a scalar); the case stays valid data.
  }
}

/** Byte-level mutations of text: flips, deletions, duplications, truncation. */
function mutateText(text, r) {
  let s = text;
  for (let k = 1 + r.int(4); k > 0; k--) {
    const at = r.int(s.length + 1);
    switch (r.int(7)) {
      case 0: s = s.slice(0, at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + r.int(40)); break;
      case 2: { const len = r.int(200); s = s.slice(0, at) + s.slice(at, at + len).repeat(1 + r.int(5)) + s.slice(at + len); break; }
      case 3: s = s.slice(0, at) + String.fromCharCode(r.int(0x80)) + s.slice(at + 1); break;
      case 4: s = s.slice(0, at) + r.pick(['&a ', '*a', '<<: *a\n', '!!set ', '? ', '- ', ': ', '[', ']', '{', '}', '"', "'", '|', '>', '#', '\t', '\r', '%YAML 1.1\n', '---\n', '...\n', '\ufeff', '\u0085']) + s.slice(at); break;
      case 5: { const lines = s.split('\n'); const i = r.int(lines.length); lines.splice(r.int(lines.length), 0, lines[i]); s = lines.join('\n'); break; }
      default: { const lines = s.split('\n'); lines.splice(r.int(lines.length), 1); s = lines.join('\n'); }
    }
  }
  return s;
}

/** YAML that stresses the parser: alias bombs, deep nesting, very many keys, odd tags. */
function randomYaml(r) {
  switch (r.int(12)) {
    case 0: { // billion laughs
      const n = 3 + r.int(8);
      let s = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
      for (let i = 1; i < n; i++) s += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
      return s + `harts: 2\ntasks: *a${n - 1}\n`;
    }
    case 1: return `${'['.repeat(r.size([50, 65, 100, 1000, 10000, 200000]))}1${r.chance(0.5) ? ']'.repeat(10) : ''}\n`;
    case 2: return `harts: 2\ntasks:\n${'  '.repeat(0)}${Array.from({ length: r.size([70, 200, 500, 1400]) }, (_, i) => `${' '.repeat(i)}- `).join('\n')}x\n`;
    case 3: return `harts: 2\ntasks:\n  - ${'- '.repeat(r.size([70, 1000, 100000]))}x\n`;
    case 4: { // many keys
      const n = r.size([1000, 10000, 60000, 150000]);
      return Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join('\n') + '\n';
    }
    case 5: return `harts: 2\ntasks: *nope\n`;
    case 6: return `harts: &h 2\ntasks:\n  - name: a\n    call: *h\n  - *t\n`;
    case 7: return `base: &b {harts: 2}\n<<: *b\n<<: [*b, *b]\ntasks: [{name: x, call: 0}]\n`;
    case 8: return `harts: !!binary AAAA\ntasks: !!set {a, b}\nx: !!omap [a: 1]\ny: !!timestamp 2001-12-14\nz: !custom 1\n`;
    case 9: return `${'{a: '.repeat(r.size([60, 5000, 100000]))}1${'}'.repeat(5)}\n`;
    case 10: { // random bytes
      const n = r.int(400);
      return Array.from({ length: n }, () => String.fromCharCode(r.chance(0.9) ? 32 + r.int(95) : r.int(0x3000))).join('');
    }
    default: { // nested maps by indentation
      const n = r.size([70, 500, 3000]);
      return Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    }
  }
}

// ---- ELF ----------------------------------------------------------------------------------

function mutateElf(bytes, r) {
  let b = bytes.slice();
  const view = () => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64s = [0n, 1n, 0x40n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, BigInt(b.length), BigInt(b.length - 1), BigInt(b.length + 1), 0x7ffffff0n];
  const u16s = [0, 1, 2, 0xffff, 0xfffe, 0x7fff, 56, 64, 1000];
  for (let k = 1 + r.int(3); k > 0; k--) {
    const v = view();
    const phoff = b.length >= 64 ? Number(v.getBigUint64(32, true) & 0xffffffn) : 0;
    const shoff = b.length >= 64 ? Number(v.getBigUint64(40, true) & 0xffffffn) : 0;
    const phnum = b.length >= 64 ? v.getUint16(56, true) : 0;
    const shnum = b.length >= 64 ? v.getUint16(60, true) : 0;
    try {
      switch (r.int(10)) {
        case 0: for (let j = r.int(20) + 1; j > 0; j--) b[r.int(b.length)] ^= 1 << r.int(8); break;
        case 1: b = b.slice(0, r.int(b.length)); break;
        case 2: v.setUint16(r.pick([54, 56, 58, 60, 62]), r.pick(u16s), true); break;
        case 3: v.setBigUint64(r.pick([24, 32, 40]), r.pick(u64s), true); break;
        case 4: if (phnum) { const p = phoff + 56 * r.int(phnum); v.setBigUint64(p + r.pick([8, 16, 24, 32, 40, 48]), r.pick(u64s), true); } break;
        case 5: if (shnum) { const s = shoff + 64 * r.int(shnum); v.setBigUint64(s + r.pick([8, 16, 24, 32, 48, 56]), r.pick(u64s), true); } break;
        case 6: if (shnum) { const s = shoff + 64 * r.int(shnum); v.setUint32(s + r.pick([0, 4, 40, 44]), r.pick([0, 1, 2, 3, 8, 11, 0xffffffff, shnum, shnum - 1]), true); } break;
        case 7: if (phnum) { const p = phoff + 56 * r.int(phnum); v.setUint32(p + r.pick([0, 4]), r.pick([0, 1, 2, 7, 0x6474e551, 0xffffffff]), true); } break;
        case 8: { const extra = new Uint8Array(r.int(4096)); const c = new Uint8Array(b.length + extra.length); c.set(b); c.set(extra, b.length); b = c; break; }
        default: b.fill(r.int(256), r.int(b.length), r.int(b.length)); break;
      }
    } catch {
      // Offsets past a truncated file: the mutation is skipped.
    }
  }
  return b;
}

// ---- command lines ------------------------------------------------------------------------

const CHECK_FLAGS = () => [
  ['--format', ['text', 'json', 'junit', 'sarif', 'xml', '']],
  ['--all'], ['--exhaustive'], ['--naive'], ['--no-timing'],
  ['--bound', ['0', '1', '3', '64', '-1', 'x', '1e3', '99999999999999999999']],
  ['--random', ['1', '5', '0', 'x', '-3']],
  ['--seed', ['0', '1', '7', '4294967296', 'abc']],
  ['--max-states', ['1', '10', '500', '20000', 'x', '-1']],
  ['--max-memory', ['1', '64', '0x', '-5']],
  ['--set', ['harts=3', 'harts=9', 'kernel.preemption=full', 'tasks.0.hart=[0,9]', 'tasks.0.times=64', 'memory.0.asm=.space 1048576', 'tasks.99.name=x', 'a.b.c.d=1', '=1', 'harts', 'tasks.0=*a', 'harts=[[[[[[1]]]]]]', 'explore.max-steps=100000000', 'fetch.atomic=3', '__proto__.x=1', 'constructor.prototype.x=1', 'tasks.0.regs.a0=0xzz']],
];

/** A valid-looking check command around a spec file, with random flags; limits always set. */
function checkArgv(r, file) {
  const states = r.small ? ['300', '2000'] : ['2000', '20000'];
  const argv = [r.pick(['check', 'check', 'check', 'replay']), file];
  if (argv[0] === 'replay') {
    argv.push('--schedule', r.pick(['h0', 'h1', 'h0*2.h1.h0>t2.h1>t3.h1.h0.h1.h0.h0>t0', 'h9', 'h0*99999999999', 'h0>t99', '', '...', 'h0*0', 'h-1', 'h0*1e9', 'x'.repeat(1000), Array(3000).fill('h0').join('.')]));
  } else {
    for (const [flag, values] of CHECK_FLAGS()) {
      if (!r.chance(0.15)) continue;
      if (flag === '--random' || flag === '--max-states' || flag === '--max-memory') continue; // set below
      argv.push(flag);
      if (values) argv.push(r.pick(values));
    }
    if (r.chance(0.2)) argv.push('--random', r.pick(['1', '5', '0', 'x']), '--seed', String(r.int(100)));
    // The harness's own limits: a search stops (exit 3) well inside the per-case budget.
    argv.push('--max-states', r.pick(states), '--max-time', '4000', '--no-timing');
  }
  return argv;
}

function randomArgv(r) {
  const words = ['check', 'replay', 'run', 'disasm', 'help', '--help', '-V', '--version', 'specs/', 'specs/*.yaml', 'specs/**/*.yaml', 'specs/nope*', '/dev/zero', '/dev/urandom',
    '/dev/null', '.', '..', 'fifo', 'dir', 'missing.yaml', '--', '-', '--format', 'json', '--set', 'x=1', '--schedule', 'h0', '--max-steps', '-1', '10', '99999999999999999999',
    '--symbol', 'main', '--no-aliases', '--stats', '--bound', '--seed', 'NaN', '--max-time', '1', '\u0000', 'é', '--max-states=0', '--max-memory=0', 'fixtures/elf/calls-O2.elf'];
  const argv = [];
  for (let k = r.int(7); k > 0; k--) argv.push(r.pick(words));
  // Commands that could run unbounded by the user's own choice get the harness's limits.
  if (argv.includes('run')) argv.push('--max-steps', '2000000');
  if (argv.includes('check')) argv.push('--max-states', r.small ? '2000' : '20000', '--max-time', '4000');
  return argv;
}

// ---- cases --------------------------------------------------------------------------------

/**
 * Case i of seed s: { kind, argv, files: { name: string | Uint8Array }, stdin? }. Paths are
 * relative to the case directory, where the runner also provides `specs/` and `fixtures/` (links
 * to the repository's), `fifo` (a named pipe) and `dir` (a directory); `..` is the runner's own
 * directory, holding only the case directory. `stdin` (cases naming `-`) is standard input.
 */
/** Largest file a case writes: twice the spec size limit, so the cap is still exercised. */
const MAX_FILE = 2 << 20;

export function makeCase(c, seed, i, opts = {}) {
  const cs = makeCaseUncapped(c, seed, i, opts);
  for (const [n, f] of Object.entries(cs.files)) if (f.length > MAX_FILE) cs.files[n] = f.slice(0, MAX_FILE);
  if (cs.argv.includes('-')) cs.stdin = stdinFor(c, seed, i);
  return cs;
}

/**
 * Standard input of a case naming `-`: empty (no writer), a library spec, a mutated one, random
 * bytes, or more than the spec size cap. From its own generator, so that adding it left every
 * other part of every case as it was.
 */
function stdinFor(c, seed, i) {
  const r = rng(caseSeed(seed, i) ^ 0x5eed1e55);
  switch (r.int(5)) {
    case 0: return '';
    case 1: return r.pick(c.specs).text;
    case 2: return mutateText(r.pick(c.specs).text, r);
    case 3: return Uint8Array.from({ length: r.int(4096) }, () => r.int(256));
    default: return 'x'.repeat((1 << 20) + 1 + r.int(4096));
  }
}

/** A spec's text after `rounds` mutations of its YAML document (as it was, if the result no longer prints). */
function mutatedDoc(text, r, rounds) {
  const doc = parseDocument(text, { intAsBigInt: true });
  for (let k = rounds; k > 0; k--) mutateDoc(doc, r);
  try { return doc.toString({ lineWidth: 0 }); } catch { return text; }
}

/** A bundled spec's fixture paths, made relative to the case's directory. */
const inCaseDir = (text) => text.replace(/\.\.\/fixtures\//g, 'fixtures/');

/**
 * `explain` and `litmus` cases: one case in ten, chosen by a generator of their own (so that
 * adding them left every other case as it was: the regression tests regenerate old cases; the
 * constant is one that takes none of the cases they name).
 */
function laterCommand(c, seed, i, small) {
  const r = rng(caseSeed(seed, i) ^ 0x1e7a1a12);
  r.small = small;
  if (!r.chance(0.1)) return undefined;
  const limits = ['--max-states', r.pick(small ? ['300', '2000'] : ['2000', '20000']), '--max-time', '4000'];
  if (r.chance(0.25)) return partsCase(c, r);
  if (r.chance(0.5)) {
    const base = r.pick(c.specs);
    let text = base.text;
    if (r.chance(0.7)) text = mutatedDoc(base.text, r, 1 + r.int(3));
    else if (r.chance(0.5)) text = mutateText(base.text, r);
    text = inCaseDir(text);
    const argv = ['explain', r.chance(0.05) ? '-' : 'case.yaml'];
    if (r.chance(0.2)) argv.push('--no-check');
    if (r.chance(0.3)) argv.push('--walks', r.pick(['0', '1', '5', '200', 'x', '-1', '1e9', '100001']));
    return { kind: 'explain', base: base.name, argv: [...argv, ...limits], files: { 'case.yaml': text } };
  }
  const bases = [r.pick(c.litmus), ...(r.chance(0.2) ? [r.pick(c.litmus)] : [])];
  const files = {};
  const argv = ['litmus'];
  bases.forEach((b, k) => {
    files[`t${k}.litmus`] = r.chance(0.85) ? mutateText(b.text, r) : b.text;
    argv.push(`t${k}.litmus`);
  });
  if (r.chance(0.5)) argv.push('--model', r.pick(['base', 'ziccid', 'ir-decode-w', 'ir-decode', 'ir3-fetch', 'all', 'nope', '']));
  if (r.chance(0.05)) argv.push(r.pick(['/dev/zero', 'dir', 'fifo', 'missing.litmus']));
  return { kind: 'litmus', base: bases.map((b) => b.name).join(' + '), argv: [...argv, ...limits], files };
}

/** A shard file's header as `check --shard` writes it, for mutation (src/cli/shard.ts). */
const SHARD_HEADER = {
  key: 'k', spec: { file: 'specs/v-b1-three-harts.yaml', sha256: '0' }, options: { set: [], naive: false, symmetry: null, maxStates: null, maxTime: null, maxMemory: null },
  shard: 0, of: 2, parts: 71, depth: 11, symmetric: [], ms: 0,
  top: { index: -1, executions: 0, nodes: 1, pruned: 0, maxDepth: 0, findings: [], finals: [], words: 2 }, results: [],
};

/** --workers, --shard and merge (src/cli/shard.ts): a partitioned search's flags, and shard files that are not quite. */
function partsCase(c, r) {
  // The harness's limits: a part stops at 300 or 2,000 states, the whole search at 4 s.
  const limits = ['--max-states', r.pick(['300', '2000']), '--max-time', '4000'];
  const base = r.pick(c.specs);
  let text = base.text;
  if (r.chance(0.5)) text = mutatedDoc(base.text, r, 1);
  text = inCaseDir(text);
  const files = { 'case.yaml': text };
  const pick = r.int(3);
  if (pick === 0) {
    const argv = ['check', 'case.yaml'];
    if (r.chance(0.8)) argv.push('--exhaustive');
    argv.push('--workers', r.pick(['1', '2', '2', '0', '65', 'x', '-1']));
    if (r.chance(0.2)) argv.push(...r.pick([['--bound', '2'], ['--random', '3'], ['--all'], ['--checkpoint', 'cp.bin']]));
    argv.push(...limits, '--no-timing');
    return { kind: 'parts', base: base.name, argv, files };
  }
  if (pick === 1) {
    const shard = r.pick(['0/2', '1/2', '2/2', '0/1', 'x', '0/0', '1/99999999', '3/4', '-1/2', '0/2/3']);
    const out = r.pick(['s.bin', 's.bin', 'dir', 'fifo', '/dev/null', 'case.yaml', 'dir/s.bin', 'nodir/s.bin', '']);
    const argv = ['check', r.chance(0.1) ? '-' : 'case.yaml', '--exhaustive', '--shard', shard, ...(r.chance(0.9) ? ['--shard-out', out] : []), ...(r.chance(0.3) ? ['--workers', '2'] : []), ...limits];
    return { kind: 'parts', base: base.name, argv, files };
  }
  // merge: shard files that are not quite: their header mutated, cut short, or junk.
  const n = 1 + r.int(3);
  const names = [];
  for (let k = 0; k < n; k++) {
    const h = JSON.parse(JSON.stringify(SHARD_HEADER));
    h.shard = k;
    h.of = r.chance(0.8) ? n : r.pick([0, 1, n + 1, 2 ** 40, -1]);
    const paths = allPaths(parseDocument(JSON.stringify(h)));
    if (r.chance(0.7) && paths.length) {
      const doc = parseDocument(JSON.stringify(h));
      mutateDoc(doc, r);
      try { Object.assign(h, doc.toJS({ maxAliasCount: 100 })); } catch { /* keep h */ }
    }
    let head;
    try { head = JSON.stringify(h, (_, v) => (typeof v === 'bigint' ? Number(v) : v)); } catch { head = '{}'; }
    const words = Uint8Array.from({ length: 8 * r.int(4) }, () => r.int(256));
    const pre = `ftrace-race shard 1\n${r.chance(0.9) ? Buffer.byteLength(head) : r.pick(['-1', 'x', '999999999', ''])}\n`;
    let bytes = new Uint8Array([...Buffer.from(pre + head), ...words]);
    if (r.chance(0.2)) bytes = bytes.slice(0, r.int(bytes.length));
    if (r.chance(0.1)) bytes = Uint8Array.from({ length: r.int(256) }, () => r.int(256));
    files[`s${k}.bin`] = bytes;
    names.push(`s${k}.bin`);
  }
  if (r.chance(0.2)) names.push(r.pick(['s0.bin', 'missing.bin', 'dir', '/dev/zero', 'case.yaml']));
  const argv = ['merge', ...names, ...(r.chance(0.3) ? ['--spec', r.pick(['case.yaml', 'specs/v-b1-three-harts.yaml', 'missing.yaml'])] : []), ...(r.chance(0.3) ? ['--format', r.pick(['json', 'sarif', 'junit', 'x'])] : []), '--no-timing'];
  return { kind: 'parts', base: 'shard files', argv, files };
}

/**
 * `check --por` (src/explore/por.ts) with the flags it takes and those it refuses: from case
 * 720,000 on, one case in twenty, chosen by a generator of its own, so every case before it
 * (the regression tests' and the long runs' segments A-I) is what it was.
 */
const POR_FROM = 720_000;
function porCommand(c, seed, i, small) {
  if (i < POR_FROM) return undefined;
  const r = rng(caseSeed(seed, i) ^ 0x5eef5e75);
  r.small = small;
  if (!r.chance(0.05)) return undefined;
  const base = r.pick(c.specs);
  let text = base.text;
  if (r.chance(0.5)) text = mutatedDoc(base.text, r, 1 + r.int(2));
  text = inCaseDir(text);
  const argv = ['check', 'case.yaml'];
  if (r.chance(0.85)) argv.push('--exhaustive');
  argv.push('--por');
  if (r.chance(0.3)) argv.push('--naive');
  if (r.chance(0.2)) argv.push(...r.pick([['--bound', '2'], ['--all'], ['--workers', '2'], ['--checkpoint', 'cp.bin'], ['--random', '3'], ['--no-symmetry'], ['--shard', '0/2', '--shard-out', 's.bin']]));
  if (r.chance(0.5)) argv.push('--format', r.pick(['json', 'text', 'sarif', 'junit']));
  argv.push('--max-states', r.pick(small ? ['300', '2000'] : ['2000', '20000']), '--max-time', '4000', '--no-timing');
  return { kind: 'por', base: base.name, argv, files: { 'case.yaml': text } };
}

function makeCaseUncapped(c, seed, i, { small = false } = {}) {
  const por = porCommand(c, seed, i, small);
  if (por) return por;
  const later = laterCommand(c, seed, i, small);
  if (later) return later;
  const r = rng(caseSeed(seed, i));
  r.small = small;
  const kind = r.pick(['spec', 'spec', 'spec', 'spec-text', 'yaml', 'elf-spec', 'run', 'disasm', 'argv', 'special-path']);
  switch (kind) {
    case 'spec': {
      const base = r.pick(c.specs);
      const text = inCaseDir(mutatedDoc(base.text, r, 1 + r.int(3)));
      return { kind, base: base.name, argv: checkArgv(r, 'case.yaml'), files: { 'case.yaml': text } };
    }
    case 'spec-text': {
      const base = r.pick(c.specs);
      const text = inCaseDir(mutateText(base.text, r));
      return { kind, base: base.name, argv: checkArgv(r, 'case.yaml'), files: { 'case.yaml': text } };
    }
    case 'yaml':
      return { kind, argv: checkArgv(r, 'case.yaml'), files: { 'case.yaml': randomYaml(r) } };
    case 'elf-spec': {
      const elfSpecs = c.specs.filter((s) => s.text.includes('elf:'));
      const base = r.pick(elfSpecs);
      const m = /file:\s*(\S+)/.exec(base.text);
      const elfName = m ? m[1].replace(/^\.\.\//, '') : 'fixtures/patchable/entry4-rvc.elf';
      const src = c.elfs.find((e) => e.name === elfName) ?? r.pick(c.elfs);
      const text = inCaseDir(base.text.replace(/file:\s*\S+/, 'file: x.elf'));
      return { kind, base: `${base.name} + ${src.name}`, argv: checkArgv(r, 'case.yaml'), files: { 'case.yaml': text, 'x.elf': mutateElf(src.bytes, r) } };
    }
    case 'run': {
      const src = r.pick(c.elfs);
      return { kind, base: src.name, argv: ['run', 'x.elf', ...(r.chance(0.3) ? ['--stats'] : []), '--max-steps', r.pick(['1000', '2000000']), ...(r.chance(0.2) ? ['--', 'a', 'é'] : [])], files: { 'x.elf': mutateElf(src.bytes, r) } };
    }
    case 'disasm': {
      const src = r.pick(c.elfs);
      const argv = ['disasm', 'x.elf'];
      if (r.chance(0.4)) argv.push('--symbol', r.pick(['main', 'f', '_start', 'nope', '']));
      if (r.chance(0.3)) argv.push('--no-aliases');
      return { kind, base: src.name, argv, files: { 'x.elf': mutateElf(src.bytes, r) } };
    }
    case 'special-path': {
      const cmd = r.pick(['check', 'replay', 'run', 'disasm']);
      const p = r.pick(['/dev/zero', '/dev/urandom', 'fifo', 'dir', '/dev/null', 'missing', '/proc/self/status', 'x.yaml']);
      const argv = cmd === 'replay' ? ['replay', p, '--schedule', 'h0'] : cmd === 'run' ? ['run', p, '--max-steps', '1000'] : [cmd, p];
      const files = {};
      if (p === 'x.yaml') files['x.yaml'] = `harts: 2\nelf:\n  file: ${r.pick(['/dev/zero', '/dev/urandom', 'fifo', 'dir'])}\ntasks: [{name: t, call: 0}]\n`;
      return { kind, argv, files };
    }
    default:
      return { kind: 'argv', argv: randomArgv(r), files: {} };
  }
}
