import { describe, expect, it } from 'vitest';
import { TABLE, ALIASES, matches, InsnSpec } from '../../src/isa/table.js';
import { decode } from '../../src/isa/decode.js';
import { encodeInsn } from '../../src/isa/asm/index.js';

/** Whether some encoding matches both entries (exhaustive over the bits either entry's exclusions constrain). */
function overlap(a: InsnSpec, b: InsnSpec): boolean {
  if (a.size !== b.size) return false;
  if ((((a.match ^ b.match) & a.mask & b.mask) >>> 0) !== 0) return false;
  if (a.size === 2) {
    for (let p = 0; p < 65536; p++) if (matches(a, p) && matches(b, p)) return true;
    return false;
  }
  // The common pattern fixes (a.mask | b.mask); exclusions can only remove encodings that differ in
  // their own mask bits, so enumerating the free bits they constrain decides the question.
  const fixed = (a.mask | b.mask) >>> 0;
  const base = ((a.match & a.mask) | (b.match & b.mask)) >>> 0;
  let free = 0;
  for (const x of [...a.exclude, ...b.exclude]) free |= x.mask;
  free = (free & ~fixed) >>> 0;
  const freeBits: number[] = [];
  for (let i = 0; i < 32; i++) if ((free >>> i) & 1) freeBits.push(i);
  expect(freeBits.length).toBeLessThanOrEqual(20);
  for (let k = 0; k < 2 ** freeBits.length; k++) {
    let w = base;
    freeBits.forEach((bit, j) => { if ((k >> j) & 1) w |= 1 << bit; });
    w >>>= 0;
    if (matches(a, w) && matches(b, w)) return true;
  }
  return false;
}

describe('instruction table', () => {
  it('has no two overlapping entries', () => {
    const clashes: string[] = [];
    for (let i = 0; i < TABLE.length; i++) {
      for (let j = i + 1; j < TABLE.length; j++) {
        if (overlap(TABLE[i], TABLE[j])) clashes.push(`${TABLE[i].name} / ${TABLE[j].name}`);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('has unique names and match within mask', () => {
    expect(new Set(TABLE.map((e) => e.name)).size).toBe(TABLE.length);
    for (const e of TABLE) expect(((e.match & ~e.mask) >>> 0), e.name).toBe(0);
  });

  it('decodes every entry from its own match pattern or the first non-excluded variant', () => {
    for (const e of TABLE) {
      let w = e.match >>> 0;
      // Reserved exclusions can cover the bare match pattern (c.addi4spn: nzuimm=0): set free bits until legal.
      for (let bit = 0; !matches(e, w) && bit < 32; bit++) if (!((e.mask >>> bit) & 1)) w = (w | (1 << bit)) >>> 0;
      expect(matches(e, w), e.name).toBe(true);
      expect(decode(w)?.name, e.name).toBe(e.name);
      expect(decode(w)?.size).toBe(e.size);
    }
  });

  it('rejects the RVC reserved encodings', () => {
    for (const bits of [
      0x0000, // all-zero parcel (c.addi4spn nzuimm=0)
      0x0004, // c.addi4spn rd'=x9, nzuimm=0
      0x6101, // c.addi16sp nzimm=0
      0x6081, // c.lui ra, 0
      0x4002, // c.lwsp zero
      0x6002, // c.ldsp zero
      0x8002, // c.jr zero
      0x2001, // c.addiw zero
      0x9c41, // RV64 reserved CA (b12=1, funct2=10)
      0x9c61,
      0x2000, 0xa000, 0x2002, 0xa002, // c.fld/c.fsd/c.fldsp/c.fsdsp: no D extension
      0x8000, // Q0 funct3=100 reserved
      0xffffffff, 0x0000007f, 0x0000001f, // 48+ bit encodings
      0x00000007, // flw: no F
    ]) {
      expect(decode(bits), bits.toString(16)).toBeUndefined();
    }
  });

  it('decodes operands and immediates per the contract', () => {
    expect(decode(0x12345037)).toMatchObject({ name: 'lui', op: 'lui', rd: 0, imm: 0x12345000 });
    expect(decode(0xfffff097)).toMatchObject({ name: 'auipc', rd: 1, imm: -4096 });
    expect(decode(0x8082)).toMatchObject({ name: 'c.jr', op: 'jalr', size: 2, rd: 0, rs1: 1, imm: 0 });
    expect(decode(0x1141)).toMatchObject({ name: 'c.addi', op: 'addi', rd: 2, rs1: 2, imm: -16 });
    expect(decode(0x7139)).toMatchObject({ name: 'c.addi16sp', rd: 2, rs1: 2, imm: -64 });
    expect(decode(0x0c05b52f)).toMatchObject({ name: 'amoswap.d', aq: true, rl: false, rd: 10, rs1: 11, rs2: 0 });
    expect(decode(0xc00020f3)).toMatchObject({ name: 'csrrs', rd: 1, csr: 0xc00 });
    expect(decode(0x0ff0000f)).toMatchObject({ name: 'fence', pred: 15, succ: 15 });
    expect(decode(0x8330000f)).toMatchObject({ name: 'fence.tso', op: 'fence', pred: 3, succ: 3 });
    expect(decode(0xfe000ee3)).toMatchObject({ name: 'beq', imm: -4 });
    expect(decode(0xbffd)).toMatchObject({ name: 'c.j', op: 'jal', rd: 0, imm: -2 });
    expect(decode(0x000282e7)).toMatchObject({ name: 'jalr', rd: 5, rs1: 5, imm: 0 });
    expect(decode(0x00000297)).toMatchObject({ name: 'auipc', rd: 5, imm: 0 });
  });

  const byName = new Map(TABLE.map((e) => [e.name, e]));

  it('offers as compressed forms only RVC entries that expand to the base instruction', () => {
    const bad: string[] = [];
    for (const e of TABLE) {
      for (const form of e.compressed ?? []) {
        const c = byName.get(form.c);
        if (!c || c.size !== 2 || e.size !== 4) { bad.push(`${e.name} -> ${form.c}: no RVC entry`); continue; }
        // c.mv is `add rd, x0, rs2`: the same value as `addi rd, rs2, 0`, which is what 'mv' reads.
        const op = form.operands === 'mv' ? (c.op === 'add' && e.name === 'addi' ? 'addi' : `${c.op}?`) : c.op;
        if (op !== e.name) { bad.push(`${e.name} -> ${form.c}: expands to ${c.op}`); continue; }
        // Every encoding of the RVC entry, read back through the operand map, is a base instruction.
        for (let p = 0; p < 65536 && bad.length < 20; p++) {
          if (!matches(c, p)) continue;
          const i = decode(p)!;
          const f = form.operands === 'commuted' ? { rs1: i.rs2, rs2: i.rs1 } : form.operands === 'mv' ? { rs1: i.rs2, rs2: 0 } : { rs1: i.rs1, rs2: i.rs2 };
          const bits = encodeInsn({ name: e.name, rd: i.rd, imm: i.imm, ...f });
          if (typeof bits === 'string') bad.push(`${e.name} -> ${form.c} ${p.toString(16)}: ${bits}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('lets aliases offer only their entry\'s compressed forms, or an RVC form of the same op', () => {
    const bad: string[] = [];
    for (const a of ALIASES) {
      const of = byName.get(a.of)!;
      for (const name of a.rvc ?? []) {
        const c = byName.get(name);
        const listed = (of.compressed ?? []).some((f) => f.c === name);
        if (!c || c.size !== 2 || !(listed || c.op === of.name)) bad.push(`${a.name} -> ${name}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('pairs every conditional branch with its inverse (funct3 bit 0, ISA ch. 2.5)', () => {
    for (const e of TABLE.filter((x) => x.kind === 'branch' && x.size === 4)) {
      const inv = byName.get(e.inverse ?? '');
      expect(inv?.kind, e.name).toBe('branch');
      expect(inv!.inverse, e.name).toBe(e.name);
      expect((e.match ^ inv!.match) >>> 0, e.name).toBe(1 << 12);
    }
    expect(TABLE.filter((x) => x.inverse && (x.kind !== 'branch' || x.size !== 4))).toEqual([]);
  });
});
