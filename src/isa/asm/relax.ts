/**
 * Branches and jumps to a target, relaxed as GNU as relaxes them (tc-riscv.c RELAX_BRANCH,
 * -mno-relax) when the target is a label of this block:
 *   level 0: the compressed form the mnemonic offers (c.beqz/c.bnez/c.j), when RVC is on;
 *   level 1: the 32-bit form;
 *   level 2 (conditional branches): the inverse branch (InsnSpec.inverse) over a `jal x0`,
 *            the inverse compressed when it can be.
 * Levels only grow from pass to pass, so the passes converge. A target from AsmOptions.symbols
 * (for gas, another section: a relocation, never relaxed) keeps level 1.
 */
import { InsnSpec, immRange } from '../table.js';
import { fail } from './errors.js';
import type { Operand } from './lex.js';
import { BY_NAME, Ops, encodeAt, fitsReg, le, zeroOps, emit32 } from './encode.js';
import { Context, endCol, target } from './operands.js';

/** Whether a compressed branch/jump entry can name the operands' registers. */
const cfits = (spec: InsnSpec, o: Ops) => fitsReg(spec.rs1, o.rs1, o.rd) && fitsReg(spec.rs2, o.rs2, o.rd) && (spec.name !== 'c.j' || o.rd === 0);

/**
 * Emits branch/jump `spec` (beq.., jal) with operands `o` to `targetOp`. `short`: the
 * compressed entry the statement's mnemonic offers for level 0 (undefined: none).
 */
export function branch(cx: Context, spec: InsnSpec, o: Ops, rvc: boolean, targetOp: Operand | undefined, short: InsnSpec | undefined): number[] {
  if (!targetOp) fail('syntax', endCol(cx), 'missing branch target');
  const v = cx.expr(targetOp);
  const off = Number(v.v - cx.pc);
  const relaxable = v.local && !v.external;
  const minLevel = rvc && short && relaxable && cfits(short, o) ? 0 : 1;
  const idx = cx.stmt.index;
  let level = Math.max(minLevel, cx.grown.get(idx) ?? 0);
  const inRange = (lvl: number) => {
    if (v.unknown) return true;
    if (lvl === 2) return true;
    const r = immRange((lvl === 0 ? short! : spec).imm!);
    return lvl === 0 ? off >= r.min && off <= r.max : off >= r.min && off < r.max + r.align;
  };
  const maxLevel = relaxable && spec.inverse ? 2 : 1;
  while (level < maxLevel && !inRange(level)) level++;
  if (level > (cx.grown.get(idx) ?? minLevel)) {
    cx.grown.set(idx, level);
    cx.changed = true;
  }
  if (!v.unknown && off % 2 !== 0) fail('misaligned', targetOp.col, 'branch target misaligned');
  if (level === 0) {
    if (v.unknown) return [0, 0];
    return le(encodeAt(short!, { ...o, imm: off }, targetOp.col), 2);
  }
  if (level === 1) {
    if (v.unknown) return [0, 0, 0, 0];
    const t = target(cx, targetOp, spec);
    return emit32(spec.name, { ...o, imm: t.offset }, targetOp.col);
  }
  // Level 2: `b<inverse> rs1, rs2, 1f; jal x0, target; 1:`
  const inverse = BY_NAME.get(spec.inverse!)!;
  const ishort = inverse.compressed?.[0] && BY_NAME.get(inverse.compressed[0].c)!;
  const isShort = rvc && ishort !== undefined && cfits(ishort, o);
  const skip = isShort ? 6 : 8;
  const first = encodeAt(isShort ? ishort : inverse, { ...o, imm: skip }, targetOp.col);
  const jpc = cx.pc + BigInt(isShort ? 2 : 4);
  const joff = Number(v.v - jpc);
  if (v.unknown) return new Array(skip).fill(0);
  const j = immRange(BY_NAME.get('jal')!.imm!);
  if (joff < j.min || joff > j.max + 1) fail('out-of-range', targetOp.col, `branch target out of range (offset ${off}, allowed ${j.min}..${j.max})`);
  return [...le(first, isShort ? 2 : 4), ...emit32('jal', { ...zeroOps(), imm: joff }, targetOp.col)];
}
