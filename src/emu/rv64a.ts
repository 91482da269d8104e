/**
 * RV64A semantic units (ISA manual, chapter "A Extension for Atomic Instructions").
 * One instruction executes indivisibly in this emulator, so an AMO's read-modify-write is
 * atomic by construction. LR registers a reservation with the Memory; SC succeeds only if this
 * hart's reservation still covers the address (another hart's store to the reserved bytes, or
 * any SC, clears it). Misaligned AMO/LR/SC addresses stop with 'misaligned' (the ISA requires
 * natural alignment; Linux delivers SIGBUS).
 */
import { addr, dst, hi, lo, reload, Unit } from './sem.js';
import type { HartCore } from './sem.js';

export interface AmoHart extends HartCore {
  stop: unknown;
  scratch: Int32Array;
}

type AmoOp = 'swap' | 'add' | 'xor' | 'and' | 'or' | 'min' | 'max' | 'minu' | 'maxu';

const ltS = (al: number, ah: number, bl: number, bh: number) => ah < bh || (ah === bh && al >>> 0 < bl >>> 0);
const ltU = (al: number, ah: number, bl: number, bh: number) =>
  ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 < bl >>> 0);

/** The new memory value of an AMO from old (al, ah) and operand (bl, bh), into out[0..1]. */
function combine(op: AmoOp, al: number, ah: number, bl: number, bh: number, out: Int32Array): void {
  let l = bl, h = bh;
  switch (op) {
    case 'swap': break;
    case 'add': { l = (al + bl) | 0; h = (ah + bh + (l >>> 0 < al >>> 0 ? 1 : 0)) | 0; break; }
    case 'xor': l = al ^ bl; h = ah ^ bh; break;
    case 'and': l = al & bl; h = ah & bh; break;
    case 'or': l = al | bl; h = ah | bh; break;
    case 'min': if (ltS(al, ah, bl, bh)) { l = al; h = ah; } break;
    case 'max': if (!ltS(al, ah, bl, bh)) { l = al; h = ah; } break;
    case 'minu': if (ltU(al, ah, bl, bh)) { l = al; h = ah; } break;
    case 'maxu': if (!ltU(al, ah, bl, bh)) { l = al; h = ah; } break;
  }
  out[0] = l;
  out[1] = h;
}

const combined = new Int32Array(2);

export const amoHelpers = {
  /** AMO of width 4 or 8 at a; rd (index d) gets the old value (sign-extended for .w). */
  amo(h: AmoHart, d: number, a: number, bl: number, bh: number, op: AmoOp, width: number, pc: number): boolean {
    const m = h.mem;
    if (a % width !== 0) { h.stop = { kind: 'misaligned', pc, addr: a }; return false; }
    const t = h.scratch;
    if (width === 4) {
      t[0] = m.load32(a);
      t[1] = t[0] >> 31;
      if (m.fault) return false;
      // .w: operands are the low words, compared as 32-bit values (sign-extended for min/max).
      combine(op, t[0], op === 'minu' || op === 'maxu' ? 0 : t[1], bl, op === 'minu' || op === 'maxu' ? 0 : bl >> 31, combined);
      m.store32(a, combined[0]);
    } else {
      m.load64(a, t, 0);
      if (m.fault) return false;
      combine(op, t[0], t[1], bl, bh, combined);
      m.store64(a, combined[0], combined[1]);
    }
    if (m.fault) return false;
    h.r[d] = t[0];
    h.r[d + 1] = t[1];
    return true;
  },
  lr(h: AmoHart, d: number, a: number, width: number, pc: number): boolean {
    const m = h.mem;
    if (a % width !== 0) { h.stop = { kind: 'misaligned', pc, addr: a }; return false; }
    if (width === 4) {
      const v = m.load32(a);
      if (m.fault) return false;
      h.r[d] = v;
      h.r[d + 1] = v >> 31;
    } else {
      m.load64(a, h.scratch, 0);
      if (m.fault) return false;
      h.r[d] = h.scratch[0];
      h.r[d + 1] = h.scratch[1];
    }
    m.reserve(h.id, a, width);
    return true;
  },
  sc(h: AmoHart, d: number, a: number, bl: number, bh: number, width: number, pc: number): boolean {
    const m = h.mem;
    if (a % width !== 0) { h.stop = { kind: 'misaligned', pc, addr: a }; return false; }
    const ok = m.takeReservation(h.id, a, width);
    if (ok) {
      if (width === 4) m.store32(a, bl);
      else m.store64(a, bl, bh);
      if (m.fault) return false;
    }
    // rd = 0 on success, 1 on failure (the ISA allows any non-zero code; 1 is what qemu and Spike use).
    h.r[d] = ok ? 0 : 1;
    h.r[d + 1] = 0;
    return true;
  },
};

const amo = (op: AmoOp, width: number): Unit => (i, g) =>
  `if(!H.amo(h,${dst(i.rd)},${addr(i.rs1, 0)},${lo(i.rs2)},${hi(i.rs2)},'${op}',${width},${g.pc}))${g.exit(g.k, g.pc)}${reload(i.rd)}`;

export const rv64a: Record<string, Unit> = {
  'lr.w': (i, g) => `if(!H.lr(h,${dst(i.rd)},${addr(i.rs1, 0)},4,${g.pc}))${g.exit(g.k, g.pc)}${reload(i.rd)}`,
  'lr.d': (i, g) => `if(!H.lr(h,${dst(i.rd)},${addr(i.rs1, 0)},8,${g.pc}))${g.exit(g.k, g.pc)}${reload(i.rd)}`,
  'sc.w': (i, g) => `if(!H.sc(h,${dst(i.rd)},${addr(i.rs1, 0)},${lo(i.rs2)},${hi(i.rs2)},4,${g.pc}))${g.exit(g.k, g.pc)}${reload(i.rd)}`,
  'sc.d': (i, g) => `if(!H.sc(h,${dst(i.rd)},${addr(i.rs1, 0)},${lo(i.rs2)},${hi(i.rs2)},8,${g.pc}))${g.exit(g.k, g.pc)}${reload(i.rd)}`,
};
for (const op of ['swap', 'add', 'xor', 'and', 'or', 'min', 'max', 'minu', 'maxu'] as const) {
  rv64a[`amo${op}.w`] = amo(op, 4);
  rv64a[`amo${op}.d`] = amo(op, 8);
}
