import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Memory, MemAccess, PERM_R, PERM_W, PERM_X } from '../../src/emu/memory.js';
import { Hart } from '../../src/emu/hart.js';
import { ReferenceHart } from '../../src/emu/reference.js';
import { decode } from '../../src/isa/decode.js';
import { loadProcess, runProcess } from '../../src/emu/linux.js';
import { code, enc, FIXTURES } from './util.js';

const CODE = 0x10000, DATA = 0x20000;
const EBREAK = 0x00100073;
const sw = (rs2: number, rs1: number, imm: number) => enc.s(0x23, 2, rs1, rs2, imm);
const lrD = (rd: number, rs1: number) => (0x1000302f | (rs1 << 15) | (rd << 7)) >>> 0;
const scD = (rd: number, rs1: number, rs2: number) => (0x1800302f | (rs2 << 20) | (rs1 << 15) | (rd << 7)) >>> 0;

function machine(words: number[]) {
  const mem = new Memory();
  mem.load(CODE, code(words), 0x1000, PERM_R | PERM_X | PERM_W);
  mem.map(DATA, 0x1000, PERM_R | PERM_W);
  return mem;
}

describe('self-modifying code', () => {
  it('runs the new bytes after the host patches an instruction (no stale translation)', () => {
    for (const blocks of [true, false]) {
      const mem = machine([enc.addi(10, 0, 1), EBREAK]);
      const h = new Hart(mem, 0, { blocks });
      h.pc = CODE;
      expect(h.run(100).kind).toBe('ebreak');
      expect(h.getReg(10)).toBe(1n);
      mem.poke(CODE, code([enc.addi(10, 0, 2)]));
      h.pc = CODE;
      expect(h.run(100).kind).toBe('ebreak');
      expect(h.getReg(10)).toBe(2n);
    }
  });
  it('a store into the running block takes effect for the very next instruction', () => {
    // t0 = CODE; t1 = encoding of `addi a0, zero, 7`; sw t1, 16(t0) overwrites the addi below.
    const patched = enc.addi(10, 0, 7);
    const words = [enc.lui(5, CODE >> 12), enc.lui(6, (patched + 0x800) >>> 12), enc.addi(6, 6, ((patched & 0xfff) << 20) >> 20), sw(6, 5, 16), enc.addi(10, 0, 1), EBREAK];
    for (const blocks of [true, false]) {
      const h = new Hart(machine(words), 0, { blocks });
      h.pc = CODE;
      expect(h.run(100)).toMatchObject({ kind: 'ebreak', pc: CODE + 20 });
      expect(h.getReg(10)).toBe(7n);
    }
    const ref = new ReferenceHart(machine(words));
    ref.pc = CODE;
    expect(ref.run(100).kind).toBe('ebreak');
    expect(ref.getReg(10)).toBe(7n);
  });
});

describe('Hart API', () => {
  it('execute() runs a caller-fetched instruction at pc, even where nothing is mapped', () => {
    const h = new Hart(new Memory());
    h.pc = -0x80000000; // kernel address 0xffffffff80000000
    h.setReg(5, 40n);
    expect(h.execute(decode(enc.addi(6, 5, 2))!)).toBeUndefined();
    expect(h.getReg(6)).toBe(42n);
    expect(h.pc).toBe(-0x80000000 + 4);
    // auipc at a negative pc: the result is sign-correct
    expect(h.execute(decode(0x00000297)!)).toBeUndefined(); // auipc t0, 0
    expect(h.getReg(5)).toBe(BigInt.asIntN(64, 0xffffffff80000004n));
    // jalr to t0+lo: target and link
    expect(h.execute(decode(enc.jalr(1, 5, -4))!)).toBeUndefined();
    expect(h.pc).toBe(-0x80000000);
    expect(h.getReg(1)).toBe(BigInt.asIntN(64, 0xffffffff8000000cn));
  });
  it('returns faults as values with the faulting pc and address', () => {
    const h = new Hart(machine([enc.ld(10, 0, 64)]));
    h.pc = CODE;
    expect(h.step()).toEqual({ kind: 'load-fault', pc: CODE, addr: 64, detail: 'unmapped' });
    expect(h.pc).toBe(CODE);
    h.pc = 0x999000;
    expect(h.step()).toMatchObject({ kind: 'fetch-fault', pc: 0x999000 });
  });
  it('x0 stays zero', () => {
    const h = new Hart(machine([enc.addi(0, 0, 5), enc.ld(0, 0, 0)]));
    h.execute(decode(enc.addi(0, 0, 5))!);
    expect(h.getReg(0)).toBe(0n);
    h.setReg(0, 9n);
    expect(h.getReg(0)).toBe(0n);
  });
  it('misaligned AMO stops with misaligned', () => {
    const h = new Hart(machine([]));
    h.setReg(5, BigInt(DATA + 4));
    expect(h.execute(decode(lrD(6, 5))!)).toMatchObject({ kind: 'misaligned', addr: DATA + 4 });
  });
});

describe('LR/SC reservations across harts', () => {
  function pair() {
    const mem = machine([]);
    const h0 = new Hart(mem, 0), h1 = new Hart(mem, 1);
    for (const h of [h0, h1]) h.setReg(5, BigInt(DATA));
    h0.setReg(7, 111n);
    h1.setReg(7, 222n);
    return { mem, h0, h1 };
  }
  it('SC succeeds when nothing intervened', () => {
    const { mem, h0 } = pair();
    h0.execute(decode(lrD(6, 5))!);
    h0.execute(decode(scD(8, 5, 7))!);
    expect(h0.getReg(8)).toBe(0n);
    expect(mem.peek(DATA, 1)[0]).toBe(111);
  });
  it("another hart's store to the reserved bytes breaks the reservation", () => {
    const { mem, h0, h1 } = pair();
    h0.execute(decode(lrD(6, 5))!);
    h1.execute(decode(enc.sd(7, 5, 0))!);
    h0.execute(decode(scD(8, 5, 7))!);
    expect(h0.getReg(8)).toBe(1n);
    expect(mem.peek(DATA, 1)[0]).toBe(222);
  });
  it("another hart's store elsewhere does not", () => {
    const { h0, h1 } = pair();
    h0.execute(decode(lrD(6, 5))!);
    h1.execute(decode(enc.sd(7, 5, 8))!);
    h0.execute(decode(scD(8, 5, 7))!);
    expect(h0.getReg(8)).toBe(0n);
  });
  it('SC without a reservation fails, and a reservation is consumed by SC', () => {
    const { h0 } = pair();
    h0.execute(decode(scD(8, 5, 7))!);
    expect(h0.getReg(8)).toBe(1n);
    h0.execute(decode(lrD(6, 5))!);
    h0.execute(decode(scD(8, 5, 7))!);
    h0.execute(decode(scD(9, 5, 7))!);
    expect([h0.getReg(8), h0.getReg(9)]).toEqual([0n, 1n]);
  });
});

describe('provenance and the access hook', () => {
  it('patchable bytes remember the id of the store that wrote them', () => {
    const mem = machine([]);
    mem.markPatchable(DATA + 8, 8);
    expect(mem.provenance(DATA + 8)).toBe(0);
    const h = new Hart(mem);
    h.setReg(5, BigInt(DATA));
    h.setReg(6, 0x1122334455667788n);
    h.execute(decode(sw(6, 5, 8))!); // 4 bytes at +8
    const first = mem.lastWriteId;
    expect(first).toBeGreaterThan(0);
    expect(mem.store(DATA + 12, 2, 0xabcdn)).toBeNull();
    const second = mem.lastWriteId;
    expect(second).toBe(first + 1);
    expect([...Array(8).keys()].map((k) => mem.provenance(DATA + 8 + k))).toEqual([first, first, first, first, second, second, 0, 0]);
    // a store outside the patchable range gets no id
    h.execute(decode(enc.sd(6, 5, 32))!);
    expect(mem.lastWriteId).toBe(0);
    expect(mem.provenance(DATA + 32)).toBe(0);
  });
  it('the hook sees loads and stores with address, size, value and hart', () => {
    const mem = machine([]);
    const seen: MemAccess[] = [];
    mem.setAccessHook((a) => seen.push(a));
    const h = new Hart(mem, 3);
    h.setReg(5, BigInt(DATA));
    h.setReg(6, -2n);
    h.execute(decode(enc.sd(6, 5, 16))!);
    h.execute(decode(enc.ld(7, 5, 16))!);
    expect(seen).toEqual([
      { kind: 'write', addr: DATA + 16, size: 8, value: 0xfffffffffffffffen, hart: 3, writeId: 0 },
      { kind: 'read', addr: DATA + 16, size: 8, value: 0xfffffffffffffffen, hart: 3, writeId: 0 },
    ]);
    expect(h.getReg(7)).toBe(-2n);
    mem.setAccessHook(null);
    h.execute(decode(enc.ld(7, 5, 16))!);
    expect(seen).toHaveLength(2);
  });
});

describe('snapshot / restore / fingerprint', () => {
  it('round-trips a running process: same state, same fingerprint, same continuation', () => {
    const path = join(FIXTURES, 'elf', 'compute-O2.elf');
    const p = loadProcess(readFileSync(path), { args: [path, '1'] });
    const hart = p.hart as Hart;
    expect(runProcess(p, { args: [], write: () => {}, maxSteps: 50_000 }).kind).toBe('max-steps');
    const ms = p.mem.snapshot();
    const hs = hart.snapshot();
    const fp = p.mem.fingerprint() + hart.fingerprint();
    const finish = () => {
      const out: Uint8Array[] = [];
      const r = runProcess(p, { args: [], write: (_fd, b) => out.push(b.slice()) });
      return { r, out: Buffer.concat(out).toString() };
    };
    const a = finish();
    expect(a.r.kind).toBe('exit');
    expect(p.mem.fingerprint() + hart.fingerprint()).not.toBe(fp);
    p.mem.restore(ms);
    hart.restore(hs);
    expect(p.mem.fingerprint() + hart.fingerprint()).toBe(fp);
    const b = finish();
    expect(b).toEqual(a);
  });
  it('a snapshot is isolated from later writes (copy-on-write) and restores provenance', () => {
    const mem = machine([]);
    mem.markPatchable(DATA, 16);
    mem.store(DATA, 4, 0x01020304n);
    const snap = mem.snapshot();
    const fp = mem.fingerprint();
    mem.store(DATA, 4, 0xdeadbeefn);
    expect(mem.provenance(DATA)).toBe(2);
    expect(mem.fingerprint()).not.toBe(fp);
    mem.restore(snap);
    expect([...mem.peek(DATA, 4)]).toEqual([4, 3, 2, 1]);
    expect(mem.provenance(DATA)).toBe(1);
    expect(mem.fingerprint()).toBe(fp);
    // ids continue from the restored sequence, so replays are deterministic
    mem.store(DATA, 1, 9n);
    expect(mem.provenance(DATA)).toBe(2);
  });
  it('LR reservations are a snapshot\'s own: taking, breaking or clearing one after it leaves the snapshot\'s, and restoring brings them back (copy-on-write)', () => {
    const mem = machine([]);
    mem.reserve(0, DATA, 8);
    const held = mem.snapshot(); // hart 0 holds a reservation
    const fpHeld = mem.fingerprint();
    expect(mem.takeReservation(0, DATA, 8)).toBe(true);
    mem.reserve(1, DATA + 8, 4);
    const other = mem.snapshot(); // hart 1's, not hart 0's
    mem.clearReservation(1);
    mem.restore(held);
    expect(mem.reservationOf(0)).toEqual({ addr: DATA, size: 8 });
    expect(mem.reservationOf(1)).toBeNull();
    expect(mem.fingerprint()).toBe(fpHeld);
    mem.actor = 1;
    mem.store(DATA, 4, 1n); // another hart's store breaks hart 0's reservation, here only
    expect(mem.reservationOf(0)).toBeNull();
    mem.restore(other);
    expect([mem.reservationOf(0), mem.reservationOf(1)]).toEqual([null, { addr: DATA + 8, size: 4 }]);
    mem.restore(held);
    expect(mem.reservationOf(0)).toEqual({ addr: DATA, size: 8 });
    expect(mem.takeReservation(0, DATA, 8)).toBe(true);
  });
  it('equal contents reached differently have equal fingerprints', () => {
    const a = machine([]), b = machine([]);
    a.store(DATA, 8, 5n);
    a.store(DATA, 8, 0n);
    expect(a.fingerprint()).toBe(b.fingerprint());
    b.store(DATA + 4000, 1, 1n);
    expect(a.fingerprint()).not.toBe(b.fingerprint());
  });
});

describe('lazy mapping', () => {
  it('maps a huge region for free; untouched pages read zero and only stores materialise them', () => {
    const mem = new Memory();
    mem.map(0x100000000, 1 << 30, PERM_R | PERM_W); // 1 GiB
    expect(mem.pageCount).toBe(0);
    expect(mem.load32(0x100000000 + 12345 * 4)).toBe(0);
    expect(mem.fault).toBeNull();
    const fp = mem.fingerprint();
    mem.store(0x100000000 + 4096 * 7, 4, 0x55n);
    expect(mem.pageCount).toBe(1);
    expect(mem.load32(0x100000000 + 4096 * 7)).toBe(0x55);
    expect(mem.fingerprint()).not.toBe(fp);
    mem.store(0x100000000 + 4096 * 7, 4, 0n);
    expect(mem.fingerprint()).toBe(fp); // a zero page equals an untouched one
    expect(mem.load8(0x100000000 + (1 << 30))).toBe(0);
    expect(mem.fault).toMatchObject({ kind: 'read', cause: 'unmapped' });
  });
  it('runs an ELF whose .bss is 1 GiB', async () => {
    const { writeElf } = await import('./util.js');
    // sd zero, 0(bss_end - 8); li a7, 93; li a0, 7; ecall
    const bssEnd = 0x20000 + 0x40000000;
    const words = [enc.lui(5, ((bssEnd - 8) + 0x800) >>> 12), enc.sd(0, 5, ((bssEnd - 8) & 0xfff) << 20 >> 20), enc.addi(17, 0, 93), enc.addi(10, 0, 7), enc.ecall()];
    const elf = writeElf(0x10000, [
      { vaddr: 0x10000, data: code(words), flags: 'rx' },
      { vaddr: 0x20000, data: new Uint8Array(0), memsz: 0x40000000, flags: 'rw' },
    ]);
    const p = loadProcess(elf, { args: ['bss'] });
    expect(runProcess(p, { args: [], write: () => {} })).toMatchObject({ kind: 'exit', code: 7 });
    expect(p.mem.pageCount).toBeLessThan(10);
  });
});

describe('translated regions', () => {
  const bne = (rs1: number, rs2: number, imm: number) =>
    ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
  it('a region that follows a jump is re-validated when the jump target is patched', () => {
    const words = [enc.addi(10, 0, 0), enc.jal(0, 8), EBREAK, enc.addi(10, 10, 5), EBREAK];
    const mem = machine(words);
    const h = new Hart(mem);
    for (let k = 0; k < 4; k++) { // the third entry translates the region
      h.pc = CODE;
      expect(h.run(100)).toMatchObject({ kind: 'ebreak', pc: CODE + 16 });
      expect(h.getReg(10)).toBe(5n);
    }
    mem.poke(CODE + 12, code([enc.addi(10, 10, 9)]));
    h.pc = CODE;
    expect(h.run(100)).toMatchObject({ kind: 'ebreak', pc: CODE + 16 });
    expect(h.getReg(10)).toBe(9n);
  });
  it('a loop inside a region stops exactly at the budget and resumes where it stopped', () => {
    // t0 = 0; t1 = 1000; loop: addi t0,t0,1; addi a0,a0,3; bne t0,t1,loop; ebreak
    const words = [enc.addi(5, 0, 0), enc.addi(6, 0, 1000), enc.addi(5, 5, 1), enc.addi(10, 10, 3), bne(5, 6, -8), EBREAK];
    const h = new Hart(machine(words));
    h.pc = CODE;
    let stop;
    let runs = 0;
    do {
      const before = h.retired;
      stop = h.run(7);
      if (stop.kind === 'budget') expect(h.retired - before).toBe(7);
      runs++;
    } while (stop.kind === 'budget');
    expect(stop).toMatchObject({ kind: 'ebreak', pc: CODE + 20 });
    expect(h.retired).toBe(2 + 3 * 1000);
    expect(h.getReg(10)).toBe(3000n);
    expect(runs).toBe(Math.ceil((2 + 3000) / 7) + ((2 + 3000) % 7 === 0 ? 1 : 0));
  });
});

describe('translated loads and stores after a snapshot (copy-on-write)', () => {
  it('a loop that reads, writes and re-reads a page shared with a snapshot sees its own stores', () => {
    const lw = (rd: number, rs1: number, imm: number) => enc.i(0x03, 2, rd, rs1, imm);
    const bne = (rs1: number, rs2: number, imm: number) =>
      ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
    // loop: lw a1,0(t0); sw t1,0(t0); lw a0,0(t0); addi t1,t1,1; bne t1,t2,loop; ebreak
    const words = [lw(11, 5, 0), sw(6, 5, 0), lw(10, 5, 0), enc.addi(6, 6, 1), bne(6, 7, -16), EBREAK];
    const mem = machine(words);
    const h = new Hart(mem);
    for (let round = 0; round < 3; round++) { // from round 2 on, the loop runs translated from its first pass
      mem.store(DATA, 4, 0xabcn);
      mem.snapshot(); // the data page is now shared: the loop's first store clones it
      h.setReg(5, BigInt(DATA));
      h.setReg(6, 1n);
      h.setReg(7, 50n);
      h.pc = CODE;
      expect(h.run(10_000)).toMatchObject({ kind: 'ebreak' });
      expect([h.getReg(10), h.getReg(11)]).toEqual([49n, 48n]);
    }
  });
});

describe('translated loads: the per-site page cache compares int32 words', () => {
  // loop: ld t0,0(t4); addi t4,t4,8; ld a1,imm(t0); add a0,a0,a1; bne t4,t3,loop; ebreak, over
  // a table of three bases. Pass 1 fills the TLB, pass 2 (same page, a TLB hit) the site's
  // cache with page P; on pass 3, rs1's high word and the low word of rs1+imm match P, but
  // adding imm carried into (or borrowed from) the high word: the true address is in another
  // page, 4 GiB away (and in the same TLB entry), which must be the one read.
  const add = (rd: number, rs1: number, rs2: number) => ((rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33) >>> 0;
  const bne = (rs1: number, rs2: number, imm: number) =>
    ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
  const cases = [
    { name: 'carries into', imm: 16, bases: [0x0n, 0x8n, 0xfffffff0n], pages: [0x0, 0x100000000] },
    { name: 'borrows from', imm: -16, bases: [0x1fffff010n, 0x1fffff018n, 0x100000008n], pages: [0x1fffff000, 0xfffff000] },
  ];
  for (const c of cases) {
    it(`an address whose low word ${c.name} the high word reads the right page`, () => {
      const words = [enc.ld(5, 29, 0), enc.addi(29, 29, 8), enc.ld(11, 5, c.imm), add(10, 10, 11), bne(29, 28, -16), EBREAK];
      const mem = machine(words);
      for (const p of c.pages) mem.map(p, 0x1000, PERM_R | PERM_W);
      const addrs = c.bases.map((b) => Number(b + BigInt(c.imm)));
      expect(Math.floor(addrs[2] / 0x1000)).not.toBe(Math.floor(addrs[1] / 0x1000));
      [5n, 6n, 700n].forEach((v, k) => mem.store(addrs[k], 8, v));
      c.bases.forEach((b, k) => mem.store(DATA + 8 * k, 8, b));
      const h = new Hart(mem);
      for (let round = 0; round < 4; round++) { // translated (with its loop inside) from round 2 on
        h.setReg(29, BigInt(DATA));
        h.setReg(28, BigInt(DATA + 24));
        h.setReg(10, 0n);
        h.pc = CODE;
        expect(h.run(1000)).toMatchObject({ kind: 'ebreak' });
        expect(h.getReg(10)).toBe(711n);
      }
    });
  }
});

describe('regions that carry an enclosing loop', () => {
  const bne = (rs1: number, rs2: number, imm: number) =>
    ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
  // t0 = 0; outer: t1 = 0; inner: a0 += 1; t1 += 1; bne t1,t2,inner; t0 += 1; bne t0,t3,outer; ebreak.
  // The region at `inner` follows the outer back edge (taken side) and runs into its own start.
  const words = [enc.addi(5, 0, 0), enc.addi(6, 0, 0), enc.addi(10, 10, 1), enc.addi(6, 6, 1), bne(6, 7, -8),
    enc.addi(5, 5, 1), bne(5, 28, -20), EBREAK];
  it('stops exactly at every budget and ends as the reference interpreter does', () => {
    for (const budget of [1, 3, 7, 18, 1000]) {
      const h = new Hart(machine(words));
      const ref = new ReferenceHart(machine(words));
      for (const x of [h, ref]) { x.setReg(7, 5n); x.setReg(28, 40n); x.pc = CODE; }
      let stop;
      do {
        const before = h.retired;
        stop = h.run(budget);
        if (stop.kind === 'budget') expect(h.retired - before).toBe(budget);
      } while (stop.kind === 'budget');
      expect(ref.run(100_000).kind).toBe('ebreak');
      expect(stop).toMatchObject({ kind: 'ebreak', pc: CODE + 28 });
      expect(h.retired).toBe(ref.retired);
      expect([h.getReg(10), h.getReg(5), h.getReg(6)]).toEqual([200n, 40n, 5n]);
      expect([ref.getReg(10), ref.getReg(5), ref.getReg(6)]).toEqual([200n, 40n, 5n]);
    }
  });
});

describe('mul', () => {
  it('agrees with BigInt around its double fast path (int32 operands, |product| near 2^53)', () => {
    const mul = (rd: number, rs1: number, rs2: number) => ((1 << 25) | (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33) >>> 0;
    const insn = decode(mul(10, 11, 12))!;
    const vals = [0n, 1n, -1n, 3n, -3n, 0x7fffffffn, -0x7fffffffn, -0x80000000n, 1n << 26n, (1n << 26n) + 1n, -(1n << 26n) - 1n,
      (1n << 27n) - 1n, 1n << 27n, 0x200001n, -0x200001n, 0x3fffffffn, 0x80000000n, -0x80000001n, 1n << 40n, -(1n << 40n) + 7n];
    const h = new Hart(new Memory());
    const bad: string[] = [];
    for (const a of vals) for (const b of vals) {
      h.setReg(11, a);
      h.setReg(12, b);
      h.pc = CODE;
      expect(h.execute(insn)).toBeUndefined();
      const want = BigInt.asIntN(64, a * b);
      if (h.getReg(10) !== want) bad.push(`${a} * ${b}: got ${h.getReg(10)} want ${want}`);
    }
    expect(bad).toEqual([]);
  });
});
