/**
 * Differential test of instruction semantics: thousands of seeded random straight-line
 * sequences covering every non-control table entry (except CSR reads, whose counter values
 * legitimately differ between emulators: test/emu/fixtures covers them) run in a harness ELF
 * built here; the final registers x1..x30 and the data buffer are written to stdout and must be
 * byte-identical under qemu-riscv64, the compiled hart (blocks and single closures) and the
 * reference interpreter.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLE, InsnSpec } from '../../src/isa/table.js';
import { decode } from '../../src/isa/decode.js';
import type { Insn } from '../../src/isa/types.js';
import { loadProcess, runProcess } from '../../src/emu/linux.js';
import { code, enc, HAVE_QEMU, qemu, writeElf } from './util.js';

const SEED = 0x5eed2026;
const SEQS_PER_ELF = 250;
const ELFS = 8;
const SEQ_LEN = 16;
const CODE = 0x10000, DATA = 0x200000, BASE = 0x201000, TABLES = 0x300000;
const DUMP = 0x700; // offset from BASE
const BUF_LO = -256, BUF_LEN = 776;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const ELIGIBLE = TABLE.filter((e) => !e.control && e.kind !== 'csr');
const ACCESS: Record<string, number> = { lb: 1, lbu: 1, sb: 1, lh: 2, lhu: 2, sh: 2, lw: 4, lwu: 4, sw: 4, ld: 8, sd: 8 };

/** A random encoding of `spec` meeting the harness constraints, or undefined after many tries. */
function randomInsn(spec: InsnSpec, next: () => number): Insn | undefined {
  for (let tries = 0; tries < 2000; tries++) {
    const raw = next();
    const bits = spec.size === 2 ? (spec.match | (raw & ~spec.mask)) & 0xffff : ((spec.match | (raw & ~spec.mask)) >>> 0);
    const insn = decode(bits);
    if (!insn || insn.name !== spec.name) continue;
    if (insn.rd === 31) continue; // x31 holds the harness base address
    if (spec.kind === 'load' || spec.kind === 'store') {
      if (insn.rs1 === 0) continue;
      const size = ACCESS[insn.op];
      if (insn.imm < BUF_LO || insn.imm > BUF_LO + BUF_LEN - size || insn.imm % size !== 0) continue;
    }
    if (spec.kind === 'amo' && (insn.rs1 === 0)) continue;
    if (spec.kind === 'amo' && insn.op.startsWith('sc') && insn.rd === insn.rs1) continue;
    return insn;
  }
  return undefined;
}

const EDGE = [0n, 1n, -1n, 1n << 63n, (1n << 63n) - 1n, 0x80000000n, 0x7fffffffn, 0xffffffffn, -0x80000000n, 63n, 64n, 31n, 32n];

function randomReg(next: () => number): bigint {
  const k = next() % 4;
  if (k === 0) return BigInt.asIntN(64, EDGE[next() % EDGE.length]);
  if (k === 1) return BigInt((next() % 4096) - 2048);
  return BigInt.asIntN(64, (BigInt(next()) << 32n) | BigInt(next()));
}

interface Harness {
  elf: Uint8Array;
  covered: Set<string>;
}

function buildHarness(index: number): Harness {
  const next = rng(SEED + index * 7919);
  const covered = new Set<string>();
  const items: (number | { h: number })[] = [];
  const tables = new Uint8Array(SEQS_PER_ELF * 256);
  const tv = new DataView(tables.buffer);
  // Every eligible entry appears in every harness ELF at least once, then random picks.
  const order: InsnSpec[] = [];
  for (let s = 0; s < SEQS_PER_ELF * SEQ_LEN; s++) order.push(s < ELIGIBLE.length ? ELIGIBLE[s] : ELIGIBLE[next() % ELIGIBLE.length]);
  for (let i = order.length - 1; i > 0; i--) { const j = next() % (i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  let o = 0;
  for (let s = 0; s < SEQS_PER_ELF; s++) {
    for (let x = 1; x <= 30; x++) tv.setBigInt64(s * 256 + x * 8, randomReg(next), true);
    const table = TABLES + s * 256;
    const hi = (table + 0x800) >> 12, lo = table - (hi << 12);
    items.push(enc.lui(31, hi), enc.addi(31, 31, lo));
    for (let x = 1; x <= 30; x++) items.push(enc.ld(x, 31, x * 8));
    items.push(enc.lui(31, BASE >> 12));
    for (let n = 0; n < SEQ_LEN; n++) {
      const spec = order[o++];
      const insn = randomInsn(spec, next);
      if (!insn) throw new Error(`could not generate ${spec.name}`);
      covered.add(spec.name);
      if (spec.kind === 'load' || spec.kind === 'store' || spec.kind === 'amo') {
        items.push(enc.lui(insn.rs1, BASE >> 12));
        if (insn.op === 'sc.w' || insn.op === 'sc.d') {
          // a reservation on the same address first (lr rd must not clobber the base)
          let rd = 1 + (next() % 30);
          if (rd === insn.rs1) rd = rd === 30 ? 1 : rd + 1;
          items.push((0x1000002f | ((insn.op === 'sc.w' ? 2 : 3) << 12) | (insn.rs1 << 15) | (rd << 7)) >>> 0);
        }
      }
      items.push(insn.size === 2 ? { h: insn.bits } : insn.bits);
    }
    for (let x = 1; x <= 30; x++) items.push(enc.sd(x, 31, DUMP + x * 8 - 8));
    items.push(enc.addi(10, 0, 1), enc.addi(11, 31, DUMP), enc.addi(12, 0, 240), enc.addi(17, 0, 64), enc.ecall());
    items.push(enc.addi(10, 0, 1), enc.addi(11, 31, BUF_LO), enc.addi(12, 0, BUF_LEN), enc.ecall());
  }
  items.push(enc.addi(10, 0, 0), enc.addi(17, 0, 93), enc.ecall());
  const data = new Uint8Array(0x3000);
  for (let i = 0; i < data.length; i++) data[i] = next() & 0xff;
  const elf = writeElf(CODE, [
    { vaddr: CODE, data: code(items), flags: 'rx' },
    { vaddr: DATA, data, flags: 'rw' },
    { vaddr: TABLES, data: tables, flags: 'r' },
  ]);
  return { elf, covered };
}

function ours(elf: Uint8Array, opts: { blocks?: boolean; reference?: boolean }) {
  const chunks: Uint8Array[] = [];
  const p = loadProcess(elf, { args: ['harness'], ...opts });
  const r = runProcess(p, { args: [], write: (_fd, b) => chunks.push(b.slice()), maxSteps: 10_000_000 });
  return { out: Buffer.concat(chunks), outcome: r };
}

const harnesses = Array.from({ length: ELFS }, (_, i) => buildHarness(i));
const blockRuns = new Map<number, ReturnType<typeof ours>>();
const blocksOf = (i: number) => {
  if (!blockRuns.has(i)) blockRuns.set(i, ours(harnesses[i].elf, { blocks: true }));
  return blockRuns.get(i)!;
};
const dir = mkdtempSync(join(tmpdir(), 'ftr-rand-'));

describe('random instruction sequences', () => {
  it('cover every non-control, non-CSR table entry', () => {
    const covered = new Set(harnesses.flatMap((h) => [...h.covered]));
    const missing = ELIGIBLE.map((e) => e.name).filter((n) => !covered.has(n));
    expect(missing).toEqual([]);
    expect(ELIGIBLE.length).toBeGreaterThan(100);
  });
  harnesses.forEach((h, i) => {
    it(`harness ${i} (${SEQS_PER_ELF} sequences): compiled blocks, single closures and reference agree`, () => {
      const blk = ours(h.elf, { blocks: true });

      expect(blk.outcome).toMatchObject({ kind: 'exit', code: 0 });
      expect(blk.out.length).toBe(SEQS_PER_ELF * (240 + BUF_LEN));
      const one = ours(h.elf, { blocks: false });
      const ref = ours(h.elf, { reference: true });
      expect(one.out.equals(blk.out)).toBe(true);
      expect(ref.out.equals(blk.out)).toBe(true);
    });
    it.skipIf(!HAVE_QEMU)(`harness ${i}: qemu-riscv64 gives the same register and memory dumps`, () => {
      const path = join(dir, `harness${i}.elf`);
      writeFileSync(path, h.elf, { mode: 0o755 });
      const q = qemu(path);
      expect(q.code).toBe(0);
      const blk = blocksOf(i);
      if (!q.out.equals(blk.out)) {
        // Name the first differing sequence and register to make a failure readable.
        const per = 240 + BUF_LEN;
        const at = [...q.out].findIndex((b, k) => b !== blk.out[k]);
        const seq = Math.floor(at / per), within = at % per;
        const where = within < 240 ? `x${Math.floor(within / 8) + 1}` : `buffer byte ${within - 240}`;
        expect.fail(`sequence ${seq}: ${where} differs from qemu`);
      }
    });
  });
});
