/**
 * Turns decoded instructions into JavaScript functions by gluing the semantic units'
 * sources (sem.ts). Two shapes, one generator:
 * - one instruction (Hart.execute/step): cached by its encoding bits;
 * - a translated block (Hart.run): a region (hart.ts build: straight-line code through
 *   branch fall-throughs, `j`, and the taken side of an enclosing loop's back edge) that
 *   loops inside the function whenever control comes back to its start, cached by the bytes
 *   it was built from (so identical code anywhere shares one function, and code patched in
 *   place never reuses a stale translation).
 * The functions are position-independent: the block's address arrives as `pc0`.
 */
import type { Insn } from '../isa/types.js';
import { helpers, Gen, regs, Unit } from './sem.js';
import { rv64i } from './rv64i.js';
import { rv64m } from './rv64m.js';
import { amoHelpers, rv64a } from './rv64a.js';
import { zicsr } from './zicsr.js';
import { zifencei } from './zifencei.js';

/** Every semantic unit, keyed by Insn.op. */
export const UNITS: Readonly<Record<string, Unit>> = { ...rv64i, ...rv64m, ...rv64a, ...zicsr, ...zifencei };

const H = { ...helpers, ...amoHelpers };

/**
 * A compiled instruction or block: runs on hart h (registers r, memory m) starting at pc0 and
 * returns the next pc. It adds the instructions it retired to h.retired and reports guest
 * events in h.stop or m.fault (the pc returned is then the pc of the stopping instruction,
 * except for ecall, which retires).
 */
export type CompiledFn = (h: unknown, r: Int32Array, m: unknown, pc0: number) => number;

/** One slot of a block: an instruction at byte offset `off`, or an undecodable encoding. */
export interface Slot {
  off: number;
  insn: Insn | undefined;
  bits: number;
  /** The next slot is this control transfer's successor (see Gen.continues). */
  continues?: boolean;
  /** The next slot is this conditional branch's target (see Gen.taken). */
  taken?: boolean;
}

/** True for instructions that must end a translated block. */
export function endsBlock(insn: Insn | undefined): boolean {
  if (!insn) return true;
  switch (insn.op) {
    case 'jal': case 'jalr': case 'beq': case 'bne': case 'blt': case 'bge': case 'bltu': case 'bgeu':
    case 'ecall': case 'ebreak':
      return true;
    default:
      return false;
  }
}

const BRANCH_OPS = new Set(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']);

export interface CodegenOptions {
  /** Keep registers in JS locals for the whole function (translated blocks). */
  locals: boolean;
}

/**
 * Source of a function running `slots` from pc0. A block whose last instruction branches or
 * jumps back to its own start becomes a loop inside the function (the budget is checked on
 * each back edge against h.limit), so hot inner loops never return to the dispatcher.
 */
export function blockSource(slots: readonly Slot[], endOff: number, opts: CodegenOptions = { locals: false }): string {
  regs.locals = opts.locals;
  regs.used.clear();
  regs.written.clear();
  regs.cacheOf.clear();
  const n = slots.length;
  const last = slots[n - 1];
  let looped = false;
  let src = '';
  try {
    slots.forEach((s, k) => {
      const size = s.insn?.size ?? ((s.bits & 3) === 3 ? 4 : 2);
      const pcExpr = s.off === 0 ? 'pc0' : `(pc0+${s.off})`;
      const backEdge = `${pcExpr}+${-s.off}`;
      const exit = (count: number, to: string) => {
        // A jump back to the function's own start: loop inside the function while the
        // budget allows another full pass (n bounds what one pass retires).
        // (Also a branch falling through into the start; never a store's exit after writing
        // code, which must leave so the next instruction is fetched afresh.)
        const intoStart = s.off + size === 0 && to === '(pc0+0)' && s.insn !== undefined && BRANCH_OPS.has(s.insn.op);
        if (opts.locals && (to === backEdge || intoStart)) {
          looped = true;
          return `{R+=${count};if(R+${n}>L){X=0;P=pc0;break out;}continue;}`;
        }
        // Every exit of a translated block leaves through the one epilogue after label `out`
        // (registers written back once in the source, not once per exit: a third of the
        // source and of V8's compile time for large regions).
        if (opts.locals) return `{X=${count};P=${to};break out;}`;
        return `{${count === 0 ? '' : `h.retired+=${count};`}return ${to};}`;
      };
      const g: Gen = { pc: pcExpr, next: `(pc0+${s.off + size})`, k, exit, continues: !!s.continues, taken: !!s.taken };
      if (!s.insn) {
        src += `h.stop={kind:'illegal',pc:${g.pc},bits:${s.bits >>> 0}};${exit(k, g.pc)}`;
        return;
      }
      const unit = UNITS[s.insn.op];
      if (!unit) {
        src += `h.stop={kind:'illegal',pc:${g.pc},bits:${s.bits >>> 0},detail:'no semantics for ${s.insn.op}'};${exit(k, g.pc)}`;
        return;
      }
      src += unit(s.insn, g) + '\n';
    });
    if (!last || !endsBlock(last.insn) || last.continues) {
      if (opts.locals && endOff === 0) {
        // the region runs back into its own start (a loop entered from its head and rotated)
        looped = true;
        src += `R+=${n};if(R+${n}>L){X=0;P=pc0;break out;}continue;`;
      } else {
        src += opts.locals ? `X=${n};P=pc0+${endOff};break out;` : `h.retired+=${n};return pc0+${endOff};`;
      }
    }
  } finally {
    regs.locals = false;
  }
  if (!opts.locals) return src;
  const used = [...regs.used].sort((a, b) => a - b);
  const written = [...regs.written].filter((x) => x !== 0).sort((a, b) => a - b);
  const caches = Array.from({ length: regs.cacheOf.size }, (_, c) => `kl${c}=1,kh${c}=0,d${c}=null`);
  const prologue = `let R=h.retired,X=0,P=0;const L=h.limit;` +
    (used.length ? `let ${used.map((x) => `l${x}=r[${2 * x}],h${x}=r[${2 * x + 1}]`).join(',')};` : '') +
    (caches.length ? `let ${caches.join(',')};` : '');
  const wb = written.map((x) => `r[${2 * x}]=l${x};r[${2 * x + 1}]=h${x};`).join('');
  return `${prologue}out:{${looped ? `for(;;){${src}}` : src}}${wb}h.retired=R+X;return P;`;
}

const FN_HEAD = 'function block(h,r,m,pc0){const rK=m.rKey,rP=m.rPage,wK=m.wKey,wP=m.wPage;';

export function compile(slots: readonly Slot[], endOff: number, opts?: CodegenOptions): CompiledFn {
  const body = blockSource(slots, endOff, opts);
  return new Function('H', `"use strict";return ${FN_HEAD}${body}}`)(H) as CompiledFn;
}

const insnCache = new Map<number, CompiledFn>();

/** The compiled form of one instruction, cached by its encoding bits (never by address). */
export function compileInsn(insn: Insn): CompiledFn {
  let fn = insnCache.get(insn.bits);
  if (!fn) {
    fn = compile([{ off: 0, insn, bits: insn.bits }], insn.size);
    insnCache.set(insn.bits, fn);
  }
  return fn;
}

/** Whether the encoding already has its compiled closure. */
export function isCompiled(bits: number): boolean {
  return insnCache.has(bits);
}

/**
 * Compiles the closures of several instructions with one `new Function` (a third of the cost
 * of one call each): the hart does this for the rest of a cold basic block on its first miss.
 */
export function compileInsns(insns: readonly Insn[]): void {
  const todo = new Map<number, Insn>();
  for (const i of insns) if (!insnCache.has(i.bits)) todo.set(i.bits, i);
  if (todo.size === 0) return;
  const list = [...todo.values()];
  const src = list.map((i) => `${FN_HEAD}${blockSource([{ off: 0, insn: i, bits: i.bits }], i.size)}}`).join(',\n');
  const fns = new Function('H', `"use strict";return [${src}]`)(H) as CompiledFn[];
  list.forEach((i, k) => insnCache.set(i.bits, fns[k]));
}

const blockCache = new Map<string, CompiledFn>();

/** The compiled form of a block, cached by the bytes it was built from. */
export function compileBlock(key: string, slots: readonly Slot[], endOff: number): CompiledFn {
  let fn = blockCache.get(key);
  if (!fn) {
    fn = compile(slots, endOff, { locals: true });
    blockCache.set(key, fn);
  }
  return fn;
}

/** Sizes of the code caches (statistics). */
export function cacheStats(): { insns: number; blocks: number } {
  return { insns: insnCache.size, blocks: blockCache.size };
}
