import { describe, expect, it } from 'vitest';
import { helpers } from '../../src/emu/sem.js';
import { compileInsn } from '../../src/emu/compile.js';
import { decode } from '../../src/isa/decode.js';

/** Seeded 64-bit values biased to the edges where lo/hi arithmetic goes wrong. */
function* values(seed: number, n: number): Generator<bigint> {
  let s = seed >>> 0;
  const next = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
  const edges = [0n, 1n, -1n, 2n, -2n, 7n, 1000n, 0xfffffn, 0x100000n, 0x7fffffffn, 0x80000000n, 0xffffffffn,
    0x100000000n, -0x80000000n, (1n << 63n) - 1n, -(1n << 63n), 0x123456789abcdefn,
    // around the bounds of div's double fast path (|dividend| < 2^52, divisor of 32 bits)
    (1n << 52n) - 1n, (1n << 52n) - 3n, 1n << 52n, -(1n << 52n), -(1n << 52n) - 1n, -(1n << 52n) + 1n,
    0xfffffffbn, -0x7fffffffn, 0xfffffffffffffn * 3n];
  for (const e of edges) yield e;
  for (let i = 0; i < n; i++) {
    const k = next() % 3;
    if (k === 0) yield BigInt.asIntN(64, (BigInt(next()) << 32n) | BigInt(next()));
    else if (k === 1) yield BigInt((next() % 0x200000) - 0x100000);
    else yield BigInt.asIntN(64, BigInt(next()) << BigInt(next() % 40));
  }
}
const lo = (v: bigint) => Number(BigInt.asUintN(32, v)) | 0;
const hi = (v: bigint) => Number(BigInt.asUintN(32, v >> 32n)) | 0;
const get = (r: Int32Array) => (BigInt(r[1]) << 32n) | BigInt(r[0] >>> 0);

describe('64-bit helpers agree with BigInt arithmetic', () => {
  const as = [...values(1, 300)], bs = [...values(2, 300)];
  const u = (v: bigint) => BigInt.asUintN(64, v);
  // Mismatches are collected and compared once (an expect per pair would dominate the run).
  it('mulh, mulhsu, mulhu', () => {
    const r = new Int32Array(2);
    const bad: string[] = [];
    const check = (what: string, want: bigint) => { if (get(r) !== want) bad.push(`${what}: got ${get(r)} want ${want}`); };
    for (const a of as) for (const b of bs) {
      helpers.mulh(r, 0, lo(a), hi(a), lo(b), hi(b), 0);
      check(`mulh ${a} ${b}`, BigInt.asIntN(64, (a * b) >> 64n));
      helpers.mulh(r, 0, lo(a), hi(a), lo(b), hi(b), 1);
      check(`mulhsu ${a} ${b}`, BigInt.asIntN(64, (a * u(b)) >> 64n));
      helpers.mulh(r, 0, lo(a), hi(a), lo(b), hi(b), 2);
      check(`mulhu ${a} ${b}`, BigInt.asIntN(64, (u(a) * u(b)) >> 64n));
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
  it('div, rem, divu, remu (incl. by zero and INT64_MIN / -1)', () => {
    const r = new Int32Array(2);
    const MIN = -(1n << 63n);
    const bad: string[] = [];
    const check = (what: string, want: bigint) => { if (get(r) !== want) bad.push(`${what}: got ${get(r)} want ${want}`); };
    for (const a of as) for (const b of bs) {
      helpers.div(r, 0, lo(a), hi(a), lo(b), hi(b), 0);
      check(`${a} / ${b}`, b === 0n ? -1n : a === MIN && b === -1n ? MIN : a / b);
      helpers.div(r, 0, lo(a), hi(a), lo(b), hi(b), 1);
      check(`${a} % ${b}`, b === 0n ? a : a === MIN && b === -1n ? 0n : a % b);
      helpers.div(r, 0, lo(a), hi(a), lo(b), hi(b), 2);
      check(`${a} /u ${b}`, BigInt.asIntN(64, b === 0n ? -1n : u(a) / u(b)));
      helpers.div(r, 0, lo(a), hi(a), lo(b), hi(b), 3);
      check(`${a} %u ${b}`, BigInt.asIntN(64, b === 0n ? a : u(a) % u(b)));
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
  it('the generated div, rem, divu, remu (inline double path, helper otherwise) agree too', () => {
    const MIN = -(1n << 63n);
    const want = [
      (a: bigint, b: bigint) => (b === 0n ? -1n : a === MIN && b === -1n ? MIN : a / b),
      (a: bigint, b: bigint) => (b === 0n ? a : a === MIN && b === -1n ? 0n : a % b),
      (a: bigint, b: bigint) => BigInt.asIntN(64, b === 0n ? -1n : u(a) / u(b)),
      (a: bigint, b: bigint) => BigInt.asIntN(64, b === 0n ? a : u(a) % u(b)),
    ];
    const bad: string[] = [];
    // div x3, x1, x2 and friends (funct3 4..7 in ISA order: div, divu, rem, remu)
    for (const [kind, f3] of [[0, 4], [1, 6], [2, 5], [3, 7]]) {
      const insn = decode(((1 << 25) | (2 << 20) | (1 << 15) | (f3 << 12) | (3 << 7) | 0x33) >>> 0)!;
      const fn = compileInsn(insn);
      const h = { retired: 0, stop: null };
      const m = { rKey: null, rPage: null, wKey: null, wPage: null };
      const r = new Int32Array(66);
      for (const a of as) for (const b of bs) {
        r[2] = lo(a); r[3] = hi(a); r[4] = lo(b); r[5] = hi(b);
        fn(h, r, m, 0);
        const got = (BigInt(r[7]) << 32n) | BigInt(r[6] >>> 0);
        if (got !== want[kind](a, b)) bad.push(`${insn.op} ${a} ${b}: got ${got} want ${want[kind](a, b)}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
